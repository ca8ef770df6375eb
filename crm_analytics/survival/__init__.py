"""Survival view of contract customers: tenure tables, retention curves, churn-time models,
their evaluation, and the per-customer contract scores (survival, remaining periods, value).

Kaplan-Meier curves, log-rank tests and the Cox / Weibull churn-time models are estimated with
lifelines (the ``survival`` extra: ``pip install 'crm-analytics[survival]'`` then
``pip install --no-deps 'lifelines>=0.30'``, as lifelines declares pandas<3 though it runs on
pandas 3), imported when
first needed; the tenure tables and `contract_scores` (shifted-beta-geometric retention, from
`crm_analytics.clv`) need only the core install.
"""

from __future__ import annotations

from crm_analytics.survival.contracts import (
    contract_scores,
    fit_retention_models,
    retention_scores,
)
from crm_analytics.survival.curves import kaplan_meier, logrank_test, median_tenure
from crm_analytics.survival.evaluation import brier_scores, concordance, survival_calibration
from crm_analytics.survival.model import ChurnTimeModel
from crm_analytics.survival.tenure import TENURE, contract_tenure, tenure_table

__all__ = [
    "TENURE",
    "ChurnTimeModel",
    "brier_scores",
    "concordance",
    "contract_scores",
    "contract_tenure",
    "fit_retention_models",
    "kaplan_meier",
    "logrank_test",
    "median_tenure",
    "retention_scores",
    "survival_calibration",
    "tenure_table",
]
