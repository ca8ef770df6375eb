"""What all fitters share: inputs, validation messages, inference, penalty, persistence."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics._version import library_versions
from crm_analytics.clv import _base as base
from crm_analytics.clv.beta_geo import BetaGeoFitter, ModifiedBetaGeoFitter
from crm_analytics.clv.gamma_gamma import GammaGammaFitter
from crm_analytics.clv.pareto_nbd import ParetoNBDFitter
from crm_analytics.exceptions import ConvergenceError, DataValidationError, NotFittedError
from tests.clv.simulated import bgnbd_customers, nbd_customers


@pytest.fixture(scope="module")
def model(cdnow):
    return BetaGeoFitter().fit(cdnow)


def small_summary(**changes):
    frame = pd.DataFrame(
        {
            "frequency": [2.0, 0.0, 1.0, 3.0],
            "recency": [5.0, 0.0, 3.0, 9.0],
            "T": [10.0, 8.0, 9.0, 10.0],
        },
        index=pd.Index(["c1", "c2", "c3", "c4"], name="customer_id"),
    )
    for column, (row, value) in changes.items():
        frame.loc[row, column] = value
    return frame


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"recency": ("c3", 12.0)}, r"1 row\(s\) have recency > T \(customer_id c3\)"),
        ({"frequency": ("c4", -1)}, r"'frequency' has 1 row\(s\) with negative values"),
        ({"frequency": ("c1", 1.5)}, r"'frequency' must count whole .* 1 non-integer .*c1"),
        (
            {"T": ("c2", np.nan)},
            r"'T' has 1 row\(s\) with NaN or infinite values \(customer_id c2\)",
        ),
        ({"recency": ("c2", 4.0)}, r"frequency 0 but recency != 0 \(customer_id c2\)"),
    ],
)
def test_bad_histories_are_named(changes, message):
    with pytest.raises(DataValidationError, match=message):
        BetaGeoFitter().fit(small_summary(**changes))


def test_input_shapes_are_explained():
    with pytest.raises(DataValidationError, match="no customers given"):
        BetaGeoFitter().fit([], [], [])
    with pytest.raises(DataValidationError, match="lacks column\\(s\\) 'T'"):
        BetaGeoFitter().fit(small_summary().drop(columns="T"))
    with pytest.raises(DataValidationError, match="not both"):
        BetaGeoFitter().fit(small_summary(), [1.0])
    with pytest.raises(DataValidationError, match="recency, T not given"):
        BetaGeoFitter().fit([1, 2])
    with pytest.raises(DataValidationError, match="different lengths"):
        BetaGeoFitter().fit([1, 2], [1.0], [3.0, 4.0])
    with pytest.raises(DataValidationError, match="weights has 2 values for 4 customers"):
        BetaGeoFitter().fit(small_summary(), weights=[1, 2])
    with pytest.raises(DataValidationError, match="penalizer_coef must be"):
        BetaGeoFitter(penalizer_coef=-1).fit(small_summary())


def test_no_repeat_buyers_cannot_be_fitted():
    with pytest.raises(ConvergenceError, match="no customer made a repeat purchase"):
        BetaGeoFitter().fit([0, 0], [0.0, 0.0], [5.0, 7.0])


def test_optimiser_failure_is_a_convergence_error(cdnow, monkeypatch):
    # no preview to start from, and two iterations: the gradient is still far from zero
    monkeypatch.setattr(base, "_PREVIEW_ROWS", 10**9)
    with pytest.raises(ConvergenceError, match="BetaGeoFitter did not converge .*largest gradient"):
        BetaGeoFitter().fit(cdnow, maxiter=2)


def test_unfitted_model_refuses_to_predict():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        BetaGeoFitter().conditional_probability_alive(small_summary())
    with pytest.raises(NotFittedError):
        _ = BetaGeoFitter().summary


def test_predictions_keep_the_customer_index(model, cdnow):
    by_frame = model.conditional_probability_alive(cdnow)
    by_series = model.conditional_probability_alive(
        cdnow["frequency"], cdnow["recency"], cdnow["T"]
    )
    assert by_frame.index.equals(cdnow.index) and by_series.index.equals(cdnow.index)
    by_arrays = model.conditional_probability_alive(
        *(cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    )
    np.testing.assert_array_equal(by_frame.to_numpy(), by_arrays)
    expected = model.conditional_expected_number_of_purchases_up_to_time(10, cdnow)
    assert expected.name == "expected_purchases" and expected.index.equals(cdnow.index)
    assert isinstance(model.conditional_probability_alive(2, 30.43, 38.86), float)


def test_predictions_check_their_inputs(model):
    with pytest.raises(DataValidationError, match="recency > T"):
        model.conditional_probability_alive([1], [5.0], [4.0])
    with pytest.raises(DataValidationError, match="t must be finite and >= 0"):
        model.conditional_expected_number_of_purchases_up_to_time(-1, [1], [2.0], [4.0])


def test_weights_equal_repeated_rows(cdnow):
    counts = cdnow.groupby(["frequency", "recency", "T"]).size().rename("weights").reset_index()
    collapsed = BetaGeoFitter().fit(
        counts["frequency"], counts["recency"], counts["T"], weights=counts["weights"]
    )
    full = BetaGeoFitter().fit(cdnow)
    np.testing.assert_allclose(collapsed.params_, full.params_, rtol=1e-6)
    assert collapsed.log_likelihood_ == pytest.approx(full.log_likelihood_, rel=1e-10)


def test_standard_errors_equal_lifetimes(lifetimes, model, cdnow):
    reference = lifetimes.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    np.testing.assert_allclose(model.standard_errors_, reference.standard_errors_, rtol=1e-3)
    summary = model.summary
    assert summary.columns.tolist() == ["coef", "se(coef)", "lower 95% bound", "upper 95% bound"]
    log_se = summary["se(coef)"] / summary["coef"]
    np.testing.assert_allclose(
        summary["upper 95% bound"], summary["coef"] * np.exp(1.96 * log_se), rtol=1e-4
    )


def test_penalizer_gives_lifetimes_penalised_estimates(lifetimes, cdnow):
    ours = BetaGeoFitter(penalizer_coef=0.1).fit(cdnow)
    theirs = lifetimes.BetaGeoFitter(penalizer_coef=0.1).fit(
        cdnow["frequency"], cdnow["recency"], cdnow["T"]
    )
    np.testing.assert_allclose(ours.params_, theirs.params_, rtol=1e-4)
    assert ours.params_["r"] != pytest.approx(0.243, abs=0.01)


def test_save_and_load_round_trip(model, cdnow, tmp_path):
    path = tmp_path / "bgnbd.json"
    model.save(path)
    loaded = BetaGeoFitter.load(path)
    pd.testing.assert_series_equal(loaded.params_, model.params_)
    pd.testing.assert_frame_equal(loaded.summary, model.summary)
    assert loaded.log_likelihood_ == model.log_likelihood_ and loaded.BIC_ == model.BIC_
    pd.testing.assert_series_equal(
        loaded.conditional_probability_alive(cdnow), model.conditional_probability_alive(cdnow)
    )
    from crm_analytics.clv.beta_geo import ModifiedBetaGeoFitter

    with pytest.raises(DataValidationError, match="holds a BetaGeoFitter"):
        ModifiedBetaGeoFitter.load(path)


@pytest.mark.parametrize("model_class", [ModifiedBetaGeoFitter, ParetoNBDFitter])
def test_other_transaction_models_save_and_load(model_class, cdnow, tmp_path):
    model = model_class().fit(cdnow)
    model.save(tmp_path / "model.json")
    loaded = model_class.load(tmp_path / "model.json")
    pd.testing.assert_frame_equal(loaded.summary, model.summary)
    pd.testing.assert_series_equal(
        loaded.conditional_expected_number_of_purchases_up_to_time(10, cdnow),
        model.conditional_expected_number_of_purchases_up_to_time(10, cdnow),
    )


def test_spend_model_saves_and_loads(cdnow_monetary, tmp_path):
    repeat_buyers = cdnow_monetary[cdnow_monetary["frequency"] > 0]
    model = GammaGammaFitter().fit(repeat_buyers["frequency"], repeat_buyers["monetary_value"])
    model.save(tmp_path / "spend.json")
    loaded = GammaGammaFitter.load(tmp_path / "spend.json")
    pd.testing.assert_frame_equal(loaded.summary, model.summary)
    pd.testing.assert_series_equal(
        loaded.conditional_expected_average_profit(
            repeat_buyers["frequency"], repeat_buyers["monetary_value"]
        ),
        model.conditional_expected_average_profit(
            repeat_buyers["frequency"], repeat_buyers["monetary_value"]
        ),
    )
    with pytest.raises(DataValidationError, match="holds a GammaGammaFitter"):
        BetaGeoFitter.load(tmp_path / "spend.json")


def test_init_only_stores_arguments():
    model = BetaGeoFitter(penalizer_coef=0.5)
    assert model.get_params() == {"penalizer_coef": 0.5}
    assert not hasattr(model, "params_")


@settings(max_examples=60, deadline=None)
@given(
    frequency=st.integers(0, 300),
    recency_share=st.floats(0, 1),
    age=st.floats(0.1, 500),
    t=st.floats(0, 1000),
)
def test_predictions_are_probabilities_and_grow_with_time(model, frequency, recency_share, age, t):
    recency = 0.0 if frequency == 0 else recency_share * age
    alive = model.conditional_probability_alive(frequency, recency, age)
    assert 0.0 <= alive <= 1.0
    soon = model.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, age)
    later = model.conditional_expected_number_of_purchases_up_to_time(
        t + 1, frequency, recency, age
    )
    assert 0.0 <= soon <= later


@pytest.mark.parametrize("model_class", [BetaGeoFitter, ParetoNBDFitter])
def test_fit_started_from_a_preview_reaches_the_same_maximum(model_class, monkeypatch):
    customers = bgnbd_customers(
        30_000, seed=5, r=0.6, alpha=4.0, a=0.8, b=2.5, max_age=365, whole_periods=True
    )
    monkeypatch.setattr(base, "_PREVIEW_ROWS", 2_000)
    previewed = model_class().fit(customers)
    monkeypatch.setattr(base, "_PREVIEW_ROWS", 10**9)
    direct = model_class().fit(customers)
    np.testing.assert_allclose(previewed.params_, direct.params_, rtol=1e-5)
    assert previewed.log_likelihood_ == pytest.approx(direct.log_likelihood_, rel=1e-12)


def test_preview_is_drawn_in_proportion_to_weight():
    rng = np.random.default_rng(0)
    columns = {"frequency": rng.integers(0, 5, 50_000) * 1.0, "T": rng.uniform(1, 9, 50_000)}
    weights = np.where(np.arange(50_000) < 10, 10_000.0, rng.uniform(0.5, 1.5, 50_000))
    sample = base.Sample.collapse(columns, weights)
    preview = sample.preview(5_000)
    # Each row is kept with probability min(1, weight / (total / 5,000)).
    threshold = weights.sum() / 5_000
    expected_rows = np.minimum(1, weights / threshold).sum()
    assert abs(len(preview.weights) - expected_rows) < 4 * np.sqrt(expected_rows)
    # The ten heavy rows are all kept with their weight; the total is estimated.
    assert (preview.weights >= 10_000.0).sum() == 10
    assert preview.weights.sum() == pytest.approx(weights.sum(), rel=0.02)
    np.testing.assert_array_equal(sample.preview(5_000).weights, preview.weights)
    assert sample.preview(60_000) is None


TRANSACTION_FITTERS = [BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter]


@pytest.mark.parametrize("model_class", TRANSACTION_FITTERS)
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"recency": ("c3", 12.0)}, r"1 row\(s\) have recency > T \(customer_id c3\)"),
        ({"frequency": ("c4", -1)}, r"'frequency' has 1 row\(s\) with negative values"),
        ({"recency": ("c1", np.nan)}, r"'recency' has 1 row\(s\) with NaN or infinite"),
    ],
)
def test_every_transaction_fitter_names_bad_histories(model_class, changes, message):
    with pytest.raises(DataValidationError, match=message):
        model_class().fit(small_summary(**changes))


@pytest.mark.parametrize("model_class", TRANSACTION_FITTERS)
def test_every_transaction_fitter_refuses_empty_data_and_no_repeat_buyers(model_class):
    with pytest.raises(DataValidationError, match="no customers given"):
        model_class().fit(small_summary().iloc[:0])
    with pytest.raises(ConvergenceError, match=f"{model_class.__name__} cannot be fitted"):
        model_class().fit([0, 0], [0.0, 0.0], [5.0, 7.0])


@pytest.mark.parametrize(
    ("frequency", "spend", "message"),
    [
        ([], [], "no customers given"),
        ([2, np.nan], [10.0, 12.0], r"'frequency' has 1 row\(s\) with NaN"),
        ([2, -1], [10.0, 12.0], r"'frequency' has 1 row\(s\) with negative values"),
        ([0, 0], [0.0, 0.0], r"2 customer\(s\) have no repeat transaction"),
    ],
)
def test_gamma_gamma_names_bad_spend_histories(frequency, spend, message):
    with pytest.raises(DataValidationError, match=message):
        GammaGammaFitter().fit(frequency, spend)


def test_series_with_different_indexes_are_refused(model, cdnow):
    """Series are paired by position: a sorted one would mix customers up, so it is refused."""
    reordered = cdnow["frequency"].sort_values()
    with pytest.raises(DataValidationError, match=r"indexes of frequency and recency, T differ"):
        model.conditional_probability_alive(reordered, cdnow["recency"], cdnow["T"])
    with pytest.raises(DataValidationError, match=r"summary DataFrame and t differ \(t: 2357 of"):
        model.predict(cdnow["T"].sort_values(), cdnow)
    with pytest.raises(DataValidationError, match=r"recency: 100 rows against 2357"):
        BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"].iloc[:100], cdnow["T"])
    with pytest.raises(DataValidationError, match=r"indexes of frequency and weights differ"):
        BetaGeoFitter().fit(
            cdnow["frequency"], cdnow["recency"], cdnow["T"], weights=reordered * 0 + 1
        )
    # The same Series in the same order, or a horizon per customer on their index, still work.
    by_customer = model.predict(cdnow["T"], cdnow)
    np.testing.assert_allclose(
        by_customer, model.predict(cdnow["T"].to_numpy(), *(cdnow[c] for c in cdnow.columns))
    )


@pytest.mark.parametrize("model_class", TRANSACTION_FITTERS)
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"recency": ("c2", 4.0)}, r"frequency 0 but recency != 0 \(customer_id c2\)"),
        ({"frequency": ("c1", 1.5)}, r"'frequency' must count whole .* 1 non-integer .*c1"),
    ],
)
def test_predictions_take_points_a_fit_refuses_as_data(cdnow, model_class, changes, message):
    """As lifetimes: its P(alive) matrix and plots evaluate frequency 0 with recency > 0.

    A fit refuses such rows (they cannot come from a purchase log), a prediction evaluates
    the formula, which is defined there.
    """
    model = model_class().fit(cdnow)
    with pytest.raises(DataValidationError, match=message):
        model_class().fit(small_summary(**changes))
    odd = small_summary(**changes)
    p_alive = model.conditional_probability_alive(odd)
    expected = model.conditional_expected_number_of_purchases_up_to_time(5.0, odd)
    assert np.isfinite(p_alive).all() and p_alive.between(0, 1).all()
    assert np.isfinite(expected).all() and (expected > 0).all()


@pytest.mark.parametrize("model_class", TRANSACTION_FITTERS)
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"recency": ("c3", 12.0)}, r"1 row\(s\) have recency > T \(customer_id c3\)"),
        ({"T": ("c4", -1.0)}, r"'T' has 1 row\(s\) with negative values \(customer_id c4\)"),
        ({"frequency": ("c1", np.nan)}, r"'frequency' has 1 row\(s\) with NaN .*customer_id c1"),
    ],
)
def test_predictions_refuse_where_the_model_is_undefined(cdnow, model_class, changes, message):
    model = model_class().fit(cdnow)
    with pytest.raises(DataValidationError, match=message):
        model.conditional_probability_alive(small_summary(**changes))
    with pytest.raises(DataValidationError, match=message):
        model.conditional_expected_number_of_purchases_up_to_time(5.0, small_summary(**changes))


def test_scalars_give_floats_arrays_give_arrays_series_give_series(model, cdnow):
    """lifetimes' return types, input by input."""
    assert type(model.conditional_probability_alive(1, 2.0, 5.0)) is float
    assert type(model.predict(2.0, 1, 2.0, 5.0)) is float
    as_list = model.conditional_probability_alive([1, 0], [2.0, 0.0], [5.0, 5.0])
    assert isinstance(as_list, np.ndarray) and as_list.shape == (2,)
    by_series = model.conditional_expected_number_of_purchases_up_to_time(
        2.0, cdnow["frequency"], cdnow["recency"], cdnow["T"]
    )
    assert isinstance(by_series, pd.Series) and by_series.index.equals(cdnow.index)
    grid = model.conditional_probability_alive(*np.meshgrid([0, 1, 2], [0.0, 3.0], [5.0]))
    assert grid.shape == (2, 3, 1)
    assert type(model.expected_number_of_purchases_up_to_time(4.0)) is float


def test_spend_predictions_take_fractional_frequencies(cdnow_monetary):
    """The formula holds for any frequency >= 0 (lifetimes takes them too); negative is refused."""
    buyers = cdnow_monetary[cdnow_monetary["frequency"] > 0]
    model = GammaGammaFitter().fit(buyers)
    p, q, v = model.params_
    weight = p * 1.5 / (p * 1.5 + q - 1)
    expected = (1 - weight) * p * v / (q - 1) + weight * 12.0
    assert model.conditional_expected_average_profit(1.5, 12.0) == pytest.approx(expected)
    with pytest.raises(DataValidationError, match=r"'frequency' has 1 row\(s\) with negative"):
        model.conditional_expected_average_profit([2, -1], [10.0, 12.0])


def test_no_dropout_limit_reproduces_the_published_nbd_on_cdnow(model):
    """FHL (2005), table 1 (and Fader and Hardie's note 005): NBD r 0.385, alpha 12.072,
    LL -9763.7, against BG/NBD's -9582.4: dropout is identified beyond doubt."""
    diagnostics = model.diagnostics_
    assert {name: round(value, 3) for name, value in diagnostics["no_dropout_params"].items()} == {
        "r": 0.385,
        "alpha": 12.072,
    }
    assert round(diagnostics["log_likelihood_no_dropout"], 1) == -9763.7
    assert diagnostics["likelihood_ratio"] == pytest.approx(
        2 * (model.log_likelihood_ - diagnostics["log_likelihood_no_dropout"])
    )
    assert model.dropout_identified_ is True and diagnostics["p_value"] < 1e-50
    assert diagnostics["message"].startswith("dropout identified (likelihood ratio 362.47")
    assert "note" not in model.summary.columns


@pytest.mark.parametrize("model_class", [BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter])
def test_fit_that_cannot_see_customers_leave_says_so(model_class):
    """Customers who never leave: the likelihood gains nothing from a dropout process."""
    customers = nbd_customers(3000, r=0.8, alpha=5.0, seed=4)
    with pytest.warns(base.DropoutNotIdentifiedWarning) as caught:
        fitted = model_class().fit(customers)
    message = str(caught[0].message)
    assert message.startswith(
        f"{model_class.__name__}: this history is too short to see customers leave; "
        "P(alive) carries no information."
    )
    assert caught[0].filename == __file__  # points at the caller's fit
    assert fitted.dropout_identified_ is False
    diagnostics = fitted.diagnostics_
    assert diagnostics["p_value"] >= 0.05 and not diagnostics["dropout_identified"]
    # plain data, for run metadata
    assert json.loads(json.dumps(diagnostics)) == diagnostics
    notes = fitted.summary["note"]
    assert notes[list(model_class._dropout_params)].str.startswith("not identified: this").all()
    assert (notes.drop(list(model_class._dropout_params)) == "").all()
    # P(alive) is ~1 and expected purchases are the NBD's, (r + x) / (alpha + T) t.
    p_alive = fitted.conditional_probability_alive(customers)
    assert p_alive.min() > 0.99
    nbd = diagnostics["no_dropout_params"]
    expected = (nbd["r"] + customers["frequency"]) / (nbd["alpha"] + customers["T"]) * 10.0
    np.testing.assert_allclose(
        fitted.conditional_expected_number_of_purchases_up_to_time(10.0, customers),
        expected,
        rtol=0.02,
    )


def test_repr_shows_what_was_learned(model):
    assert repr(model) == (
        "<BetaGeoFitter: fitted with 2,357 subjects, a: 0.79, alpha: 4.41, b: 2.43, r: 0.24>"
    )
    assert repr(BetaGeoFitter()) == "<BetaGeoFitter: not fitted>"
    assert (
        repr(BetaGeoFitter(penalizer_coef=0.1)) == "<BetaGeoFitter(penalizer_coef=0.1): not fitted>"
    )


def test_save_model_and_load_model_keep_everything_lifetimes_keeps(model, cdnow, tmp_path):
    """lifetimes' signature; a JSON file (no pickle) with the data, diagnostics and versions."""
    path = tmp_path / "bgnbd.json"
    model.save_model(path)
    state = json.loads(path.read_text())
    assert state["format"] == "crm_analytics.clv fitted model"
    assert state["library_versions"]["crm_analytics"] == library_versions()["crm_analytics"]
    loaded = BetaGeoFitter()
    assert loaded.load_model(path) is None
    pd.testing.assert_frame_equal(loaded.data, model.data)
    pd.testing.assert_frame_equal(loaded.summary, model.summary)
    assert loaded.diagnostics_ == json.loads(json.dumps(model.diagnostics_))
    assert loaded.dropout_identified_ is True
    assert repr(loaded) == repr(model)
    np.testing.assert_allclose(
        loaded.conditional_probability_alive_matrix(), model.conditional_probability_alive_matrix()
    )


def test_save_without_data_keeps_what_generate_new_data_needs(model, tmp_path):
    path = tmp_path / "bgnbd.json"
    model.save_model(path, save_data=False, values_to_save=[None])
    loaded = BetaGeoFitter.load(path)
    assert getattr(loaded, "data", None) is None
    drawn = loaded.generate_new_data(size=5, random_state=3)
    pd.testing.assert_frame_equal(drawn, model.generate_new_data(size=5, random_state=3))
    model.save(path)
    with pytest.raises(DataValidationError, match="loaded without its data"):
        BetaGeoFitter.load(path).generate_new_data(size=5)
    assert "data" not in json.loads(path.read_text())


def test_files_saved_before_the_format_field_still_load(model, tmp_path):
    path = tmp_path / "old.json"
    old = {
        "model": "BetaGeoFitter",
        "init": {"penalizer_coef": 0.0},
        "params": model.params_.to_dict(),
        "log_likelihood": model.log_likelihood_,
        "n_customers": model.n_customers_,
        "log_variance": model._log_variance.to_numpy().tolist(),
    }
    path.write_text(json.dumps(old))
    loaded = BetaGeoFitter.load(path)
    pd.testing.assert_series_equal(loaded.params_, model.params_)
    assert not hasattr(loaded, "dropout_identified_")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda state: state["params"].update(r=-1), r"parameter r = -1 is not a finite positive"),
        (lambda state: state["params"].update(b=float("nan")), r"parameter b = nan is not"),
        (lambda state: state["params"].pop("a"), r"'a'; the file is damaged or was edited"),
        (lambda state: state.update(n_customers=0), r"number of customers or covariance"),
        (lambda state: state.update(log_variance=[[1.0]]), r"number of customers or covariance"),
        (lambda state: state["init"].update(penalizer_coef=-1), r"penalizer_coef must be"),
        (
            lambda state: state["data"]["columns"]["recency"].__setitem__(0, 99.0),
            r"saved data are not valid: 1 row\(s\) have recency > T \(customer_id 1\)",
        ),
    ],
)
def test_load_refuses_values_a_fit_cannot_leave(model, tmp_path, edit, message):
    """A file edited to r = -1 would give negative CLV (issue 19): refused, naming the value."""
    path = tmp_path / "bgnbd.json"
    model.save_model(path)
    state = json.loads(path.read_text())
    edit(state)
    path.write_text(json.dumps(state))
    with pytest.raises(DataValidationError, match=message):
        BetaGeoFitter.load(path)


def test_load_refuses_other_files(model, tmp_path):
    path = tmp_path / "model.json"
    model.save_model(path)
    with pytest.raises(DataValidationError, match="holds a BetaGeoFitter, not a ParetoNBDFitter"):
        ParetoNBDFitter().load_model(path)
    path.write_bytes(b"\x80\x04not json")
    with pytest.raises(DataValidationError, match="is not a model saved by BetaGeoFitter.save"):
        BetaGeoFitter.load(path)


def test_fit_takes_lifetimes_arguments_positionally(cdnow, model):
    """lifetimes' order: frequency, recency, T, weights, initial_params, verbose, tol, index."""
    arrays = [cdnow[name].to_numpy() for name in ("frequency", "recency", "T")]
    refit = BetaGeoFitter().fit(
        *arrays, None, model.params_.to_numpy(), False, 1e-8, cdnow.index.to_numpy()
    )
    np.testing.assert_allclose(refit.params_, model.params_, rtol=1e-6)
    assert refit.data.index.tolist() == cdnow.index.tolist()
    pareto = ParetoNBDFitter().fit(
        *arrays, iterative_fitting=2, fit_method="Nelder-Mead", maxiter=300
    )
    assert pareto.params_.round(2).to_dict() == {
        "r": 0.55,
        "alpha": 10.58,
        "s": 0.61,
        "beta": 11.67,
    }
