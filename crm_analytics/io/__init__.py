"""Loading and validation: customer and transaction tables in, canonical frames out.

``read_transactions`` and ``read_customers`` read files (CSV, TSV, Excel, Parquet), data
frames (pandas, polars, pyarrow) or SQL tables and queries, check them, apply explicit
policies (returns, missing ids, duplicates...) and attach a :class:`DataQualityReport`
to the result that counts every row read, dropped and kept. ``read_survey`` does the same
for survey responses and returns a :class:`Survey` holding the table and its report.
"""

from __future__ import annotations

from crm_analytics.io.customers import read_customers
from crm_analytics.io.report import DataQualityReport, quality_report
from crm_analytics.io.surveys import Survey, read_survey
from crm_analytics.io.transactions import read_transactions

__all__ = [
    "DataQualityReport",
    "Survey",
    "quality_report",
    "read_customers",
    "read_survey",
    "read_transactions",
]
