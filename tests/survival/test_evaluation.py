"""Holdout evaluation: censoring weights by hand, the Brier score unbiased under censoring,
concordance equal to lifelines', calibration of a true model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.survival import (
    ChurnTimeModel,
    brier_scores,
    concordance,
    survival_calibration,
    tenure_table,
)
from crm_analytics.survival.evaluation import _censoring_survival, ipcw_weights

pytestmark = pytest.mark.usefixtures("lifelines")


class Geometric:
    """A model that knows the truth: every customer leaves at each renewal with probability
    ``hazard`` (stands in for ChurnTimeModel: brier_scores reads survival_function only)."""

    def __init__(self, hazard: float) -> None:
        self.hazard = hazard

    def survival_function(self, table: pd.DataFrame, periods) -> pd.DataFrame:
        values = (1 - self.hazard) ** np.asarray(periods, dtype=float)
        return pd.DataFrame(np.tile(values, (len(table), 1)), index=table.index, columns=periods)


def geometric_customers(n: int, hazard: float, censor_hazard: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lifetime = rng.geometric(hazard, n)
    censored_at = rng.geometric(censor_hazard, n) - 1
    churned = lifetime <= censored_at
    return tenure_table(
        pd.DataFrame(
            {"customer_id": range(n), "tenure": np.where(churned, lifetime, censored_at),
             "churned": churned}
        )
    )  # fmt: skip


def test_censoring_curve_by_hand():
    tenure = np.array([1, 2, 2, 3, 4])
    churned = np.array([True, False, True, False, True])
    # Censored at 2: at risk there the active one with tenure 2 and the two beyond: 1/3.
    # Censored at 3: the active one with tenure 3 and the one beyond: 1/2.
    np.testing.assert_allclose(_censoring_survival(tenure, churned), [1, 1, 2 / 3, 1 / 3, 1 / 3])


def test_weighted_brier_score_is_unbiased_under_censoring():
    hazard, horizons = 0.1, [3, 6, 12]
    censored = geometric_customers(200_000, hazard, 0.05, seed=1)
    uncensored = geometric_customers(200_000, hazard, 1e-9, seed=2)
    truth = Geometric(hazard)
    weighted = brier_scores(truth, censored, horizons=horizons)["brier"]
    plain = brier_scores(truth, uncensored, horizons=horizons)["brier"]
    # Exact: S (1 - S) for a forecast equal to the survival probability S.
    expected = [(0.9**t) * (1 - 0.9**t) for t in horizons]
    np.testing.assert_allclose(plain, expected, atol=0.003)
    np.testing.assert_allclose(weighted, expected, atol=0.004)


def test_brier_table_and_the_kaplan_meier_reference(proportional):
    train, holdout = proportional.iloc[::2], proportional.iloc[1::2]
    model = ChurnTimeModel(attributes=["plan", "payment"]).fit(train)
    scores = brier_scores(model, holdout, horizons=[3, 12, 24])
    assert scores.columns.tolist() == ["brier", "brier_km", "skill", "customers_known"]
    assert (scores["brier"] < scores["brier_km"]).all()
    np.testing.assert_allclose(scores["skill"], 1 - scores["brier"] / scores["brier_km"])
    with pytest.raises(DataValidationError, match="beyond the longest tenure"):
        brier_scores(model, holdout, horizons=[400])


def test_concordance_equals_lifelines(lifelines, proportional):
    train, holdout = proportional.iloc[::2], proportional.iloc[1::2]
    model = ChurnTimeModel(attributes=["plan", "payment"]).fit(train)
    expected = lifelines.utils.concordance_index(
        holdout["tenure"], -model.risk_score(holdout), holdout["churned"]
    )
    assert concordance(model, holdout) == pytest.approx(expected)
    assert 0.55 < concordance(model, holdout) < 0.8


def test_a_correct_model_is_calibrated(proportional):
    train, holdout = proportional.iloc[::2], proportional.iloc[1::2]
    model = ChurnTimeModel(attributes=["plan", "payment"]).fit(train)
    table = survival_calibration(model, holdout, horizon=12, n_bins=4)
    assert table.columns.tolist() == ["mean_predicted", "observed", "lower", "upper", "customers"]
    assert table["customers"].sum() == len(holdout)
    assert (table["mean_predicted"] - table["observed"]).abs().max() < 0.04
    assert table["mean_predicted"].is_monotonic_increasing


def test_ipcw_weights_by_hand():
    censoring = np.array([1.0, 0.8, 0.5, 0.5])
    weights, alive = ipcw_weights(
        np.array([1, 3, 1, 2, 3]), np.array([True, True, False, False, False]), 2, censoring
    )
    # Left at 1: 1 / G(0). Left at 3 > 2: known active at 2, 1 / G(1). Censored at 1 < 2:
    # unknown. Active at tenure 2 and 3: known active after 2, 1 / G(1).
    np.testing.assert_allclose(weights, [1.0, 1.25, 0.0, 1.25, 1.25])
    np.testing.assert_array_equal(alive, [0, 1, 0, 1, 1])
