"""Churn prediction: labels from the data, leak-free features, calibrated scores with reasons."""

from __future__ import annotations

from crm_analytics.churn.labels import LabelDefinition, contractual_labels, non_contractual_labels

__all__ = ["LabelDefinition", "contractual_labels", "non_contractual_labels"]
