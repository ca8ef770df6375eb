"""Cell labels shared by the heatmaps of the plotting modules."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes


def annotate_cells(ax: Axes, values: np.ndarray, *, number_format: str) -> None:
    """Write each finite cell of ``values`` at its place on an ``imshow`` heatmap.

    Labels on the upper half of the value range (the dark end of a sequential colormap) are
    white, the others black; NaN cells stay blank. ``number_format`` is a format spec such as
    ``".0%"`` or ``",.0f"``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> _, ax = plt.subplots()
    >>> annotate_cells(ax, np.array([[0.25, np.nan], [1.0, 0.5]]), number_format=".0%")
    >>> [(text.get_text(), text.get_color()) for text in ax.texts]
    [('25%', 'black'), ('100%', 'white'), ('50%', 'black')]
    """
    observed = np.isfinite(values)
    if not observed.any():
        return
    finite = values[observed]
    middle = (finite.max() + finite.min()) / 2
    for row, column in np.argwhere(observed):
        value = values[row, column]
        ax.text(
            column,
            row,
            format(value, number_format),
            ha="center",
            va="center",
            fontsize="x-small",
            color="white" if value > middle else "black",
        )
