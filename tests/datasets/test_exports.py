"""The example shop exports: planted imperfections, and the files under data/."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crm_analytics.datasets.exports import EXAMPLE_COLUMNS, make_shop_export, write_example_exports
from crm_analytics.io import read_customers, read_transactions

DATA = Path(__file__).resolve().parents[2] / "data"


def test_loader_counts_every_planted_imperfection():
    orders, customers = make_shop_export(300, seed=3)
    returns = orders["InvoiceNo"].str.startswith("C")
    assert (orders.loc[returns, "Quantity"] < 0).all()
    assert (orders.loc[~returns, "Quantity"] > 0).all()
    missing = orders["CustomerID"].isna()
    with_id = orders[~missing]
    duplicates = with_id.duplicated().sum()
    assert returns.sum() > 0 and missing.sum() > 0 and duplicates > 0

    transactions = read_transactions(
        orders, **EXAMPLE_COLUMNS, cancellation_prefix="C", duplicates="drop"
    )
    report = transactions.report
    assert report.rows_read == len(orders)
    assert report.rows_dropped == {
        "missing_customer_id": int(missing.sum()),
        "duplicate": int(duplicates),
        "return": int((returns & ~missing).sum()),
    }
    assert transactions.to_pandas()["customer_id"].nunique() <= 300
    table = read_customers(customers, customer_id="CustomerID", signup_date="SignupDate")
    assert len(table.frame) == len(customers) and set(
        transactions.to_pandas()["customer_id"]
    ) <= set(table.frame["customer_id"])


def test_same_seed_same_export():
    first, _ = make_shop_export(100, seed=5)
    second, _ = make_shop_export(100, seed=5)
    pd.testing.assert_frame_equal(first, second)


def test_data_folder_holds_the_generated_exports(tmp_path):
    orders, customers = write_example_exports(tmp_path)
    assert orders.read_bytes() == (DATA / "orders.csv").read_bytes()
    assert customers.read_bytes() == (DATA / "customers.csv").read_bytes()
