"""The report's one visual style: a colour per segment, stage and tier, and the figure settings.

Every figure and table of the report takes its colours from :func:`colours`, so that a
segment has the same colour in the heatmap, the bars, the tables and the legend. The known
RFM segments, lifecycle stages and tiers have colours that carry meaning (greens for the best
customers, oranges and reds for those slipping away, greys for the lost); any other label
gets the next colour of a qualitative palette chosen for colour-blind readers (Okabe & Ito).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["KNOWN_COLOURS", "MATPLOTLIB_STYLE", "colours", "text_colour"]

KNOWN_COLOURS = {
    # RFM segments (crm_analytics.segmentation.DEFAULT_SEGMENT_MAP)
    "Champions": "#1b7837",
    "Loyal": "#5aae61",
    "Potential loyalist": "#a6dba0",
    "New": "#4393c3",
    "Promising": "#92c5de",
    "Need attention": "#f1b6da",
    "About to sleep": "#fdb863",
    "At risk": "#e66101",
    "Can't lose them": "#b2182b",
    "Hibernating": "#8073ac",
    "Lost": "#9e9e9e",
    # lifecycle stages
    "prospect": "#d9d9d9",
    "new": "#4393c3",
    "active": "#1b7837",
    "reactivated": "#5aae61",
    "at risk": "#e66101",
    "lost": "#9e9e9e",
    # value and risk tiers
    "high value": "#08519c",
    "medium value": "#6baed6",
    "low value": "#c6dbef",
    "high risk": "#b2182b",
    "medium risk": "#fdb863",
    "low risk": "#5aae61",
}
# Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
_PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
NEUTRAL = "#4c72b0"
SVG_FONTS = "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, sans-serif"
INK = "#222222"
MUTED = "#6b6b6b"

MATPLOTLIB_STYLE = {
    # Ships with matplotlib, so the layout is measured with the font the SVG names; the page
    # adds fallbacks of similar width for readers who lack it.
    "font.family": ["DejaVu Sans"],
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "axes.labelcolor": INK,
    "axes.edgecolor": "#999999",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "grid.color": "#e5e5e5",
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "legend.frameon": False,
    "figure.dpi": 96,
    # Text stays text in the SVG: small files, selectable and sharp when printed.
    "svg.fonttype": "none",
}


def colours(labels: Iterable[object], *, kind: str = "") -> dict[str, str]:
    """One colour per label: the known meaning-carrying colour, else the next palette colour.

    Parameters
    ----------
    labels : iterable
        Segment names, stages or tiers, in the order they are shown.
    kind : str, optional
        ``"value"`` or ``"risk"`` for tiers (``high`` means something else in each).

    Examples
    --------
    >>> colours(["Champions", "Lost", "VIP"])
    {'Champions': '#1b7837', 'Lost': '#9e9e9e', 'VIP': '#0072B2'}
    >>> colours(["high", "low"], kind="risk")
    {'high': '#b2182b', 'low': '#5aae61'}
    """
    chosen: dict[str, str] = {}
    spare = iter(_PALETTE * 4)
    for label in labels:
        name = str(label)
        known = KNOWN_COLOURS.get(f"{name} {kind}" if kind else name)
        chosen[name] = known or next(spare, NEUTRAL)
    return chosen


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (a ``#rrggbb`` colour).

    Examples
    --------
    >>> text_colour("#1b7837"), text_colour("#fdb863")
    ('#ffffff', '#222222')
    """
    red, green, blue = (int(background[i : i + 2], 16) / 255 for i in (1, 3, 5))
    # Relative luminance (WCAG 2.1), with the sRGB curve.
    channel = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)
    ]
    luminance = 0.2126 * channel[0] + 0.7152 * channel[1] + 0.0722 * channel[2]
    return INK if luminance > 0.18 else "#ffffff"
