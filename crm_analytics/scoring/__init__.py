"""Scoring: one customer table from the segmentation, CLV and churn models.

A run is one list of steps (:data:`crm_analytics.scoring.steps.STEPS`, one module per family)
on one checked log as of one day. :func:`score_customers` (and :func:`score`, which also
gives the run's as-of date, models and timings) backs the ``crm-analytics`` command and the
notebooks alike: it reads nothing and writes nothing, it only calls the models of the layers
below on the data given. :func:`fit_models` fits the steps as of a date
(:func:`crm_analytics.runs.save_models` / ``load_models`` keep them in a folder), and
:func:`segment_summary` slices the scored table by segment and attribute.
:func:`knowledge_tables` computes the optional customer-knowledge tables of a run (cohorts,
loyalty, association rules, recommendations) and :func:`merge_duplicate_customers` merges
duplicate customer records before scoring.
"""

from __future__ import annotations

from crm_analytics.scoring.config import ScoringConfig, load_config
from crm_analytics.scoring.knowledge import knowledge_tables, merge_duplicate_customers
from crm_analytics.scoring.models import FittedModels, fit_models
from crm_analytics.scoring.score import SCORE_COLUMNS, ScoringResult, score, score_customers
from crm_analytics.scoring.tables import segment_summary

__all__ = [
    "SCORE_COLUMNS",
    "FittedModels",
    "ScoringConfig",
    "ScoringResult",
    "fit_models",
    "knowledge_tables",
    "load_config",
    "merge_duplicate_customers",
    "score",
    "score_customers",
    "segment_summary",
]
