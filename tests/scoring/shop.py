"""A small simulated shop and a fast scoring configuration, shared by the scoring and CLI tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crm_analytics.datasets import make_transactions

N_CUSTOMERS = 2_000
SEED = 11

#: Settings that keep the tests quick: fixed k for the clusters (no search), a logistic churn
#: model (no boosting) and two reasons per customer.
FAST_MODEL = {"n_clusters": 3, "churn_estimator": "logistic", "n_reasons": 2}


def assert_same_scores(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Equal scores, up to the last bits of rfm_summary's sums.

    rfm_summary's per-customer sums differ in the last bits from call to call (the order in
    which Polars' group-by adds them up); the Gamma-Gamma fit carries that to ~1e-8, and it
    can flip the rounding of a number quoted in a reason ("total spend 717.4" for 717.35).
    So numbers are compared to 1e-6 and reasons must agree for 99% of the customers.
    """
    reasons = [column for column in left.columns if column.startswith("reason_")]
    pd.testing.assert_frame_equal(
        left.drop(columns=reasons), right.drop(columns=reasons), rtol=1e-6
    )
    same = left[reasons].fillna("") == right[reasons].fillna("")
    assert same.to_numpy().mean() > 0.99


def simulated_shop() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Transactions and the customer table (without the simulation's true state)."""
    transactions, customers = make_transactions(N_CUSTOMERS, seed=SEED)
    return transactions, customers[["customer_id", "signup_date", "region", "channel"]]


def write_shop(folder: Path) -> tuple[Path, Path]:
    """The shop as exported CSV files with the shop's own column names.

    Amounts are rounded to quarters, which binary floating point holds exactly, so every sum
    of them is exact whatever order it is added up in: rfm_summary's sums then do not vary in
    the last bits between calls, and the byte-identity checks test the pipeline itself.
    """
    transactions, customers = simulated_shop()
    transactions = transactions.assign(amount=(transactions["amount"] * 4).round() / 4 + 0.25)
    folder.mkdir(parents=True, exist_ok=True)
    export = transactions.rename(
        columns={
            "customer_id": "Customer ID",
            "date": "Order Date",
            "amount": "Line Value",
            "order_id": "Order",
        }
    )
    orders, table = folder / "orders.csv", folder / "customers.csv"
    export.to_csv(orders, index=False)
    customers.rename(columns={"customer_id": "Customer ID"}).to_csv(table, index=False)
    return orders, table


CONFIG_TOML = """\
[transactions]
path = "orders.csv"
customer_id = "Customer ID"
date = "Order Date"
amount = "Line Value"
order_id = "Order"

[customers]
path = "customers.csv"
customer_id = "Customer ID"
signup_date = "signup_date"
attributes = ["region", "channel"]

[model]
n_clusters = 3
churn_estimator = "logistic"
n_reasons = 2

[output]
report_by = ["region"]
"""
