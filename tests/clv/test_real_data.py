"""CLV models on a short real log: UCI Online Retail (373 days), at the no-dropout edge.

Issue 17: on this log BG/NBD and Pareto/NBD fits run to the edge where nobody leaves (BG/NBD
a = 0.0034; at the 2011-03-01 cutoff a ~ 1e-6, b ~ 2e4; Pareto/NBD beta ~ 3.4e6). Before,
that went unreported, the Pareto/NBD fit took 11-12 s (0.3 s now, see
benchmarks/bench_boundary.py) and lifetimes' penalised BG/NBD gives NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.clv import (
    BetaGeoFitter,
    DropoutNotIdentifiedWarning,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
    compare_models,
)
from crm_analytics.summary import calibration_holdout_split, rfm_summary
from tests.clv import mpmath_reference as reference
from tests.online_retail import online_retail_transactions

CUTOFF = pd.Timestamp("2011-03-01")
TRANSACTION_MODELS = [BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter]


@pytest.fixture(scope="module")
def purchases(shared_data) -> pd.DataFrame:
    """Purchase lines (cancellations are the returns policy's business, not the models')."""
    log = online_retail_transactions(shared_data)
    return log[log["quantity"] > 0]


@pytest.fixture(scope="module")
def weeks_at_cutoff(purchases) -> pd.DataFrame:
    """The 1,703 customers at the cutoff in weeks, as the churn features fit BG/NBD."""
    summary = rfm_summary(purchases[purchases["date"] < CUTOFF + pd.Timedelta(days=1)])
    return summary[["frequency", "recency", "T"]].assign(
        recency=summary["recency"] / 7, T=summary["T"] / 7
    )


@pytest.mark.parametrize("model_class", TRANSACTION_MODELS)
def test_fits_on_the_whole_log_report_that_dropout_is_not_identified(purchases, model_class):
    summary = rfm_summary(purchases)
    with pytest.warns(DropoutNotIdentifiedWarning, match="too short to see customers leave"):
        model = model_class().fit(summary)
    diagnostics = model.diagnostics_
    assert model.dropout_identified_ is False
    assert diagnostics["likelihood_ratio"] < 1.0 and diagnostics["p_value"] > 0.3
    # Nothing to gain over the NBD: the fit is no worse than it either.
    assert model.log_likelihood_ >= diagnostics["log_likelihood_no_dropout"] - 1e-6
    p_alive = model.conditional_probability_alive(summary)
    assert np.isfinite(p_alive).all() and p_alive.median() > 0.999
    assert model.summary["note"].str.contains("P\\(alive\\) carries no information").any()
    assert repr(model).endswith("; dropout not identified>")


@pytest.mark.parametrize("penalizer_coef", [0.0, 0.001])
def test_expected_purchases_at_the_cutoff_are_finite_and_exact(weeks_at_cutoff, penalizer_coef):
    """316 of 1,703 were inf before; lifetimes' penalised fit gives NaN for 188 of them."""
    assert len(weeks_at_cutoff) == 1_703
    with pytest.warns(DropoutNotIdentifiedWarning):
        model = BetaGeoFitter(penalizer_coef=penalizer_coef).fit(weeks_at_cutoff)
    horizon = 90 / 7
    expected = model.conditional_expected_number_of_purchases_up_to_time(horizon, weeks_at_cutoff)
    assert np.isfinite(expected).all() and (expected > 0).all()
    # The heaviest buyers, the newest and a few others, against 30-digit integration.
    chosen = weeks_at_cutoff.sort_values(["frequency", "T"]).iloc[[0, 1, 800, -2, -1]]
    for customer, (x, t_x, age) in chosen.iterrows():
        exact = reference.bgnbd_conditional_expected(model.params_, horizon, x, t_x, age)
        assert expected[customer] == pytest.approx(float(exact), rel=1e-9), customer


def test_compare_models_recommends_one_model_and_says_why(purchases):
    split = calibration_holdout_split(purchases, "2011-06-30")
    with pytest.warns(DropoutNotIdentifiedWarning):
        table = compare_models(TRANSACTION_MODELS, split)
    assert table["recommended"].sum() == 1
    # All three end at the NBD: their holdout errors agree to 1e-6.
    assert table["rmse"].max() - table["rmse"].min() < 1e-6 * table["rmse"].min()
    verdict = table.loc[table["recommended"], "verdict"].item()
    assert verdict.startswith("recommended: lowest holdout rmse (2.273; tied within 0.1% with")
    assert verdict.endswith(
        "dropout not identified: this history is too short to see customers "
        "leave; P(alive) carries no information"
    )
    assert not table["dropout_identified"].any()
