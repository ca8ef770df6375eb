"""The segmentation steps of scoring: every call into ``crm_analytics.segmentation`` is here.

Each function turns the per-customer summary (``rfm_summary``) and the fitted objects into the
columns of the scored table, under the names the table documents.
"""

from __future__ import annotations

import pandas as pd

from crm_analytics.scoring.config import ModelConfig
from crm_analytics.segmentation import (
    CustomerClusterer,
    RFMScorer,
    lifecycle_stages,
    rfm_segments,
    value_tiers,
)

__all__ = [
    "cluster_columns",
    "fit_clusterer",
    "fit_rfm",
    "lifecycle_column",
    "rfm_columns",
    "value_tier_column",
]

_RFM_COLUMNS = ["r_score", "f_score", "m_score", "rfm_cell", "rfm_score"]


def fit_rfm(summary: pd.DataFrame, *, model: ModelConfig) -> RFMScorer:
    """RFM score edges learned on the customers of ``summary``."""
    return RFMScorer(bins=model.rfm_bins).fit(summary)


def rfm_columns(scorer: RFMScorer, summary: pd.DataFrame) -> pd.DataFrame:
    """``r_score, f_score, m_score, rfm_cell, rfm_score`` and the named ``rfm_segment``."""
    scores = scorer.transform(summary)
    segment = rfm_segments(scores, bins=scorer.bins)
    return scores[_RFM_COLUMNS].assign(rfm_segment=segment)


def value_tier_column(values: pd.Series, *, model: ModelConfig) -> pd.Series:
    """Pareto value tier (high / medium / low) of each customer's value."""
    high, medium = model.value_tier_shares
    tiers = value_tiers(values.clip(lower=0), method="pareto", share=high, medium_share=medium)
    return tiers.rename("value_tier")


def lifecycle_column(
    summary: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    transactions: pd.DataFrame,
    p_alive: pd.Series | None,
    model: ModelConfig,
    customers: pd.DataFrame | None = None,
) -> pd.Series:
    """Lifecycle stage of each customer of ``summary`` (at risk from P(alive) when given),
    and of each prospect of ``customers`` (signed up by ``as_of``, no purchase)."""
    # The whole as-of day is observed: its purchases count, so the stages are taken at its end.
    stages = lifecycle_stages(
        summary,
        customers,
        as_of=as_of + pd.Timedelta(days=1),
        transactions=transactions,
        p_alive=p_alive,
        new_days=model.new_days,
        lost_days=model.lost_days,
        p_alive_threshold=model.p_alive_threshold,
    )
    return stages["stage"].rename("lifecycle_stage")


def fit_clusterer(summary: pd.DataFrame, *, model: ModelConfig) -> CustomerClusterer:
    """Customer clusters learned on the customers of ``summary``."""
    n_clusters = "auto" if model.n_clusters is None else model.n_clusters
    return CustomerClusterer(n_clusters=n_clusters, random_state=model.random_state).fit(summary)


def cluster_columns(clusterer: CustomerClusterer, summary: pd.DataFrame) -> pd.DataFrame:
    """``cluster`` (number) and ``cluster_name`` (a short description) of each customer."""
    cluster = clusterer.predict(summary).rename("cluster")
    return pd.DataFrame({"cluster": cluster, "cluster_name": cluster.map(clusterer.cluster_names_)})
