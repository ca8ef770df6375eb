"""ChurnModel: calibration, reasons, tiers, persistence and the errors on bad scoring data."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from crm_analytics.churn.evaluation import churn_metrics
from crm_analytics.churn.features import make_churn_dataset, make_churn_panel
from crm_analytics.churn.model import ChurnModel
from crm_analytics.exceptions import DataValidationError, NotFittedError


def _synthetic(n: int, seed: int) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """Churn driven by recency and plan only; 'noise' is unrelated. Returns the true P."""
    rng = np.random.default_rng(seed)
    recency = rng.uniform(0, 300, n)
    plan = rng.choice(["basic", "pro", "team"], n)
    noise = rng.normal(0, 1, n)
    logit = -3.0 + recency / 50 - 1.5 * (plan == "team")
    truth = 1 / (1 + np.exp(-logit))
    X = pd.DataFrame(
        {"days_since_last_purchase": recency, "noise": noise, "plan": plan},
        index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"),
    )
    y = pd.Series((rng.uniform(size=n) < truth).astype(int), index=X.index, name="churned")
    return X, y, truth


@pytest.fixture(scope="module")
def fitted() -> tuple[ChurnModel, pd.DataFrame, pd.Series, np.ndarray]:
    X, y, _ = _synthetic(6000, seed=1)
    X_test, y_test, truth = _synthetic(4000, seed=2)
    return ChurnModel().fit(X, y), X_test, y_test, truth


def test_probabilities_are_calibrated(fitted):
    model, X, y, truth = fitted
    probability = model.churn_probability(X)
    # Against the true churn probability of each customer, not just the labels.
    assert np.mean(np.abs(probability - truth)) < 0.05
    assert abs(probability.mean() - truth.mean()) < 0.02
    assert churn_metrics(y, probability)["roc_auc"] > 0.8


def test_logistic_regression_handles_mixed_types_and_missing_values():
    X, y, truth = _synthetic(3000, seed=3)
    X.loc[X.index[:100], "days_since_last_purchase"] = np.nan
    X.loc[X.index[100:200], "plan"] = None
    model = ChurnModel(LogisticRegression(max_iter=1000), calibration="sigmoid").fit(X, y)
    probability = model.churn_probability(X)
    assert probability.notna().all()
    assert np.mean(np.abs(probability - truth)[200:]) < 0.06


def test_reasons_name_what_drives_the_score(fitted):
    model, X, _, _ = fitted
    risky = X.iloc[:0].copy()
    risky.loc["late", :] = [290.0, 0.0, "basic"]
    risky.loc["fresh", :] = [5.0, 0.0, "team"]
    risky = risky.astype({"days_since_last_purchase": float, "noise": float})
    reasons = model.reasons(risky)
    median = model.reference_["days_since_last_purchase"]
    assert (
        reasons.loc["late", "reason_1"]
        == f"no purchase for 290 days (typical: {round(median, 1):g})"
    )
    # Nothing raises the risk of a recent team customer.
    assert reasons.loc["fresh"].isna().all()
    contributions = model.contributions(risky)
    # In log-odds: the signal moves the score by a lot, the noise column barely.
    assert contributions.loc["late", "days_since_last_purchase"] > 1.0
    assert abs(contributions.loc["late", "noise"]) < 0.1 * contributions.loc["late"].max()


def test_permutation_importance_ranks_the_signal_first(fitted):
    model, X, y, _ = fitted
    importance = model.permutation_importance(X.head(1500), y.head(1500), n_repeats=3)
    assert importance.index[0] == "days_since_last_purchase"
    assert importance.loc["noise", "importance_mean"] < 0.01


def test_risk_tiers_by_share_and_by_probability(fitted):
    model, X, _, _ = fitted
    scores = model.score_customers(X.head(1000), n_reasons=0)
    assert scores["risk_tier"].value_counts().to_dict() == {"high": 100, "medium": 200, "low": 700}
    high = scores.loc[scores["risk_tier"] == "high", "churn_probability"]
    assert high.min() >= scores.loc[scores["risk_tier"] != "high", "churn_probability"].max()
    thresholds = ChurnModel(risk_tiers={"high": 0.5, "medium": 0.2}, tier_by="probability")
    tiers = thresholds.risk_tier(pd.Series([0.7, 0.5, 0.3, 0.2, 0.1]))
    assert tiers.tolist() == ["high", "high", "medium", "medium", "low"]


@pytest.mark.parametrize(
    ("tiers", "tier_by", "message"),
    [
        ({"high": 0.5, "medium": 0.2}, "share", "with growing shares of customers"),
        ({"high": 0.2, "medium": 0.5}, "probability", "with falling probability thresholds"),
        ({"high": 1.5}, "share", "each in \\(0, 1\\]"),
        ({"high": -0.1}, "share", "each in \\(0, 1\\]"),
        ({}, "share", "each in \\(0, 1\\]"),
    ],
)
def test_risk_tiers_out_of_order_or_range_are_refused(tiers, tier_by, message):
    with pytest.raises(DataValidationError, match=f"most to the least risky.*{message}"):
        ChurnModel(risk_tiers=tiers, tier_by=tier_by).risk_tier(pd.Series([0.9, 0.1]))


def test_nobody_above_the_lowest_tier_gets_empty_reasons(fitted):
    model, X, _, _ = fitted
    everyone_low = copy.deepcopy(model).set_params(risk_tiers={"high": 1.0}, tier_by="probability")
    scores = everyone_low.score_customers(X.head(50))
    assert (scores["risk_tier"] == "low").all()
    assert scores[["reason_1", "reason_2", "reason_3"]].isna().all().all()
    with pytest.raises(DataValidationError, match="n_reasons=-1; pass a whole number >= 0"):
        model.reasons(X.head(5), n_reasons=-1)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        ChurnModel().reasons(X.head(5))


def test_scoring_data_problems_are_refused(fitted):
    model, X, _, _ = fitted
    with pytest.raises(DataValidationError, match="lacks 1 feature.*'noise'"):
        model.churn_probability(X.drop(columns="noise"))
    unseen = X.head(5).assign(plan=["basic", "gold", "gold", "pro", "vip"])
    with pytest.raises(DataValidationError, match="'plan' has 3 row.*not seen in training"):
        model.churn_probability(unseen)
    with pytest.raises(DataValidationError, match="was numeric in training"):
        model.churn_probability(X.head(5).assign(noise="x"))
    tolerant = ChurnModel(unknown_categories="missing").fit(X, _synthetic(4000, 2)[1])
    with pytest.warns(UserWarning, match="scored as missing values"):
        assert tolerant.churn_probability(unseen).notna().all()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        ChurnModel().churn_probability(X)


def test_training_data_problems_are_refused():
    X, y, _ = _synthetic(300, seed=4)
    with pytest.raises(DataValidationError, match="one class only.*all 300 customers retained"):
        ChurnModel().fit(X, y * 0)
    few = pd.Series(0, index=X.index)
    few.iloc[:5] = 1
    with pytest.raises(DataValidationError, match="only 5 churned customer.*make_churn_panel"):
        ChurnModel().fit(X, few)
    with pytest.raises(DataValidationError, match="y has 299 labels but X has 300 rows"):
        ChurnModel().fit(X, y.iloc[1:])
    with pytest.raises(DataValidationError, match="date column.*'signup'"):
        ChurnModel().fit(X.assign(signup=pd.Timestamp("2024-01-01")), y)
    infinite = X.assign(noise=X["noise"].where(X.index != X.index[0], np.inf))
    with pytest.raises(DataValidationError, match="feature 'noise' has 1 infinite value"):
        ChurnModel().fit(infinite, y)
    with pytest.raises(DataValidationError, match="calibration_cv=1; pass a whole number"):
        ChurnModel(calibration_cv=1).fit(X, y)
    with pytest.raises(DataValidationError, match="class_weight='foo'; pass 'balanced', None"):
        ChurnModel(class_weight="foo").fit(X, y)
    with pytest.raises(DataValidationError, match=r"class_weight=\{2: 1\}; .*labels 0"):
        ChurnModel(class_weight={2: 1}).fit(X, y)
    with pytest.raises(DataValidationError, match="random_state must be None or a whole number"):
        ChurnModel(random_state="a").fit(X, y)


def test_save_and_load_keep_scores_and_metadata(tmp_path, shop):
    transactions, customers = shop
    dataset = make_churn_dataset(
        transactions, customers, cutoff="2024-09-30", horizon=90, label="non_contractual"
    )
    X, y = dataset
    model = ChurnModel().fit(X, y, label_definition=dataset.label_definition)
    metrics = model.evaluate(X, y)
    path = model.save(tmp_path / "churn.joblib", metrics=metrics)
    loaded = ChurnModel.load(path)
    pd.testing.assert_series_equal(loaded.churn_probability(X), model.churn_probability(X))
    metadata = loaded.metadata_
    assert metadata["label_description"].startswith("churned = no purchase in the 90 days")
    assert metadata["cutoffs"] == ["2024-09-30"]
    assert metadata["features"] == model.feature_names_
    assert metadata["categories"]["region"] == sorted(customers["region"].unique())
    assert set(metadata["versions"]) >= {"crm_analytics", "scikit-learn", "numpy", "pandas"}
    assert metadata["metrics"][0]["roc_auc"] == pytest.approx(metrics.loc["model", "roc_auc"])
    with pytest.raises(DataValidationError, match="no saved ChurnModel at .*absent.joblib"):
        ChurnModel.load(tmp_path / "absent.joblib")


def test_reasons_are_written_for_the_tiers_above_low(fitted):
    model, X, _, _ = fitted
    scores = model.score_customers(X.head(500))
    low = scores["risk_tier"] == "low"
    assert scores.loc[low, ["reason_1", "reason_2", "reason_3"]].isna().all().all()
    assert scores.loc[~low, "reason_1"].notna().mean() > 0.9
    pd.testing.assert_frame_equal(
        scores.loc[~low, ["reason_1", "reason_2", "reason_3"]],
        model.reasons(X.head(500)[~low.to_numpy()]),
    )


def test_reasons_come_from_the_most_influential_features():
    X, y, _ = _synthetic(3000, seed=4)
    everything = ChurnModel().fit(X, y)
    # Recency drives the risk most, then the plan; the noise column least.
    assert everything.reason_features_ == ["days_since_last_purchase", "plan", "noise"]
    model = ChurnModel(n_reason_features=2).fit(X, y)
    assert model.reason_features_ == ["days_since_last_purchase", "plan"]
    reasons = model.reasons(X.head(300))
    text = reasons.stack()
    assert not text.str.contains("noise").any()
    assert text.str.startswith("no purchase for").any() and text.str.startswith("plan").any()


def test_calibration_keeps_each_customer_of_a_panel_in_one_fold():
    X, y, _ = _synthetic(600, seed=4)
    cutoffs = pd.to_datetime(["2024-03-31", "2024-06-30"])
    panel = pd.concat([X, X], keys=cutoffs, names=["cutoff"])
    labels = pd.concat([y, 1 - y], keys=cutoffs, names=["cutoff"])
    folds = ChurnModel()._calibration_folds(panel, labels.to_numpy())
    customers = panel.index.get_level_values("customer_id")
    held_out = [set(customers[test]) for _, test in folds]
    assert len(held_out) == 3 and sum(map(len, held_out)) == 600
    for train, test in folds:
        assert not set(customers[train]) & set(customers[test])
        assert 0 < labels.iloc[test].mean() < 1
    assert ChurnModel().fit(panel, labels).churn_probability(panel).between(0, 1).all()


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"calibration": "sigmoid", "risk_tiers": {"urgent": 0.05, "watch": 0.25}},
        {"calibration": None, "class_weight": {0: 1, 1: 4}},
        {"estimator": LogisticRegression(max_iter=1000), "tier_by": "probability",
         "risk_tiers": {"high": 0.6, "medium": 0.3}},
    ],
)  # fmt: skip
def test_a_saved_model_scores_its_customers_as_the_fitted_one(shop, tmp_path, options):
    transactions, customers = shop
    X, y = make_churn_dataset(
        transactions, customers, cutoff="2024-09-30", horizon=90, label="non_contractual"
    )
    model = ChurnModel(**options).fit(X, y)
    loaded = ChurnModel.load(model.save(tmp_path / "churn.npz"))
    later, _ = make_churn_dataset(
        transactions, customers, cutoff="2024-12-31", horizon=90, label="non_contractual"
    )
    pd.testing.assert_frame_equal(
        loaded.score_customers(later), model.score_customers(later), check_exact=True
    )
    assert repr(loaded.get_params()) == repr(model.get_params())
    assert loaded.reason_features_ == model.reason_features_
    assert loaded.label_definition_ == model.label_definition_
    pd.testing.assert_series_equal(loaded.reference_, model.reference_)


def test_a_model_of_a_panel_of_cutoffs_saves_and_loads(shop, tmp_path):
    transactions, customers = shop
    X, y = make_churn_panel(
        transactions, customers, cutoffs=["2024-06-30", "2024-09-30"], horizon=90,
        label="non_contractual",
    )  # fmt: skip
    model = ChurnModel().fit(X, y)
    loaded = ChurnModel.load(model.save(tmp_path / "churn.npz"))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


class _HomeMadeClassifier(LogisticRegression):
    """A classifier class of the user's own: loading it would mean trusting its code."""


def test_a_classifier_outside_the_trusted_types_is_refused_at_save(tmp_path):
    X, y, _ = _synthetic(800, seed=3)
    model = ChurnModel(estimator=_HomeMadeClassifier(max_iter=500)).fit(X, y)
    with pytest.raises(
        DataValidationError,
        match=r"ChurnModel cannot be saved safely: its model \(CalibratedClassifierCV\) uses "
        r"types that loading would have to trust \(.*_HomeMadeClassifier\)",
    ):
        model.save(tmp_path / "churn.npz")
    assert not (tmp_path / "churn.npz").exists()
