"""Output files: all or nothing, and the same table gives the same bytes."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from crm_analytics.io import read_transactions
from crm_analytics.runs import read_scores, write_files, write_report, write_scores
from crm_analytics.runs.outputs import KNOWLEDGE_FILES
from crm_analytics.scoring import FittedModels, ScoringConfig, ScoringResult, score
from crm_analytics.scoring.knowledge import knowledge_tables
from tests.scoring.test_knowledge import _config


@pytest.fixture(scope="module")
def result(shop, config, models):
    transactions, customers = shop
    return score(transactions, customers, config=config, models=models)


@pytest.fixture(scope="module")
def scored(result):
    return result.scores


def _report():
    log = pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [1.0]})
    return read_transactions(log, customer_id="customer_id", date="date", amount="amount").report


def _write(folder, result, config):
    return write_scores(
        folder,
        result,
        config=config,
        reports={"transactions": _report()},
        inputs={"transactions": {"path": "orders.csv"}},
        model_source="test",
    )


def test_the_same_table_gives_the_same_bytes(result, scored, config, tmp_path):
    first = _write(tmp_path / "one", result, config)
    second = _write(tmp_path / "two", result, config)
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


def _write_extras(folder, config, knowledge=None, dedupe_audit=None):
    scored = pd.DataFrame({"n_orders": [2, 1]}, index=pd.Index(["a", "b"], name="customer_id"))
    as_of = pd.Timestamp("2024-02-29")
    result = ScoringResult(
        scores=scored,
        as_of=as_of,
        models=FittedModels(as_of=as_of, model=config.model, n_customers=2),
        fitted_here=True,
    )
    return write_scores(
        folder,
        result,
        config=config,
        reports={"transactions": _report()},
        inputs={},
        model_source="test",
        knowledge=knowledge,
        dedupe_audit=dedupe_audit,
    )


@pytest.fixture(scope="module")
def log():
    from tests.scoring.test_knowledge import LINES

    frame = pd.DataFrame(LINES, columns=["customer_id", "date", "order_id", "product"])
    return frame.assign(date=pd.to_datetime(frame["date"]), amount=10.0)


def test_extras_files_are_readable_and_identical_from_run_to_run(log, tmp_path):
    config = _config(min_support=0.2, min_confidence=0.0)
    knowledge = knowledge_tables(log, config=config)
    first = _write_extras(tmp_path / "one", config, knowledge)
    second = _write_extras(tmp_path / "two", config, knowledge)
    names = {path.name for path in first}
    assert set(KNOWLEDGE_FILES.values()) | {"cohort_retention.png"} <= names
    for left, right in zip(first, second, strict=True):
        if left.name != "run_metadata.json":
            assert left.read_bytes() == right.read_bytes(), left.name
    folder = tmp_path / "one"
    assert (folder / "cohort_customers.csv").read_text().splitlines() == [
        "cohort,0,1",
        "2024-01,2,1",
        "2024-02,2,",
    ]
    rules = pd.read_csv(folder / "association_rules.csv", index_col="rule")
    # {bread, butter} in orders 2 and 3, with milk in order 3 only.
    both = rules[(rules["antecedents"] == "bread + butter") & (rules["consequents"] == "milk")]
    assert both["confidence"].tolist() == [0.5] and both["n_orders"].tolist() == [1]
    recommendations = pd.read_csv(folder / "recommendations.csv")
    assert list(recommendations.columns[:4]) == ["customer_id", "rank", "product", "score"]
    metadata = json.loads((folder / "run_metadata.json").read_text())
    assert "recommendations.csv" in metadata["outputs"] and metadata["dedupe"] is None


def test_a_run_without_extras_removes_an_older_runs_extras(log, tmp_path):
    config = _config()
    _write_extras(tmp_path, config, knowledge_tables(log, config=config))
    _write_extras(tmp_path, ScoringConfig())
    left = {path.name for path in tmp_path.iterdir()}
    assert not left & {*KNOWLEDGE_FILES.values(), "cohort_retention.png", "dedupe_audit.csv"}
