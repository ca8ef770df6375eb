"""make_transactions simulates the BG/NBD and Gamma-Gamma processes it claims to."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.datasets import make_transactions
from crm_analytics.summary import rfm_summary


@pytest.fixture(scope="module")
def simulated() -> tuple[pd.DataFrame, pd.DataFrame]:
    return make_transactions(3_000, seed=7)


def test_same_seed_same_data(simulated: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    transactions, customers = make_transactions(3_000, seed=7)
    pd.testing.assert_frame_equal(transactions, simulated[0])
    pd.testing.assert_frame_equal(customers, simulated[1])
    assert not make_transactions(3_000, seed=8)[0].equals(transactions)


def test_log_is_consistent_with_customer_table(
    simulated: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    transactions, customers = simulated
    customers = customers.set_index("customer_id")
    first = transactions.groupby("customer_id")["date"].min()
    last = transactions.groupby("customer_id")["date"].max()
    # Buyers sign up with their first purchase; prospects (5%) never buy.
    pd.testing.assert_series_equal(
        customers.loc[first.index, "signup_date"], first, check_names=False
    )
    prospects = customers.index.difference(first.index)
    assert len(prospects) == 150
    assert customers.loc[prospects, "alive"].isna().all()
    # BG/NBD customers leave right after a purchase, so a dropout is their last purchase.
    left = customers["alive"].eq(False)
    pd.testing.assert_series_equal(
        customers.loc[left, "dropout_date"], last[left[left].index], check_names=False
    )
    assert customers.loc[customers["alive"].eq(True), "dropout_date"].isna().all()


def test_orders_and_lines(simulated: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    transactions = simulated[0]
    per_order = transactions.groupby("order_id").agg(
        customers=("customer_id", "nunique"), dates=("date", "nunique"), lines=("product", "size")
    )
    assert (per_order[["customers", "dates"]] == 1).all().all()
    assert per_order["lines"].mean() > 1.3
    assert (transactions["amount"] >= 0.01).all()
    assert (transactions["quantity"] >= 1).all()
    assert transactions["date"].is_monotonic_increasing
    # Zipf popularity: the most popular product is in more lines than the tenth.
    counts = transactions["product"].value_counts()
    assert counts["P001"] > 3 * counts["P010"]


def test_parameters_are_recovered() -> None:
    lifetimes = pytest.importorskip("lifetimes")
    transactions, _ = make_transactions(100_000, seed=1)
    # Hours, expressed in days, so that same-day purchases are not merged.
    summary = rfm_summary(transactions, freq="h", freq_multiplier=24)
    rows = summary.groupby(["frequency", "recency", "T"]).size().rename("weight").reset_index()
    purchases = lifetimes.BetaGeoFitter().fit(
        rows["frequency"], rows["recency"], rows["T"], weights=rows["weight"]
    )
    repeat = summary[summary["frequency"] > 0]
    spend = lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    # r and alpha are pinned down to about 1% at this size; a and b only to about 3-4%.
    np.testing.assert_allclose(purchases.params_[["r", "alpha"]], [0.243, 30.9], rtol=0.03)
    np.testing.assert_allclose(purchases.params_[["a", "b"]], [0.793, 2.426], rtol=0.08)
    np.testing.assert_allclose(spend.params_, [6.25, 3.74, 15.44], rtol=0.05)
