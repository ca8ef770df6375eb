"""Plots of contract retention: Kaplan-Meier curves with at-risk counts, a retention model's
projection against what happened, and the effects of a churn-time model's attributes."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from crm_analytics.exceptions import DataValidationError

__all__ = ["plot_effects", "plot_retention_curves", "plot_retention_projection"]

_CURVE_COLUMNS = ("survival", "lower", "upper", "at_risk")


def _new_axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    return ax


def plot_retention_curves(
    curves: pd.DataFrame,
    *,
    at_risk_periods: Sequence[int] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Kaplan-Meier retention curves with their confidence bands and at-risk counts below.

    Parameters
    ----------
    curves : pandas.DataFrame
        `crm_analytics.survival.kaplan_meier` output: indexed by (``group``, ``period``) with
        ``survival``, ``lower``, ``upper``, ``at_risk``.
    at_risk_periods : sequence of int, optional
        Periods at which to print the customers still at risk, one row per group under the
        axis; default about six evenly spaced periods.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> curves = pd.DataFrame(
    ...     {"survival": [1.0, 0.8, 0.5], "lower": [1.0, 0.6, 0.3], "upper": [1.0, 0.9, 0.7],
    ...      "at_risk": [10, 8, 4], "churned": [0, 2, 3]},
    ...     index=pd.MultiIndex.from_product([["all"], [0, 1, 2]], names=["group", "period"]))
    >>> ax = plot_retention_curves(curves, at_risk_periods=[0, 2])
    >>> ax.get_lines()[0].get_ydata().tolist()
    [1.0, 0.8, 0.5]
    >>> [text.get_text() for text in ax.texts]
    ['at risk', 'all', '10', '4']
    """
    if (
        not isinstance(curves, pd.DataFrame)
        or curves.index.nlevels != 2
        or not set(_CURVE_COLUMNS) <= set(curves.columns)
    ):
        raise DataValidationError(
            "curves must be the output of crm_analytics.survival.kaplan_meier (indexed by "
            "group and period, with survival, lower, upper and at_risk)"
        )
    ax = _new_axes(ax)
    groups = list(dict.fromkeys(curves.index.get_level_values(0)))
    periods = curves.index.get_level_values(1)
    if at_risk_periods is None:
        at_risk_periods = np.unique(np.linspace(0, periods.max(), 7).round().astype(int))
    for group in groups:
        curve = curves.xs(group, level=0)
        (line,) = ax.step(curve.index, curve["survival"], where="post", label=str(group))
        ax.fill_between(
            curve.index, curve["lower"], curve["upper"], step="post", alpha=0.2,
            color=line.get_color(),
        )  # fmt: skip
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Renewal periods since the start of the contract")
    ax.set_ylabel("Share of customers still active")
    ax.set_title("Retention (Kaplan-Meier, with confidence bands)")
    ax.legend(title=curves.index.names[0] if len(groups) > 1 else None)
    # At-risk counts under the axis, one row per group, as survival papers print them.
    transform = ax.get_xaxis_transform()
    ax.text(0, -0.16, "at risk", transform=ax.transAxes, ha="right", fontsize="small")
    for row, group in enumerate(groups):
        curve = curves.xs(group, level=0)
        height = -0.22 - 0.06 * row
        ax.text(0, height, str(group), transform=ax.transAxes, ha="right", fontsize="small")
        for period in at_risk_periods:
            count = int(curve["at_risk"].get(period, 0))
            ax.text(period, height, str(count), transform=transform, ha="center", fontsize="small")
    return ax


def plot_retention_projection(
    model: object,
    actual: pd.Series,
    *,
    fitted_periods: int,
    ax: Axes | None = None,
) -> Axes:
    """A retention model's survivor curve against a cohort's actual survival.

    Parameters
    ----------
    model : ShiftedBetaGeoFitter or BetaDiscreteWeibullFitter
        A fitted model (anything with ``survivor_curve(n_periods)``).
    actual : pandas.Series
        The cohort's share (or count) still active, indexed by period from 0; counts are
        divided by the period-0 value.
    fitted_periods : int
        The model was fitted on periods 0 .. ``fitted_periods``; a line marks where the
        projection starts.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from crm_analytics.clv import ShiftedBetaGeoFitter
    >>> from crm_analytics.datasets import load_retention_segments
    >>> cohort = load_retention_segments()["high_end"]
    >>> model = ShiftedBetaGeoFitter().fit(survivors=cohort.loc[:7].tolist())
    >>> ax = plot_retention_projection(model, cohort, fitted_periods=7)
    >>> round(float(ax.get_lines()[1].get_ydata()[12]), 3)
    0.378
    """
    if not isinstance(actual, pd.Series) or actual.empty or actual.iloc[0] <= 0:
        raise DataValidationError(
            "actual must be a Series of a cohort's share or count still active, indexed by "
            "period from 0 (a positive first value)"
        )
    ax = _new_axes(ax)
    shares = actual / actual.iloc[0]
    projected = model.survivor_curve(int(actual.index.max()))
    ax.plot(shares.index, shares.to_numpy(), "o", color="black", label="actual")
    ax.plot(projected.index, projected.to_numpy(), "-", label=f"{type(model).__name__}")
    ax.axvline(fitted_periods, linestyle="--", color="grey", label="end of fitting data")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Renewal periods since acquisition")
    ax.set_ylabel("Share of the cohort still active")
    ax.set_title("Retention projection against what happened")
    ax.legend()
    return ax


def plot_effects(model: object, *, ax: Axes | None = None) -> Axes:
    """Hazard ratios (Cox) or time ratios (Weibull) of a churn-time model, with their
    confidence intervals, on a log scale.

    Parameters
    ----------
    model : crm_analytics.survival.ChurnTimeModel
        A fitted model.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    effects = model.effects()
    ratio = effects.columns[0]
    effects = effects.sort_values(ratio)
    ax = _new_axes(ax)
    positions = np.arange(len(effects))
    ax.errorbar(
        effects[ratio],
        positions,
        xerr=[effects[ratio] - effects["lower"], effects["upper"] - effects[ratio]],
        fmt="o",
        capsize=3,
    )
    ax.axvline(1.0, linestyle="--", color="grey")
    ax.set_xscale("log")
    ax.set_yticks(positions, [str(name) for name in effects.index])
    what = "leaves sooner" if ratio == "hazard_ratio" else "stays longer"
    ax.set_xlabel(f"{ratio.replace('_', ' ')} (> 1: {what})")
    ax.set_title("Drivers of churn timing")
    return ax
