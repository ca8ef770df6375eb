"""Plots of cohort tables: a retention heatmap and retention curves."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from crm_analytics._checks import require_frame
from crm_analytics.exceptions import DataValidationError
from crm_analytics.plotting._heatmap import annotate_cells

__all__ = ["plot_cohort_heatmap", "plot_retention_curves"]


def plot_cohort_heatmap(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    annotate: bool = True,
    cmap: str = "Blues",
    title: str | None = "Cohort retention",
) -> Axes:
    """Heatmap of a cohort table: one row per cohort, one column per period since acquisition.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`crm_analytics.cohorts.cohort_table` (any metric, normalised or not).
        Unobserved (NaN) cells are left blank.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.
    annotate : bool, default True
        Write each cell's value: as a percentage when every value lies in [0, 1]
        (retention rates), otherwise as a rounded number.
    cmap : str, default "Blues"
        Matplotlib colormap name.
    title : str or None, default "Cohort retention"
        Axes title; None leaves it empty.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> table = pd.DataFrame([[1.0, 0.5], [1.0, np.nan]], index=["2024-01", "2024-02"])
    >>> ax = plot_cohort_heatmap(table)
    >>> ax.get_ylabel()
    'Acquisition cohort'
    >>> [text.get_text() for text in ax.texts]
    ['100%', '50%', '100%']
    """
    values = _numeric_values(table)
    if ax is None:
        _, ax = plt.subplots()
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, aspect="auto")
    ax.figure.colorbar(image, ax=ax)
    ax.set_xticks(range(values.shape[1]), [str(column) for column in table.columns])
    ax.set_yticks(range(values.shape[0]), [str(cohort) for cohort in table.index])
    ax.set_xlabel("Periods since first purchase")
    ax.set_ylabel("Acquisition cohort")
    if title is not None:
        ax.set_title(title)
    if annotate:
        finite = values[np.isfinite(values)]
        as_share = finite.size > 0 and finite.min() >= 0 and finite.max() <= 1
        annotate_cells(ax, values, number_format=".0%" if as_share else ",.0f")
    return ax


def plot_retention_curves(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    show_average: bool = True,
    ylabel: str = "Retention rate",
) -> Axes:
    """One line per cohort across the periods since acquisition, with their average.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`crm_analytics.cohorts.cohort_table`, usually with
        ``normalize=True`` so that cohorts of different sizes share a scale.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.
    show_average : bool, default True
        Add a thick black line: the unweighted mean over the cohorts observed at each
        period since acquisition.
    ylabel : str, default "Retention rate"
        Label of the y axis (say what the table holds).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> table = pd.DataFrame([[1.0, 0.5, 0.25], [1.0, 0.3, np.nan]], index=["Jan", "Feb"])
    >>> ax = plot_retention_curves(table)
    >>> [line.get_label() for line in ax.get_lines()]
    ['Jan', 'Feb', 'average']
    >>> ax.get_lines()[-1].get_ydata().tolist()
    [1.0, 0.4, 0.25]
    """
    values = _numeric_values(table)
    if ax is None:
        _, ax = plt.subplots()
    periods = np.arange(values.shape[1])
    for cohort, row in zip(table.index, values, strict=True):
        observed = np.isfinite(row)
        ax.plot(periods[observed], row[observed], marker=".", linewidth=1, label=str(cohort))
    if show_average:
        counts = np.isfinite(values).sum(axis=0)
        observed = counts > 0
        average = np.nansum(values, axis=0)[observed] / counts[observed]
        ax.plot(periods[observed], average, color="black", linewidth=3, label="average")
    ax.set_xlabel("Periods since first purchase")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="x-small", ncol=2)
    return ax


def _numeric_values(table: pd.DataFrame) -> np.ndarray:
    """The cohort table as a float array, with a helpful error for anything else."""
    require_frame(table, name="table")
    try:
        return table.to_numpy(dtype=float)
    except (TypeError, ValueError) as error:
        raise DataValidationError(
            f"table must hold numbers ({error}); pass the output of "
            "crm_analytics.cohorts.cohort_table"
        ) from None
