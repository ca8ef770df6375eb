"""Parquet datasets on disk: summaries run lazily in Polars and DuckDB, equal to the pandas path."""

from __future__ import annotations

from pathlib import Path

import duckdb
import narwhals as nw
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from crm_analytics._engines import lazy_frame
from crm_analytics.clv.scores import CLV_COLUMNS
from crm_analytics.datasets import make_transactions
from crm_analytics.exceptions import DataValidationError
from crm_analytics.io import read_transactions
from crm_analytics.scale import scan_parquet, score_batch
from crm_analytics.scoring import ScoringConfig, score
from crm_analytics.summary import calibration_holdout_split, rfm_summary


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    transactions, _ = make_transactions(400, seed=3)
    return transactions[["customer_id", "date", "amount", "order_id"]]


@pytest.fixture(scope="module")
def dataset(log: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The log cut into three Parquet files in nested folders, rows shuffled across them."""
    folder = tmp_path_factory.mktemp("log")
    order = np.random.default_rng(0).permutation(len(log))
    for part, rows in enumerate(np.array_split(order, 3)):
        (folder / f"month={part}").mkdir()
        log.iloc[rows].to_parquet(folder / f"month={part}" / f"part-{part}.parquet")
    return folder


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_summary_of_a_parquet_dataset_equals_the_pandas_path(
    log: pd.DataFrame, dataset: Path, engine: str
) -> None:
    expected = rfm_summary(log, observation_end="2025-01-31", freq="W")
    source = scan_parquet(dataset, engine=engine, memory_limit="256MB")
    result = rfm_summary(source, observation_end="2025-01-31", freq="W")
    pd.testing.assert_frame_equal(result, expected, check_dtype=False)


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_split_of_a_parquet_dataset_equals_the_pandas_path(
    log: pd.DataFrame, dataset: Path, engine: str
) -> None:
    expected = calibration_holdout_split(log, "2024-09-30", "2025-06-29")
    source = scan_parquet(dataset, engine=engine)
    result = calibration_holdout_split(source, "2024-09-30", "2025-06-29")
    pd.testing.assert_frame_equal(result, expected, check_dtype=False)


def test_a_path_or_glob_is_scanned_with_duckdb(log: pd.DataFrame, dataset: Path) -> None:
    expected = rfm_summary(log)
    pd.testing.assert_frame_equal(rfm_summary(dataset), expected, check_dtype=False)
    glob_result = rfm_summary(str(dataset / "month=*" / "*.parquet"))
    pd.testing.assert_frame_equal(glob_result, expected, check_dtype=False)


def test_a_single_file(log: pd.DataFrame, tmp_path: Path) -> None:
    log.to_parquet(tmp_path / "log.parquet")
    expected = rfm_summary(log)
    pd.testing.assert_frame_equal(
        rfm_summary(tmp_path / "log.parquet"), expected, check_dtype=False
    )


@pytest.mark.parametrize(
    "convert",
    [lambda log: log, pl.from_pandas, pa.Table.from_pandas],
    ids=["pandas", "polars", "pyarrow"],
)
def test_in_memory_frames_are_worked_on_in_polars(log: pd.DataFrame, convert) -> None:
    frame, in_memory = lazy_frame(convert(log))
    assert in_memory
    assert frame.implementation is nw.Implementation.POLARS
    pd.testing.assert_frame_equal(
        frame.collect().to_pandas(), log.reset_index(drop=True), check_dtype=False
    )


def test_lazy_frames_and_paths_stay_in_their_engine(log: pd.DataFrame, dataset: Path) -> None:
    for source, engine in [
        (pl.from_pandas(log).lazy(), nw.Implementation.POLARS),
        (duckdb.from_arrow(pa.Table.from_pandas(log)), nw.Implementation.DUCKDB),
        (dataset, nw.Implementation.DUCKDB),
    ]:
        frame, in_memory = lazy_frame(source)
        assert not in_memory
        assert frame.implementation is engine


def test_a_column_of_mixed_types_is_named(log: pd.DataFrame) -> None:
    mixed = log.astype({"order_id": object})
    mixed.loc[mixed.index[:3], "order_id"] = "web"
    with pytest.raises(
        DataValidationError,
        match=r"column 'order_id' mixes types \(1,846 int, 3 str values out of 1,849 rows\); cast",
    ):
        lazy_frame(mixed)


def test_missing_files_and_engines_are_named(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="no Parquet file at '.*nowhere'; pass a"):
        rfm_summary(tmp_path / "nowhere")
    with pytest.raises(DataValidationError, match="no Parquet file at '.*empty'"):
        (tmp_path / "empty").mkdir()
        scan_parquet(tmp_path / "empty", engine="duckdb")
    with pytest.raises(
        ValueError, match="engine='dask' is not supported; choose one of duckdb, polars"
    ):
        scan_parquet(tmp_path, engine="dask")


def in_memory_scores(log: pd.DataFrame, **model) -> pd.DataFrame:
    """What ``score`` gives on the log in memory: the summary and CLV columns batch writes."""
    config = ScoringConfig.from_dict(
        {"transactions": {"order_id": "order_id"}, "model": {"models": ["clv"], **model}}
    )
    result = score(log, config=config)
    summary = result.run.summary
    return summary.join(result.scores[list(CLV_COLUMNS)])


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_batch_gives_the_values_and_columns_score_gives(
    log: pd.DataFrame, dataset: Path, tmp_path: Path, engine: str
) -> None:
    output = tmp_path / "scores.parquet"
    config = ScoringConfig.from_dict(
        {
            "transactions": {"order_id": "order_id"},
            "model": {"models": ["clv"], "clv_months": 6, "horizon_days": 30},
        }
    )
    result = score_batch(dataset, output, config=config, engine=engine, chunk_size=150)
    written = pd.read_parquet(output).set_index("customer_id").sort_index()
    expected = in_memory_scores(log, clv_months=6, horizon_days=30)
    pd.testing.assert_frame_equal(
        written[expected.columns], expected, check_dtype=False, check_names=False, rtol=1e-9
    )
    assert result.customers == len(expected) == log["customer_id"].nunique()
    assert result.report.rows_read == result.report.rows_kept == len(log)


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_batch_reads_with_the_same_policies_and_report_as_score(
    log: pd.DataFrame, tmp_path: Path, engine: str
) -> None:
    refunds = log.head(3).assign(amount=-5.0)
    nameless = log.head(2).assign(customer_id=None)
    (tmp_path / "log").mkdir()
    pd.concat([log, refunds, nameless]).to_parquet(tmp_path / "log" / "with_returns.parquet")
    mapping = {"customer_id": "customer_id", "date": "date", "amount": "amount"}
    in_memory = read_transactions(pd.concat([log, refunds, nameless]), **mapping).report
    output = tmp_path / "scores.parquet"
    config = ScoringConfig.from_dict({"model": {"models": ["clv"]}})
    report = score_batch(tmp_path / "log", output, config=config, engine=engine).report
    assert report.rows_dropped == in_memory.rows_dropped == {"missing_customer_id": 2, "return": 3}
    assert report.amount_dropped["return"] == in_memory.amount_dropped["return"] == -15.0
    assert (report.rows_read, report.rows_kept) == (in_memory.rows_read, in_memory.rows_kept)
    written = pd.read_parquet(output).set_index("customer_id").sort_index()
    expected = rfm_summary(log.drop(columns="order_id"))
    pd.testing.assert_frame_equal(
        written[expected.columns], expected, check_dtype=False, check_names=False
    )


def test_batch_refuses_the_steps_it_cannot_run(dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match=r"models 'rfm', 'churn' cannot run in batch"):
        score_batch(
            dataset,
            tmp_path / "scores.parquet",
            config=ScoringConfig.from_dict({"model": {"models": ["rfm", "clv", "churn"]}}),
        )
