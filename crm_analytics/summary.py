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
run. Both take a :class:`~crm_analytics.log.TransactionLog` (the summary is then the log's own,
computed once per time unit and reused) or any frame, which they check into a log first. The
work is written once in narwhals (in :mod:`crm_analytics.log`): in-memory frames (pandas,
PyArrow, eager Polars) are summarised in Polars, and Polars LazyFrames, DuckDB relations, Spark
DataFrames and Parquet datasets on disk inside their own engine.
"""

from __future__ import annotations

import logging
from typing import Any

import narwhals as nw
import pandas as pd

from crm_analytics._dates import to_timestamp
from crm_analytics._engines import to_pandas
from crm_analytics.exceptions import DataValidationError
from crm_analytics.log import TransactionLog, as_log
from crm_analytics.schema import AMOUNT, CUSTOMER_ID, DATE, ORDER_ID

__all__ = ["calibration_holdout_split", "distinct_rows", "rfm_summary"]

logger = logging.getLogger(__name__)

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
    transactions : TransactionLog, DataFrame or path
        A :class:`~crm_analytics.log.TransactionLog` (from
        :func:`crm_analytics.io.read_transactions`), whose summary is computed once and reused,
        or a canonical log as a pandas, Polars (eager or lazy) or PyArrow table, a DuckDB
        relation or a Spark DataFrame, or the path of a Parquet file, folder or glob,
        summarised out of core by DuckDB (see :func:`crm_analytics.scale.scan_parquet` to
        choose the engine or a memory limit).
    observation_end : date-like, optional
        The "as of" date. Transactions after it are left out. Defaults to the last date in the log.
    freq : {"D", "W", "h", "min", "s"}, default "D"
        Period that dates are truncated to; purchases in the same period count once.
        ``"W"`` is the calendar week (Monday to Sunday, as pandas' ``W-SUN`` periods), so two
        purchases on a Sunday and the next Monday are two periods.
    freq_multiplier : float, default 1
        Divides ``recency`` and ``T``: ``freq="D", freq_multiplier=7`` gives weeks measured
        to the day, the convention of lifetimes, BTYD, BTYDplus and CLVTools (the CDNOW
        tables in weeks are computed this way), unlike the calendar weeks of ``freq="W"``.
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
    log = _log(transactions, customer_id_col, datetime_col, monetary_value_col, order_id_col)
    return log.summary(
        freq=freq, freq_multiplier=freq_multiplier, observation_end=observation_end, native=native
    )


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
    log = _log(transactions, customer_id_col, datetime_col, monetary_value_col, None)
    observation_end = (
        log.last_date
        if observation_end is None
        else to_timestamp(observation_end, name="observation_end")
    )
    calibration_end = to_timestamp(calibration_end, name="calibration_end")
    if calibration_end >= observation_end:
        raise DataValidationError(
            f"calibration_end {calibration_end} is not before observation_end {observation_end}; "
            "choose a calibration_end inside the log so that a holdout period remains"
        )
    if observation_end < log.first_date.normalize():
        raise DataValidationError(
            f"observation_end {observation_end} is before the first purchase in the log "
            f"({log.first_date}); choose a date between {log.first_date} and {log.last_date}"
        )
    result = log.calibration_holdout(
        calibration_end, observation_end, freq=freq, freq_multiplier=freq_multiplier
    )
    return result[[column for column in _HOLDOUT_COLUMNS if column in result.columns]]


def _log(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None,
    order_id_col: str | None,
) -> TransactionLog:
    """A log as it is; a frame checked into a log with the summaries' column names."""
    if isinstance(transactions, TransactionLog):
        return transactions
    return as_log(
        transactions,
        customer_id=customer_id_col,
        date=datetime_col,
        amount=monetary_value_col,
        order_id=order_id_col,
        product=None,
        quantity=None,
        argument_names={
            "customer_id": "customer_id_col",
            "date": "datetime_col",
            "amount": "monetary_value_col",
            "order_id": "order_id_col",
        },
    )


def distinct_rows(summary: Any, columns: list[str], *, positive: str | None = None) -> pd.DataFrame:
    """The distinct rows of some columns of a summary, with how many customers share each.

    The BG/NBD family and Gamma-Gamma likelihoods depend only on the distinct histories, so
    tens of millions of customers reduce to a few hundred thousand weighted rows; the group-by
    runs in the summary's engine (a pandas summary, or ``rfm_summary(..., native=True)`` in
    Polars, DuckDB or Spark), and only the distinct rows reach pandas.

    Parameters
    ----------
    summary : DataFrame
        A per-customer summary, pandas or engine-native.
    columns : list of str
        The columns to group by, e.g. ``["frequency", "recency", "T"]``.
    positive : str, optional
        Keep only the customers whose ``positive`` column and ``frequency`` are above 0 (the
        repeat buyers with spend, for Gamma-Gamma).

    Returns
    -------
    pandas.DataFrame
        ``columns`` and ``weight`` (customers), sorted by ``columns``.

    Examples
    --------
    >>> summary = pd.DataFrame({"frequency": [1.0, 1.0, 0.0], "recency": [3.0, 3.0, 0.0],
    ...                         "T": [9.0, 9.0, 4.0]})
    >>> distinct_rows(summary, ["frequency", "recency", "T"])
       frequency  recency    T  weight
    0        0.0      0.0  4.0       1
    1        1.0      3.0  9.0       2
    """
    needed = list(dict.fromkeys([*columns, *(["frequency", positive] if positive else [])]))
    if isinstance(summary, pd.DataFrame):
        summary = summary.reset_index(drop=True)[needed]
    frame = nw.from_native(summary).lazy()
    if positive is not None:
        frame = frame.filter((nw.col("frequency") > 0) & (nw.col(positive) > 0))
    counts = frame.group_by(*columns).agg(nw.len().alias("weight")).sort(*columns)
    return to_pandas(counts).reset_index(drop=True)
