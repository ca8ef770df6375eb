"""Gamma-Gamma: published CDNOW estimates, equality with lifetimes, clear errors on bad spend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.clv._base import Sample
from crm_analytics.clv.beta_geo import BetaGeoFitter
from crm_analytics.clv.gamma_gamma import GammaGammaFitter
from crm_analytics.exceptions import DataValidationError


@pytest.fixture(scope="module")
def buyers(cdnow_monetary):
    return cdnow_monetary[cdnow_monetary["frequency"] > 0]


@pytest.fixture(scope="module")
def model(buyers):
    return GammaGammaFitter().fit(buyers)


def test_reproduces_fader_hardie_on_cdnow(model, buyers):
    # Fader, Hardie and Lee (2005b) / Hardie's note 025: p = 6.25, q = 3.74, gamma = 15.44.
    # The maximum on lifetimes' copy of the data (spend rounded to cents) is v = 15.448.
    assert len(buyers) == 946
    assert model.params_["p"] == pytest.approx(6.25, abs=0.005)
    assert model.params_["q"] == pytest.approx(3.74, abs=0.005)
    assert model.params_["v"] == pytest.approx(15.44, abs=0.01)


def test_estimates_and_log_likelihood_equal_lifetimes(lifetimes, model, buyers):
    reference = lifetimes.GammaGammaFitter().fit(buyers["frequency"], buyers["monetary_value"])
    np.testing.assert_allclose(model.params_, reference.params_, rtol=1e-5)
    np.testing.assert_allclose(model.standard_errors_, reference.standard_errors_, rtol=1e-3)
    frequency, spend = buyers["frequency"].to_numpy(float), buyers["monetary_value"].to_numpy()
    for params in (model.params_.to_numpy(), np.array([2.0, 5.0, 40.0])):
        sample = Sample.collapse({"frequency": frequency, "monetary_value": spend}, np.ones(946))
        total, _ = GammaGammaFitter()._log_likelihood(params, sample, False)
        mean_negative = lifetimes.GammaGammaFitter._negative_log_likelihood(
            np.log(params), frequency, spend, np.ones(946), 0.0
        )
        assert total == pytest.approx(-mean_negative * 946, rel=1e-10)


def test_expected_profit_and_clv_equal_lifetimes(lifetimes, model, cdnow_monetary):
    reference = lifetimes.GammaGammaFitter()
    reference.params_ = model.params_.copy()
    frame = cdnow_monetary
    np.testing.assert_allclose(
        model.conditional_expected_average_profit(frame),
        reference.conditional_expected_average_profit(frame["frequency"], frame["monetary_value"]),
        rtol=1e-12,
    )
    ours_bgnbd = BetaGeoFitter().fit(frame)
    their_bgnbd = lifetimes.BetaGeoFitter().fit(frame["frequency"], frame["recency"], frame["T"])
    their_bgnbd.params_ = ours_bgnbd.params_.copy()
    columns = [frame[c] for c in ("frequency", "recency", "T", "monetary_value")]
    ours = model.customer_lifetime_value(ours_bgnbd, frame, time=6, discount_rate=0.02, freq="W")
    theirs = reference.customer_lifetime_value(
        their_bgnbd, *columns, time=6, discount_rate=0.02, freq="W"
    )
    assert ours.index.equals(frame.index)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    np.testing.assert_allclose(
        model.customer_lifetime_value(ours_bgnbd, *columns, freq="W"),
        reference.customer_lifetime_value(their_bgnbd, *columns, freq="W"),
        rtol=1e-6,
    )


def test_expected_profit_by_hand(model):
    p, q, v = model.params_
    population = p * v / (q - 1)
    assert model.conditional_expected_average_profit(0, 0.0) == pytest.approx(population)
    weight = 3 * p / (3 * p + q - 1)
    assert model.conditional_expected_average_profit(3, 50.0) == pytest.approx(
        (1 - weight) * population + weight * 50.0
    )
    defaults = model.conditional_expected_average_profit()
    assert len(defaults) == 946


@pytest.mark.parametrize(
    ("frequency", "spend", "message"),
    [
        (
            [0, 2],
            [0.0, 10.0],
            r"1 customer\(s\) have no repeat transaction \(frequency <= 0, e.g. a\)",
        ),
        ([1, 2], [10.0, 0.0], r"1 customer\(s\) have zero spend .* e.g. b\).*summary\[\(summary"),
        ([1, 2], [10.0, -3.0], r"'monetary_value' has 1 row\(s\) with negative values"),
    ],
)
def test_bad_spend_says_what_to_filter(frequency, spend, message):
    frame = pd.DataFrame({"frequency": frequency, "monetary_value": spend}, index=["a", "b"])
    with pytest.raises(DataValidationError, match=message):
        GammaGammaFitter().fit(frame)


def test_q_constraint_keeps_the_mean_finite():
    # Spend simulated from the model itself with q = 0.7 < 1 (no finite population mean).
    rng = np.random.default_rng(3)
    frequency = rng.integers(1, 6, 2000)
    scale = rng.gamma(0.7, 1 / 10, 2000)
    spend = rng.gamma(3 * frequency, 1 / scale) / frequency
    free = GammaGammaFitter().fit(frequency, spend)
    constrained = GammaGammaFitter().fit(frequency, spend, q_constraint=True)
    assert free.params_["q"] == pytest.approx(0.7, abs=0.1)
    assert constrained.params_["q"] == pytest.approx(1.0)
    assert constrained.log_likelihood_ < free.log_likelihood_
