"""Acquisition cohorts and loyalty metrics from a canonical transaction log.

A customer's *cohort* is the calendar period (month by default) of their first purchase;
``cohort_table`` follows each cohort over the periods since that first purchase, and
``loyalty_metrics`` summarises the whole base period by period (repeat-purchase rate,
retention, churn, purchase interval, revenue from returning customers).

Both count *purchases*, not invoice lines: the lines of one ``order_id`` are one purchase
(dated by its earliest line); without an ``order_id`` column, the lines a customer has at
the same timestamp are one purchase. Returns (negative amounts) stay in the revenue sums.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from crm_analytics._checks import (
    require_columns,
    require_datetime,
    require_frame,
    require_no_missing,
)
from crm_analytics.exceptions import DataValidationError
from crm_analytics.schema import AMOUNT, CUSTOMER_ID, DATE, ORDER_ID

__all__ = ["cohort_table", "loyalty_metrics"]

_METRICS = ("customers", "revenue", "orders")
_DAY_NS = 86_400 * 10**9


def cohort_table(
    transactions: pd.DataFrame,
    *,
    period: str = "M",
    metric: str = "customers",
    normalize: bool = False,
) -> pd.DataFrame:
    """Acquisition cohort × periods since first purchase.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transaction log (``read_transactions``): ``customer_id``, ``date``,
        ``amount`` (needed for ``metric="revenue"``) and optionally ``order_id``.
    period : str, default "M"
        pandas period alias for both the cohorts and the time since acquisition:
        ``"D"``, ``"W"``, ``"M"``, ``"Q"`` or ``"Y"``.
    metric : {"customers", "revenue", "orders"}, default "customers"
        What each cell counts: customers of the cohort who purchased in that period,
        their revenue (sum of ``amount``), or their number of purchases.
    normalize : bool, default False
        Divide every cell by its cohort's size (number of customers acquired). For
        ``"customers"`` this is the retention rate (column 0 is then 1); for ``"revenue"``
        and ``"orders"`` it is revenue or purchases per acquired customer, which keeps
        cohorts of different sizes comparable and never divides by zero.

    Returns
    -------
    pandas.DataFrame
        One row per cohort (``PeriodIndex`` named ``cohort``) and one column per number of
        periods since first purchase (0, 1, ...; named ``periods_since_first_purchase``).
        Cells after the last period of the log are NaN: they are not observed yet.
        Observed periods without purchases are 0.

    Raises
    ------
    DataValidationError
        Missing columns or values, a non-datetime ``date``, an unknown ``period`` or
        ``metric``, or an empty log.

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c"],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-02-03", "2024-01-20", "2024-02-11"]),
    ...     "amount": [10.0, 20.0, 5.0, 8.0],
    ... })
    >>> cohort_table(log, normalize=True)
    periods_since_first_purchase    0    1
    cohort
    2024-01                       1.0  0.5
    2024-02                       1.0  NaN
    """
    if metric not in _METRICS:
        raise DataValidationError(
            f"metric={metric!r} is not supported; use one of {', '.join(map(repr, _METRICS))}"
        )
    purchases = _purchases(transactions, with_amount=metric == "revenue")
    ordinal, freq = _period_ordinals(purchases[DATE], period)
    codes = pd.factorize(purchases[CUSTOMER_ID])[0]
    first_by_customer = pd.Series(ordinal).groupby(codes).min().to_numpy()
    cohort = first_by_customer[codes]
    offset = ordinal - cohort
    if metric == "customers":
        cells = pd.DataFrame({"cohort": cohort, "offset": offset, "customer": codes})
        counts = cells.drop_duplicates().groupby(["cohort", "offset"]).size()
    elif metric == "orders":
        counts = pd.Series(1, index=[cohort, offset]).groupby(level=[0, 1]).sum()
    else:
        counts = pd.Series(purchases[AMOUNT].to_numpy(), index=[cohort, offset])
        counts = counts.groupby(level=[0, 1]).sum()
    table = counts.unstack(fill_value=0).astype(float)
    cohorts = table.index.to_numpy()
    table = table.reindex(columns=np.arange(ordinal.max() - cohorts.min() + 1), fill_value=0.0)
    unobserved = cohorts[:, None] + table.columns.to_numpy()[None, :] > ordinal.max()
    table = table.mask(unobserved)
    if normalize:
        sizes = np.bincount(np.searchsorted(cohorts, first_by_customer), minlength=len(cohorts))
        table = table.div(sizes, axis=0)
    table.index = pd.PeriodIndex.from_ordinals(cohorts, freq=freq, name="cohort")
    table.columns = pd.RangeIndex(table.shape[1], name="periods_since_first_purchase")
    return table


def loyalty_metrics(transactions: pd.DataFrame, *, period: str = "M") -> pd.DataFrame:
    """Loyalty of the customer base, period by period, as a tidy table.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transaction log: ``customer_id``, ``date``, ``amount`` and optionally
        ``order_id``.
    period : str, default "M"
        pandas period alias (``"D"``, ``"W"``, ``"M"``, ``"Q"``, ``"Y"``).

    Returns
    -------
    pandas.DataFrame
        One row per period from the first to the last purchase (``PeriodIndex`` named
        ``period``, periods without purchases included), with columns

        - ``active_customers``: customers with a purchase in the period;
        - ``new_customers``: customers whose first purchase is in the period;
        - ``returning_customers``: active customers acquired in an earlier period;
        - ``revenue``: sum of ``amount`` in the period;
        - ``returning_revenue_share``: share of that revenue from returning customers
          (NaN when the period's revenue is 0);
        - ``repeat_purchase_rate``: among customers acquired up to the end of the period,
          the share with at least two purchases by then;
        - ``retention_rate``: share of the previous period's active customers who are
          active again in this period (NaN in the first period and after a period with no
          active customer: there is nobody to retain);
        - ``churn_rate``: ``1 - retention_rate``;
        - ``average_purchase_interval_days``: mean number of days between a purchase made
          in the period and the same customer's previous purchase (NaN when no repeat
          purchase falls in the period).

    Raises
    ------
    DataValidationError
        Missing columns or values, a non-datetime ``date``, an unknown ``period``, or an
        empty log.

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c"],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-02-04", "2024-01-20", "2024-02-11"]),
    ...     "amount": [10.0, 20.0, 5.0, 8.0],
    ... })
    >>> metrics = loyalty_metrics(log)
    >>> metrics[["active_customers", "retention_rate", "repeat_purchase_rate"]]
             active_customers  retention_rate  repeat_purchase_rate
    period
    2024-01                 2             NaN              0.000000
    2024-02                 2             0.5              0.333333
    >>> metrics.loc["2024-02", "average_purchase_interval_days"]
    np.float64(30.0)
    """
    purchases = _purchases(transactions, with_amount=True)
    ordinal, freq = _period_ordinals(purchases[DATE], period)
    start = ordinal.min()
    n_periods = int(ordinal.max() - start + 1)
    period_idx = ordinal - start
    codes = pd.factorize(purchases[CUSTOMER_ID])[0]
    dates = purchases[DATE].to_numpy().astype("datetime64[ns]").astype(np.int64)
    # Sorting each customer's purchases in time makes "previous purchase" and "second
    # purchase" positional, so every metric below is a bincount.
    order = np.lexsort((dates, codes))
    codes, dates, period_idx = codes[order], dates[order], period_idx[order]
    amount = purchases[AMOUNT].to_numpy(dtype=float)[order]
    same_customer = np.r_[False, codes[1:] == codes[:-1]]
    first_idx = period_idx[~same_customer]
    acquired_before = first_idx[codes] < period_idx

    active_pairs = np.unique(codes.astype(np.int64) * n_periods + period_idx)
    pair_customer, pair_period = np.divmod(active_pairs, n_periods)
    active = np.bincount(pair_period, minlength=n_periods)
    new = np.bincount(first_idx, minlength=n_periods)
    consecutive = (pair_customer[1:] == pair_customer[:-1]) & (np.diff(pair_period) == 1)
    retained = np.bincount(pair_period[1:][consecutive], minlength=n_periods)
    previous_active = np.r_[0, active[:-1]]
    retention = _ratio(retained, previous_active)

    revenue = np.bincount(period_idx, weights=amount, minlength=n_periods)
    returning_revenue = np.bincount(
        period_idx[acquired_before], weights=amount[acquired_before], minlength=n_periods
    )
    second_purchase = same_customer & np.r_[True, ~same_customer[:-1]]
    repeaters = np.cumsum(np.bincount(period_idx[second_purchase], minlength=n_periods))
    gaps = np.diff(dates, prepend=dates[0])[same_customer] / _DAY_NS
    gap_period = period_idx[same_customer]
    gap_total = np.bincount(gap_period, weights=gaps, minlength=n_periods)
    gap_count = np.bincount(gap_period, minlength=n_periods)

    index = pd.PeriodIndex.from_ordinals(start + np.arange(n_periods), freq=freq, name="period")
    return pd.DataFrame(
        {
            "active_customers": active,
            "new_customers": new,
            "returning_customers": active - new,
            "revenue": revenue,
            "returning_revenue_share": _ratio(returning_revenue, revenue),
            "repeat_purchase_rate": repeaters / np.cumsum(new),
            "retention_rate": retention,
            "churn_rate": 1.0 - retention,
            "average_purchase_interval_days": _ratio(gap_total, gap_count),
        },
        index=index,
    )


def _purchases(transactions: pd.DataFrame, *, with_amount: bool) -> pd.DataFrame:
    """One row per purchase: customer_id, date of its first line and (optionally) amount."""
    frame = require_frame(transactions, name="transactions")
    needed = [CUSTOMER_ID, DATE] + ([AMOUNT] if with_amount else [])
    require_columns(
        frame,
        needed,
        name="transactions",
        fix="load the log with crm_analytics.io.read_transactions, which maps the source "
        "columns to customer_id, date and amount",
    )
    keys = [CUSTOMER_ID, ORDER_ID if ORDER_ID in frame.columns else DATE]
    require_no_missing(frame, list(dict.fromkeys(needed + keys)), name="transactions")
    require_datetime(frame, DATE, name="transactions")
    if with_amount:
        _require_finite_amounts(frame[AMOUNT])
    aggregations = {} if keys[1] == DATE else {DATE: (DATE, "min")}
    if with_amount:
        aggregations[AMOUNT] = (AMOUNT, "sum")
    grouped = frame.groupby(keys, sort=False, observed=True)
    purchases = grouped.agg(**aggregations) if aggregations else grouped.size().rename("lines")
    return purchases.reset_index()


def _require_finite_amounts(amount: pd.Series) -> None:
    """Check ``amount`` is a numeric column of finite values (text would be concatenated)."""
    if not pd.api.types.is_numeric_dtype(amount) or pd.api.types.is_bool_dtype(amount):
        is_number = amount.map(
            lambda value: isinstance(value, numbers.Real) and not isinstance(value, bool)
        ).to_numpy()
        examples = ", ".join(repr(value) for value in amount[~is_number].head(3))
        raise DataValidationError(
            f"transactions: column {AMOUNT!r} is not numeric (dtype {amount.dtype}): "
            f"{int((~is_number).sum())} of {len(amount)} value(s) are not numbers "
            f"(e.g. {examples}); convert it with pandas.to_numeric(..., errors='coerce') "
            "and drop or fix the rows that fail, or load the log with "
            "crm_analytics.io.read_transactions"
        )
    infinite = ~np.isfinite(amount.to_numpy(dtype="float64", na_value=np.nan))
    if infinite.any():
        examples = ", ".join(str(label) for label in amount.index[infinite][:3])
        raise DataValidationError(
            f"transactions: column {AMOUNT!r} has {int(infinite.sum())} infinite value(s) "
            f"(rows {examples}); drop or correct those rows before this call"
        )


def _period_ordinals(dates: pd.Series, period: str) -> tuple[np.ndarray, object]:
    """Integer period numbers (consecutive periods differ by 1) and the period frequency."""
    try:
        freq = to_offset(period, is_period=True)
        periods = dates.dt.to_period(freq)
    except (ValueError, TypeError) as error:
        raise DataValidationError(
            f"period={period!r} is not a pandas period alias ({error}); "
            "use 'D', 'W', 'M', 'Q' or 'Y'"
        ) from None
    return periods.array.asi8, periods.dtype.freq


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is 0 (an undefined rate)."""
    result = np.full(len(numerator), np.nan)
    np.divide(numerator, denominator, out=result, where=denominator != 0)
    return result
