"""Churn prediction: labels from the data, leak-free features, calibrated scores with reasons."""

from __future__ import annotations

from crm_analytics.churn.backtest import backtest
from crm_analytics.churn.baselines import PAliveBaseline, RecencyBaseline
from crm_analytics.churn.evaluation import (
    auc_difference,
    calibration_curve,
    churn_metrics,
    gains_curve,
    metrics_table,
)
from crm_analytics.churn.features import (
    ChurnDataset,
    churn_features,
    make_churn_dataset,
    make_churn_panel,
)
from crm_analytics.churn.labels import LabelDefinition, contractual_labels, non_contractual_labels
from crm_analytics.churn.model import ChurnModel

__all__ = [
    "ChurnDataset",
    "ChurnModel",
    "LabelDefinition",
    "PAliveBaseline",
    "RecencyBaseline",
    "auc_difference",
    "backtest",
    "calibration_curve",
    "churn_features",
    "churn_metrics",
    "contractual_labels",
    "gains_curve",
    "make_churn_dataset",
    "make_churn_panel",
    "metrics_table",
    "non_contractual_labels",
]
