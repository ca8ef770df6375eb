"""Parameter recovery on 1e5 simulated customers: every fitter finds the parameters it was given.

BG/NBD and Gamma-Gamma are fitted to `crm_analytics.datasets.make_transactions` logs summarised
by `rfm_summary` (hourly periods, so same-day purchases stay apart); MBG/NBD and Pareto/NBD,
which that simulator does not generate, to histories simulated from their own processes in
whole days (tests/clv/simulated.py). Each parameter must lie within 5% of the truth and within
3.5 standard errors of it. The transaction models' parameter sets are chosen so that the data
identify them (each standard error at most 1.6%, so 5% is at least 3 of them); the Gamma-Gamma
``p`` and ``v`` have standard errors of about 2.5% at 1e5 customers, so for them 5% is a
2-standard-error bound that a correct fitter misses on some seeds (about one in twenty for
each); the seed is the one the BG/NBD recovery test has always used.
"""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analytics.clv.beta_geo import BetaGeoFitter, ModifiedBetaGeoFitter
from crm_analytics.clv.gamma_gamma import GammaGammaFitter
from crm_analytics.clv.pareto_nbd import ParetoNBDFitter
from crm_analytics.datasets import make_transactions
from crm_analytics.summary import rfm_summary
from tests.clv.simulated import mbgnbd_customers, paretonbd_customers

N_CUSTOMERS = 100_000
# Rates per day; about 30 purchases per customer over the 546-day window.
BGNBD = {"r": 1.0, "alpha": 20.0, "a": 0.8, "b": 4.0}
SPEND = {"p": 6.25, "q": 3.74, "v": 15.44}


def assert_recovered(model, truth):
    truth = pd.Series(truth, dtype=float)
    error = (model.params_ - truth).abs()
    assert (error <= 0.05 * truth).all(), model.summary
    assert (error / model.standard_errors_).max() < 3.5, model.summary


@pytest.fixture(scope="module")
def shop():
    transactions, _ = make_transactions(
        N_CUSTOMERS, seed=7, **BGNBD, p=SPEND["p"], q=SPEND["q"], gamma=SPEND["v"]
    )
    return rfm_summary(transactions, freq="h", freq_multiplier=24)


def test_bgnbd_recovers_make_transactions_parameters(shop):
    model = BetaGeoFitter().fit(shop)
    assert_recovered(model, BGNBD)


def test_gamma_gamma_recovers_make_transactions_spend(shop):
    buyers = shop[shop["frequency"] > 0]
    assert_recovered(GammaGammaFitter().fit(buyers["frequency"], buyers["monetary_value"]), SPEND)


def test_mbgnbd_recovers_its_process():
    truth = {"r": 1.0, "alpha": 10.0, "a": 0.8, "b": 4.0}
    customers = mbgnbd_customers(N_CUSTOMERS, seed=3, max_age=546, whole_periods=True, **truth)
    model = ModifiedBetaGeoFitter().fit(customers)
    assert_recovered(model, truth)


def test_pareto_nbd_recovers_its_process():
    truth = {"r": 2.0, "alpha": 20.0, "s": 2.0, "beta": 150.0}
    customers = paretonbd_customers(N_CUSTOMERS, seed=3, max_age=1095, whole_periods=True, **truth)
    model = ParetoNBDFitter().fit(customers)
    assert_recovered(model, truth)
