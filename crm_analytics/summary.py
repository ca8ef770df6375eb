"""Per-customer summaries of a transaction log: the RFM table and the calibration/holdout split.

Both functions follow lifetimes' definitions exactly (``summary_data_from_transaction_data`` and
``calibration_and_holdout_data``), so models fitted on them are comparable with lifetimes':

- dates are first truncated to the start of their period (``freq``: ``"D"``, ``"W"``, ``"h"``,
  ``"min"`` or ``"s"``; weeks start on Monday, as pandas' ``W-SUN`` periods do);
- ``frequency`` is the number of periods with a purchase after the first one (repeat periods);
- ``recency`` is the time from the first to the last purchase period and ``T`` the time from the
  first purchase period to the observation end, both in units of ``freq`` divided by
  ``freq_multiplier`` (``freq="D", freq_multiplier=7`` gives weeks measured to the day);
- ``monetary_value`` is the mean of the per-period spend over the repeat periods (0 for
  customers without a repeat period).

Transactions after ``observation_end`` are left out (those in its own period are kept, as in
lifetimes): the summary is "as of" that date, which is what lets a scheduled job reproduce a past
run. The work is written once in narwhals: in-memory frames (pandas, PyArrow, eager Polars) are
summarised in Polars, and Polars LazyFrames, DuckDB relations, Spark DataFrames and Parquet
datasets on disk inside their own engine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import pandas as pd

from crm_analytics.exceptions import DataValidationError
from crm_analytics.scale.engines import lazy_log
from crm_analytics.schema import AMOUNT, CUSTOMER_ID, DATE, ORDER_ID

__all__ = ["calibration_holdout_split", "rfm_summary"]

logger = logging.getLogger(__name__)

# Length of each supported ``freq`` in microseconds. Periods are numbered by integer division of
# the time since 1970-01-01; weeks are shifted by three days to start on Monday, as pandas' W-SUN
# periods do, because 1970-01-01 was a Thursday.
_MICROSECONDS = {
    "D": 86_400_000_000,
    "W": 604_800_000_000,
    "h": 3_600_000_000,
    "min": 60_000_000,
    "s": 1_000_000,
}
_WEEK_OFFSET_DAYS = 3
_WEEK_OFFSET = _WEEK_OFFSET_DAYS * 86_400_000_000
# Days from 0001-01-01 to 1970-01-01, plus one as ordinal days start at 1.
_DAYS_TO_EPOCH = 719_163
_EPOCH = pd.Timestamp("1970-01-01")
# Money is summed in whole millionths of the currency unit (see _money).
_MONEY_UNITS = 1_000_000
_MONEY_COLUMN = "__amount_millionths__"
# Engines whose group-by takes an aggregate in a given order (narwhals' ``first(order_by=...)``).
_ORDERED_AGGREGATES = (nw.Implementation.POLARS, nw.Implementation.DUCKDB)
_SUMMARY_COLUMNS = [
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "first_purchase",
    "last_purchase",
    "n_orders",
    "total_amount",
    "average_order_value",
    "days_since_last_purchase",
]
_HOLDOUT_COLUMNS = [
    "frequency_cal",
    "recency_cal",
    "T_cal",
    "monetary_value_cal",
    "frequency_holdout",
    "monetary_value_holdout",
    "duration_holdout",
]


def rfm_summary(
    transactions: Any,
    *,
    observation_end: Any = None,
    freq: str = "D",
    freq_multiplier: float = 1,
    customer_id_col: str = CUSTOMER_ID,
    datetime_col: str = DATE,
    monetary_value_col: str | None = AMOUNT,
    order_id_col: str | None = ORDER_ID,
    native: bool = False,
) -> Any:
    """Summarise a transaction log into one row per customer (recency, frequency, monetary value).

    Parameters
    ----------
    transactions : DataFrame or path
        Canonical transaction log (see :func:`crm_analytics.io.read_transactions`): a pandas,
        Polars (eager or lazy) or PyArrow table, a DuckDB relation or a Spark DataFrame, or
        the path of a Parquet file, folder or glob, summarised out of core by DuckDB (see
        :func:`crm_analytics.scale.scan_parquet` to choose the engine or a memory limit).
    observation_end : date-like, optional
        The "as of" date. Transactions after it are left out. Defaults to the last date in the log.
    freq : {"D", "W", "h", "min", "s"}, default "D"
        Period that dates are truncated to; purchases in the same period count once.
    freq_multiplier : float, default 1
        Divides ``recency`` and ``T``: ``freq="D", freq_multiplier=7`` gives weeks.
    customer_id_col, datetime_col : str
        Column names of the customer id and the purchase date.
    monetary_value_col : str or None, default "amount"
        Column of the amount spent. When None or absent, the monetary columns are left out.
    order_id_col : str or None, default "order_id"
        Column of the order id. When present, ``n_orders`` counts distinct orders, else rows.
    native : bool, default False
        Return the engine's own lazy frame instead of a pandas DataFrame, so that the summary
        stays where the data lives (a Spark DataFrame stays distributed, a Polars or DuckDB
        query runs only when collected): the same columns, with ``customer_id`` a column,
        in no particular order. In-memory input (pandas, PyArrow, eager Polars) gives a Polars
        LazyFrame.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``, sorted, with columns ``frequency, recency, T,
        monetary_value`` (lifetimes' definitions), ``first_purchase, last_purchase``
        (timestamps), ``n_orders``, ``total_amount``, ``average_order_value`` and
        ``days_since_last_purchase`` (whole days from the last purchase to ``observation_end``).
        With ``native=True``, a ``polars.LazyFrame``, ``duckdb.DuckDBPyRelation`` or
        ``pyspark.sql.DataFrame`` holding them.

    Raises
    ------
    DataValidationError
        When a column is missing, dates are not datetimes, ids or dates are missing, the log is
        empty, or ``observation_end`` is before the first purchase.

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05"]),
    ...     "amount": [10.0, 5.0, 30.0, 20.0],
    ... })
    >>> summary = rfm_summary(log, observation_end="2024-01-31")
    >>> summary[["frequency", "recency", "T", "monetary_value", "n_orders"]]
                 frequency  recency     T  monetary_value  n_orders
    customer_id
    a                  1.0     10.0  30.0            30.0         3
    b                  0.0      0.0  26.0             0.0         1
    """
    frame, columns, dates = _prepare(
        transactions, customer_id_col, datetime_col, monetary_value_col, order_id_col
    )
    observation_end = _observation_end(observation_end, dates)
    end_period = _period_of(observation_end, freq)
    kept = frame.with_columns(_period(nw.col(datetime_col), freq, frame.implementation))
    if end_period < _period_of(dates[1], freq):
        # A pass over the log that leaves the rows out only when some are after the end.
        kept = kept.filter(nw.col("period") <= end_period)
    summary = _summarise(kept, columns, multiplier=freq_multiplier, end_period=end_period)
    last_day = _period(nw.col("last_purchase"), "D", summary.implementation)
    extra = [
        nw.col("n_orders").cast(nw.Int64),
        # Purchases after observation_end in its own period (a week, say) count as today's.
        nw.max_horizontal(_period_of(observation_end, "D") - last_day, nw.lit(0))
        .cast(nw.Int64)
        .alias("days_since_last_purchase"),
    ]
    if columns.amount:
        extra.append((nw.col("total_amount") / nw.col("n_orders")).alias("average_order_value"))
    summary = summary.with_columns(*extra)
    order = [column for column in _SUMMARY_COLUMNS if column in summary.collect_schema()]
    if native:
        return summary.select(nw.col(customer_id_col).alias(CUSTOMER_ID), *order).to_native()
    return _to_pandas(summary, customer_id_col)[order]


def calibration_holdout_split(
    transactions: Any,
    calibration_end: Any,
    observation_end: Any = None,
    *,
    freq: str = "D",
    freq_multiplier: float = 1,
    customer_id_col: str = CUSTOMER_ID,
    datetime_col: str = DATE,
    monetary_value_col: str | None = AMOUNT,
) -> pd.DataFrame:
    """Split a log into a calibration summary and the purchases each customer made afterwards.

    The equivalent of lifetimes' ``calibration_and_holdout_data``, with its column names, for
    checking a CLV model on purchases it has not seen.

    Parameters
    ----------
    transactions : DataFrame or path
        Canonical transaction log, as in :func:`rfm_summary`.
    calibration_end : date-like
        Last date of the calibration period (inclusive).
    observation_end : date-like, optional
        Last date of the holdout period (inclusive). Defaults to the last date in the log.
    freq, freq_multiplier, customer_id_col, datetime_col, monetary_value_col
        As in :func:`rfm_summary`.

    Returns
    -------
    pandas.DataFrame
        One row per customer whose first purchase is on or before ``calibration_end``, indexed
        by ``customer_id``: ``frequency_cal, recency_cal, T_cal, monetary_value_cal`` (the
        :func:`rfm_summary` of the calibration period), ``frequency_holdout`` (periods with a
        purchase after ``calibration_end``), ``monetary_value_holdout`` (mean amount of the
        holdout transactions, per row as lifetimes computes it; 0 without any) and
        ``duration_holdout`` (length of the holdout in units of ``freq`` / ``freq_multiplier``).

    Raises
    ------
    DataValidationError
        As :func:`rfm_summary`, and when ``calibration_end`` is not before ``observation_end``
        or the holdout period holds no transaction.

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b", "c"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-20", "2024-01-03",
    ...                             "2024-01-25"]),
    ...     "amount": [10.0, 20.0, 40.0, 5.0, 8.0],
    ... })
    >>> split = calibration_holdout_split(log, "2024-01-10", "2024-01-31")
    >>> split[["frequency_cal", "T_cal", "frequency_holdout", "monetary_value_holdout"]]
                 frequency_cal  T_cal  frequency_holdout  monetary_value_holdout
    customer_id
    a                      1.0    9.0                1.0                    40.0
    b                      0.0    7.0                0.0                     0.0
    """
    frame, columns, dates = _prepare(
        transactions, customer_id_col, datetime_col, monetary_value_col, order_id_col=None
    )
    observation_end = _observation_end(observation_end, dates)
    calibration_end = _timestamp(calibration_end, "calibration_end")
    if calibration_end >= observation_end:
        raise DataValidationError(
            f"calibration_end {calibration_end} is not before observation_end {observation_end}; "
            "choose a calibration_end inside the log so that a holdout period remains"
        )
    date = nw.col(datetime_col)
    calibration_period_end = _period_of(calibration_end, freq)
    calibration = _summarise(
        frame.filter(date <= nw.lit(calibration_end)).with_columns(
            _period(date, freq, frame.implementation)
        ),
        columns,
        multiplier=freq_multiplier,
        end_period=calibration_period_end,
    )
    holdout_rows = frame.filter(
        (date > nw.lit(calibration_end)) & (date <= nw.lit(observation_end))
    )
    if _count(holdout_rows) == 0:
        raise DataValidationError(
            f"transactions: no transaction between calibration_end {calibration_end} and "
            f"observation_end {observation_end}; choose an earlier calibration_end or a later "
            "observation_end"
        )
    holdout_values = [nw.col("period").n_unique().alias("frequency_holdout")]
    if columns.amount:
        holdout_values.append(nw.col(columns.amount).mean().alias("monetary_value_holdout"))
    holdout = (
        holdout_rows.with_columns(_period(date, freq, frame.implementation))
        .group_by(customer_id_col)
        .agg(*holdout_values)
        .with_columns(nw.col("frequency_holdout").cast(nw.Float64))
    )
    calibration_names = ["frequency", "recency", "T"] + (
        ["monetary_value"] if columns.amount else []
    )
    combined = calibration.select(
        customer_id_col, *[nw.col(name).alias(f"{name}_cal") for name in calibration_names]
    ).join(holdout, on=customer_id_col, how="left")
    duration = (_period_of(observation_end, freq) - calibration_period_end) / freq_multiplier
    result = _to_pandas(combined, customer_id_col).fillna(0.0)
    result["duration_holdout"] = duration
    return result[[column for column in _HOLDOUT_COLUMNS if column in result.columns]]


@dataclass(frozen=True)
class _Columns:
    """Names of the log's columns that the summaries use (None: not in the log)."""

    customer_id: str
    date: str
    amount: str | None
    order_id: str | None

    @property
    def names(self) -> list[str]:
        return [name for name in (self.customer_id, self.date, self.amount, self.order_id) if name]


def _prepare(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None,
    order_id_col: str | None,
) -> tuple[nw.LazyFrame, _Columns, tuple[pd.Timestamp, pd.Timestamp]]:
    """Check the log; return it as a narwhals LazyFrame of the columns the summary needs, and
    its first and last dates (found in the same pass over the log as the checks)."""
    if isinstance(transactions, pd.DataFrame):
        # Only the columns the summary reads are converted to Polars (all of them when one is
        # missing, for the error message).
        wanted = (customer_id_col, datetime_col, monetary_value_col, order_id_col)
        if {customer_id_col, datetime_col} <= set(transactions.columns):
            transactions = transactions[[c for c in transactions.columns if c in wanted]]
    frame, _ = lazy_log(transactions)
    present = frame.collect_schema()
    required = [customer_id_col, datetime_col]
    missing = [column for column in required if column not in present]
    if missing:
        raise DataValidationError(
            f"transactions: column {missing[0]!r} not found; columns present: "
            f"{', '.join(map(str, present))}; pass its name as "
            f"{'customer_id_col' if missing[0] == customer_id_col else 'datetime_col'}=... or "
            "load the log with crm_analytics.io.read_transactions"
        )
    if present[datetime_col] != nw.Datetime:
        raise DataValidationError(
            f"transactions: column {datetime_col!r} has dtype {present[datetime_col]}, not a "
            "datetime; load the log with crm_analytics.io.read_transactions or convert the "
            "column with pandas.to_datetime"
        )
    if monetary_value_col in present and not present[monetary_value_col].is_numeric():
        raise DataValidationError(
            f"transactions: column {monetary_value_col!r} has dtype "
            f"{present[monetary_value_col]}, not numeric; load the log with "
            "crm_analytics.io.read_transactions, which parses amounts"
        )
    columns = _Columns(
        customer_id_col,
        datetime_col,
        monetary_value_col if monetary_value_col in present else None,
        order_id_col if order_id_col in present else None,
    )
    frame = frame.select(columns.names)
    if present[datetime_col].time_zone is not None:
        # Spark's timestamps carry the session's time zone: periods count on the wall clock.
        frame = frame.with_columns(nw.col(datetime_col).dt.replace_time_zone(None))
    date = nw.col(datetime_col)
    counts = frame.select(
        nw.len(),
        date.min().alias("first"),
        date.max().alias("last"),
        *[nw.col(c).null_count() for c in columns.names],
    )
    length, first, last, *nulls = _collect(counts).row(0)
    if length == 0:
        raise DataValidationError(
            "transactions is empty (0 rows); pass a log with at least one purchase "
            "(check the filters applied before this call)"
        )
    for column, missing_count in zip(columns.names, nulls, strict=True):
        if missing_count:
            raise DataValidationError(
                f"transactions: column {column!r} has {missing_count} missing value(s) out of "
                f"{length} rows; drop or fill them first (read_transactions drops rows "
                "without a customer id and reports them)"
            )
    return frame, columns, (pd.Timestamp(first), pd.Timestamp(last))


def _summarise(
    frame: nw.LazyFrame, columns: _Columns, *, multiplier: float, end_period: int
) -> nw.LazyFrame:
    """Per-customer frequency, recency, T, monetary value and descriptive columns.

    ``frame`` holds a ``period`` column (see :func:`_period`); ``end_period`` is the period of
    the observation end. One pass over the log groups it by customer and period; everything
    else works on that much smaller table. The aggregations are elementary so that every
    engine runs them, but for the first period's spend, which the engines that have ordered
    aggregates take in the customer group-by.
    """
    customer_id, amount = columns.customer_id, columns.amount
    period, spend = nw.col("period"), nw.col("spend")
    if amount:
        frame = frame.with_columns(_money(nw.col(amount)).alias(_MONEY_COLUMN))
    per_period = _per_period(frame, columns)
    # The first period's spend is left out of monetary_value, as in lifetimes.
    spends = []
    if amount and frame.implementation in _ORDERED_AGGREGATES:
        # An ordered aggregate inside the customer group-by costs a sixth to a third less
        # than a window over the customers' periods.
        spends = [(spend.sum() - spend.first(order_by="period")).alias("repeat")]
    elif amount:
        first_period = period.min().over(customer_id)
        per_period = per_period.with_columns(
            nw.when(period > first_period).then(spend).otherwise(0).alias("repeat")
        )
        spends = [nw.col("repeat").sum()]
    customers = per_period.group_by(customer_id).agg(
        period.min().alias("first_period"),
        period.max().alias("last_period"),
        nw.len().alias("periods"),
        nw.col("first_purchase").min(),
        nw.col("last_purchase").max(),
        nw.col("n_orders").sum(),
        *([spend.sum().alias("total_amount"), *spends] if amount else []),
    )
    first_period = nw.col("first_period")
    frequency = nw.col("periods") - 1
    summary = [
        frequency.cast(nw.Float64).alias("frequency"),
        _divide(nw.col("last_period") - first_period, multiplier).alias("recency"),
        _divide(end_period - first_period, multiplier).alias("T"),
    ]
    if amount:
        summary += [
            nw.when(frequency > 0)
            .then(_from_money(nw.col("repeat")) / frequency)
            .otherwise(0.0)
            .alias("monetary_value"),
            _from_money(nw.col("total_amount")).alias("total_amount"),
        ]
    return customers.with_columns(*summary).drop(
        "first_period", "last_period", "periods", "repeat", strict=False
    )


def _per_period(frame: nw.LazyFrame, columns: _Columns) -> nw.LazyFrame:
    """One row per customer and period: first and last purchase, orders and spend.

    Orders are counted per period, as an order id has one date in a canonical log. Polars
    counts the distinct order ids of each group fastest; DuckDB and Spark group the lines by
    order first, which costs them a third less than a distinct count.
    """
    first, last = nw.col(columns.date).min(), nw.col(columns.date).max()
    spend = [nw.col(_MONEY_COLUMN).sum()] if columns.amount else []
    if not columns.order_id:
        orders = nw.len()
    elif frame.implementation is nw.Implementation.POLARS:
        orders = nw.col(columns.order_id).n_unique()
    else:
        frame = frame.group_by(columns.customer_id, "period", columns.order_id).agg(
            first.alias("first_purchase"), last.alias("last_purchase"), *spend
        )
        first, last = nw.col("first_purchase").min(), nw.col("last_purchase").max()
        orders = nw.len()
    return frame.group_by(columns.customer_id, "period").agg(
        first.alias("first_purchase"),
        last.alias("last_purchase"),
        orders.alias("n_orders"),
        *[total.alias("spend") for total in spend],
    )


def _money(amount: nw.Expr) -> nw.Expr:
    """Amounts in whole millionths, so that sums are exact and the same in any order.

    Engines add float columns in an order that varies from run to run (parallel partial sums,
    hash order of groups), which changes float sums in their last bits; sums of whole numbers
    do not change, so the same log gives the same summary, bit for bit. The whole numbers stay
    floats, which add them exactly up to 2**53 millionths (9 billion currency units a
    customer): integers would be summed in 128 bits by DuckDB, a quarter slower in all.
    """
    return (amount * _MONEY_UNITS).round(0)


def _from_money(millionths: nw.Expr) -> nw.Expr:
    """Whole millionths back to currency units, as the float nearest the exact value."""
    return _divide(millionths, _MONEY_UNITS)


def _divide(numerator: nw.Expr, constant: float) -> nw.Expr:
    """``numerator / constant``, correctly rounded in every engine.

    Polars divides by a constant by multiplying with its reciprocal, which is inexact (it
    turns 66,260,000 / 1e6 into 66.25999999999999 and 10 / 7 into 1.4285714285714284, not
    the nearest float 1.4285714285714286); dividing by a column, it divides exactly, as the
    other engines do. So the constant is made a column: every engine then gives the same
    bits, and the numbers numpy (and lifetimes) give.
    """
    return numerator / (numerator * 0 + constant)


def _observation_end(
    observation_end: Any, dates: tuple[pd.Timestamp, pd.Timestamp]
) -> pd.Timestamp:
    """The given observation end as a Timestamp, or the last date in the log."""
    first, last = dates
    if observation_end is None:
        return last
    observation_end = _timestamp(observation_end, "observation_end")
    if observation_end < first.normalize():
        raise DataValidationError(
            f"observation_end {observation_end} is before the first purchase in the log "
            f"({first}); choose a date between {first} and {last}"
        )
    return observation_end


def _timestamp(value: Any, name: str) -> pd.Timestamp:
    """Parse a date-like argument, with a clear error."""
    try:
        timestamp = pd.Timestamp(value)
    except (TypeError, ValueError) as error:
        raise DataValidationError(
            f"{name}={value!r} is not a date; pass a date such as '2024-06-30'"
        ) from error
    if timestamp is pd.NaT or timestamp.tzinfo is not None:
        raise DataValidationError(
            f"{name}={value!r} must be a date without time zone, such as '2024-06-30'"
        )
    return timestamp


def _period(date: nw.Expr, freq: str, implementation: nw.Implementation | None = None) -> nw.Expr:
    """Number of the period (of length ``freq``) that each date falls in, as column ``period``.

    Built from calendar fields with integer arithmetic, the one way every engine (Spark
    included, which has no duration arithmetic in narwhals) numbers dates identically. Polars
    divides the microseconds since 1970 instead, as :func:`_period_of` does, which gives the
    same numbers ten times faster: pass the frame's ``implementation`` to allow it.
    """
    size = _period_size(freq)
    if implementation is nw.Implementation.POLARS:
        offset = _WEEK_OFFSET if freq == "W" else 0
        return ((date.dt.timestamp("us") + offset) // size).alias("period")
    year = date.dt.year().cast(nw.Int64) - 1
    # Days from 0001-01-01 to the date (proleptic Gregorian), less those to 1970-01-01.
    day = (
        365 * year + year // 4 - year // 100 + year // 400 + date.dt.ordinal_day() - _DAYS_TO_EPOCH
    )
    if freq == "D":
        return day.alias("period")
    if freq == "W":
        return ((day + _WEEK_OFFSET_DAYS) // 7).alias("period")
    period = day * 24 + date.dt.hour()
    if freq != "h":
        period = period * 60 + date.dt.minute()
    if freq == "s":
        period = period * 60 + date.dt.second()
    return period.alias("period")


def _period_of(timestamp: pd.Timestamp, freq: str) -> int:
    """Number of the period holding ``timestamp``, as :func:`_period` numbers them."""
    microseconds = (timestamp - _EPOCH) // pd.Timedelta(microseconds=1)
    return (microseconds + (_WEEK_OFFSET if freq == "W" else 0)) // _period_size(freq)


def _period_size(freq: str) -> int:
    if freq not in _MICROSECONDS:
        raise ValueError(
            f"freq={freq!r} is not supported; choose one of {', '.join(_MICROSECONDS)}"
        )
    return _MICROSECONDS[freq]


def _count(frame: nw.LazyFrame) -> int:
    return int(_collect(frame.select(nw.len())).item())


def _collect(frame: nw.LazyFrame) -> nw.DataFrame:
    """Run the query; Polars runs it in its streaming engine, in bounded memory."""
    if frame.implementation is nw.Implementation.POLARS:
        return frame.collect(engine="streaming")
    return frame.collect()


def _to_pandas(frame: nw.LazyFrame, customer_id_col: str) -> pd.DataFrame:
    """Collect into a pandas frame indexed and sorted by customer id."""
    table = _collect(frame.sort(customer_id_col)).to_arrow()
    # Column by column and freeing Arrow's copy as it goes, the conversion is free of copies
    # for numbers and dates: peak memory stays at one copy of the (possibly huge) result.
    result = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    result = result.set_index(customer_id_col)
    result.index.name = CUSTOMER_ID
    return result
