"""Customer clustering on RFM-style features, with automatic choice of the number of clusters.

``CustomerClusterer`` log-transforms skewed features, scales them robustly (median and
interquartile range, so a few very large customers do not squash everyone else), picks
the number of clusters on a sample and fits k-means (mini-batch for large tables) or a
Gaussian mixture. Clusters are numbered from the highest mean revenue down, and
``profile`` describes each one in numbers and in a few plain words.
"""

from __future__ import annotations

import logging
import numbers
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import pairwise_distances, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, RobustScaler
from sklearn.utils.validation import check_is_fitted

from crm_analytics._checks import check_seed, whole_number
from crm_analytics._persist import (
    Archive,
    frame_arrays,
    frame_from_arrays,
    load_model,
    require,
    save_model,
)
from crm_analytics._progress import progress
from crm_analytics.exceptions import DataValidationError
from crm_analytics.segmentation import _checks

__all__ = ["CustomerClusterer"]

logger = logging.getLogger(__name__)

_ALGORITHMS = ("kmeans", "gmm")
# a feature is log-transformed when its skewness exceeds this (a common rule of thumb)
_SKEWED = 1.0
# a cluster mean this many overall standard deviations from the overall mean earns a word
_NOTABLE = 0.5
# silhouette costs O(n^2): score at most this many customers
_SILHOUETTE_SAMPLE = 4_000
# features are robust-scaled to unit IQR; a floor on the variances keeps a cluster of
# customers tied on a discrete feature (one order each) from collapsing to zero variance
_REG_COVAR = 1e-2


# The one function a saved pipeline refers to: the only name skops is told to trust.
_TRUSTED = ("crm_analytics.segmentation.clustering._log1p_columns",)


def _log1p_columns(values: np.ndarray, *, columns: np.ndarray) -> np.ndarray:
    transformed = np.array(values, dtype="float64", copy=True)
    transformed[:, columns] = np.log1p(transformed[:, columns])
    return transformed


class CustomerClusterer(BaseEstimator):
    """Cluster customers on recency, frequency and spend; choose the number of clusters.

    The model is a scikit-learn ``Pipeline`` (``pipeline_``): ``log1p`` of the skewed
    features (by default those whose skewness exceeds 1 on the fitted data), a
    ``RobustScaler`` and the clustering model.

    With ``n_clusters="auto"`` each k in ``k_range`` is fitted on a random sample of at
    most ``sample_size`` customers and scored: k-means by the silhouette (on a random 4,000
    of them), the Gaussian mixture by BIC; the best k is then fitted on all customers.
    k-means on more than ``minibatch_above`` customers uses ``MiniBatchKMeans``.

    Parameters
    ----------
    n_clusters : int or "auto", default "auto"
    algorithm : {"kmeans", "gmm"}, default "kmeans"
    features : sequence of str, optional
        Numeric summary columns to cluster on; default the recency, frequency and monetary
        columns below.
    random_state : int or None, default 0
        Seed of the sampling and of the models, so the same data gives the same clusters
        (None: a fresh seed each fit).
    log_transform : "auto", bool or sequence of str, default "auto"
        Features passed through ``log1p``: ``"auto"`` those with skewness above 1 on the
        fitted data, ``True`` all, ``False`` none, or the named ones. They must be
        non-negative. A mixture whose clusters are each skewed (log-normal spend within a
        segment) can look symmetric overall; pass ``True`` there, especially with
        ``algorithm="gmm"``, whose Gaussians otherwise split a skewed cluster in two.
    k_range : tuple of int, default (2, 8)
        Smallest and largest k tried by ``"auto"``.
    sample_size : int, default 20_000
        Customers used to choose k.
    minibatch_above : int, default 100_000
        Number of customers above which k-means is fitted with ``MiniBatchKMeans``.
    recency_col, frequency_col, monetary_col : str
        ``rfm_summary`` columns that ``profile`` reports as R, F and M and names the
        clusters by: ``days_since_last_purchase``, ``n_orders`` and
        ``average_order_value``.
    revenue_col : str, default "total_amount"
        Column whose share per cluster ``profile`` reports and by whose cluster mean the
        clusters are numbered (0 = highest); skipped when absent.

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
    n_clusters_ : int
    features_ : list of str
    log_features_ : list of str
        Features that were log-transformed.
    k_scores_ : pandas.Series
        Silhouette (higher is better) or BIC (lower is better) per k tried; empty when
        ``n_clusters`` was given.
    labels_ : pandas.Series
        Cluster of each fitted customer, indexed by customer_id.
    cluster_names_ : pandas.Series
        Plain-words name per cluster.
    profile_ : pandas.DataFrame
        The fitted customers' profile (see :meth:`profile`).
    label_map_ : numpy.ndarray
        Cluster number of each of the model's own labels.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> summary = pd.DataFrame({
    ...     "days_since_last_purchase": np.r_[rng.integers(1, 20, 50), rng.integers(300, 400, 50)],
    ...     "n_orders": np.r_[rng.integers(8, 15, 50), np.ones(50, dtype=int)],
    ...     "average_order_value": np.r_[rng.uniform(150, 250, 50), rng.uniform(10, 30, 50)]})
    >>> clusterer = CustomerClusterer(random_state=0).fit(summary)
    >>> clusterer.n_clusters_
    2
    >>> clusterer.cluster_names_.tolist()
    ['recent frequent high spenders', 'lapsed one-time low spenders']
    """

    def __init__(
        self,
        n_clusters: int | str = "auto",
        *,
        algorithm: str = "kmeans",
        features: Sequence[str] | None = None,
        random_state: int | None = 0,
        log_transform: str | bool | Sequence[str] = "auto",
        k_range: tuple[int, int] = (2, 8),
        sample_size: int = 20_000,
        minibatch_above: int = 100_000,
        recency_col: str = "days_since_last_purchase",
        frequency_col: str = "n_orders",
        monetary_col: str = "average_order_value",
        revenue_col: str = "total_amount",
    ) -> None:
        self.n_clusters = n_clusters
        self.algorithm = algorithm
        self.features = features
        self.random_state = random_state
        self.log_transform = log_transform
        self.k_range = k_range
        self.sample_size = sample_size
        self.minibatch_above = minibatch_above
        self.recency_col = recency_col
        self.frequency_col = frequency_col
        self.monetary_col = monetary_col
        self.revenue_col = revenue_col

    def fit(self, summary: pd.DataFrame, y: object = None) -> CustomerClusterer:
        """Choose k (when ``"auto"``) and fit the pipeline on ``summary``.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer, e.g. ``rfm_summary`` output.
        y : ignored

        Returns
        -------
        CustomerClusterer
        """
        if self.algorithm not in _ALGORITHMS:
            raise DataValidationError(
                f"algorithm must be one of {_ALGORITHMS}, got {self.algorithm!r}"
            )
        check_seed(self.random_state)
        features = self.features or (self.recency_col, self.frequency_col, self.monetary_col)
        features = [features] if isinstance(features, str) else list(features)
        frame, values = self._values(summary, features)
        self._check_reported(frame)
        candidates = self._candidate_ks(len(frame))
        sample_size = whole_number(
            self.sample_size, name="sample_size", minimum=2 * candidates[0], example="20_000"
        )
        log_mask = self._log_mask(frame, features, values)
        transform = FunctionTransformer(_log1p_columns, kw_args={"columns": log_mask})
        preprocess = Pipeline([("log", transform), ("scale", RobustScaler())])
        scaled = preprocess.fit_transform(values)
        rng = np.random.default_rng(self.random_state)
        if len(frame) > sample_size:
            scaled_sample = scaled[rng.choice(len(frame), sample_size, replace=False)]
        else:
            scaled_sample = scaled[rng.permutation(len(frame))]
        distinct = np.unique(scaled_sample, axis=0).shape[0]
        if distinct < 2:
            raise DataValidationError(
                f"all {len(scaled_sample)} sampled customers have the same {', '.join(features)}; there is "
                "nothing to cluster: add features that differ between customers"
            )
        candidates = [k for k in candidates if k <= distinct]
        if not candidates:
            raise DataValidationError(
                f"the customers have only {distinct} distinct combinations of "
                f"{', '.join(features)}, fewer than the {self.n_clusters} clusters asked for; "
                "lower n_clusters or add features that differ between customers"
            )
        if len(candidates) > 1:
            self.k_scores_ = self._score_ks(scaled_sample, candidates)
            best = (
                self.k_scores_.idxmax() if self.algorithm == "kmeans" else self.k_scores_.idxmin()
            )
            self.n_clusters_ = int(best)
        else:
            self.k_scores_ = pd.Series(dtype="float64", name="score")
            self.n_clusters_ = candidates[0]
        logger.info("clustering %d customers into %d clusters", len(frame), self.n_clusters_)
        model = self._model(self.n_clusters_, len(frame))
        raw_labels = model.fit_predict(scaled)
        self.pipeline_ = Pipeline([*preprocess.steps, ("model", model)])
        self.features_ = features
        self.log_features_ = [name for name, log in zip(features, log_mask, strict=True) if log]
        self.label_map_ = self._order_by_revenue(frame, raw_labels)
        self.labels_ = pd.Series(self.label_map_[raw_labels], index=frame.index, name="cluster")
        self.profile_ = self._build_profile(frame, self.labels_)
        self.cluster_names_ = self.profile_["name"]
        return self

    def predict(self, summary: pd.DataFrame) -> pd.Series:
        """Assign customers (new or not) to the fitted clusters.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer with the fitted features.

        Returns
        -------
        pandas.Series
            ``cluster`` (0 = highest mean revenue at fit) indexed by customer_id.
        """
        check_is_fitted(self, "pipeline_")
        frame, values = self._values(summary, self.features_)
        log_mask = np.isin(self.features_, self.log_features_)
        _require_loggable(frame, self.features_, values, log_mask)
        labels = self.label_map_[self.pipeline_.predict(values)]
        return pd.Series(labels, index=frame.index, name="cluster")

    def fit_predict(self, summary: pd.DataFrame, y: object = None) -> pd.Series:
        """Fit and return ``labels_``."""
        return self.fit(summary).labels_

    def profile(self, summary: pd.DataFrame | None = None) -> pd.DataFrame:
        """Describe each cluster: size, shares, R/F/M means and medians, z-scores and a name.

        Parameters
        ----------
        summary : pandas.DataFrame, optional
            Customers to profile (assigned with ``predict``); default the fitted ones.

        Returns
        -------
        pandas.DataFrame
            One row per cluster: ``name``, ``n_customers``, ``customer_share``,
            ``revenue_share`` (when ``revenue_col`` is present), ``mean_<col>`` and
            ``median_<col>`` for the R, F, M columns and features, and ``z_<feature>``:
            the cluster mean minus the overall mean, in overall standard deviations, on
            the clustering scale (after ``log1p`` of the skewed features). The names are
            fixed at fit.
        """
        check_is_fitted(self, "pipeline_")
        if summary is None:
            return self.profile_.copy()
        frame = _checks.customer_frame(summary, name="summary")
        self._check_reported(frame)
        table = self._build_profile(frame, self.predict(frame))
        table["name"] = self.cluster_names_.reindex(table.index)
        return table

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted clusterer to a model file that cannot run code when loaded.

        Settings, names and tables go in as JSON and plain arrays, the scikit-learn pipeline
        as a ``skops.io`` payload, all in one NumPy ``.npz`` archive (see :meth:`load`).

        Parameters
        ----------
        path : path
            File to write (conventionally ``clusterer.npz``), replaced atomically.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        check_is_fitted(self, "pipeline_")
        params = self.get_params()
        for name in ("features", "log_transform", "k_range"):
            value = params[name]
            if not isinstance(value, str | bool) and value is not None:
                params[name] = list(value)
        tables = {"labels": self.labels_, "k_scores": self.k_scores_, "profile": self.profile_}
        arrays = {"label_map": np.asarray(self.label_map_, dtype=np.int64)}
        specs = {}
        for name, table in tables.items():
            specs[name], stored = frame_arrays(name, table)
            arrays.update(stored)
        state = {
            "params": params,
            "n_clusters": int(self.n_clusters_),
            "features": list(self.features_),
            "log_features": list(self.log_features_),
            "tables": specs,
        }
        return save_model(
            path,
            kind=type(self).__name__,
            state=state,
            arrays=arrays,
            estimators={"pipeline": self.pipeline_},
            trusted=_TRUSTED,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> CustomerClusterer:
        """A fitted clusterer read from a file written by :meth:`save`, checked before use.

        Nothing is unpickled: the pipeline is read with ``skops.io``, trusting scikit-learn's
        estimators and this module's ``log1p`` step only, and is checked against the saved
        settings (its steps, the features it was fitted on, the number of clusters), as are
        the cluster numbering, labels and profile.

        Raises
        ------
        DataValidationError
            When the file is missing, holds another model, is damaged or is not a model file
            (a joblib or pickle file of an earlier version, say).

        Examples
        --------
        >>> import tempfile
        >>> rng = np.random.default_rng(0)
        >>> summary = pd.DataFrame({
        ...     "days_since_last_purchase": np.r_[rng.integers(1, 20, 50), rng.integers(300, 400, 50)],
        ...     "n_orders": np.r_[rng.integers(8, 15, 50), np.ones(50, dtype=int)],
        ...     "average_order_value": np.r_[rng.uniform(150, 250, 50), rng.uniform(10, 30, 50)]})
        >>> clusterer = CustomerClusterer(random_state=0).fit(summary)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     loaded = CustomerClusterer.load(clusterer.save(Path(folder) / "clusterer.npz"))
        >>> loaded.predict(summary).equals(clusterer.predict(summary))
        True
        """
        archive = load_model(path, kind=cls.__name__, trusted=_TRUSTED)
        state = archive.state
        params = state.get("params")
        require(
            archive,
            isinstance(params, dict) and set(params) == set(cls._get_param_names()),
            "its settings are not a CustomerClusterer's",
        )
        if isinstance(params["k_range"], list):
            params["k_range"] = tuple(params["k_range"])
        clusterer = cls(**params)
        require(archive, clusterer.algorithm in _ALGORITHMS, f"algorithm={clusterer.algorithm!r}")
        try:
            check_seed(clusterer.random_state)
        except DataValidationError as exc:
            raise archive.damaged(str(exc)) from None
        n_clusters = state.get("n_clusters")
        features, log_features = state.get("features"), state.get("log_features")
        require(
            archive,
            isinstance(n_clusters, int) and not isinstance(n_clusters, bool) and n_clusters >= 2,
            f"n_clusters={n_clusters!r} is not a whole number of at least 2",
        )
        require(
            archive,
            _text_list(features) and features and len(set(features)) == len(features),
            "the features are not distinct names",
        )
        require(
            archive,
            _text_list(log_features) and set(log_features) <= set(features),
            "the log-transformed features are not among the features",
        )
        label_map = archive.array(
            "label_map",
            kind="i",
            shape=(n_clusters,),
            check=lambda values: np.array_equal(np.sort(values), np.arange(n_clusters)),
            what="the cluster numbers must be 0 .. n_clusters - 1, each once",
        )
        clusterer.n_clusters_ = n_clusters
        clusterer.features_ = features
        clusterer.log_features_ = log_features
        clusterer.label_map_ = label_map
        clusterer.pipeline_ = _checked_pipeline(archive, clusterer)
        tables = state.get("tables")
        require(
            archive,
            isinstance(tables, dict) and set(tables) == {"labels", "k_scores", "profile"},
            "its tables are missing",
        )
        labels = frame_from_arrays(archive, "labels", tables["labels"])
        require(
            archive,
            isinstance(labels, pd.Series)
            and pd.api.types.is_integer_dtype(labels.dtype)
            and bool(labels.between(0, n_clusters - 1).all()),
            "the cluster labels are not cluster numbers",
        )
        profile = frame_from_arrays(archive, "profile", tables["profile"])
        require(
            archive,
            isinstance(profile, pd.DataFrame)
            and list(profile.index) == list(range(n_clusters))
            and "name" in profile.columns
            and all(isinstance(name, str) for name in profile["name"]),
            "the cluster profile does not describe clusters 0 .. n_clusters - 1 by name",
        )
        profile.index = pd.RangeIndex(n_clusters, name="cluster")
        k_scores = frame_from_arrays(archive, "k_scores", tables["k_scores"])
        require(
            archive,
            isinstance(k_scores, pd.Series) and pd.api.types.is_float_dtype(k_scores.dtype),
            "the scores of k are not numbers",
        )
        clusterer.labels_ = labels
        clusterer.k_scores_ = k_scores
        clusterer.profile_ = profile
        clusterer.cluster_names_ = profile["name"]
        return clusterer

    def _values(
        self, summary: pd.DataFrame, features: list[str]
    ) -> tuple[pd.DataFrame, np.ndarray]:
        frame = _checks.customer_frame(summary, features, name="summary")
        columns = [
            _checks.numeric_values(frame, name, name="summary", allow_negative=True)
            for name in features
        ]
        return frame, np.column_stack(columns)

    def _log_mask(self, frame: pd.DataFrame, features: list[str], values: np.ndarray) -> np.ndarray:
        if self.log_transform is True or self.log_transform is False:
            mask = np.full(len(features), self.log_transform)
        elif self.log_transform == "auto":
            return (_skewness(values) > _SKEWED) & (values.min(axis=0) >= 0)
        elif isinstance(self.log_transform, str) or not set(self.log_transform) <= set(features):
            raise DataValidationError(
                f"log_transform must be 'auto', True, False or a list of features among "
                f"{features}, got {self.log_transform!r}"
            )
        else:
            mask = np.isin(features, list(self.log_transform))
        _require_loggable(frame, features, values, mask)
        return mask

    def _check_reported(self, frame: pd.DataFrame) -> None:
        """Check the R, F, M and revenue columns that ``profile`` reports are numbers."""
        reported = (self.recency_col, self.frequency_col, self.monetary_col, self.revenue_col)
        for column in dict.fromkeys(reported):
            if column in frame.columns:
                _checks.numeric_values(frame, column, name="summary", allow_negative=True)

    def _candidate_ks(self, n_customers: int) -> list[int]:
        if self.n_clusters == "auto":
            bounds = self.k_range
            pair = isinstance(bounds, tuple | list) and len(bounds) == 2
            if not pair or not all(
                isinstance(k, numbers.Integral) and not isinstance(k, bool) for k in bounds
            ):
                raise DataValidationError(
                    f"k_range must be a pair of integers (low, high), got {bounds!r}; "
                    "e.g. k_range=(2, 8)"
                )
            low, high = int(bounds[0]), int(bounds[1])
            if not 2 <= low <= high:
                raise DataValidationError(
                    f"k_range must be (low, high) with 2 <= low <= high, got {self.k_range}"
                )
        elif isinstance(self.n_clusters, int | np.integer) and not isinstance(
            self.n_clusters, bool
        ):
            low = high = int(self.n_clusters)
            if low < 2:
                raise DataValidationError(f"n_clusters must be at least 2, got {low}")
        else:
            raise DataValidationError(
                f"n_clusters must be an integer or 'auto', got {self.n_clusters!r}"
            )
        _checks.require_min_customers(
            n_customers,
            2 * low,
            what=f"{low} clusters",
            fix="lower n_clusters or k_range, or cluster a larger customer base",
        )
        return list(range(low, min(high, n_customers // 2) + 1))

    def _model(self, k: int, n_customers: int) -> KMeans | MiniBatchKMeans | GaussianMixture:
        if self.algorithm == "gmm":
            return GaussianMixture(
                n_components=k, n_init=2, reg_covar=_REG_COVAR, random_state=self.random_state
            )
        if n_customers > self.minibatch_above:
            return MiniBatchKMeans(
                n_clusters=k, n_init=3, batch_size=4_096, random_state=self.random_state
            )
        return KMeans(n_clusters=k, n_init=4, random_state=self.random_state)

    def _score_ks(self, scaled: np.ndarray, candidates: list[int]) -> pd.Series:
        # the sample is in random order: its head is a random subsample, scored for every k
        # against one distance matrix instead of recomputing distances per k
        scored = min(_SILHOUETTE_SAMPLE, len(scaled))
        distances = None if self.algorithm == "gmm" else pairwise_distances(scaled[:scored])
        scores = {}
        for k in progress(candidates, desc="k search", unit="k"):
            model = self._model(k, len(scaled))
            labels = model.fit_predict(scaled)
            if distances is None:
                scores[k] = model.bic(scaled)
            elif np.unique(labels[:scored]).size < 2:
                scores[k] = -1.0
            else:
                scores[k] = silhouette_score(distances, labels[:scored], metric="precomputed")
        return pd.Series(
            scores, name="bic" if self.algorithm == "gmm" else "silhouette"
        ).rename_axis("k")

    def _order_by_revenue(self, frame: pd.DataFrame, raw_labels: np.ndarray) -> np.ndarray:
        column = self.revenue_col if self.revenue_col in frame.columns else self.features_[-1]
        revenue = frame[column].to_numpy(dtype="float64")
        counts = np.bincount(raw_labels, minlength=self.n_clusters_)
        means = np.bincount(raw_labels, weights=revenue, minlength=self.n_clusters_)
        means = means / np.maximum(counts, 1)
        relabel = np.empty(self.n_clusters_, dtype=np.int64)
        relabel[np.argsort(-means, kind="stable")] = np.arange(self.n_clusters_)
        return relabel

    def _build_profile(self, frame: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
        clusters = pd.RangeIndex(self.n_clusters_, name="cluster")
        groups = labels.to_numpy()
        table = pd.DataFrame(index=clusters)
        counts = np.bincount(groups, minlength=self.n_clusters_)
        table["n_customers"] = counts
        table["customer_share"] = counts / counts.sum()
        if self.revenue_col in frame.columns:
            revenue = np.bincount(
                groups,
                weights=frame[self.revenue_col].to_numpy(dtype="float64"),
                minlength=len(counts),
            )
            table["revenue"] = revenue
            table["revenue_share"] = revenue / revenue.sum() if revenue.sum() else np.nan
        described = list(
            dict.fromkeys(
                [c for c in (self.recency_col, self.frequency_col, self.monetary_col) if c in frame]
                + self.features_
            )
        )
        grouped = frame[described].groupby(groups)
        means = grouped.mean().reindex(clusters)
        medians = grouped.median().reindex(clusters)
        for column in described:
            table[f"mean_{column}"] = means[column]
            table[f"median_{column}"] = medians[column]
        scaled = self.pipeline_.named_steps["log"].transform(
            frame[self.features_].to_numpy(dtype="float64")
        )
        spread = scaled.std(axis=0)
        spread[spread == 0] = 1.0
        z = (
            pd.DataFrame(scaled).groupby(groups).mean().reindex(clusters).to_numpy()
            - scaled.mean(axis=0)
        ) / spread
        for position, feature in enumerate(self.features_):
            table[f"z_{feature}"] = z[:, position]
        table.insert(0, "name", self._names(table, frame))
        return table

    def _names(self, table: pd.DataFrame, frame: pd.DataFrame) -> list[str]:
        def z_of(column: str) -> np.ndarray:
            if f"z_{column}" in table:
                return table[f"z_{column}"].to_numpy()
            return np.zeros(len(table))

        recency, frequency, spend = (
            z_of(self.recency_col),
            z_of(self.frequency_col),
            z_of(self.monetary_col),
        )
        one_time = np.zeros(len(table), dtype=bool)
        if self.frequency_col in frame:
            lowest = frame[self.frequency_col].min()
            one_time = (table[f"median_{self.frequency_col}"] == lowest).to_numpy() & (lowest <= 1)
        names = []
        for position in range(len(table)):
            words = []
            if recency[position] < -_NOTABLE:
                words.append("recent")
            elif recency[position] > _NOTABLE:
                words.append("lapsed")
            if one_time[position]:
                words.append("one-time")
            elif frequency[position] > _NOTABLE:
                words.append("frequent")
            elif frequency[position] < -_NOTABLE:
                words.append("occasional")
            if spend[position] > _NOTABLE:
                words.append("high spenders")
            elif spend[position] < -_NOTABLE:
                words.append("low spenders")
            else:
                words.append("buyers" if words else "average buyers")
            names.append(" ".join(words))
        return _deduplicated(names)


def _require_loggable(
    frame: pd.DataFrame, features: list[str], values: np.ndarray, log_mask: np.ndarray
) -> None:
    """Check the features passed through ``log1p`` hold no negative value."""
    negative = log_mask & (values.min(axis=0, initial=0.0) < 0)
    if negative.any():
        name = features[int(np.argmax(negative))]
        count = int((frame[name] < 0).sum())
        raise DataValidationError(
            f"summary: column {name!r} has {count} negative value(s) and cannot be "
            "log-transformed; clip it at 0, drop those customers, or (at fit) leave it "
            "out of log_transform"
        )


def _text_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _checked_pipeline(archive: Archive, clusterer: CustomerClusterer) -> Pipeline:
    """The saved pipeline, if it is the one ``fit`` builds for these settings and features."""
    pipeline = archive.estimators.get("pipeline")
    n_features, n_clusters = len(clusterer.features_), clusterer.n_clusters_
    require(
        archive,
        isinstance(pipeline, Pipeline) and list(pipeline.named_steps) == ["log", "scale", "model"],
        "the pipeline is not log -> scale -> model",
    )
    log, scale, model = (pipeline.named_steps[name] for name in ("log", "scale", "model"))
    mask = np.isin(clusterer.features_, clusterer.log_features_)
    columns = (getattr(log, "kw_args", None) or {}).get("columns")
    require(
        archive,
        isinstance(log, FunctionTransformer)
        and log.func is _log1p_columns
        and isinstance(columns, np.ndarray)
        and np.array_equal(columns, mask),
        "the log step does not transform the saved log features",
    )
    require(
        archive,
        isinstance(scale, RobustScaler)
        and all(
            np.shape(getattr(scale, name, None)) == (n_features,)
            and np.isfinite(getattr(scale, name)).all()
            for name in ("center_", "scale_")
        ),
        "the scaling step is not fitted on the saved features",
    )
    if clusterer.algorithm == "gmm":
        kinds, k, centres = (GaussianMixture,), "n_components", "means_"
    else:
        kinds, k, centres = (KMeans, MiniBatchKMeans), "n_clusters", "cluster_centers_"
    require(
        archive,
        isinstance(model, kinds)
        and getattr(model, k) == n_clusters
        and np.shape(getattr(model, centres, None)) == (n_clusters, n_features)
        and np.isfinite(getattr(model, centres)).all(),
        f"the clustering model is not a fitted {clusterer.algorithm} model of {n_clusters} "
        f"clusters on {n_features} features",
    )
    return pipeline


def _skewness(values: np.ndarray) -> np.ndarray:
    """Sample skewness per column; 0 for a constant column."""
    centred = values - values.mean(axis=0)
    spread = np.sqrt(np.mean(centred**2, axis=0))
    third = np.mean(centred**3, axis=0)
    return np.divide(third, spread**3, out=np.zeros_like(third), where=spread > 0)


def _deduplicated(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique
