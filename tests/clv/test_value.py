"""Tests for crm_analytics.clv.value: hand-computed CLV, lifetimes cross-check, invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics.clv import value
from crm_analytics.clv.value import customer_lifetime_value
from crm_analytics.exceptions import DataValidationError, NotFittedError
from tests.clv.clv_eval_data import (
    CDNOW_CALIBRATION_END,
    load_cdnow_sample,
    summary_from_transactions,
)


class LinearPurchases:
    """E[X(t) | f, r, T] = rate * t with rate = (f + 1) / 100: a constant purchase rate."""

    params_ = pd.Series({"rate": 0.01})

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        return (np.asarray(frequency) + 1) / 100 * np.asarray(t)


class SpendAsObserved:
    """Expected spend per purchase = the observed average (no shrinkage)."""

    params_ = pd.Series({"p": 1.0})

    def conditional_expected_average_profit(self, frequency, monetary_value):
        return np.asarray(monetary_value, dtype=float)


def small_summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "frequency": [0, 1, 4],
            "recency": [0.0, 10.0, 50.0],
            "T": [20.0, 40.0, 60.0],
            "monetary_value": [0.0, 20.0, 50.0],
        },
        index=pd.Index(["a", "b", "c"], name="customer_id"),
    )


@pytest.fixture(scope="module")
def cdnow_models(lifetimes):
    summary = summary_from_transactions(load_cdnow_sample(), CDNOW_CALIBRATION_END, freq="W")
    frequency, recency, age = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    transaction_model = lifetimes.BetaGeoFitter().fit(frequency, recency, age)
    repeat = summary[summary["frequency"] > 0]
    spend_model = lifetimes.GammaGammaFitter().fit(
        repeat["frequency"].to_numpy(), repeat["monetary_value"].to_numpy()
    )
    return summary, transaction_model, spend_model


def test_clv_by_hand():
    # Customer c: rate 5/100 per day, 30 days a month -> 1.5 purchases a month at 50 each,
    # 40% margin: 30 a month, discounted at 10% a month over 3 months.
    clv = customer_lifetime_value(
        LinearPurchases(),
        SpendAsObserved(),
        small_summary(),
        horizon=3,
        discount_rate=0.10,
        margin=0.4,
    )
    annuity = 1 / 1.1 + 1 / 1.1**2 + 1 / 1.1**3
    assert clv["c"] == pytest.approx(30 * annuity, rel=1e-12)
    # b: rate 2/100 a day, 0.6 purchases a month at 20 -> 12 a month before margin.
    assert clv["b"] == pytest.approx(0.4 * 12 * annuity, rel=1e-12)
    assert clv["a"] == 0.0
    assert clv.name == "clv" and clv.index.equals(small_summary().index)


def test_weekly_units_use_lifetimes_month_of_4345_weeks():
    clv = customer_lifetime_value(
        LinearPurchases(),
        SpendAsObserved(),
        small_summary(),
        horizon=1,
        discount_rate=0.0,
        freq="W",
    )
    assert clv["c"] == pytest.approx(0.05 * 4.345 * 50, rel=1e-12)
    # The same summary in units of 7 days counts a month as 30 / 7 units.
    clv = customer_lifetime_value(
        LinearPurchases(),
        SpendAsObserved(),
        small_summary(),
        horizon=1,
        discount_rate=0.0,
        freq="D",
        freq_multiplier=7,
    )
    assert clv["c"] == pytest.approx(0.05 * 30 / 7 * 50, rel=1e-12)


def test_finer_steps_tend_to_continuous_discounting():
    summary = small_summary()
    monthly_rate, horizon = 0.02, 12
    # Constant 1.5 purchases a month at 50 -> 75 a month for customer c.
    force = np.log(1 + monthly_rate)
    continuous = 75 * (1 - (1 + monthly_rate) ** -horizon) / force
    for steps, tolerance in [(1, 2e-2), (30, 5e-4)]:
        clv = customer_lifetime_value(
            LinearPurchases(),
            SpendAsObserved(),
            summary,
            horizon=horizon,
            discount_rate=monthly_rate,
            steps_per_month=steps,
        )
        # Each step of 1/steps month earns 75/steps, discounted at its end: a geometric series.
        ratio = (1 + monthly_rate) ** (-1 / steps)
        exact = 75 / steps * ratio * (1 - ratio ** (horizon * steps)) / (1 - ratio)
        assert clv["c"] == pytest.approx(exact, rel=1e-12)
        assert clv["c"] == pytest.approx(continuous, rel=tolerance)


@pytest.mark.parametrize(("freq", "horizon", "discount_rate"), [("W", 12, 0.01), ("W", 5, 0.0)])
def test_clv_equals_lifetimes_gamma_gamma_customer_lifetime_value(
    cdnow_models, freq, horizon, discount_rate
):
    summary, transaction_model, spend_model = cdnow_models
    reference = spend_model.customer_lifetime_value(
        transaction_model,
        summary["frequency"],
        summary["recency"].to_numpy(),
        summary["T"].to_numpy(),
        summary["monetary_value"].to_numpy(),
        time=horizon,
        discount_rate=discount_rate,
        freq=freq,
    )
    clv = customer_lifetime_value(
        transaction_model,
        spend_model,
        summary,
        horizon=horizon,
        discount_rate=discount_rate,
        freq=freq,
    )
    np.testing.assert_allclose(clv.to_numpy(), reference.to_numpy(), rtol=1e-10)
    assert clv.index.equals(summary.index)


def test_clv_scales_with_margin_and_chunks_agree(cdnow_models, monkeypatch):
    summary, transaction_model, spend_model = cdnow_models
    arguments = {"horizon": 6, "discount_rate": 0.01, "freq": "W"}
    revenue = customer_lifetime_value(transaction_model, spend_model, summary, **arguments)
    profit = customer_lifetime_value(
        transaction_model, spend_model, summary, margin=0.25, **arguments
    )
    np.testing.assert_allclose(profit, 0.25 * revenue, rtol=1e-14)
    monkeypatch.setattr(value, "_CHUNK_SIZE", 7)
    chunked = customer_lifetime_value(transaction_model, spend_model, summary, **arguments)
    np.testing.assert_allclose(chunked, revenue, rtol=1e-14)


history = st.tuples(st.integers(0, 6), st.integers(0, 30), st.integers(0, 10))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(history, min_size=1, max_size=25),
    st.integers(1, 8),
    st.floats(0.0, 0.2),
)
def test_clv_equals_a_slow_monthly_loop(lifetimes, histories, horizon, discount_rate):
    model = lifetimes.BetaGeoFitter()
    model.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    frequency = np.array([f for f, _, _ in histories])
    recency = np.array([float(r) if f > 0 else 0.0 for f, r, _ in histories])
    age = recency + np.array([extra for _, _, extra in histories])
    summary = pd.DataFrame(
        {"frequency": frequency, "recency": recency, "T": age, "monetary_value": 10.0 + frequency}
    )
    clv = customer_lifetime_value(
        model, SpendAsObserved(), summary, horizon=horizon, discount_rate=discount_rate, freq="W"
    )
    slow = np.zeros(len(summary))
    for month in range(1, horizon + 1):
        purchases = model.conditional_expected_number_of_purchases_up_to_time(
            month * 4.345, frequency, recency, age
        ) - model.conditional_expected_number_of_purchases_up_to_time(
            (month - 1) * 4.345, frequency, recency, age
        )
        slow += summary["monetary_value"].to_numpy() * purchases / (1 + discount_rate) ** month
    np.testing.assert_allclose(clv.to_numpy(), slow, rtol=1e-10, atol=1e-12)
    longer = customer_lifetime_value(
        model,
        SpendAsObserved(),
        summary,
        horizon=horizon + 1,
        discount_rate=discount_rate,
        freq="W",
    )
    assert (longer.to_numpy() >= clv.to_numpy()).all()


def test_missing_monetary_value_is_named():
    with pytest.raises(
        DataValidationError, match="lacks column\\(s\\) 'monetary_value'.*rfm_summary"
    ):
        customer_lifetime_value(
            LinearPurchases(),
            SpendAsObserved(),
            small_summary().drop(columns="monetary_value"),
            horizon=12,
            discount_rate=0.01,
        )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"horizon": 0, "discount_rate": 0.01}, r"horizon must be a whole number in \[1, 1200\]"),
        ({"horizon": 1.5, "discount_rate": 0.01}, r"horizon must be a whole number in \[1, 1200\]"),
        ({"horizon": 100_000, "discount_rate": 0.01}, "beyond a century the discounted value"),
        ({"horizon": 12, "discount_rate": -0.01}, r"discount_rate must be a number in \[0, 1\)"),
        ({"horizon": 12, "discount_rate": "1%"}, r"discount_rate must be a number in \[0, 1\)"),
        ({"horizon": 12, "discount_rate": 1.5}, r"a monthly rate; an annual rate R is"),
        (
            {"horizon": 12, "discount_rate": 0.01, "margin": 0},
            r"margin must be a fraction .*\(0, 1\]",
        ),
        ({"horizon": 12, "discount_rate": 0.01, "freq": "Y"}, "freq must be one of 'H', 'D'"),
        ({"horizon": 12, "discount_rate": 0.01, "steps_per_month": 0}, "steps_per_month must"),
    ],
)
def test_bad_arguments_are_explained(arguments, message):
    with pytest.raises(DataValidationError, match=message):
        customer_lifetime_value(LinearPurchases(), SpendAsObserved(), small_summary(), **arguments)


def test_negative_spend_is_rejected():
    summary = small_summary()
    summary.loc["b", "monetary_value"] = -5.0
    with pytest.raises(DataValidationError, match="'monetary_value'.*1 row\\(s\\) with negative"):
        customer_lifetime_value(
            LinearPurchases(), SpendAsObserved(), summary, horizon=12, discount_rate=0.01
        )


def test_unfitted_spend_model_is_rejected(lifetimes):
    with pytest.raises(NotFittedError, match="spend_model GammaGammaFitter is not fitted"):
        customer_lifetime_value(
            LinearPurchases(),
            lifetimes.GammaGammaFitter(),
            small_summary(),
            horizon=12,
            discount_rate=0.01,
        )


@pytest.mark.parametrize(
    ("margin", "message"),
    [
        (
            30,
            r"margin must be a fraction of spend in \(0, 1\], got 30; for a 30% margin pass "
            r"margin=0.3",
        ),
        (1.5, r"got 1.5; for a 1.5% margin pass margin=0.015"),
        (np.nan, r"got nan; e.g. margin=0.3 for 30%"),
        (np.inf, r"got inf; e.g. margin=0.3 for 30%"),
    ],
)
def test_margin_typed_as_a_percentage_is_refused(margin, message):
    # margin=30 gave 30 times the value.
    with pytest.raises(DataValidationError, match=message):
        customer_lifetime_value(
            LinearPurchases(),
            SpendAsObserved(),
            small_summary(),
            horizon=12,
            discount_rate=0.01,
            margin=margin,
        )


def test_impossible_histories_are_named_by_customer():
    summary = small_summary()
    summary.loc["b", "recency"] = 45.0
    with pytest.raises(DataValidationError, match=r"1 row\(s\) have recency > T \(customer_id b\)"):
        customer_lifetime_value(
            LinearPurchases(), SpendAsObserved(), summary, horizon=12, discount_rate=0.01
        )
