"""Churn features: hand-checked values, equality with a slow reference, and no leakage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics.churn.features import churn_features, make_churn_dataset, make_churn_panel
from crm_analytics.exceptions import DataValidationError

START = pd.Timestamp("2024-01-01")


def _random_log(seed: int, n_rows: int = 400, n_customers: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": rng.integers(0, n_customers, n_rows),
            "date": START + pd.to_timedelta(rng.integers(0, 365 * 86400, n_rows), unit="s"),
            "amount": rng.gamma(2.0, 10.0, n_rows).round(2),
            "order_id": rng.integers(0, n_rows // 2, n_rows),
            "product": rng.choice(list("ABCDEFG"), n_rows),
        }
    )


LOG = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "a", "b", "c"],
        "date": pd.to_datetime(
            ["2024-01-01", "2024-01-11", "2024-01-11", "2024-03-01", "2024-02-25", "2024-04-01"]
        ),
        "amount": [10.0, 20.0, 5.0, 30.0, 7.0, 3.0],
        "order_id": [1, 2, 2, 3, 4, 5],
        "product": ["x", "y", "z", "x", "x", "y"],
    }
)


def test_features_by_hand():
    X = churn_features(LOG, cutoff="2024-03-10", windows=[60])
    a = X.loc["a"]
    # Orders on 01-01, 01-11 (two lines) and 03-01; cutoff 03-10.
    assert a["n_orders"] == 3 and a["total_amount"] == 65.0
    assert a["frequency"] == 2 and a["recency"] == 60 and a["T"] == 69
    assert a["days_since_last_purchase"] == 9
    # Last 60 days = (01-10, 03-10]: orders 2 and 3; the 60 before: order 1.
    assert (a["orders_60d"], a["amount_60d"]) == (2, 55.0)
    assert (a["orders_trend_60d"], a["amount_trend_60d"]) == (1, 45.0)
    assert a["interpurchase_mean_days"] == 30 and a["interpurchase_std_days"] == 20
    assert a["recency_to_rhythm"] == pytest.approx(9 / 30)
    assert a["n_products"] == 3 and a["products_per_order"] == 1
    b = X.loc["b"]
    assert np.isnan(b["interpurchase_mean_days"]) and np.isnan(b["recency_to_rhythm"])
    assert list(X.index) == ["a", "b"] and X.index.name == "customer_id"


def _slow_windows(log: pd.DataFrame, cutoff: pd.Timestamp, window: int) -> pd.DataFrame:
    day = log["date"].dt.normalize()
    rows = []
    for customer, group in log[day <= cutoff].groupby("customer_id"):
        gday = group["date"].dt.normalize()
        ages = (cutoff - gday).dt.days
        last, previous = group[ages < window], group[(ages >= window) & (ages < 2 * window)]
        first_days = group.assign(d=gday).groupby("order_id")["d"].min()
        order_ages = (cutoff - first_days).dt.days
        distinct = np.sort(gday.unique())
        gaps = np.diff(distinct) / np.timedelta64(1, "D")
        rows.append(
            {
                "customer_id": customer,
                f"orders_{window}d": float((order_ages < window).sum()),
                f"amount_{window}d": last["amount"].sum(),
                f"orders_trend_{window}d": float(
                    (order_ages < window).sum()
                    - ((order_ages >= window) & (order_ages < 2 * window)).sum()
                ),
                f"amount_trend_{window}d": last["amount"].sum() - previous["amount"].sum(),
                "interpurchase_mean_days": gaps.mean() if len(gaps) else np.nan,
                "interpurchase_std_days": gaps.std() if len(gaps) > 1 else np.nan,
                "n_products": float(group["product"].nunique()),
            }
        )
    return pd.DataFrame(rows).set_index("customer_id")


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), cutoff_day=st.integers(30, 300), window=st.integers(1, 120))
def test_window_features_equal_a_slow_reference(seed, cutoff_day, window):
    log = _random_log(seed)
    # Order ids are per customer in a clean log.
    log["order_id"] = log["customer_id"] * 1000 + log["order_id"]
    cutoff = START + pd.Timedelta(days=cutoff_day)
    expected = _slow_windows(log, cutoff, window)
    X = churn_features(log, cutoff=cutoff, windows=[window])
    pd.testing.assert_frame_equal(
        X[expected.columns], expected, check_names=False, check_dtype=False, atol=1e-9
    )


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), cutoff_day=st.integers(30, 250))
def test_nothing_after_the_cutoff_changes_the_features(seed, cutoff_day):
    log = _random_log(seed)
    customers = pd.DataFrame(
        {"customer_id": range(40), "region": list("NSEW") * 10, "score": np.arange(40.0)}
    )
    cutoff = START + pd.Timedelta(days=cutoff_day)
    X, _ = make_churn_dataset(log, customers, cutoff=cutoff, horizon=60, label="non_contractual")
    rng = np.random.default_rng(seed + 1)
    after = log["date"].dt.normalize() > cutoff
    changed = log.copy()
    n_after = int(after.sum())
    changed.loc[after, "amount"] = rng.gamma(1.0, 100.0, n_after)
    changed.loc[after, "customer_id"] = rng.integers(0, 60, n_after)
    changed.loc[after, "order_id"] = rng.integers(0, 500, n_after)
    changed.loc[after, "product"] = rng.choice(list("PQRS"), n_after)
    changed.loc[after, "date"] = cutoff + pd.to_timedelta(
        rng.integers(86400, 200 * 86400, n_after), unit="s"
    )
    changed = changed.sample(frac=1.0, random_state=seed)
    X_changed, _ = make_churn_dataset(
        changed, customers, cutoff=cutoff, horizon=60, label="non_contractual"
    )
    # The labels may change (they look after the cutoff); the population is who bought
    # before it, and every feature of it must be the same.
    pd.testing.assert_frame_equal(X_changed, X)


def test_bgnbd_features_come_from_a_model_fitted_at_the_cutoff():
    from crm_analytics.churn.baselines import PAliveBaseline
    from crm_analytics.datasets import make_transactions
    from crm_analytics.summary import rfm_summary

    log, _ = make_transactions(400, seed=3)
    cutoff = "2024-12-31"
    X = churn_features(log, cutoff=cutoff)
    rfm = rfm_summary(log, observation_end=cutoff)  # the purchases of the cutoff day count
    baseline = PAliveBaseline().fit(rfm)
    np.testing.assert_allclose(
        X["bgnbd_p_alive"], 1 - baseline.churn_probability(rfm).reindex(X.index), rtol=1e-12
    )
    np.testing.assert_allclose(
        X["bgnbd_expected_purchases_90d"],
        baseline.expected_purchases(rfm, days=90).reindex(X.index),
        rtol=1e-12,
    )
    assert X["bgnbd_p_alive"].between(0, 1).all()
    # Customers who stopped long ago are less likely alive than those who just bought.
    recent = X["days_since_last_purchase"] < 30
    lapsed = (X["days_since_last_purchase"] > 180) & (X["frequency"] > 0)
    assert X.loc[recent, "bgnbd_p_alive"].mean() > X.loc[lapsed, "bgnbd_p_alive"].mean()


def test_bgnbd_features_are_unknown_when_nobody_bought_twice():
    once = LOG.drop_duplicates("customer_id")
    with pytest.warns(RuntimeWarning, match="bgnbd_p_alive and .* are left unknown"):
        X = churn_features(once, cutoff="2024-04-30")
    assert X[["bgnbd_p_alive", "bgnbd_expected_purchases_90d"]].isna().all().all()


def test_dataset_and_labels_agree():
    # a's next purchase (03-01) comes 30 days after the cutoff.
    assert make_churn_dataset(LOG, cutoff="2024-01-31", horizon=29)[1].to_dict() == {"a": 1}
    assert make_churn_dataset(LOG, cutoff="2024-01-31", horizon=30)[1].to_dict() == {"a": 0}
    dataset = make_churn_dataset(LOG, cutoff="2024-02-29", horizon=30)
    X, y = dataset
    assert y.to_dict() == {"a": 0, "b": 1}
    assert X.index.equals(y.index) and dataset.X is X and dataset.y is y
    assert dataset.label_definition.cutoffs == ("2024-02-29",)


def test_panel_stacks_cutoffs():
    panel = make_churn_panel(LOG, cutoffs=["2024-02-29", "2024-01-31"], horizon=29)
    X, y = panel
    assert list(y.index) == [
        (pd.Timestamp("2024-01-31"), "a"),
        (pd.Timestamp("2024-02-29"), "a"),
        (pd.Timestamp("2024-02-29"), "b"),
    ]
    assert y.tolist() == [1, 0, 1]  # a buys 03-01: day 30 after 01-31, day 1 after 02-29
    assert X.loc[(pd.Timestamp("2024-01-31"), "a"), "days_since_last_purchase"] == 20
    assert X.loc[(pd.Timestamp("2024-02-29"), "a"), "days_since_last_purchase"] == 49
    assert panel.label_definition.cutoffs == ("2024-01-31", "2024-02-29")
    with pytest.raises(DataValidationError, match="cutoffs repeat a date"):
        make_churn_panel(LOG, cutoffs=["2024-01-31", "2024-01-31"], horizon=30)


CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d"],
        "signup_date": pd.to_datetime(["2023-12-01", "2024-02-01", "2024-03-20", "2023-01-01"]),
        "cancel_date": pd.to_datetime([None, "2024-03-15", None, "2024-01-01"]),
        "plan": ["basic", "pro", "pro", "basic"],
    }
)


def test_contractual_dataset_with_transactions():
    X, y = make_churn_dataset(
        LOG, CUSTOMERS, cutoff="2024-02-29", horizon=30, observation_end="2024-04-30"
    )
    # c signs up after the cutoff, d cancelled before it; b cancels 15 days after it.
    assert y.to_dict() == {"a": 0, "b": 1}
    assert X.loc["a", "days_since_signup_date"] == 90
    assert X.loc["b", "plan"] == "pro" and X.loc["b", "n_orders"] == 1
    assert "cancel_date" not in X.columns and "churned" not in X.columns


def test_contractual_customer_without_purchases_has_zero_counts():
    X, _ = make_churn_dataset(
        LOG[LOG["customer_id"] != "b"],
        CUSTOMERS,
        cutoff="2024-02-29",
        horizon=30,
        observation_end="2024-04-30",
    )
    assert X.loc["b", "n_orders"] == 0 and X.loc["b", "orders_30d"] == 0
    assert np.isnan(X.loc["b", "days_since_last_purchase"])


def test_snapshot_flag_without_transactions():
    table = pd.DataFrame({"customer_id": [1, 2, 3], "plan": ["a", "b", "a"], "churned": [1, 0, 0]})
    dataset = make_churn_dataset(customers=table)
    X, y = dataset
    assert y.tolist() == [1, 0, 0] and list(X.columns) == ["plan"]
    assert dataset.label_definition.source == "churned"


def test_errors_say_what_to_change():
    with pytest.raises(DataValidationError, match="need cutoff= and horizon="):
        make_churn_dataset(LOG, cutoff="2024-01-31")
    with pytest.raises(DataValidationError, match="pass the transaction log"):
        make_churn_dataset(customers=CUSTOMERS, label="non_contractual")
    with pytest.raises(DataValidationError, match="label='sometimes' is not one of"):
        make_churn_dataset(LOG, cutoff="2024-01-31", horizon=30, label="sometimes")
    with pytest.raises(DataValidationError, match="none of the 1 customers"):
        make_churn_dataset(
            LOG,
            CUSTOMERS.assign(customer_id=[1, 2, 3, 4]),
            cutoff="2024-01-31",
            horizon=30,
            label="non_contractual",
        )
    with pytest.raises(DataValidationError, match="have the names of computed features"):
        make_churn_dataset(
            LOG, CUSTOMERS.assign(T=1), cutoff="2024-01-31", horizon=30, label="non_contractual"
        )
    with pytest.raises(DataValidationError, match="before the first date"):
        churn_features(LOG, cutoff="2023-01-01")
    with pytest.raises(DataValidationError, match=r"windows=\(\) is empty"):
        churn_features(LOG, cutoff="2024-01-31", windows=[])
    infinite = LOG.assign(amount=LOG["amount"].where(LOG.index > 0, np.inf))
    with pytest.raises(DataValidationError, match="'amount' has 1 infinite value.* out of"):
        churn_features(infinite, cutoff="2024-01-31")
    with pytest.warns(UserWarning, match="1 of 2 customers .* are not in the customer table"):
        make_churn_dataset(
            LOG,
            CUSTOMERS.iloc[:1],
            cutoff="2024-02-29",
            horizon=30,
            label="non_contractual",
        )
