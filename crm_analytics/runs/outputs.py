"""The files a scoring run writes, all together or not at all (see ``_atomic.write_files``).

``write_scores`` writes into the output folder:

- ``scores.parquet`` and/or ``scores.csv``: the scored table, one row per customer, sorted
  by ``customer_id``;
- ``quality_report.json`` and ``quality_report.txt``: the data-quality reports of the inputs;
- ``config.toml``: the configuration used, with the as-of date filled in (pass it back with
  ``--config`` to reproduce the run);
- with ``[output] extras`` (the tables of ``knowledge.knowledge_tables``):
  ``cohort_customers.csv`` and ``cohort_retention.csv`` (acquisition cohort × periods since
  first purchase: customers who bought, and their share of the cohort; unobserved cells
  empty) and the heatmap ``cohort_retention.png``; ``loyalty_metrics.csv`` (one row per
  period); ``association_rules.csv`` (antecedents and consequents written "A + B");
  ``recommendations.csv`` (``customer_id, rank, product, score, antecedents``);
- with ``[customers] dedupe_on``: ``dedupe_audit.csv``, the merged records
  (``dedupe.merge_customers``' audit);
- ``run_metadata.json``: the inputs (path, sha256, rows read and kept), the as-of date, the
  models (where from, as-of, parameters, versions), the duplicate records merged, the sha256
  of every file above, and the time each step took.

The customer-knowledge files come with ``score``, not ``report``: they are computed from
the transactions, which ``score`` has read and ``report`` (which reads only the scores) has
not. Files of an earlier run that this run does not write (another format, an extra no longer
asked for) are removed, so the folder always holds one consistent run.

The same inputs and configuration give byte-identical files, except ``run_metadata.json``,
whose ``timings`` differ from run to run (everything else in it is identical too).
``write_report`` writes the ``segment_summary`` tables (CSV) and PNG figures of a run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from crm_analytics._version import library_versions
from crm_analytics.exceptions import DataValidationError
from crm_analytics.plotting.cohorts import plot_cohort_heatmap
from crm_analytics.plotting.scoring import (
    plot_segment_matrix,
    plot_segment_metric,
    plot_segment_shares,
)
from crm_analytics.quality import DataQualityReport
from crm_analytics.runs._atomic import write_files
from crm_analytics.runs.metadata import file_sha256
from crm_analytics.scoring import ScoringConfig, ScoringResult, segment_summary

__all__ = [
    "RUN_METADATA",
    "SEGMENTATIONS",
    "read_scores",
    "write_report",
    "write_scores",
]

SCORES = "scores"
RUN_METADATA = "run_metadata.json"
DEDUPE_AUDIT = "dedupe_audit.csv"
#: The files of the customer-knowledge tables, by table name (see knowledge_tables).
KNOWLEDGE_FILES = {
    "cohort_customers": "cohort_customers.csv",
    "cohort_retention": "cohort_retention.csv",
    "loyalty_metrics": "loyalty_metrics.csv",
    "association_rules": "association_rules.csv",
    "recommendations": "recommendations.csv",
}
_HEATMAP = "cohort_retention.png"
_OPTIONAL_FILES = (
    f"{SCORES}.parquet",
    f"{SCORES}.csv",
    *KNOWLEDGE_FILES.values(),
    _HEATMAP,
    DEDUPE_AUDIT,
)
# Digits of the shares and rates in the knowledge tables.
_DIGITS = 6
#: Segment columns the report slices by, when the scored table has them.
SEGMENTATIONS = ("rfm_segment", "value_tier", "lifecycle_stage", "cluster_name", "risk_tier")


def write_scores(
    directory: str | Path,
    result: ScoringResult,
    *,
    config: ScoringConfig,
    reports: Mapping[str, DataQualityReport],
    inputs: Mapping[str, dict[str, Any]],
    model_source: str,
    knowledge: Mapping[str, pd.DataFrame] | None = None,
    dedupe_audit: pd.DataFrame | None = None,
    timings: Mapping[str, float] | None = None,
) -> list[Path]:
    """Write a scoring run's files into ``directory`` (see the module docstring).

    Parameters
    ----------
    directory : str or pathlib.Path
        Output folder, created when missing.
    result : ScoringResult
        Output of :func:`crm_analytics.scoring.score` (the scored table, as-of date, models,
        timings).
    config : ScoringConfig
        The configuration used (as-of date filled in).
    reports : mapping
        Table name (``"transactions"``, ``"customers"``) to its data-quality report.
    inputs : mapping
        Table name to a description of the input (path, sha256, ...).
    model_source : str
        Where the models came from (a model folder, or "fitted by this run").
    knowledge : mapping, optional
        The tables of ``knowledge.knowledge_tables``.
    dedupe_audit : pandas.DataFrame, optional
        The audit of ``knowledge.merge_duplicate_customers``, when records were merged.
    timings : mapping, optional
        Seconds of the steps before scoring (reading inputs, loading models), listed first.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    scored = result.scores
    models = result.models
    writers: dict[str, Any] = {}
    if "parquet" in config.output.formats:
        writers[f"{SCORES}.parquet"] = lambda path: _write_parquet(scored, path)
    if "csv" in config.output.formats:
        writers[f"{SCORES}.csv"] = lambda path: _write_csv(scored, path)
    writers["quality_report.json"] = lambda path: _write_json(
        {name: report.to_dict() for name, report in reports.items()}, path
    )
    writers["quality_report.txt"] = lambda path: path.write_text(
        "\n\n".join(str(report) for report in reports.values()) + "\n", encoding="utf-8"
    )
    writers["config.toml"] = lambda path: path.write_text(config.to_toml(), encoding="utf-8")
    writers.update(_knowledge_writers(knowledge or {}))
    dedupe = None
    if dedupe_audit is not None:
        writers[DEDUPE_AUDIT] = lambda path: _write_rounded(dedupe_audit, path)
        dedupe = {
            "on": list(config.customers.dedupe_on),
            "threshold": config.customers.dedupe_threshold,
            "records_merged": int((~dedupe_audit["survivor"]).sum()),
            "groups": int(dedupe_audit["survivor"].sum()),
        }
    data_files = list(writers)

    def write_metadata(path: Path) -> None:
        metadata = {
            "as_of": str(result.as_of.date()),
            "customers": len(scored),
            "columns": [str(column) for column in scored.columns],
            "inputs": {
                name: {
                    **inputs.get(name, {}),
                    "rows_read": report.rows_read,
                    "rows_kept": report.rows_kept,
                }
                for name, report in reports.items()
            },
            "models": {
                "source": model_source,
                "as_of": str(models.as_of.date()),
                "training_period": list(models.training_period or ()),
                "fitted": models.fitted(),
                "params": models.params(),
                "versions": library_versions(),
            },
            "dedupe": dedupe,
            "skipped": dict(result.skipped),
            "outputs": {name: file_sha256(path.parent / name) for name in data_files},
            "timings": {**(timings or {}), **result.timings},
        }
        _write_json(metadata, path)

    writers[RUN_METADATA] = write_metadata
    written = write_files(directory, writers)
    # A table in a format or an extra this run did not write is an older run's: remove it so
    # that the folder holds one consistent set.
    for name in _OPTIONAL_FILES:
        if name not in writers:
            (Path(directory) / name).unlink(missing_ok=True)
    return written


def read_scores(directory: str | Path) -> pd.DataFrame:
    """The scored table a run wrote into ``directory`` (Parquet when there, else CSV)."""
    directory = Path(directory)
    parquet, csv = directory / f"{SCORES}.parquet", directory / f"{SCORES}.csv"
    if parquet.is_file():
        return pd.read_parquet(parquet)
    if csv.is_file():
        return pd.read_csv(csv, index_col=0)
    raise DataValidationError(
        f"no scores in {directory} (neither {parquet.name} nor {csv.name}); run "
        f"'crm-analytics score --output-dir {directory}' first"
    )


def write_report(
    directory: str | Path, scored: pd.DataFrame, *, by: Sequence[str] = ()
) -> list[Path]:
    """Segment tables (CSV) and figures (PNG) of a scored table, written into ``directory``.

    For each segmentation present (``SEGMENTATIONS``): ``segments_<segmentation>.csv`` and,
    for each attribute in ``by``, ``segments_<segmentation>_by_<attribute>.csv`` (the
    :func:`segment_summary` tables); figures ``rfm_segments.png`` (shares of customers,
    revenue and CLV), ``churn_risk_by_segment.png``, ``lifecycle_by_value_tier.png``.
    """
    missing = [name for name in by if name not in scored.columns]
    if missing:
        raise DataValidationError(
            f"report_by column(s) {', '.join(map(repr, missing))} not in the scores; columns "
            f"present: {', '.join(map(str, scored.columns))}; list the attribute in the "
            "config's customers.attributes when scoring"
        )
    present = [name for name in SEGMENTATIONS if name in scored.columns]
    writers: dict[str, Any] = {}
    for segmentation in present:
        for extra in [None, *by]:
            keys = [segmentation] if extra is None else [segmentation, extra]
            table = segment_summary(scored, by=keys)
            name = "_by_".join(["segments_" + segmentation, *([extra] if extra else [])])
            writers[f"{name}.csv"] = lambda path, table=table: _write_table(table, path)
    if "rfm_segment" in present:
        table = segment_summary(scored, by="rfm_segment")
        writers["rfm_segments.png"] = lambda path: _figure(plot_segment_shares, path, table)
        if "mean_churn_probability" in table.columns:
            writers["churn_risk_by_segment.png"] = lambda path: _figure(
                plot_segment_metric, path, table, "mean_churn_probability"
            )
    if "lifecycle_stage" in present and "value_tier" in present:
        writers["lifecycle_by_value_tier.png"] = lambda path: _figure(
            plot_segment_matrix, path, scored, "lifecycle_stage", "value_tier"
        )
    return write_files(directory, writers)


def _knowledge_writers(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """File name → writer for each customer-knowledge table (and the retention heatmap)."""
    readable = {
        "cohort_customers": lambda table: table.astype("Int64"),
        "association_rules": lambda table: _readable_sets(table).rename_axis("rule"),
        "recommendations": _readable_sets,
    }
    writers: dict[str, Any] = {}
    for name, table in tables.items():
        table = readable.get(name, lambda frame: frame)(table)
        writers[KNOWLEDGE_FILES[name]] = lambda path, table=table: _write_rounded(table, path)
        if name == "cohort_retention":
            writers[_HEATMAP] = lambda path, table=table: _write_heatmap(table, path)
    return writers


def _readable_sets(table: pd.DataFrame) -> pd.DataFrame:
    """Sets of products (rules' antecedents and consequents) written "A + B", sorted."""
    sets = [column for column in ("antecedents", "consequents") if column in table.columns]
    return table.assign(
        **{
            column: [" + ".join(sorted(map(str, products))) for products in table[column]]
            for column in sets
        }
    )


def _write_rounded(table: pd.DataFrame, path: Path) -> None:
    table.round(_DIGITS).to_csv(path, lineterminator="\n")


def _write_heatmap(table: pd.DataFrame, path: Path) -> None:
    # Larger triangles get a larger figure, and no numbers once cells get too small to read.
    rows, columns = table.shape
    figure, ax = plt.subplots(figsize=(max(6.0, 0.45 * columns + 2), max(4.0, 0.3 * rows + 1.5)))
    plot_cohort_heatmap(table, ax=ax, annotate=rows <= 24 and columns <= 24)
    _save(figure, path)


def _write_parquet(scored: pd.DataFrame, path: Path) -> None:
    scored.to_parquet(path, engine="pyarrow", index=True)


def _write_csv(scored: pd.DataFrame, path: Path) -> None:
    scored.to_csv(path, date_format="%Y-%m-%d %H:%M:%S", lineterminator="\n")


def _write_table(table: pd.DataFrame, path: Path) -> None:
    # Shares and means of probabilities to 4 decimals, money and counts of churners to cents.
    digits = {
        column: 4 if column.endswith("_share") or column.startswith("mean_") else 2
        for column in table.columns
    }
    table.round(digits).to_csv(path, lineterminator="\n")


def _write_json(data: Any, path: Path) -> None:
    path.write_text(
        json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )


def _figure(plot: Any, path: Path, *arguments: Any) -> None:
    _save(plot(*arguments).figure, path)


def _save(figure: Any, path: Path) -> None:
    figure.tight_layout()
    # No creation date or software version in the file: the same run draws the same bytes.
    figure.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(figure)
