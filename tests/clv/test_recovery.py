"""Parameter recovery on 1e5 simulated customers: every fitter finds the parameters it was given.

BG/NBD and Gamma-Gamma are fitted to `crm_analytics.datasets.make_transactions` logs summarised
by `rfm_summary` (hourly periods, so same-day purchases stay apart); MBG/NBD and Pareto/NBD,
which that simulator does not generate, to histories simulated from their own processes in
whole days (tests/clv/simulated.py). Each parameter must lie within 5% of the truth, or within
3 standard errors where the sampling error at this size makes 5% less than 3 of them (the
Gamma-Gamma ``p`` and ``v``, whose standard errors are about 2.5% at 1e5 customers), and no
estimate may be more than 3.5 standard errors off. The parameter sets are chosen so the data
identify them (each standard error at most 1.6% for the transaction models).
"""

from __future__ import annotations

import numpy as np
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
    standard_errors = model.standard_errors_
    assert (error <= np.maximum(0.05 * truth, 3 * standard_errors)).all(), model.summary
    assert (error / standard_errors).max() < 3.5, model.summary


@pytest.fixture(scope="module")
def shop():
    transactions, _ = make_transactions(
        N_CUSTOMERS, seed=7, **BGNBD, p=SPEND["p"], q=SPEND["q"], gamma=SPEND["v"]
    )
    return rfm_summary(transactions, freq="h", freq_multiplier=24)


def test_bgnbd_recovers_make_transactions_parameters(shop):
    model = BetaGeoFitter().fit(shop)
    assert_recovered(model, BGNBD)
    assert ((model.params_ / pd.Series(BGNBD) - 1).abs() < 0.05).all()


def test_gamma_gamma_recovers_make_transactions_spend(shop):
    buyers = shop[shop["frequency"] > 0]
    assert_recovered(GammaGammaFitter().fit(buyers["frequency"], buyers["monetary_value"]), SPEND)


def test_mbgnbd_recovers_its_process():
    truth = {"r": 1.0, "alpha": 10.0, "a": 0.8, "b": 4.0}
    customers = mbgnbd_customers(N_CUSTOMERS, seed=3, max_age=546, whole_periods=True, **truth)
    model = ModifiedBetaGeoFitter().fit(customers)
    assert_recovered(model, truth)
    assert ((model.params_ / pd.Series(truth) - 1).abs() < 0.05).all()


def test_pareto_nbd_recovers_its_process():
    truth = {"r": 2.0, "alpha": 20.0, "s": 2.0, "beta": 150.0}
    customers = paretonbd_customers(N_CUSTOMERS, seed=3, max_age=1095, whole_periods=True, **truth)
    model = ParetoNBDFitter().fit(customers)
    assert_recovered(model, truth)
    assert ((model.params_ / pd.Series(truth) - 1).abs() < 0.05).all()
