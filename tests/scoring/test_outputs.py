"""Output files: all or nothing, and the same table gives the same bytes."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analytics.io import read_transactions
from crm_analytics.scoring import score_customers
from crm_analytics.scoring._atomic import write_files
from crm_analytics.scoring.outputs import read_scores, write_report, write_scores


@pytest.fixture(scope="module")
def scored(shop, config, models):
    transactions, customers = shop
    return score_customers(transactions, customers, config=config, models=models)


def _write(folder, scored, config):
    log = pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [1.0]})
    quality = read_transactions(log, customer_id="customer_id", date="date", amount="amount")
    return write_scores(
        folder,
        scored,
        config=config,
        reports={"transactions": quality.attrs["quality_report"]},
        inputs={"transactions": {"path": "orders.csv"}},
        models={"source": "test"},
    )


def test_the_same_table_gives_the_same_bytes(scored, config, tmp_path):
    first = _write(tmp_path / "one", scored, config)
    second = _write(tmp_path / "two", scored, config)
    for left, right in zip(first, second, strict=True):
        if left.name != "run_metadata.json":
            assert left.read_bytes() == right.read_bytes(), left.name
    pd.testing.assert_frame_equal(read_scores(tmp_path / "one"), scored, check_freq=False)
    csv = pd.read_csv(first[1], index_col="customer_id")
    assert list(csv.columns) == list(scored.columns) and len(csv) == len(scored)


def test_report_files_are_identical_from_run_to_run(scored, tmp_path):
    first = write_report(tmp_path / "one", scored, by=["region"])
    second = write_report(tmp_path / "two", scored, by=["region"])
    names = [path.name for path in first]
    assert {"rfm_segments.png", "churn_risk_by_segment.png", "lifecycle_by_value_tier.png"} <= set(
        names
    )
    assert "segments_rfm_segment_by_region.csv" in names
    for left, right in zip(first, second, strict=True):
        assert left.read_bytes() == right.read_bytes(), left.name
    table = pd.read_csv(tmp_path / "one" / "segments_value_tier.csv", index_col=0)
    assert table["customers"].sum() == len(scored)


def test_a_failed_write_leaves_the_previous_files(tmp_path):
    write_files(
        tmp_path,
        {"a.csv": lambda p: p.write_text("old a"), "b.csv": lambda p: p.write_text("old b")},
    )

    def crash(path):
        path.write_text("half of new b")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_files(tmp_path, {"a.csv": lambda p: p.write_text("new a"), "b.csv": crash})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]
    assert (tmp_path / "a.csv").read_text() == "old a"
    assert (tmp_path / "b.csv").read_text() == "old b"


def test_a_writer_that_writes_nothing_is_an_error(tmp_path):
    with pytest.raises(RuntimeError, match="did not write"):
        write_files(tmp_path, {"a.csv": lambda p: None})
    assert list(tmp_path.iterdir()) == []


def test_a_folder_output_replaces_the_older_folder(tmp_path):
    def folder(text):
        def write(path):
            path.mkdir()
            (path / "part-0.parquet").write_text(text)

        return write

    write_files(tmp_path, {"scores": folder("old")})
    write_files(tmp_path, {"scores": folder("new")})
    assert [p.name for p in tmp_path.iterdir()] == ["scores"]
    assert (tmp_path / "scores" / "part-0.parquet").read_text() == "new"
