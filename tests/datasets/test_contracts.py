"""make_contracts simulates the retention process it claims to; the Fader-Hardie segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import betaln

from crm_analytics.datasets import load_retention_segments, make_contracts
from crm_analytics.exceptions import DataValidationError


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    return make_contracts(20_000, seed=3, effects={})


def test_same_seed_same_table(simulated):
    pd.testing.assert_frame_equal(make_contracts(20_000, seed=3, effects={}), simulated)
    assert not make_contracts(20_000, seed=4, effects={}).equals(simulated)


def test_lifetimes_follow_the_sbg(simulated):
    # P(T > t) = B(alpha, beta + t) / B(alpha, beta) with alpha 1.2, beta 12.
    lifetime = simulated["true_lifetime"].to_numpy()
    for t in (1, 3, 12, 36):
        expected = np.exp(betaln(1.2, 12 + t) - betaln(1.2, 12))
        share = (lifetime > t).mean()
        assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / len(lifetime))
    theta = simulated["true_theta"]
    assert stats.kstest(theta, stats.beta(1.2, 12).cdf).pvalue > 0.01


def test_duration_dependence_follows_the_discrete_weibull():
    customers = make_contracts(20_000, seed=5, effects={}, alpha=2.0, beta=6.0, c=0.6)
    lifetime = customers["true_lifetime"].to_numpy()
    for t in (1, 4, 20):
        expected = np.exp(betaln(2.0, 6.0 + t**0.6) - betaln(2.0, 6.0))
        assert abs((lifetime > t).mean() - expected) < 0.015


def test_dates_are_renewal_dates_inside_the_window(simulated):
    left = simulated.dropna(subset=["cancel_date"])
    months = (left["cancel_date"].dt.year - left["signup_date"].dt.year) * 12 + (
        left["cancel_date"].dt.month - left["signup_date"].dt.month
    )
    assert (months == left["true_lifetime"]).all()
    assert (left["cancel_date"] <= pd.Timestamp("2024-01-01")).all()
    assert simulated["churned"].equals(simulated["cancel_date"].notna())
    assert simulated["signup_date"].is_monotonic_increasing
    assert simulated["signup_date"].min() >= pd.Timestamp("2021-01-01")
    # Nobody active at the end has a lifetime that should have ended inside the window.
    active = simulated[~simulated["churned"]]
    ends = [
        start + pd.DateOffset(months=int(min(months, 40)))
        for start, months in zip(active["signup_date"], active["true_lifetime"], strict=True)
    ]
    assert min(ends) > pd.Timestamp("2024-01-01")


def test_attributes_shift_lifetimes_by_their_effects():
    customers = make_contracts(30_000, seed=6, alpha=400, beta=3600)
    # With theta ~ 0.1 for all: S(t) = (1 - 0.1) ** (t exp(b)), so -log S(t) / t ~ exp(b) 0.105.
    for plan, effect in {"basic": 0.0, "plus": -0.4, "premium": -0.8}.items():
        group = customers[(customers["plan"] == plan) & (customers["payment"] == "card")]
        share = (group["true_lifetime"] > 5).mean()
        assert -np.log(share) / 5 == pytest.approx(-np.log(0.9) * np.exp(effect), rel=0.08)
    assert customers.groupby("plan")["fee"].median().round(-1).to_dict() == {
        "basic": 20.0,
        "plus": 30.0,
        "premium": 50.0,
    }


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_customers": 0}, "n_customers must be a whole number"),
        ({"acquisition_periods": 40}, "cannot exceed n_periods"),
        ({"alpha": -1.0}, "alpha must be a finite number > 0"),
        ({"effects": {"colour": {"red": 1.0}}}, "unknown attribute 'colour'"),
        ({"effects": {"plan": {"basic": 1.0}}}, "not a level with an effect"),
        ({"period": "fortnight"}, "period must be one of"),
    ],
)
def test_bad_arguments_are_explained(kwargs, match):
    with pytest.raises(DataValidationError, match=match):
        make_contracts(**{"n_customers": 10, "seed": 1, **kwargs})


def test_retention_segments_are_table_1_of_fader_and_hardie():
    segments = load_retention_segments()
    assert segments.index.tolist() == list(range(13))
    assert (segments.diff().dropna() <= 0).all().all()
    assert segments.loc[12].to_dict() == {"regular": 173, "high_end": 394}
