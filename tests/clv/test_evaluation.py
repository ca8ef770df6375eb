"""Tests for crm_analytics.clv.evaluation: hand-computed cases, lifetimes cross-checks on CDNOW."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from crm_analytics.clv import (
    BetaGeoBetaBinomFitter,
    BetaGeoFitter,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
)
from crm_analytics.clv._collapse import evaluate_on_unique_rows, unique_rows
from crm_analytics.clv.evaluation import (
    compare_models,
    conditional_expectations,
    expected_purchases_matrix,
    holdout_metrics,
    holdout_predictions,
    period_transactions,
    probability_alive_history,
    probability_alive_matrix,
    tracking_transactions,
)
from crm_analytics.exceptions import DataValidationError, NotFittedError
from crm_analytics.summary import calibration_holdout_split
from tests.clv.clv_eval_data import (
    CDNOW_OBSERVATION_END,
    VectorisedBetaGeo,
    as_arrays,
    cdnow_weekly_calibration_holdout,
    load_cdnow_sample,
)


class PoissonStub:
    """A model whose predictions are easy to compute by hand: purchases at rate 0.5 (f+1)/(T+1).

    Its unconditional process is a Poisson process of rate 0.5.
    """

    params_ = pd.Series({"rate": 0.5})

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        return 0.5 * np.asarray(t) * (np.asarray(frequency) + 1) / (np.asarray(T) + 1)

    def expected_number_of_purchases_up_to_time(self, t):
        return 0.5 * np.asarray(t, dtype=float)

    def probability_of_n_purchases_up_to_time(self, t, n):
        return stats.poisson.pmf(n, 0.5 * np.asarray(t))

    def conditional_probability_alive(self, frequency, recency, T):
        return np.exp(-(np.asarray(T) - np.asarray(recency)) / (np.asarray(frequency) + 1))


def hand_frame() -> pd.DataFrame:
    """Four customers; with PoissonStub and duration 2, predicted = (f+1)/(T+1)."""
    return pd.DataFrame(
        {
            "frequency_cal": [0, 1, 3, 3],
            "recency_cal": [0.0, 2.0, 3.0, 3.0],
            "T_cal": [1.0, 3.0, 3.0, 3.0],
            "frequency_holdout": [0, 1, 2, 0],
            "duration_holdout": [2.0, 2.0, 2.0, 2.0],
        },
        index=pd.Index(["a", "b", "c", "d"], name="customer_id"),
    )


@pytest.fixture(scope="module")
def cdnow_split() -> pd.DataFrame:
    return cdnow_weekly_calibration_holdout()


@pytest.fixture(scope="module")
def cdnow_bgnbd(lifetimes, cdnow_split):
    return lifetimes.BetaGeoFitter().fit(
        *as_arrays(cdnow_split, "frequency_cal", "recency_cal", "T_cal")
    )


# --- holdout predictions and metrics -------------------------------------------------------


def test_holdout_metrics_by_hand():
    # predicted = (f+1)/(T+1): 0.5, 0.5, 1, 1; actual 0, 1, 2, 0; errors 0.5, -0.5, -1, 1.
    metrics = holdout_metrics(PoissonStub(), hand_frame())
    assert metrics["n_customers"] == 4
    assert metrics["mae"] == pytest.approx(0.75)
    assert metrics["rmse"] == pytest.approx(np.sqrt((0.25 + 0.25 + 1 + 1) / 4))
    assert metrics["actual_total"] == 3
    assert metrics["predicted_total"] == pytest.approx(3.0)
    assert metrics["aggregate_pct_error"] == pytest.approx(0.0)
    # Pearson of (0.5, 0.5, 1, 1) and (0, 1, 2, 0): cov 0.0625 / (0.25 * sqrt(0.6875)).
    assert metrics["correlation"] == pytest.approx(0.0625 / (0.25 * np.sqrt(0.6875)))


def test_holdout_predictions_equal_lifetimes_on_cdnow(cdnow_split, cdnow_bgnbd):
    predictions = holdout_predictions(cdnow_bgnbd, cdnow_split)
    expected = cdnow_bgnbd.conditional_expected_number_of_purchases_up_to_time(
        39.0, *as_arrays(cdnow_split, "frequency_cal", "recency_cal", "T_cal")
    )
    np.testing.assert_allclose(predictions["predicted"], expected, rtol=1e-12)
    assert predictions.index.equals(cdnow_split.index)
    assert predictions["actual"].sum() == cdnow_split["frequency_holdout"].sum()


def test_holdout_metrics_on_cdnow_are_those_of_the_predictions(cdnow_split, cdnow_bgnbd):
    predictions = holdout_predictions(cdnow_bgnbd, cdnow_split)
    error = predictions["predicted"] - predictions["actual"]
    metrics = holdout_metrics(cdnow_bgnbd, cdnow_split)
    assert metrics["mae"] == pytest.approx(error.abs().mean(), rel=1e-12)
    assert metrics["correlation"] == pytest.approx(
        predictions["predicted"].corr(predictions["actual"]), rel=1e-12
    )
    assert metrics["actual_total"] == 1882
    assert metrics["aggregate_pct_error"] == pytest.approx(
        100 * (predictions["predicted"].sum() / 1882 - 1), rel=1e-12
    )


def test_metrics_warn_instead_of_silent_nan():
    frame = hand_frame().assign(frequency_holdout=0)
    with pytest.warns(RuntimeWarning) as caught:
        metrics = holdout_metrics(PoissonStub(), frame)
    messages = " | ".join(str(warning.message) for warning in caught)
    assert "correlation is undefined" in messages
    assert "no customer purchased in the holdout" in messages
    assert np.isnan(metrics["aggregate_pct_error"])
    assert np.isnan(metrics["correlation"])


# --- conditional expectations ----------------------------------------------------------------


def test_conditional_expectations_by_hand():
    table = conditional_expectations(PoissonStub(), hand_frame(), censor=2)
    assert table.index.tolist() == [0, 1, 2]
    assert table["n_customers"].tolist() == [1, 1, 2]
    np.testing.assert_allclose(table["actual"], [0.0, 1.0, 1.0])
    np.testing.assert_allclose(table["predicted"], [0.5, 0.5, 1.0])


def test_conditional_expectations_on_cdnow_match_a_pandas_reference(cdnow_split, cdnow_bgnbd):
    table = conditional_expectations(cdnow_bgnbd, cdnow_split)
    predicted = cdnow_bgnbd.conditional_expected_number_of_purchases_up_to_time(
        39.0, *as_arrays(cdnow_split, "frequency_cal", "recency_cal", "T_cal")
    )
    reference = (
        cdnow_split.assign(predicted=predicted, bucket=cdnow_split["frequency_cal"].clip(upper=7))
        .groupby("bucket")
        .agg(actual=("frequency_holdout", "mean"), predicted=("predicted", "mean"))
    )
    assert table.index.tolist() == list(range(8))
    assert table["n_customers"].sum() == 2357
    # In the CDNOW sample 1,411 of the 2,357 customers made no repeat purchase in weeks 1-39.
    assert table.loc[0, "n_customers"] == 1411
    np.testing.assert_allclose(table["actual"], reference["actual"], rtol=1e-12)
    np.testing.assert_allclose(table["predicted"], reference["predicted"], rtol=1e-12)


def test_conditional_expectations_rejects_bad_censor():
    with pytest.raises(DataValidationError, match="censor must be a whole number of at least 1"):
        conditional_expectations(PoissonStub(), hand_frame(), censor=0)


# --- tracking -----------------------------------------------------------------------------------


def test_tracking_by_hand():
    # Days 0..5. Customer x born day 0, repeats on day 2 (twice: counts once) and day 4;
    # customer y born day 3, repeats day 5. E[X(t)] = 0.5 t.
    transactions = pd.DataFrame(
        {
            "customer_id": ["x", "x", "x", "x", "y", "y"],
            "date": pd.to_datetime(
                ["2020-01-01", "2020-01-03", "2020-01-03", "2020-01-05", "2020-01-04", "2020-01-06"]
            ),
        }
    )
    tracking = tracking_transactions(PoissonStub(), transactions)
    assert tracking.index.tolist() == [1, 2, 3, 4, 5, 6]
    np.testing.assert_array_equal(tracking["actual"], [0, 0, 1, 0, 1, 1])
    np.testing.assert_array_equal(tracking["actual_cumulative"], [0, 0, 1, 1, 2, 3])
    # At the end of day k, x (born day 0) has age k, y (born day 3) has age k - 3 for k > 3.
    expected = [0.5, 1.0, 1.5, 2.0 + 0.5, 2.5 + 1.0, 3.0 + 1.5]
    np.testing.assert_allclose(tracking["predicted_cumulative"], expected)
    np.testing.assert_allclose(tracking["predicted"], np.diff(expected, prepend=0.0))
    assert tracking["period_end"].iloc[-1] == pd.Period("2020-01-06", freq="D")


def test_tracking_in_weeks_by_hand():
    transactions = pd.DataFrame(
        {
            "customer_id": ["x"] * 3,
            "date": pd.to_datetime(["2020-01-01", "2020-01-09", "2020-01-15"]),
        }
    )
    tracking = tracking_transactions(
        PoissonStub(), transactions, observation_end="2020-01-16", freq="D", freq_multiplier=7
    )
    # 16 days = 2 whole weeks; repeats on days 8 and 14 fall in week 2 and week 3.
    assert tracking.index.tolist() == [1, 2]
    np.testing.assert_array_equal(tracking["actual_cumulative"], [0, 1])
    np.testing.assert_allclose(tracking["predicted_cumulative"], [0.5, 1.0])


@pytest.mark.parametrize(("freq", "freq_multiplier", "n_periods"), [("D", 7, 546), ("D", 1, 400)])
def test_tracking_equals_lifetimes_expected_cumulative_transactions(
    lifetimes, cdnow_bgnbd, freq, freq_multiplier, n_periods
):
    transactions = load_cdnow_sample()
    observation_end = pd.Timestamp("1997-01-01") + pd.Timedelta(days=n_periods - 1)
    # The model is in weeks; a daily model with the same behaviour has alpha in days.
    model = cdnow_bgnbd
    if freq_multiplier == 1:
        model = lifetimes.BetaGeoFitter()
        model.params_ = cdnow_bgnbd.params_ * pd.Series({"r": 1, "alpha": 7, "a": 1, "b": 1})
    reference = lifetimes.utils.expected_cumulative_transactions(
        model,
        transactions,
        "date",
        "customer_id",
        n_periods,
        freq=freq,
        freq_multiplier=freq_multiplier,
    )
    tracking = tracking_transactions(
        model,
        transactions,
        observation_end=observation_end,
        freq=freq,
        freq_multiplier=freq_multiplier,
    )
    assert len(tracking) == len(reference) == n_periods // freq_multiplier
    np.testing.assert_array_equal(tracking["actual_cumulative"], reference["actual"])
    np.testing.assert_allclose(tracking["predicted_cumulative"], reference["predicted"], rtol=1e-10)


def test_tracking_actual_total_is_all_repeat_transactions(cdnow_bgnbd, cdnow_split):
    tracking = tracking_transactions(cdnow_bgnbd, load_cdnow_sample(), freq="D", freq_multiplier=7)
    total_repeats = cdnow_split["frequency_cal"].sum() + cdnow_split["frequency_holdout"].sum()
    # 78 whole weeks cover days 0..545, i.e. the whole log.
    assert tracking["actual_cumulative"].iloc[-1] == total_repeats
    assert (tracking["predicted"] >= 0).all()
    assert tracking["period_end"].iloc[-1] == pd.Period(CDNOW_OBSERVATION_END, freq="D")


# --- period transactions ------------------------------------------------------------------------


def test_period_transactions_by_hand():
    summary = pd.DataFrame({"frequency": [0, 1, 5], "T": [2.0, 2.0, 4.0]})
    table = period_transactions(PoissonStub(), summary, max_frequency=2)
    # Poisson means 1, 1, 2 at T = 2, 2, 4.
    expected_0 = 2 * np.exp(-1) + np.exp(-2)
    expected_1 = 2 * np.exp(-1) + 2 * np.exp(-2)
    np.testing.assert_allclose(
        table["predicted"], [expected_0, expected_1, 3 - expected_0 - expected_1]
    )
    assert table["actual"].tolist() == [1, 1, 1]


def test_period_transactions_on_cdnow_match_lifetimes_per_customer(cdnow_split, cdnow_bgnbd):
    summary = cdnow_split.rename(columns={"frequency_cal": "frequency", "T_cal": "T"})
    model = VectorisedBetaGeo()
    model.params_ = cdnow_bgnbd.params_
    table = period_transactions(model, summary)
    ages = summary["T"].to_numpy()
    for n in range(7):
        per_customer = [cdnow_bgnbd.probability_of_n_purchases_up_to_time(age, n) for age in ages]
        assert table.loc[n, "predicted"] == pytest.approx(np.sum(per_customer), rel=1e-10)
    assert table["predicted"].sum() == pytest.approx(2357)
    assert table["actual"].tolist()[:2] == [1411, 439]


def test_period_transactions_needs_the_probability_method(lifetimes, cdnow_split):
    model = lifetimes.ParetoNBDFitter()
    model.params_ = pd.Series({"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67})
    summary = cdnow_split.rename(columns={"frequency_cal": "frequency", "T_cal": "T"})
    with pytest.raises(TypeError, match="probability_of_n_purchases_up_to_time"):
        period_transactions(model, summary)


# --- model comparison ---------------------------------------------------------------------------


def _log_likelihood_from_lifetimes(model, nll, log_params):
    data = model.data
    return -nll(
        np.log(model.params_.to_numpy()) if log_params else model.params_.to_numpy(),
        data["frequency"].to_numpy(),
        data["recency"].to_numpy(),
        data["T"].to_numpy(),
        np.ones(len(data)),
        0.0,
    ) * (len(data) if log_params else 1)


@pytest.fixture(scope="module")
def with_log_likelihood(lifetimes):
    """lifetimes' BG/NBD, MBG/NBD and Pareto/NBD with our ``log_likelihood_``, by our names."""

    class LifetimesBetaGeo(lifetimes.BetaGeoFitter):
        @property
        def log_likelihood_(self):
            return _log_likelihood_from_lifetimes(self, self._negative_log_likelihood, True)

    class LifetimesModifiedBetaGeo(lifetimes.ModifiedBetaGeoFitter):
        @property
        def log_likelihood_(self):
            return _log_likelihood_from_lifetimes(self, self._negative_log_likelihood, True)

    class LifetimesParetoNBD(lifetimes.ParetoNBDFitter):
        @property
        def log_likelihood_(self):
            return _log_likelihood_from_lifetimes(self, self._negative_log_likelihood, False)

    return {
        "BetaGeoFitter": LifetimesBetaGeo,
        "ModifiedBetaGeoFitter": LifetimesModifiedBetaGeo,
        "ParetoNBDFitter": LifetimesParetoNBD,
    }


def test_compare_models_on_cdnow(cdnow_split, with_log_likelihood):
    LifetimesBetaGeo = with_log_likelihood["BetaGeoFitter"]
    LifetimesParetoNBD = with_log_likelihood["ParetoNBDFitter"]
    LifetimesModifiedBetaGeo = with_log_likelihood["ModifiedBetaGeoFitter"]
    table = compare_models(
        [LifetimesBetaGeo, LifetimesParetoNBD, LifetimesModifiedBetaGeo], cdnow_split
    )
    # Published log-likelihoods (FHL 2005; Batislam et al. 2007 for MBG/NBD).
    assert table.loc["LifetimesBetaGeo", "log_likelihood"] == pytest.approx(-9582.4, abs=0.05)
    assert table.loc["LifetimesParetoNBD", "log_likelihood"] == pytest.approx(-9595.0, abs=0.05)
    log_likelihood = table["log_likelihood"]
    np.testing.assert_allclose(table["aic"], 8 - 2 * log_likelihood)
    np.testing.assert_allclose(table["bic"], 4 * np.log(2357) - 2 * log_likelihood)
    assert table["n_params"].tolist() == [4, 4, 4]
    assert table["bic"].is_monotonic_increasing
    assert table.index[-1] == "LifetimesParetoNBD"
    bgnbd = LifetimesBetaGeo().fit(*as_arrays(cdnow_split, "frequency_cal", "recency_cal", "T_cal"))
    expected = holdout_metrics(bgnbd, cdnow_split)
    assert table.loc["LifetimesBetaGeo", "mae"] == pytest.approx(expected["mae"], rel=1e-6)


def test_compare_models_of_our_fitters_equals_that_of_lifetimes(cdnow_split, with_log_likelihood):
    ours = compare_models(
        {"bgnbd": BetaGeoFitter, "pareto": ParetoNBDFitter, "mbgnbd": ModifiedBetaGeoFitter},
        cdnow_split,
    )
    theirs = compare_models(
        {
            "bgnbd": with_log_likelihood["BetaGeoFitter"],
            "pareto": with_log_likelihood["ParetoNBDFitter"],
            "mbgnbd": with_log_likelihood["ModifiedBetaGeoFitter"],
        },
        cdnow_split,
    )
    assert ours.loc["bgnbd", "log_likelihood"] == pytest.approx(-9582.4, abs=0.05)
    assert ours.loc["pareto", "log_likelihood"] == pytest.approx(-9595.0, abs=0.05)
    # lifetimes' models have no dropout_identified_, so their verdicts say less.
    assert ours["dropout_identified"].all() and theirs["dropout_identified"].isna().all()
    assert ours["recommended"].tolist() == theirs["recommended"].tolist()
    ours, theirs = (
        table.drop(columns=["dropout_identified", "verdict"]) for table in (ours, theirs)
    )
    exact = ["bgnbd", "mbgnbd"]
    pd.testing.assert_frame_equal(ours.loc[exact], theirs.loc[exact], rtol=1e-6)
    # lifetimes' Pareto/NBD optimum wanders from run to run (its likelihood is flat in beta;
    # holdout figures moved by up to 1.2e-3 relative over six runs)
    pd.testing.assert_frame_equal(ours.loc[["pareto"]], theirs.loc[["pareto"]], rtol=1e-2)


def test_compare_models_takes_the_discrete_model_on_weekly_opportunities():
    weekly = calibration_holdout_split(
        load_cdnow_sample(), "1997-09-30", CDNOW_OBSERVATION_END, freq="W"
    )
    table = compare_models([BetaGeoFitter, BetaGeoBetaBinomFitter], weekly, criterion="mae")
    bgbb = BetaGeoBetaBinomFitter().fit(*as_arrays(weekly, "frequency_cal", "recency_cal", "T_cal"))
    expected = holdout_metrics(bgbb, weekly)
    assert table.index[0] == "BetaGeoBetaBinomFitter"
    assert table.loc["BetaGeoBetaBinomFitter", "log_likelihood"] == pytest.approx(
        bgbb.log_likelihood_
    )
    for column in ["mae", "rmse", "correlation", "predicted_total"]:
        assert table.loc["BetaGeoBetaBinomFitter", column] == pytest.approx(expected[column])


def test_compare_models_keeps_fitted_models_and_labels(
    cdnow_split, cdnow_bgnbd, with_log_likelihood
):
    fitted = with_log_likelihood["BetaGeoFitter"]()
    fitted.params_ = cdnow_bgnbd.params_
    fitted.data = pd.DataFrame(
        dict(
            zip(
                ["frequency", "recency", "T"],
                as_arrays(cdnow_split, "frequency_cal", "recency_cal", "T_cal"),
                strict=True,
            )
        )
    )
    table = compare_models({"mine": fitted, "again": fitted}, cdnow_split, criterion="mae")
    assert table.index.tolist() == ["mine", "again"]
    assert table.loc["mine", "log_likelihood"] == pytest.approx(-9582.43, abs=0.01)
    assert compare_models([fitted, fitted], cdnow_split).index.tolist() == [
        "LifetimesBetaGeo",
        "LifetimesBetaGeo (2)",
    ]


def test_compare_models_sorts_by_criterion():
    class Stub(PoissonStub):
        def __init__(self, log_likelihood, scale):
            self.log_likelihood_ = log_likelihood
            self.scale = scale

        def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
            return self.scale * super().conditional_expected_number_of_purchases_up_to_time(
                t, frequency, recency, T
            )

    models = {"low": Stub(-10.0, 0.5), "high": Stub(-5.0, 1.2)}
    assert compare_models(models, hand_frame(), criterion="log_likelihood").index[0] == "high"
    assert compare_models(models, hand_frame(), criterion="aic").index[0] == "high"
    # aggregate errors: -50% for "low", +20% for "high": ranked by absolute value.
    table = compare_models(models, hand_frame(), criterion="aggregate_pct_error")
    assert table.index.tolist() == ["high", "low"]
    np.testing.assert_allclose(table["aggregate_pct_error"], [20.0, -50.0])
    with pytest.raises(DataValidationError, match="criterion 'auc' is not a column"):
        compare_models(models, hand_frame(), criterion="auc")


def test_compare_models_warns_when_mixing_discrete_and_continuous():
    class Discrete(PoissonStub):
        params_ = pd.Series({"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.78})
        log_likelihood_ = -10.0

    class Continuous(PoissonStub):
        log_likelihood_ = -12.0

    with pytest.warns(UserWarning, match="not comparable"):
        table = compare_models([Discrete(), Continuous()], hand_frame())
    assert table.loc["Discrete", "n_params"] == 4


def test_compare_models_needs_a_log_likelihood():
    with pytest.raises(TypeError, match="exposes no log_likelihood_"):
        compare_models([PoissonStub()], hand_frame())


# --- matrices and history -----------------------------------------------------------------------


def test_probability_alive_matrix_equals_lifetimes(cdnow_bgnbd):
    matrix = probability_alive_matrix(cdnow_bgnbd, max_frequency=10, max_recency=38)
    reference = cdnow_bgnbd.conditional_probability_alive_matrix(10, 38)
    assert matrix.shape == (39, 11)
    valid = ~np.isnan(matrix.to_numpy())
    np.testing.assert_allclose(matrix.to_numpy()[valid], reference[valid], rtol=1e-12)
    # Impossible histories (no repeat purchase but a positive recency) are left blank.
    assert matrix.loc[1:, 0].isna().all() and matrix.loc[0, 0] == 1.0


def test_expected_purchases_matrix_equals_pointwise_lifetimes(cdnow_bgnbd):
    matrix = expected_purchases_matrix(cdnow_bgnbd, t=10, max_frequency=5, max_recency=20, T=30)
    for frequency, recency in [(1, 3), (5, 20), (2, 0), (0, 0)]:
        expected = cdnow_bgnbd.conditional_expected_number_of_purchases_up_to_time(
            10, frequency, recency, 30
        )
        assert matrix.loc[recency, frequency] == pytest.approx(float(expected), rel=1e-12)


def test_matrix_rejects_an_age_below_max_recency(cdnow_bgnbd):
    with pytest.raises(DataValidationError, match="at least max_recency"):
        probability_alive_matrix(cdnow_bgnbd, max_frequency=3, max_recency=10, T=5)


def test_probability_alive_history_by_hand():
    transactions = pd.DataFrame(
        {
            "customer_id": ["me", "me", "me", "other", "me"],
            "date": pd.to_datetime(
                ["2020-01-01", "2020-01-04", "2020-01-04", "2020-01-02", "2020-01-06"]
            ),
        }
    )
    history = probability_alive_history(
        PoissonStub(), transactions, "me", observation_end="2020-01-08"
    )
    assert history.index[0] == pd.Timestamp("2020-01-01")
    assert len(history) == 8
    np.testing.assert_array_equal(history["frequency"], [0, 0, 0, 1, 1, 2, 2, 2])
    np.testing.assert_array_equal(history["recency"], [0, 0, 0, 3, 3, 5, 5, 5])
    np.testing.assert_array_equal(history["T"], np.arange(8))
    np.testing.assert_array_equal(history["purchased"], [1, 0, 0, 1, 0, 1, 0, 0])
    expected = np.exp(-(history["T"] - history["recency"]) / (history["frequency"] + 1))
    np.testing.assert_allclose(history["p_alive"], expected)


def test_probability_alive_history_unknown_customer():
    transactions = pd.DataFrame({"customer_id": ["a"], "date": pd.to_datetime(["2020-01-01"])})
    with pytest.raises(DataValidationError, match="customer_id 'zz' has no transactions"):
        probability_alive_history(PoissonStub(), transactions, "zz")


# --- input validation ---------------------------------------------------------------------------


def test_missing_column_is_named():
    with pytest.raises(DataValidationError, match="lacks column\\(s\\) 'duration_holdout'"):
        holdout_predictions(PoissonStub(), hand_frame().drop(columns="duration_holdout"))


def test_nan_rows_are_counted_and_shown():
    frame = hand_frame()
    frame.loc[["b", "d"], "recency_cal"] = np.nan
    with pytest.raises(DataValidationError, match="'recency_cal'.* 2 row\\(s\\).*e.g. index b, d"):
        holdout_metrics(PoissonStub(), frame)


def test_negative_values_are_rejected():
    frame = hand_frame()
    frame.loc["a", "T_cal"] = -1.0
    with pytest.raises(DataValidationError, match="'T_cal'.*negative values"):
        holdout_metrics(PoissonStub(), frame)


def test_empty_frame_is_rejected():
    with pytest.raises(DataValidationError, match="has no rows"):
        holdout_metrics(PoissonStub(), hand_frame().iloc[:0])


def test_unfitted_model_is_rejected(lifetimes):
    with pytest.raises(NotFittedError, match="BetaGeoFitter is not fitted yet"):
        holdout_metrics(lifetimes.BetaGeoFitter(), hand_frame())


def test_transactions_need_datetimes():
    transactions = pd.DataFrame({"customer_id": ["a"], "date": ["2020-01-01"]})
    with pytest.raises(DataValidationError, match="'date' must hold datetimes"):
        tracking_transactions(PoissonStub(), transactions)


# --- invariants -----------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from([0.0, 1.5, 2.0]), st.integers(0, 2)),
        min_size=1,
        max_size=40,
    )
)
def test_unique_rows_rebuild_the_input(rows):
    columns = [np.array(column) for column in zip(*rows, strict=True)]
    uniques, inverse = unique_rows(*columns)
    for column, unique in zip(columns, uniques, strict=True):
        np.testing.assert_array_equal(unique[inverse], column)
    assert len(uniques[0]) == len(set(rows))
    direct = columns[0] * 10.0 + columns[1] - columns[2]
    np.testing.assert_array_equal(
        evaluate_on_unique_rows(lambda a, b, c: a * 10.0 + b - c, *columns), direct
    )


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 30)), min_size=1, max_size=30))
def test_tracking_counts_every_repeat_period(purchases):
    transactions = pd.DataFrame(
        {
            "customer_id": [customer for customer, _ in purchases],
            "date": pd.Timestamp("2021-03-01")
            + pd.to_timedelta([day for _, day in purchases], unit="D"),
        }
    )
    tracking = tracking_transactions(PoissonStub(), transactions)
    distinct = {(customer, day) for customer, day in purchases}
    n_customers = len({customer for customer, _ in purchases})
    assert tracking["actual_cumulative"].iloc[-1] == len(distinct) - n_customers
    assert (np.diff(tracking["predicted_cumulative"]) >= 0).all()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: conditional_expectations(PoissonStub(), hand_frame(), censor=2.5),
            r"censor must be a whole number of at least 1, got 2.5",
        ),
        (
            lambda: period_transactions(
                PoissonStub(),
                pd.DataFrame({"frequency": [0, 1], "T": [2.0, 2.0]}),
                max_frequency=2.5,
            ),
            r"max_frequency must be a whole number of at least 1, got 2.5",
        ),
        (
            lambda: period_transactions(
                PoissonStub(),
                pd.DataFrame(
                    {"frequency": [0, 1.5], "T": [2.0, 2.0]},
                    index=pd.Index(["a", "b"], name="customer_id"),
                ),
            ),
            r"'frequency' must count whole .* 1 non-integer row\(s\) \(customer_id b\)",
        ),
    ],
)
def test_counts_must_be_whole(call, message):
    # censor=2.5 made a row labelled 2.5; a frequency of 1.5 was truncated to 1.
    with pytest.raises(DataValidationError, match=message):
        call()


def _one_customer_log():
    return pd.DataFrame(
        {"customer_id": ["a", "a"], "date": pd.to_datetime(["2020-01-01", "2020-01-05"])}
    )


@pytest.mark.parametrize("function", [tracking_transactions, probability_alive_history])
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"freq": "X"}, r"freq must be a pandas period frequency such as 'D', 'W' or 'M'.*'X'"),
        ({"freq_multiplier": 0}, r"freq_multiplier must be a whole number of at least 1, got 0"),
        (
            {"freq_multiplier": 1.5},
            r"freq_multiplier must be a whole number of at least 1, got 1.5",
        ),
    ],
)
def test_time_unit_is_checked_up_front(function, arguments, message):
    # freq="X" raised pandas' "Invalid frequency"; freq_multiplier=0 gave NaN recencies.
    extra = {"customer_id": "a"} if function is probability_alive_history else {}
    with pytest.raises(DataValidationError, match=message):
        function(PoissonStub(), _one_customer_log(), **extra, **arguments)


def test_impossible_calibration_histories_are_named_by_customer():
    frame = hand_frame()
    frame.loc["b", "recency_cal"] = 5.0
    # Named "rows 1, 2, 3" of the distinct histories before.
    message = r"1 row\(s\) have recency_cal > T_cal \(customer_id b\)"
    with pytest.raises(DataValidationError, match=message):
        holdout_metrics(PoissonStub(), frame)
    frame = hand_frame()
    frame.loc["a", "recency_cal"] = 0.5
    with pytest.raises(DataValidationError, match=r"frequency_cal 0 but recency_cal != 0 \(cus"):
        compare_models([BetaGeoFitter], frame)


def test_compare_models_recommends_the_lowest_holdout_rmse():
    """By hand on hand_frame (actual 0, 1, 2, 0; the stub predicts (f + 1) / (T + 1) x scale):
    scale 0.5 predicts 0.25, 0.25, 0.5, 0.5 (RMSE sqrt(3.125 / 4) = 0.884), scale 1.2 predicts
    0.6, 0.6, 1.2, 1.2 (RMSE sqrt(2.6 / 4) = 0.806); their MAE is 0.75 for both."""

    class Stub(PoissonStub):
        log_likelihood_ = -10.0

        def __init__(self, scale, dropout_identified=None):
            self.scale = scale
            if dropout_identified is not None:
                self.dropout_identified_ = dropout_identified

        def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
            return self.scale * super().conditional_expected_number_of_purchases_up_to_time(
                t, frequency, recency, T
            )

    table = compare_models({"low": Stub(0.5), "high": Stub(1.2, False)}, hand_frame())
    np.testing.assert_allclose(table.loc[["low", "high"], "rmse"], [0.8839, 0.8062], atol=1e-4)
    assert table["recommended"].to_dict() == {"low": False, "high": True}
    assert table.loc["high", "verdict"] == (
        "recommended: lowest holdout rmse (0.8062; next low 0.8839); dropout not identified: "
        "this history is too short to see customers leave; P(alive) carries no information"
    )
    assert table.loc["low", "verdict"] == "holdout rmse 0.8839 against 0.8062 for high"
    assert table.loc["low", "dropout_identified"] is pd.NA
    assert not table.loc["high", "dropout_identified"]
    # A tie on MAE goes to the model whose dropout is identified.
    tied = compare_models(
        {"low": Stub(0.5, True), "high": Stub(1.2, False)}, hand_frame(), recommend_by="mae"
    )
    assert tied.loc["low", "recommended"]
    assert tied.loc["low", "verdict"].startswith(
        "recommended: lowest holdout mae (0.75; tied within 0.1% with high); dropout identified"
    )
    with pytest.raises(DataValidationError, match="recommend_by 'auc' is not a column"):
        compare_models({"low": Stub(0.5)}, hand_frame(), recommend_by="auc")
