"""Simulators of crm_analytics.clv.generate_data: parameter recovery and lifetimes' draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.clv import (
    BetaGeoBetaBinomFitter,
    BetaGeoFitter,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
)
from crm_analytics.clv import generate_data as generate
from crm_analytics.exceptions import DataValidationError
from crm_analytics.summary import rfm_summary

BGNBD = {"r": 0.6, "alpha": 4.0, "a": 0.8, "b": 2.5}
PARETO = {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7}
BGBB = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.78}


def ages(n, seed=0):
    return np.random.default_rng(seed).uniform(13, 52, n)


def assert_recovered(model, truth, z=3.5):
    z_scores = (model.params_ - pd.Series(truth)) / model.standard_errors_
    assert z_scores.abs().max() < z, z_scores


@pytest.mark.parametrize(
    ("simulate", "fitter", "truth"),
    [
        (generate.beta_geometric_nbd_model, BetaGeoFitter, BGNBD),
        (generate.modified_beta_geometric_nbd_model, ModifiedBetaGeoFitter, BGNBD),
        (generate.pareto_nbd_model, ParetoNBDFitter, PARETO),
    ],
)
def test_fitting_the_draws_recovers_the_parameters(simulate, fitter, truth):
    customers = simulate(ages(20_000), *truth.values(), size=20_000, random_state=5)
    assert customers.index.name == "customer_id" and len(customers) == 20_000
    assert_recovered(fitter().fit(customers), truth)


def test_bgbb_draws_recover_the_parameters():
    draws = generate.beta_geometric_beta_binom_model(6, *BGBB.values(), size=20_000, random_state=2)
    assert draws.columns.tolist() == [
        "frequency",
        "recency",
        "n_periods",
        "p",
        "theta",
        "alive",
        "customer_id",
    ]
    assert ((draws["frequency"] == 0) == (draws["recency"] == 0)).all()
    assert (draws["frequency"] <= draws["recency"]).all()
    assert_recovered(BetaGeoBetaBinomFitter().fit(draws), BGBB)


def test_transactional_draws_summarise_to_recoverable_histories():
    log = generate.beta_geometric_nbd_model_transactional_data(
        ages(8_000, seed=1) * 7,
        0.6,
        28.0,
        0.8,
        2.5,
        observation_period_end="2024-12-31",
        size=8_000,
        random_state=3,
    )
    assert log.columns.tolist() == ["customer_id", "date"]
    assert log["date"].max() <= pd.Timestamp("2024-12-31")
    summary = rfm_summary(log, observation_end="2024-12-31", freq="h", freq_multiplier=24 * 7)
    assert_recovered(BetaGeoFitter().fit(summary), BGNBD, z=4)


def test_alive_means_no_dropout_yet():
    """BG/NBD: dead customers left after a repeat purchase; MBG/NBD: possibly at the first."""
    bg = generate.beta_geometric_nbd_model(30.0, 1.0, 2.0, 1.0, 1.0, size=5_000, random_state=0)
    assert (bg.loc[~bg["alive"], "frequency"] >= 1).all()
    mbg = generate.modified_beta_geometric_nbd_model(
        30.0, 1.0, 2.0, 1.0, 1.0, size=5_000, random_state=0
    )
    assert (mbg.loc[~mbg["alive"], "frequency"] == 0).any()
    pareto = generate.pareto_nbd_model(30.0, 1.0, 2.0, 1.0, 1.0, size=5_000, random_state=0)
    # Alive at T with death rate mu: P = E[exp(-mu T)] = (beta / (beta + T))^s = 1 / 31.
    assert pareto["alive"].mean() == pytest.approx(1 / 31, abs=4 * np.sqrt(1 / 31 / 5_000))


def test_same_seed_same_draw_and_clear_errors():
    first = generate.pareto_nbd_model(10.0, *PARETO.values(), size=50, random_state=9)
    pd.testing.assert_frame_equal(
        first, generate.pareto_nbd_model(10.0, *PARETO.values(), size=50, random_state=9)
    )
    with pytest.raises(DataValidationError, match="r must be a finite number > 0"):
        generate.beta_geometric_nbd_model(10.0, -1, 1, 1, 1)
    with pytest.raises(DataValidationError, match="T has 2 values for size=3 customers"):
        generate.beta_geometric_nbd_model([1.0, 2.0], 1, 1, 1, 1, size=3)
    with pytest.raises(DataValidationError, match="size must be a whole number"):
        generate.beta_geometric_nbd_model(10.0, 1, 1, 1, 1, size=0)


@pytest.mark.parametrize(
    ("ours", "theirs", "params"),
    [
        ("beta_geometric_nbd_model", "beta_geometric_nbd_model", BGNBD),
        ("modified_beta_geometric_nbd_model", "modified_beta_geometric_nbd_model", BGNBD),
        ("pareto_nbd_model", "pareto_nbd_model", PARETO),
    ],
)
def test_draws_agree_with_lifetimes_in_distribution(lifetimes, ours, theirs, params):
    """Shares of customers alive and without repeat purchase, and mean recency, within 4 SE.

    lifetimes counts distinct whole time units in frequency, so its positive frequencies are
    not compared; the zero count and recency are the same quantity in both.
    """
    from lifetimes import generate_data as reference

    n = 3_000
    np.random.seed(11)  # noqa: NPY002 (lifetimes draws from numpy's global generator)
    their = getattr(reference, theirs)(30.0, *params.values(), size=n)
    mine = getattr(generate, ours)(30.0, *params.values(), size=n, random_state=11)
    for column in ("alive", "recency"):
        a, b = their[column].astype(float), mine[column].astype(float)
        se = np.sqrt(a.var() / n + b.var() / n)
        assert abs(a.mean() - b.mean()) < 4 * se, column
    zero_a, zero_b = (their["frequency"] == 0).mean(), (mine["frequency"] == 0).mean()
    assert abs(zero_a - zero_b) < 4 * np.sqrt(zero_a * (1 - zero_a) * 2 / n)


def test_bgbb_draws_agree_with_lifetimes_in_distribution(lifetimes):
    from lifetimes import generate_data as reference

    n = 3_000
    np.random.seed(4)  # noqa: NPY002 (lifetimes draws from numpy's global generator)
    their = reference.beta_geometric_beta_binom_model(6, *BGBB.values(), size=n)
    mine = generate.beta_geometric_beta_binom_model(6, *BGBB.values(), size=n, random_state=4)
    assert their.columns.tolist() == mine.columns.tolist()
    for column in ("frequency", "recency", "alive"):
        a, b = their[column].astype(float), mine[column].astype(float)
        assert abs(a.mean() - b.mean()) < 4 * np.sqrt(a.var() / n + b.var() / n), column


def test_generate_new_data_uses_the_fitted_ages(cdnow, donations):
    model = BetaGeoFitter().fit(cdnow)
    drawn = model.generate_new_data(size=len(cdnow), random_state=0)
    np.testing.assert_array_equal(drawn["T"], cdnow["T"])
    bgbb = BetaGeoBetaBinomFitter().fit(donations, weights=donations["weights"])
    donors = bgbb.generate_new_data(size=11_104, random_state=0)
    assert (donors["n_periods"] == 6).all()
