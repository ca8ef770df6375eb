"""Cohort tables and loyalty metrics: a hand-computed log, invariants, and the Online Retail log."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics.cohorts import cohort_table, loyalty_metrics
from crm_analytics.exceptions import DataValidationError
from tests.online_retail import online_retail_transactions

NAN = np.nan


@pytest.fixture
def five_customers() -> pd.DataFrame:
    """Five customers over January-April 2024 (2024 is a leap year: February has 29 days).

    a: Jan 5, Feb 10, Mar 3      b: Jan 20, Mar 15      c: Feb 1, Feb 20
    d: Feb 14, Apr 2             e: Mar 30
    Order o3 has two lines, so it is one purchase of 30.
    """
    rows = [
        ("a", "2024-01-05", 10.0, "o1"),
        ("a", "2024-02-10", 20.0, "o2"),
        ("a", "2024-03-03", 12.0, "o3"),
        ("a", "2024-03-03", 18.0, "o3"),
        ("b", "2024-01-20", 15.0, "o4"),
        ("b", "2024-03-15", 25.0, "o5"),
        ("c", "2024-02-01", 40.0, "o6"),
        ("c", "2024-02-20", 10.0, "o7"),
        ("d", "2024-02-14", 50.0, "o8"),
        ("d", "2024-04-02", 5.0, "o9"),
        ("e", "2024-03-30", 60.0, "o10"),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "order_id"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def expected_table(values: list[list[float]], cohorts: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        np.array(values, dtype=float),
        index=pd.PeriodIndex(cohorts, freq="M", name="cohort"),
        columns=pd.RangeIndex(len(values[0]), name="periods_since_first_purchase"),
    )


COHORTS = ["2024-01", "2024-02", "2024-03"]


def test_cohort_customers_by_hand(five_customers):
    # Jan cohort {a, b}: Jan both, Feb a, Mar a and b, Apr nobody.
    # Feb cohort {c, d}: Feb both, Mar nobody, Apr d.   Mar cohort {e}: Mar e, Apr nobody.
    counts = [[2, 1, 2, 0], [2, 0, 1, NAN], [1, 0, NAN, NAN]]
    pd.testing.assert_frame_equal(cohort_table(five_customers), expected_table(counts, COHORTS))
    rates = [[1, 0.5, 1, 0], [1, 0, 0.5, NAN], [1, 0, NAN, NAN]]
    pd.testing.assert_frame_equal(
        cohort_table(five_customers, normalize=True), expected_table(rates, COHORTS)
    )


def test_cohort_revenue_and_orders_by_hand(five_customers):
    revenue = [[25, 20, 55, 0], [100, 0, 5, NAN], [60, 0, NAN, NAN]]
    pd.testing.assert_frame_equal(
        cohort_table(five_customers, metric="revenue"), expected_table(revenue, COHORTS)
    )
    per_customer = [[12.5, 10, 27.5, 0], [50, 0, 2.5, NAN], [60, 0, NAN, NAN]]
    pd.testing.assert_frame_equal(
        cohort_table(five_customers, metric="revenue", normalize=True),
        expected_table(per_customer, COHORTS),
    )
    # o3's two lines are one order; c's two February orders count twice.
    orders = [[2, 1, 2, 0], [3, 0, 1, NAN], [1, 0, NAN, NAN]]
    pd.testing.assert_frame_equal(
        cohort_table(five_customers, metric="orders"), expected_table(orders, COHORTS)
    )


def test_cohort_quarterly(five_customers):
    # Q1 cohort is everybody; in Q2 only d purchases.
    expected = pd.DataFrame(
        [[5.0, 1.0]],
        index=pd.PeriodIndex(["2024Q1"], freq="Q", name="cohort"),
        columns=pd.RangeIndex(2, name="periods_since_first_purchase"),
    )
    pd.testing.assert_frame_equal(cohort_table(five_customers, period="Q"), expected)


def test_orders_without_order_id_are_customer_timestamps(five_customers):
    without_ids = five_customers.drop(columns="order_id")
    pd.testing.assert_frame_equal(
        cohort_table(without_ids, metric="orders"), cohort_table(five_customers, metric="orders")
    )


def test_loyalty_metrics_by_hand(five_customers):
    metrics = loyalty_metrics(five_customers)
    expected = pd.DataFrame(
        {
            "active_customers": [2, 3, 3, 1],
            "new_customers": [2, 2, 1, 0],
            "returning_customers": [0, 1, 2, 1],
            "revenue": [25.0, 120.0, 115.0, 5.0],
            # Feb: a's 20 of 120; Mar: a's 30 and b's 25 of 115; Apr: all from d.
            "returning_revenue_share": [0.0, 20 / 120, 55 / 115, 1.0],
            # Cumulative customers with two purchases: Feb a, c; Mar + b; Apr + d.
            "repeat_purchase_rate": [0.0, 2 / 4, 3 / 5, 4 / 5],
            # Feb keeps a of {a, b}; Mar keeps a of {a, c, d}; Apr keeps none of {a, b, e}.
            "retention_rate": [NAN, 0.5, 1 / 3, 0.0],
            "churn_rate": [NAN, 0.5, 2 / 3, 1.0],
            # Feb: a 36 days, c 19; Mar: a 22, b 55; Apr: d 48.
            "average_purchase_interval_days": [NAN, 27.5, 38.5, 48.0],
        },
        index=pd.PeriodIndex(["2024-01", "2024-02", "2024-03", "2024-04"], freq="M", name="period"),
    )
    pd.testing.assert_frame_equal(metrics, expected)


def test_loyalty_metrics_keeps_empty_periods(five_customers):
    gap = five_customers[five_customers["date"] < "2024-02-01"].copy()
    later = five_customers.iloc[[0]].assign(date=pd.Timestamp("2024-03-09"), order_id="o99")
    metrics = loyalty_metrics(pd.concat([gap, later]))
    assert list(metrics.index.astype(str)) == ["2024-01", "2024-02", "2024-03"]
    assert metrics["active_customers"].tolist() == [2, 0, 1]
    # Nobody was active in February, so March retention is undefined, not 0 or 1.
    assert metrics["retention_rate"].isna().tolist() == [True, False, True]
    assert metrics.loc["2024-02", "retention_rate"] == 0.0
    assert np.isnan(metrics.loc["2024-02", "returning_revenue_share"])
    assert metrics.loc["2024-03", "average_purchase_interval_days"] == 64.0


@st.composite
def logs(draw) -> pd.DataFrame:
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, 7),
                st.integers(0, 400),
                st.floats(-50, 500, allow_nan=False),
            ),
            min_size=1,
            max_size=60,
        )
    )
    customers, days, amounts = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "customer_id": [f"c{c}" for c in customers],
            "date": pd.Timestamp("2023-11-15") + pd.to_timedelta(days, unit="D"),
            "amount": amounts,
        }
    )


def slow_retention(log: pd.DataFrame, period: str) -> dict[tuple[int, int], int]:
    """Active customers per (cohort ordinal, periods since) by a loop over customers."""
    counts: dict[tuple[int, int], int] = {}
    for _, purchases in log.groupby("customer_id"):
        ordinals = {p.ordinal for p in purchases["date"].dt.to_period(period)}
        first = min(ordinals)
        for ordinal in ordinals:
            counts[first, ordinal - first] = counts.get((first, ordinal - first), 0) + 1
    return counts


@settings(max_examples=60, deadline=None)
@given(log=logs(), period=st.sampled_from(["W", "M", "Q"]))
def test_cohort_invariants(log, period):
    counts = cohort_table(log, period=period)
    expected = slow_retention(log, period)
    observed = {
        (cohort.ordinal, offset): int(value)
        for (cohort, offset), value in counts.stack().items()
        if value > 0
    }
    assert observed == expected
    assert counts[0].sum() == log["customer_id"].nunique()
    rates = cohort_table(log, period=period, normalize=True).to_numpy()
    assert np.all((rates[~np.isnan(rates)] >= 0) & (rates[~np.isnan(rates)] <= 1))
    assert np.all(rates[:, 0] == 1)
    revenue = cohort_table(log, period=period, metric="revenue")
    assert revenue.sum().sum() == pytest.approx(log["amount"].sum(), abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(log=logs(), period=st.sampled_from(["W", "M"]))
def test_loyalty_invariants(log, period):
    metrics = loyalty_metrics(log, period=period)
    assert metrics["new_customers"].sum() == log["customer_id"].nunique()
    assert (metrics["returning_customers"] >= 0).all()
    for column in ["retention_rate", "repeat_purchase_rate"]:
        values = metrics[column].dropna()
        assert ((values >= 0) & (values <= 1)).all()
    np.testing.assert_allclose(metrics["churn_rate"], 1 - metrics["retention_rate"])
    assert metrics["revenue"].sum() == pytest.approx(log["amount"].sum(), abs=1e-6)
    assert (metrics["average_purchase_interval_days"].dropna() >= 0).all()
    assert metrics["retention_rate"].isna().iloc[0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda log: log.drop(columns="customer_id"), "column 'customer_id' not found"),
        (lambda log: log.iloc[:0], "empty"),
        (lambda log: log.assign(date=log["date"].astype(str)), "not datetime64.*to_datetime"),
        (
            lambda log: log.assign(order_id=log["order_id"].where(log.index > 1)),
            "'order_id' has 2 missing value",
        ),
    ],
)
def test_bad_input(five_customers, change, message):
    with pytest.raises(DataValidationError, match=message):
        cohort_table(change(five_customers))
    with pytest.raises(DataValidationError, match=message):
        loyalty_metrics(change(five_customers))


def test_bad_arguments(five_customers):
    with pytest.raises(DataValidationError, match="metric='profit'.*'customers', 'revenue'"):
        cohort_table(five_customers, metric="profit")
    with pytest.raises(DataValidationError, match="period='fortnight'.*'D', 'W', 'M'"):
        loyalty_metrics(five_customers, period="fortnight")
    with pytest.raises(DataValidationError, match="column 'amount' not found"):
        cohort_table(five_customers.drop(columns="amount"), metric="revenue")
    assert cohort_table(five_customers.drop(columns="amount")).iloc[0, 0] == 2


def test_online_retail(shared_data):
    log = online_retail_transactions(shared_data)
    counts = cohort_table(log)
    months = log["date"].dt.to_period("M")
    december = set(log.loc[months == "2010-12", "customer_id"])
    january = set(log.loc[months == "2011-01", "customer_id"])
    assert counts.shape == (13, 13)
    # 4,372 customers in the dataset README; the first cohort is everybody active in Dec 2010.
    assert counts[0].sum() == 4372
    assert counts.loc["2010-12", 0] == len(december) == 948
    assert counts.loc["2010-12", 1] == len(december & january)
    rates = cohort_table(log, normalize=True)
    assert 0.3 < rates.loc["2010-12", 1] < 0.45
    metrics = loyalty_metrics(log)
    assert metrics["active_customers"].iloc[1] == len(january)
    assert metrics["retention_rate"].iloc[1] == pytest.approx(len(december & january) / 948)
    # A wholesaler base: most revenue after the first quarter comes from returning customers.
    assert (metrics["returning_revenue_share"].iloc[3:] > 0.6).all()


@pytest.mark.parametrize("function", [partial(cohort_table, metric="revenue"), loyalty_metrics])
def test_infinite_amount_is_rejected(five_customers, function):
    log = five_customers.assign(amount=five_customers["amount"].replace(20.0, np.inf))
    with pytest.raises(DataValidationError, match=r"'amount' has 1 infinite value\(s\) \(rows 1\)"):
        function(log)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (lambda amount: amount.astype(str), "11 of 11 value"),
        (lambda amount: amount.astype(object).where(amount.index != 3, "12.50"), "1 of 11 value"),
    ],
)
def test_text_amount_is_rejected(five_customers, amount, message):
    log = five_customers.assign(amount=amount(five_customers["amount"]))
    expected = f"'amount' is not numeric.*{message}.*pandas.to_numeric"
    with pytest.raises(DataValidationError, match=expected):
        cohort_table(log, metric="revenue")
    with pytest.raises(DataValidationError, match=expected):
        loyalty_metrics(log)
