"""Plots of satisfaction measures: the importance-performance grid."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

from crm_analytics._checks import require_columns, require_frame

__all__ = ["plot_importance_performance"]

_COLUMNS = (
    "performance",
    "importance",
    "quadrant",
    "importance_threshold",
    "performance_threshold",
)


def plot_importance_performance(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    annotate: bool = True,
    title: str | None = "Importance-performance analysis",
) -> Axes:
    """The importance-performance grid: one point per item, cross-hairs, quadrant names.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`crm_analytics.satisfaction.importance_performance`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.
    annotate : bool, default True
        Write each item's name beside its point.
    title : str or None, default "Importance-performance analysis"
        Axes title; None leaves it empty.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> table = pd.DataFrame({"performance": [3.0, 4.5], "importance": [0.6, 0.1],
    ...                       "quadrant": ["concentrate here", "possible overkill"],
    ...                       "importance_threshold": 0.35, "performance_threshold": 3.75},
    ...                      index=pd.Index(["price", "speed"], name="item"))
    >>> ax = plot_importance_performance(table)
    >>> [text.get_text() for text in ax.texts][:2]
    ['price', 'speed']
    """
    table = require_frame(table, name="table")
    require_columns(table, _COLUMNS, name="table", fix="pass the output of importance_performance")
    if ax is None:
        _, ax = plt.subplots()
    ax.scatter(table["performance"], table["importance"], zorder=3)
    if annotate:
        for item, row in table.iterrows():
            ax.annotate(
                str(item),
                (row["performance"], row["importance"]),
                xytext=(4, 4),
                textcoords="offset points",
            )
    importance_cut = float(table["importance_threshold"].iloc[0])
    performance_cut = float(table["performance_threshold"].iloc[0])
    ax.axhline(importance_cut, color="grey", linewidth=0.8)
    ax.axvline(performance_cut, color="grey", linewidth=0.8)
    corners = {
        "concentrate here": (0.02, 0.98, "left", "top"),
        "keep up the good work": (0.98, 0.98, "right", "top"),
        "low priority": (0.02, 0.02, "left", "bottom"),
        "possible overkill": (0.98, 0.02, "right", "bottom"),
    }
    for name, (x, y, horizontal, vertical) in corners.items():
        ax.text(
            x,
            y,
            name,
            transform=ax.transAxes,
            ha=horizontal,
            va=vertical,
            color="grey",
            fontsize="small",
        )
    ax.set_xlabel("Performance (mean answer)")
    ax.set_ylabel("Importance")
    if title is not None:
        ax.set_title(title)
    return ax
