"""Running the library where the data lives: Parquet datasets out of core, DuckDB and Spark.

:func:`scan_parquet` opens a Parquet log lazily in the engine of choice; the summaries in
:mod:`crm_analytics.summary` then run inside that engine. Distributed scoring on Spark is in
:mod:`crm_analytics.scale.spark` (imported on demand, as it needs pyspark).
"""

from __future__ import annotations

from crm_analytics.scale.engines import ENGINES, scan_parquet

__all__ = ["ENGINES", "scan_parquet"]
