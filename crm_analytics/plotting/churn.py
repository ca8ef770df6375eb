"""Plots of churn model quality: cumulative gains, lift by share contacted, calibration.

Each takes the true 0/1 labels and a mapping of scorer name to scores (the model and its
baselines, e.g. ``ChurnModel.scores(X, baselines=...)``), so the curves are drawn side by side.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from crm_analytics.churn.evaluation import calibration_curve, gains_curve
from crm_analytics.exceptions import DataValidationError

__all__ = ["plot_calibration", "plot_churn_evaluation", "plot_gains", "plot_lift"]


def _new_axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _check_scores(scores: Mapping[str, object]) -> None:
    if not isinstance(scores, Mapping) or not scores:
        raise DataValidationError(
            "scores must be a non-empty dict of scorer name to scores, e.g. "
            "model.scores(X, baselines={...})"
        )


def plot_gains(y_true: object, scores: Mapping[str, object], *, ax: Axes | None = None) -> Axes:
    """Cumulative gains: share of churners found against the share of customers contacted.

    Parameters
    ----------
    y_true : array-like of 0/1
        1 = churned.
    scores : dict
        Scorer name to churn scores aligned with ``y_true``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_gains([1, 0, 1, 0], {"model": [0.9, 0.1, 0.8, 0.2]})
    >>> ax.get_lines()[0].get_ydata().tolist()
    [0.0, 0.5, 1.0, 1.0, 1.0]
    """
    _check_scores(scores)
    ax = _new_axes(ax)
    for name, values in scores.items():
        fraction, captured = gains_curve(y_true, values)
        ax.plot(fraction, captured, label=name)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="random")
    ax.set_xlabel("Share of customers contacted (highest score first)")
    ax.set_ylabel("Share of churners found")
    ax.set_title("Cumulative gains")
    ax.legend()
    return ax


def plot_lift(
    y_true: object,
    scores: Mapping[str, object],
    *,
    n_bins: int = 10,
    ax: Axes | None = None,
) -> Axes:
    """Cumulative lift at each decile (or ``n_bins`` share) of customers contacted.

    Lift is the churn rate among the customers contacted over the overall churn rate; 1 is
    what random picking gives.

    Examples
    --------
    >>> ax = plot_lift([1, 0, 1, 0], {"model": [0.9, 0.1, 0.8, 0.2]}, n_bins=4)
    >>> ax.get_lines()[0].get_ydata().tolist()
    [2.0, 2.0, 1.333..., 1.0]
    """
    _check_scores(scores)
    ax = _new_axes(ax)
    shares = np.arange(1, n_bins + 1) / n_bins
    for name, values in scores.items():
        fraction, captured = gains_curve(y_true, values)
        ax.plot(shares, np.interp(shares, fraction, captured) / shares, marker="o", label=name)
    ax.axhline(1.0, linestyle="--", color="grey", label="random")
    ax.set_xlabel("Share of customers contacted (highest score first)")
    ax.set_ylabel("Cumulative lift")
    ax.set_title("Lift")
    ax.legend()
    return ax


def plot_calibration(
    y_true: object,
    scores: Mapping[str, object],
    *,
    n_bins: int = 10,
    ax: Axes | None = None,
) -> Axes:
    """Observed churn rate against mean predicted probability, by quantile bins of score.

    Examples
    --------
    >>> ax = plot_calibration([0, 0, 1, 1], {"model": [0.1, 0.2, 0.7, 0.9]}, n_bins=2)
    >>> ax.get_lines()[0].get_ydata().tolist()
    [0.0, 1.0]
    """
    _check_scores(scores)
    ax = _new_axes(ax)
    for name, values in scores.items():
        curve = calibration_curve(y_true, values, n_bins=n_bins)
        ax.plot(curve["mean_predicted"], curve["observed_rate"], marker="o", label=name)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    ax.set_xlabel("Mean predicted churn probability")
    ax.set_ylabel("Observed churn rate")
    ax.set_title("Calibration")
    ax.legend()
    return ax


def plot_churn_evaluation(
    y_true: object,
    scores: Mapping[str, object],
    *,
    axes: np.ndarray | list[Axes] | None = None,
) -> np.ndarray:
    """Gains, lift and calibration side by side; returns the three Axes.

    Examples
    --------
    >>> axes = plot_churn_evaluation([1, 0, 1, 0], {"model": [0.9, 0.1, 0.8, 0.2]})
    >>> [ax.get_title() for ax in axes]
    ['Cumulative gains', 'Lift', 'Calibration']
    """
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    axes = np.asarray(axes).ravel()
    if len(axes) != 3:
        raise DataValidationError(
            f"axes must hold 3 Axes (gains, lift, calibration), got {len(axes)}"
        )
    plot_gains(y_true, scores, ax=axes[0])
    plot_lift(y_true, scores, ax=axes[1])
    plot_calibration(y_true, scores, ax=axes[2])
    return axes
