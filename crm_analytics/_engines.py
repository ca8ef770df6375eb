"""The engine boundary: the one place that talks to narwhals, Polars, DuckDB and Spark.

Everything above it (the transaction log, the summaries, the models, scoring) works on a
:class:`crm_analytics.log.TransactionLog` or on pandas tables; only :mod:`crm_analytics.log`
and :mod:`crm_analytics.summary` build queries, with what is here:

- opening a log lazily: a Parquet dataset in Polars, DuckDB or Spark without loading it
  (:func:`scan_parquet`), an in-memory frame in Polars (:func:`lazy_frame`, where the one
  conversion from pandas happens);
- running queries: :func:`collect` (Polars in its streaming engine, bounded memory) and
  :func:`to_pandas` for per-customer results;
- the primitives every engine computes identically: calendar periods (:func:`period`,
  :func:`period_of`) and exact sums of money (:func:`money`, :func:`from_money`,
  :func:`divide`).
"""

from __future__ import annotations

import glob
import logging
import tempfile
from os import PathLike
from pathlib import Path
from typing import Any

import narwhals as nw
import pandas as pd
import polars as pl
import pyarrow as pa

from crm_analytics.exceptions import DataValidationError

__all__ = [
    "ENGINES",
    "MONEY_UNITS",
    "collect",
    "count",
    "divide",
    "from_money",
    "lazy_frame",
    "map_partitions",
    "money",
    "parquet_files",
    "period",
    "period_of",
    "period_size",
    "scan_parquet",
    "sink_parquet",
    "to_pandas",
]

logger = logging.getLogger(__name__)

ENGINES = ("duckdb", "polars", "spark")

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
#: Money is summed in whole millionths of the currency unit (see :func:`money`).
MONEY_UNITS = 1_000_000


def scan_parquet(
    source: str | PathLike[str],
    *,
    engine: str = "duckdb",
    memory_limit: str | None = None,
    spark: Any = None,
) -> Any:
    """A lazy frame over a Parquet file, a folder of Parquet files or a glob.

    Nothing is read until a summary runs on it, and the summaries in
    :mod:`crm_analytics.summary` then run inside the engine: DuckDB within ``memory_limit``,
    spilling to a temporary folder beyond it (the one engine here whose memory stays bounded
    however many customers the log holds), Polars in its streaming engine (fast, but its
    group-by state grows with the number of customers), Spark on its cluster.

    Parameters
    ----------
    source : str or path
        A ``.parquet`` file, a folder holding ``.parquet`` files (at any depth; partition
        folders' values are not read as columns) or a glob such as ``"logs/2024-*.parquet"``.
        Spark reads timestamps in micro- or milliseconds only: write them with
        ``DataFrame.to_parquet(..., coerce_timestamps="us")``.
    engine : {"duckdb", "polars", "spark"}, default "duckdb"
        The engine that will run the queries.
    memory_limit : str, optional
        DuckDB only: the most memory the queries may use, such as ``"2GB"``; beyond it DuckDB
        spills to disk. Defaults to DuckDB's own limit (80% of the machine's memory).
    spark : pyspark.sql.SparkSession, optional
        Spark only: the session to read with; defaults to the active one (or a new local one).

    Returns
    -------
    polars.LazyFrame, duckdb.DuckDBPyRelation or pyspark.sql.DataFrame
        The engine's own lazy frame, which :func:`crm_analytics.summary.rfm_summary` and
        :func:`crm_analytics.summary.calibration_holdout_split` accept.

    Raises
    ------
    DataValidationError
        When no Parquet file matches ``source``.
    ValueError
        When ``engine`` is not one of :data:`ENGINES`.

    Examples
    --------
    >>> import pandas as pd
    >>> folder = Path(tempfile.mkdtemp())
    >>> pd.DataFrame({
    ...     "customer_id": [1, 1, 2],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-03"]),
    ...     "amount": [10.0, 20.0, 5.0],
    ... }).to_parquet(folder / "part-0.parquet")
    >>> log = scan_parquet(folder, engine="duckdb", memory_limit="1GB")
    >>> collect(nw.from_native(log).select(nw.len())).item()
    3
    """
    if engine not in ENGINES:
        raise ValueError(f"engine={engine!r} is not supported; choose one of {', '.join(ENGINES)}")
    files = parquet_files(source)
    if engine == "polars":
        frame = pl.scan_parquet(files)
        try:
            frame.collect_schema()
        except pl.exceptions.PolarsError as error:
            raise _not_parquet(source, error) from None
        return frame
    if engine == "duckdb":
        import duckdb

        config = {
            "temp_directory": str(Path(tempfile.gettempdir()) / "crm_analytics_duckdb"),
            # The summary is sorted at the end: no operator needs to keep the input order.
            "preserve_insertion_order": False,
        }
        if memory_limit is not None:
            config["memory_limit"] = memory_limit
        try:
            connection = duckdb.connect(config=config)
        except duckdb.Error as error:
            raise DataValidationError(
                f"memory_limit={memory_limit!r} is not a size DuckDB reads ({error}); write it "
                "as a number and a unit, such as '2GB' or '500MB'"
            ) from None
        try:
            return connection.read_parquet(files)
        except duckdb.Error as error:
            raise _not_parquet(source, error) from None
    if spark is None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as error:
            raise ImportError(
                "engine='spark' needs PySpark: pip install 'crm-analytics[spark]'"
            ) from error

        spark = SparkSession.builder.getOrCreate()
    return spark.read.parquet(*files)


def _not_parquet(source: str | PathLike[str], error: Exception) -> DataValidationError:
    return DataValidationError(
        f"could not read {str(source)!r} as Parquet ({error}); the engines read Parquet "
        "datasets: convert a CSV or Excel export first, e.g. "
        "crm_analytics.read_transactions(path, ...).to_parquet('log.parquet')"
    )


def parquet_files(source: str | PathLike[str]) -> list[str]:
    """The Parquet files that ``source`` (a file, a folder or a glob) names, sorted.

    Raises
    ------
    DataValidationError
        When ``source`` names no Parquet file.

    Examples
    --------
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("b.parquet", "a.parquet", "notes.txt"):
    ...     _ = (folder / name).write_bytes(b"")
    >>> [Path(file).name for file in parquet_files(folder)]
    ['a.parquet', 'b.parquet']
    """
    path = Path(source)
    if path.is_dir():
        files = sorted(str(file) for file in path.rglob("*.parquet"))
    elif path.is_file():
        files = [str(path)]
    else:
        files = sorted(glob.glob(str(source), recursive=True))
    if not files:
        raise DataValidationError(
            f"no Parquet file at {str(source)!r}; pass a .parquet file, a folder of .parquet "
            "files or a glob such as 'logs/*.parquet'"
        )
    return files


def lazy_frame(transactions: Any) -> tuple[nw.LazyFrame, bool]:
    """A log as a narwhals LazyFrame, and whether the log is held in memory.

    In-memory frames (pandas, PyArrow, eager Polars and other eager frames narwhals knows)
    become a Polars LazyFrame: Polars aggregates them several times faster than pandas or
    PyArrow, and the conversion costs a fraction of that (it is logged at DEBUG level, so that
    a run can show it happens once). Lazy frames (Polars, DuckDB, Spark) stay in their engine,
    and a path is opened by :func:`scan_parquet` in DuckDB.

    Raises
    ------
    DataValidationError
        When ``transactions`` is not a data frame or a path, or a pandas column mixes types
        (such as numbers and strings), which no engine can hold.

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "b"], "amount": [10.0, 5.0]})
    >>> frame, in_memory = lazy_frame(log)
    >>> frame.implementation, in_memory
    (<Implementation.POLARS: 'polars'>, True)
    """
    if isinstance(transactions, (str, PathLike)):
        return nw.from_native(scan_parquet(transactions)), False
    if isinstance(transactions, pd.DataFrame):
        transactions = _polars_from_pandas(transactions)
    try:
        frame = nw.from_native(transactions)
    except TypeError as error:
        raise DataValidationError(
            "transactions must be a data frame (pandas, Polars, PyArrow, DuckDB, Spark) or the "
            f"path of a Parquet dataset, got {type(transactions).__name__}; load it with "
            "crm_analytics.io.read_transactions"
        ) from error
    if isinstance(frame, nw.DataFrame):
        return frame.lazy(backend="polars"), True
    return frame, False


def _polars_from_pandas(frame: pd.DataFrame) -> pl.DataFrame:
    """A pandas log as Polars, with a clear error naming a column that mixes types."""
    logger.debug("engine: converting %d pandas rows to Polars", len(frame))
    try:
        return pl.from_pandas(frame, rechunk=False)
    except (pa.ArrowException, pl.exceptions.PolarsError) as error:
        for column in frame.columns:
            types = frame[column].dropna().map(lambda value: type(value).__name__)
            counts = types.value_counts()
            if len(counts) > 1:
                listed = ", ".join(f"{count:,} {name}" for name, count in counts.items())
                raise DataValidationError(
                    f"transactions: column {column!r} mixes types ({listed} values out of "
                    f"{len(frame):,} rows); cast it to one type first, e.g. "
                    f"transactions[{column!r}].astype(str)"
                ) from error
        raise DataValidationError(
            f"transactions: a column could not be converted ({error}); cast each column to "
            "one type first, e.g. transactions['customer_id'].astype(str)"
        ) from error


def collect(frame: nw.LazyFrame) -> nw.DataFrame:
    """Run a query; Polars runs it in its streaming engine, in bounded memory."""
    if frame.implementation is nw.Implementation.POLARS:
        return frame.collect(engine="streaming")
    return frame.collect()


def count(frame: nw.LazyFrame) -> int:
    """Rows of a lazy frame."""
    return int(collect(frame.select(nw.len())).item())


def to_pandas(frame: nw.LazyFrame, *, index: str | None = None) -> pd.DataFrame:
    """Collect a (per-customer) lazy result into pandas, the same way for every engine.

    With ``index``, the rows are sorted by that column (in the engine) and it becomes the
    index. The conversion frees Arrow's copy column by column, so numbers and dates are not
    copied: peak memory stays at one copy of the (possibly large) result.
    """
    if index is not None:
        frame = frame.sort(index)
    table = collect(frame).to_arrow()
    result = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    return result if index is None else result.set_index(index)


def sink_parquet(frame: Any, path: str | PathLike[str]) -> None:
    """Write a lazy frame (Polars, DuckDB) to a Parquet file as it is computed, so that the
    result never has to fit in memory."""
    nw.from_native(frame).sink_parquet(path)


def map_partitions(frame: Any, function: Any, *, added_columns: list[str]) -> Any:
    """A Spark DataFrame with ``function`` (pandas in, pandas out) applied to each partition
    where it lies; ``function`` keeps the columns it is given and adds ``added_columns``, as
    doubles. The function is shipped to the executors with what it holds."""

    def apply(parts: Any) -> Any:
        for part in parts:
            yield function(part)

    schema = ", ".join(
        [
            *(f"`{field.name}` {field.dataType.simpleString()}" for field in frame.schema.fields),
            *(f"`{name}` double" for name in added_columns),
        ]
    )
    return frame.mapInPandas(apply, schema)


def period(date: nw.Expr, freq: str, implementation: nw.Implementation | None = None) -> nw.Expr:
    """Number of the period (of length ``freq``) that each date falls in, as column ``period``.

    Built from calendar fields with integer arithmetic, the one way every engine (Spark
    included, which has no duration arithmetic in narwhals) numbers dates identically. Polars
    divides the microseconds since 1970 instead, as :func:`period_of` does, which gives the
    same numbers ten times faster: pass the frame's ``implementation`` to allow it. Days are
    numbered from 1970-01-01 as :func:`crm_analytics._dates.day_number` numbers them.
    """
    size = period_size(freq)
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
    number = day * 24 + date.dt.hour()
    if freq != "h":
        number = number * 60 + date.dt.minute()
    if freq == "s":
        number = number * 60 + date.dt.second()
    return number.alias("period")


def period_of(timestamp: pd.Timestamp, freq: str) -> int:
    """Number of the period holding ``timestamp``, as :func:`period` numbers them.

    Examples
    --------
    >>> period_of(pd.Timestamp("1970-01-02 12:00"), "D"), period_of(pd.Timestamp("1970-01-05"), "W")
    (1, 1)
    """
    microseconds = (timestamp - _EPOCH) // pd.Timedelta(microseconds=1)
    return (microseconds + (_WEEK_OFFSET if freq == "W" else 0)) // period_size(freq)


def period_size(freq: str) -> int:
    """Microseconds in one period of ``freq``; a clear error for an unsupported ``freq``."""
    if freq not in _MICROSECONDS:
        raise DataValidationError(
            f"freq={freq!r} is not supported; choose one of {', '.join(_MICROSECONDS)}"
        )
    return _MICROSECONDS[freq]


def money(amount: nw.Expr) -> nw.Expr:
    """Amounts in whole millionths, so that sums are exact and the same in any order.

    Engines add float columns in an order that varies from run to run (parallel partial sums,
    hash order of groups), which changes float sums in their last bits; sums of whole numbers
    do not change, so the same log gives the same summary, bit for bit. The whole numbers stay
    floats, which add them exactly up to 2**53 millionths (9 billion currency units a
    customer): integers would be summed in 128 bits by DuckDB, a quarter slower in all.
    """
    return (amount * MONEY_UNITS).round(0)


def from_money(millionths: nw.Expr) -> nw.Expr:
    """Whole millionths back to currency units, as the float nearest the exact value."""
    return divide(millionths, MONEY_UNITS)


def divide(numerator: nw.Expr, constant: float) -> nw.Expr:
    """``numerator / constant``, correctly rounded in every engine.

    Polars divides by a constant by multiplying with its reciprocal, which is inexact (it
    turns 66,260,000 / 1e6 into 66.25999999999999 and 10 / 7 into 1.4285714285714284, not
    the nearest float 1.4285714285714286); dividing by a column, it divides exactly, as the
    other engines do. So the constant is made a column: every engine then gives the same
    bits, and the numbers numpy (and lifetimes) give.
    """
    return numerator / (numerator * 0 + constant)
