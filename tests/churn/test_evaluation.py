"""Metrics by hand, the baselines against lifetimes, and the rolling-origin backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from crm_analytics.churn.backtest import backtest
from crm_analytics.churn.baselines import PAliveBaseline, RecencyBaseline
from crm_analytics.churn.evaluation import (
    auc_difference,
    calibration_curve,
    churn_metrics,
    gains_curve,
    metrics_table,
)
from crm_analytics.churn.features import make_churn_dataset
from crm_analytics.exceptions import DataValidationError


def test_lift_and_capture_by_hand():
    # 20 customers, 5 churners; the top 10% (2 customers) holds 2 churners.
    y = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    scores = np.linspace(1.0, 0.05, 20)
    metrics = churn_metrics(y, scores, top=(0.1, 0.2))
    assert metrics["base_rate"] == 0.25
    assert metrics["capture_top_10"] == pytest.approx(2 / 5)
    assert metrics["lift_top_10"] == pytest.approx((2 / 2) / 0.25)
    assert metrics["capture_top_20"] == pytest.approx(3 / 5)  # 1, 1, 0, 1
    assert metrics["brier"] == pytest.approx(np.mean((scores - y) ** 2))


def test_ties_do_not_depend_on_row_order():
    y = [1, 0, 0, 1]
    fraction, captured = gains_curve(y, [0.5, 0.5, 0.5, 0.5])
    np.testing.assert_allclose(captured, fraction)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 5)), min_size=2, max_size=60))
def test_gains_curve_is_monotone_and_ends_at_one(rows):
    y = [int(label) for label, _ in rows]
    if len(set(y)) < 2:
        return
    scores = [score / 5 for _, score in rows]
    fraction, captured = gains_curve(y, scores)
    assert captured[0] == 0 and captured[-1] == pytest.approx(1.0)
    assert np.all(np.diff(captured) >= -1e-12)
    assert 0 <= churn_metrics(y, scores)["roc_auc"] <= 1


def test_metric_errors():
    with pytest.raises(DataValidationError, match="both classes"):
        churn_metrics([1, 1], [0.2, 0.3])
    with pytest.raises(DataValidationError, match="1 missing value"):
        churn_metrics([1, 0], [np.nan, 0.3])
    with pytest.raises(DataValidationError, match=r"top=\(0.0,\): pass shares .* in \(0, 1\]"):
        churn_metrics([1, 0], [0.9, 0.3], top=(0.0,))
    with pytest.raises(DataValidationError, match="labels and scores must be numbers"):
        churn_metrics(["yes", "no"], [0.9, 0.3])


def test_calibration_curve_bins_by_quantile():
    curve = calibration_curve([0, 1, 0, 1, 1, 1], [0.1, 0.2, 0.3, 0.6, 0.7, 0.8], n_bins=3)
    assert curve["observed_rate"].tolist() == [0.5, 0.5, 1.0]
    assert curve["mean_predicted"].tolist() == pytest.approx([0.15, 0.45, 0.75])


def test_metrics_table_has_a_row_per_scorer():
    table = metrics_table([1, 0, 1, 0], {"a": [0.9, 0.1, 0.8, 0.2], "b": [0.1, 0.9, 0.2, 0.8]})
    assert table.loc["a", "roc_auc"] == 1.0 and table.loc["b", "roc_auc"] == 0.0


def test_recency_baseline_is_monotone():
    X = pd.DataFrame({"days_since_last_purchase": [1.0, 50.0, 100.0, 200.0, 300.0]})
    baseline = RecencyBaseline().fit(X, pd.Series([0, 1, 0, 1, 1]))
    assert baseline.churn_probability(X).tolist() == [0.0, 0.5, 0.5, 1.0, 1.0]
    with pytest.raises(DataValidationError, match="needs column.*'days_since_last_purchase'"):
        baseline.churn_probability(pd.DataFrame({"x": [1]}))


def test_p_alive_baseline_matches_lifetimes(lifetimes, shop):
    transactions, _ = shop
    X, _ = make_churn_dataset(transactions, cutoff="2024-09-30", horizon=90)
    baseline = PAliveBaseline().fit(X)
    reference = lifetimes.BetaGeoFitter(penalizer_coef=0.001).fit(
        X["frequency"], X["recency"] / 7, X["T"] / 7
    )
    expected = 1 - reference.conditional_probability_alive(
        X["frequency"], X["recency"] / 7, X["T"] / 7
    )
    np.testing.assert_allclose(baseline.churn_probability(X), expected, atol=1e-6)
    # Without a repeat purchase BG/NBD says alive, so P(no purchase in h days) is the Gamma
    # mixture's ((alpha + T) / (alpha + T + h)) ** r.
    r, alpha = baseline.params_["r"], baseline.params_["alpha"]
    horizon = PAliveBaseline(horizon_days=70).fit(X).churn_probability(X)
    once = X["frequency"] == 0
    T = X.loc[once, "T"] / 7
    np.testing.assert_allclose(horizon[once], ((alpha + T) / (alpha + T + 10)) ** r, rtol=1e-6)
    assert (horizon >= baseline.churn_probability(X) - 1e-12).all()


def test_backtest_trains_only_on_closed_horizons(shop):
    transactions, _ = shop
    cutoffs = ["2024-07-01", "2024-08-01", "2024-09-01", "2024-10-01"]
    table = backtest(transactions, cutoffs=cutoffs, horizon=60)
    origins = table.index.get_level_values("cutoff").unique()
    # 07-01 + 60 days = 08-30: the first origin with a closed training horizon is 09-01.
    assert list(origins.strftime("%Y-%m-%d")) == ["2024-09-01", "2024-10-01"]
    assert table.xs("model", level="scorer")["n_train_cutoffs"].tolist() == [1, 2]
    scorers = set(table.index.get_level_values("scorer"))
    assert scorers == {"model", "recency", "1 - P(alive)", "BG/NBD no purchase"}
    model = table.xs("model", level="scorer")
    assert (model["roc_auc"] > 0.7).all()
    with pytest.raises(DataValidationError, match="no test cutoff has 3 earlier cutoff"):
        backtest(transactions, cutoffs=cutoffs, horizon=60, min_train_cutoffs=3)


def _delong_by_pairs(labels, first, second):
    """DeLong et al. (1988) written from the kernel psi(x, y) over every (churner, other)
    pair, the textbook way, to check the rank-based implementation."""
    labels = np.asarray(labels)
    v10, v01 = [], []
    for scores in (np.asarray(first), np.asarray(second)):
        x, y = scores[labels == 1][:, None], scores[labels == 0][None, :]
        psi = (x > y) + 0.5 * (x == y)
        v10.append(psi.mean(axis=1))
        v01.append(psi.mean(axis=0))
    s10, s01 = np.cov(np.vstack(v10)), np.cov(np.vstack(v01))
    contrast = np.array([-1.0, 1.0])
    variance = contrast @ s10 @ contrast / len(v10[0]) + contrast @ s01 @ contrast / len(v01[0])
    return v10[1].mean() - v10[0].mean(), np.sqrt(variance)


def test_auc_difference_matches_the_pairwise_delong_computation():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 300)
    first = np.round(labels + rng.normal(0, 1.5, 300), 1)  # rounded: ties are handled
    second = labels + rng.normal(0, 1.0, 300)
    result = auc_difference(labels, first, second)
    difference, se = _delong_by_pairs(labels, first, second)
    assert result["difference"] == pytest.approx(difference, abs=1e-12)
    assert result["se"] == pytest.approx(se, rel=1e-10)
    assert result["base"] == pytest.approx(roc_auc_score(labels, first))
    assert result["candidate"] == pytest.approx(roc_auc_score(labels, second))
    assert result["low"] < result["difference"] < result["high"]
    assert result["high"] - result["low"] == pytest.approx(2 * 1.959964 * se, rel=1e-6)


def test_auc_difference_standard_error_matches_the_spread_over_samples():
    rng = np.random.default_rng(4)
    differences, errors = [], []
    for _ in range(300):
        labels = rng.integers(0, 2, 200)
        shared = rng.normal(0, 1, 200)
        first = labels + shared + rng.normal(0, 0.8, 200)
        second = labels + shared + rng.normal(0, 0.6, 200)
        result = auc_difference(labels, first, second)
        differences.append(result["difference"])
        errors.append(result["se"])
    assert np.mean(errors) == pytest.approx(np.std(differences, ddof=1), rel=0.15)


def test_auc_difference_of_a_scorer_with_itself_is_zero():
    result = auc_difference([0, 1, 0, 1], [0.1, 0.9, 0.4, 0.3], [0.1, 0.9, 0.4, 0.3])
    assert (result["difference"], result["se"], result["p_value"]) == (0.0, 0.0, 1.0)
