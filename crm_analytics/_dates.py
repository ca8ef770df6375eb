"""Dates: the one parser of date and duration arguments, and the one time-zone policy.

Every date a user passes as an argument (``as_of``, ``observation_end``, ``cutoff``,
``calibration_end``, ``split_date``, ``--as-of`` and the config's ``as_of``) goes through
:func:`to_timestamp`, and every duration in days (``horizon``, ``lookback``, windows) through
:func:`to_whole_days`, so that the same text means the same thing everywhere.

**Dates are written year first.** Text must be ISO 8601: ``"2011-12-09"``, optionally with a
time (``"2011-12-09 14:30"`` or ``"2011-12-09T14:30:00"``) and a UTC offset. ``"01/02/2011"``
is refused: it is 1 February in Europe and 2 January in the US, and a scheduled job must not
guess (the readers' ``date_format=`` / ``dayfirst=`` say how to read such text in a *column*).
Words such as ``"yesterday"`` are refused too.

**Time zones: the wall clock.** A date with a time zone or UTC offset is taken at its local
wall-clock time and the zone is dropped: ``"2025-03-31 00:00+01:00"`` is 31 March 2025,
00:00. A shop's day is the day on its own clock, and purchase days, as-of days and calendar
periods are all counted on it. The same rule applies to date columns: the readers
(:func:`crm_analytics.io.read_transactions`, :func:`crm_analytics.io.read_customers`) and a
log given as a frame with a zoned ``date`` column (:class:`crm_analytics.log.TransactionLog`)
keep the local time and drop the zone, and the readers say so in the quality report.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from crm_analytics.exceptions import DataValidationError

__all__ = [
    "EPOCH",
    "day_number",
    "day_numbers",
    "day_text",
    "from_day_number",
    "to_timestamp",
    "to_whole_days",
    "wall_clock",
]

#: Day 0 of the day numbers (:func:`day_number`).
EPOCH = pd.Timestamp("1970-01-01")
_ISO_8601 = re.compile(
    r"\d{4}-\d{2}-\d{2}"  # the date, year first
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"  # an optional time
    r"(?:Z|[+-]\d{2}:?\d{2})?"  # an optional UTC offset
)
_EXAMPLE = "'2011-12-09'"


def to_timestamp(value: object, *, name: str) -> pd.Timestamp:
    """A date argument as a time-zone-naive Timestamp on the wall clock.

    Parameters
    ----------
    value : str, datetime.date, datetime.datetime, numpy.datetime64 or pandas.Timestamp
        Text must be ISO 8601 (year first); a value with a time zone keeps its local time.
    name : str
        The argument's name, for the error message.

    Raises
    ------
    DataValidationError
        When ``value`` is missing, not a date, or text that is not an ISO 8601 date.

    Examples
    --------
    >>> to_timestamp("2011-12-09", name="as_of")
    Timestamp('2011-12-09 00:00:00')
    >>> to_timestamp("2025-03-31 00:00+01:00", name="as_of")
    Timestamp('2025-03-31 00:00:00')
    >>> to_timestamp("01/02/2011", name="as_of")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: as_of='01/02/2011' is not a date written year first; write it as YYYY-MM-DD, e.g. as_of='2011-12-09' (01/02 is 1 February in some countries and 2 January in others)
    >>> to_timestamp("yesterday", name="as_of")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: as_of='yesterday' is not a date written year first; write it as YYYY-MM-DD, e.g. as_of='2011-12-09'
    """
    if isinstance(value, str):
        text = value.strip()
        if not _ISO_8601.fullmatch(text):
            slashed = re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}.*", text)
            hint = (
                f" ({text[:5]} is 1 February in some countries and 2 January in others)"
                if slashed and text.startswith("01/02")
                else " (day-first and month-first dates cannot be told apart)"
                if slashed
                else ""
            )
            raise DataValidationError(
                f"{name}={value!r} is not a date written year first; write it as YYYY-MM-DD, "
                f"e.g. {name}={_EXAMPLE}{hint}"
            )
        value = text
    elif isinstance(value, bool) or not isinstance(value, dt.date | np.datetime64 | pd.Timestamp):
        raise DataValidationError(
            f"{name}={value!r} is not a date; pass text such as {_EXAMPLE} (YYYY-MM-DD), a "
            "datetime.date or a pandas.Timestamp"
        )
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError) as error:
        raise DataValidationError(
            f"{name}={value!r} is not a valid date ({error}); e.g. {name}={_EXAMPLE}"
        ) from None
    if pd.isna(stamp):
        raise DataValidationError(f"{name} is missing (NaT); pass a date such as {_EXAMPLE}")
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def wall_clock(dates: pd.Series) -> pd.Series:
    """A datetime column on the wall clock: a zoned column keeps its local times, zone dropped.

    Examples
    --------
    >>> zoned = pd.Series(pd.to_datetime(["2025-03-31 00:00+01:00"]))
    >>> wall_clock(zoned).tolist()
    [Timestamp('2025-03-31 00:00:00')]
    """
    if getattr(dates.dtype, "tz", None) is None:
        return dates
    return dates.dt.tz_localize(None)


def day_number(value: object, *, name: str) -> int:
    """A date argument as the number of its day since 1970-01-01 (the time of day dropped).

    Examples
    --------
    >>> day_number("1970-01-11 23:59", name="cutoff")
    10
    """
    stamp = to_timestamp(value, name=name)
    return int((stamp.normalize() - EPOCH) // pd.Timedelta(days=1))


def day_numbers(dates: pd.Series) -> np.ndarray:
    """A datetime column as int64 day numbers (days since 1970-01-01, on the wall clock).

    Missing dates give meaningless numbers: mask them with ``dates.isna()``.

    Examples
    --------
    >>> day_numbers(pd.Series(pd.to_datetime(["1970-01-02 23:00", "1970-01-11 00:00"]))).tolist()
    [1, 10]
    """
    values = wall_clock(dates).to_numpy().astype("datetime64[D]")
    return (values - np.datetime64("1970-01-01", "D")).astype(np.int64)


def from_day_number(day: int) -> pd.Timestamp:
    """The midnight that starts day number ``day`` (inverse of :func:`day_number`).

    Examples
    --------
    >>> from_day_number(10)
    Timestamp('1970-01-11 00:00:00')
    """
    return EPOCH + pd.Timedelta(days=int(day))


def day_text(day: int) -> str:
    """Day number ``day`` as ISO text, for messages and metadata.

    Examples
    --------
    >>> day_text(10)
    '1970-01-11'
    """
    return from_day_number(day).strftime("%Y-%m-%d")


def to_whole_days(value: object, *, name: str) -> int:
    """A positive duration in whole days: a whole number, text such as ``"90D"``, or a Timedelta.

    Raises
    ------
    DataValidationError
        When ``value`` is not a duration, not whole days, or not positive.

    Examples
    --------
    >>> to_whole_days(90, name="horizon"), to_whole_days("12W", name="horizon")
    (90, 84)
    >>> to_whole_days(0, name="horizon")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: horizon must be a positive number of days, got 0
    """
    if isinstance(value, bool | np.bool_):
        raise DataValidationError(f"{name}={value!r} is not a duration; pass a number of days")
    if (
        isinstance(value, int | np.integer)
        or isinstance(value, float | np.floating)
        and float(value).is_integer()
    ):
        days = int(value)
    else:
        try:
            delta = pd.Timedelta(value)
        except (TypeError, ValueError) as error:
            raise DataValidationError(
                f"{name}={value!r} is not a duration; pass whole days such as 90 or '90D'"
            ) from error
        if pd.isna(delta) or delta % pd.Timedelta(days=1) != pd.Timedelta(0):
            raise DataValidationError(f"{name}={value!r} is not a whole number of days")
        days = int(delta / pd.Timedelta(days=1))
    if days <= 0:
        raise DataValidationError(f"{name} must be a positive number of days, got {value!r}")
    return days
