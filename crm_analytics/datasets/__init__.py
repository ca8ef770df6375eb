"""Example data: the real CDNOW log, a simulator with known BG/NBD and Gamma-Gamma parameters,
and example shop exports built from it."""

from __future__ import annotations

from crm_analytics.datasets.cdnow import load_cdnow
from crm_analytics.datasets.exports import EXAMPLE_COLUMNS, make_shop_export, write_example_exports
from crm_analytics.datasets.people import make_customer_records
from crm_analytics.datasets.simulate import make_transactions

__all__ = [
    "EXAMPLE_COLUMNS",
    "load_cdnow",
    "make_customer_records",
    "make_shop_export",
    "make_transactions",
    "write_example_exports",
]
