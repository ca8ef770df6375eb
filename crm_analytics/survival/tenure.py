"""Tenure tables: each customer's renewal periods reached and whether they have left.

Every survival function of this package reads a **tenure table**: one row per customer
(indexed by ``customer_id``) with ``tenure``, the renewal points the customer has reached
(whole periods), ``churned`` (True when the customer has left, at their ``tenure``-th renewal
point; False when still active, so the lifetime is longer: right-censored) and any attribute
columns. `contract_tenure` builds it from contract start and end dates as of a date;
`tenure_table` checks a table that already holds both (the IBM Telco export: ``tenure`` in
months and ``Churn``). The convention is that of `crm_analytics.clv.ShiftedBetaGeoFitter`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from crm_analytics._checks import examples, require_columns, require_datetime, require_frame
from crm_analytics._periods import add_periods, check_period, periods_between
from crm_analytics.exceptions import DataValidationError
from crm_analytics.schema import CANCEL_DATE, CHURNED, CUSTOMER_ID, SIGNUP_DATE

__all__ = ["TENURE", "contract_tenure", "tenure_table"]

logger = logging.getLogger(__name__)

TENURE = "tenure"


def contract_tenure(
    customers: pd.DataFrame,
    *,
    as_of: object = None,
    period: str | int = "M",
    start: str = SIGNUP_DATE,
    end: str = CANCEL_DATE,
) -> pd.DataFrame:
    """The tenure table of a contract customer table as of a date.

    A customer who started on ``s`` has reached the renewal points ``s + k`` periods. One
    whose contract ended on ``e <= as_of`` has left at the first renewal point on or after
    ``e`` (a cancellation on a renewal date ends the contract there; one in the middle of a
    period ends it at the end of that period, which was paid for), and at least at the first.
    One still active on ``as_of`` (no end date, or a later one) has reached the renewal points
    up to ``as_of``. Customers who started after ``as_of`` are left out.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer table with ``customer_id`` (column or index), the start and end dates
        (datetime64, end missing while active), and attributes, e.g. from
        `crm_analytics.io.read_customers`.
    as_of : date-like, optional
        The day the table describes; default the latest start or end date.
    period : {"M", "Q", "Y", "W", "D"} or int, default "M"
        Renewal period: calendar month, quarter or year, week, day, or a number of days.
    start, end : str, default "signup_date", "cancel_date"
        The columns of the start and end dates.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``: ``tenure`` (int), ``churned`` (bool), then the other
        columns of ``customers`` (its ``churned`` flag, if any, is replaced).

    Raises
    ------
    DataValidationError
        If a column is missing or not dates, a start date is missing, an end date precedes
        its start, ids repeat, or nobody started by ``as_of``.

    Examples
    --------
    >>> table = pd.DataFrame({
    ...     "customer_id": ["a", "b", "c", "d"],
    ...     "signup_date": pd.to_datetime(["2024-01-15", "2024-01-15", "2024-03-01", "2024-07-01"]),
    ...     "cancel_date": pd.to_datetime(["2024-04-15", "2024-04-20", None, None]),
    ...     "plan": ["pro", "basic", "pro", "basic"],
    ... })
    >>> contract_tenure(table, as_of="2024-06-30")
                 tenure  churned   plan
    customer_id
    a                 3     True    pro
    b                 4     True  basic
    c                 3    False    pro
    """
    period = check_period(period)
    frame = _indexed(customers)
    require_columns(frame, [start, end], name="customers", fix=_DATES_FIX)
    for column in (start, end):
        require_datetime(frame, column, name="customers")
    starts, ends = frame[start], frame[end]
    missing = starts.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"customers: column {start!r} has {int(missing.sum())} missing start date(s) "
            f"(customers {examples(frame.index[missing])}); every contract needs a start date: "
            "drop or repair those rows"
        )
    backwards = (ends < starts).to_numpy()
    if backwards.any():
        raise DataValidationError(
            f"customers: {int(backwards.sum())} contract(s) end before they start ({end!r} < "
            f"{start!r}; customers {examples(frame.index[backwards])}); repair the dates"
        )
    day = _as_of(as_of, starts, ends)
    started = (starts <= day).to_numpy()
    if not started.any():
        raise DataValidationError(
            f"customers: nobody started by as_of={day.date()} (first {start}: "
            f"{starts.min().date()}); choose a later as_of"
        )
    if not started.all():
        logger.info("%d customers start after %s and are left out", int((~started).sum()), day)
    frame, starts, ends = frame[started], starts[started], ends[started]
    churned = (ends <= day).fillna(False).to_numpy(dtype=bool)
    until = ends.where(churned, day)
    reached = periods_between(starts, until, period)
    on_boundary = (add_periods(starts, reached, period) == until).to_numpy()
    tenure = np.where(churned, np.maximum(reached + ~on_boundary, 1), reached)
    attributes = frame.drop(columns=[start, end, CHURNED], errors="ignore")
    return _assemble(tenure, churned, attributes)


def tenure_table(
    table: pd.DataFrame, *, tenure: str = TENURE, churned: str = CHURNED
) -> pd.DataFrame:
    """Check a table that already holds tenure and churn flag, and give it the canonical form.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer with ``customer_id`` (column or index), the renewal periods
        reached (whole numbers >= 0) and the churn flag (booleans or 0/1; a customer who
        left has tenure >= 1), e.g. the IBM Telco table read with
        ``read_customers(path, customer_id="customerID", churned="Churn")``.
    tenure, churned : str, default "tenure", "churned"
        The columns of the tenure and of the churn flag.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``: ``tenure`` (int), ``churned`` (bool), then the other
        columns.

    Examples
    --------
    >>> raw = pd.DataFrame({"customer_id": [1, 2], "months": [5, 12], "left": [1, 0],
    ...                     "contract": ["monthly", "yearly"]})
    >>> tenure_table(raw, tenure="months", churned="left")
                 tenure  churned contract
    customer_id
    1                 5     True  monthly
    2                12    False   yearly
    """
    frame = _indexed(table)
    require_columns(frame, [tenure, churned], name="table", fix=_TENURE_FIX)
    values = frame[tenure]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        periods = values.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(periods) | (periods < 0) | (periods % 1 != 0)
    else:
        periods, bad = np.zeros(len(frame)), np.ones(len(frame), dtype=bool)
    if bad.any():
        raise DataValidationError(
            f"table: column {tenure!r} must hold whole numbers of periods >= 0; "
            f"{int(bad.sum())} row(s) do not (customers {examples(frame.index[bad])}, e.g. "
            f"{examples(values[bad])}); {_TENURE_FIX}"
        )
    flags = _flags(frame[churned], frame.index, churned)
    early = flags & (periods < 1)
    if early.any():
        raise DataValidationError(
            f"table: {int(early.sum())} customer(s) left with {tenure} 0 (customers "
            f"{examples(frame.index[early])}); a customer who left paid for at least one "
            f"period: {tenure} >= 1"
        )
    attributes = frame.drop(columns=[tenure, churned])
    return _assemble(periods.astype(np.int64), flags, attributes)


def check_tenure_table(table: object) -> pd.DataFrame:
    """Raise unless ``table`` is a tenure table (as `contract_tenure` and `tenure_table` give)."""
    frame = require_frame(table, name="customers")
    present = TENURE in frame.columns and CHURNED in frame.columns
    if not present or frame.index.name != CUSTOMER_ID:
        raise DataValidationError(
            "expected a tenure table indexed by customer_id with columns 'tenure' and "
            f"'churned' (got index {frame.index.name!r}, columns "
            f"{', '.join(map(str, frame.columns[:8]))}); build it with "
            "crm_analytics.survival.contract_tenure (start and end dates) or tenure_table"
        )
    if not pd.api.types.is_integer_dtype(frame[TENURE]) or not pd.api.types.is_bool_dtype(
        frame[CHURNED]
    ):
        raise DataValidationError(
            "the tenure table's 'tenure' must be integers and 'churned' booleans; build it "
            "with crm_analytics.survival.contract_tenure or tenure_table"
        )
    return frame


_DATES_FIX = (
    "map the contract start and end dates with read_customers(..., signup_date=..., "
    "cancel_date=...) or pass start= and end="
)
_TENURE_FIX = (
    "pass tenure= and churned= naming the columns of the periods reached and of the churn flag"
)


def _indexed(table: object) -> pd.DataFrame:
    frame = require_frame(table, name="customers")
    if CUSTOMER_ID in frame.columns:
        frame = frame.set_index(CUSTOMER_ID)
    elif frame.index.name != CUSTOMER_ID:
        raise DataValidationError(
            "customers: no 'customer_id' column or index; columns present: "
            f"{', '.join(map(str, frame.columns))}; load the table with "
            "crm_analytics.io.read_customers(..., customer_id=...)"
        )
    repeated = frame.index.duplicated()
    if repeated.any():
        raise DataValidationError(
            f"customers: {int(repeated.sum())} repeated customer_id value(s) (e.g. "
            f"{examples(frame.index[repeated])}); keep one row per customer"
        )
    return frame


def _as_of(as_of: object, starts: pd.Series, ends: pd.Series) -> pd.Timestamp:
    if as_of is None:
        latest = ends.max()
        return starts.max() if pd.isna(latest) else max(starts.max(), latest)
    try:
        day = pd.Timestamp(as_of)
    except (TypeError, ValueError):
        day = pd.NaT
    if pd.isna(day):
        raise DataValidationError(f"as_of={as_of!r} is not a date; pass e.g. '2024-06-30'")
    if (day.tz is None) != (getattr(starts.dtype, "tz", None) is None):
        raise DataValidationError(
            f"as_of={as_of!r} and the contract dates must both have a time zone or neither"
        )
    return day


def _flags(values: pd.Series, index: pd.Index, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values) and not values.isna().any():
        return values.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(values) and values.isin([0, 1]).all():
        return values.to_numpy(dtype=np.float64) == 1
    bad = values.isna().to_numpy() | ~values.isin([0, 1, True, False]).to_numpy()
    raise DataValidationError(
        f"table: column {name!r} must hold booleans or 0/1; {int(bad.sum())} value(s) do not "
        f"(customers {examples(index[bad])}, e.g. {examples(values[bad])}); map them first, or "
        "read the table with read_customers(..., churned=...)"
    )


def _assemble(tenure: np.ndarray, churned: np.ndarray, attributes: pd.DataFrame) -> pd.DataFrame:
    clash = [column for column in (TENURE, CHURNED) if column in attributes.columns]
    attributes = attributes.drop(columns=clash)
    result = pd.DataFrame(
        {TENURE: np.asarray(tenure, dtype=np.int64), CHURNED: np.asarray(churned, dtype=bool)},
        index=attributes.index,
    )
    return pd.concat([result, attributes], axis=1)
