"""Kaplan-Meier retention curves, median tenure and log-rank tests, overall and by group.

The curves estimate ``S(t)``, the share of customers still active after ``t`` renewal points,
from a tenure table (see `crm_analytics.survival.tenure`): customers who left at their
``tenure`` count as churned there, active ones as still at risk at their ``tenure`` (events at
``t`` come before censoring at ``t``), so the curve is comparable with
`crm_analytics.clv.ShiftedBetaGeoFitter.survivor_curve`. Estimated with lifelines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analytics.exceptions import DataValidationError
from crm_analytics.schema import CHURNED
from crm_analytics.survival._inputs import group_labels, groups
from crm_analytics.survival._lifelines import lifelines
from crm_analytics.survival.tenure import TENURE, check_tenure_table

__all__ = ["kaplan_meier", "logrank_test", "median_tenure"]


def kaplan_meier(
    table: pd.DataFrame, *, by: str | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    """Kaplan-Meier retention curves with confidence bands and at-risk counts.

    Parameters
    ----------
    table : pandas.DataFrame
        A tenure table (`contract_tenure`, `tenure_table`).
    by : str, optional
        Column whose values define the groups (contract type, plan, signup cohort); one curve
        for all customers when omitted.
    confidence : float, default 0.95
        Level of the pointwise confidence bands (lifelines' exponential Greenwood bands).

    Returns
    -------
    pandas.DataFrame
        Indexed by (``group``, ``period``) from 0 to the group's longest tenure, with
        ``survival`` (share still active after ``period`` renewal points), ``lower``,
        ``upper``, ``at_risk`` (customers with tenure >= ``period``: those who reached that
        renewal point) and ``churned`` (customers who left there). ``group`` is "all" without
        ``by``.

    Examples
    --------
    >>> from crm_analytics.survival import tenure_table
    >>> table = tenure_table(pd.DataFrame({"customer_id": range(6), "tenure": [1, 1, 2, 3, 3, 3],
    ...                                    "churned": [1, 0, 1, 1, 0, 0]}))
    >>> kaplan_meier(table).loc["all", ["survival", "at_risk", "churned"]]
            survival  at_risk  churned
    period
    0       1.000000        6        0
    1       0.833333        6        1
    2       0.625000        4        1
    3       0.416667        3        1
    """
    frame = check_tenure_table(table)
    level = _confidence(confidence)
    survival = lifelines()
    parts = []
    for name, group in groups(frame, by):
        tenure = group[TENURE].to_numpy()
        churned = group[CHURNED].to_numpy()
        timeline = np.arange(int(tenure.max()) + 1)
        fitter = survival.KaplanMeierFitter(alpha=1 - level).fit(tenure, churned, timeline=timeline)
        bands = fitter.confidence_interval_.to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "survival": fitter.survival_function_.to_numpy()[:, 0],
                    "lower": bands[:, 0],
                    "upper": bands[:, 1],
                    "at_risk": (tenure[None, :] >= timeline[:, None]).sum(axis=1),
                    "churned": np.bincount(tenure[churned], minlength=len(timeline)),
                },
                index=pd.MultiIndex.from_product(
                    [pd.Index([name], name="group"), pd.Index(timeline, name="period")]
                ),
            )
        )
    return pd.concat(parts)


def median_tenure(
    table: pd.DataFrame, *, by: str | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    """Median tenure (Kaplan-Meier) by group, with its confidence interval.

    Parameters
    ----------
    table : pandas.DataFrame
        A tenure table.
    by : str, optional
        Column whose values define the groups.
    confidence : float, default 0.95
        Level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row per ``group``: ``customers``, ``churned``, ``median_tenure`` (the first
        renewal point after which at most half are still active; ``inf`` when more than half
        are active at the longest tenure observed), ``lower`` and ``upper``.

    Examples
    --------
    >>> from crm_analytics.survival import tenure_table
    >>> table = tenure_table(pd.DataFrame({"customer_id": range(6), "tenure": [1, 1, 2, 3, 3, 3],
    ...                                    "churned": [1, 0, 1, 1, 0, 0], "plan": list("aaabbb")}))
    >>> median_tenure(table)[["customers", "churned", "median_tenure"]]
           customers  churned  median_tenure
    group
    all            6        3            3.0
    """
    frame = check_tenure_table(table)
    level = _confidence(confidence)
    survival = lifelines()
    rows = {}
    for name, group in groups(frame, by):
        fitter = survival.KaplanMeierFitter(alpha=1 - level).fit(
            group[TENURE].to_numpy(), group[CHURNED].to_numpy()
        )
        interval = survival.utils.median_survival_times(fitter.confidence_interval_)
        rows[name] = {
            "customers": len(group),
            "churned": int(group[CHURNED].sum()),
            "median_tenure": float(fitter.median_survival_time_),
            "lower": float(interval.iloc[0, 0]),
            "upper": float(interval.iloc[0, 1]),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("group")


def logrank_test(table: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """Log-rank tests of equal retention across the groups of ``by``, and between each pair.

    Parameters
    ----------
    table : pandas.DataFrame
        A tenure table.
    by : str
        Column whose values define the groups (at least two).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``comparison``: "all groups" (the multivariate test) then "A vs B" for
        each pair, with ``statistic`` (chi-squared), ``degrees_of_freedom`` and ``p_value``.

    Examples
    --------
    >>> from crm_analytics.survival import tenure_table
    >>> table = tenure_table(pd.DataFrame({
    ...     "customer_id": range(8), "tenure": [1, 1, 2, 2, 5, 6, 6, 6],
    ...     "churned": [1, 1, 1, 1, 1, 0, 0, 0], "plan": list("aaaabbbb")}))
    >>> logrank_test(table, by="plan").round(3)
                statistic  degrees_of_freedom  p_value
    comparison
    all groups      6.943                   1    0.008
    a vs b          6.943                   1    0.008
    """
    frame = check_tenure_table(table)
    survival = lifelines()
    labels = group_labels(frame, by)
    if labels.nunique() < 2:
        raise DataValidationError(
            f"logrank_test: column {by!r} has {labels.nunique()} group(s); it needs at least two"
        )
    tenure, churned = frame[TENURE].to_numpy(), frame[CHURNED].to_numpy()
    overall = survival.statistics.multivariate_logrank_test(tenure, labels.to_numpy(), churned)
    rows = {
        "all groups": (overall.test_statistic, overall.degrees_of_freedom, overall.p_value),
    }
    levels = sorted(labels.unique(), key=str)
    for position, first in enumerate(levels):
        for second in levels[position + 1 :]:
            one, other = (labels == first).to_numpy(), (labels == second).to_numpy()
            result = survival.statistics.logrank_test(
                tenure[one], tenure[other], churned[one], churned[other]
            )
            rows[f"{first} vs {second}"] = (result.test_statistic, 1, result.p_value)
    result = pd.DataFrame.from_dict(
        rows, orient="index", columns=["statistic", "degrees_of_freedom", "p_value"]
    )
    return result.astype({"degrees_of_freedom": np.int64}).rename_axis("comparison")


def _confidence(confidence: object) -> float:
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, int | float)
        or not 0 < confidence < 1
    ):
        raise DataValidationError(
            f"confidence must be a level between 0 and 1 (e.g. 0.95), got {confidence!r}"
        )
    return float(confidence)
