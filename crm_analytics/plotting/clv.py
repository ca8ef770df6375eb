"""Plots for checking and reading CLV transaction models, under lifetimes' names.

The functions are those of `crm_analytics.clv.plotting` (lifetimes' ``lifetimes.plotting``
names, signatures and defaults), which live beside the models so that the lifetimes-style
``crm_analytics.clv.plotting`` import needs no import from this layer; here they join the other
families' plots.
"""

from __future__ import annotations

from crm_analytics.clv.plotting import (
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

__all__ = [
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_cumulative_transactions",
    "plot_dropout_rate_heterogeneity",
    "plot_expected_repeat_purchases",
    "plot_frequency_recency_matrix",
    "plot_history_alive",
    "plot_incremental_transactions",
    "plot_period_transactions",
    "plot_probability_alive_matrix",
    "plot_transaction_rate_heterogeneity",
]
