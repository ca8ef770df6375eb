"""lifetimes' plots under its names, signatures and defaults, drawing crm_analytics' numbers.

A lifetimes script changes ``from lifetimes.plotting import ...`` to
``from crm_analytics.clv.plotting import ...`` (or ``crm_analytics.plotting``, which exports the
same functions). Each plot draws a table of `crm_analytics.clv.evaluation` or
`crm_analytics.clv.utils` (so a figure never shows a number a table does not), takes an optional
``ax`` and returns the Axes it drew on; none calls ``show``. Labels, titles and defaults are
lifetimes'; ``**kwargs`` go to the matplotlib call that draws the data.

Where the figures differ from lifetimes', on purpose:

- `plot_period_transactions` shows the model's exact expected number of customers with each
  number of repeat purchases (FHL 2005, figure 1), where lifetimes draws one simulation, and
  its last bar pools ``max_frequency`` or more (lifetimes cuts those customers off);
- `plot_calibration_purchases_vs_holdout_purchases` pools the customers with ``n`` or more
  calibration purchases in its last point ("7+", as FHL's figure 4) for ``kind="frequency_cal"``;
- the matrices leave blank the cells that no history can produce (no repeat purchase but a
  positive recency), which lifetimes colours.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats

from crm_analytics.clv.evaluation import (
    conditional_expectations,
    expected_purchases_matrix,
    holdout_predictions,
    period_transactions,
    probability_alive_history,
    probability_alive_matrix,
)
from crm_analytics.clv.protocols import AliveModel, TransactionModel
from crm_analytics.clv.utils import expected_cumulative_transactions
from crm_analytics.exceptions import DataValidationError

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

_KIND_LABELS = {
    "frequency_cal": "Purchases in calibration period",
    "recency_cal": "Age of customer at last purchase",
    "T_cal": "Age of customer at the end of calibration period",
    "time_since_last_purchase": "Time since user made last purchase",
}
_HISTORY_CUSTOMER = "__customer__"


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _fitted_data(model: object, what: str) -> pd.DataFrame:
    data = getattr(model, "data", None)
    if data is None:
        raise DataValidationError(
            f"{type(model).__name__} holds no data (it was loaded without them): give {what}"
        )
    return data


def _censored_labels(index: pd.Index, censor: int | None) -> list[str]:
    return [f"{value}+" if value == censor else str(value) for value in index]


def plot_period_transactions(
    model: TransactionModel,
    max_frequency: int = 7,
    title: str = "Frequency of Repeat Transactions",
    xlabel: str = "Number of Calibration Period Transactions",
    ylabel: str = "Customers",
    ax: Axes | None = None,
    *,
    summary: pd.DataFrame | None = None,
    **kwargs: object,
) -> Axes:
    """Bars of customers by number of repeat purchases, actual against the model's expectation.

    Parameters
    ----------
    model : fitted transaction model
        With ``probability_of_n_purchases_up_to_time`` (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB).
    max_frequency : int, default 7
        The last pair of bars pools customers with this many repeat purchases or more.
    title, xlabel, ylabel : str
        lifetimes' texts.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    summary : pandas.DataFrame, optional
        The histories to count (``frequency`` and ``T``, or BG/BB's ``n_periods``); by
        default the data the model was fitted on.
    **kwargs
        Passed to `matplotlib.axes.Axes.bar`; ``label`` names the two series.

    Returns
    -------
    matplotlib.axes.Axes
        Two bar containers, holding `crm_analytics.clv.evaluation.period_transactions`.
    """
    frame = _fitted_data(model, "summary=") if summary is None else summary
    if "T" not in frame.columns and "n_periods" in frame.columns:
        frame = frame.rename(columns={"n_periods": "T"})
    table = period_transactions(model, frame, max_frequency=max_frequency)
    labels = kwargs.pop("label", ["Actual", "Model"])
    ax = _axes(ax)
    positions = np.arange(len(table))
    width = 0.4
    ax.bar(positions - width / 2, table["actual"], width, label=labels[0], **kwargs)
    ax.bar(positions + width / 2, table["predicted"], width, label=labels[1], **kwargs)
    ax.set_xticks(positions, _censored_labels(table.index, max_frequency))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def plot_calibration_purchases_vs_holdout_purchases(
    model: TransactionModel,
    calibration_holdout_matrix: pd.DataFrame,
    kind: str = "frequency_cal",
    n: int = 7,
    ax: Axes | None = None,
    **kwargs: object,
) -> Axes:
    """Mean holdout purchases, actual and predicted, by a calibration-period quantity.

    Parameters
    ----------
    model : fitted transaction model
        Fitted on the calibration columns of ``calibration_holdout_matrix``.
    calibration_holdout_matrix : pandas.DataFrame
        Output of `crm_analytics.clv.utils.calibration_and_holdout_data` (or
        `crm_analytics.summary.calibration_holdout_split`).
    kind : {"frequency_cal", "recency_cal", "T_cal", "time_since_last_purchase"}
        What to group customers by.
    n : int, default 7
        For ``frequency_cal``, the last point pools customers with ``n`` or more
        calibration purchases (`crm_analytics.clv.evaluation.conditional_expectations`);
        for the other kinds, the first ``n`` groups are shown, as lifetimes does.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    **kwargs
        Passed to `matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes
        Two lines, ``frequency_holdout`` (actual) then ``model_predictions``.
    """
    if kind not in _KIND_LABELS:
        raise DataValidationError(
            f"kind must be one of {', '.join(map(repr, _KIND_LABELS))}, got {kind!r}"
        )
    if kind == "frequency_cal":
        table = conditional_expectations(model, calibration_holdout_matrix, censor=n)
        labels = _censored_labels(table.index, n)
    else:
        predictions = holdout_predictions(model, calibration_holdout_matrix)
        matrix = calibration_holdout_matrix.loc[predictions.index]
        key = (
            matrix["T_cal"] - matrix["recency_cal"]
            if kind == "time_since_last_purchase"
            else matrix[kind]
        )
        table = predictions.groupby(key.to_numpy())[["actual", "predicted"]].mean().iloc[:n]
        labels = None
    ax = _axes(ax)
    positions = table.index.to_numpy()
    ax.plot(positions, table["actual"], label="frequency_holdout", **kwargs)
    ax.plot(positions, table["predicted"], label="model_predictions", **kwargs)
    if labels is not None:
        ax.set_xticks(positions, labels)
    ax.set_title("Actual Purchases in Holdout Period vs Predicted Purchases")
    ax.set_xlabel(_KIND_LABELS[kind])
    ax.set_ylabel("Average of Purchases in Holdout Period")
    ax.legend()
    return ax


def _matrix_limits(model: object, max_frequency: int | None, max_recency: int | None):
    """lifetimes' defaults: the largest frequency and age in the data the model was fitted on."""
    if max_frequency is None or max_recency is None:
        data = _fitted_data(model, "max_frequency and max_recency")
        max_frequency = int(data["frequency"].max()) if max_frequency is None else max_frequency
        max_recency = int(data["T"].max()) if max_recency is None else max_recency
    return max_frequency, max_recency


def _matrix_plot(
    matrix: pd.DataFrame, *, title: str, xlabel: str, ylabel: str, ax: Axes | None, **kwargs
) -> Axes:
    ax = _axes(ax)
    kwargs.setdefault("interpolation", "none")
    image = ax.imshow(np.ma.masked_invalid(matrix.to_numpy()), **kwargs)
    # Square, as lifetimes draws it, whatever the numbers of rows and columns.
    rows, columns = matrix.shape
    ax.set_aspect(columns / rows)
    ax.figure.colorbar(image, ax=ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def plot_frequency_recency_matrix(
    model: TransactionModel,
    T: float = 1,
    max_frequency: int | None = None,
    max_recency: int | None = None,
    title: str | None = None,
    xlabel: str = "Customer's Historical Frequency",
    ylabel: str = "Customer's Recency",
    ax: Axes | None = None,
    **kwargs: object,
) -> Axes:
    """Heatmap of expected purchases in the next ``T`` time units by frequency and recency.

    Parameters
    ----------
    model : fitted transaction model
    T : float, default 1
        Horizon of the expected purchases (lifetimes' name); every cell is a customer of
        age ``max_recency``.
    max_frequency, max_recency : int, optional
        Largest frequency (columns) and recency (rows); by default the largest frequency and
        ``T`` of the data the model was fitted on.
    title, xlabel, ylabel : str
        lifetimes' texts (the title says the horizon).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    **kwargs
        Passed to `matplotlib.axes.Axes.imshow` (``cmap``, ``interpolation``...).

    Returns
    -------
    matplotlib.axes.Axes
        The image holds `crm_analytics.clv.evaluation.expected_purchases_matrix`.
    """
    max_frequency, max_recency = _matrix_limits(model, max_frequency, max_recency)
    matrix = expected_purchases_matrix(
        model, t=T, max_frequency=max_frequency, max_recency=max_recency
    )
    if title is None:
        title = (
            f"Expected Number of Future Purchases for {T} Unit{'s'[T == 1 :]} of Time,"
            "\nby Frequency and Recency of a Customer"
        )
    return _matrix_plot(matrix, title=title, xlabel=xlabel, ylabel=ylabel, ax=ax, **kwargs)


def plot_probability_alive_matrix(
    model: AliveModel,
    max_frequency: int | None = None,
    max_recency: int | None = None,
    title: str = "Probability Customer is Alive,\nby Frequency and Recency of a Customer",
    xlabel: str = "Customer's Historical Frequency",
    ylabel: str = "Customer's Recency",
    ax: Axes | None = None,
    *,
    T: float | None = None,
    **kwargs: object,
) -> Axes:
    """Heatmap of the probability a customer is alive by frequency and recency.

    Parameters
    ----------
    model : fitted continuous-time transaction model
    max_frequency, max_recency : int, optional
        As `plot_frequency_recency_matrix`, defaulting from the fitted data.
    title, xlabel, ylabel : str
        lifetimes' texts.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    T : float, optional
        Age of every cell's customer; ``max_recency`` by default, as lifetimes.
    **kwargs
        Passed to `matplotlib.axes.Axes.imshow`.

    Returns
    -------
    matplotlib.axes.Axes
        The image holds `crm_analytics.clv.evaluation.probability_alive_matrix`.
    """
    max_frequency, max_recency = _matrix_limits(model, max_frequency, max_recency)
    matrix = probability_alive_matrix(
        model, max_frequency=max_frequency, max_recency=max_recency, T=T
    )
    return _matrix_plot(matrix, title=title, xlabel=xlabel, ylabel=ylabel, ax=ax, **kwargs)


def plot_expected_repeat_purchases(
    model: TransactionModel,
    title: str = "Expected Number of Repeat Purchases per Customer",
    xlabel: str = "Time Since First Purchase",
    ax: Axes | None = None,
    label: str | None = None,
    **kwargs: object,
) -> Axes:
    """A new customer's expected repeat purchases over time, dashed beyond the fitted ages.

    Solid up to the oldest customer's age in the fitted data, dashed from there to 1.5 times
    it (the extrapolation), as lifetimes draws it.

    Returns
    -------
    matplotlib.axes.Axes
        Two lines of `expected_number_of_purchases_up_to_time`.
    """
    max_age = float(_fitted_data(model, "a model fitted on data")["T"].max())
    ax = _axes(ax)
    color = kwargs.pop("c", None) or kwargs.pop("color", None)
    within = np.linspace(0, max_age, 100)
    (line,) = ax.plot(
        within,
        np.asarray(model.expected_number_of_purchases_up_to_time(within)),
        color=color,
        label=label,
        **kwargs,
    )
    beyond = np.linspace(max_age, 1.5 * max_age, 100)
    ax.plot(
        beyond,
        np.asarray(model.expected_number_of_purchases_up_to_time(beyond)),
        color=line.get_color(),
        ls="--",
        **kwargs,
    )
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    if label is not None:
        ax.legend(loc="lower right")
    return ax


def plot_history_alive(
    model: AliveModel,
    t: int,
    transactions: pd.DataFrame,
    datetime_col: str,
    freq: str = "D",
    start_date: object = None,
    ax: Axes | None = None,
    **kwargs: object,
) -> Axes:
    """One customer's P(alive) over the ``t`` periods after their first purchase, purchases marked.

    Parameters
    ----------
    model : fitted continuous-time transaction model
        Fitted in units of ``freq``.
    t : int
        Periods after the first purchase to draw.
    transactions : pandas.DataFrame
        That customer's transactions only.
    datetime_col : str
        Their date column.
    freq : str, default "D"
        The period.
    start_date : date-like, optional
        Left end of the x axis; the first purchase by default.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    **kwargs
        Passed to the P(alive) line's `matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes
        A "P_alive" line of `crm_analytics.clv.evaluation.probability_alive_history` and
        dashed vertical lines at the purchase periods.
    """
    dates = pd.to_datetime(transactions[datetime_col])
    birth = dates.min().to_period(freq)
    history = probability_alive_history(
        model,
        pd.DataFrame({_HISTORY_CUSTOMER: 0, datetime_col: dates.to_numpy()}),
        0,
        observation_end=(birth + int(t)).start_time,
        freq=freq,
        customer_id_col=_HISTORY_CUSTOMER,
        datetime_col=datetime_col,
    )
    ax = _axes(ax)
    ax.plot(history.index, history["p_alive"], "-", label="P_alive", **kwargs)
    ax.vlines(
        history.index[history["purchased"].to_numpy()],
        ymin=0,
        ymax=1,
        colors="r",
        linestyles="dashed",
        label="purchases",
    )
    ax.set_ylim(0, 1.0)
    ax.set_yticks(np.arange(0, 1.1, 0.1))
    ax.set_xlim(pd.Timestamp(start_date or history.index[0]), history.index[-1])
    ax.legend(loc=3)
    ax.set_ylabel("P_alive")
    ax.set_title("History of P_alive")
    return ax


def _tracking_plot(
    table: pd.DataFrame,
    t_cal: float,
    *,
    set_index_date: bool,
    title: str,
    xlabel: str,
    ylabel: str,
    ax: Axes | None,
    **kwargs: object,
) -> Axes:
    ax = _axes(ax)
    for column in ("actual", "predicted"):
        ax.plot(table.index, table[column], label=column, **kwargs)
    if set_index_date:
        where, xlabel = table.index[int(t_cal)], "date"
    else:
        where = t_cal
    ax.axvline(x=where, color="r", linestyle="--")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def plot_cumulative_transactions(
    model: TransactionModel,
    transactions: pd.DataFrame,
    datetime_col: str,
    customer_id_col: str,
    t: int,
    t_cal: float,
    datetime_format: str | None = None,
    freq: str = "D",
    set_index_date: bool = False,
    title: str = "Tracking Cumulative Transactions",
    xlabel: str = "day",
    ylabel: str = "Cumulative Transactions",
    ax: Axes | None = None,
    *,
    freq_multiplier: int = 1,
    **kwargs: object,
) -> Axes:
    """Actual and expected cumulative repeat transactions, the calibration end marked at ``t_cal``.

    The lines hold `crm_analytics.clv.utils.expected_cumulative_transactions` (its arguments
    are this plot's; ``freq_multiplier`` counts ``freq`` periods per model time unit).

    Returns
    -------
    matplotlib.axes.Axes
        Lines "actual" and "predicted" and a dashed vertical line.
    """
    table = expected_cumulative_transactions(
        model,
        transactions,
        datetime_col,
        customer_id_col,
        t,
        datetime_format=datetime_format,
        freq=freq,
        freq_multiplier=freq_multiplier,
        set_index_date=set_index_date,
    )
    return _tracking_plot(
        table,
        t_cal,
        set_index_date=set_index_date,
        title=title,
        xlabel=xlabel,
        ylabel=ylabel,
        ax=ax,
        **kwargs,
    )


def plot_incremental_transactions(
    model: TransactionModel,
    transactions: pd.DataFrame,
    datetime_col: str,
    customer_id_col: str,
    t: int,
    t_cal: float,
    datetime_format: str | None = None,
    freq: str = "D",
    set_index_date: bool = False,
    title: str = "Tracking Daily Transactions",
    xlabel: str = "day",
    ylabel: str = "Transactions",
    ax: Axes | None = None,
    *,
    freq_multiplier: int = 1,
    **kwargs: object,
) -> Axes:
    """Actual and expected repeat transactions per time unit (the differences of the cumulative).

    As `plot_cumulative_transactions`; the first time unit has no difference to show.
    """
    table = expected_cumulative_transactions(
        model,
        transactions,
        datetime_col,
        customer_id_col,
        t,
        datetime_format=datetime_format,
        freq=freq,
        freq_multiplier=freq_multiplier,
        set_index_date=set_index_date,
    )
    return _tracking_plot(
        table.diff(),
        t_cal,
        set_index_date=set_index_date,
        title=title,
        xlabel=xlabel,
        ylabel=ylabel,
        ax=ax,
        **kwargs,
    )


def _density_plot(
    distribution, *, suptitle: str, xlabel: str, ylabel: str, fontsize: float, ax, **kwargs
) -> Axes:
    """The density of ``distribution`` up to its 99th percentile, titled by its mean and variance."""
    ax = _axes(ax)
    upper = distribution.ppf(0.99)
    # A distribution piled up at 0 (the no-dropout edge) still gets a visible range.
    if not np.isfinite(upper) or upper <= 0:
        upper = max(float(distribution.ppf(0.999999)), 1e-12)
    x = np.linspace(0, upper, 100)
    ax.figure.suptitle(suptitle, fontsize=fontsize, fontweight="bold")
    ax.set_title(f"mean: {distribution.mean():.3f}, var: {distribution.var():.3f}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    with np.errstate(divide="ignore"):
        ax.plot(x, distribution.pdf(x), **kwargs)
    return ax


def plot_transaction_rate_heterogeneity(
    model: TransactionModel,
    suptitle: str = "Heterogeneity in Transaction Rate",
    xlabel: str = "Transaction Rate",
    ylabel: str = "Density",
    suptitle_fontsize: float = 14,
    ax: Axes | None = None,
    **kwargs: object,
) -> Axes:
    """Density of the customers' purchase rates, ``Gamma(r, alpha)`` (BG/NBD, MBG/NBD, Pareto/NBD).

    Returns
    -------
    matplotlib.axes.Axes
        One line; the title gives the mean ``r / alpha`` and variance ``r / alpha^2``.
    """
    r, alpha = (float(model.params_[name]) for name in ("r", "alpha"))
    return _density_plot(
        stats.gamma(r, scale=1 / alpha),
        suptitle=suptitle,
        xlabel=xlabel,
        ylabel=ylabel,
        fontsize=suptitle_fontsize,
        ax=ax,
        **kwargs,
    )


def plot_dropout_rate_heterogeneity(
    model: TransactionModel,
    suptitle: str = "Heterogeneity in Dropout Probability",
    xlabel: str = "Dropout Probability p",
    ylabel: str = "Density",
    suptitle_fontsize: float = 14,
    ax: Axes | None = None,
    **kwargs: object,
) -> Axes:
    """Density of the customers' dropout probabilities or rates.

    ``Beta(a, b)`` for BG/NBD and MBG/NBD (lifetimes' plot), ``Beta(gamma, delta)`` for
    BG/BB, and the dropout rate ``Gamma(s, beta)`` for Pareto/NBD (labelled so unless an
    ``xlabel`` is given).

    Returns
    -------
    matplotlib.axes.Axes
        One line; the title gives the mean and variance.
    """
    params = model.params_
    if {"a", "b"} <= set(params.index):
        distribution = stats.beta(params["a"], params["b"])
    elif {"gamma", "delta"} <= set(params.index):
        distribution = stats.beta(params["gamma"], params["delta"])
    elif {"s", "beta"} <= set(params.index):
        distribution = stats.gamma(params["s"], scale=1 / params["beta"])
        if xlabel == "Dropout Probability p":
            xlabel = "Dropout Rate mu"
    else:
        raise DataValidationError(
            f"{type(model).__name__} has no dropout parameters (a, b; gamma, delta; or s, beta)"
        )
    return _density_plot(
        distribution,
        suptitle=suptitle,
        xlabel=xlabel,
        ylabel=ylabel,
        fontsize=suptitle_fontsize,
        ax=ax,
        **kwargs,
    )
