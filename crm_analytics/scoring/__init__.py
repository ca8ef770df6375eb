"""Batch scoring: one customer table from the segmentation, CLV and churn models.

:func:`score_customers` backs the ``crm-analytics`` command and the notebooks alike: it reads
nothing and writes nothing, it only calls the models of the layers below on the data given.
:func:`fit_models` fits those models as of a date (``FittedModels.save``/``load`` keep them
in a folder), and :func:`segment_summary` slices the scored table by segment and attribute.
:func:`knowledge_tables` computes the optional customer-knowledge tables of a run (cohorts,
loyalty, association rules, recommendations) and :func:`merge_duplicate_customers` merges
duplicate customer records before scoring.
"""

from __future__ import annotations

from crm_analytics.scoring.config import ScoringConfig, load_config
from crm_analytics.scoring.knowledge import knowledge_tables, merge_duplicate_customers
from crm_analytics.scoring.models import FittedModels, fit_models
from crm_analytics.scoring.score import SCORE_COLUMNS, score_customers
from crm_analytics.scoring.tables import segment_summary

__all__ = [
    "SCORE_COLUMNS",
    "FittedModels",
    "ScoringConfig",
    "fit_models",
    "knowledge_tables",
    "load_config",
    "merge_duplicate_customers",
    "score_customers",
    "segment_summary",
]
