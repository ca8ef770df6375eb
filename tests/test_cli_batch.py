"""The ``crm-analytics batch`` command: the scoring pipeline on a Parquet dataset inside an engine."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from crm_analytics import cli
from crm_analytics.clv.scores import CLV_COLUMNS
from crm_analytics.datasets import make_transactions
from tests.scale.test_engines import in_memory_scores


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = cli.main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    transactions, _ = make_transactions(400, seed=11)
    return transactions[["customer_id", "date", "amount", "order_id"]]


@pytest.fixture(scope="module")
def dataset(log: pd.DataFrame, tmp_path_factory) -> Path:
    """The log as a folder of two Parquet files, split by customer."""
    folder = tmp_path_factory.mktemp("log")
    customers = log["customer_id"].unique()
    for part, ids in enumerate((customers[:200], customers[200:])):
        log[log["customer_id"].isin(ids)].to_parquet(folder / f"part-{part}.parquet")
    return folder


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_batch_scores_every_customer_as_the_library_does(
    engine, log, dataset, capsys, tmp_path
) -> None:
    code, out, _ = run(
        capsys,
        "batch",
        "--transactions",
        dataset,
        "--output-dir",
        tmp_path,
        "--engine",
        engine,
        "--as-of",
        "2025-03-31",
        "--clv-months",
        6,
        "--transactions-order-id",
        "order_id",
    )
    assert code == 0
    assert "scores.parquet" in out
    written = pd.read_parquet(tmp_path / "scores.parquet").set_index("customer_id").sort_index()
    expected = in_memory_scores(log, as_of="2025-03-31", clv_months=6)
    pd.testing.assert_frame_equal(
        written[expected.columns], expected, check_dtype=False, check_names=False, rtol=1e-9
    )
    assert set(CLV_COLUMNS) <= set(written.columns)
    metadata = json.loads((tmp_path / "run_metadata.json").read_text())
    assert metadata["as_of"] == "2025-03-31"
    assert metadata["customers"] == log[log["date"] < "2025-04-01"]["customer_id"].nunique()
    assert metadata["engine"] == engine
    assert set(metadata["models"]["params"]["bgnbd"]) == {"r", "alpha", "a", "b"}
    assert len(metadata["inputs"]["transactions"]["sha256"]) == 64
    assert metadata["inputs"]["transactions"]["rows_read"] == len(log)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "quality_report.json",
        "quality_report.txt",
        "run_metadata.json",
        "scores.parquet",
    ]


def test_batch_reads_the_config_file_and_defaults_to_the_last_date(
    log, dataset, capsys, tmp_path
) -> None:
    config = tmp_path / "batch.toml"
    glob = dataset / "part-*.parquet"
    config.write_text(f'[transactions]\npath = "{glob}"\n\n[model]\nclv_months = 3\n')
    code, _, _ = run(capsys, "batch", "--config", config, "--output-dir", tmp_path / "out")
    assert code == 0
    metadata = json.loads((tmp_path / "out" / "run_metadata.json").read_text())
    assert metadata["as_of"] == str(log["date"].max().date())
    assert metadata["settings"]["clv_months"] == 3
    assert metadata["settings"]["models"] == ["clv"]
    assert metadata["inputs"]["transactions"]["files"] == 2


def test_batch_on_a_log_without_amounts_exits_2_naming_the_column(log, capsys, tmp_path) -> None:
    log.drop(columns="amount").to_parquet(tmp_path / "log.parquet")
    code, _, err = run(
        capsys, "batch", "--transactions", tmp_path / "log.parquet", "--output-dir", tmp_path / "o"
    )
    assert code == 2
    assert "'amount'" in err
    assert "Traceback" not in err
    assert not (tmp_path / "o" / "scores.parquet").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "no transaction log given"),
        (["--transactions", "nowhere/*.parquet"], "no Parquet file at"),
    ],
)
def test_batch_without_a_dataset_exits_2(arguments, message, capsys, tmp_path) -> None:
    code, _, err = run(capsys, "batch", "--output-dir", tmp_path, *arguments)
    assert code == 2
    assert message in err


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_batch_on_a_csv_export_exits_2_asking_for_parquet(engine, capsys, tmp_path) -> None:
    export = tmp_path / "orders.csv"
    export.write_text("customer_id,date,amount\na,2024-01-01,10\n")
    code, _, err = run(
        capsys, "batch", "--transactions", export, "--output-dir", tmp_path / "o",
        "--engine", engine,
    )  # fmt: skip
    assert code == 2 and "Traceback" not in err
    assert f"could not read '{export}' as Parquet" in err and "convert a CSV" in err
    assert not (tmp_path / "o" / "scores.parquet").exists()


def test_batch_with_a_memory_limit_duckdb_cannot_read_exits_2(dataset, capsys, tmp_path) -> None:
    code, _, err = run(
        capsys, "batch", "--transactions", dataset, "--output-dir", tmp_path,
        "--memory-limit", "lots",
    )  # fmt: skip
    assert code == 2
    assert "memory_limit='lots' is not a size DuckDB reads" in err


def test_batch_help_lists_the_engines(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["batch", "--help"])
    out = capsys.readouterr().out
    assert "{duckdb,polars,spark}" in out
    assert "--memory-limit" in out


def test_batch_on_an_engine_that_is_not_installed_exits_2_naming_the_extra(
    dataset, capsys, tmp_path, monkeypatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # import fails as if not installed
    code, _, err = run(
        capsys, "batch", "--transactions", dataset, "--output-dir", tmp_path, "--engine", "spark"
    )
    assert code == 2
    assert "pip install 'crm-analytics[spark]'" in err
    assert not (tmp_path / "scores.parquet").exists()
