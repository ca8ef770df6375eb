"""The report's figures: matplotlib drawn in the report's style, written as inline SVG.

Each function returns a :class:`Figure` whose ``svg`` is markup to place in the page: ids
made unique per figure (several SVGs share one document), no XML prolog, the size given by
its ``viewBox`` so that it scales with the page, and a ``<title>`` on every bar, cell or
point worth hovering (the browser shows it as a tooltip, with no script).
"""

from __future__ import annotations

import functools
import html
import io
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_hex
from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, PercentFormatter

from crm_analytics.report.numbers import count, percent
from crm_analytics.report.style import (
    INK,
    MATPLOTLIB_STYLE,
    MUTED,
    NEUTRAL,
    SVG_FONTS,
    text_colour,
)

__all__ = ["Figure"]

_WIDTH = 7.2  # inches: 691 px, the page's content width
_SEQUENTIAL = LinearSegmentedColormap.from_list("report", ["#f7fbff", "#6baed6", "#08306b"])
_ID = re.compile(r'\bid="([^"]+)"')
_MAX_LABEL = 38  # characters per line of a bar label before it wraps


@dataclass(frozen=True)
class Figure:
    """One figure of the report.

    Attributes
    ----------
    key : str
        Unique within the report (``segments-heatmap``); the prefix of the SVG's ids.
    caption : str
        What the figure shows, under it.
    svg : str
        Inline SVG markup.
    """

    key: str
    caption: str
    svg: str


def _styled(function: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw ``function``'s figure with the report's matplotlib settings, and only it."""

    @functools.wraps(function)
    def styled(*args: object, **kwargs: object) -> Figure:
        with matplotlib.rc_context(MATPLOTLIB_STYLE):
            return function(*args, **kwargs)

    return styled


class _Drawing:
    """A matplotlib figure (call within :func:`_styled`), with hover texts for some artists."""

    def __init__(self, key: str, *, height: float, ncols: int = 1, width: float = _WIDTH) -> None:
        self.key = key
        self.tips: list[tuple[Artist, str]] = []
        self.figure = MplFigure(figsize=(width, height), layout="constrained")
        axes = self.figure.subplots(1, ncols, squeeze=False)[0]
        self.axes: list[Axes] = list(axes)

    def tip(self, artist: Artist, text: str) -> None:
        self.tips.append((artist, text))

    def done(self, caption: str) -> Figure:
        """The finished figure as SVG markup."""
        for number, (artist, _) in enumerate(self.tips):
            artist.set_gid(f"{self.key}-tip{number}")
        buffer = io.StringIO()
        # The salt makes the hashed ids (clip paths, markers) differ between figures.
        with matplotlib.rc_context({"svg.hashsalt": self.key}):
            self.figure.savefig(buffer, format="svg", metadata={"Date": None})
        return Figure(self.key, caption, _inline_svg(buffer.getvalue(), self.key, self.tips))


def _inline_svg(svg: str, key: str, tips: list[tuple[Artist, str]]) -> str:
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)
    for number, (_, text) in enumerate(tips):
        anchor = f'<g id="{key}-tip{number}">'
        svg = svg.replace(anchor, f"{anchor}<title>{html.escape(text)}</title>", 1)
    for name in set(_ID.findall(svg)):
        if name.startswith(f"{key}-"):
            continue
        unique = f"{key}-{name}"
        svg = svg.replace(f'id="{name}"', f'id="{unique}"')
        svg = svg.replace(f"url(#{name})", f"url(#{unique})")
        svg = svg.replace(f'href="#{name}"', f'href="#{unique}"')
    width = re.search(r'<svg[^>]*\bwidth="([\d.]+)pt"', svg)
    max_width = f' style="max-width:{float(width.group(1)) * 4 / 3:.0f}px"' if width else ""
    svg = re.sub(r'(<svg[^>]*?)\s(width|height)="[\d.]+pt"', r"\1", svg, count=1)
    svg = re.sub(r'(<svg[^>]*?)\s(width|height)="[\d.]+pt"', r"\1", svg, count=1)
    svg = re.sub(r"'DejaVu Sans'(?!,)", SVG_FONTS, svg)
    return svg.replace("<svg", f'<svg role="img" class="chart"{max_width}', 1).strip()


# --- building blocks ---------------------------------------------------------------------


def _wrap(label: object) -> str:
    return "\n".join(textwrap.wrap(str(label), _MAX_LABEL)) or str(label)


def _bar_height(labels: Sequence[object], *, base: float = 0.9) -> float:
    lines = sum(_wrap(label).count("\n") + 1 for label in labels)
    return base + 0.28 * lines


def _horizontal_bars(
    drawing: _Drawing,
    ax: Axes,
    labels: Sequence[str],
    values: Sequence[float],
    colours: Sequence[str],
    *,
    text: Callable[[float], str],
    tips: Sequence[str],
    xlabel: str = "",
) -> None:
    """Bars top to bottom in the order given, each value written at its end."""
    positions = np.arange(len(labels))[::-1]
    bars = ax.barh(positions, values, color=colours, height=0.7)
    ax.set_yticks(positions, [_wrap(label) for label in labels])
    ax.tick_params(axis="y", length=0)
    top = max([float(value) for value in values] + [0.0])
    ax.set_xlim(0, top * 1.28 if top > 0 else 1)
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    if xlabel:
        ax.set_title(xlabel, fontsize=10, fontweight="normal", color=MUTED)
    for bar, value, tip in zip(bars, values, tips, strict=True):
        ax.annotate(
            text(value),
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
            color=INK,
        )
        drawing.tip(bar, tip)


def _heatmap(
    drawing: _Drawing,
    ax: Axes,
    values: np.ndarray,
    *,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    cell_text: Callable[[float], str],
    tip: Callable[[int, int, float], str],
    norm: Normalize,
    annotate: bool,
) -> None:
    """Cells as separate rectangles (each with its hover text); row 0 drawn at the top."""
    n_rows, n_columns = values.shape
    for row in range(n_rows):
        for column in range(n_columns):
            value = values[row, column]
            if np.isnan(value):
                continue
            colour = to_hex(_SEQUENTIAL(norm(value)))
            y = n_rows - 1 - row
            cell = Rectangle((column, y), 1, 1, facecolor=colour, edgecolor="white", lw=0.8)
            ax.add_patch(cell)
            drawing.tip(cell, tip(row, column, value))
            if annotate:
                ax.text(
                    column + 0.5,
                    y + 0.5,
                    cell_text(value),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color=text_colour(colour),
                )
    ax.set_xlim(0, n_columns)
    ax.set_ylim(0, n_rows)
    ax.set_xticks(np.arange(n_columns) + 0.5, column_labels)
    ax.set_yticks(np.arange(n_rows)[::-1] + 0.5, row_labels)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _thousands(value: float, _: object = None) -> str:
    return f"{value:,.0f}"


# --- the figures -------------------------------------------------------------------------


@_styled
def rfm_heatmap(counts: pd.DataFrame, *, key: str) -> Figure:
    """Customers by recency score (rows, best at the top) and frequency score (columns)."""
    table = counts.sort_index(ascending=False)
    total = float(np.nansum(table.to_numpy()))
    drawing = _Drawing(key, height=0.9 + 0.42 * len(table))
    ax = drawing.axes[0]
    values = table.to_numpy(dtype=float)
    _heatmap(
        drawing,
        ax,
        values,
        row_labels=[f"R {label}" for label in table.index],
        column_labels=[f"F {label}" for label in table.columns],
        cell_text=_thousands,
        tip=lambda row, column, value: (
            f"R {table.index[row]}, F {table.columns[column]}: {value:,.0f} customers "
            f"({value / total:.1%})"
        ),
        norm=Normalize(0, max(np.nanmax(values), 1)),
        annotate=True,
    )
    ax.set_xlabel("frequency score")
    ax.set_ylabel("recency score")
    return drawing.done(
        "Customers by recency score (R, 5 = bought most recently) and frequency score (F, 5 = "
        "buys most often): the top right holds the best customers."
    )


@_styled
def segment_shares(table: pd.DataFrame, colours: Mapping[str, str], *, key: str) -> Figure:
    """Side by side, per segment: share of customers, of revenue and of predicted CLV."""
    measures = [
        (name, label)
        for name, label in (
            ("customer_share", "customers"),
            ("revenue_share", "revenue to date"),
            ("predicted_clv_share", "predicted CLV"),
        )
        if name in table.columns
    ]
    labels = [str(label) for label in table.index]
    drawing = _Drawing(key, height=_bar_height(labels, base=0.7), ncols=len(measures))
    for ax, (name, label) in zip(drawing.axes, measures, strict=True):
        values = table[name].to_numpy(dtype=float)
        _horizontal_bars(
            drawing,
            ax,
            labels,
            values,
            [colours[segment] for segment in labels],
            text=percent,
            tips=[
                f"{segment}: {value:.1%} of {label}"
                for segment, value in zip(labels, values, strict=True)
            ],
            xlabel=f"share of {label}",
        )
        if ax is not drawing.axes[0]:
            ax.set_yticks([])
    return drawing.done("Each segment's share of customers, revenue to date and predicted CLV.")


@_styled
def pareto_curves(curves: Mapping[str, pd.DataFrame], *, top: float, key: str) -> Figure:
    """Cumulative share of value against share of customers, most valuable first."""
    drawing = _Drawing(key, height=3.4, width=5.6)
    ax = drawing.axes[0]
    palette = [NEUTRAL, "#E69F00"]
    for (label, lorenz), colour in zip(curves.items(), palette, strict=False):
        # Lorenz curves rank customers from the least valuable; Pareto from the most.
        customers = 1.0 - lorenz["customer_share"].to_numpy()[::-1]
        value = 1.0 - lorenz["value_share"].to_numpy()[::-1]
        keep = np.unique(np.linspace(0, len(customers) - 1, min(len(customers), 400)).astype(int))
        ax.plot(customers[keep], value[keep], color=colour, lw=2, label=label)
        at_top = float(np.interp(top, customers, value))
        (point,) = ax.plot([top], [at_top], "o", color=colour, ms=6)
        drawing.tip(point, f"top {top:.0%} of customers: {at_top:.0%} of {label}")
    ax.plot([0, 1], [0, 1], color="#bbbbbb", lw=1, ls="--", label="equal shares")
    ax.axvline(top, color="#dddddd", lw=1, zorder=0)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of customers, most valuable first")
    ax.set_ylabel("share of value")
    ax.legend(loc="lower right")
    return drawing.done("Value concentration (Pareto curve): how much the top customers hold.")


@_styled
def category_bars(
    counts: pd.Series, colours: Mapping[str, str], *, key: str, caption: str, unit: str
) -> Figure:
    """One horizontal bar per category (in the series' order), count and share written."""
    labels = [str(label) for label in counts.index]
    values = counts.to_numpy(dtype=float)
    total = values.sum() or 1.0
    drawing = _Drawing(key, height=_bar_height(labels), width=6.0)
    _horizontal_bars(
        drawing,
        drawing.axes[0],
        labels,
        values,
        [colours.get(label, NEUTRAL) for label in labels],
        text=lambda value: f"{count(value)} ({percent(value / total)})",
        tips=[
            f"{label}: {value:,.0f} {unit} ({value / total:.1%})"
            for label, value in zip(labels, values, strict=True)
        ],
    )
    return drawing.done(caption)


@_styled
def paired_bars(
    first: pd.Series,
    second: pd.Series,
    colours: Mapping[str, str],
    *,
    titles: tuple[str, str],
    key: str,
    caption: str,
) -> Figure:
    """Two panels of bars over the same categories (e.g. customers and value per tier)."""
    labels = [str(label) for label in first.index]
    drawing = _Drawing(key, height=_bar_height(labels), ncols=2)
    for ax, series, title in zip(drawing.axes, (first, second), titles, strict=True):
        values = series.to_numpy(dtype=float)
        total = values.sum() or 1.0
        _horizontal_bars(
            drawing,
            ax,
            labels,
            values,
            [colours.get(label, NEUTRAL) for label in labels],
            text=lambda value, total=total: f"{count(value)} ({percent(value / total)})",
            tips=[
                f"{label}: {value:,.0f} {title}"
                for label, value in zip(labels, values, strict=True)
            ],
            xlabel=title,
        )
        if ax is not drawing.axes[0]:
            ax.set_yticks([])
    return drawing.done(caption)


@_styled
def transitions_heatmap(moves: pd.DataFrame, *, key: str) -> Figure:
    """Customers by stage in the previous run (rows) and now (columns)."""
    drawing = _Drawing(key, height=1.2 + 0.4 * len(moves))
    ax = drawing.axes[0]
    values = moves.to_numpy(dtype=float)
    values = np.where(values == 0, np.nan, values)
    _heatmap(
        drawing,
        ax,
        values,
        row_labels=[str(label) for label in moves.index],
        column_labels=[str(label) for label in moves.columns],
        cell_text=_thousands,
        tip=lambda row, column, value: (
            f"{value:,.0f} customers from {moves.index[row]} to {moves.columns[column]}"
        ),
        norm=Normalize(0, max(np.nanmax(values, initial=0), 1)),
        annotate=moves.shape[1] <= 10,
    )
    ax.set_xlabel("stage now")
    ax.set_ylabel("stage in the previous run")
    ax.tick_params(axis="x", labelrotation=0)
    return drawing.done("Moves between lifecycle stages since the previous run.")


@_styled
def clv_histogram(values: pd.Series, *, key: str) -> Figure:
    """Customers by predicted CLV on a logarithmic scale, median and mean marked."""
    positive = values[values > 0].to_numpy(dtype=float)
    drawing = _Drawing(key, height=3.0)
    ax = drawing.axes[0]
    # A few customers with nearly no value would stretch the scale over decades: the first
    # bar holds everyone below the 1st percentile.
    low, high = float(np.quantile(positive, 0.01)), float(positive.max())
    edges = np.geomspace(low, high * 1.0001, 31) if high > low else np.array([low * 0.9, low * 1.1])
    counts, edges = np.histogram(np.clip(positive, edges[0], None), bins=edges)
    bars = ax.bar(
        edges[:-1],
        counts,
        width=np.diff(edges),
        align="edge",
        color=NEUTRAL,
        edgecolor="white",
        lw=0.5,
    )
    for bar, number, start, end in zip(bars, counts, edges[:-1], edges[1:], strict=True):
        drawing.tip(bar, f"{number:,} customers with a predicted CLV of {start:,.2f} to {end:,.2f}")
    ax.set_xscale("log")
    median, mean = float(np.median(values)), float(values.mean())
    for value, label, style in ((median, "median", "-"), (mean, "mean", "--")):
        if value > 0:
            shown = f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"
            ax.axvline(value, color=INK, lw=1.2, ls=style, label=f"{label} {shown}")
    ax.legend(loc="upper right")
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda value, _: f"{value:,.0f}" if value >= 1 else f"{value:g}")
    )
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.set_xlabel("predicted CLV (logarithmic scale)")
    ax.set_ylabel("customers")
    zeros = len(values) - len(positive)
    note = f"; {zeros:,} customers at 0 not shown" if zeros else ""
    return drawing.done(
        f"How predicted customer lifetime value is spread (the first bar holds the lowest 1%{note})."
    )


@_styled
def cohort_heatmap(table: pd.DataFrame, *, rates: bool, period: str, key: str) -> Figure:
    """Cohorts (rows, oldest at the top) by periods since the first purchase (columns)."""
    values = table.to_numpy(dtype=float)
    n_rows, n_columns = values.shape
    annotate = n_columns <= 14 and n_rows <= 30
    drawing = _Drawing(key, height=1.1 + 0.3 * n_rows)
    ax = drawing.axes[0]
    later = values[:, 1:] if n_columns > 1 else values
    # Period 0 is 100% by definition and a tiny cohort can reach 100% later: the scale runs
    # to the 95th percentile of the later periods, and darker cells are clipped to it.
    top = float(np.nanpercentile(later, 95)) if np.isfinite(later).any() else 1.0

    def shown(value: float) -> str:
        return f"{value:.0%}" if rates else f"{value:,.1f}"

    _heatmap(
        drawing,
        ax,
        values,
        row_labels=[str(label) for label in table.index],
        column_labels=[str(label) for label in table.columns],
        cell_text=shown,
        tip=lambda row, column, value: (
            f"cohort {table.index[row]}, {table.columns[column]} {period}(s) later: {shown(value)}"
        ),
        norm=Normalize(0, top if top > 0 else 1, clip=True),
        annotate=annotate,
    )
    ax.set_xlabel(f"{period}s since the first purchase")
    ax.set_ylabel("cohort (first purchase)")
    if n_columns > 14:
        ax.set_xticks(
            np.arange(0, n_columns, 3) + 0.5, [str(label) for label in table.columns[::3]]
        )
    if n_rows > 30:
        ax.set_yticks(np.arange(n_rows)[::-3] + 0.5, [str(label) for label in table.index[::3]])
    what = "share of each cohort that bought" if rates else "value per acquired customer"
    return drawing.done(f"Cohort retention: {what} in each {period} after its first purchase.")


@_styled
def calibration_plot(curve: pd.DataFrame, *, key: str) -> Figure:
    """Observed churn rate against the mean predicted probability, per bin."""
    drawing = _Drawing(key, height=3.4, width=4.4)
    ax = drawing.axes[0]
    ax.plot([0, 1], [0, 1], color="#bbbbbb", lw=1, ls="--", label="perfect calibration")
    ax.plot(
        curve["mean_predicted"], curve["observed_rate"], color=NEUTRAL, lw=1.5, label="churn model"
    )
    for row in curve.itertuples():
        (point,) = ax.plot([row.mean_predicted], [row.observed_rate], "o", color=NEUTRAL, ms=5)
        drawing.tip(
            point,
            f"{row.n_customers:,} customers: predicted {percent(row.mean_predicted)}, "
            f"observed {percent(row.observed_rate)}",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("predicted churn probability")
    ax.set_ylabel("observed churn rate")
    ax.legend(loc="upper left")
    return drawing.done(
        "Churn model calibration on held-out customers: points near the line are trustworthy."
    )
