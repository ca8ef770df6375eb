"""Loading and validation: customer and transaction tables in, canonical frames out.

``read_transactions`` and ``read_customers`` read files (CSV, TSV, Excel, Parquet), data
frames (pandas, polars, pyarrow) or SQL tables and queries, check them, apply explicit
policies (returns, missing ids, duplicates...) and attach a :class:`DataQualityReport`
to the result that counts every row read, dropped and kept.
"""

from __future__ import annotations

from crm_analytics.io.customers import read_customers
from crm_analytics.io.report import DataQualityReport, quality_report
from crm_analytics.io.transactions import read_transactions

__all__ = ["DataQualityReport", "quality_report", "read_customers", "read_transactions"]
