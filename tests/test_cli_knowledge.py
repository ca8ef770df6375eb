"""End-to-end runs of ``crm-analytics score`` with the customer-knowledge extras and the
merging of duplicate customer records."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from crm_analytics import cli
from crm_analytics.datasets import make_transactions
from crm_analytics.datasets.people import make_customer_records
from tests.scoring.shop import CONFIG_TOML, write_shop

matplotlib.use("Agg")

# Fast runs: the knowledge files do not depend on the models.
FAST = ["--models", "rfm", "--value-tier-basis", "revenue"]
EXTRA_FILES = [
    "association_rules.csv",
    "cohort_customers.csv",
    "cohort_retention.csv",
    "cohort_retention.png",
    "loyalty_metrics.csv",
    "recommendations.csv",
]


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = cli.main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def shop_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("shop")
    write_shop(folder)
    (folder / "scoring.toml").write_text(CONFIG_TOML)
    with_extras = CONFIG_TOML.replace(
        'order_id = "Order"', 'order_id = "Order"\nproduct = "product"'
    )
    with_extras += 'extras = ["cohorts", "loyalty", "rules", "recommendations"]\n'
    (folder / "extras.toml").write_text(with_extras)
    return folder


@pytest.fixture(scope="module")
def extras_run(shop_dir) -> Path:
    folder = shop_dir / "run"
    arguments = ["-q", "score", "--config", shop_dir / "extras.toml", "--output-dir", folder]
    assert cli.main([str(arg) for arg in [*arguments, *FAST]]) == 0
    return folder


def test_score_writes_the_extras(shop_dir, extras_run):
    names = {path.name for path in extras_run.iterdir()}
    assert set(EXTRA_FILES) <= names
    orders = pd.read_csv(shop_dir / "orders.csv")
    cohorts = pd.read_csv(extras_run / "cohort_customers.csv", index_col="cohort")
    # Every customer is in one cohort, counted in its period 0.
    assert cohorts["0"].sum() == orders["Customer ID"].nunique()
    retention = pd.read_csv(extras_run / "cohort_retention.csv", index_col="cohort")
    pd.testing.assert_frame_equal(retention, (cohorts.div(cohorts["0"], axis=0)).round(6))
    loyalty = pd.read_csv(extras_run / "loyalty_metrics.csv", index_col="period")
    assert loyalty["new_customers"].sum() == orders["Customer ID"].nunique()
    assert loyalty["revenue"].sum() == pytest.approx(orders["Line Value"].sum())
    rules = pd.read_csv(extras_run / "association_rules.csv", index_col="rule")
    assert len(rules) and (rules["support"] >= 0.01).all() and (rules["confidence"] >= 0.1).all()
    recommendations = pd.read_csv(extras_run / "recommendations.csv")
    assert list(recommendations.columns[:4]) == ["customer_id", "rank", "product", "score"]
    assert recommendations.groupby("customer_id")["rank"].max().max() <= 5
    # Nobody is recommended a product they have bought.
    bought = set(zip(orders["Customer ID"], orders["product"], strict=True))
    proposed = zip(recommendations["customer_id"], recommendations["product"], strict=True)
    assert not bought & set(proposed)
    metadata = json.loads((extras_run / "run_metadata.json").read_text())
    assert set(EXTRA_FILES) <= set(metadata["outputs"])


def test_a_rerun_gives_identical_extras(shop_dir, extras_run, capsys):
    folder = shop_dir / "rerun"
    code, _, err = run(
        capsys, "score", "--config", shop_dir / "extras.toml", "--output-dir", folder, *FAST
    )
    assert code == 0, err
    for name in EXTRA_FILES:
        assert (folder / name).read_bytes() == (extras_run / name).read_bytes(), name


@pytest.mark.parametrize("command", ["score", "validate"])
def test_rules_without_a_product_column_exit_2(shop_dir, tmp_path, capsys, command):
    # On the command line or in the file: the configuration is refused before reading data.
    config = tmp_path / "scoring.toml"
    config.write_text(CONFIG_TOML + 'extras = ["cohorts", "rules"]\n')
    arguments = ["--config", config]
    if command == "score":
        arguments = ["--config", shop_dir / "scoring.toml", "--extras", "rules"]
        arguments += ["--output-dir", tmp_path / "out"]
    code, out, err = run(capsys, command, *arguments)
    assert code == 2
    assert "extras 'rules' need the products of each order" in err
    assert "maps no product; add product = '<column>' to [transactions]" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def people_dir(tmp_path_factory) -> Path:
    """Customer records with planted duplicates, each record with its own purchases."""
    folder = tmp_path_factory.mktemp("people")
    records = make_customer_records(300, seed=5)
    transactions, _ = make_transactions(len(records), seed=5)
    records.drop(columns="person_id").to_csv(folder / "customers.csv", index=False)
    records[["customer_id", "person_id"]].to_csv(folder / "truth.csv", index=False)
    transactions.to_csv(folder / "orders.csv", index=False)
    (folder / "scoring.toml").write_text(
        '[transactions]\npath = "orders.csv"\norder_id = "order_id"\n\n'
        '[customers]\npath = "customers.csv"\nsignup_date = "signup_date"\n'
        'dedupe_on = ["first_name", "last_name", "email", "phone"]\n'
    )
    return folder


def test_score_merges_duplicate_customers(people_dir, capsys):
    output = people_dir / "run"
    code, _, err = run(
        capsys, "score", "--config", people_dir / "scoring.toml", "--output-dir", output, *FAST
    )
    assert code == 0, err
    audit = pd.read_csv(output / "dedupe_audit.csv", index_col="customer_id")
    merged = audit[~audit["survivor"]]
    truth = pd.read_csv(people_dir / "truth.csv", index_col="customer_id")["person_id"]
    same_person = truth[merged.index].to_numpy() == truth[merged["surviving_id"]].to_numpy()
    assert len(merged) > 20 and same_person.mean() >= 0.98
    metadata = json.loads((output / "run_metadata.json").read_text())
    assert metadata["dedupe"]["records_merged"] == len(merged)
    assert metadata["dedupe"]["groups"] == int(audit["survivor"].sum())
    assert "dedupe_audit.csv" in metadata["outputs"]
    # The merged records' purchases moved to the surviving customers: none lost, none left
    # under a merged-away id.
    orders = pd.read_csv(people_dir / "orders.csv")
    scores = pd.read_csv(output / "scores.csv", index_col="customer_id")
    assert not scores.index.isin(merged.index).any()
    assert scores["total_amount"].sum() == pytest.approx(orders["amount"].sum())
    group_orders = (
        orders.assign(person=orders["customer_id"].replace(merged["surviving_id"].to_dict()))
        .groupby("person")["order_id"]
        .nunique()
    )
    pd.testing.assert_series_equal(
        scores["n_orders"], group_orders.reindex(scores.index), check_names=False
    )
    report = (output / "quality_report.txt").read_text()
    assert "moved to surviving customer ids" in report


def test_validate_reports_the_merge(people_dir, capsys):
    code, out, err = run(capsys, "validate", "--config", people_dir / "scoring.toml")
    assert code == 0, err
    assert "records merged into" in out


def test_dedupe_without_a_customer_table_exits_2(people_dir, tmp_path, capsys):
    code, _, err = run(
        capsys,
        "score",
        "--transactions",
        people_dir / "orders.csv",
        "--customers-dedupe-on",
        "email",
        "--output-dir",
        tmp_path / "out",
    )
    assert code == 2
    assert "dedupe_on merges duplicate records of the customer table" in err


def test_online_retail_extras(shared_data, capsys, tmp_path):
    """The UCI Online Retail log: its well-known first cohorts and regency teacup rules."""
    code, _, err = run(
        capsys,
        "score",
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
        "--transactions-product",
        "StockCode",
        "--transactions-cancellation-prefix",
        "C",
        *FAST,
        "--formats",
        "csv",
        "--extras",
        "cohorts,rules,recommendations",
        "--min-support",
        "0.02",
        "--min-confidence",
        "0.5",
        "--output-dir",
        tmp_path,
    )
    assert code == 0, err
    cohorts = pd.read_csv(tmp_path / "cohort_customers.csv", index_col="cohort")
    # The cohort sizes of the many published cohort analyses of this log (cancellations out).
    assert cohorts["0"].head(3).tolist() == [885, 417, 380]
    assert cohorts["0"].sum() == 4_339
    rules = pd.read_csv(tmp_path / "association_rules.csv", index_col="rule", dtype=str)
    # Pink (22698) and green (22697) regency teacups and saucers: 460 orders hold both.
    pink_green = rules[(rules["antecedents"] == "22698") & (rules["consequents"] == "22697")]
    assert pink_green["n_orders"].tolist() == ["460"]
    assert float(pink_green["confidence"].iloc[0]) == pytest.approx(0.8273, abs=1e-4)
    recommendations = pd.read_csv(tmp_path / "recommendations.csv", dtype=str)
    assert recommendations["customer_id"].nunique() > 1_000
