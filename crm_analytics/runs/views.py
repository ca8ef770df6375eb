"""Lists for the people who act on the scores: the most valuable customers, and those at risk.

Both views keep the columns an account manager reads (customer attributes, segment, value,
activity, risk and its reasons) in one order, and are what the Excel workbook and the HTML
report show.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from crm_analytics._checks import require_columns, require_frame, whole_number
from crm_analytics.runs._columns import attribute_columns, reason_columns

__all__ = ["VIEW_COLUMNS", "at_risk_customers", "reason_columns", "top_customers"]

#: Score columns of the views, in order, after the customer attributes (those present).
VIEW_COLUMNS = (
    "rfm_segment",
    "value_tier",
    "lifecycle_stage",
    "predicted_clv",
    "total_amount",
    "n_orders",
    "days_since_last_purchase",
    "p_alive",
    "churn_probability",
    "value_at_risk",
    "risk_tier",
)


def top_customers(scored: pd.DataFrame, *, n: int = 100, by: str = "predicted_clv") -> pd.DataFrame:
    """The ``n`` customers with the largest ``by``, best first.

    Parameters
    ----------
    scored : pandas.DataFrame
        The scored table (:func:`~crm_analytics.scoring.score_customers`), indexed by
        ``customer_id``.
    n : int, default 100
        How many customers (fewer when the table has fewer with a value).
    by : str, default "predicted_clv"
        Column to rank by: ``predicted_clv``, or ``total_amount`` for revenue to date.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``: ``rank`` (1 = largest), the customer attributes, then
        the :data:`VIEW_COLUMNS` and reasons present. Ties keep the customer id order;
        customers without a value are left out.

    Examples
    --------
    >>> scored = pd.DataFrame({"predicted_clv": [10.0, 250.0, 40.0], "region": ["N", "S", "N"]},
    ...                       index=pd.Index(["C1", "C2", "C3"], name="customer_id"))
    >>> top_customers(scored, n=2)
                 rank region  predicted_clv
    customer_id
    C2              1      S          250.0
    C3              2      N           40.0
    """
    frame = require_frame(scored, name="scored")
    count = whole_number(n, name="n", example="n=100")
    require_columns(frame, [by], name="scored", fix="rank by predicted_clv or total_amount")
    ranked = frame[frame[by].notna()].sort_index(kind="stable")
    ranked = ranked.sort_values(by, ascending=False, kind="stable").head(count)
    view = ranked[_view_columns(ranked)]
    view.insert(0, "rank", range(1, len(view) + 1))
    return view


def at_risk_customers(
    scored: pd.DataFrame,
    *,
    value_tiers: Sequence[str] = ("high",),
    risk_tiers: Sequence[str] = ("high",),
) -> pd.DataFrame:
    """Valuable customers likely to leave, by predicted value at risk: whom to call first.

    Parameters
    ----------
    scored : pandas.DataFrame
        The scored table, with ``value_tier``, ``risk_tier``, ``predicted_clv`` and
        ``churn_probability``.
    value_tiers : sequence of str, default ("high",)
        Value tiers counted as valuable.
    risk_tiers : sequence of str, default ("high",)
        Churn risk tiers counted as at risk.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``, the customers in both sets, with ``value_at_risk`` =
        ``predicted_clv * churn_probability`` (the value expected to be lost), largest first;
        columns as in :func:`top_customers` (without ``rank``).

    Examples
    --------
    >>> scored = pd.DataFrame(
    ...     {"value_tier": ["high", "high", "low"], "risk_tier": ["high", "high", "high"],
    ...      "predicted_clv": [300.0, 500.0, 20.0], "churn_probability": [0.9, 0.2, 0.95]},
    ...     index=pd.Index(["C1", "C2", "C3"], name="customer_id"))
    >>> at_risk_customers(scored)[["predicted_clv", "churn_probability", "value_at_risk"]]
                 predicted_clv  churn_probability  value_at_risk
    customer_id
    C1                   300.0                0.9          270.0
    C2                   500.0                0.2          100.0
    """
    frame = require_frame(scored, name="scored")
    require_columns(
        frame,
        ["value_tier", "risk_tier", "predicted_clv", "churn_probability"],
        name="scored",
        fix="score with the clv, tiers and churn models",
    )
    chosen = frame["value_tier"].isin(list(value_tiers)) & frame["risk_tier"].isin(list(risk_tiers))
    selected = frame[chosen]
    selected = selected.assign(
        value_at_risk=selected["predicted_clv"] * selected["churn_probability"]
    )
    selected = selected.sort_index(kind="stable").sort_values(
        "value_at_risk", ascending=False, kind="stable"
    )
    return selected[_view_columns(selected)]


def _view_columns(frame: pd.DataFrame) -> list[str]:
    scores = [name for name in VIEW_COLUMNS if name in frame.columns]
    attributes = [name for name in attribute_columns(frame) if name not in VIEW_COLUMNS]
    return [*attributes, *scores, *reason_columns(frame)]
