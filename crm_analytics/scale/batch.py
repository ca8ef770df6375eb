"""The CLV batch job on a Parquet log of any size: summary, fit, score, write.

One call runs where the data lives: DuckDB (out of core, within a memory limit) or Polars on
one machine, Spark on a cluster. The summary runs in the engine, the models are fitted on
the distinct histories (:func:`~crm_analytics.scale.models.fit_collapsed`) and every
customer is scored (:func:`~crm_analytics.scale.models.clv_scores`, in chunks of
``chunk_size`` customers on one machine, per partition on Spark).
"""

from __future__ import annotations

import logging
import tempfile
from os import PathLike
from pathlib import Path
from typing import Any

import narwhals as nw
import pyarrow as pa
import pyarrow.parquet as pq

from crm_analytics.exceptions import DataValidationError
from crm_analytics.scale.engines import scan_parquet
from crm_analytics.scale.models import clv_scores, fit_collapsed
from crm_analytics.schema import AMOUNT, CUSTOMER_ID
from crm_analytics.summary import rfm_summary

__all__ = ["clv_batch"]

logger = logging.getLogger(__name__)

# rfm_summary's period names, as customer_lifetime_value names the same time units.
_CLV_FREQ = {"D": "D", "W": "W", "h": "H"}


def clv_batch(
    source: str | PathLike[str],
    output: str | PathLike[str],
    *,
    engine: str = "duckdb",
    memory_limit: str | None = None,
    observation_end: Any = None,
    freq: str = "D",
    horizon: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    chunk_size: int = 2_000_000,
    spark: Any = None,
) -> tuple[Any, Any]:
    """Summarise a Parquet transaction log, fit BG/NBD and Gamma-Gamma, score and write.

    Parameters
    ----------
    source : str or path
        Parquet file, folder or glob of canonical transactions (``customer_id, date,
        amount``, optionally ``order_id``).
    output : str or path
        Where to write one row per customer: the :func:`~crm_analytics.summary.rfm_summary`
        columns and :data:`~crm_analytics.scale.models.SCORE_COLUMNS`, in no particular order.
        A Parquet file, or a folder of Parquet files with ``engine="spark"``.
    engine : {"duckdb", "polars", "spark"}, default "duckdb"
        Where the summary and, on Spark, the scoring run (see
        :func:`~crm_analytics.scale.scan_parquet`).
    memory_limit : str, optional
        DuckDB's memory limit, such as ``"2GB"``.
    observation_end : date-like, optional
        The "as of" date; defaults to the last date in the log.
    freq : {"D", "W", "h"}, default "D"
        Time unit of the summary and the models.
    horizon, discount_rate, margin
        As in :func:`~crm_analytics.scale.models.clv_scores`.
    chunk_size : int, default 2,000,000
        Customers scored and written at a time, off Spark. The summary itself goes through a
        temporary Parquet file, so the job's memory is the engine's (``memory_limit``) plus
        one chunk's, however many customers there are.
    spark : pyspark.sql.SparkSession, optional
        The session for ``engine="spark"``.

    Returns
    -------
    (transaction_model, spend_model)
        The fitted BG/NBD and Gamma-Gamma models.

    Raises
    ------
    DataValidationError
        When no Parquet file matches ``source``, or the log lacks a column (``amount``
        included) or has missing values (see :func:`~crm_analytics.summary.rfm_summary`).

    Notes
    -----
    Lines with a negative amount (returns) are left out, as
    :func:`~crm_analytics.io.read_transactions` does by default, and their number is logged
    as a warning: the job does not count a refund as a purchase.

    Examples
    --------
    >>> from crm_analytics.datasets import make_transactions
    >>> folder = Path(tempfile.mkdtemp())
    >>> make_transactions(2_000, seed=1)[0].to_parquet(folder / "log.parquet")
    >>> bgf, ggf = clv_batch(folder / "log.parquet", folder / "scores.parquet", horizon=6)
    >>> scores = pq.read_table(folder / "scores.parquet").to_pandas()
    >>> len(scores), bool(scores["clv"].gt(0).all())
    (2000, True)
    """
    if freq not in _CLV_FREQ:
        raise ValueError(f"freq={freq!r} is not supported here; choose one of D, W, h")
    options = {
        "horizon": horizon,
        "discount_rate": discount_rate,
        "freq": _CLV_FREQ[freq],
        "margin": margin,
    }
    log = scan_parquet(source, engine=engine, memory_limit=memory_limit, spark=spark)
    present = nw.from_native(log).collect_schema().names()
    if AMOUNT not in present:
        raise DataValidationError(
            f"transactions: column {AMOUNT!r} not found in {source}; the CLV job values "
            f"customers by their spend, so every line needs its amount (columns present: "
            f"{', '.join(present)})"
        )
    log = _without_returns(log)
    if engine == "spark":
        from crm_analytics.scale.spark import score_spark

        summary = rfm_summary(log, observation_end=observation_end, freq=freq, native=True)
        summary = summary.cache()
        models = fit_collapsed(summary)
        scores = score_spark(summary, *models, **options)
        summary.join(scores, on=CUSTOMER_ID).write.mode("overwrite").parquet(str(output))
        summary.unpersist()
        return models
    summary = rfm_summary(log, observation_end=observation_end, freq=freq, native=True)
    with tempfile.TemporaryDirectory(prefix="crm_analytics_") as folder:
        # Written by the engine as it is computed, the summary never has to fit in memory;
        # the fit and the scoring then read it back, the scoring a chunk at a time.
        summary_path = Path(folder) / "summary.parquet"
        nw.from_native(summary).sink_parquet(summary_path)
        logger.info("summary written")
        models = fit_collapsed(scan_parquet(summary_path, engine=engine, memory_limit=memory_limit))
        logger.info("fitted %s and %s", models[0].params_.to_dict(), models[1].params_.to_dict())
        _score_file(summary_path, output, models, options, chunk_size=chunk_size)
        logger.info("scores written to %s", output)
    return models


def _without_returns(log: Any) -> Any:
    """The log without its lines of negative amount (returns), as ``read_transactions``
    leaves them out by default, with their number logged: the job does not count a refund as
    a purchase."""
    frame = nw.from_native(log)
    negative = (nw.col(AMOUNT) < 0).cast(nw.Int64).sum().alias("returns")
    returns = int(frame.select(negative).collect().item() or 0)
    if not returns:
        return log
    logger.warning(
        "left out %d line(s) with a negative amount (returns), as read_transactions does by "
        "default; to net them against purchases, read the export with "
        "read_transactions(..., returns='net') and write it to Parquet",
        returns,
    )
    return frame.filter(nw.col(AMOUNT) >= 0).to_native()


def _score_file(
    summary_path: Path,
    output: str | PathLike[str],
    models: tuple[Any, Any],
    options: dict[str, Any],
    *,
    chunk_size: int,
) -> None:
    """Score the customers of a summary file chunk by chunk, appending them to ``output``."""
    writer = None
    try:
        for batch in pq.ParquetFile(summary_path).iter_batches(batch_size=chunk_size):
            chunk = batch.to_pandas().set_index(CUSTOMER_ID)
            scored = chunk.join(clv_scores(chunk, *models, **options))
            table = pa.Table.from_pandas(scored.reset_index(), preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(str(output), table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
