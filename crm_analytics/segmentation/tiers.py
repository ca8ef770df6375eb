"""Value tiers, value concentration (the 80/20 check) and the customer value matrix.

Values are anything measured per customer in money: historical revenue, profit (revenue
times a margin, minus costs) or predicted CLV. All functions take a Series indexed by
customer_id and return pandas objects on the same index.
"""

from __future__ import annotations

import numbers
import string
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_analytics._checks import check_margin, whole_number
from crm_analytics.exceptions import DataValidationError
from crm_analytics.segmentation import _binning, _checks

__all__ = ["Concentration", "concentration", "segment_shares", "value_matrix", "value_tiers"]

_TIER_METHODS = ("pareto", "abc", "quantile")
VALUE_CLASSES = ("high-value", "potential", "ordinary", "low/negative")


def value_tiers(
    values: pd.Series,
    *,
    method: str = "pareto",
    share: float = 0.8,
    medium_share: float = 0.95,
    shares: Sequence[float] = (0.8, 0.95),
    n_tiers: int = 3,
) -> pd.Series:
    """Assign each customer a value tier.

    Customers are ranked by value, highest first (ties keep the order of ``values``).

    - ``"pareto"``: ``high`` is the smallest set of customers whose value makes at least
      ``share`` of the total (the "20%" of the 80/20 rule), ``medium`` the fewest further
      customers that bring the cumulative share to ``medium_share``, ``low`` the rest.
    - ``"abc"``: ABC analysis with any number of classes; ``shares`` are the cumulative
      value shares closing classes A, B, ...; the last class takes the rest.
    - ``"quantile"``: ``n_tiers`` equal-sized groups of customers by value, with the
      tie-aware bins of :class:`~crm_analytics.segmentation.RFMScorer` (tied customers
      share a tier); labelled high/medium/low for 3 tiers, else ``tier 1`` (top) ...

    Parameters
    ----------
    values : pandas.Series
        Non-negative value per customer, indexed by customer_id.
    method : {"pareto", "abc", "quantile"}, default "pareto"
    share : float, default 0.8
        Target value share of the ``high`` tier (pareto).
    medium_share : float, default 0.95
        Cumulative value share reached by ``high`` and ``medium`` together (pareto).
    shares : sequence of float, default (0.8, 0.95)
        Increasing cumulative value shares closing each ABC class (abc).
    n_tiers : int, default 3
        Number of equal-count tiers (quantile).

    Returns
    -------
    pandas.Series
        Categorical ``tier`` per customer, categories from the top tier down.

    Examples
    --------
    >>> values = pd.Series([50.0, 30, 10, 5, 5], index=list("abcde"))
    >>> value_tiers(values).tolist()
    ['high', 'high', 'medium', 'medium', 'low']
    >>> value_tiers(values, method="abc", shares=(0.5, 0.9)).tolist()
    ['A', 'B', 'B', 'C', 'C']
    """
    checked = _checks.value_series(values, name="values")
    if method == "quantile":
        return _quantile_tiers(checked, n_tiers)
    if method == "pareto":
        cutoffs, labels = _checked_shares([share, medium_share]), ["high", "medium", "low"]
    elif method == "abc":
        cutoffs = _checked_shares(shares)
        labels = list(string.ascii_uppercase[: len(cutoffs) + 1])
    else:
        raise DataValidationError(f"method must be one of {_TIER_METHODS}, got {method!r}")
    total = checked.sum()
    if total <= 0:
        raise DataValidationError(
            f"values add up to {total}; value tiers need a positive total (at least one "
            "customer with value above 0)"
        )
    order = np.argsort(-checked.to_numpy(), kind="stable")
    cumulative = np.cumsum(checked.to_numpy()[order]) / total
    # a customer belongs to the first class whose cut-off the cumulative share *before* them
    # has not reached yet, so each class holds the fewest customers that reach its cut-off
    before = np.concatenate(([0.0], cumulative[:-1]))
    codes_sorted = np.searchsorted(np.asarray(cutoffs) - 1e-9, before, side="right")
    codes = np.empty_like(codes_sorted)
    codes[order] = codes_sorted
    return _tier_series(codes, labels, checked.index)


def _checked_shares(shares: Sequence[float]) -> list[float]:
    if isinstance(shares, str) or not isinstance(shares, Sequence | np.ndarray):
        raise DataValidationError(
            f"shares must be a sequence of cumulative value shares, got {shares!r}; "
            "e.g. shares=(0.8, 0.95), or shares=(0.8,) for two classes"
        )
    cutoffs = [
        _checks.finite_number(value, name="each value share", example="shares=(0.8, 0.95)")
        for value in shares
    ]
    valid = all(0 < value < 1 for value in cutoffs) and all(
        low < high for low, high in zip(cutoffs, cutoffs[1:], strict=False)
    )
    if not cutoffs or not valid:
        raise DataValidationError(
            f"value shares must increase strictly within (0, 1), got {cutoffs}; "
            "e.g. share=0.8, medium_share=0.95 or shares=(0.8, 0.95)"
        )
    return cutoffs


def _quantile_tiers(values: pd.Series, n_tiers: int) -> pd.Series:
    n_tiers = whole_number(n_tiers, name="n_tiers", minimum=2, example="n_tiers=3")
    _checks.require_min_customers(
        len(values), n_tiers, what=f"n_tiers={n_tiers}", fix="lower n_tiers"
    )
    raw = values.to_numpy()
    tier_score = _binning.score(raw, _binning.learn_edges(raw, n_tiers))
    labels = (
        ["high", "medium", "low"] if n_tiers == 3 else [f"tier {k}" for k in range(1, n_tiers + 1)]
    )
    return _tier_series(n_tiers - tier_score, labels, values.index)


def _tier_series(codes: np.ndarray, labels: list[str], index: pd.Index) -> pd.Series:
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=labels, ordered=True), index=index, name="tier"
    )


def segment_shares(segments: pd.Series, values: pd.Series | None = None) -> pd.DataFrame:
    """Size and value of each segment, tier or cluster, as counts and shares of the whole.

    Parameters
    ----------
    segments : pandas.Series
        Label per customer, indexed by customer_id (e.g. ``rfm_segments`` output).
    values : pandas.Series, optional
        Value per customer (e.g. revenue) on the same customers; adds ``value`` and
        ``value_share`` columns.

    Returns
    -------
    pandas.DataFrame
        One row per label (in category order when categorical): ``n_customers``,
        ``customer_share`` and, with ``values``, ``value`` and ``value_share``. Shares add
        up to 1.

    Examples
    --------
    >>> tiers = pd.Series(["high", "low", "low"], index=["a", "b", "c"])
    >>> segment_shares(tiers, pd.Series([80.0, 15, 5], index=["a", "b", "c"]))
          n_customers  customer_share  value  value_share
    high            1        0.333333   80.0          0.8
    low             2        0.666667   20.0          0.2
    """
    if not isinstance(segments, pd.Series):
        raise DataValidationError(
            f"segments must be a pandas Series of labels indexed by customer_id, got "
            f"{type(segments).__name__}"
        )
    _checks.unique_ids(segments.index, name="segments")
    unlabelled = segments.isna().to_numpy()
    if unlabelled.any():
        raise DataValidationError(
            f"segments has {int(unlabelled.sum())} customer(s) without a label (e.g. "
            f"{segments.index[unlabelled][:3].tolist()}); label every customer first"
        )
    counts = segments.value_counts(sort=False)
    if not isinstance(segments.dtype, pd.CategoricalDtype):
        counts = counts.sort_index()
    table = pd.DataFrame({"n_customers": counts.astype("int64")})
    table["customer_share"] = table["n_customers"] / len(segments)
    if values is not None:
        checked = _checks.value_series(values, name="values", allow_negative=True)
        missing = ~segments.index.isin(checked.index)
        if missing.any():
            raise DataValidationError(
                f"values lack {int(missing.sum())} customer(s) of segments (e.g. "
                f"{segments.index[missing][:3].tolist()}); pass values for every customer"
            )
        by_label = (
            checked.reindex(segments.index).groupby(segments, observed=False, sort=False).sum()
        )
        table["value"] = by_label.reindex(table.index).fillna(0.0)
        table["value_share"] = table["value"] / table["value"].sum()
    table.index.name = segments.name
    return table


@dataclass(frozen=True)
class Concentration:
    """How concentrated value is across customers (see :func:`concentration`).

    Attributes
    ----------
    top : float
        Fraction of customers counted as the top.
    top_share : float
        Share of total value held by that top fraction.
    gini : float
        Gini coefficient, 0 (everyone equal) to (n - 1) / n (one customer holds all).
    lorenz : pandas.DataFrame
        ``customer_share`` and ``value_share`` of the Lorenz curve, from (0, 0) to (1, 1),
        customers ranked from lowest to highest value.
    n_customers : int
    total_value : float
    """

    top: float
    top_share: float
    gini: float
    lorenz: pd.DataFrame = field(repr=False)
    n_customers: int
    total_value: float

    def __str__(self) -> str:
        return (
            f"top {self.top:.0%} of {self.n_customers:,} customers hold {self.top_share:.1%} "
            f"of {self.total_value:,.2f}; Gini {self.gini:.3f}"
        )


def concentration(values: pd.Series, *, top: float = 0.2) -> Concentration:
    """The 80/20 check in numbers: top share, Gini coefficient and Lorenz curve.

    Parameters
    ----------
    values : pandas.Series
        Non-negative value per customer (revenue, profit or predicted CLV).
    top : float, default 0.2
        Fraction of customers, ranked by value, counted as the top. When it falls between
        two customers the Lorenz curve is interpolated linearly.

    Returns
    -------
    Concentration
        ``top_share``, ``gini`` (``1 - 2 x`` the area under the Lorenz curve) and the
        ``lorenz`` points.

    Examples
    --------
    >>> result = concentration(pd.Series([50.0, 30, 10, 5, 5]), top=0.2)
    >>> round(result.top_share, 6), round(result.gini, 6)
    (0.5, 0.46)
    """
    checked = _checks.value_series(values, name="values")
    top = _checks.fraction(top, name="top", example="top=0.2")
    raw = np.sort(checked.to_numpy())
    total = float(raw.sum())
    if total <= 0:
        raise DataValidationError(f"values add up to {total}; concentration needs a positive total")
    n_customers = raw.size
    customer_share = np.arange(n_customers + 1) / n_customers
    value_share = np.concatenate(([0.0], np.cumsum(raw) / total))
    gini = 1.0 - float(np.sum(value_share[1:] + value_share[:-1])) / n_customers
    top_share = 1.0 - float(np.interp(1.0 - top, customer_share, value_share))
    lorenz = pd.DataFrame({"customer_share": customer_share, "value_share": value_share})
    return Concentration(top, top_share, gini, lorenz, n_customers, total)


def value_matrix(
    current_value: pd.Series,
    predicted_value: pd.Series,
    *,
    high_quantile: float = 0.8,
    potential_quantile: float = 0.8,
    margin: float = 1.0,
    cost_to_serve: float | pd.Series = 0.0,
    low_threshold: float = 0.0,
    return_cutoffs: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, dict[str, float]]:
    """Customer value classes for allocating resources: high-value, potential, ordinary, low.

    The current contribution is ``margin * current_value - cost_to_serve``. Rules, first
    match wins:

    1. ``high-value``: contribution above ``low_threshold`` and in the top
       ``1 - high_quantile`` of customers by contribution (strictly beats at least
       ``high_quantile`` of them; tie-aware, so equal customers share a class).
    2. ``potential``: ``predicted_value`` above ``low_threshold`` and in the top
       ``1 - potential_quantile`` by predicted value: modest today, valuable tomorrow.
       Pass predicted CLV (net of margin and costs) or any growth-based forecast.
    3. ``low/negative``: contribution at most ``low_threshold``: serving them costs
       more than they bring and the forecast does not redeem them.
    4. ``ordinary``: everyone else.

    Parameters
    ----------
    current_value : pandas.Series
        Value to date per customer (revenue or profit), indexed by customer_id; may be
        negative.
    predicted_value : pandas.Series
        Predicted future value for the same customers.
    high_quantile, potential_quantile : float, default 0.8
        Share of customers a high-value (potential) customer must strictly beat.
    margin : float, default 1.0
        Gross margin, a fraction in (0, 1], applied to ``current_value`` (1 when it is
        already profit; 0.3 for a 30% margin).
    cost_to_serve : float, pandas.Series or array, default 0.0
        Non-negative cost per customer subtracted after the margin: one number for
        everyone, a Series indexed by customer_id, or an array in the order of
        ``current_value``.
    low_threshold : float, default 0.0
        Contribution at or below which a customer is low/negative value.
    return_cutoffs : bool, default False
        Also return the levels the customers had to beat.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id: ``contribution``, ``predicted_value`` and the categorical
        ``value_class``.
    cutoffs : dict
        With ``return_cutoffs=True``: ``contribution_above``, ``predicted_value_above`` and
        ``low_threshold``.

    Examples
    --------
    >>> current = pd.Series([900.0, 500, 40, 30, 20, 10, 5, 0, -50, 60], index=list("abcdefghij"))
    >>> predicted = pd.Series([800.0, 300, 700, 20, 10, 5, 5, 0, 0, 30], index=list("abcdefghij"))
    >>> value_matrix(current, predicted)["value_class"].tolist()
    ['high-value', 'high-value', 'potential', 'ordinary', 'ordinary', 'ordinary', 'ordinary', 'low/negative', 'low/negative', 'ordinary']
    """
    current = _checks.value_series(current_value, name="current_value", allow_negative=True)
    predicted = _checks.value_series(predicted_value, name="predicted_value", allow_negative=True)
    if not current.index.equals(predicted.index):
        if not (current.index.isin(predicted.index).all() and len(current) == len(predicted)):
            raise DataValidationError(
                "current_value and predicted_value must cover the same customers; align "
                "them first, e.g. predicted_value.reindex(current_value.index).fillna(0)"
            )
        predicted = predicted.reindex(current.index)
    high_quantile = _checks.fraction(high_quantile, name="high_quantile", example="0.8")
    potential_quantile = _checks.fraction(
        potential_quantile, name="potential_quantile", example="0.8"
    )
    margin = check_margin(margin)
    low_threshold = _checks.finite_number(
        low_threshold, name="low_threshold", example="low_threshold=0"
    )
    contribution = margin * current - _checked_costs(cost_to_serve, current.index)
    high_cut = _binning.edge_at(contribution.to_numpy(), high_quantile)
    potential_cut = _binning.edge_at(predicted.to_numpy(), potential_quantile)
    is_high = (contribution > high_cut) & (contribution > low_threshold)
    is_potential = (predicted > potential_cut) & (predicted > low_threshold)
    is_low = contribution <= low_threshold
    codes = np.select([is_high, is_potential, is_low], [0, 1, 3], default=2)
    result = pd.DataFrame(
        {
            "contribution": contribution,
            "predicted_value": predicted,
            "value_class": pd.Categorical.from_codes(codes, categories=list(VALUE_CLASSES)),
        },
        index=current.index,
    )
    if not return_cutoffs:
        return result
    cutoffs = {
        "contribution_above": float(high_cut),
        "predicted_value_above": float(potential_cut),
        "low_threshold": low_threshold,
    }
    return result, cutoffs


def _checked_costs(cost_to_serve: object, index: pd.Index) -> float | pd.Series:
    """cost_to_serve as one non-negative number or a Series aligned on ``index``."""
    if isinstance(cost_to_serve, numbers.Real | str):
        cost = _checks.finite_number(cost_to_serve, name="cost_to_serve", example="5.0")
        if cost < 0:
            raise DataValidationError(
                f"cost_to_serve must not be negative, got {cost_to_serve!r}; pass the cost "
                "of serving a customer, e.g. 5.0"
            )
        return cost
    if not isinstance(cost_to_serve, pd.Series):
        array = np.asarray(cost_to_serve)
        if array.ndim != 1 or array.size != len(index):
            raise DataValidationError(
                f"cost_to_serve holds {array.size} value(s) of shape {array.shape} for "
                f"{len(index)} customers; pass one number, one cost per customer in the "
                "order of current_value, or a Series indexed by customer_id"
            )
        cost_to_serve = pd.Series(array, index=index)
    return _checks.aligned_values(
        cost_to_serve,
        index,
        name="cost_to_serve",
        of="current_value",
        fix="give a cost for every customer or a single number",
    )
