"""BG/NBD and MBG/NBD: published CDNOW estimates, equality with lifetimes, recovery, stability."""

from __future__ import annotations

import mpmath
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics.clv._base import Sample
from crm_analytics.clv.beta_geo import BetaGeoFitter, ModifiedBetaGeoFitter, purchases_if_alive
from crm_analytics.exceptions import DataValidationError
from tests.clv import mpmath_reference as reference
from tests.clv.lifetimes_reference import assert_same_predictions, history_arrays
from tests.clv.simulated import bgnbd_customers

# Our fitters and the names of their lifetimes counterparts.
PAIRS = [(BetaGeoFitter, "BetaGeoFitter"), (ModifiedBetaGeoFitter, "ModifiedBetaGeoFitter")]
# Parameter sets with a < 1 and a > 1, small and large rates.
OTHER_PARAMS = [
    {"r": 0.5, "alpha": 2.0, "a": 1.7, "b": 4.0},
    {"r": 2.3, "alpha": 20.0, "a": 0.4, "b": 0.9},
]


@pytest.fixture(scope="module")
def fitted(cdnow):
    return {ours: ours().fit(cdnow) for ours, _ in PAIRS}


def test_bgnbd_reproduces_fader_hardie_lee_2005_on_cdnow(fitted):
    model = fitted[BetaGeoFitter]
    assert model.params_.round(3).to_dict() == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert round(model.log_likelihood_, 1) == -9582.4
    assert pytest.approx(8 - 2 * model.log_likelihood_) == model.AIC_
    assert pytest.approx(4 * np.log(2357) - 2 * model.log_likelihood_) == model.BIC_


def test_mbgnbd_reproduces_batislam_2007_on_cdnow(fitted):
    model = fitted[ModifiedBetaGeoFitter]
    assert model.params_.round(3).to_dict() == {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
def test_same_estimates_as_lifetimes(lifetimes, cdnow, fitted, ours, theirs):
    reference = getattr(lifetimes, theirs)().fit(*history_arrays(cdnow))
    np.testing.assert_allclose(fitted[ours].params_, reference.params_, rtol=1e-5)


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
@pytest.mark.parametrize("params", [None, *OTHER_PARAMS])
def test_log_likelihood_equals_lifetimes(lifetimes, cdnow, fitted, ours, theirs, params):
    values = fitted[ours].params_.to_numpy() if params is None else np.array(list(params.values()))
    frequency, recency, age = history_arrays(cdnow)
    sample = Sample.collapse(
        {"frequency": frequency * 1.0, "recency": recency, "T": age}, np.ones(len(cdnow))
    )
    total, _ = ours()._log_likelihood(values, sample, False)
    mean_negative = getattr(lifetimes, theirs)._negative_log_likelihood(
        np.log(values), frequency, recency, age, np.ones(len(cdnow)), 0.0
    )
    assert total == pytest.approx(-mean_negative * len(cdnow), rel=1e-10)


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
@pytest.mark.parametrize("params", [None, *OTHER_PARAMS])
def test_predictions_equal_lifetimes(lifetimes, cdnow, fitted, ours, theirs, params):
    model = fitted[ours] if params is None else _with_params(ours(), params)
    reference = getattr(lifetimes, theirs)()
    reference.params_ = model.params_.copy()
    assert_same_predictions(model, reference, cdnow)
    times = np.array([0.5, 1.0, 10.0, 39.0, 78.0])
    for n in (0, 1, 2, 7):
        np.testing.assert_allclose(
            model.probability_of_n_purchases_up_to_time(times, n),
            [reference.probability_of_n_purchases_up_to_time(t, n) for t in times],
            rtol=1e-6,
        )


def _with_params(model, params):
    model.params_ = pd.Series(params, dtype=float)
    return model


@pytest.mark.parametrize("model_class", [BetaGeoFitter, ModifiedBetaGeoFitter])
def test_probabilities_of_n_purchases_sum_to_one_and_give_the_mean(fitted, model_class):
    model = fitted[model_class]
    counts = np.arange(400)
    probabilities = model.probability_of_n_purchases_up_to_time(10.0, counts)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-9)
    assert counts @ probabilities == pytest.approx(
        model.expected_number_of_purchases_up_to_time(10.0), rel=1e-6
    )


@pytest.mark.parametrize("model_class", [BetaGeoFitter, ModifiedBetaGeoFitter])
def test_probability_of_n_purchases_needs_a_whole_n(fitted, model_class):
    # A fractional count gave 0.0106 instead of an error.
    with pytest.raises(DataValidationError, match=r"n must count whole purchases .* e.g. \[1.5\]"):
        fitted[model_class].probability_of_n_purchases_up_to_time(10, 1.5)


def _bgnbd_expectation_mpmath(params, t, x, t_x, age):
    """FHL (2005) eq. 10 in 50-digit arithmetic, as printed (without Euler's transformation)."""
    mpmath.mp.dps = 50
    r, alpha, a, b = (mpmath.mpf(value) for value in params)
    x, t_x, age, t = (mpmath.mpf(value) for value in (x, t_x, age, t))
    hyp = mpmath.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + age + t))
    numerator = (
        (a + b + x - 1) / (a - 1) * (1 - ((alpha + age) / (alpha + age + t)) ** (r + x) * hyp)
    )
    denominator = 1 + (x > 0) * a / (b + x - 1) * ((alpha + age) / (alpha + t_x)) ** (r + x)
    return float(numerator / denominator)


@pytest.mark.parametrize(
    ("x", "t_x", "age", "t"),
    [(200, 380.0, 400.0, 100.0), (1500, 1999.0, 2000.0, 500.0), (60, 50.0, 52.0, 1000.0)],
)
def test_conditional_expectation_stays_exact_for_heavy_buyers(fitted, x, t_x, age, t):
    """Heavy buyers, long horizons: still equal to 50-digit arithmetic on the printed formula."""
    model = fitted[BetaGeoFitter]
    expected = _bgnbd_expectation_mpmath(model.params_, t, x, t_x, age)
    ours = model.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, age)
    assert ours == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("seed", [1, 2])
def test_recovers_simulated_parameters(seed):
    truth = {"r": 0.6, "alpha": 4.0, "a": 0.8, "b": 2.5}
    customers = bgnbd_customers(20_000, seed=seed, **truth)
    model = BetaGeoFitter().fit(customers)
    z_scores = (model.params_ - pd.Series(truth)) / model.standard_errors_
    assert z_scores.abs().max() < 3.5, z_scores
    relative = (model.params_ / pd.Series(truth) - 1).abs()
    assert relative.max() < 0.15, relative


def test_recovers_make_transactions_parameters():
    """1e5 customers from the project's simulator (rates per day): each within 5% or 3 SE."""
    from crm_analytics.datasets import make_transactions
    from crm_analytics.summary import rfm_summary

    truth = pd.Series({"r": 0.243, "alpha": 30.9, "a": 0.793, "b": 2.426})
    transactions, _ = make_transactions(100_000, seed=7)
    summary = rfm_summary(transactions, freq="h", freq_multiplier=24)
    model = BetaGeoFitter().fit(summary)
    error = (model.params_ - truth).abs()
    assert (error <= np.maximum(0.05 * truth, 3 * model.standard_errors_)).all(), model.summary


@pytest.mark.parametrize("model_class", [BetaGeoFitter, ModifiedBetaGeoFitter])
def test_many_customers_give_the_same_expectations_through_distinct_histories(
    fitted, cdnow, model_class
):
    """Above 10,000 cells the hypergeometric term is computed per distinct (t, x, T)."""
    model = fitted[model_class]
    expect = model.conditional_expected_number_of_purchases_up_to_time
    history = history_arrays(cdnow)
    copies = [np.tile(values, 5) for values in history]
    horizons = np.array([[1.0, 10.0, 52.0]])
    # 2,357 customers x 3 horizons: computed directly.
    direct = expect(horizons, *(values[:, None] for values in history))
    shared = expect(horizons, *(values[:, None] for values in copies))
    np.testing.assert_allclose(shared, np.tile(direct, (5, 1)), rtol=1e-12)
    np.testing.assert_allclose(expect(10.0, *copies), np.tile(direct[:, 1], 5), rtol=1e-12)
    rows = np.arange(len(copies[0]))
    per_customer = expect(np.resize(horizons, len(rows)), *copies)
    np.testing.assert_allclose(per_customer, direct[rows % len(cdnow), rows % 3], rtol=1e-12)


# The no-dropout (NBD) edge where fits to short histories end (issue 17): Online Retail's
# BG/NBD at its 2011-03-01 cutoff (a 2e-6, b 2.2e4; a 1.3e-6, b 25,743 in weeks) and over the
# whole log (a 0.0034), a far edge, and a = 1 (exactly, and nearly), where the closed form is
# 0 / 0.
EDGE_PARAMS = [
    (0.693, 50.9, 2e-6, 2.2e4),
    (0.704, 7.21, 1.3e-6, 25743.0),
    (0.8265, 68.9, 0.0034, 6.745),
    (0.8, 60.0, 1e-8, 1e9),
    (0.5, 3.0, 1.0, 2.0),
    (0.5, 3.0, 1 + 1e-9, 2.0),
]
EDGE_HISTORIES = [(0, 0.0, 0.0), (0, 0.0, 12.9), (1, 0.5, 12.9), (30, 12.0, 12.9), (200, 370, 373)]


@pytest.mark.parametrize("model_class", [BetaGeoFitter, ModifiedBetaGeoFitter])
@pytest.mark.parametrize("params", EDGE_PARAMS)
def test_expectations_are_exact_at_the_no_dropout_edge(model_class, params):
    """Against direct integration over the dropout probability in 40-digit arithmetic.

    Before: 1e-9 relative error at b = 2.2e4, 3e-5 at b = 1e9, NaN at a = 1.
    """
    model = _with_params(model_class(), dict(zip(("r", "alpha", "a", "b"), params, strict=True)))
    shift = int(model_class is ModifiedBetaGeoFitter)
    x, t_x, age = (np.array(values, dtype=float) for values in zip(*EDGE_HISTORIES, strict=True))
    for t in (1.0, 40.0):
        expected = [
            float(reference.bgnbd_conditional_expected(params, t, *history, shift=shift))
            for history in EDGE_HISTORIES
        ]
        ours = model.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, age)
        np.testing.assert_allclose(ours, expected, rtol=1e-9)
        new_customer = float(reference.bgnbd_expected(params, t, shift=shift))
        assert model.expected_number_of_purchases_up_to_time(t) == pytest.approx(
            new_customer, rel=1e-9
        )


def test_expectations_tend_to_the_two_point_limit_when_a_and_b_vanish():
    """A penalised fit on Online Retail (lifetimes: a 2.7e-17, b 5.1e-9, NaN for 188 customers).

    As a, b -> 0 the dropout probability is 1 with probability a / (a + b), else 0: a customer
    alive at T either never leaves or leaves after the next purchase.
    """
    r, alpha, a, b = 0.7, 7.0, 2.7e-17, 5.1e-9
    model = _with_params(BetaGeoFitter(), {"r": r, "alpha": alpha, "a": a, "b": b})
    t, age = 12.86, 12.9
    c = t / (alpha + age)
    share = a / (a + b)
    limit = (1 - share) * r * c + share * (1 - (1 + c) ** -r)
    assert model.conditional_expected_number_of_purchases_up_to_time(t, 0, 0.0, age) == (
        pytest.approx(limit, rel=1e-7)
    )


@settings(max_examples=200, deadline=None)
@given(
    k=st.floats(0.05, 300),
    c=st.floats(1e-4, 50),
    a=st.one_of(st.just(1.0), st.floats(1e-9, 20)),
    b_post=st.floats(0.5, 1e10),
)
def test_purchases_if_alive_lie_below_the_no_dropout_limit_and_grow(k, c, a, b_post):
    """0 < A <= k c (dropout only removes purchases), and A grows with the horizon."""
    shorter, longer = purchases_if_alive(k, np.array([c, 1.5 * c]), a, b_post)
    assert 0 < shorter <= k * c * (1 + 1e-10)
    assert longer >= shorter * (1 - 1e-12)
