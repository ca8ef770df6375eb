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


def simulated_shop() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Transactions and the customer table (without the simulation's true state)."""
    transactions, customers = make_transactions(N_CUSTOMERS, seed=SEED)
    return transactions, customers[["customer_id", "signup_date", "region", "channel"]]


def write_shop(folder: Path) -> tuple[Path, Path]:
    """The shop as exported CSV files with the shop's own column names."""
    transactions, customers = simulated_shop()
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
