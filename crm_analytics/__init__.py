"""crm_analytics: analytical-CRM data mining for customer and transaction tables."""

from __future__ import annotations

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
    "calibration_holdout_split",
    "concentration",
    "lifecycle_stages",
    "read_customers",
    "read_transactions",
    "rfm_segments",
    "rfm_summary",
    "value_tiers",
]
