"""Checks and conversions for the inputs of the churn modules.

Transactions are reduced once to integer arrays (customer codes, calendar days, order codes),
so labels and features at any number of cutoffs are bincounts and sorts over those arrays,
never Python loops over customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_analytics._checks import (
    require_columns,
    require_datetime,
    require_frame,
    require_no_missing,
)
from crm_analytics.exceptions import DataValidationError
from crm_analytics.schema import (
    AMOUNT,
    CANCEL_DATE,
    CHURNED,
    CUSTOMER_ID,
    DATE,
    ORDER_ID,
    PRODUCT,
    SIGNUP_DATE,
    TRANSACTION_REQUIRED,
)

_EXAMPLES = 3
_EPOCH = np.datetime64("1970-01-01", "D")


def examples(values: object) -> str:
    """A few values, comma separated, for error messages."""
    shown = [str(value) for value in list(values)[:_EXAMPLES]]
    return ", ".join(shown)


def to_day(value: object, *, name: str) -> int:
    """A date-like value as whole days since 1970-01-01 (any time of day is dropped)."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as error:
        raise DataValidationError(
            f"{name}={value!r} is not a date; pass a date such as '2011-09-01' or a pandas.Timestamp"
        ) from error
    if pd.isna(stamp):
        raise DataValidationError(f"{name} is missing; pass a date such as '2011-09-01'")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return int((np.datetime64(stamp.normalize(), "D") - _EPOCH).astype(np.int64))


def day_to_timestamp(day: int) -> pd.Timestamp:
    """Inverse of :func:`to_day`."""
    return pd.Timestamp(_EPOCH + np.timedelta64(int(day), "D"))


def day_text(day: int) -> str:
    """A day as an ISO date string, for messages and metadata."""
    return day_to_timestamp(day).strftime("%Y-%m-%d")


def to_days(value: object, *, name: str) -> int:
    """A positive duration (int days, '90D', or a Timedelta) as whole days."""
    if isinstance(value, (bool, np.bool_)):
        raise DataValidationError(f"{name}={value!r} is not a duration; pass a number of days")
    if isinstance(value, (int, np.integer)):
        days = int(value)
    else:
        try:
            delta = pd.Timedelta(value)
        except (TypeError, ValueError) as error:
            raise DataValidationError(
                f"{name}={value!r} is not a duration; pass whole days such as 90 or '90D'"
            ) from error
        if delta % pd.Timedelta(days=1) != pd.Timedelta(0):
            raise DataValidationError(f"{name}={value!r} is not a whole number of days")
        days = int(delta / pd.Timedelta(days=1))
    if days <= 0:
        raise DataValidationError(f"{name} must be a positive number of days, got {value!r}")
    return days


def to_day_array(dates: pd.Series) -> np.ndarray:
    """A datetime64 column as int64 days since 1970-01-01 (local calendar days when tz-aware)."""
    if getattr(dates.dtype, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    return (dates.to_numpy().astype("datetime64[D]") - _EPOCH).astype(np.int64)


def check_transactions(transactions: object) -> pd.DataFrame:
    """Check the canonical transaction columns and return the frame."""
    frame = require_frame(transactions, name="transactions")
    require_columns(
        frame,
        TRANSACTION_REQUIRED,
        name="transactions",
        fix="load the log with crm_analytics.io.read_transactions(..., customer_id=..., "
        "date=..., amount=...)",
    )
    require_datetime(frame, DATE, name="transactions")
    if not pd.api.types.is_numeric_dtype(frame[AMOUNT]) or pd.api.types.is_bool_dtype(
        frame[AMOUNT]
    ):
        raise DataValidationError(
            f"transactions: column 'amount' has dtype {frame[AMOUNT].dtype}, not numeric; "
            "convert it with pandas.to_numeric or load with crm_analytics.io.read_transactions"
        )
    require_no_missing(frame, TRANSACTION_REQUIRED, name="transactions")
    return frame


def check_customers(customers: object) -> pd.DataFrame:
    """Check a customer table and return it with ``customer_id`` as its (unique) index."""
    customers = require_frame(customers, name="customers")
    if CUSTOMER_ID in customers.columns:
        customers = customers.set_index(CUSTOMER_ID)
    elif customers.index.name != CUSTOMER_ID:
        raise DataValidationError(
            "customers: no 'customer_id' column or index; columns present: "
            f"{', '.join(map(str, customers.columns))}; load the table with "
            "crm_analytics.io.read_customers(..., customer_id=...)"
        )
    duplicated = customers.index.duplicated()
    if duplicated.any():
        raise DataValidationError(
            f"customers: {int(duplicated.sum())} duplicated customer_id value(s) (e.g. "
            f"{examples(customers.index[duplicated])}); keep one row per customer"
        )
    for column in (SIGNUP_DATE, CANCEL_DATE):
        if column in customers.columns:
            require_datetime(customers, column, name="customers")
    return customers


def churn_flag(customers: pd.DataFrame) -> pd.Series:
    """The customer table's ``churned`` column as 0/1 integers, checked."""
    flag = customers[CHURNED]
    missing = flag.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"customers: column 'churned' has {int(missing.sum())} missing value(s) (customers "
            f"{examples(customers.index[missing])}); fill or drop them before labelling"
        )
    if pd.api.types.is_bool_dtype(flag):
        return flag.astype(np.int8)
    if pd.api.types.is_numeric_dtype(flag):
        bad = ~flag.isin([0, 1]).to_numpy()
        if not bad.any():
            return flag.astype(np.int8)
    else:
        bad = np.ones(len(flag), dtype=bool)
    raise DataValidationError(
        f"customers: column 'churned' must hold booleans or 0/1; {int(bad.sum())} value(s) do not "
        f"(e.g. {examples(flag[bad].unique())}); map them to True/False first, or load the table "
        "with crm_analytics.io.read_customers(..., churned=...)"
    )


@dataclass(frozen=True)
class TransactionArrays:
    """A transaction log as integer arrays, built once and reused at every cutoff.

    ``customer`` holds row codes into ``customer_ids``; ``order`` holds row codes into the
    per-order arrays (each row is its own order when the log has no ``order_id``).
    """

    customer_ids: pd.Index
    customer: np.ndarray
    day: np.ndarray
    amount: np.ndarray
    order: np.ndarray
    order_customer: np.ndarray
    order_day: np.ndarray
    product: np.ndarray | None

    @property
    def n_customers(self) -> int:
        return len(self.customer_ids)

    @property
    def first_day(self) -> int:
        return int(self.day.min())

    @property
    def last_day(self) -> int:
        return int(self.day.max())


def transaction_arrays(transactions: pd.DataFrame) -> TransactionArrays:
    """Reduce a checked canonical transaction frame to :class:`TransactionArrays`."""
    customer, customer_ids = pd.factorize(transactions[CUSTOMER_ID], sort=True)
    customer = customer.astype(np.int64)
    customer_ids = pd.Index(customer_ids, name=CUSTOMER_ID)
    day = to_day_array(transactions[DATE])
    if ORDER_ID in transactions.columns:
        order_code, order_ids = pd.factorize(transactions[ORDER_ID], use_na_sentinel=False)
        # An order id belongs to one customer in a clean log; pairing it with the customer
        # keeps two customers' orders apart when a source reuses ids.
        order, first_row = _codes_of_pairs(customer, order_code.astype(np.int64), len(order_ids))
        order_customer = customer[first_row]
        order_day = np.full(len(first_row), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(order_day, order, day)
    else:
        order = np.arange(len(transactions), dtype=np.int64)
        order_customer = customer
        order_day = day
    product = None
    if PRODUCT in transactions.columns:
        product = pd.factorize(transactions[PRODUCT], use_na_sentinel=False)[0].astype(np.int64)
    return TransactionArrays(
        customer_ids=customer_ids,
        customer=customer,
        day=day,
        amount=transactions[AMOUNT].to_numpy(dtype=np.float64),
        order=order,
        order_customer=order_customer,
        order_day=order_day,
        product=product,
    )


def _codes_of_pairs(
    left: np.ndarray, right: np.ndarray, n_right: int
) -> tuple[np.ndarray, np.ndarray]:
    """Code each (left, right) pair; return the row codes and one row index per code."""
    key = left * max(n_right, 1) + right
    order = np.argsort(key)
    sorted_key = key[order]
    starts = np.empty(len(key), dtype=bool)
    starts[0] = True
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=starts[1:])
    codes = np.empty(len(key), dtype=np.int64)
    codes[order] = np.cumsum(starts) - 1
    return codes, order[starts]


def count_distinct_pairs(left: np.ndarray, right: np.ndarray, *, n_left: int) -> np.ndarray:
    """Number of distinct ``right`` values per ``left`` code (both int64 code arrays)."""
    if len(left) == 0:
        return np.zeros(n_left, dtype=np.int64)
    key = np.sort(left * (int(right.max()) + 1) + right)
    starts = np.empty(len(key), dtype=bool)
    starts[0] = True
    np.not_equal(key[1:], key[:-1], out=starts[1:])
    return np.bincount(key[starts] // (int(right.max()) + 1), minlength=n_left)
