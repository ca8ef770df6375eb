"""Pareto/NBD: published CDNOW estimates, equality with lifetimes, heavy buyers, recovery."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics.clv._base import Sample
from crm_analytics.clv.pareto_nbd import ParetoNBDFitter, log_hyp2f1
from crm_analytics.exceptions import DataValidationError
from tests.clv import mpmath_reference as reference
from tests.clv.lifetimes_reference import assert_same_predictions, history_arrays

# alpha > beta, and alpha < beta with s > 1 (both branches of the hypergeometric term).
OTHER_PARAMS = [
    {"r": 0.9, "alpha": 30.0, "s": 0.4, "beta": 3.0},
    {"r": 2.1, "alpha": 4.0, "s": 1.7, "beta": 60.0},
]


def as_sample(frame):
    columns = ("frequency", "recency", "T")
    return Sample.collapse(
        {name: frame[name].to_numpy(float) for name in columns}, np.ones(len(frame))
    )


def with_params(params):
    model = ParetoNBDFitter()
    model.params_ = pd.Series(params, dtype=float)
    return model


@pytest.fixture(scope="module")
def model(cdnow):
    return ParetoNBDFitter().fit(cdnow)


def test_reproduces_fader_hardie_2005_on_cdnow(model):
    """FHL (2005) / Fader-Hardie note: r 0.553, alpha 10.578, s 0.606, beta 11.669, LL -9595.0.

    The likelihood is flat in beta (standard error 6.2): its maximum is at 11.6679, and the
    log-likelihood at the printed 11.669 is lower by 2e-8, so beta is held to 0.0015.
    """
    params = model.params_
    assert params[["r", "alpha", "s"]].round(3).to_dict() == {
        "r": 0.553,
        "alpha": 10.578,
        "s": 0.606,
    }
    assert params["beta"] == pytest.approx(11.669, abs=0.0015)
    assert round(params["beta"], 2) == 11.67
    assert round(model.log_likelihood_, 1) == -9595.0


def test_finds_at_least_the_likelihood_of_lifetimes_estimates(lifetimes, model, cdnow):
    frequency, recency, age = history_arrays(cdnow)
    reference = lifetimes.ParetoNBDFitter().fit(frequency, recency, age)
    np.testing.assert_allclose(model.params_, reference.params_, rtol=2e-3)
    theirs = -reference._negative_log_likelihood(
        reference.params_.to_numpy(), frequency, recency, age, np.ones(len(cdnow)), 0.0
    )
    assert model.log_likelihood_ >= theirs - 1e-9


@pytest.mark.parametrize("params", [None, *OTHER_PARAMS])
def test_log_likelihood_equals_lifetimes(lifetimes, cdnow, model, params):
    values = model.params_.to_numpy() if params is None else np.array(list(params.values()))
    frequency, recency, age = history_arrays(cdnow)
    total, _ = ParetoNBDFitter()._log_likelihood(values, as_sample(cdnow), False)
    # lifetimes divides the weighted sum by the mean weight (1 here).
    theirs = -lifetimes.ParetoNBDFitter._negative_log_likelihood(
        values, frequency, recency, age, np.ones(len(cdnow)), 0.0
    )
    assert total == pytest.approx(theirs, rel=1e-10)


@pytest.mark.parametrize("params", [None, *OTHER_PARAMS])
def test_predictions_equal_lifetimes(lifetimes, cdnow, model, params):
    ours = model if params is None else with_params(params)
    reference = lifetimes.ParetoNBDFitter()
    reference.params_ = ours.params_.copy()
    assert_same_predictions(ours, reference, cdnow)
    frequency, recency, age = history_arrays(cdnow)
    few = slice(0, 300)
    for n in (0, 1, 2, 7):
        np.testing.assert_allclose(
            ours.conditional_probability_of_n_purchases_up_to_time(
                n, 10.0, frequency[few], recency[few], age[few]
            ),
            reference.conditional_probability_of_n_purchases_up_to_time(
                n, 10.0, frequency[few], recency[few], age[few]
            ),
            rtol=1e-6,
            atol=1e-300,
        )


def _printed_formula_mpmath(params, x, t_x, age):
    """Log-likelihood and P(alive) of FH (2005) eq. 18-20 in 60-digit arithmetic, as printed."""
    mpmath.mp.dps = 60
    r, alpha, s, beta = (mpmath.mpf(value) for value in params)
    x, t_x, age = (mpmath.mpf(value) for value in (x, t_x, age))
    largest, second = (alpha, s + 1) if alpha >= beta else (beta, r + x)

    def tail(y):
        z = abs(alpha - beta) / (largest + y)
        return mpmath.hyp2f1(r + s + x, second, r + s + x + 1, z) / (largest + y) ** (r + s + x)

    alive = 1 / ((alpha + age) ** (r + x) * (beta + age) ** s)
    bracket = alive + s / (r + s + x) * (tail(t_x) - tail(age))
    front = mpmath.gamma(r + x) * alpha**r * beta**s / mpmath.gamma(r)
    return float(mpmath.log(front * bracket)), float(alive / bracket)


@pytest.mark.parametrize(
    ("x", "t_x", "age"), [(600, 140.0, 150.0), (2000, 300.0, 300.5), (50, 40.0, 50.0)]
)
def test_heavy_buyers_stay_exact_where_lifetimes_overflows(lifetimes, x, t_x, age):
    """alpha < beta: the printed 2F1(r+s+x, r+x; .; z) overflows; lifetimes returns NaN."""
    params = {"r": 0.8, "alpha": 5.0, "s": 0.5, "beta": 500.0}
    ours = with_params(params)
    expected_log_likelihood, expected_alive = _printed_formula_mpmath(params.values(), x, t_x, age)
    sample = Sample.collapse(
        {"frequency": np.array([x * 1.0]), "recency": np.array([t_x]), "T": np.array([age])},
        np.ones(1),
    )
    total, _ = ours._log_likelihood(np.array(list(params.values())), sample, False)
    assert total == pytest.approx(expected_log_likelihood, rel=1e-10)
    assert ours.conditional_probability_alive(x, t_x, age) == pytest.approx(
        expected_alive, rel=1e-9
    )
    if x >= 600:
        reference = lifetimes.ParetoNBDFitter()
        reference.params_ = ours.params_.copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert np.isnan(reference.conditional_probability_alive(x, t_x, age))


def test_new_customer_pmf_sums_to_one_and_gives_the_mean(model):
    counts = np.arange(300)
    probabilities = model.probability_of_n_purchases_up_to_time(10.0, counts)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-9)
    assert counts @ probabilities == pytest.approx(
        model.expected_number_of_purchases_up_to_time(10.0), rel=1e-6
    )
    assert model.probability_of_n_purchases_up_to_time(0.0, 0) == 1.0


def test_conditional_pmf_sums_to_one_and_gives_the_conditional_mean(model):
    history = (4, 20.0, 30.0)
    probabilities = np.array(
        [
            model.conditional_probability_of_n_purchases_up_to_time(n, 26.0, *history)
            for n in range(120)
        ]
    )
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-9)
    assert np.arange(120) @ probabilities == pytest.approx(
        model.conditional_expected_number_of_purchases_up_to_time(26.0, *history), rel=1e-6
    )


def test_pmf_rejects_fractional_counts(model):
    with pytest.raises(DataValidationError, match="n must count whole purchases"):
        model.probability_of_n_purchases_up_to_time(1.0, 1.5)


def test_weights_equal_repeated_rows(cdnow):
    frequency, recency, age = history_arrays(cdnow.iloc[:400])
    repeated = ParetoNBDFitter().fit(
        np.repeat(frequency, 3), np.repeat(recency, 3), np.repeat(age, 3)
    )
    weighted = ParetoNBDFitter().fit(frequency, recency, age, weights=np.full(len(age), 3))
    np.testing.assert_allclose(weighted.params_, repeated.params_, rtol=1e-6)
    assert weighted.log_likelihood_ == pytest.approx(repeated.log_likelihood_, rel=1e-10)


@pytest.mark.parametrize("params", [None, *OTHER_PARAMS])
def test_gradient_equals_finite_differences_of_the_likelihood(cdnow, model, params):
    """The gradient (hypergeometric terms differentiated per pair) against the whole likelihood."""
    values = model.params_.to_numpy() if params is None else np.array(list(params.values()))
    sample = as_sample(cdnow)
    fitter = ParetoNBDFitter()
    _, gradient = fitter._log_likelihood(values, sample, True)
    numerical = []
    for j, value in enumerate(values):
        step = np.zeros(4)
        step[j] = 1e-6 * value
        numerical.append(
            (
                fitter._log_likelihood(values + step, sample, False)[0]
                - fitter._log_likelihood(values - step, sample, False)[0]
            )
            / (2e-6 * value)
        )
    # Absolute tolerance for the fitted parameters, where the gradient is 0 up to rounding.
    np.testing.assert_allclose(gradient, numerical, rtol=1e-6, atol=1e-3)


def test_many_customers_give_the_same_predictions_through_distinct_pairs(model, cdnow):
    """Above 10,000 customers the hypergeometric terms are computed per distinct pair."""
    frequency, recency, age = history_arrays(cdnow)
    copies = [np.tile(values, 5) for values in (frequency, recency, age)]
    np.testing.assert_allclose(
        model.conditional_probability_alive(*copies),
        np.tile(model.conditional_probability_alive(frequency, recency, age), 5),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        model.conditional_expected_number_of_purchases_up_to_time(10.0, *copies),
        np.tile(
            model.conditional_expected_number_of_purchases_up_to_time(
                10.0, frequency, recency, age
            ),
            5,
        ),
        rtol=1e-12,
    )


def test_penalizer_gives_lifetimes_penalised_estimates(lifetimes, cdnow):
    """lifetimes penalises the summed log-likelihood of this model (its others: the mean)."""
    frequency, recency, age = history_arrays(cdnow)
    ours = ParetoNBDFitter(penalizer_coef=50.0).fit(cdnow)
    theirs = lifetimes.ParetoNBDFitter(penalizer_coef=50.0).fit(frequency, recency, age)
    # lifetimes' Nelder-Mead stops at a tolerance of 1e-4.
    np.testing.assert_allclose(ours.params_, theirs.params_, rtol=2e-3)
    assert ours.params_["beta"] < 0.9 * ParetoNBDFitter().fit(cdnow).params_["beta"]


@settings(max_examples=60, deadline=None)
@given(
    frequency=st.integers(0, 2_000),
    recency_share=st.floats(0, 1),
    age=st.floats(0.1, 2_000),
    t=st.floats(0, 1_000),
)
def test_predictions_are_probabilities_and_grow_with_time(model, frequency, recency_share, age, t):
    """Finite and in range for heavy buyers and long histories, where lifetimes overflows."""
    recency = 0.0 if frequency == 0 else recency_share * age
    alive = model.conditional_probability_alive(frequency, recency, age)
    assert 0.0 <= alive <= 1.0
    if frequency > 0:
        # A purchase just now cannot make the customer less likely to be alive.
        assert model.conditional_probability_alive(frequency, age, age) >= alive - 1e-12
    soon = model.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, age)
    later = model.conditional_expected_number_of_purchases_up_to_time(
        t + 1, frequency, recency, age
    )
    assert np.isfinite(later) and 0.0 <= soon <= later


# The no-dropout edge of Pareto/NBD fits to short histories (issue 17): Online Retail over the
# whole log (ours: s 9.4e-6, beta 3.4e6; lifetimes: s 1.2e-7, beta 831) and at its 2011-03-01
# cutoff, in days.
EDGE_PARAMS = [
    (0.8276, 69.09, 9.37e-6, 3.37e6),
    (0.8276, 69.1, 1.22e-7, 830.9),
    (0.69, 50.9, 1.8e-6, 2.55e6),
]
EDGE_HISTORIES = [(0, 0.0, 12.9), (1, 0.5, 12.9), (30, 12.0, 12.9), (200, 370.0, 373.0)]


@pytest.mark.parametrize("params", EDGE_PARAMS)
def test_predictions_and_likelihood_are_exact_at_the_no_dropout_edge(params):
    """Against integration over the time of death in 30-digit arithmetic (mpmath)."""
    model = with_params(dict(zip(("r", "alpha", "s", "beta"), params, strict=True)))
    for x, t_x, age in EDGE_HISTORIES:
        assert model.conditional_probability_alive(x, t_x, age) == pytest.approx(
            float(reference.pareto_p_alive(params, x, t_x, age)), rel=1e-10
        )
        assert model.conditional_expected_number_of_purchases_up_to_time(
            90.0, x, t_x, age
        ) == pytest.approx(
            float(reference.pareto_conditional_expected(params, 90.0, x, t_x, age)), rel=1e-10
        )
        sample = as_sample(pd.DataFrame({"frequency": [x], "recency": [t_x], "T": [age]}))
        total, _ = ParetoNBDFitter()._log_likelihood(np.array(params), sample, False)
        assert total == pytest.approx(
            float(reference.pareto_log_likelihood(params, x, t_x, age)), abs=1e-9
        )


@pytest.mark.parametrize("one_minus_z", [0.4, 1e-2, 1e-4, 1e-8])
@pytest.mark.parametrize("frequency", [0, 1, 5, 40])
@pytest.mark.parametrize("alpha_larger", [False, True])
def test_log_hyp2f1_is_exact_where_z_nears_one(one_minus_z, frequency, alpha_larger):
    """Both branches of the tail term, through Euler's or Pfaff's transformation.

    To 1e-9: scipy's own accuracy on Euler's form for heavy buyers with alpha >> beta.
    """
    r, s = 0.83, 1e-5
    a, c = r + s + frequency, r + s + frequency + 1
    b = s + 1 if alpha_larger else r + frequency
    z = 1 - one_minus_z
    mpmath.mp.dps = 30
    expected = float(mpmath.log(mpmath.hyp2f1(a, b, c, mpmath.mpf(1) - mpmath.mpf(one_minus_z))))
    ours = log_hyp2f1(a, b, c, z, np.log(one_minus_z))
    assert float(ours) == pytest.approx(expected, rel=1e-9)
