"""Example data: the public datasets of the CLV papers (CDNOW, donations) shipped in the
package, a simulator with known BG/NBD and Gamma-Gamma parameters, and example shop exports
built from it."""

from __future__ import annotations

from crm_analytics.datasets.cdnow import load_cdnow, load_cdnow_summary
from crm_analytics.datasets.donations import load_donations
from crm_analytics.datasets.exports import EXAMPLE_COLUMNS, make_shop_export, write_example_exports
from crm_analytics.datasets.files import DATA_FILES, read_dataset
from crm_analytics.datasets.people import make_customer_records
from crm_analytics.datasets.simulate import make_transactions

__all__ = [
    "DATA_FILES",
    "EXAMPLE_COLUMNS",
    "load_cdnow",
    "load_cdnow_summary",
    "load_donations",
    "make_customer_records",
    "make_shop_export",
    "make_transactions",
    "read_dataset",
    "write_example_exports",
]
