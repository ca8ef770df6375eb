"""Example data: the real CDNOW log, a simulator with known BG/NBD and Gamma-Gamma parameters,
example shop exports built from it, and satisfaction surveys that drive dropout."""

from __future__ import annotations

from crm_analytics.datasets.cdnow import load_cdnow
from crm_analytics.datasets.exports import EXAMPLE_COLUMNS, make_shop_export, write_example_exports
from crm_analytics.datasets.people import make_customer_records
from crm_analytics.datasets.simulate import make_transactions
from crm_analytics.datasets.surveys import SURVEY_ITEMS, make_survey_data

__all__ = [
    "EXAMPLE_COLUMNS",
    "SURVEY_ITEMS",
    "load_cdnow",
    "make_customer_records",
    "make_shop_export",
    "make_survey_data",
    "make_transactions",
    "write_example_exports",
]
