"""The checked transaction log: the value every layer of crm_analytics takes.

A :class:`TransactionLog` is a transaction table that has been checked once (canonical
columns, dates, amounts, no missing ids) and is then trusted: the summaries, the models, the
churn features and scoring take it and never check it again. It stays in its engine (an
in-memory log is held by Polars; a Parquet dataset opened lazily stays in DuckDB, Polars or
Spark), and the per-customer aggregates that the layers above need are computed there:

- :meth:`TransactionLog.as_of` is the one "as of a date" rule: the purchases of the as-of day
  and before, the day counted on the wall clock (:mod:`crm_analytics._dates`);
- :meth:`TransactionLog.summary` is the RFM summary (:func:`crm_analytics.summary.rfm_summary`),
  computed once per time unit and reused;
- :meth:`TransactionLog.activity`, :meth:`~TransactionLog.customer_days` and
  :meth:`~TransactionLog.recent_returns` are the per-customer aggregates behind the churn
  features, the churn labels and the lifecycle stages.

:func:`crm_analytics.io.read_transactions` returns a log with its data-quality report;
:meth:`TransactionLog.from_frame` checks a canonical frame of any engine into one (what every
function taking ``transactions`` does with a frame it is given). Only this module and
:mod:`crm_analytics.summary` build engine queries, with the primitives of
:mod:`crm_analytics._engines`.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence
from typing import Any

import narwhals as nw
import pandas as pd

from crm_analytics._dates import day_number, day_text, from_day_number, to_timestamp
from crm_analytics._engines import (
    collect,
    count,
    divide,
    from_money,
    lazy_frame,
    money,
    period,
    period_of,
    to_pandas,
)
from crm_analytics.exceptions import DataValidationError
from crm_analytics.quality import DataQualityReport
from crm_analytics.schema import AMOUNT, CUSTOMER_ID, DATE, ORDER_ID, PRODUCT, QUANTITY

__all__ = ["SUMMARY_COLUMNS", "TransactionLog", "as_log"]

logger = logging.getLogger(__name__)

#: Columns of the RFM summary, in order (see :func:`crm_analytics.summary.rfm_summary`).
SUMMARY_COLUMNS = (
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
)
_CANONICAL = (CUSTOMER_ID, DATE, AMOUNT, ORDER_ID, PRODUCT, QUANTITY)
_MONEY_COLUMN = "__amount_millionths__"
_DAY = "day"
# Engines whose group-by takes an aggregate in a given order (narwhals' ``first(order_by=...)``).
_ORDERED_AGGREGATES = (nw.Implementation.POLARS, nw.Implementation.DUCKDB)


class TransactionLog:
    """A checked transaction log, lazy in its engine, with its data-quality report.

    Get one from :func:`crm_analytics.io.read_transactions` (which also keeps the report of
    what was read and dropped) or :meth:`from_frame` (a canonical frame you built). Every
    function of the library that takes ``transactions`` takes a log, and checks a frame into
    one when given a frame.

    Attributes
    ----------
    report : DataQualityReport or None
        What the reader did: rows read, dropped by reason, kept (None for :meth:`from_frame`).
    first_date, last_date : pandas.Timestamp
        The first and last purchase (wall clock, time-zone naive).
    observation_end : pandas.Timestamp or None
        The as-of day of a log from :meth:`as_of` (midnight), else None: the log ends with its
        last purchase.
    columns : tuple of str
        The canonical columns present: ``customer_id, date`` and those of ``amount,
        order_id, product, quantity`` the log has.
    engine : str
        Where the log is held: ``"polars"`` (in memory), ``"duckdb"``, ``"spark"``, or the
        engine of another lazy frame.

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-05"]),
    ...     "amount": [10.0, 30.0, 20.0],
    ... })
    >>> log = TransactionLog.from_frame(frame)
    >>> log
    <TransactionLog: 3 lines, 2024-01-01 to 2024-01-11, in memory (polars)>
    >>> snapshot = log.as_of("2024-01-31")
    >>> snapshot.summary()[["frequency", "recency", "T", "monetary_value"]]
                 frequency  recency     T  monetary_value
    customer_id
    a                  1.0     10.0  30.0            30.0
    b                  0.0      0.0  26.0             0.0
    >>> snapshot.summary() is snapshot.summary()  # computed once
    True
    """

    def __init__(
        self,
        frame: nw.LazyFrame | None,
        *,
        first_date: pd.Timestamp,
        last_date: pd.Timestamp,
        in_memory: bool,
        report: DataQualityReport | None = None,
        observation_end: pd.Timestamp | None = None,
        pandas_frame: pd.DataFrame | None = None,
    ) -> None:
        if frame is None and pandas_frame is None:
            raise ValueError("a TransactionLog needs a frame")
        self._native = frame
        self.first_date = first_date
        self.last_date = last_date
        self._in_memory = in_memory
        self.report = report
        self.observation_end = observation_end
        self._pandas = pandas_frame
        self._with_days: nw.LazyFrame | None = None
        self._length: int | None = None
        self._summaries: dict[tuple[Any, ...], Any] = {}
        self._snapshots: dict[int, TransactionLog] = {}

    # -- building ------------------------------------------------------------------------

    @classmethod
    def from_frame(
        cls,
        transactions: Any,
        *,
        customer_id: Hashable = CUSTOMER_ID,
        date: Hashable = DATE,
        amount: Hashable | None = AMOUNT,
        order_id: Hashable | None = ORDER_ID,
        product: Hashable | None = PRODUCT,
        quantity: Hashable | None = QUANTITY,
        report: DataQualityReport | None = None,
        argument_names: dict[str, str] | None = None,
    ) -> TransactionLog:
        """Check a transaction frame of any engine once, and keep it as a log.

        Parameters
        ----------
        transactions : DataFrame or path
            A pandas, Polars (eager or lazy) or PyArrow table, a DuckDB relation, a Spark
            DataFrame, or the path of a Parquet file, folder or glob (opened lazily in
            DuckDB; see :func:`crm_analytics.scale.scan_parquet`). A log is returned as it is.
        customer_id, date : column name
            The customer id and purchase date columns (required; dates as datetimes: a
            time-zone-aware column keeps its wall-clock times, see :mod:`crm_analytics._dates`).
        amount, order_id, product, quantity : column name or None
            Optional columns, used when present; None leaves a column out.
        report : DataQualityReport, optional
            The report of the reader that produced the frame.
        argument_names : dict, optional
            How the caller names the column arguments (``{"customer_id": "customer_id_col"}``),
            for the messages.

        Raises
        ------
        DataValidationError
            When a required column is missing, dates are not datetimes, amounts are not
            numbers or are infinite, a required value is missing, or the log is empty.

        Examples
        --------
        >>> frame = pd.DataFrame({"CustomerID": [1], "When": ["2024-01-01"]})
        >>> TransactionLog.from_frame(frame, customer_id="CustomerID", date="When")
        Traceback (most recent call last):
        ...
        crm_analytics.exceptions.DataValidationError: transactions: column 'When' (date=) has dtype String, not a datetime; ...
        """
        if isinstance(transactions, TransactionLog):
            return transactions
        names = {
            CUSTOMER_ID: customer_id,
            DATE: date,
            AMOUNT: amount,
            ORDER_ID: order_id,
            PRODUCT: product,
            QUANTITY: quantity,
        }
        # Messages name the argument beside the column when it is not plain (a renamed column,
        # or an argument called otherwise): "column 'When' (date=)".
        arguments = {key: f"{key}=" for key in names} | {
            key: f"{name}=" for key, name in (argument_names or {}).items()
        }
        labels = {
            key: f"({arguments[key]}) " if arguments[key] != f"{key}=" or names[key] != key else ""
            for key in names
        }
        pandas_frame = None
        if isinstance(transactions, pd.DataFrame):
            # Only the columns the log keeps are converted (all when one is missing, for the
            # error message).
            wanted = [name for name in names.values() if name in transactions.columns]
            if customer_id in transactions.columns and date in transactions.columns:
                transactions = transactions[wanted]
            pandas_frame = transactions
        frame, in_memory = lazy_frame(transactions)
        schema = frame.collect_schema()
        for key in (CUSTOMER_ID, DATE):
            if names[key] not in schema:
                raise DataValidationError(
                    f"transactions: column {names[key]!r} not found; columns present: "
                    f"{', '.join(map(str, schema))}; pass its name as {arguments[key]}..., or load "
                    "the log with crm_analytics.io.read_transactions"
                )
        present = {key: name for key, name in names.items() if name is not None and name in schema}
        date_type = schema[present[DATE]]
        if date_type not in (nw.Datetime, nw.Date):
            raise DataValidationError(
                f"transactions: column {present[DATE]!r} {labels[DATE]}has dtype {date_type}, not a "
                "datetime; load the log with crm_analytics.io.read_transactions (which parses "
                "text dates) or convert the column with pandas.to_datetime"
            )
        for key in (AMOUNT, QUANTITY):
            if key in present and not schema[present[key]].is_numeric():
                raise DataValidationError(
                    f"transactions: column {present[key]!r} {labels[key]}has dtype "
                    f"{schema[present[key]]}, not numbers; load the log with "
                    "crm_analytics.io.read_transactions, which parses amounts"
                )
        dates = nw.col(present[DATE])
        if date_type == nw.Date:
            dates = dates.cast(nw.Datetime("us"))
        elif date_type.time_zone is not None:
            # The wall clock: local times kept, the zone dropped (see crm_analytics._dates).
            dates = dates.dt.replace_time_zone(None)
        frame = frame.select(
            *[nw.col(name).alias(key) for key, name in present.items() if key != DATE],
            dates.alias(DATE),
        ).select(*[key for key in _CANONICAL if key in present])
        first, last = _check_values(frame, present, labels)
        if pandas_frame is not None:
            pandas_frame = _canonical_pandas(pandas_frame, present)
        return cls(
            frame,
            first_date=first,
            last_date=last,
            in_memory=in_memory,
            report=report,
            pandas_frame=pandas_frame,
        )

    # -- what it is ----------------------------------------------------------------------

    @property
    def _frame(self) -> nw.LazyFrame:
        """The log in its engine; a log read into pandas goes to Polars on first use, once."""
        if self._native is None:
            self._native, _ = lazy_frame(self._pandas)
        return self._native

    @property
    def columns(self) -> tuple[str, ...]:
        """The canonical columns present."""
        if self._native is None:
            return tuple(str(column) for column in self._pandas.columns)
        return tuple(self._native.collect_schema().names())

    @property
    def engine(self) -> str:
        """Where the log is held (``polars`` for an in-memory log)."""
        if self._native is None:
            return "polars"
        return str(self._native.implementation.name).lower()

    @property
    def has_amount(self) -> bool:
        return AMOUNT in self.columns

    @property
    def has_orders(self) -> bool:
        return ORDER_ID in self.columns

    @property
    def has_products(self) -> bool:
        return PRODUCT in self.columns

    @property
    def in_memory(self) -> bool:
        """Whether the log is held in memory (else it is read from its source at each query)."""
        return self._in_memory

    @property
    def first_day(self) -> int:
        """Day number (see :func:`crm_analytics._dates.day_number`) of the first purchase."""
        return day_number(self.first_date, name="first_date")

    @property
    def last_day(self) -> int:
        """Day number of the last purchase."""
        return day_number(self.last_date, name="last_date")

    @property
    def end_day(self) -> int:
        """Day number of the observation end: the as-of day, else the last purchase's day."""
        end = self.last_date if self.observation_end is None else self.observation_end
        return day_number(end, name="observation_end")

    def __len__(self) -> int:
        if self._length is None:
            self._length = len(self._pandas) if self._native is None else count(self._native)
        return self._length

    def __repr__(self) -> str:
        size = f"{len(self):,} lines, " if self._in_memory else ""
        held = f"in memory ({self.engine})" if self._in_memory else f"lazy in {self.engine}"
        as_of = "" if self.observation_end is None else f", as of {self.observation_end.date()}"
        return (
            f"<TransactionLog: {size}{self.first_date.date()} to {self.last_date.date()}"
            f"{as_of}, {held}>"
        )

    # -- as of a date ----------------------------------------------------------------------

    def as_of(self, as_of: object) -> TransactionLog:
        """The log as known at the end of a day: the purchases of that day and before.

        The one "as of" rule of the library: the whole as-of day counts (a purchase at
        23:59 belongs to it), days are counted on the wall clock, and the summaries of the
        result are taken at that day (``T`` and ``days_since_last_purchase`` run to it).
        The same day gives the same log object, so what was computed on it is reused.

        Parameters
        ----------
        as_of : date-like
            ISO text (``"2011-12-09"``), a date or a Timestamp; see
            :func:`crm_analytics._dates.to_timestamp`.

        Raises
        ------
        DataValidationError
            When ``as_of`` is not a date or is before the first purchase.

        Examples
        --------
        >>> frame = pd.DataFrame({
        ...     "customer_id": ["a", "a", "b"],
        ...     "date": pd.to_datetime(["2024-01-01 09:00", "2024-01-11 18:00", "2024-01-05 12:00"]),
        ...     "amount": [10.0, 30.0, 20.0],
        ... })
        >>> snapshot = TransactionLog.from_frame(frame).as_of("2024-01-10")
        >>> len(snapshot), snapshot.observation_end
        (2, Timestamp('2024-01-10 00:00:00'))
        """
        day = day_number(as_of, name="as_of")
        if day < self.first_day:
            raise DataValidationError(
                f"as_of {day_text(day)} is before the first transaction "
                f"({self.first_date.date()}): nobody has bought yet; choose a later as_of"
            )
        if self.observation_end is not None and day == self.end_day:
            return self
        if day in self._snapshots:
            return self._snapshots[day]
        frame, last, pandas_frame = self._native, self.last_date, self._pandas
        if day < self.last_day:
            # Rows are left out in the engine, where the log is converted once for all the
            # dates it is taken at; the pandas copy is made from the result when asked for.
            frame = self._frame.filter(nw.col(DATE) < nw.lit(from_day_number(day + 1)))
            if self._in_memory:
                frame = collect(frame).lazy()
            last = pd.Timestamp(collect(frame.select(nw.col(DATE).max())).item())
            pandas_frame = None
            logger.debug("log: rows up to %s kept", day_text(day))
        snapshot = TransactionLog(
            frame,
            first_date=self.first_date,
            last_date=last,
            in_memory=self._in_memory,
            report=self.report,
            observation_end=from_day_number(day),
            pandas_frame=pandas_frame,
        )
        self._snapshots[day] = snapshot
        return snapshot

    # -- conversions -----------------------------------------------------------------------

    def to_pandas(self) -> pd.DataFrame:
        """The log as a pandas DataFrame of its canonical columns (computed once, then reused).

        Rows are those of the source, in its order for a frame given to :meth:`from_frame`
        and sorted by customer then date for a log read by ``read_transactions``; the index
        is a fresh RangeIndex. Treat the result as read-only: the log reuses it.
        """
        if self._pandas is None:
            logger.debug("engine: converting the log to pandas")
            self._pandas = collect(self._frame).to_pandas()
        return self._pandas

    def to_native(self) -> Any:
        """The log as its engine's own frame (a Polars LazyFrame for an in-memory log, a
        DuckDB relation, a Spark DataFrame), with the canonical columns."""
        return self._frame.to_native()

    # -- per-customer aggregates -------------------------------------------------------------

    def summary(
        self,
        *,
        freq: str = "D",
        freq_multiplier: float = 1,
        observation_end: object = None,
        native: bool = False,
    ) -> Any:
        """The RFM summary as of the observation end, computed once per settings and reused.

        The columns and definitions of :func:`crm_analytics.summary.rfm_summary` (which calls
        this). ``observation_end`` defaults to the log's as-of day (:meth:`as_of`), else its
        last purchase; purchases after it are left out, those in its own period kept, as in
        lifetimes.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``customer_id``, sorted; with ``native=True`` the engine's own lazy
            frame, ``customer_id`` a column (computed afresh each time).
        """
        end = (
            (self.observation_end or self.last_date)
            if observation_end is None
            else to_timestamp(observation_end, name="observation_end")
        )
        if end < self.first_date.normalize():
            raise DataValidationError(
                f"observation_end {end} is before the first purchase in the log "
                f"({self.first_date}); choose a date between {self.first_date} and "
                f"{self.last_date}"
            )
        key = (freq, float(freq_multiplier), end)
        if not native and key in self._summaries:
            return self._summaries[key]
        end_period = period_of(end, freq)
        kept = self._frame.with_columns(period(nw.col(DATE), freq, self._frame.implementation))
        if end_period < period_of(self.last_date, freq):
            kept = kept.filter(nw.col("period") <= end_period)
        result = _summarise(
            kept, has_amount=self.has_amount, has_orders=self.has_orders,
            multiplier=freq_multiplier, end_period=end_period,
        )  # fmt: skip
        last_day = period(nw.col("last_purchase"), "D", result.implementation)
        extra = [
            nw.col("n_orders").cast(nw.Int64),
            # Purchases after observation_end in its own period (a week, say) count as today's.
            nw.max_horizontal(period_of(end, "D") - last_day, nw.lit(0))
            .cast(nw.Int64)
            .alias("days_since_last_purchase"),
        ]
        if self.has_amount:
            extra.append((nw.col("total_amount") / nw.col("n_orders")).alias("average_order_value"))
        result = result.with_columns(*extra)
        order = [column for column in SUMMARY_COLUMNS if column in result.collect_schema()]
        if native:
            return result.select(CUSTOMER_ID, *order).to_native()
        summary = to_pandas(result.select(CUSTOMER_ID, *order), index=CUSTOMER_ID)
        logger.debug("log: summary computed (freq=%s, as of %s)", freq, end)
        self._summaries[key] = summary
        return summary

    def calibration_holdout(
        self,
        calibration_end: pd.Timestamp,
        observation_end: pd.Timestamp,
        *,
        freq: str,
        freq_multiplier: float,
    ) -> pd.DataFrame:
        """The calibration summary and holdout purchases of every customer (the columns of
        :func:`crm_analytics.summary.calibration_holdout_split`, which checks the dates and
        calls this)."""
        date = nw.col(DATE)
        calibration_period_end = period_of(calibration_end, freq)
        implementation = self._frame.implementation
        calibration = _summarise(
            self._frame.filter(date <= nw.lit(calibration_end)).with_columns(
                period(date, freq, implementation)
            ),
            has_amount=self.has_amount,
            has_orders=False,
            multiplier=freq_multiplier,
            end_period=calibration_period_end,
        )
        holdout_rows = self._frame.filter(
            (date > nw.lit(calibration_end)) & (date <= nw.lit(observation_end))
        )
        if count(holdout_rows) == 0:
            raise DataValidationError(
                f"transactions: no transaction between calibration_end {calibration_end} and "
                f"observation_end {observation_end}; choose an earlier calibration_end or a "
                "later observation_end"
            )
        holdout_values = [nw.col("period").n_unique().alias("frequency_holdout")]
        if self.has_amount:
            holdout_values.append(nw.col(AMOUNT).mean().alias("monetary_value_holdout"))
        holdout = (
            holdout_rows.with_columns(period(date, freq, implementation))
            .group_by(CUSTOMER_ID)
            .agg(*holdout_values)
            .with_columns(nw.col("frequency_holdout").cast(nw.Float64))
        )
        names = ["frequency", "recency", "T"] + (["monetary_value"] if self.has_amount else [])
        combined = calibration.select(
            CUSTOMER_ID, *[nw.col(name).alias(f"{name}_cal") for name in names]
        ).join(holdout, on=CUSTOMER_ID, how="left")
        result = to_pandas(combined, index=CUSTOMER_ID).fillna(0.0)
        result["duration_holdout"] = (
            period_of(observation_end, freq) - calibration_period_end
        ) / freq_multiplier
        return result

    def customer_days(self, *, after: int | None = None, until: int) -> pd.DataFrame:
        """First and last purchase day (day numbers) of each customer within ``(after, until]``.

        Day numbers count days since 1970-01-01 (:func:`crm_analytics._dates.day_number`);
        ``after=None`` starts with the log. Returns a frame indexed by ``customer_id``
        (sorted) with ``first`` and ``last``.
        """
        day = nw.col(_DAY)
        inside = day <= until if after is None else (day > after) & (day <= until)
        result = (
            self._days()
            .filter(inside)
            .group_by(CUSTOMER_ID)
            .agg(day.min().alias("first"), day.max().alias("last"))
        )
        return to_pandas(result, index=CUSTOMER_ID)

    def buyers(self, *, after: int | None = None, until: int) -> pd.Index:
        """Sorted ids of the customers with a purchase on a day in ``(after, until]``."""
        day = nw.col(_DAY)
        inside = day <= until if after is None else (day > after) & (day <= until)
        ids = self._days().filter(inside).select(CUSTOMER_ID).unique()
        return to_pandas(ids, index=CUSTOMER_ID).index

    def recent_returns(self, *, until: int, gap_days: float, within_days: float) -> pd.Index:
        """Customers who came back after a lapse: their latest purchase day that follows a gap
        of more than ``gap_days`` lies within ``within_days`` before day ``until`` (day
        numbers; purchases after ``until`` are left out). Sorted ids."""
        day = nw.col(_DAY)
        days = self._days().filter(day <= until).select(CUSTOMER_ID, _DAY).unique()
        gap = day - day.shift(1).over(CUSTOMER_ID, order_by=_DAY)
        returns = (
            days.with_columns(gap.alias("gap"))
            .filter(nw.col("gap") > gap_days)
            .group_by(CUSTOMER_ID)
            .agg(day.max().alias("latest"))
            .filter(until - nw.col("latest") <= within_days)
            .select(CUSTOMER_ID)
        )
        return to_pandas(returns, index=CUSTOMER_ID).index

    def activity(self, *, until: int, windows: Sequence[int]) -> pd.DataFrame:
        """Per-customer whole-number sums behind the churn features' activity windows, their
        trends, the rhythm of purchases and basket diversity, as of day number ``until``.

        For each window ``w``: orders and spend (in millionths) in the last ``w`` days up to
        ``until`` (``orders_last_w``, ``spend_last_w``) and the ``w`` days before those
        (``orders_previous_w``, ``spend_previous_w``); ``gaps``, ``gap_sum`` and
        ``gap_squares`` of the days between distinct purchase days; ``n_products`` when the
        log has products. Every aggregation is elementary so that every engine runs it, and
        every sum is a sum of whole numbers, so that every engine, at every run, gets the same
        bits whatever order it adds its rows in. Indexed by ``customer_id``, sorted.
        """
        day = nw.col(_DAY)
        lines = self._days().filter(day <= until)
        # Without order ids every line is an order.
        orders = lines.group_by(CUSTOMER_ID, ORDER_ID).agg(day.min()) if self.has_orders else lines
        order_spans = _spans(nw.lit(1), "orders", until, windows)
        per_customer = (
            orders.with_columns(*order_spans.values())
            .group_by(CUSTOMER_ID)
            .agg(*[nw.col(name).sum() for name in order_spans])
        )
        spend_spans = _spans(nw.col("spend"), "spend", until, windows)
        gap = nw.col("gap")
        spend = money(nw.col(AMOUNT)) if self.has_amount else nw.lit(0.0)
        purchase_days = (
            lines.group_by(CUSTOMER_ID, _DAY)
            .agg(spend.sum().alias("spend"))
            .with_columns(
                *spend_spans.values(), day.diff().over(CUSTOMER_ID, order_by=_DAY).alias("gap")
            )
            .group_by(CUSTOMER_ID)
            .agg(
                *[nw.col(name).sum() for name in spend_spans],
                gap.count().alias("gaps"),
                gap.sum().alias("gap_sum"),
                (gap * gap).sum().alias("gap_squares"),
            )
        )
        per_customer = per_customer.join(purchase_days, on=CUSTOMER_ID)
        if self.has_products:
            products = lines.group_by(CUSTOMER_ID).agg(
                nw.col(PRODUCT).n_unique().alias("n_products")
            )
            per_customer = per_customer.join(products, on=CUSTOMER_ID)
        sums = [name for name in per_customer.collect_schema() if name != CUSTOMER_ID]
        result = per_customer.select(CUSTOMER_ID, *[nw.col(name).cast(nw.Int64) for name in sums])
        return to_pandas(result, index=CUSTOMER_ID)

    def _days(self) -> nw.LazyFrame:
        """The log with ``day``, each line's day number; worked out once for a log in memory."""
        if self._with_days is not None:
            return self._with_days
        frame = self._frame.with_columns(
            period(nw.col(DATE), "D", self._frame.implementation).alias(_DAY)
        )
        if self._in_memory:
            frame = collect(frame).lazy()
            self._with_days = frame
        return frame


def as_log(transactions: Any, **columns: Hashable | None) -> TransactionLog:
    """``transactions`` as a :class:`TransactionLog`: a log as it is, a frame checked once.

    ``columns`` are :meth:`TransactionLog.from_frame`'s column names.

    Examples
    --------
    >>> log = as_log(pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2024-01-01"])}))
    >>> as_log(log) is log
    True
    """
    if isinstance(transactions, TransactionLog):
        return transactions
    return TransactionLog.from_frame(transactions, **columns)


def _check_values(
    frame: nw.LazyFrame, present: dict[str, Hashable], labels: dict[str, str]
) -> tuple[Any, Any]:
    """One pass over the log: rows, missing and non-finite values; its first and last date."""
    required = [key for key in (CUSTOMER_ID, DATE, AMOUNT) if key in present]
    amount_type = frame.collect_schema().get(AMOUNT)
    checks = [nw.len().alias("rows"), *[nw.col(key).null_count().alias(key) for key in required]]
    if amount_type is not None and amount_type.is_float():
        amount = nw.col(AMOUNT)
        checks += [
            amount.is_nan().cast(nw.Int64).sum().alias("nan"),
            (amount.abs() == float("inf")).cast(nw.Int64).sum().alias("infinite"),
        ]
    checks += [nw.col(DATE).min().alias("first"), nw.col(DATE).max().alias("last")]
    counts = collect(frame.select(*checks)).rows(named=True)[0]
    rows = counts["rows"]
    if rows == 0:
        raise DataValidationError(
            "transactions is empty (0 rows); pass a log with at least one purchase "
            "(check the filters applied before this call)"
        )
    if counts.get("infinite"):
        raise DataValidationError(
            f"transactions: column {present[AMOUNT]!r} {labels[AMOUNT]}has "
            f"{counts['infinite']:,} "
            f"infinite value(s) out of {rows:,} rows; drop or fix those rows first"
        )
    if AMOUNT in counts:
        counts[AMOUNT] += counts.get("nan") or 0
    for key in required:
        if counts[key]:
            fix = (
                " (read_transactions drops rows without a customer id and reports them)"
                if key == CUSTOMER_ID
                else ""
            )
            raise DataValidationError(
                f"transactions: column {present[key]!r} {labels[key]}has {counts[key]:,} missing "
                f"value(s) out of {rows:,} rows; drop or fill those rows first{fix}"
            )
    logger.debug("log: checked %d rows", rows)
    return pd.Timestamp(counts["first"]), pd.Timestamp(counts["last"])


def _canonical_pandas(frame: pd.DataFrame, present: dict[str, Hashable]) -> pd.DataFrame:
    """The pandas frame a log was checked from, with canonical names and wall-clock dates."""
    renamed = frame[[present[key] for key in _CANONICAL if key in present]]
    renamed.columns = [key for key in _CANONICAL if key in present]
    dates = renamed[DATE]
    if getattr(dates.dtype, "tz", None) is not None:
        renamed = renamed.assign(**{DATE: dates.dt.tz_localize(None)})
    return renamed


def _summarise(
    frame: nw.LazyFrame,
    *,
    has_amount: bool,
    has_orders: bool,
    multiplier: float,
    end_period: int,
) -> nw.LazyFrame:
    """Per-customer frequency, recency, T, monetary value and descriptive columns.

    ``frame`` holds a ``period`` column (see :func:`crm_analytics._engines.period`);
    ``end_period`` is the period of the observation end. One pass over the log groups it by
    customer and period; everything else works on that much smaller table. The aggregations
    are elementary so that every engine runs them, but for the first period's spend, which
    the engines that have ordered aggregates take in the customer group-by.
    """
    period_column, spend = nw.col("period"), nw.col("spend")
    if has_amount:
        frame = frame.with_columns(money(nw.col(AMOUNT)).alias(_MONEY_COLUMN))
    per_period = _per_period(frame, has_amount=has_amount, has_orders=has_orders)
    # The first period's spend is left out of monetary_value, as in lifetimes.
    spends = []
    if has_amount and frame.implementation in _ORDERED_AGGREGATES:
        # An ordered aggregate inside the customer group-by costs a sixth to a third less
        # than a window over the customers' periods.
        spends = [(spend.sum() - spend.first(order_by="period")).alias("repeat")]
    elif has_amount:
        first_period = period_column.min().over(CUSTOMER_ID)
        per_period = per_period.with_columns(
            nw.when(period_column > first_period).then(spend).otherwise(0).alias("repeat")
        )
        spends = [nw.col("repeat").sum()]
    customers = per_period.group_by(CUSTOMER_ID).agg(
        period_column.min().alias("first_period"),
        period_column.max().alias("last_period"),
        nw.len().alias("periods"),
        nw.col("first_purchase").min(),
        nw.col("last_purchase").max(),
        nw.col("n_orders").sum(),
        *([spend.sum().alias("total_amount"), *spends] if has_amount else []),
    )
    first_period = nw.col("first_period")
    frequency = nw.col("periods") - 1
    summary = [
        frequency.cast(nw.Float64).alias("frequency"),
        divide(nw.col("last_period") - first_period, multiplier).alias("recency"),
        divide(end_period - first_period, multiplier).alias("T"),
    ]
    if has_amount:
        summary += [
            nw.when(frequency > 0)
            .then(from_money(nw.col("repeat")) / frequency)
            .otherwise(0.0)
            .alias("monetary_value"),
            from_money(nw.col("total_amount")).alias("total_amount"),
        ]
    return customers.with_columns(*summary).drop(
        "first_period", "last_period", "periods", "repeat", strict=False
    )


def _per_period(frame: nw.LazyFrame, *, has_amount: bool, has_orders: bool) -> nw.LazyFrame:
    """One row per customer and period: first and last purchase, orders and spend.

    Orders are counted per period, as an order id has one date in a canonical log. Polars
    counts the distinct order ids of each group fastest; DuckDB and Spark group the lines by
    order first, which costs them a third less than a distinct count.
    """
    first, last = nw.col(DATE).min(), nw.col(DATE).max()
    spend = [nw.col(_MONEY_COLUMN).sum()] if has_amount else []
    if not has_orders:
        orders = nw.len()
    elif frame.implementation is nw.Implementation.POLARS:
        orders = nw.col(ORDER_ID).n_unique()
    else:
        frame = frame.group_by(CUSTOMER_ID, "period", ORDER_ID).agg(
            first.alias("first_purchase"), last.alias("last_purchase"), *spend
        )
        first, last = nw.col("first_purchase").min(), nw.col("last_purchase").max()
        orders = nw.len()
    return frame.group_by(CUSTOMER_ID, "period").agg(
        first.alias("first_purchase"),
        last.alias("last_purchase"),
        orders.alias("n_orders"),
        *[total.alias("spend") for total in spend],
    )


def _spans(value: nw.Expr, name: str, until: int, windows: Sequence[int]) -> dict[str, nw.Expr]:
    """``value`` where the row's day is in the last ``w`` days up to ``until``, or the ``w``
    days before those, else 0, as columns named ``{name}_last_{w}`` and ``_previous_{w}``."""
    day = nw.col(_DAY)
    spans = {}
    for window in windows:
        for span, (low, high) in {
            "last": (until - window, until),
            "previous": (until - 2 * window, until - window),
        }.items():
            column = f"{name}_{span}_{window}"
            spans[column] = (
                nw.when((day > low) & (day <= high)).then(value).otherwise(0).alias(column)
            )
    return spans
