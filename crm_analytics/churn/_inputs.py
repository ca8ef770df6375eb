"""Checks and conversions for the inputs of the churn modules.

A transaction log is checked once and kept as a narwhals LazyFrame in the engine it came in
(pandas, PyArrow and eager Polars frames go through Polars; Polars LazyFrames, DuckDB relations,
PySpark DataFrames and Parquet datasets stay where they are), so labels and features at any
cutoff are aggregations that run in that engine and only per-customer results reach pandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from crm_analytics._checks import require_datetime, require_frame
from crm_analytics.exceptions import DataValidationError
from crm_analytics.scale.engines import lazy_log
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
from crm_analytics.summary import _period

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


def transaction_log(transactions: object) -> TransactionLog:
    """Check a canonical transaction log and keep it lazy in its engine.

    ``transactions`` may be a pandas, Polars (eager or lazy) or PyArrow frame, a DuckDB relation,
    a PySpark DataFrame or a Parquet file, folder or glob (opened lazily in DuckDB by
    :func:`crm_analytics.scale.scan_parquet`). In-memory frames (pandas, PyArrow, eager Polars)
    become a Polars LazyFrame; the other inputs stay where they are. The
    checks read the schema and make one pass over the log (row and missing-value counts, first
    and last day).
    """
    frame, in_memory = lazy_log(transactions)
    schema = frame.collect_schema()
    missing = [column for column in TRANSACTION_REQUIRED if column not in schema]
    if missing:
        listed = ", ".join(repr(column) for column in missing)
        raise DataValidationError(
            f"transactions: column{'s' if len(missing) > 1 else ''} {listed} not found; columns "
            f"present: {', '.join(map(str, schema))}; load the log with "
            "crm_analytics.io.read_transactions(..., customer_id=..., date=..., amount=...)"
        )
    date_type, amount_type = schema[DATE], schema[AMOUNT]
    if date_type not in (nw.Datetime, nw.Date):
        raise DataValidationError(
            f"transactions: column 'date' has dtype {date_type}, not datetime64; load the table "
            "with crm_analytics.io.read_transactions or convert it with pandas.to_datetime"
        )
    if not amount_type.is_numeric():
        raise DataValidationError(
            f"transactions: column 'amount' has dtype {amount_type}, not numeric; convert it "
            "with pandas.to_numeric or load with crm_analytics.io.read_transactions"
        )
    columns = [column for column in (*TRANSACTION_REQUIRED, ORDER_ID, PRODUCT) if column in schema]
    date = nw.col(DATE)
    if date_type == nw.Date:
        date = date.cast(nw.Datetime("us"))
    elif date_type.time_zone is not None:
        # Local calendar days, as pandas' tz_localize(None) gives them.
        date = date.dt.replace_time_zone(None)
    frame = (
        frame.select(*columns)
        .with_columns(date.alias(DATE))
        .with_columns(_period(nw.col(DATE), "D").alias("day"))
    )
    if in_memory:
        # The log is in memory already: its days are worked out once, not at every pass.
        frame = frame.collect().lazy()
    amount = nw.col(AMOUNT)
    nan = amount.is_nan() if amount_type.is_float() else nw.lit(0)
    infinite = (amount.abs() == float("inf")) if amount_type.is_float() else nw.lit(0)
    counts = (
        frame.select(
            nw.len().alias("rows"),
            *[nw.col(column).null_count().alias(column) for column in TRANSACTION_REQUIRED],
            nan.cast(nw.Int64).sum().alias("nan"),
            infinite.cast(nw.Int64).sum().alias("infinite"),
            nw.col("day").min().alias("first"),
            nw.col("day").max().alias("last"),
        )
        .collect(backend="polars")
        .rows(named=True)[0]
    )
    if counts["rows"] == 0:
        raise DataValidationError(
            "transactions is empty (0 rows); pass a table with at least one row "
            "(check the filters applied before this call)"
        )
    counts[AMOUNT] += counts["nan"] or 0
    if counts["infinite"]:
        raise DataValidationError(
            f"transactions: column 'amount' has {counts['infinite']} infinite value(s) out of "
            f"{counts['rows']} rows; drop or fix those rows before this call"
        )
    for column in TRANSACTION_REQUIRED:
        if counts[column]:
            raise DataValidationError(
                f"transactions: column {column!r} has {counts[column]} missing value(s) out of "
                f"{counts['rows']} rows; drop or fill those rows before this call"
            )
    return TransactionLog(frame, int(counts["first"]), int(counts["last"]))


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
class TransactionLog:
    """A checked transaction log, lazy in its engine, reused at every cutoff.

    ``frame`` holds the canonical columns present (``customer_id``, ``date`` tz-naive,
    ``amount``, and ``order_id``, ``product`` when given) and ``day``, the calendar day of each
    line as :func:`to_day` numbers them (days since 1970-01-01, from
    :func:`crm_analytics.summary._period`). ``first_day`` and ``last_day`` bound the log.
    """

    frame: nw.LazyFrame
    first_day: int
    last_day: int

    @property
    def has_orders(self) -> bool:
        return ORDER_ID in self.frame.collect_schema()

    @property
    def has_products(self) -> bool:
        return PRODUCT in self.frame.collect_schema()

    def native(self) -> Any:
        """The log without ``day``, as the engine's own frame (what rfm_summary takes)."""
        return nw.to_native(self.frame.drop("day"))

    def buyers(self, *, after: int | None, until: int) -> pd.Index:
        """Sorted ids of the customers with a purchase on a day in ``(after, until]``."""
        day = nw.col("day")
        inside = day <= until if after is None else (day > after) & (day <= until)
        ids = self.frame.filter(inside).select(CUSTOMER_ID).unique().sort(CUSTOMER_ID)
        return to_pandas(ids).set_index(CUSTOMER_ID).sort_index().index


def to_pandas(frame: nw.LazyFrame) -> pd.DataFrame:
    """Collect a (small, per-customer) lazy result into pandas, the same way for every engine."""
    if frame.implementation is nw.Implementation.POLARS:
        # The streaming engine keeps memory bounded on a Parquet log larger than memory.
        return frame.collect(engine="streaming").to_pandas()
    return frame.collect(backend="polars").to_pandas()
