"""The scoring pipeline on a log larger than memory: the same steps, run where the data lies.

:func:`score_batch` is ``crm-analytics score`` for a Parquet log that does not fit in pandas:
the log is read by :func:`crm_analytics.io.read_transactions` on an engine (the same column
mapping, policies and quality report), taken as of the as-of day, summarised inside the engine
(DuckDB within a memory limit, Polars, Spark), and the steps that run on a summary alone
(:data:`BATCH_STEPS`) are fitted on its distinct rows and score every customer a part at a
time (per partition on Spark), with the code ``score`` runs: the same columns, the same values.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import tempfile
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from crm_analytics._engines import map_partitions, scan_parquet, sink_parquet
from crm_analytics.exceptions import DataValidationError
from crm_analytics.io import read_transactions
from crm_analytics.log import TransactionLog
from crm_analytics.quality import DataQualityReport
from crm_analytics.schema import CUSTOMER_ID
from crm_analytics.scoring import FittedModels, ScoringConfig
from crm_analytics.scoring.models import resolve_as_of
from crm_analytics.scoring.steps import Run
from crm_analytics.scoring.steps.clv import CLVStep

__all__ = ["BATCH_STEPS", "BatchResult", "score_batch"]

logger = logging.getLogger(__name__)

#: The steps a batch run can run: those that score from the summary alone.
BATCH_STEPS = ("clv",)
_STEPS = {"clv": CLVStep()}


@dataclass
class BatchResult:
    """What :func:`score_batch` did: the as-of day, the models, the log's quality report and
    the number of customers scored."""

    as_of: pd.Timestamp
    models: FittedModels
    report: DataQualityReport
    customers: int


def score_batch(
    source: str | PathLike[str],
    output: str | PathLike[str],
    *,
    config: ScoringConfig | None = None,
    engine: str = "duckdb",
    memory_limit: str | None = None,
    chunk_size: int = 2_000_000,
    spark: Any = None,
) -> BatchResult:
    """Read, summarise, fit and score a Parquet transaction log of any size, and write the scores.

    Parameters
    ----------
    source : str or path
        Parquet file, folder or glob of transactions, mapped by ``config.transactions``
        (column names, ``returns``, ``missing_customer_id``... as for ``score``).
    output : str or path
        Where to write one row per customer: ``customer_id``, the
        :func:`~crm_analytics.summary.rfm_summary` columns and the columns of the steps run
        (:data:`BATCH_STEPS`: ``p_alive, expected_purchases, predicted_clv``), in no
        particular order. A Parquet file, or a folder of Parquet files with ``engine="spark"``.
    config : ScoringConfig, optional
        The ``[transactions]`` mapping and policies, and the ``[model]`` terms (as-of date,
        horizon, CLV months, discount rate, margin, transaction model). ``models`` other than
        those of :data:`BATCH_STEPS` are refused.
    engine : {"duckdb", "polars", "spark"}, default "duckdb"
        Where the log is read and summarised (see :func:`crm_analytics.scale.scan_parquet`).
    memory_limit : str, optional
        DuckDB's memory limit, such as ``"2GB"``.
    chunk_size : int, default 2,000,000
        Customers scored and written at a time, off Spark. The summary itself goes through a
        temporary Parquet file, so the job's memory is the engine's (``memory_limit``) plus
        one chunk's, however many customers there are.
    spark : pyspark.sql.SparkSession, optional
        The session for ``engine="spark"``.

    Returns
    -------
    BatchResult

    Raises
    ------
    DataValidationError
        When no Parquet file matches ``source``, a column is missing or of the wrong type, a
        policy refuses rows, or ``models`` asks for a step batch cannot run.

    Examples
    --------
    >>> from crm_analytics.datasets import make_transactions
    >>> folder = Path(tempfile.mkdtemp())
    >>> make_transactions(2_000, seed=1)[0].to_parquet(folder / "log.parquet")
    >>> config = ScoringConfig.from_dict(
    ...     {"transactions": {"order_id": "order_id"}, "model": {"models": ["clv"]}})
    >>> result = score_batch(folder / "log.parquet", folder / "scores.parquet", config=config)
    >>> scores = pq.read_table(folder / "scores.parquet").to_pandas()
    >>> len(scores), bool(scores["predicted_clv"].gt(0).all())
    (2000, True)
    """
    config = ScoringConfig() if config is None else config
    settings = config.model
    unsupported = [name for name in settings.models if name not in BATCH_STEPS]
    if unsupported:
        raise DataValidationError(
            f"[model] models {', '.join(map(repr, unsupported))} cannot run in batch, which "
            f"scores from the summary alone ({', '.join(BATCH_STEPS)}); set models = "
            f"{list(BATCH_STEPS)} for batch, or score the log in memory with crm-analytics score"
        )
    reader = config.transactions.reader_arguments()
    for unsupported_option in ("date_format", "dayfirst", "delimiter"):
        reader.pop(unsupported_option)
    log = read_transactions(
        source,
        **reader,
        observation_end=settings.as_of,
        after_observation_end="drop",
        engine=engine,
        memory_limit=memory_limit,
        spark=spark,
    )
    as_of = resolve_as_of(log, settings.as_of)
    snapshot = log.as_of(as_of)
    steps = [_STEPS[name] for name in settings.models]
    if engine == "spark":
        return _score_spark(snapshot, output, steps, settings, as_of)
    with tempfile.TemporaryDirectory(prefix="crm_analytics_") as folder:
        # Written by the engine as it is computed, the summary never has to fit in memory;
        # the fit and the scoring then read it back, the scoring a chunk at a time.
        summary_path = Path(folder) / "summary.parquet"
        sink_parquet(snapshot.summary(native=True), summary_path)
        logger.info("summary written")
        summary = scan_parquet(summary_path, engine=engine, memory_limit=memory_limit)
        models = _fit(steps, summary, settings, as_of, snapshot)
        customers = _score_file(summary_path, output, steps, models, settings, as_of, chunk_size)
    logger.info("scores of %d customers written to %s", customers, output)
    return BatchResult(as_of, models, log.report, customers)


def _fit(
    steps: list[Any], summary: Any, settings: Any, as_of: pd.Timestamp, log: TransactionLog
) -> FittedModels:
    """Every step fitted on the distinct rows of the (engine's) summary."""
    skipped: dict[str, str] = {}
    states = {step.name: step.fit_summary(summary, settings, skipped) for step in steps}
    for name, reason in skipped.items():
        logger.warning("%s not fitted: %s", name.replace("_", " "), reason)
    return FittedModels(
        as_of=as_of,
        model=settings,
        n_customers=0,
        states=states,
        skipped=skipped,
        training_period=(str(log.first_date.date()), str(as_of.date())),
    )


def _score_part(
    part: pd.DataFrame, steps: list[Any], models: FittedModels, settings: Any, as_of: pd.Timestamp
) -> pd.DataFrame:
    """The summary of some customers with the columns of every step, as ``score`` gives them."""
    run = Run(log=None, as_of=as_of, settings=settings, part=part, fitted=dict(models.states))
    columns = [step.score(run, models.states[step.name]) for step in steps]
    return part.join(columns)


def _score_file(
    summary_path: Path,
    output: str | PathLike[str],
    steps: list[Any],
    models: FittedModels,
    settings: Any,
    as_of: pd.Timestamp,
    chunk_size: int,
) -> int:
    """Score the customers of a summary file chunk by chunk, appending them to ``output``."""
    writer = None
    customers = 0
    try:
        for batch in pq.ParquetFile(summary_path).iter_batches(batch_size=chunk_size):
            part = batch.to_pandas().set_index(CUSTOMER_ID)
            scored = _score_part(part, steps, models, settings, as_of)
            table = pa.Table.from_pandas(scored.reset_index(), preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(str(output), table.schema)
            writer.write_table(table)
            customers += len(part)
    finally:
        if writer is not None:
            writer.close()
    models.n_customers = customers
    return customers


def _score_spark(
    log: TransactionLog, output: str | PathLike[str], steps: list[Any], settings: Any, as_of: Any
) -> BatchResult:
    """The batch job on Spark: summary cached in the cluster, scores per partition (each
    executor gets the fitted models once, as part of the function)."""
    summary = log.summary(native=True).cache()
    models = _fit(steps, summary, settings, as_of, log)
    light = _without_data(models)
    columns = [name for step in steps for name in step.output_columns(settings)]

    def score(part: pd.DataFrame) -> pd.DataFrame:
        return _score_part(part.set_index(CUSTOMER_ID), steps, light, settings, as_of).reset_index()

    scores = map_partitions(summary, score, added_columns=columns)
    scores.write.mode("overwrite").parquet(str(output))
    models.n_customers = int(summary.count())
    summary.unpersist()
    return BatchResult(as_of, models, log.report, models.n_customers)


def _without_data(models: FittedModels) -> FittedModels:
    """The models without the data they were fitted on, which scoring never reads and which
    would travel to every executor."""
    states = {}
    for name, state in models.states.items():
        parts = []
        for model in state:
            light = copy.copy(model)
            if light is not None:
                light.data = None
            parts.append(light)
        states[name] = type(state)(*parts)
    return dataclasses.replace(models, states=states)
