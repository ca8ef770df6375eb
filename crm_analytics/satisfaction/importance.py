"""Importance-performance analysis: which attributes to fix first."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from crm_analytics._answers import answers, check_scale
from crm_analytics._checks import examples
from crm_analytics.exceptions import DataValidationError

__all__ = ["QUADRANTS", "importance_performance"]

#: Martilla and James (1977) quadrants, by (importance high?, performance high?).
QUADRANTS = {
    (True, False): "concentrate here",
    (True, True): "keep up the good work",
    (False, False): "low priority",
    (False, True): "possible overkill",
}
_METHODS = ("regression", "correlation", "stated")
_CENTRES = ("mean", "scale")


def importance_performance(
    responses: pd.DataFrame,
    *,
    items: Sequence[Hashable],
    overall: Hashable | None = None,
    method: str = "regression",
    importance: Mapping[Hashable, Hashable] | None = None,
    scale: tuple[float, float] = (1, 5),
    centre: str = "mean",
) -> pd.DataFrame:
    """Importance-performance analysis (Martilla and James 1977, Journal of Marketing 41(1)).

    Each attribute's performance is its mean answer; its importance is derived from how it
    moves overall satisfaction, or stated by the respondents:

    - ``"regression"`` (default): the standardised coefficient ``beta_j`` of the least-squares
      regression of overall satisfaction on all the items, on z-scored variables (the share
      of a standard deviation of overall satisfaction that one standard deviation of item
      ``j`` brings, the others held fixed); correlated items share their credit, and a
      coefficient can be negative;
    - ``"correlation"``: the Pearson correlation of the item with overall satisfaction (its
      effect on its own, the others free to move with it);
    - ``"stated"``: the mean answer to a "how important is ..." question per item.

    The cross-hairs split the attributes into four quadrants: important and performing
    below the line, *concentrate here*; important and above it, *keep up the good work*;
    unimportant and below, *low priority*; unimportant and above, *possible overkill*. They
    sit at the mean importance and the mean performance of the attributes (``centre="mean"``,
    the data-centred variant that always splits the attributes), or at the mean importance
    and the middle of the answer scale (``centre="scale"``, the original grid). An attribute
    exactly on a line counts as high.

    Parameters
    ----------
    responses : pandas.DataFrame
        One row per response; answers as numbers on ``scale``.
    items : list of column names
        The attributes rated (at least two).
    overall : column name, optional
        The overall-satisfaction answer (same scale); needed unless ``method="stated"``.
    method : {"regression", "correlation", "stated"}, default "regression"
        How importance is measured.
    importance : dict, optional
        Item -> stated-importance column (same scale), for ``method="stated"``.
    scale : (low, high), default (1, 5)
        Lowest and highest answer.
    centre : {"mean", "scale"}, default "mean"
        Where the performance cross-hair sits.

    Returns
    -------
    pandas.DataFrame
        One row per item (index ``item``): ``performance``, ``importance``, ``quadrant``,
        and the cross-hairs ``importance_threshold`` and ``performance_threshold`` (the same
        on every row, kept so that a plot can draw them).

    Raises
    ------
    DataValidationError
        Missing columns, answers off the scale, too few complete responses for the
        regression (more than the number of items plus one are needed), an item or the
        overall answer that does not vary, or an unknown method or centre.

    Examples
    --------
    >>> responses = pd.DataFrame({"price": [1, 2, 3, 4, 5, 3],
    ...                           "speed": [5, 5, 4, 5, 4, 5],
    ...                           "overall": [1, 2, 3, 4, 5, 3]})
    >>> importance_performance(responses, items=["price", "speed"], overall="overall",
    ...                        method="correlation").round(3).iloc[:, :3]
           performance  importance           quadrant
    item
    price        3.000       1.000   concentrate here
    speed        4.667      -0.548  possible overkill
    """
    low, high = check_scale(scale)
    if method not in _METHODS:
        raise DataValidationError(
            f"method={method!r} is not one of {', '.join(map(repr, _METHODS))}"
        )
    if centre not in _CENTRES:
        raise DataValidationError(
            f"centre={centre!r} is not one of {', '.join(map(repr, _CENTRES))}"
        )
    items = list(items)
    if len(items) < 2:
        raise DataValidationError(
            f"items={items!r}: importance-performance analysis compares at least two items"
        )
    values = answers(responses, items, name="responses", scale=(low, high))
    performance = values.mean()
    if method == "stated":
        if importance is None or any(item not in importance for item in items):
            raise DataValidationError(
                "method='stated' needs importance= with a stated-importance column for "
                f"every item ({examples(items)})"
            )
        stated = answers(
            responses, [importance[item] for item in items], name="responses", scale=(low, high)
        )
        weights = pd.Series(stated.mean().to_numpy(), index=items)
    else:
        if overall is None:
            raise DataValidationError(
                f"method={method!r} derives importance from overall satisfaction: pass "
                "overall= (the overall-satisfaction column), or use method='stated'"
            )
        target = answers(responses, [overall], name="responses", scale=(low, high))[overall]
        weights = _derived(values, target, method)
    importance_cut = float(weights.mean())
    performance_cut = float(performance.mean()) if centre == "mean" else (low + high) / 2
    quadrant = [
        QUADRANTS[(bool(i >= importance_cut), bool(p >= performance_cut))]
        for i, p in zip(weights, performance, strict=True)
    ]
    table = pd.DataFrame(
        {
            "performance": performance,
            "importance": weights,
            "quadrant": quadrant,
            "importance_threshold": importance_cut,
            "performance_threshold": performance_cut,
        }
    )
    table.index.name = "item"
    return table


def _derived(values: pd.DataFrame, target: pd.Series, method: str) -> pd.Series:
    """Standardised regression coefficients or correlations of the items with ``target``."""
    frame = values.assign(__target=target).dropna()
    needed = values.shape[1] + 2 if method == "regression" else 3
    if len(frame) < needed:
        raise DataValidationError(
            f"responses: {len(frame):,} responses answer every item and the overall question; "
            f"method={method!r} needs at least {needed} (drop items or collect more answers)"
        )
    spread = frame.std(ddof=1)
    flat = spread.index[spread.to_numpy() == 0]
    if len(flat):
        names = ["overall" if name == "__target" else name for name in flat]
        raise DataValidationError(
            f"responses: {examples(names)} get(s) the same answer from every complete "
            "response, so no importance can be derived from it; drop it or use method='stated'"
        )
    z = (frame - frame.mean()) / spread
    design, outcome = z.drop(columns="__target").to_numpy(), z["__target"].to_numpy()
    if method == "correlation":
        return pd.Series(design.T @ outcome / (len(z) - 1), index=values.columns)
    coefficients, *_ = np.linalg.lstsq(design, outcome, rcond=None)
    return pd.Series(coefficients, index=values.columns)
