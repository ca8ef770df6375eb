"""Per-customer reasons for a churn score, in plain words.

A feature's contribution to one customer's score is how much the churn probability drops when
that feature alone is set back to a typical value (the training median, or the most common
category). The features that raise the score most are the customer's reasons, written as
short sentences an account manager can act on ("no purchase for 140 days; typical 35").
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

_WINDOW = re.compile(r"^(orders|amount)(_trend)?_(\d+)d$")
_SINCE = re.compile(r"^days_since_(.+)$")
# Features that are missing exactly when the customer has bought on one day only.
_PROBABILITIES = {"bgnbd_p_alive"}
_NEEDS_REPEAT = {"interpurchase_mean_days", "interpurchase_std_days", "recency_to_rhythm"}


def _number(values: pd.Series) -> pd.Series:
    """Numbers as short text: whole numbers without decimals, others with one."""
    rounded = values.round(1)
    text = rounded.map("{:,.1f}".format)
    whole = rounded == rounded.round(0)
    return text.where(~whole, rounded.map("{:,.0f}".format))


def _percent(values: pd.Series) -> pd.Series:
    """Probabilities as whole percentages: 0.434 -> "43%"."""
    return (values * 100).round(0).map("{:.0f}%".format)


def _signed(values: pd.Series) -> pd.Series:
    """Changes as "down 3" / "up 2" / "unchanged"."""
    words = np.where(values < 0, "down ", "up ")
    text = words + _number(values.abs())
    return text.where(values != 0, "unchanged")


_SENTENCES: dict[str, Callable[[pd.Series], pd.Series]] = {
    "days_since_last_purchase": lambda v: "no purchase for " + _number(v) + " days",
    "recency_to_rhythm": lambda v: (
        "time since the last purchase is " + _number(v) + " times the customer's usual gap"
    ),
    "recency": lambda v: "first to last purchase spans " + _number(v) + " days",
    "T": lambda v: "customer for " + _number(v) + " days",
    "frequency": lambda v: _number(v) + " repeat purchase days",
    "n_orders": lambda v: _number(v) + " orders in total",
    "total_amount": lambda v: "total spend " + _number(v),
    "monetary_value": lambda v: "average repeat spend " + _number(v),
    "average_order_value": lambda v: "average order value " + _number(v),
    "interpurchase_mean_days": lambda v: "buys every " + _number(v) + " days on average",
    "interpurchase_std_days": lambda v: "gaps between purchases vary by " + _number(v) + " days",
    "n_products": lambda v: _number(v) + " different products bought",
    "bgnbd_p_alive": lambda v: "BG/NBD chance of still being a customer " + _percent(v),
    "bgnbd_expected_purchases_90d": lambda v: (
        "BG/NBD expects " + _number(v) + " purchases in the next 90 days"
    ),
    "products_per_order": lambda v: _number(v) + " different products per order",
}


def _humanise(feature: str) -> str:
    return feature.replace("_", " ")


def _window_sentence(feature: str) -> Callable[[pd.Series], pd.Series] | None:
    match = _WINDOW.match(feature)
    if match is None:
        return None
    what, trend, days = match.groups()
    noun = "orders" if what == "orders" else "spend"
    if trend:
        return lambda v: (
            noun + f" in the last {days} days " + _signed(v) + f" on the {days} days before"
        )
    if what == "orders":
        return lambda v: (_number(v) + f" orders in the last {days} days").where(
            v != 0, f"no orders in the last {days} days"
        )
    return lambda v: (f"spend in the last {days} days " + _number(v)).where(
        v != 0, f"no spend in the last {days} days"
    )


def describe(feature: str, values: pd.Series, reference: object, *, categorical: bool) -> pd.Series:
    """One plain sentence per value of ``feature``, with the typical value for comparison.

    Examples
    --------
    >>> describe("orders_trend_90d", pd.Series([-3.0]), 0.0, categorical=False).tolist()
    ['orders in the last 90 days down 3 on the 90 days before (typical: unchanged)']
    >>> describe("amount_180d", pd.Series([0.0, 84.6]), 389.7, categorical=False).tolist()
    ['no spend in the last 180 days (typical: 389.7)', 'spend in the last 180 days 84.6 (typical: 389.7)']
    >>> describe("bgnbd_p_alive", pd.Series([0.434]), 0.91, categorical=False).tolist()
    ['BG/NBD chance of still being a customer 43% (typical: 91%)']
    >>> describe("recency_to_rhythm", pd.Series([None]), 1.2, categorical=False).tolist()
    ['no repeat purchase yet']
    >>> describe("Contract", pd.Series(["Month-to-month"]), "Two year", categorical=True).tolist()
    ['Contract is Month-to-month (most common: Two year)']
    """
    values = values.reset_index(drop=True)
    missing = values.isna()
    if categorical:
        text = _humanise(feature) + " is " + values.astype(str)
        return (text + f" (most common: {reference})").where(~missing, _unknown(feature))
    values = values.astype(np.float64)
    reference_text = pd.Series([reference], dtype=np.float64)
    if feature in _SENTENCES:
        sentence = _SENTENCES[feature]
    elif (window := _window_sentence(feature)) is not None:
        sentence = window
    elif (since := _SINCE.match(feature)) is not None:
        name = _humanise(since.group(1))
        sentence = lambda v: _number(v) + f" days since {name}"  # noqa: E731
    else:
        name = _humanise(feature)
        sentence = lambda v: f"{name} " + _number(v)  # noqa: E731
    if "_trend_" in feature:
        typical = _signed(reference_text)
    elif feature in _PROBABILITIES:
        typical = _percent(reference_text)
    else:
        typical = _number(reference_text)
    text = sentence(values) + f" (typical: {typical.iloc[0]})"
    return text.where(~missing, _unknown(feature))


def _unknown(feature: str) -> str:
    if feature in _NEEDS_REPEAT:
        return "no repeat purchase yet"
    return f"{_humanise(feature)} unknown"
