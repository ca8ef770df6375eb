"""BG/BB: the published donations estimates, equality with lifetimes, recovery, stability."""

from __future__ import annotations

import mpmath
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

import crm_analytics.clv.beta_geo_beta_binom as bgbb
from crm_analytics.clv import BetaGeoBetaBinomFitter
from crm_analytics.exceptions import ConvergenceError, DataValidationError, NotFittedError
from tests.clv.simulated_discrete import bgbb_customers

NAMES = ["alpha", "beta", "gamma", "delta"]
# FHS (2010), Table 2: the 1995 cohort of donors, 6 yearly opportunities (1996-2001).
PUBLISHED = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
# Parameter sets beside the donations fit: gamma above 1, small and large alpha, delta.
OTHER_PARAMS = [
    {"alpha": 0.3, "beta": 2.5, "gamma": 1.7, "delta": 0.4},
    {"alpha": 4.0, "beta": 0.5, "gamma": 0.2, "delta": 8.0},
]


@pytest.fixture(scope="module")
def donations(donations) -> pd.DataFrame:
    """The 22 distinct histories of the 11,104 donors, labelled h0 .. h21 as customers."""
    index = pd.Index([f"h{i}" for i in range(len(donations))], name="customer_id")
    return donations.set_index(index)


@pytest.fixture(scope="module")
def model(donations) -> BetaGeoBetaBinomFitter:
    return BetaGeoBetaBinomFitter().fit(donations, weights=donations["weights"])


def every_history(max_periods: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All valid (x, t_x, n) with n <= max_periods: x = t_x = 0, or 1 <= x <= t_x <= n."""
    rows = [(0, 0, n) for n in range(max_periods + 1)] + [
        (x, t_x, n)
        for n in range(1, max_periods + 1)
        for t_x in range(1, n + 1)
        for x in range(1, t_x + 1)
    ]
    return tuple(np.array(rows, dtype=np.int64).T)


def with_params(params: dict | pd.Series) -> BetaGeoBetaBinomFitter:
    model = BetaGeoBetaBinomFitter()
    model.params_ = pd.Series(params, dtype=float)[NAMES]
    return model


def lifetimes_twin(lifetimes, model: BetaGeoBetaBinomFitter):
    reference = lifetimes.BetaGeoBetaBinomFitter()
    reference.params_ = model.params_.copy()
    return reference


def test_reproduces_fader_hardie_shang_2010_on_donations(model):
    assert model.params_.round(3).to_dict() == PUBLISHED
    assert round(model.log_likelihood_, 1) == -33225.6
    assert model.n_customers_ == 11_104
    assert pytest.approx(8 - 2 * model.log_likelihood_) == model.AIC_
    assert pytest.approx(4 * np.log(11_104) - 2 * model.log_likelihood_) == model.BIC_


def test_published_probabilities_of_being_alive_in_2002(model):
    """FHS (2010): P(alive in 2002) of donors with (x, t_x) = (0, 0), (2, 4), (6, 6), n = 6."""
    alive = model.conditional_probability_alive(1, [0, 2, 6], [0, 4, 6], 6)
    assert alive.round(2).tolist() == [0.11, 0.59, 0.93]


def test_same_estimates_and_standard_errors_as_lifetimes(lifetimes, model, donations):
    reference = lifetimes.BetaGeoBetaBinomFitter().fit(
        donations["frequency"],
        donations["recency"],
        donations["n_periods"],
        weights=donations["weights"],
    )
    np.testing.assert_allclose(model.params_, reference.params_, rtol=1e-5)
    np.testing.assert_allclose(model.standard_errors_, reference.standard_errors_, rtol=1e-3)
    total = -reference._negative_log_likelihood_ * donations["weights"].sum()
    assert model.log_likelihood_ == pytest.approx(total, rel=1e-9)


@pytest.mark.parametrize("params", [PUBLISHED, *OTHER_PARAMS])
def test_log_likelihood_equals_lifetimes(lifetimes, params):
    """Every history with n <= 12, likelihood by likelihood.

    lifetimes adds 1e-15 to the sum over dropout times (so that a history with t_x = n has a
    finite log), which biases its likelihoods by 1e-15 in absolute terms: the comparison is on
    likelihoods (all above 1e-8 here), not on their logs, where log L near 0 would magnify it.
    """
    frequency, recency, n_periods = every_history(12)
    model = with_params(params)
    ours, _ = model._posterior(frequency * 1.0, recency * 1.0, n_periods * 1.0)
    theirs = lifetimes.BetaGeoBetaBinomFitter._loglikelihood(
        np.array(list(params.values())), frequency, recency, n_periods
    )
    np.testing.assert_allclose(np.exp(ours), np.exp(theirs), rtol=1e-6)


@pytest.mark.parametrize("params", [None, *OTHER_PARAMS])
def test_predictions_equal_lifetimes(lifetimes, model, params):
    model = with_params(model.params_ if params is None else params)
    reference = lifetimes_twin(lifetimes, model)
    frequency, recency, n_periods = every_history(10)
    for future in (0, 1, 5, 20):
        np.testing.assert_allclose(
            model.conditional_probability_alive(future, frequency, recency, n_periods),
            reference.conditional_probability_alive(future, frequency, recency, n_periods),
            rtol=1e-6,
        )
        np.testing.assert_allclose(
            model.conditional_expected_number_of_purchases_up_to_time(
                future, frequency, recency, n_periods
            ),
            reference.conditional_expected_number_of_purchases_up_to_time(
                future, frequency, recency, n_periods
            ),
            rtol=1e-6,
        )
    # lifetimes gives P(X(n) = x) only as counts over the frequencies of its data.
    reference.data = model.data = pd.DataFrame({"frequency": np.arange(11), "weights": 1.0})
    for n in (1, 3, 6, 10):
        ours = model.expected_number_of_transactions_in_first_n_periods(n)
        theirs = reference.expected_number_of_transactions_in_first_n_periods(n)
        pd.testing.assert_frame_equal(ours, theirs, rtol=1e-6)
        np.testing.assert_allclose(
            model.probability_of_n_purchases_up_to_time(n, np.arange(11)),
            theirs["model"] / 11,
            rtol=1e-6,
        )


def test_expected_counts_of_donors_equal_lifetimes(lifetimes, model):
    ours = model.expected_number_of_transactions_in_first_n_periods(6)
    theirs = lifetimes_twin(lifetimes, model)
    # lifetimes keeps the histories as integers, we as floats (checked whole).
    theirs.data = model.data.astype("int64")
    pd.testing.assert_frame_equal(
        ours, theirs.expected_number_of_transactions_in_first_n_periods(6), rtol=1e-9
    )


def test_unconditional_predictions_by_hand(model):
    alpha, beta, gamma, delta = model.params_
    # One opportunity: alive at it with probability E[1 - theta], then transacts with E[p].
    first = alpha / (alpha + beta) * delta / (gamma + delta)
    assert model.expected_number_of_purchases_up_to_time(1) == pytest.approx(first, rel=1e-12)
    assert model.probability_of_n_purchases_up_to_time(1, 1) == pytest.approx(first, rel=1e-12)
    assert model.probability_of_n_purchases_up_to_time(3, 4) == 0.0
    counts = np.arange(31)
    distribution = model.probability_of_n_purchases_up_to_time(30, counts)
    assert distribution.sum() == pytest.approx(1.0, abs=1e-12)
    assert counts @ distribution == pytest.approx(
        model.expected_number_of_purchases_up_to_time(30), rel=1e-12
    )


def test_conditional_predictions_by_hand(model):
    """One opportunity ahead: alive at n + 1, times the posterior mean of p, (alpha+x)/(alpha+beta+n)."""
    alpha, beta = model.params_[["alpha", "beta"]]
    frequency, recency, n_periods = every_history(8)
    alive = model.conditional_probability_alive(1, frequency, recency, n_periods)
    expected = model.conditional_expected_number_of_purchases_up_to_time(
        1, frequency, recency, n_periods
    )
    np.testing.assert_allclose(
        expected, alive * (alpha + frequency) / (alpha + beta + n_periods), rtol=1e-10
    )
    always = model.conditional_probability_alive(0, [6, 0], [6, 0], [6, 0])
    np.testing.assert_allclose(always, 1.0, rtol=1e-12)


def _likelihood_and_alive_mpmath(params, x, t_x, n):
    """FHS (2010) eq. 5 term by term, and P(alive at n + 1) (eq. A10), in 50-digit arithmetic."""
    mpmath.mp.dps = 50
    alpha, beta, gamma, delta = (mpmath.mpf(value) for value in params)
    norm = mpmath.beta(alpha, beta) * mpmath.beta(gamma, delta)
    total = mpmath.beta(alpha + x, beta + n - x) * mpmath.beta(gamma, delta + n)
    for k in range(t_x, n):
        total += mpmath.beta(alpha + x, beta + k - x) * mpmath.beta(gamma + 1, delta + k)
    alive_next = mpmath.beta(alpha + x, beta + n - x) * mpmath.beta(gamma, delta + n + 1) / total
    return float(mpmath.log(total / norm)), float(alive_next)


@pytest.mark.parametrize(
    ("x", "t_x", "n"),
    [(30, 52, 52), (100, 400, 400), (250, 260, 400), (3, 5, 500), (480, 500, 500)],
)
def test_long_histories_stay_exact(model, x, t_x, n):
    """Weekly opportunities over years: still equal to 50-digit arithmetic.

    All but (3, 5, 500) have likelihoods below 1e-15, where lifetimes' floor of 1e-15 on the
    dropout sum takes over: for (30, 52, 52), a donor who gave in 30 of 52 weeks including the
    last, lifetimes says P(alive next week) = 0.0075 where the model gives 0.988.
    """
    log_likelihood, alive = _likelihood_and_alive_mpmath(model.params_, x, t_x, n)
    ours, _ = model._posterior(np.array([x * 1.0]), np.array([t_x * 1.0]), np.array([n * 1.0]))
    assert ours[0] == pytest.approx(log_likelihood, rel=1e-11)
    assert model.conditional_probability_alive(1, x, t_x, n) == pytest.approx(alive, rel=1e-10)


def test_blocks_give_the_same_likelihood_and_gradient(model, monkeypatch):
    frequency, recency, n_periods = every_history(15)
    sample = bgbb.Sample.collapse(
        {"frequency": frequency * 1.0, "recency": recency * 1.0, "n_periods": n_periods * 1.0},
        np.arange(1.0, len(frequency) + 1),
    )
    whole = model._log_likelihood(model.params_.to_numpy(), sample, True)
    monkeypatch.setattr(bgbb, "_BLOCK_CELLS", 50)
    blocked = model._log_likelihood(model.params_.to_numpy(), sample, True)
    assert blocked[0] == pytest.approx(whole[0], rel=1e-13)
    np.testing.assert_allclose(blocked[1], whole[1], rtol=1e-11)


def test_blocks_give_the_same_predictions(model, monkeypatch):
    """Long windows are cut into blocks of histories; the distribution still sums to one."""
    counts = np.arange(401)
    whole = model.probability_of_n_purchases_up_to_time(400, counts)
    assert whole.sum() == pytest.approx(1.0, abs=1e-10)
    assert counts @ whole == pytest.approx(
        model.expected_number_of_purchases_up_to_time(400), rel=1e-10
    )
    monkeypatch.setattr(bgbb, "_BLOCK_CELLS", 1000)
    np.testing.assert_allclose(
        model.probability_of_n_purchases_up_to_time(400, counts), whole, rtol=1e-12
    )


def test_gradient_equals_finite_differences(model):
    frequency, recency, n_periods = every_history(9)
    sample = bgbb.Sample.collapse(
        {"frequency": frequency * 1.0, "recency": recency * 1.0, "n_periods": n_periods * 1.0},
        np.ones(len(frequency)),
    )
    for params in (model.params_.to_numpy(), np.array([0.3, 2.5, 1.7, 0.4])):
        _, gradient = model._log_likelihood(params, sample, True)
        step = 1e-6 * params
        numerical = [
            (
                model._log_likelihood(params + h, sample, False)[0]
                - model._log_likelihood(params - h, sample, False)[0]
            )
            / (2 * h.sum())
            for h in np.diag(step)
        ]
        np.testing.assert_allclose(gradient, numerical, rtol=1e-6)


def test_gamma_equal_to_one_is_the_limit(model):
    """The closed form divides by gamma - 1; at gamma = 1 its limit (a digamma difference) holds."""
    exact = with_params({**PUBLISHED, "gamma": 1.0})
    near = with_params({**PUBLISHED, "gamma": 1.0 + 1e-7})
    for predict in (
        lambda m: m.expected_number_of_purchases_up_to_time(np.array([1, 6, 40])),
        lambda m: m.conditional_expected_number_of_purchases_up_to_time(5, [0, 2, 6], [0, 4, 6], 6),
    ):
        np.testing.assert_allclose(predict(exact), predict(near), rtol=1e-6)


def test_weights_equal_repeated_rows(model, donations):
    rows = donations.loc[donations.index.repeat(donations["weights"])].reset_index(drop=True)
    full = BetaGeoBetaBinomFitter().fit(rows["frequency"], rows["recency"], rows["n_periods"])
    np.testing.assert_allclose(full.params_, model.params_, rtol=1e-6)
    assert full.log_likelihood_ == pytest.approx(model.log_likelihood_, rel=1e-10)


def test_penalizer_gives_lifetimes_penalised_estimates(lifetimes, donations):
    columns = [donations[name] for name in ("frequency", "recency", "n_periods")]
    ours = BetaGeoBetaBinomFitter(penalizer_coef=0.01).fit(*columns, donations["weights"])
    theirs = lifetimes.BetaGeoBetaBinomFitter(penalizer_coef=0.01).fit(
        *columns, donations["weights"]
    )
    np.testing.assert_allclose(ours.params_, theirs.params_, rtol=1e-4)
    assert ours.params_["delta"] < 2.5


def test_predictions_keep_the_customer_index(model, donations):
    by_frame = model.conditional_probability_alive(1, donations)
    assert by_frame.name == "p_alive" and by_frame.index.equals(donations.index)
    by_series = model.conditional_expected_number_of_purchases_up_to_time(
        5, donations["frequency"], donations["recency"], donations["n_periods"]
    )
    assert by_series.name == "expected_purchases" and by_series.index.equals(donations.index)
    per_customer = model.conditional_probability_alive(
        np.arange(len(donations)), donations
    ).to_numpy()
    one_by_one = [
        model.conditional_probability_alive(m, x, t, n)
        for m, (x, t, n) in enumerate(donations[["frequency", "recency", "n_periods"]].to_numpy())
    ]
    np.testing.assert_allclose(per_customer, one_by_one, rtol=1e-12)
    assert isinstance(model.conditional_probability_alive(1, 2, 4, 6), float)


def test_data_and_save_load(model, donations, tmp_path):
    assert model.data.columns.tolist() == ["frequency", "recency", "n_periods", "weights"]
    assert model.data["weights"].sum() == 11_104
    path = tmp_path / "bgbb.json"
    model.save(path)
    loaded = BetaGeoBetaBinomFitter.load(path)
    pd.testing.assert_frame_equal(loaded.summary, model.summary)
    pd.testing.assert_series_equal(
        loaded.conditional_probability_alive(1, donations),
        model.conditional_probability_alive(1, donations),
    )
    with pytest.raises(DataValidationError, match="loaded without its data"):
        loaded.expected_number_of_transactions_in_first_n_periods(6)


def small_histories(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"frequency": [2, 0, 1, 3], "recency": [4, 0, 3, 5], "n_periods": [6, 6, 6, 6]},
        index=pd.Index(["c1", "c2", "c3", "c4"], name="customer_id"),
        dtype=float,
    )
    for column, (row, value) in changes.items():
        frame.loc[row, column] = value
    return frame


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"frequency": ("c3", 4)},
            r"1 row\(s\) have frequency > recency \(customer_id c3\); .*one opportunity",
        ),
        (
            {"recency": ("c4", 7)},
            r"1 row\(s\) have recency > n_periods \(customer_id c4\); .*observed opportunities",
        ),
        ({"recency": ("c1", 3.5)}, r"'recency' must count whole .* 1 non-integer .*c1"),
        ({"n_periods": ("c2", np.nan)}, r"'n_periods' has 1 row\(s\) with NaN .*customer_id c2"),
        ({"recency": ("c2", 2)}, r"frequency 0 but recency != 0 \(customer_id c2\)"),
        ({"frequency": ("c1", -1)}, r"'frequency' has 1 row\(s\) with negative values"),
    ],
)
def test_bad_histories_are_named(changes, message):
    with pytest.raises(DataValidationError, match=message):
        BetaGeoBetaBinomFitter().fit(small_histories(**changes))


def test_inputs_are_explained():
    with pytest.raises(DataValidationError, match="no customers given.*n_periods = the"):
        BetaGeoBetaBinomFitter().fit([], [], [])
    with pytest.raises(DataValidationError, match="lacks column\\(s\\) 'n_periods'.*n_periods ="):
        BetaGeoBetaBinomFitter().fit(small_histories().rename(columns={"n_periods": "periods"}))
    with pytest.raises(ConvergenceError, match="no customer made a repeat purchase"):
        BetaGeoBetaBinomFitter().fit([0, 0], [0, 0], [5, 6])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        BetaGeoBetaBinomFitter().conditional_probability_alive(1, small_histories())


def test_predictions_check_their_inputs(model):
    with pytest.raises(DataValidationError, match="frequency > recency"):
        model.conditional_probability_alive(1, [3], [2], [6])
    with pytest.raises(DataValidationError, match="m_periods_in_future must be finite and >= 0"):
        model.conditional_expected_number_of_purchases_up_to_time(-1, [1], [2], [6])
    with pytest.raises(DataValidationError, match="t must count whole opportunities"):
        model.expected_number_of_purchases_up_to_time(2.5)
    with pytest.raises(DataValidationError, match="does not broadcast"):
        model.conditional_probability_alive([1, 2], [1, 2, 3], [1, 2, 3], 6)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_recovers_simulated_parameters(seed):
    """5,000 customers over 10 opportunities: each estimate within 3.5 standard errors."""
    truth = pd.Series({"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8})
    customers = bgbb_customers(5_000, **truth, n_periods=10, seed=seed)
    model = BetaGeoBetaBinomFitter().fit(customers)
    z_scores = (model.params_ - truth) / model.standard_errors_
    assert z_scores.abs().max() < 3.5, z_scores


def test_recovers_parameters_of_mixed_cohorts():
    """100,000 customers with 5 to 20 opportunities: within 3.5 SE, alpha and beta within 5%.

    Dropout is the harder part to learn (gamma and delta have standard errors near 2.5% and
    4% here), so only the transaction parameters get the 5% bound as well.
    """
    truth = pd.Series({"alpha": 0.8, "beta": 2.0, "gamma": 1.5, "delta": 4.0})
    cohorts = np.arange(100_000) % 16 + 5
    customers = bgbb_customers(100_000, **truth, n_periods=cohorts, seed=11)
    model = BetaGeoBetaBinomFitter().fit(customers)
    z_scores = (model.params_ - truth) / model.standard_errors_
    assert z_scores.abs().max() < 3.5, model.summary
    relative = (model.params_ / truth - 1).abs()
    assert relative[["alpha", "beta"]].max() < 0.05, model.summary


@settings(max_examples=60, deadline=None)
@given(
    n_periods=st.integers(0, 60),
    recency_share=st.floats(0, 1),
    frequency_share=st.floats(0, 1),
    future=st.integers(0, 100),
)
def test_predictions_are_probabilities_and_grow_with_time(
    model, n_periods, recency_share, frequency_share, future
):
    recency = int(round(recency_share * n_periods))
    frequency = int(round(frequency_share * recency)) if recency else 0
    frequency = max(frequency, 1) if recency else 0
    history = (frequency, recency, n_periods)
    alive = model.conditional_probability_alive(future, *history)
    assert 0.0 <= model.conditional_probability_alive(future + 1, *history) <= alive <= 1.0
    soon = model.conditional_expected_number_of_purchases_up_to_time(future, *history)
    later = model.conditional_expected_number_of_purchases_up_to_time(future + 1, *history)
    assert 0.0 <= soon <= later
    assert model.expected_number_of_purchases_up_to_time(
        future
    ) <= model.expected_number_of_purchases_up_to_time(future + 1)


def _alive_sum_mpmath(gamma, delta, start, length):
    """``sum_i B(gamma, delta + start + i) / B(gamma, delta + start)``, i = 1..length, 50 digits."""
    mpmath.mp.dps = 50
    return float(
        mpmath.fsum(
            mpmath.beta(gamma, delta + start + i) / mpmath.beta(gamma, delta + start)
            for i in range(1, length + 1)
        )
    )


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize(
    "params",
    [
        {"alpha": 1.2, "beta": 0.75, "gamma": 300.0, "delta": 2000.0},
        # A random 6-period data set was fitted to gamma = 48194 (and delta in the millions).
        {"alpha": 1.2, "beta": 0.75, "gamma": 48194.0, "delta": 2.0e6},
    ],
)
def test_large_gamma_gives_exact_expectations_not_nan(params):
    """E[X(n)] = alpha / (alpha + beta) sum_i P(alive at i) (FHS 2010, eq. 9), summed directly."""
    model = with_params(params)
    alpha, beta, gamma, delta = (params[name] for name in NAMES)
    horizons = [1, 6, 40]
    expected = [alpha / (alpha + beta) * _alive_sum_mpmath(gamma, delta, 0, t) for t in horizons]
    np.testing.assert_allclose(
        model.expected_number_of_purchases_up_to_time(np.array(horizons)), expected, rtol=1e-6
    )
    # Given (x, t_x, n): P(alive at n) (alpha + x) / (alpha + beta + n) sum_i P(alive at n + i
    # | alive at n) (FHS 2010, eq. 13).
    x, t_x, n, future = np.array([0, 2, 6]), np.array([0, 4, 6]), 6, 5
    p_alive = model.conditional_probability_alive(0, x, t_x, n)
    direct = p_alive * (alpha + x) / (alpha + beta + n) * _alive_sum_mpmath(gamma, delta, n, future)
    np.testing.assert_allclose(
        model.conditional_expected_number_of_purchases_up_to_time(future, x, t_x, n),
        direct,
        rtol=1e-6,
    )


def test_horizon_series_must_share_the_histories_index(model, donations):
    horizons = pd.Series(1, index=donations.index[::-1])
    with pytest.raises(DataValidationError, match="summary DataFrame and m_periods_in_future"):
        model.conditional_probability_alive(horizons, donations)


def test_no_dropout_limit_is_the_beta_binomial(model, donations):
    """On FHS's donors, against scipy's beta-binomial (whose pmf counts the orderings)."""
    params = model.diagnostics_["no_dropout_params"]

    def log_likelihood(alpha, beta):
        x, n = donations["frequency"], donations["n_periods"]
        per_history = stats.betabinom.logpmf(x, n, alpha, beta) - np.log(special.comb(n, x))
        return float(np.dot(donations["weights"], per_history))

    best = log_likelihood(params["alpha"], params["beta"])
    assert model.diagnostics_["log_likelihood_no_dropout"] == pytest.approx(best, rel=1e-12)
    for factor in (0.99, 1.01):
        assert log_likelihood(params["alpha"] * factor, params["beta"]) < best
        assert log_likelihood(params["alpha"], params["beta"] * factor) < best
    assert model.dropout_identified_ is True
