"""crm_analytics: analytical-CRM data mining for customer and transaction tables."""

from __future__ import annotations

from crm_analytics.associations import association_rules, recommend_products
from crm_analytics.cohorts import cohort_table, loyalty_metrics
from crm_analytics.dedupe import apply_customer_mapping, find_duplicate_customers, merge_customers
from crm_analytics.exceptions import ConvergenceError, DataValidationError, NotFittedError
from crm_analytics.io import DataQualityReport, read_customers, read_transactions
from crm_analytics.segmentation import (
    CustomerClusterer,
    RFMScorer,
    concentration,
    lifecycle_stages,
    rfm_segments,
    value_tiers,
)
from crm_analytics.summary import calibration_holdout_split, rfm_summary

__version__ = "0.1.0"

__all__ = [
    "ConvergenceError",
    "CustomerClusterer",
    "DataQualityReport",
    "DataValidationError",
    "NotFittedError",
    "RFMScorer",
    "__version__",
    "apply_customer_mapping",
    "association_rules",
    "calibration_holdout_split",
    "cohort_table",
    "concentration",
    "find_duplicate_customers",
    "lifecycle_stages",
    "loyalty_metrics",
    "merge_customers",
    "read_customers",
    "read_transactions",
    "recommend_products",
    "rfm_segments",
    "rfm_summary",
    "value_tiers",
]
