"""Loading and validation: customer and transaction tables in, canonical frames out.

``read_transactions`` and ``read_customers`` read files (CSV, TSV, Excel, Parquet), data
frames (pandas, polars, pyarrow) or SQL tables and queries, check them, apply explicit
policies (returns, missing ids, duplicates...) and return a checked table (a
:class:`~crm_analytics.log.TransactionLog`, a :class:`CustomerTable`) whose ``report``
counts every row read, dropped and kept. ``read_survey`` does the same for survey responses
and returns a :class:`Survey`. ``apply_customer_mapping`` carries merged duplicate customer
records into a table. SQL sources are only ever read (one SELECT, in a read-only,
rolled-back transaction); ``resolve_url`` takes a database password from an environment
variable or a ``.pgpass`` file instead of the URL.
"""

from __future__ import annotations

from crm_analytics._secrets import resolve_url
from crm_analytics.io.customers import CustomerTable, read_customers
from crm_analytics.io.mapping import apply_customer_mapping
from crm_analytics.io.surveys import Survey, read_survey
from crm_analytics.io.transactions import read_transactions
from crm_analytics.quality import DataQualityReport, quality_report

__all__ = [
    "CustomerTable",
    "DataQualityReport",
    "Survey",
    "apply_customer_mapping",
    "quality_report",
    "read_customers",
    "read_survey",
    "read_transactions",
    "resolve_url",
]
