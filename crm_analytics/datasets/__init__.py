"""Example data: the public datasets of the CLV papers (CDNOW, donations) shipped in the
package, a simulator with known BG/NBD and Gamma-Gamma parameters, example shop exports built
from it, satisfaction surveys that drive dropout, the retention segments of Fader and Hardie
(2007) and a simulator of contract customers with known sBG / discrete-Weibull retention."""

from __future__ import annotations

from crm_analytics.datasets.cdnow import load_cdnow, load_cdnow_summary
from crm_analytics.datasets.contracts import CONTRACT_EFFECTS, make_contracts
from crm_analytics.datasets.donations import load_donations
from crm_analytics.datasets.exports import EXAMPLE_COLUMNS, make_shop_export, write_example_exports
from crm_analytics.datasets.files import DATA_FILES, read_dataset
from crm_analytics.datasets.people import make_customer_records
from crm_analytics.datasets.retention import load_retention_segments
from crm_analytics.datasets.simulate import make_transactions
from crm_analytics.datasets.surveys import SURVEY_ITEMS, make_survey_data

__all__ = [
    "CONTRACT_EFFECTS",
    "DATA_FILES",
    "EXAMPLE_COLUMNS",
    "SURVEY_ITEMS",
    "load_cdnow",
    "load_cdnow_summary",
    "load_donations",
    "load_retention_segments",
    "make_contracts",
    "make_customer_records",
    "make_shop_export",
    "make_survey_data",
    "make_transactions",
    "read_dataset",
    "write_example_exports",
]
