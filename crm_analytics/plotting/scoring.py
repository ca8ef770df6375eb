"""Plots of a scored customer table: segment shares, one metric per segment, a segment matrix.

They draw the tables of :func:`crm_analytics.scoring.segment_summary`, so a figure and the
table written beside it always show the same numbers.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from crm_analytics.exceptions import DataValidationError
from crm_analytics.scoring.tables import segment_summary

__all__ = ["plot_segment_matrix", "plot_segment_metric", "plot_segment_shares"]

_SHARES = {
    "customer_share": "customers",
    "revenue_share": "revenue",
    "predicted_clv_share": "predicted CLV",
}


def _new_axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5))
    return ax


def _by(table: pd.DataFrame) -> str:
    return " x ".join(str(name).replace("_", " ") for name in table.index.names)


def _labels(table: pd.DataFrame) -> list[str]:
    if table.index.nlevels > 1:
        return [" / ".join(map(str, key)) for key in table.index]
    return [str(key) for key in table.index]


def plot_segment_shares(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of customers, revenue and predicted CLV per segment, as grouped bars.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of ``segment_summary`` (``customer_share``, ``revenue_share`` and, when
        present, ``predicted_clv_share``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> table = pd.DataFrame({"customer_share": [0.2, 0.8], "revenue_share": [0.7, 0.3]},
    ...                      index=pd.Index(["Champions", "Lost"], name="rfm_segment"))
    >>> ax = plot_segment_shares(table)
    >>> [round(float(bar.get_width()), 1) for bar in ax.patches]
    [0.2, 0.8, 0.7, 0.3]
    """
    columns = [column for column in _SHARES if column in table.columns]
    if not columns:
        raise DataValidationError(
            "table has no share columns (customer_share, revenue_share, predicted_clv_share); "
            "pass the output of crm_analytics.scoring.segment_summary"
        )
    ax = _new_axes(ax)
    positions = np.arange(len(table))
    height = 0.8 / len(columns)
    for offset, column in enumerate(columns):
        ax.barh(
            positions + offset * height,
            table[column].to_numpy(dtype=float),
            height=height,
            label=_SHARES[column],
        )
    ax.set_yticks(positions + height * (len(columns) - 1) / 2, _labels(table))
    ax.invert_yaxis()
    ax.set_xlabel("share of the whole")
    ax.set_title(f"Customers and value by {_by(table)}")
    ax.legend(loc="lower right")
    return ax


def plot_segment_metric(
    table: pd.DataFrame, column: str, *, ax: Axes | None = None, label: str | None = None
) -> Axes:
    """One column of a ``segment_summary`` table (e.g. mean churn probability) per segment.

    Examples
    --------
    >>> table = pd.DataFrame({"mean_churn_probability": [0.1, 0.7]},
    ...                      index=pd.Index(["Champions", "Lost"], name="rfm_segment"))
    >>> ax = plot_segment_metric(table, "mean_churn_probability")
    >>> [float(bar.get_width()) for bar in ax.patches]
    [0.1, 0.7]
    """
    if column not in table.columns:
        raise DataValidationError(
            f"table has no column {column!r}; columns present: {', '.join(table.columns)}"
        )
    ax = _new_axes(ax)
    ax.barh(np.arange(len(table)), table[column].to_numpy(dtype=float))
    ax.set_yticks(np.arange(len(table)), _labels(table))
    ax.invert_yaxis()
    ax.set_xlabel(label or column.replace("_", " "))
    ax.set_title(f"{label or column.replace('_', ' ')} by {_by(table)}")
    return ax


def plot_segment_matrix(
    scored: pd.DataFrame,
    rows: str,
    columns: str,
    *,
    value: str = "customers",
    ax: Axes | None = None,
) -> Axes:
    """Heat map of one ``segment_summary`` column over two segmentations (rows x columns).

    Examples
    --------
    >>> scored = pd.DataFrame({"lifecycle_stage": ["new", "new", "lost"],
    ...                        "value_tier": ["high", "low", "low"],
    ...                        "total_amount": [10.0, 5.0, 1.0]})
    >>> ax = plot_segment_matrix(scored, "lifecycle_stage", "value_tier")
    >>> ax.images[0].get_array().filled(0).tolist()
    [[0.0, 1.0], [1.0, 1.0]]
    """
    table = segment_summary(scored, by=[rows, columns])
    if value not in table.columns:
        raise DataValidationError(
            f"value {value!r} is not a segment_summary column; use one of {', '.join(table.columns)}"
        )
    grid = table[value].unstack(columns)
    ax = _new_axes(ax)
    image = ax.imshow(np.ma.masked_invalid(grid.to_numpy(dtype=float)), cmap="Blues", aspect="auto")
    ax.set_xticks(np.arange(grid.shape[1]), [str(label) for label in grid.columns])
    ax.set_yticks(np.arange(grid.shape[0]), [str(label) for label in grid.index])
    for (row, column), number in np.ndenumerate(grid.to_numpy(dtype=float)):
        if np.isfinite(number):
            text = f"{number:,.0f}" if number == round(number) else f"{number:,.3g}"
            ax.text(column, row, text, ha="center", va="center", fontsize=8)
    ax.set_xlabel(columns.replace("_", " "))
    ax.set_ylabel(rows.replace("_", " "))
    ax.set_title(
        f"{value.replace('_', ' ')}: {rows.replace('_', ' ')} x {columns.replace('_', ' ')}"
    )
    ax.figure.colorbar(image, ax=ax)
    return ax
