"""crm_analytics: analytical-CRM data mining for customer and transaction tables."""

from __future__ import annotations

from crm_analytics._version import __version__
from crm_analytics.associations import association_rules, recommend_products
from crm_analytics.churn import ChurnModel, make_churn_dataset
from crm_analytics.clv import (
    BetaGeoBetaBinomFitter,
    BetaGeoFitter,
    GammaGammaFitter,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
    customer_lifetime_value,
)
from crm_analytics.cohorts import cohort_table, loyalty_metrics
from crm_analytics.dedupe import find_duplicate_customers, merge_customers
from crm_analytics.exceptions import ConvergenceError, DataValidationError, NotFittedError
from crm_analytics.io import (
    CustomerTable,
    DataQualityReport,
    apply_customer_mapping,
    read_customers,
    read_transactions,
)
from crm_analytics.log import TransactionLog
from crm_analytics.scoring import score_customers
from crm_analytics.segmentation import (
    CustomerClusterer,
    RFMScorer,
    concentration,
    lifecycle_stages,
    rfm_segments,
    value_tiers,
)
from crm_analytics.summary import calibration_holdout_split, rfm_summary

__all__ = [
    "BetaGeoBetaBinomFitter",
    "BetaGeoFitter",
    "ChurnModel",
    "ConvergenceError",
    "CustomerClusterer",
    "CustomerTable",
    "DataQualityReport",
    "DataValidationError",
    "GammaGammaFitter",
    "ModifiedBetaGeoFitter",
    "NotFittedError",
    "ParetoNBDFitter",
    "RFMScorer",
    "TransactionLog",
    "__version__",
    "apply_customer_mapping",
    "association_rules",
    "calibration_holdout_split",
    "cohort_table",
    "concentration",
    "customer_lifetime_value",
    "find_duplicate_customers",
    "lifecycle_stages",
    "loyalty_metrics",
    "make_churn_dataset",
    "merge_customers",
    "read_customers",
    "read_transactions",
    "recommend_products",
    "rfm_segments",
    "rfm_summary",
    "score_customers",
    "value_tiers",
]
