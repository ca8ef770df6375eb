"""crm_analytics: analytical-CRM data mining for customer and transaction tables."""

from __future__ import annotations

from crm_analytics.exceptions import ConvergenceError, DataValidationError, NotFittedError
from crm_analytics.io import DataQualityReport, read_customers, read_transactions
from crm_analytics.summary import calibration_holdout_split, rfm_summary

__version__ = "0.1.0"

__all__ = [
    "ConvergenceError",
    "DataQualityReport",
    "DataValidationError",
    "NotFittedError",
    "__version__",
    "calibration_holdout_split",
    "read_customers",
    "read_transactions",
    "rfm_summary",
]
