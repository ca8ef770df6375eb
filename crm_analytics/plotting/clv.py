"""Plots for checking and reading CLV transaction models.

Each function draws one of the figures of `crm_analytics.clv.evaluation` (the numbers come
from there, so a plot never computes anything a table does not show), takes an optional
``ax`` and returns the Axes. Function names follow lifetimes' ``lifetimes.plotting``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from crm_analytics.clv.evaluation import (
    conditional_expectations,
    expected_purchases_matrix,
    period_transactions,
    probability_alive_history,
    probability_alive_matrix,
    tracking_transactions,
)
from crm_analytics.schema import CUSTOMER_ID, DATE

__all__ = [
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_cumulative_transactions",
    "plot_frequency_recency_matrix",
    "plot_history_alive",
    "plot_incremental_transactions",
    "plot_period_transactions",
    "plot_probability_alive_matrix",
]


def plot_frequency_recency_matrix(
    model: object,
    *,
    max_frequency: int,
    max_recency: int,
    t: float = 1.0,
    T: float | None = None,
    ax: Axes | None = None,
    cmap: str = "viridis",
) -> Axes:
    """Heatmap of expected purchases in the next ``t`` time units by frequency and recency.

    Parameters
    ----------
    model : fitted transaction model
    max_frequency, max_recency : int
        Largest frequency (x axis) and recency (y axis) shown.
    t : float, default 1.0
        Prediction horizon, in model time units.
    T : float, optional
        Customer age for every cell; defaults to ``max_recency``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.
    cmap : str, default "viridis"
        Matplotlib colormap name.

    Returns
    -------
    matplotlib.axes.Axes
        The image holds `crm_analytics.clv.evaluation.expected_purchases_matrix`, the
        most recent customers at the top.
    """
    matrix = expected_purchases_matrix(
        model, t=t, max_frequency=max_frequency, max_recency=max_recency, T=T
    )
    title = f"Expected purchases in the next {t:g} time units,\nby frequency and recency"
    return _matrix_plot(matrix, title=title, colorbar_label="Expected purchases", ax=ax, cmap=cmap)


def plot_probability_alive_matrix(
    model: object,
    *,
    max_frequency: int,
    max_recency: int,
    T: float | None = None,
    ax: Axes | None = None,
    cmap: str = "viridis",
) -> Axes:
    """Heatmap of the probability a customer is alive by frequency and recency.

    Parameters
    ----------
    model : fitted continuous-time transaction model
    max_frequency, max_recency : int
        Largest frequency (x axis) and recency (y axis) shown.
    T : float, optional
        Customer age for every cell; defaults to ``max_recency``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.
    cmap : str, default "viridis"
        Matplotlib colormap name.

    Returns
    -------
    matplotlib.axes.Axes
        The image holds `crm_analytics.clv.evaluation.probability_alive_matrix`.
    """
    matrix = probability_alive_matrix(
        model, max_frequency=max_frequency, max_recency=max_recency, T=T
    )
    title = "Probability a customer is alive,\nby frequency and recency"
    return _matrix_plot(matrix, title=title, colorbar_label="P(alive)", ax=ax, cmap=cmap)


def _matrix_plot(
    matrix: pd.DataFrame, *, title: str, colorbar_label: str, ax: Axes | None, cmap: str
) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    # origin="lower" would put recency 0 at the bottom; lifetimes' matrices read top-down.
    image = ax.imshow(
        np.ma.masked_invalid(matrix.to_numpy()), cmap=cmap, aspect="auto", interpolation="none"
    )
    ax.figure.colorbar(image, ax=ax, label=colorbar_label)
    ax.set_xlabel("Customer's historical frequency")
    ax.set_ylabel("Customer's recency")
    ax.set_title(title)
    return ax


def plot_period_transactions(
    model: object,
    summary: pd.DataFrame,
    *,
    max_frequency: int = 7,
    ax: Axes | None = None,
) -> Axes:
    """Bars of customers by number of repeat purchases, actual vs model.

    Parameters
    ----------
    model : fitted transaction model
        With ``probability_of_n_purchases_up_to_time`` (BG/NBD, MBG/NBD).
    summary : pandas.DataFrame
        The data the model was fitted on (``frequency`` and ``T`` columns).
    max_frequency : int, default 7
        The last pair of bars pools customers with this many repeat purchases or more.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        Two bar containers, "Actual" then "Model", holding
        `crm_analytics.clv.evaluation.period_transactions`.
    """
    table = period_transactions(model, summary, max_frequency=max_frequency)
    if ax is None:
        _, ax = plt.subplots()
    positions = np.arange(len(table))
    width = 0.4
    ax.bar(positions - width / 2, table["actual"], width, label="Actual")
    ax.bar(positions + width / 2, table["predicted"], width, label="Model")
    ax.set_xticks(positions, _censored_labels(table.index, max_frequency))
    ax.set_xlabel("Number of repeat transactions")
    ax.set_ylabel("Customers")
    ax.set_title("Frequency of repeat transactions")
    ax.legend()
    return ax


def plot_calibration_purchases_vs_holdout_purchases(
    model: object,
    calibration_holdout: pd.DataFrame,
    *,
    censor: int = 7,
    ax: Axes | None = None,
) -> Axes:
    """Mean holdout purchases, actual and predicted, by calibration-period purchases.

    Parameters
    ----------
    model : fitted transaction model
        Fitted on the calibration columns of ``calibration_holdout``.
    calibration_holdout : pandas.DataFrame
        Output of `crm_analytics.summary.calibration_holdout_split`.
    censor : int, default 7
        The last point pools customers with this many calibration purchases or more.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        Two lines, "Actual" then "Model", holding
        `crm_analytics.clv.evaluation.conditional_expectations`.
    """
    table = conditional_expectations(model, calibration_holdout, censor=censor)
    if ax is None:
        _, ax = plt.subplots()
    positions = table.index.to_numpy()
    ax.plot(positions, table["actual"], marker="o", label="Actual")
    ax.plot(positions, table["predicted"], marker="o", linestyle="--", label="Model")
    ax.set_xticks(positions, _censored_labels(table.index, censor))
    ax.set_xlabel("Purchases in calibration period")
    ax.set_ylabel("Average purchases in holdout period")
    ax.set_title("Actual vs predicted holdout purchases")
    ax.legend()
    return ax


def _censored_labels(index: pd.Index, censor: int | None) -> list[str]:
    return [f"{value}+" if value == censor else str(value) for value in index]


def plot_cumulative_transactions(
    model: object,
    transactions: pd.DataFrame,
    *,
    calibration_end: object = None,
    observation_end: object = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    customer_id_col: str = CUSTOMER_ID,
    datetime_col: str = DATE,
    ax: Axes | None = None,
) -> Axes:
    """Actual vs expected cumulative repeat transactions, the calibration end marked.

    Parameters are those of `crm_analytics.clv.evaluation.tracking_transactions`, plus:

    Parameters
    ----------
    calibration_end : date-like, optional
        Drawn as a dashed vertical line at the end of its model time unit.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        Lines "Actual" and "Model" over ``t``, then the calibration-end line if given.
    """
    return _tracking_plot(
        model,
        transactions,
        columns=("actual_cumulative", "predicted_cumulative"),
        ylabel="Cumulative repeat transactions",
        title="Tracking cumulative transactions",
        calibration_end=calibration_end,
        observation_end=observation_end,
        freq=freq,
        freq_multiplier=freq_multiplier,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        ax=ax,
    )


def plot_incremental_transactions(
    model: object,
    transactions: pd.DataFrame,
    *,
    calibration_end: object = None,
    observation_end: object = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    customer_id_col: str = CUSTOMER_ID,
    datetime_col: str = DATE,
    ax: Axes | None = None,
) -> Axes:
    """Actual vs expected repeat transactions per model time unit, the calibration end marked.

    Parameters are those of `plot_cumulative_transactions`.

    Returns
    -------
    matplotlib.axes.Axes
        Lines "Actual" and "Model" over ``t``, then the calibration-end line if given.
    """
    return _tracking_plot(
        model,
        transactions,
        columns=("actual", "predicted"),
        ylabel="Repeat transactions",
        title="Tracking transactions per period",
        calibration_end=calibration_end,
        observation_end=observation_end,
        freq=freq,
        freq_multiplier=freq_multiplier,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        ax=ax,
    )


def _tracking_plot(
    model: object,
    transactions: pd.DataFrame,
    *,
    columns: tuple[str, str],
    ylabel: str,
    title: str,
    calibration_end: object,
    observation_end: object,
    freq: str,
    freq_multiplier: int,
    customer_id_col: str,
    datetime_col: str,
    ax: Axes | None,
) -> Axes:
    tracking = tracking_transactions(
        model,
        transactions,
        observation_end=observation_end,
        freq=freq,
        freq_multiplier=freq_multiplier,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
    )
    if ax is None:
        _, ax = plt.subplots()
    actual, predicted = columns
    ax.plot(tracking.index, tracking[actual], label="Actual")
    ax.plot(tracking.index, tracking[predicted], linestyle="--", label="Model")
    if calibration_end is not None:
        # t counts whole model units from the start of the log; the unit holding
        # calibration_end ends at this t.
        first_unit_end = tracking["period_end"].iloc[0].ordinal
        calibration_period = pd.Timestamp(calibration_end).to_period(freq).ordinal
        calibration_t = (calibration_period - first_unit_end) / freq_multiplier
        ax.axvline(calibration_t + 1, color="grey", linestyle=":", label="End of calibration")
    ax.set_xlabel(f"Time since the first transaction ({freq_multiplier} x {freq!r} periods)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    return ax


def plot_history_alive(
    model: object,
    transactions: pd.DataFrame,
    customer_id: object,
    *,
    observation_end: object = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    customer_id_col: str = CUSTOMER_ID,
    datetime_col: str = DATE,
    ax: Axes | None = None,
) -> Axes:
    """One customer's probability of being alive over time, with their purchases marked.

    Parameters are those of `crm_analytics.clv.evaluation.probability_alive_history`, plus
    ``ax``: where to draw (a new figure is created when omitted).

    Returns
    -------
    matplotlib.axes.Axes
        A "P(alive)" line over dates and one dashed vertical line per purchase period.
    """
    history = probability_alive_history(
        model,
        transactions,
        customer_id,
        observation_end=observation_end,
        freq=freq,
        freq_multiplier=freq_multiplier,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
    )
    if ax is None:
        _, ax = plt.subplots()
    ax.plot(history.index, history["p_alive"], label="P(alive)")
    ax.vlines(
        history.index[history["purchased"].to_numpy()],
        0,
        1,
        colors="tab:red",
        linestyles="dashed",
        label="Purchases",
    )
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Date")
    ax.set_ylabel("P(alive)")
    ax.set_title(f"History of P(alive) for customer {customer_id}")
    ax.legend(loc="lower left")
    return ax
