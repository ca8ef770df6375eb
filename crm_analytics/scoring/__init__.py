"""Batch scoring: one customer table from the segmentation, CLV and churn models.

:func:`score_customers` backs the ``crm-analytics`` command and the notebooks alike: it reads
nothing and writes nothing, it only calls the models of the layers below on the data given.
"""

from __future__ import annotations

from crm_analytics.scoring.config import ScoringConfig, load_config

__all__ = ["ScoringConfig", "load_config"]
