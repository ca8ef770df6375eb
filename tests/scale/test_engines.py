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

from crm_analytics.datasets import make_transactions
from crm_analytics.exceptions import DataValidationError
from crm_analytics.scale import scan_parquet
from crm_analytics.scale.batch import clv_batch
from crm_analytics.scale.engines import lazy_log
from crm_analytics.scale.models import clv_scores, fit_collapsed
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
    frame, in_memory = lazy_log(convert(log))
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
        frame, in_memory = lazy_log(source)
        assert not in_memory
        assert frame.implementation is engine


def test_a_column_of_mixed_types_is_named(log: pd.DataFrame) -> None:
    mixed = log.astype({"order_id": object})
    mixed.loc[mixed.index[:3], "order_id"] = "web"
    with pytest.raises(
        DataValidationError,
        match=r"column 'order_id' mixes types \(1,846 int, 3 str values out of 1,849 rows\); cast",
    ):
        lazy_log(mixed)


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


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_batch_job_writes_the_pandas_scores(
    log: pd.DataFrame, dataset: Path, tmp_path: Path, engine: str
) -> None:
    output = tmp_path / "scores.parquet"
    models = clv_batch(dataset, output, engine=engine, horizon=6, chunk_size=150)
    written = pd.read_parquet(output).set_index("customer_id").sort_index()
    summary = rfm_summary(log)
    expected_models = fit_collapsed(summary)
    pd.testing.assert_series_equal(models[0].params_, expected_models[0].params_)
    expected = summary.join(clv_scores(summary, *expected_models, horizon=6))
    pd.testing.assert_frame_equal(written, expected, check_dtype=False, check_names=False)


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_batch_job_leaves_returns_out_and_says_how_many(
    log: pd.DataFrame, tmp_path: Path, engine: str, caplog: pytest.LogCaptureFixture
) -> None:
    refunds = log.head(3).assign(amount=-5.0)
    (tmp_path / "log").mkdir()
    pd.concat([log, refunds]).to_parquet(tmp_path / "log" / "with_returns.parquet")
    output = tmp_path / "scores.parquet"
    with caplog.at_level("WARNING", logger="crm_analytics.scale.batch"):
        clv_batch(tmp_path / "log", output, engine=engine, horizon=6)
    assert "left out 3 line(s) with a negative amount (returns)" in caplog.text
    written = pd.read_parquet(output).set_index("customer_id").sort_index()
    expected = rfm_summary(log)
    pd.testing.assert_frame_equal(
        written[expected.columns], expected, check_dtype=False, check_names=False
    )
