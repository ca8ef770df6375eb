"""Renewal periods of contracts: adding whole periods to dates and counting them between dates.

A contract renews on the same day of each month (``"M"``), quarter (``"Q"``) or year (``"Y"``)
as it started, or every week (``"W"``) or fixed number of days; a start on the 31st renews on
the last day of shorter months, as ``pandas.DateOffset`` does. Shared by the contract simulator
(`crm_analytics.datasets`) and the survival view (`crm_analytics.survival`).
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from crm_analytics.exceptions import DataValidationError

_MONTHS = {"M": 1, "Q": 3, "Y": 12}
_DAYS = {"W": 7, "D": 1}
PERIODS = (*_MONTHS, *_DAYS)


def check_period(period: object) -> str | int:
    """``period`` as one of ``"D", "W", "M", "Q", "Y"`` or a whole number of days >= 1.

    Examples
    --------
    >>> check_period("M"), check_period(30)
    ('M', 30)
    >>> check_period("month")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: period must be one of 'M', 'Q', 'Y', 'W', 'D' (calendar month, quarter, year; week, day) or a whole number of days, got 'month'
    """
    if isinstance(period, str) and period in PERIODS:
        return period
    if (
        isinstance(period, numbers.Integral)
        and not isinstance(period, bool | np.bool_)
        and period >= 1
    ):
        return int(period)
    raise DataValidationError(
        f"period must be one of {', '.join(map(repr, PERIODS))} (calendar month, quarter, year; "
        f"week, day) or a whole number of days, got {period!r}"
    )


def add_periods(starts: pd.Series, counts: object, period: str | int) -> pd.Series:
    """The date ``counts`` renewal periods after each start (vectorised ``DateOffset``).

    Parameters
    ----------
    starts : pandas.Series of datetime64
        Contract start dates.
    counts : int or array-like of int
        Whole periods to add, one or one per start.
    period : str or int
        As `check_period` takes.

    Returns
    -------
    pandas.Series
        Dates on the index of ``starts``; the time of day is kept.

    Examples
    --------
    >>> starts = pd.Series(pd.to_datetime(["2024-01-31", "2024-03-15"]))
    >>> add_periods(starts, [1, 12], "M").dt.strftime("%Y-%m-%d").tolist()
    ['2024-02-29', '2025-03-15']
    """
    period = check_period(period)
    steps = np.broadcast_to(np.asarray(counts, dtype=np.int64), (len(starts),))
    if isinstance(period, int) or period in _DAYS:
        days = period if isinstance(period, int) else _DAYS[period]
        return starts + pd.to_timedelta(steps * days, unit="D")
    values = starts.to_numpy(dtype="datetime64[ns]")
    day_start = values.astype("datetime64[D]")
    time_of_day = values - day_start
    month_start = day_start.astype("datetime64[M]")
    day_of_month = (day_start - month_start.astype("datetime64[D]")).astype(np.int64)
    target = month_start + steps * _MONTHS[period]
    month_length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    day = np.minimum(day_of_month, month_length - 1)
    result = target.astype("datetime64[D]") + day.astype("timedelta64[D]") + time_of_day
    return pd.Series(result, index=starts.index, name=starts.name)


def periods_between(starts: pd.Series, ends: pd.Series, period: str | int) -> np.ndarray:
    """Whole renewal periods from each start to each end: the largest ``k`` with
    ``add_periods(start, k) <= end`` (0 when the end precedes the first renewal).

    Examples
    --------
    >>> starts = pd.Series(pd.to_datetime(["2024-01-31", "2024-01-31", "2024-01-10"]))
    >>> ends = pd.Series(pd.to_datetime(["2024-02-29", "2024-02-28", "2025-01-09"]))
    >>> periods_between(starts, ends, "M").tolist()
    [1, 0, 11]
    """
    period = check_period(period)
    start_values = starts.to_numpy(dtype="datetime64[ns]")
    end_values = ends.to_numpy(dtype="datetime64[ns]")
    if isinstance(period, int) or period in _DAYS:
        days = period if isinstance(period, int) else _DAYS[period]
        elapsed = (end_values - start_values) / np.timedelta64(1, "D")
        return np.maximum(np.floor(elapsed / days), 0).astype(np.int64)
    months = (
        end_values.astype("datetime64[M]").astype(np.int64)
        - start_values.astype("datetime64[M]").astype(np.int64)
    ) // _MONTHS[period]
    months = np.maximum(months, 0)
    reached = add_periods(pd.Series(start_values), months, period).to_numpy()
    return np.maximum(months - (reached > end_values), 0).astype(np.int64)
