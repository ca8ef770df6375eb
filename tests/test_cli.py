"""End-to-end runs of the crm-analytics command in temporary folders."""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from crm_analytics import cli
from crm_analytics._manifest import write_manifest
from crm_analytics.runs import outputs as run_outputs
from crm_analytics.scoring import SCORE_COLUMNS, load_config
from tests.scoring.shop import CONFIG_TOML, write_shop

matplotlib.use("Agg")

SCORE_FILES = [
    "config.toml",
    "quality_report.json",
    "quality_report.txt",
    "run_metadata.json",
    "scores.csv",
    "scores.parquet",
]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def shop_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("shop")
    write_shop(folder)
    (folder / "scoring.toml").write_text(CONFIG_TOML)
    return folder


@pytest.fixture(scope="module")
def model_dir(shop_dir) -> Path:
    folder = shop_dir / "models"
    code = cli.main(
        ["-q", "fit", "--config", str(shop_dir / "scoring.toml"), "--model-dir", str(folder)]
    )
    assert code == 0
    return folder


@pytest.fixture(scope="module")
def first_run(shop_dir, model_dir) -> Path:
    folder = shop_dir / "run1"
    code = cli.main(
        [
            "-q",
            "score",
            "--config",
            str(shop_dir / "scoring.toml"),
            "--model-dir",
            str(model_dir),
            "--output-dir",
            str(folder),
        ]
    )
    assert code == 0
    return folder


@pytest.mark.parametrize("command", [[], ["validate"], ["fit"], ["score"], ["report"], ["demo"]])
def test_help_of_every_command(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: crm-analytics")
    if command in (["score"], ["fit"]):
        for option in (
            "--config",
            "--as-of",
            "--horizon-days",
            "--transactions-customer-id",
            "--risk-tiers",
            "--models",
        ):
            assert option in text


def test_python_dash_m_runs_the_same_command():
    result = subprocess.run(
        [sys.executable, "-m", "crm_analytics", "score", "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.returncode == 0, result.stderr
    assert "--output-dir" in result.stdout


def test_validate_prints_the_quality_report(shop_dir, capsys):
    code, out, _ = run(capsys, "validate", "--config", shop_dir / "scoring.toml")
    assert code == 0
    lines = len((shop_dir / "orders.csv").read_text().splitlines()) - 1
    assert "Data-quality report: transactions" in out
    assert f"rows read: {lines:,}" in out
    assert "Data-quality report: customers" in out


def test_good_run(shop_dir, model_dir, first_run):
    assert sorted(path.name for path in first_run.iterdir()) == SCORE_FILES
    orders = pd.read_csv(shop_dir / "orders.csv")
    scores = pd.read_csv(first_run / "scores.csv", index_col="customer_id")
    assert len(scores) == orders["Customer ID"].nunique()
    assert scores.index.is_monotonic_increasing
    expected = {column for columns in SCORE_COLUMNS.values() for column in columns}
    assert expected | {"region", "channel", "reason_1", "reason_2"} == set(scores.columns)
    assert scores[["r_score", "f_score", "m_score"]].isin(range(1, 6)).all().all()
    assert scores["p_alive"].between(0, 1).all() and scores["churn_probability"].between(0, 1).all()
    assert (scores["predicted_clv"] >= 0).all() and (scores["expected_purchases"] >= 0).all()
    np.testing.assert_allclose(
        scores["total_amount"], orders.groupby("Customer ID")["Line Value"].sum().sort_index()
    )
    parquet = pd.read_parquet(first_run / "scores.parquet")
    np.testing.assert_array_equal(parquet["predicted_clv"], scores["predicted_clv"])
    assert (parquet["rfm_segment"].astype(str) == scores["rfm_segment"]).all()

    metadata = json.loads((first_run / "run_metadata.json").read_text())
    digest = hashlib.sha256((shop_dir / "orders.csv").read_bytes()).hexdigest()
    assert metadata["inputs"]["transactions"]["sha256"] == digest
    assert metadata["inputs"]["transactions"]["rows_read"] == len(orders)
    assert metadata["as_of"] == pd.Timestamp(orders["Order Date"].max()).date().isoformat()
    assert metadata["models"]["source"] == str(model_dir)
    saved = json.loads((model_dir / "metadata.json").read_text())
    assert metadata["models"]["params"] == saved["params"]
    assert saved["inputs"]["transactions"]["sha256"] == digest
    assert load_config(model_dir / "config.toml").transactions.customer_id == "Customer ID"
    assert set(metadata["timings"]) >= {"read inputs", "load models", "rfm", "clv", "churn"}
    used = load_config(first_run / "config.toml")
    assert used.model.as_of == metadata["as_of"]
    assert used.transactions.customer_id == "Customer ID"


def test_rerun_gives_identical_bytes(shop_dir, model_dir, first_run, capsys):
    second = shop_dir / "run2"
    code, _, _ = run(
        capsys,
        "score",
        "--config",
        shop_dir / "scoring.toml",
        "--model-dir",
        model_dir,
        "--output-dir",
        second,
    )
    assert code == 0
    for name in SCORE_FILES:
        if name != "run_metadata.json":
            assert (first_run / name).read_bytes() == (second / name).read_bytes(), name
    before, after = (
        json.loads((folder / "run_metadata.json").read_text()) for folder in (first_run, second)
    )
    del before["timings"], after["timings"]
    assert before == after


def test_saved_models_are_used_by_score(shop_dir, model_dir, first_run, capsys):
    """Scores from the saved models, not refitted ones: a different horizon at score time
    changes expected purchases, not the churn model fitted with the saved 90-day label."""
    folder = shop_dir / "run_horizon"
    code, _, _ = run(
        capsys,
        "score",
        "--config",
        shop_dir / "scoring.toml",
        "--model-dir",
        model_dir,
        "--output-dir",
        folder,
        "--horizon-days",
        "30",
    )
    assert code == 0
    before = pd.read_parquet(first_run / "scores.parquet")
    after = pd.read_parquet(folder / "scores.parquet")
    np.testing.assert_array_equal(after["churn_probability"], before["churn_probability"])
    assert (after["expected_purchases"] < before["expected_purchases"]).all()
    assert json.loads((folder / "run_metadata.json").read_text())["models"]["source"] == str(
        model_dir
    )


def test_score_without_models_fits_them(shop_dir, capsys):
    folder = shop_dir / "fitted_here"
    code, out, _ = run(
        capsys,
        "score",
        "--config",
        shop_dir / "scoring.toml",
        "--output-dir",
        folder,
        "--models",
        "rfm,clv,lifecycle",
        "--formats",
        "csv",
    )
    assert code == 0
    assert "scores.parquet" not in {path.name for path in folder.iterdir()}
    scores = pd.read_csv(folder / "scores.csv", index_col=0)
    assert "churn_probability" not in scores.columns and "lifecycle_stage" in scores.columns
    metadata = json.loads((folder / "run_metadata.json").read_text())
    assert metadata["models"]["source"] == "fitted by this run"
    assert "scored 2,000 customers" in out


def test_as_of_reproduces_a_past_run(shop_dir, model_dir, capsys, tmp_path):
    orders = pd.read_csv(shop_dir / "orders.csv")
    older = orders[pd.to_datetime(orders["Order Date"]) < "2025-01-01"]
    older.to_csv(tmp_path / "orders.csv", index=False)
    common = ["score", "--config", shop_dir / "scoring.toml", "--models", "rfm,clv,lifecycle"]
    code_then, _, _ = run(
        capsys,
        *common,
        "--transactions",
        tmp_path / "orders.csv",
        "--output-dir",
        tmp_path / "then",
    )
    code_now, _, _ = run(capsys, *common, "--as-of", "2024-12-31", "--output-dir", tmp_path / "now")
    assert code_then == code_now == 0
    for name in ("scores.csv", "scores.parquet"):
        assert (tmp_path / "then" / name).read_bytes() == (tmp_path / "now" / name).read_bytes()
    report = json.loads((tmp_path / "now" / "quality_report.json").read_text())
    assert report["transactions"]["rows_dropped"] == {
        "after_observation_end": len(orders) - len(older)
    }


def test_bad_column_mapping_exits_2_and_writes_nothing(shop_dir, capsys, tmp_path):
    folder = tmp_path / "out"
    code, out, err = run(
        capsys,
        "score",
        "--config",
        shop_dir / "scoring.toml",
        "--transactions-customer-id",
        "CustomerID",
        "--output-dir",
        folder,
    )
    assert code == 2
    assert "CustomerID" in err and "'Customer ID'" in err
    assert "Traceback" not in err
    message = [line for line in err.splitlines() if "error:" in line]
    assert len(message) == 1 and message[0].startswith("crm-analytics score: error:")
    assert not folder.exists()
    assert out == ""


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--horizon-days", "0"], "horizon_days must be a whole number of at least 1"),
        (["--models", "rfm,churn_model"], "models = 'churn_model' is not one of"),
        (["--transactions", "missing.csv"], "missing.csv"),
    ],
)
def test_bad_options_exit_2(shop_dir, capsys, tmp_path, arguments, message):
    code, _, err = run(
        capsys,
        "score",
        "--config",
        shop_dir / "scoring.toml",
        "--output-dir",
        tmp_path / "out",
        *arguments,
    )
    assert code == 2
    assert message in err and "Traceback" not in err


def test_unknown_config_key_exits_2(shop_dir, capsys, tmp_path):
    config = tmp_path / "typo.toml"
    config.write_text(CONFIG_TOML.replace("n_reasons", "n_reason"))
    code, _, err = run(capsys, "validate", "--config", config)
    assert code == 2
    assert "unknown key 'n_reason' in [model]" in err and "did you mean 'n_reasons'" in err


def test_crash_while_writing_keeps_the_previous_outputs(
    shop_dir, model_dir, capsys, tmp_path, monkeypatch
):
    folder = tmp_path / "out"
    arguments = [
        "score",
        "--config",
        shop_dir / "scoring.toml",
        "--model-dir",
        model_dir,
        "--output-dir",
        folder,
    ]
    assert run(capsys, *arguments)[0] == 0
    before = {path.name: path.read_bytes() for path in folder.iterdir()}

    def crash(scored, path):
        path.write_text(scored.to_csv()[:1000])
        raise RuntimeError("simulated crash in the middle of writing scores.csv")

    monkeypatch.setattr(run_outputs, "_write_csv", crash)
    code, _, err = run(capsys, *arguments, "--horizon-days", "30")
    assert code == 1
    assert "Traceback" in err and "simulated crash" in err
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


def test_report_writes_figures_and_tables(first_run, capsys):
    code, out, _ = run(capsys, "report", "--output-dir", first_run)
    assert code == 0
    report = first_run / "report"
    names = {path.name for path in report.iterdir()}
    assert {
        "rfm_segments.png",
        "churn_risk_by_segment.png",
        "lifecycle_by_value_tier.png",
        "segments_rfm_segment.csv",
        "segments_rfm_segment_by_region.csv",
    } <= names
    assert (report / "rfm_segments.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = pd.read_csv(report / "segments_risk_tier.csv", index_col=0)
    assert table.loc["high", "customers"] == 200
    assert "report of 2,000 customers" in out


def test_report_by_an_unknown_attribute_exits_2(first_run, capsys):
    code, _, err = run(capsys, "report", "--output-dir", first_run, "--report-by", "loyalty_card")
    assert code == 2 and "'loyalty_card' not in the scores" in err


def test_logs_go_to_stderr_without_progress_off_a_terminal(shop_dir, capsys):
    code, out, err = run(capsys, "validate", "--config", shop_dir / "scoring.toml")
    assert code == 0
    assert "INFO crm_analytics.io.transactions: read" in err
    assert "\r" not in err and "INFO" not in out


class _Terminal:
    """A stderr that says it is a terminal."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def test_progress_line_only_on_a_terminal(shop_dir, monkeypatch, capsys):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(["validate", "--config", str(shop_dir / "scoring.toml")]) == 0
    assert "\r\x1b[K[" in terminal.text and "reading " in terminal.text
    assert "INFO" not in terminal.text
    assert terminal.text.endswith("\r\x1b[K")


def test_a_run_in_one_format_removes_the_other_formats_older_table(
    shop_dir, model_dir, capsys, tmp_path
):
    arguments = [
        "score",
        "--config",
        shop_dir / "scoring.toml",
        "--model-dir",
        model_dir,
        "--output-dir",
        tmp_path,
    ]
    assert run(capsys, *arguments)[0] == 0
    assert (tmp_path / "scores.parquet").is_file()
    assert run(capsys, *arguments, "--formats", "csv")[0] == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        name for name in SCORE_FILES if name != "scores.parquet"
    ]


def test_online_retail_export(shared_data, capsys, tmp_path):
    """The UCI Online Retail export, mapped on the command line: its well-known counts."""
    mapping = [
        "--transactions",
        shared_data / "online_retail.parquet",
        "--transactions-customer-id",
        "CustomerID",
        "--transactions-date",
        "InvoiceDate",
        "--transactions-quantity",
        "Quantity",
        "--transactions-unit-price",
        "UnitPrice",
        "--transactions-order-id",
        "InvoiceNo",
        "--transactions-cancellation-prefix",
        "C",
    ]
    code, out, _ = run(capsys, "validate", *mapping)
    assert code == 0
    for line in (
        "rows read: 541,909",
        "missing customer id: 135,080",
        "customers: 4,339",
        "orders: 18,536",
        "8,911,407.90 kept",
    ):
        assert line in out
    code, _, _ = run(
        capsys,
        "score",
        *mapping,
        "--models",
        "rfm,clv,lifecycle",
        "--formats",
        "csv",
        "--output-dir",
        tmp_path,
    )
    assert code == 0
    scores = pd.read_csv(tmp_path / "scores.csv", index_col=0)
    assert len(scores) == 4_339
    assert scores["total_amount"].sum() == pytest.approx(8_911_407.90)
    metadata = json.loads((tmp_path / "run_metadata.json").read_text())
    assert metadata["as_of"] == "2011-12-09"
    assert metadata["inputs"]["transactions"]["rows_kept"] == 397_924


def test_demo_runs_the_whole_job(capsys, tmp_path):
    code, out, _ = run(
        capsys,
        "-q",
        "demo",
        "--output",
        tmp_path,
        "--customers",
        "600",
        "--n-clusters",
        "3",
        "--churn-estimator",
        "logistic",
        "--n-reasons",
        "1",
    )
    assert code == 0
    assert f"scores in {tmp_path / 'scores'}" in out
    for name in (
        "config.toml",
        "data/transactions.csv",
        "models/metadata.json",
        "scores/scores.parquet",
        "scores/report/rfm_segments.png",
        "scores/report/segments_value_tier_by_channel.csv",
    ):
        assert (tmp_path / name).is_file(), name
    scores = pd.read_parquet(tmp_path / "scores" / "scores.parquet")
    assert len(scores) == 600 and "reason_1" in scores.columns and "reason_2" not in scores.columns
    assert load_config(tmp_path / "config.toml").model.churn_estimator == "logistic"


@pytest.mark.parametrize(
    "arguments",
    [
        ["score", "--model-dir", "nowhere", "--output-dir", "out"],
        ["validate", "--config", "absent.toml"],
    ],
)
def test_missing_models_or_config_exit_2(shop_dir, capsys, tmp_path, monkeypatch, arguments):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *arguments)
    assert code == 2 and "Traceback" not in err
    assert "no saved models in nowhere" in err or "absent.toml not found" in err


@pytest.mark.parametrize(
    ("command", "option"),
    [("fit", "--model-dir"), ("score", "--output-dir"), ("batch", "--output-dir")],
)
def test_an_output_folder_that_cannot_be_written_exits_2_before_any_work(
    shop_dir, capsys, tmp_path, command, option
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, _, err = run(
        capsys, command, "--config", shop_dir / "scoring.toml", option, blocker / "out"
    )
    assert code == 2 and "Traceback" not in err
    assert f"{option} {blocker / 'out'}: {blocker} is a file, not a folder" in err
    assert "step:" not in err  # nothing was read or fitted


def test_a_damaged_or_swapped_model_file_exits_2(shop_dir, model_dir, capsys, tmp_path):
    def score_with(folder):
        return run(capsys, "score", "--config", shop_dir / "scoring.toml",
                   "--model-dir", folder, "--output-dir", tmp_path / "out")  # fmt: skip

    damaged = tmp_path / "damaged"
    shutil.copytree(model_dir, damaged)
    (damaged / "churn.npz").write_bytes(b"garbage")
    code, _, err = score_with(damaged)
    assert code == 2 and "Traceback" not in err
    assert "churn.npz" in err and "manifest" in err
    swapped = tmp_path / "swapped"
    shutil.copytree(model_dir, swapped)
    shutil.copy(swapped / "clusterer.npz", swapped / "rfm.npz")
    code, _, err = score_with(swapped)
    assert code == 2 and "rfm.npz" in err and "manifest" in err
    # Whoever rewrites the manifest too still cannot make a file of another kind load.
    write_manifest(swapped, [p.name for p in swapped.iterdir() if p.name != "manifest.json"])
    code, _, err = score_with(swapped)
    assert code == 2 and "rfm.npz" in err and "CustomerClusterer" in err
    assert not (tmp_path / "out").exists()


def test_a_crafted_pickle_in_the_model_folder_runs_no_code(shop_dir, model_dir, capsys, tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    crafted = tmp_path / "crafted"
    shutil.copytree(model_dir, crafted)
    for name in ("rfm.npz", "clusterer.npz", "churn.npz"):
        (crafted / name).write_bytes(pickle.dumps(Payload()))
    write_manifest(crafted, [p.name for p in crafted.iterdir() if p.name != "manifest.json"])
    code, _, err = run(capsys, "score", "--config", shop_dir / "scoring.toml",
                       "--model-dir", crafted, "--output-dir", tmp_path / "out")  # fmt: skip
    assert code == 2 and "Traceback" not in err
    assert not marker.exists()
    assert not (tmp_path / "out").exists()


def test_models_of_another_transaction_model_are_refused(shop_dir, model_dir, capsys, tmp_path):
    code, _, err = run(capsys, "score", "--config", shop_dir / "scoring.toml",
                       "--model-dir", model_dir, "--output-dir", tmp_path / "out",
                       "--transaction-model", "mbgnbd")  # fmt: skip
    assert code == 2
    assert "hold a 'bgnbd' transaction model, but the configuration asks for" in err
    assert not (tmp_path / "out").exists()


def test_a_config_path_that_is_a_folder_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "validate", "--config", tmp_path)
    assert code == 2 and "is a folder; pass the path of a .toml file" in err


def test_validate_finds_a_customer_table_with_other_ids(shop_dir, capsys, tmp_path):
    table = pd.read_csv(shop_dir / "customers.csv")
    table["Customer ID"] = table["Customer ID"].str.lower()
    table.to_csv(tmp_path / "customers.csv", index=False)
    code, _, err = run(
        capsys,
        "validate",
        "--config",
        shop_dir / "scoring.toml",
        "--customers",
        tmp_path / "customers.csv",
    )
    assert code == 2
    assert "none of the 2,000 customers in the transactions is in the customer table" in err
