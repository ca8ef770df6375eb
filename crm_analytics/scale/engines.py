"""Open a transaction log lazily: a Parquet dataset in Polars, DuckDB or Spark without loading
it, an in-memory frame in Polars."""

from __future__ import annotations

import glob
import tempfile
from os import PathLike
from pathlib import Path
from typing import Any

import narwhals as nw
import pandas as pd
import polars as pl
import pyarrow as pa

from crm_analytics.exceptions import DataValidationError

__all__ = ["ENGINES", "lazy_log", "parquet_files", "scan_parquet"]

ENGINES = ("duckdb", "polars", "spark")


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
    >>> from crm_analytics.summary import rfm_summary
    >>> rfm_summary(log)[["frequency", "recency", "T", "monetary_value"]]
                 frequency  recency    T  monetary_value
    customer_id
    1                  1.0      4.0  4.0            20.0
    2                  0.0      0.0  2.0             0.0
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


def lazy_log(transactions: Any) -> tuple[nw.LazyFrame, bool]:
    """A transaction log as a narwhals LazyFrame, and whether the log is held in memory.

    In-memory frames (pandas, PyArrow, eager Polars and other eager frames narwhals knows)
    become a Polars LazyFrame: Polars aggregates them several times faster than pandas or
    PyArrow, and the conversion costs a fraction of that. Lazy frames (Polars, DuckDB, Spark)
    stay in their engine, and a path is opened by :func:`scan_parquet` in DuckDB.

    Raises
    ------
    DataValidationError
        When ``transactions`` is not a data frame or a path, or a pandas column mixes types
        (such as numbers and strings), which no engine can hold.

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "b"], "amount": [10.0, 5.0]})
    >>> frame, in_memory = lazy_log(log)
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
