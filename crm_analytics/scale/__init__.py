"""Running the library where the data lives: Parquet datasets out of core, DuckDB and Spark.

:func:`scan_parquet` opens a Parquet log lazily in the engine of choice, and
:func:`crm_analytics.io.read_transactions` with ``engine=`` reads one with its column mapping
and policies; the summaries then run inside that engine. :func:`score_batch` is the scoring
pipeline on such a log: the same steps and columns as ``score``, a part at a time.
"""

from __future__ import annotations

from crm_analytics._engines import ENGINES, scan_parquet
from crm_analytics.scale.batch import BATCH_STEPS, BatchResult, score_batch

__all__ = ["BATCH_STEPS", "ENGINES", "BatchResult", "scan_parquet", "score_batch"]
