"""``segment_summary``: the OLAP-style view of a scored table, segments by any attribute."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_analytics._checks import require_columns, require_frame

__all__ = ["segment_summary"]


def segment_summary(
    scored: pd.DataFrame, *, by: str | Sequence[str] = ("rfm_segment",)
) -> pd.DataFrame:
    """Customers, revenue, predicted CLV and churn risk per segment x any attributes.

    Parameters
    ----------
    scored : pandas.DataFrame
        Output of :func:`~crm_analytics.scoring.score_customers` (or the table the command
        line writes): one row per customer.
    by : str or sequence of str, default ("rfm_segment",)
        Columns to slice by: a segment (``rfm_segment``, ``value_tier``, ``lifecycle_stage``,
        ``cluster_name``, ``risk_tier``) and/or customer attributes (``region``, ``channel``,
        a cohort column...). Missing values form their own group.

    Returns
    -------
    pandas.DataFrame
        One row per combination present, indexed by ``by``, with ``customers``,
        ``customer_share``, ``revenue`` (sum of ``total_amount``), ``revenue_share``,
        ``revenue_per_customer`` and, when the table has them, ``predicted_clv`` (sum),
        ``predicted_clv_share``, ``mean_p_alive``, ``mean_churn_probability`` and
        ``expected_churners`` (sum of churn probabilities). Shares are of the whole table,
        so each share column adds up to 1. Rows follow the categories' order for
        categorical columns, else sorted.

    Examples
    --------
    >>> scored = pd.DataFrame({
    ...     "rfm_segment": ["Champions", "Lost", "Champions", "Lost"],
    ...     "region": ["North", "North", "South", "South"],
    ...     "total_amount": [500.0, 20.0, 300.0, 180.0],
    ...     "churn_probability": [0.1, 0.9, 0.2, 0.7]})
    >>> segment_summary(scored)[["customers", "revenue", "revenue_share", "expected_churners"]]
                 customers  revenue  revenue_share  expected_churners
    rfm_segment
    Champions            2    800.0            0.8                0.3
    Lost                 2    200.0            0.2                1.6
    >>> segment_summary(scored, by=["rfm_segment", "region"])["customers"].tolist()
    [1, 1, 1, 1]
    """
    frame = require_frame(scored, name="scored")
    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise ValueError("by is empty; name at least one column, e.g. by=['rfm_segment']")
    require_columns(
        frame,
        [*keys, "total_amount"],
        name="scored",
        fix="slice by columns of the scored table (customer attributes are kept when listed "
        "in the config's customers.attributes)",
    )
    work = frame.assign(_customers=1)
    sums = {"customers": ("_customers", "sum"), "revenue": ("total_amount", "sum")}
    if "predicted_clv" in frame.columns:
        sums["predicted_clv"] = ("predicted_clv", "sum")
    if "p_alive" in frame.columns:
        sums["mean_p_alive"] = ("p_alive", "mean")
    if "churn_probability" in frame.columns:
        sums["mean_churn_probability"] = ("churn_probability", "mean")
        sums["expected_churners"] = ("churn_probability", "sum")
    table = work.groupby(keys, observed=True, dropna=False, sort=True).agg(**sums)
    table["customers"] = table["customers"].astype(np.int64)
    table.insert(1, "customer_share", table["customers"] / len(frame))
    table.insert(3, "revenue_share", table["revenue"] / frame["total_amount"].sum())
    table.insert(4, "revenue_per_customer", table["revenue"] / table["customers"])
    if "predicted_clv" in table.columns:
        position = table.columns.get_loc("predicted_clv") + 1
        table.insert(
            position, "predicted_clv_share", table["predicted_clv"] / frame["predicted_clv"].sum()
        )
    return table
