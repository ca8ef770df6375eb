"""Matplotlib plots of crm_analytics results, one module per family.

Every function takes an optional ``ax`` and returns the Axes; none calls ``show``. The
functions are exported here, so ``from crm_analytics.plotting import plot_lorenz_curve``
works; ``plot_segment_shares`` is segmentation's (any segment labels), and the scoring
table's bars of the same name stay in `crm_analytics.plotting.scoring`.
"""

from __future__ import annotations

from crm_analytics.plotting.churn import (
    plot_calibration,
    plot_churn_evaluation,
    plot_gains,
    plot_lift,
)
from crm_analytics.plotting.clv import (
    plot_calibration_purchases_vs_holdout_purchases,
    plot_cumulative_transactions,
    plot_dropout_rate_heterogeneity,
    plot_expected_repeat_purchases,
    plot_frequency_recency_matrix,
    plot_history_alive,
    plot_incremental_transactions,
    plot_period_transactions,
    plot_probability_alive_matrix,
    plot_transaction_rate_heterogeneity,
)
from crm_analytics.plotting.cohorts import plot_cohort_heatmap, plot_retention_curves
from crm_analytics.plotting.scoring import plot_segment_matrix, plot_segment_metric
from crm_analytics.plotting.segmentation import (
    plot_cluster_scatter,
    plot_cluster_snake,
    plot_lorenz_curve,
    plot_rfm_heatmap,
    plot_segment_shares,
)

__all__ = [
    "plot_calibration",
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_churn_evaluation",
    "plot_cluster_scatter",
    "plot_cluster_snake",
    "plot_cohort_heatmap",
    "plot_cumulative_transactions",
    "plot_dropout_rate_heterogeneity",
    "plot_expected_repeat_purchases",
    "plot_frequency_recency_matrix",
    "plot_gains",
    "plot_history_alive",
    "plot_incremental_transactions",
    "plot_lift",
    "plot_lorenz_curve",
    "plot_period_transactions",
    "plot_probability_alive_matrix",
    "plot_retention_curves",
    "plot_rfm_heatmap",
    "plot_segment_matrix",
    "plot_segment_metric",
    "plot_segment_shares",
    "plot_transaction_rate_heterogeneity",
]
