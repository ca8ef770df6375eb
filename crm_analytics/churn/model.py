"""The churn model: a calibrated scikit-learn pipeline with risk tiers, reasons and persistence."""

from __future__ import annotations

import logging
import math
import numbers
import os
import warnings
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance as sklearn_permutation_importance
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from crm_analytics._checks import check_seed, examples
from crm_analytics._persist import Archive, load_model, require, save_model
from crm_analytics._version import library_versions
from crm_analytics.churn.evaluation import metrics_table
from crm_analytics.churn.labels import LabelDefinition
from crm_analytics.churn.reasons import describe
from crm_analytics.exceptions import DataValidationError, NotFittedError
from crm_analytics.schema import CUSTOMER_ID

__all__ = ["ChurnModel"]

logger = logging.getLogger(__name__)

PROBABILITY = "churn_probability"
TIER = "risk_tier"
_DEFAULT_TIERS = {"high": 0.1, "medium": 0.3}
_FORMAT = 1
_MAX_CATEGORIES = 255
# Training rows over which the candidate reasons are ranked.
_REASON_SAMPLE = 2_000
# The types a saved model may hold beyond scikit-learn's estimators, numpy and builtins (skops'
# defaults): the helpers of the calibrated, histogram-boosted and tree classifiers. A model
# needing any other type is refused at save, and a file holding one is refused at load.
_TRUSTED = (
    "functools.partial",
    "numpy.dtype",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.model_selection._split.StratifiedGroupKFold",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.tree._tree.Tree",
    "sklearn.utils.validation.check_array",
)


def _log_odds(estimator: BaseEstimator, X: pd.DataFrame) -> np.ndarray:
    """The classifier's score of the churn class on the log-odds scale."""
    if hasattr(estimator, "decision_function"):
        return np.asarray(estimator.decision_function(X), dtype=np.float64)
    probability = np.clip(estimator.predict_proba(X)[:, 1], 1e-12, 1.0 - 1e-12)
    return np.log(probability / (1.0 - probability))


def default_estimator(random_state: int | None = 0) -> HistGradientBoostingClassifier:
    """The default classifier: histogram gradient boosting, shallow and regularised."""
    return HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=300,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=True,
        validation_fraction=0.15,
        n_iter_no_change=20,
        random_state=random_state,
    )


class ChurnModel(ClassifierMixin, BaseEstimator):
    """Calibrated churn classifier for the features of :func:`make_churn_dataset`.

    A scikit-learn pipeline: a ColumnTransformer for mixed numeric and categorical columns
    (missing values handled), the classifier (histogram gradient boosting by default, with
    native categories and missing values; any classifier otherwise, behind imputation,
    one-hot encoding and scaling), class imbalance handled by class weights, and the
    probabilities calibrated by cross-validation so that "0.3" means 3 in 10 churn.

    Parameters
    ----------
    estimator : scikit-learn classifier, optional
        Default: :func:`default_estimator` (HistGradientBoostingClassifier). Any classifier
        with ``predict_proba``, e.g. ``LogisticRegression(max_iter=1000)``.
    calibration : {"isotonic", "sigmoid"} or None, default "isotonic"
        How probabilities are calibrated (None leaves the classifier's own).
    calibration_cv : int, default 3
        Folds of the calibration cross-validation, stratified by label; grouped by customer
        when ``X`` holds a customer at several cutoffs (:func:`make_churn_panel`), so that
        each customer's rows fall in one fold.
    class_weight : "balanced", dict or None, default "balanced"
        Passed to the classifier when it takes a ``class_weight``, so rare churners weigh as
        much as the rest while learning; calibration brings probabilities back to the rates.
    risk_tiers : dict, optional
        Tier name to a share of customers (``tier_by="share"``: ``{"high": 0.1,
        "medium": 0.3}`` = the top 10% scored are "high", the next 20% "medium", everyone
        else "low") or to a probability threshold (``tier_by="probability"``).
    tier_by : {"share", "probability"}, default "share"
        How ``risk_tiers`` is read: capacity (top-N shares of the batch scored) or thresholds.
    unknown_categories : {"error", "missing"}, default "error"
        A category not seen in training raises a DataValidationError, or (``"missing"``) is
        scored as a missing value with a warning.
    n_reason_features : int or None, default 10
        Reasons are chosen among this many features: the most important ones by
        permutation importance on (a sample of) the training rows (``reason_features_``).
        Each candidate costs one score of every customer explained; None considers every
        feature.
    min_positives : int, default 20
        Fewer churned (or retained) customers than this in training raises an error.
    random_state : int or None, default 0
        Seed of the classifier and the calibration folds.

    Attributes
    ----------
    model_ : estimator
        The fitted (calibrated) pipeline.
    feature_names_, numeric_features_, categorical_features_ : list of str
        Columns the model uses.
    categories_ : dict
        The categories seen in training, per categorical column.
    reason_features_ : list of str
        The candidate reasons (see ``n_reason_features``), most influential first.
    reference_ : pandas.Series
        Typical value per feature (median or most common category), the baseline of reasons.
    label_definition_ : LabelDefinition or None
        The label the model was trained on (``fit``'s ``label_definition``).
    base_rate_ : float
        Share of churned customers in training.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"days_since_last_purchase": rng.integers(0, 200, 600).astype(float),
    ...                   "plan": rng.choice(["basic", "pro"], 600)})
    >>> y = pd.Series((X["days_since_last_purchase"] + rng.normal(0, 40, 600) > 120).astype(int))
    >>> model = ChurnModel().fit(X, y)
    >>> scores = model.score_customers(X.head(3))
    >>> list(scores.columns)
    ['churn_probability', 'risk_tier', 'reason_1', 'reason_2', 'reason_3']
    >>> bool(model.churn_probability(X).corr(X["days_since_last_purchase"]) > 0.8)
    True
    """

    def __init__(
        self,
        estimator: BaseEstimator | None = None,
        *,
        calibration: str | None = "isotonic",
        calibration_cv: int = 3,
        class_weight: str | dict | None = "balanced",
        risk_tiers: Mapping[str, float] | None = None,
        tier_by: str = "share",
        unknown_categories: str = "error",
        n_reason_features: int | None = 10,
        min_positives: int = 20,
        random_state: int | None = 0,
    ) -> None:
        self.estimator = estimator
        self.calibration = calibration
        self.calibration_cv = calibration_cv
        self.class_weight = class_weight
        self.risk_tiers = risk_tiers
        self.tier_by = tier_by
        self.unknown_categories = unknown_categories
        self.n_reason_features = n_reason_features
        self.min_positives = min_positives
        self.random_state = random_state

    def fit(
        self,
        X: pd.DataFrame,
        y: pd.Series,
        *,
        label_definition: LabelDefinition | None = None,
    ) -> ChurnModel:
        """Learn the churn model from features and labels.

        Parameters
        ----------
        X : pandas.DataFrame
            Features, e.g. from :func:`make_churn_dataset` or :func:`make_churn_panel`.
        y : pandas.Series
            0/1 churn labels aligned with ``X``.
        label_definition : LabelDefinition, optional
            What "churned" meant in ``y`` (the dataset's ``label_definition``), kept with the
            model as ``label_definition_`` and saved with it.

        Returns
        -------
        ChurnModel
            self, fitted.
        """
        self._check_params()
        X = _check_frame(X)
        labels = _check_labels(y, X, min_positives=self.min_positives)
        self.numeric_features_, self.categorical_features_ = _column_kinds(X)
        self.feature_names_ = self.numeric_features_ + self.categorical_features_
        prepared = self._cast(X[self.feature_names_])
        self.categories_ = {
            column: sorted(prepared[column].dropna().unique().tolist())
            for column in self.categorical_features_
        }
        _check_cardinality(prepared, self.categories_)
        self.reference_ = pd.Series(
            {
                **{column: prepared[column].median() for column in self.numeric_features_},
                **{
                    column: prepared[column].mode().iloc[0]
                    if prepared[column].notna().any()
                    else np.nan
                    for column in self.categorical_features_
                },
            },
            dtype=object,
        )
        self.label_definition_ = label_definition
        self.base_rate_ = float(labels.mean())
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = len(self.feature_names_)
        model = self._pipeline()
        if self.calibration is not None:
            folds = self._calibration_folds(X, labels)
            model = CalibratedClassifierCV(model, method=self.calibration, cv=folds)
        self.model_ = model.fit(prepared, labels)
        self.reason_features_ = self._rank_reason_features(prepared, labels)
        logger.info(
            "churn model fitted on %d rows, %d features, churn rate %.3f",
            len(labels),
            self.n_features_in_,
            self.base_rate_,
        )
        return self

    def _calibration_folds(self, X: pd.DataFrame, labels: np.ndarray) -> Any:
        """Folds of the calibration: stratified, and grouped by customer when a customer has
        several rows (a panel of cutoffs), so that no customer is calibrated on scores of a
        classifier that saw the same customer at another cutoff."""
        options = {"shuffle": True, "random_state": self.random_state}
        if CUSTOMER_ID in X.index.names:
            customers = X.index.get_level_values(CUSTOMER_ID)
            if customers.has_duplicates:
                folds = StratifiedGroupKFold(self.calibration_cv, **options)
                return list(folds.split(X, labels, groups=customers))
        return StratifiedKFold(self.calibration_cv, **options)

    def _check_params(self) -> None:
        cv = self.calibration_cv
        if isinstance(cv, bool) or not isinstance(cv, (int, np.integer)) or cv < 2:
            raise DataValidationError(
                f"calibration_cv={cv!r}; pass a whole number of folds >= 2 (default 3)"
            )
        if self.calibration not in ("isotonic", "sigmoid", None):
            raise DataValidationError(
                f"calibration={self.calibration!r}; use 'isotonic', 'sigmoid' or None"
            )
        check_risk_tiers(
            _DEFAULT_TIERS if self.risk_tiers is None else self.risk_tiers, self.tier_by
        )
        if self.unknown_categories not in ("error", "missing"):
            raise DataValidationError(
                f"unknown_categories={self.unknown_categories!r}; use 'error' or 'missing'"
            )
        check_seed(self.random_state)
        _check_class_weight(self.class_weight)

    def _pipeline(self) -> Pipeline:
        estimator = (
            default_estimator(self.random_state)
            if self.estimator is None
            else clone(self.estimator)
        )
        if self.class_weight is not None and "class_weight" in estimator.get_params():
            estimator.set_params(class_weight=self.class_weight)
        numeric, categorical = self.numeric_features_, self.categorical_features_
        if isinstance(estimator, HistGradientBoostingClassifier):
            # Gradient boosting splits on categories and missing values natively; an unseen or
            # missing category is encoded as NaN, which it routes like a missing value.
            encoder = OrdinalEncoder(
                handle_unknown="use_encoded_value",
                unknown_value=np.nan,
                encoded_missing_value=np.nan,
            )
            transformer = ColumnTransformer(
                [("numeric", "passthrough", numeric), ("categorical", encoder, categorical)]
            )
            mask = [False] * len(numeric) + [True] * len(categorical)
            estimator.set_params(categorical_features=mask if categorical else None)
        else:
            transformer = ColumnTransformer(
                [
                    (
                        "numeric",
                        make_pipeline(
                            SimpleImputer(strategy="median", add_indicator=True), StandardScaler()
                        ),
                        numeric,
                    ),
                    (
                        "categorical",
                        make_pipeline(
                            SimpleImputer(strategy="constant", fill_value="missing"),
                            OneHotEncoder(handle_unknown="ignore"),
                        ),
                        categorical,
                    ),
                ]
            )
        return Pipeline([("features", transformer), ("classifier", estimator)])

    def _cast(self, X: pd.DataFrame) -> pd.DataFrame:
        """Numeric columns as float, categorical ones as text (missing kept missing)."""
        columns = {column: X[column].astype(np.float64) for column in self.numeric_features_}
        for column, values in columns.items():
            infinite = np.isinf(values.to_numpy())
            if infinite.any():
                raise DataValidationError(
                    f"feature {column!r} has {int(infinite.sum())} infinite value(s) out of "
                    f"{len(values)} rows (e.g. customers {examples(X.index[infinite])}); "
                    "replace them with missing values (NaN) or finite numbers"
                )
        for column in self.categorical_features_:
            values = X[column]
            columns[column] = values.astype(object).where(values.isna(), values.astype(str))
        return pd.DataFrame(columns, index=X.index)[self.feature_names_]

    def _prepare(self, X: pd.DataFrame) -> pd.DataFrame:
        """Scoring data checked against the training columns and categories."""
        self._check_fitted()
        X = _check_frame(X)
        missing = [column for column in self.feature_names_ if column not in X.columns]
        if missing:
            raise DataValidationError(
                f"scoring data lacks {len(missing)} feature(s) the model was trained on: "
                f"{', '.join(map(repr, missing[:10]))}; build it the same way as the training "
                "data (same make_churn_dataset arguments, same customer attributes)"
            )
        for column in self.numeric_features_:
            if not _is_numeric(X[column]):
                raise DataValidationError(
                    f"feature {column!r} was numeric in training but has dtype "
                    f"{X[column].dtype} here; convert it with pandas.to_numeric"
                )
        prepared = self._cast(X[self.feature_names_])
        for column in self.categorical_features_:
            unseen = prepared[column].notna() & ~prepared[column].isin(self.categories_[column])
            if not unseen.any():
                continue
            values = prepared.loc[unseen, column].unique()
            message = (
                f"feature {column!r} has {int(unseen.sum())} row(s) with categories not seen in "
                f"training (e.g. {examples(values)}; known: {examples(self.categories_[column])}"
                f"{', ...' if len(self.categories_[column]) > 3 else ''})"
            )
            if self.unknown_categories == "error":
                raise DataValidationError(
                    f"{message}; map them to known categories, retrain, or pass "
                    "unknown_categories='missing' to score them as missing values"
                )
            warnings.warn(f"{message}; scored as missing values", stacklevel=3)
            prepared.loc[unseen, column] = np.nan
        return prepared

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probabilities of (retained, churned) per row, as scikit-learn classifiers return."""
        prepared = self._prepare(X)
        return self.model_.predict_proba(prepared)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 where the churn probability is at least 0.5."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int8)

    def churn_probability(self, X: pd.DataFrame) -> pd.Series:
        """Calibrated churn probability per customer, indexed like ``X``."""
        return pd.Series(self.predict_proba(X)[:, 1], index=X.index, name=PROBABILITY)

    def risk_tier(self, probability: pd.Series) -> pd.Series:
        """Risk tier of each churn probability (see ``risk_tiers`` and ``tier_by``).

        Examples
        --------
        >>> model = ChurnModel(risk_tiers={"high": 0.2, "medium": 0.5})
        >>> model.risk_tier(pd.Series([0.9, 0.1, 0.5, 0.3, 0.2, 0.05, 0.6, 0.7, 0.4, 0.8])).tolist()
        ['high', 'low', 'medium', 'low', 'low', 'low', 'medium', 'medium', 'low', 'high']
        """
        self._check_params()
        tiers = dict(_DEFAULT_TIERS if self.risk_tiers is None else self.risk_tiers)
        values = probability.to_numpy(dtype=np.float64)
        if self.tier_by == "share":
            # Rank with ties broken by position so that capacities are met exactly.
            rank = np.empty(len(values), dtype=np.int64)
            rank[np.argsort(-values, kind="stable")] = np.arange(len(values))
            score = rank / max(len(values), 1)
            inside = [(name, score < share) for name, share in sorted(tiers.items(), key=_value)]
        else:
            ordered = sorted(tiers.items(), key=_value, reverse=True)
            inside = [(name, values >= threshold) for name, threshold in ordered]
        tier = np.full(len(values), "low", dtype=object)
        for name, member in reversed(inside):
            tier[member] = name
        order = [name for name, _ in inside] + (["low"] if "low" not in tiers else [])
        return pd.Series(
            pd.Categorical(tier, categories=order[::-1], ordered=True),
            index=probability.index,
            name=TIER,
        )

    def contributions(
        self, X: pd.DataFrame, *, features: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Per-customer contribution of each feature to the churn score, in log-odds.

        The drop in the classifier's score (its log-odds, before calibration) when the
        feature alone is set to its typical value (``reference_``); positive values raise the
        risk. With calibration the classifier of the first calibration fold explains the
        score: calibration is monotone, so it ranks the reasons as the calibrated ensemble
        would, at a third of the cost. ``features`` limits the columns (default: all).
        """
        prepared = self._prepare(X)
        explainer = self._explainer()
        score = _log_odds(explainer, prepared)
        result = {}
        for column in self.feature_names_ if features is None else features:
            altered = prepared.copy(deep=False)
            altered[column] = self.reference_[column]
            result[column] = score - _log_odds(explainer, altered)
        return pd.DataFrame(result, index=X.index)

    def _rank_reason_features(self, prepared: pd.DataFrame, labels: np.ndarray) -> list[str]:
        """Features by permutation importance over a sample of the training rows.

        Scored with the classifier that explains the scores (see `contributions`), which
        ranks them much as the calibrated ensemble of three would, at a third of the cost.
        """
        rows = np.random.default_rng(self.random_state).permutation(len(prepared))
        rows = np.sort(rows[:_REASON_SAMPLE])
        importance = self._importance_table(
            self._explainer(),
            prepared.iloc[rows],
            labels[rows],
            n_repeats=3,
            scoring="roc_auc",
            random_state=self.random_state,
        )
        return importance.index[: self.n_reason_features].tolist()

    def _explainer(self) -> BaseEstimator:
        if isinstance(self.model_, CalibratedClassifierCV):
            return self.model_.calibrated_classifiers_[0].estimator
        return self.model_

    def reasons(self, X: pd.DataFrame, *, n_reasons: int = 3) -> pd.DataFrame:
        """The top reasons each customer's score is high, in plain words.

        Columns ``reason_1`` ... ``reason_<n>``: the features that raise the probability most,
        largest first, among the candidates ``reason_features_``, described with the
        customer's value and the typical one; missing where fewer features raise it.
        """
        self._check_fitted()
        if isinstance(n_reasons, bool) or not isinstance(n_reasons, int) or n_reasons < 0:
            raise DataValidationError(f"n_reasons={n_reasons!r}; pass a whole number >= 0")
        columns = [f"reason_{position + 1}" for position in range(n_reasons)]
        if len(X) == 0:
            # No one to explain (say, nobody above the lowest risk tier): empty columns.
            return pd.DataFrame(columns=columns, index=X.index, dtype=object)
        contributions = self.contributions(X, features=self.reason_features_)
        values = contributions.to_numpy()
        top = np.argsort(-values, axis=1, kind="stable")[:, :n_reasons]
        prepared = self._prepare(X)
        reasons = {}
        for position, name in enumerate(columns):
            column_text = pd.Series(np.nan, index=range(len(X)), dtype=object)
            reasons[name] = column_text
            if position >= top.shape[1]:
                continue
            chosen = top[:, position]
            raises = values[np.arange(len(X)), chosen] > 0
            for feature_index in np.unique(chosen[raises]):
                rows = np.flatnonzero(raises & (chosen == feature_index))
                feature = contributions.columns[feature_index]
                text = describe(
                    feature,
                    prepared[feature].iloc[rows],
                    self.reference_[feature],
                    categorical=feature in self.categories_,
                )
                column_text.iloc[rows] = text.to_numpy()
        return pd.DataFrame(
            {name: text.to_numpy() for name, text in reasons.items()}, index=X.index
        )

    def score_customers(self, X: pd.DataFrame, *, n_reasons: int = 3) -> pd.DataFrame:
        """Churn probability, risk tier and the top ``n_reasons`` reasons per customer.

        Reasons are written for the customers above the lowest risk tier, the ones a
        retention team acts on (missing for the rest; `reasons` gives them for anyone):
        they cost a score per candidate feature, so this keeps scoring a large base fast.
        ``n_reasons=0`` leaves the reason columns out.
        """
        probability = self.churn_probability(X)
        tier = self.risk_tier(probability)
        scores = pd.concat([probability, tier], axis=1)
        if n_reasons:
            at_risk = (tier != tier.cat.categories[0]).to_numpy()
            reasons = self.reasons(X[at_risk], n_reasons=n_reasons)
            scores = scores.join(reasons.reindex(X.index))
        return scores

    def evaluate(
        self,
        X: pd.DataFrame,
        y: pd.Series,
        *,
        baselines: Mapping[str, Any] | None = None,
        top: tuple[float, ...] = (0.1, 0.2),
    ) -> pd.DataFrame:
        """Metrics of the model (and baselines) on held-out data, one row per scorer.

        Parameters
        ----------
        X, y : pandas.DataFrame, pandas.Series
            Held-out features and labels (a later cutoff than training).
        baselines : dict, optional
            Name to a fitted baseline (anything with ``churn_probability(X)``) or to
            probabilities aligned with ``X``.
        top : tuple of float, default (0.1, 0.2)
            Shares of customers at which lift and capture are reported.

        Returns
        -------
        pandas.DataFrame
            Rows ``model`` and each baseline; columns ``roc_auc, pr_auc, brier, log_loss,
            base_rate, lift_top_10, capture_top_10, ...`` (see
            :func:`crm_analytics.churn.evaluation.churn_metrics`).
        """
        return metrics_table(y, self.scores(X, baselines=baselines), top=top)

    def scores(
        self, X: pd.DataFrame, *, baselines: Mapping[str, Any] | None = None
    ) -> dict[str, np.ndarray]:
        """Churn probabilities of the model and of each baseline, by name."""
        scores = {"model": self.churn_probability(X).to_numpy()}
        for name, baseline in (baselines or {}).items():
            if hasattr(baseline, "churn_probability"):
                scores[name] = np.asarray(baseline.churn_probability(X), dtype=np.float64)
            else:
                scores[name] = np.asarray(baseline, dtype=np.float64)
        return scores

    def permutation_importance(
        self,
        X: pd.DataFrame,
        y: pd.Series,
        *,
        n_repeats: int = 5,
        scoring: str = "roc_auc",
        random_state: int | None = 0,
    ) -> pd.DataFrame:
        """Global importance: the drop in ``scoring`` when a feature's values are shuffled.

        Returns
        -------
        pandas.DataFrame
            ``importance_mean`` and ``importance_std`` per feature, largest first.
        """
        self._check_fitted()
        labels = _check_labels(y, X, min_positives=1)
        return self._importance_table(
            self.model_,
            self._prepare(X),
            labels,
            n_repeats=n_repeats,
            scoring=scoring,
            random_state=random_state,
        )

    def _importance_table(
        self, estimator: BaseEstimator, prepared: pd.DataFrame, labels: Any, **options: Any
    ) -> pd.DataFrame:
        result = sklearn_permutation_importance(estimator, prepared, labels, **options)
        table = pd.DataFrame(
            {"importance_mean": result.importances_mean, "importance_std": result.importances_std},
            index=pd.Index(self.feature_names_, name="feature"),
        )
        return table.sort_values("importance_mean", ascending=False)

    def metadata(self, *, metrics: pd.DataFrame | None = None) -> dict[str, Any]:
        """What is saved beside the model: label, features, versions and metrics."""
        self._check_fitted()
        definition = self.label_definition_
        return {
            "format": _FORMAT,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "label_definition": None if definition is None else definition.to_dict(),
            "label_description": None if definition is None else definition.describe(),
            "cutoffs": [] if definition is None else list(definition.cutoffs),
            "features": list(self.feature_names_),
            "numeric_features": list(self.numeric_features_),
            "categorical_features": list(self.categorical_features_),
            "categories": {key: list(value) for key, value in self.categories_.items()},
            "base_rate": self.base_rate_,
            "params": {key: repr(value) for key, value in self.get_params(deep=False).items()},
            "versions": library_versions(),
            "metrics": None if metrics is None else metrics.reset_index().to_dict("records"),
        }

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(
                "this ChurnModel is not fitted yet; call fit(X, y) or ChurnModel.load(path)"
            )

    def save(self, path: str | os.PathLike[str], *, metrics: pd.DataFrame | None = None) -> Path:
        """Save the fitted model with its metadata, in a file that cannot run code when loaded.

        One NumPy ``.npz`` archive (read back with ``allow_pickle=False``): the settings,
        features, categories and metadata as JSON, the scikit-learn pipeline as a
        ``skops.io`` payload limited to scikit-learn's estimators and a short list of their
        helper types. A classifier that needs other types cannot be saved (the error says
        which); the default one and scikit-learn's standard classifiers can.

        Parameters
        ----------
        path : str or pathlib.Path
            File to write (conventionally ``churn.npz``), replaced atomically.
        metrics : pandas.DataFrame, optional
            Validation metrics to keep with the model (e.g. from :meth:`evaluate` or a
            backtest).

        Returns
        -------
        pathlib.Path
            The file written.
        """
        self._check_fitted()
        params = {
            "calibration": self.calibration,
            "calibration_cv": self.calibration_cv,
            "class_weight": (
                [[int(label), _plain(weight)] for label, weight in self.class_weight.items()]
                if isinstance(self.class_weight, Mapping)
                else self.class_weight
            ),
            "risk_tiers": None if self.risk_tiers is None else dict(self.risk_tiers),
            "tier_by": self.tier_by,
            "unknown_categories": self.unknown_categories,
            "n_reason_features": self.n_reason_features,
            "min_positives": self.min_positives,
            "random_state": self.random_state,
        }
        definition = self.label_definition_
        state = {
            "params": params,
            "numeric_features": list(self.numeric_features_),
            "categorical_features": list(self.categorical_features_),
            "categories": {column: list(values) for column, values in self.categories_.items()},
            "reference": [_plain(self.reference_[column]) for column in self.feature_names_],
            "reason_features": list(self.reason_features_),
            "base_rate": self.base_rate_,
            "label_definition": None if definition is None else definition.to_dict(),
            "metadata": self.metadata(metrics=metrics),
        }
        estimators = {"model": self.model_}
        if self.estimator is not None:
            estimators["estimator"] = self.estimator
        return save_model(
            path, kind=type(self).__name__, state=state, estimators=estimators, trusted=_TRUSTED
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ChurnModel:
        """Load a model saved with :meth:`save`; its metadata is in ``metadata_``.

        Nothing is unpickled, so a crafted file cannot run code: the settings are JSON, the
        pipeline is read with ``skops.io`` trusting only scikit-learn's estimators and the
        helper types :meth:`save` allows. What is read is checked before use (settings,
        features, categories, typical values, the pipeline's classes and columns) and the
        model must score its own typical customer; a file of another model, a damaged file
        or a joblib/pickle file of an earlier version is refused with a DataValidationError.

        Examples
        --------
        >>> import tempfile
        >>> rng = np.random.default_rng(0)
        >>> X = pd.DataFrame({"days_since_last_purchase": rng.integers(0, 200, 600) * 1.0,
        ...                   "plan": rng.choice(["basic", "pro"], 600)})
        >>> y = pd.Series((X["days_since_last_purchase"] + rng.normal(0, 40, 600) > 120) * 1)
        >>> model = ChurnModel().fit(X, y)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     loaded = ChurnModel.load(model.save(Path(folder) / "churn.npz"))
        >>> loaded.churn_probability(X).equals(model.churn_probability(X))
        True
        """
        archive = load_model(path, kind=cls.__name__, trusted=_TRUSTED)
        state = archive.state
        params = state.get("params")
        require(
            archive,
            isinstance(params, dict) and set(params) == set(cls._get_param_names()) - {"estimator"},
            "its settings are not a ChurnModel's",
        )
        if isinstance(params["class_weight"], list):
            require(
                archive,
                all(isinstance(pair, list) and len(pair) == 2 for pair in params["class_weight"]),
                "class_weight is not (label, weight) pairs",
            )
            params["class_weight"] = {
                int(label): weight for label, weight in params["class_weight"]
            }
        model = cls(estimator=archive.estimators.get("estimator"), **params)
        try:
            model._check_params()
        except DataValidationError as exc:
            raise archive.damaged(f"its settings are invalid ({exc})") from None
        _restore_fitted(archive, model)
        metadata = state.get("metadata")
        require(archive, isinstance(metadata, dict), "its metadata is missing")
        metadata["versions"] = state["versions"]
        saved, current = metadata["versions"], library_versions()
        changed = [
            f"{name} {saved[name]} -> {current[name]}"
            for name in ("scikit-learn", "numpy")
            if saved.get(name) != current[name]
        ]
        if changed:
            warnings.warn(
                f"the churn model in {archive.path} was saved with other library versions "
                f"({'; '.join(changed)}); scores may differ, retrain to be sure",
                stacklevel=2,
            )
        model.metadata_ = metadata
        return model


def _plain(value: object) -> object:
    """A typical value as JSON: a number, text, or None for a missing one."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _restore_fitted(archive: Archive, model: ChurnModel) -> None:
    """Set the fitted attributes of ``model`` from ``archive``, checking each one."""
    state = archive.state
    numeric, categorical = state.get("numeric_features"), state.get("categorical_features")
    require(
        archive,
        _names(numeric)
        and _names(categorical)
        and len(set(numeric + categorical)) == len(numeric + categorical) > 0,
        "the feature lists are not distinct names",
    )
    features = numeric + categorical
    categories = state.get("categories")
    require(
        archive,
        isinstance(categories, dict)
        and list(categories) == categorical
        and all(_names(values) and values == sorted(set(values)) for values in categories.values()),
        "the categories are not sorted text per categorical feature",
    )
    reference = state.get("reference")
    require(
        archive,
        isinstance(reference, list)
        and len(reference) == len(features)
        and all(
            value is None or (isinstance(value, float | int) and not isinstance(value, bool))
            for value in reference[: len(numeric)]
        )
        and all(value is None or isinstance(value, str) for value in reference[len(numeric) :]),
        "the typical values do not match the features",
    )
    reasons = state.get("reason_features")
    require(
        archive,
        _names(reasons) and set(reasons) <= set(features) and len(set(reasons)) == len(reasons),
        "the reason features are not among the features",
    )
    base_rate = state.get("base_rate")
    require(
        archive,
        isinstance(base_rate, float | int) and 0 < base_rate < 1,
        f"base_rate={base_rate!r} is not a share in (0, 1)",
    )
    definition = state.get("label_definition")
    try:
        label = None if definition is None else LabelDefinition.from_dict(definition)
    except (TypeError, ValueError, AttributeError) as exc:
        raise archive.damaged(f"its label definition is invalid ({exc})") from None
    fitted = archive.estimators.get("model")
    require(
        archive,
        fitted is not None
        and hasattr(fitted, "predict_proba")
        and np.array_equal(getattr(fitted, "classes_", None), [0, 1])
        and list(getattr(fitted, "feature_names_in_", features)) == features,
        "the classifier is not one fitted on the saved features with classes 0 and 1",
    )
    model.numeric_features_, model.categorical_features_ = numeric, categorical
    model.feature_names_ = features
    model.n_features_in_ = len(features)
    model.categories_ = categories
    model.reference_ = pd.Series(
        [np.nan if value is None else value for value in reference], index=features, dtype=object
    )
    model.reason_features_ = reasons
    model.base_rate_ = float(base_rate)
    model.label_definition_ = label
    model.classes_ = np.array([0, 1])
    model.model_ = fitted
    typical = pd.DataFrame([model.reference_.to_numpy()], columns=features)
    typical = typical.astype({column: np.float64 for column in numeric})
    try:
        probability = model.predict_proba(typical)
    except Exception as exc:  # a classifier that cannot score its own typical customer
        raise archive.damaged(
            f"its classifier cannot score ({type(exc).__name__}: {exc})"
        ) from None
    require(
        archive,
        probability.shape == (1, 2) and bool(np.all((probability >= 0) & (probability <= 1))),
        "its classifier does not return probabilities",
    )


def _names(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def check_risk_tiers(tiers: Mapping[str, float], tier_by: str) -> None:
    """Check risk tiers, listed from the most to the least risky (see :class:`ChurnModel`).

    Shares grow down the list (the top 10% are high, the top 30% high or medium) and
    probability thresholds fall, each in (0, 1]; the order is checked so that a tier's name
    matches its rank.

    Examples
    --------
    >>> check_risk_tiers({"high": 0.1, "medium": 0.3}, "share")
    >>> check_risk_tiers({"high": 0.3, "medium": 0.1}, "share")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: risk_tiers = {'high': 0.3, 'medium': 0.1}: ...
    """
    if tier_by not in ("share", "probability"):
        raise DataValidationError(f"tier_by={tier_by!r}; use 'share' or 'probability'")
    values = list(tiers.values())
    in_range = all(isinstance(value, (int, float)) and 0 < value <= 1 for value in values)
    pairs = list(zip(values[:-1], values[1:], strict=True))
    if tier_by == "share":
        ordered = all(earlier < later for earlier, later in pairs)
        expected = "growing shares of customers, e.g. {'high': 0.1, 'medium': 0.3}"
    else:
        ordered = all(earlier > later for earlier, later in pairs)
        expected = "falling probability thresholds, e.g. {'high': 0.7, 'medium': 0.4}"
    if not tiers or not in_range or not ordered:
        raise DataValidationError(
            f"risk_tiers = {dict(tiers)}: list the tiers from the most to the least risky, "
            f"with {expected}, each in (0, 1]"
        )


def _value(item: tuple[str, float]) -> float:
    return item[1]


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)


def _check_class_weight(class_weight: object) -> None:
    """``"balanced"``, None, or a weight (a positive number) for label 0 and/or 1."""
    if class_weight is None or (isinstance(class_weight, str) and class_weight == "balanced"):
        return
    if isinstance(class_weight, Mapping) and class_weight:
        labels_ok = all(not isinstance(label, bool) and label in (0, 1) for label in class_weight)
        weights_ok = all(
            isinstance(weight, numbers.Real)
            and not isinstance(weight, bool)
            and np.isfinite(weight)
            and weight > 0
            for weight in class_weight.values()
        )
        if labels_ok and weights_ok:
            return
    raise DataValidationError(
        f"class_weight={class_weight!r}; pass 'balanced', None, or positive weights of the "
        "labels 0 (stays) and 1 (churns), e.g. class_weight={0: 1, 1: 5}"
    )


def _check_frame(X: object) -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise DataValidationError(
            f"X must be a pandas DataFrame of features, got {type(X).__name__}; build it with "
            "crm_analytics.churn.make_churn_dataset"
        )
    if X.empty:
        raise DataValidationError("X is empty (0 rows or 0 columns); pass customers to score")
    return X


def _column_kinds(X: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Numeric and categorical column names; refuses dates and unnamed columns."""
    dates = [column for column in X.columns if pd.api.types.is_datetime64_any_dtype(X[column])]
    if dates:
        raise DataValidationError(
            f"X: date column(s) {', '.join(map(repr, dates))} cannot be features as they are; "
            "turn them into numbers (e.g. days before the cutoff, as make_churn_dataset does)"
        )
    numeric = [str(column) for column in X.columns if _is_numeric(X[column])]
    categorical = [str(column) for column in X.columns if not _is_numeric(X[column])]
    return numeric, categorical


def _check_cardinality(X: pd.DataFrame, categories: Mapping[str, list]) -> None:
    """Refuse text columns with too many categories to learn from (ids, numbers as text)."""
    for column, values in categories.items():
        if len(values) <= _MAX_CATEGORIES:
            continue
        numeric = pd.to_numeric(X[column], errors="coerce")
        as_numbers = numeric.notna() | X[column].isna()
        hint = (
            f"{int(as_numbers.sum())} of {len(X)} values read as numbers, so it is probably a "
            f"numeric column stored as text (e.g. {examples(X.loc[~as_numbers, column].unique())}"
            " do not): convert it with pandas.to_numeric(errors='coerce')"
            if as_numbers.mean() > 0.9
            else "drop identifiers, or group rare categories"
        )
        raise DataValidationError(
            f"X: text column {column!r} has {len(values)} distinct values, more than the "
            f"{_MAX_CATEGORIES} categories a churn model can learn from; {hint}"
        )


def _check_labels(y: object, X: pd.DataFrame, *, min_positives: int) -> np.ndarray:
    """y as a 0/1 array aligned with X; refuses one class and too few of either class."""
    if not isinstance(y, pd.Series):
        y = pd.Series(np.asarray(y), index=X.index)
    if len(y) != len(X):
        raise DataValidationError(
            f"y has {len(y)} labels but X has {len(X)} rows; build both with make_churn_dataset"
        )
    if not y.index.equals(X.index):
        raise DataValidationError(
            "y and X are not indexed alike (e.g. X "
            f"{examples(X.index)} vs y {examples(y.index)}); align them first"
        )
    bad = y.isna() | ~y.isin([0, 1, True, False])
    if bad.any():
        raise DataValidationError(
            f"y must hold 0/1 labels; {int(bad.sum())} value(s) do not (e.g. "
            f"{examples(y[bad].unique())})"
        )
    labels = y.to_numpy().astype(np.int8)
    counts = np.bincount(labels, minlength=2)
    if counts.min() == 0:
        only = "churned" if counts[1] else "retained"
        raise DataValidationError(
            f"y has one class only (all {len(labels)} customers {only}); choose a cutoff and "
            "horizon where some customers churn and some stay (a longer horizon, or an "
            "earlier cutoff)"
        )
    if counts.min() < min_positives:
        few = "churned" if counts[1] < counts[0] else "retained"
        raise DataValidationError(
            f"only {int(counts.min())} {few} customer(s) of {len(labels)}: too few to learn "
            f"and calibrate (min_positives={min_positives}); stack more cutoffs with "
            "make_churn_panel, lengthen the horizon, or lower min_positives"
        )
    return labels
