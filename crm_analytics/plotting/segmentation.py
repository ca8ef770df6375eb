"""Plots of segmentation results: RFM heatmap, segment shares, Lorenz/Pareto curve, clusters."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from crm_analytics.exceptions import DataValidationError
from crm_analytics.plotting._heatmap import annotate_cells
from crm_analytics.segmentation import Concentration, _checks, concentration, segment_shares
from crm_analytics.segmentation.clustering import CustomerClusterer

__all__ = [
    "plot_cluster_scatter",
    "plot_cluster_snake",
    "plot_lorenz_curve",
    "plot_rfm_heatmap",
    "plot_segment_shares",
]

# the Lorenz curve of a million customers needs no more points than the screen has pixels
_CURVE_POINTS = 1_000


def plot_rfm_heatmap(
    scores: pd.DataFrame,
    values: pd.Series | None = None,
    *,
    ax: Axes | None = None,
    annotate: bool = True,
    cmap: str = "YlGnBu",
    title: str | None = None,
    bins: int | None = None,
) -> Axes:
    """Heatmap of recency score (rows, best at the top) by frequency score (columns).

    Parameters
    ----------
    scores : pandas.DataFrame
        :meth:`RFMScorer.transform <crm_analytics.segmentation.RFMScorer.transform>` output.
    values : pandas.Series, optional
        Value per customer (e.g. ``summary["total_amount"]``): cells show its mean. When
        omitted, cells show the number of customers. Empty cells are left blank.
    ax : matplotlib.axes.Axes, optional
    annotate : bool, default True
        Write each cell's number.
    cmap : str, default "YlGnBu"
    title : str, optional
        Defaults to what the colour shows.
    bins : int, optional
        The scorer's ``bins`` (score levels shown); default: the highest score present.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> scores = pd.DataFrame({"r_score": [5, 5, 1], "f_score": [1, 1, 2], "m_score": [1, 2, 1]})
    >>> ax = plot_rfm_heatmap(scores)
    >>> [text.get_text() for text in ax.texts]
    ['2', '1']
    """
    frame = _checks.customer_frame(scores, ["r_score", "f_score"], name="scores")
    if bins is None:
        bins = int(max(frame["r_score"].max(), frame["f_score"].max()))
    if values is None:
        cell_values = frame.groupby(["r_score", "f_score"]).size().astype("float64")
        label = "Customers"
    else:
        checked = _checks.value_series(values, name="values", allow_negative=True)
        aligned = checked.reindex(frame.index)
        if aligned.isna().any():
            raise DataValidationError(
                f"values lack {int(aligned.isna().sum())} customer(s) of scores; pass a value "
                "for every scored customer"
            )
        cell_values = aligned.groupby([frame["r_score"], frame["f_score"]]).mean()
        label = f"Mean {values.name or 'value'}"
    levels = np.arange(bins, 0, -1)
    grid = cell_values.unstack().reindex(index=levels, columns=np.arange(1, bins + 1))
    matrix = grid.to_numpy(dtype="float64")
    if ax is None:
        _, ax = plt.subplots()
    image = ax.imshow(np.ma.masked_invalid(matrix), cmap=cmap, aspect="auto")
    ax.figure.colorbar(image, ax=ax, label=label)
    ax.set_xticks(range(bins), [str(level) for level in range(1, bins + 1)])
    ax.set_yticks(range(bins), [str(level) for level in levels])
    ax.set_xlabel("Frequency score")
    ax.set_ylabel("Recency score")
    ax.set_title(title if title is not None else f"{label} by R and F score")
    if annotate:
        annotate_cells(ax, matrix, number_format=",.0f")
    return ax


def plot_segment_shares(
    segments: pd.Series | pd.DataFrame,
    values: pd.Series | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = "Segment sizes and value",
) -> Axes:
    """Horizontal bars of each segment's share of customers and, with values, of value.

    Parameters
    ----------
    segments : pandas.Series or pandas.DataFrame
        Label per customer (``rfm_segments``, ``value_tiers``, cluster labels) or a
        :func:`~crm_analytics.segmentation.segment_shares` table.
    values : pandas.Series, optional
        Value per customer (e.g. revenue), for the value-share bars.
    ax : matplotlib.axes.Axes, optional
    title : str or None

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> segments = pd.Series(["Champions", "Lost", "Lost"], index=list("abc"))
    >>> ax = plot_segment_shares(segments, pd.Series([90.0, 5, 5], index=list("abc")))
    >>> [round(float(bar.get_width()), 2) for bar in ax.patches]
    [0.33, 0.67, 0.9, 0.1]
    """
    table = segments if isinstance(segments, pd.DataFrame) else segment_shares(segments, values)
    _checks.customer_frame(table, ["customer_share"], name="segment table")
    if ax is None:
        _, ax = plt.subplots()
    positions = np.arange(len(table))
    with_value = "value_share" in table.columns
    height = 0.4 if with_value else 0.8
    offset = height / 2 if with_value else 0.0
    ax.barh(positions - offset, table["customer_share"], height=height, label="Customers")
    if with_value:
        ax.barh(positions + offset, table["value_share"], height=height, label="Value")
        ax.legend()
    ax.set_yticks(positions, [str(label) for label in table.index])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda share, _: f"{share:.0%}"))
    ax.set_xlabel("Share of the total")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_lorenz_curve(
    values: pd.Series | Concentration,
    *,
    kind: str = "pareto",
    top: float = 0.2,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Pareto curve (value share of the top x% of customers) or Lorenz curve of value.

    Parameters
    ----------
    values : pandas.Series or Concentration
        Value per customer, or the result of
        :func:`~crm_analytics.segmentation.concentration`.
    kind : {"pareto", "lorenz"}, default "pareto"
        ``"pareto"`` ranks customers from the highest value (the curve above the
        diagonal, read "the top 20% bring 80%"); ``"lorenz"`` from the lowest.
    top : float, default 0.2
        Fraction of customers marked on the Pareto curve (with a Series input).
    ax : matplotlib.axes.Axes, optional
    title : str, optional
        Defaults to the Gini coefficient.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_lorenz_curve(pd.Series([50.0, 30, 10, 5, 5]))
    >>> ax.get_title()
    'Pareto curve (Gini 0.46): top 20% of customers hold 50% of value'
    """
    if kind not in ("pareto", "lorenz"):
        raise DataValidationError(f"kind must be 'pareto' or 'lorenz', got {kind!r}")
    result = values if isinstance(values, Concentration) else concentration(values, top=top)
    customer_share = result.lorenz["customer_share"].to_numpy()
    value_share = result.lorenz["value_share"].to_numpy()
    if customer_share.size > _CURVE_POINTS:
        grid = np.linspace(0.0, 1.0, _CURVE_POINTS)
        value_share = np.interp(grid, customer_share, value_share)
        customer_share = grid
    if kind == "pareto":
        customer_share, value_share = 1.0 - customer_share[::-1], 1.0 - value_share[::-1]
    if ax is None:
        _, ax = plt.subplots()
    ax.plot(customer_share, value_share, label="Customers")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="Equal value")
    if kind == "pareto":
        ax.plot([result.top, result.top], [0, result.top_share], color="black", linewidth=0.8)
        ax.plot([0, result.top], [result.top_share, result.top_share], color="black", linewidth=0.8)
    percent = plt.FuncFormatter(lambda share, _: f"{share:.0%}")
    ax.xaxis.set_major_formatter(percent)
    ax.yaxis.set_major_formatter(percent)
    ranking = "highest" if kind == "pareto" else "lowest"
    ax.set_xlabel(f"Share of customers (from the {ranking} value)")
    ax.set_ylabel("Cumulative share of value")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="lower right" if kind == "pareto" else "upper left")
    if title is None:
        title = f"{kind.capitalize()} curve (Gini {result.gini:.2f})"
        if kind == "pareto":
            title += f": top {result.top:.0%} of customers hold {result.top_share:.0%} of value"
    ax.set_title(title)
    return ax


def plot_cluster_snake(
    profile: pd.DataFrame | CustomerClusterer,
    *,
    ax: Axes | None = None,
    title: str | None = "Cluster profiles",
) -> Axes:
    """Snake plot: each cluster's mean of every feature in overall standard deviations.

    Parameters
    ----------
    profile : pandas.DataFrame or CustomerClusterer
        :meth:`CustomerClusterer.profile` output (its ``z_`` columns and ``name``) or a
        fitted clusterer.
    ax : matplotlib.axes.Axes, optional
    title : str or None

    Returns
    -------
    matplotlib.axes.Axes
    """
    table = profile.profile() if isinstance(profile, CustomerClusterer) else profile
    z_columns = [column for column in getattr(table, "columns", []) if str(column).startswith("z_")]
    if not z_columns:
        raise DataValidationError(
            "profile has no z_ columns; pass CustomerClusterer(...).fit(summary).profile() "
            "or the fitted clusterer"
        )
    if ax is None:
        _, ax = plt.subplots()
    positions = np.arange(len(z_columns))
    for cluster, row in table.iterrows():
        name = row["name"] if "name" in table.columns else ""
        ax.plot(
            positions,
            row[z_columns].to_numpy(dtype="float64"),
            marker="o",
            label=f"{cluster}: {name}",
        )
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set_xticks(positions, [column.removeprefix("z_") for column in z_columns])
    ax.set_ylabel("Cluster mean (overall standard deviations)")
    ax.legend(fontsize="small")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_cluster_scatter(
    summary: pd.DataFrame,
    labels: pd.Series,
    *,
    x: str,
    y: str,
    log: bool | Sequence[bool] = True,
    max_points: int = 5_000,
    random_state: int = 0,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Scatter of customers on two summary columns, coloured by cluster.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer with columns ``x`` and ``y``.
    labels : pandas.Series
        Cluster (or segment) per customer, e.g. ``CustomerClusterer.labels_``.
    x, y : str
        Columns to plot.
    log : bool or pair of bool, default True
        Logarithmic axes (symlog, so zeros stay visible), for both or each axis.
    max_points : int, default 5000
        Customers drawn at most (a random sample), so large bases stay readable.
    random_state : int, default 0
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    frame = _checks.customer_frame(summary, [x, y], name="summary")
    if not isinstance(labels, pd.Series):
        raise DataValidationError(
            f"labels must be a pandas Series indexed by customer_id, got {type(labels).__name__}"
        )
    aligned = labels.reindex(frame.index)
    if aligned.isna().any():
        raise DataValidationError(
            f"labels lack {int(aligned.isna().sum())} customer(s) of summary; label every "
            "customer, e.g. with clusterer.predict(summary)"
        )
    if len(frame) > max_points:
        rows = np.random.default_rng(random_state).choice(len(frame), max_points, replace=False)
        frame, aligned = frame.iloc[np.sort(rows)], aligned.iloc[np.sort(rows)]
    if ax is None:
        _, ax = plt.subplots()
    for label in pd.unique(aligned):
        members = (aligned == label).to_numpy()
        ax.scatter(frame.loc[members, x], frame.loc[members, y], s=6, alpha=0.5, label=str(label))
    log_x, log_y = (log, log) if isinstance(log, bool) else tuple(log)
    if log_x:
        ax.set_xscale("symlog", linthresh=1.0)
    if log_y:
        ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(title=labels.name, markerscale=2, fontsize="small")
    if title is not None:
        ax.set_title(title)
    return ax
