"""RFM scores (recency, frequency, monetary value) and the classic named RFM segments.

``RFMScorer`` learns tie-aware quantile edges on one period and scores any later period
with the same edges, so a "5" means the same thing month after month. ``rfm_segments``
turns the scores into named segments with a documented grid or a rule set of your own.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from crm_analytics._checks import whole_number
from crm_analytics._persist import load_model, require, save_model
from crm_analytics.exceptions import DataValidationError
from crm_analytics.segmentation import _binning, _checks

__all__ = ["DEFAULT_SEGMENT_MAP", "RFMScorer", "rfm_segments"]

_DIMENSIONS = ("recency", "frequency", "monetary")
_SCORE_COLUMNS = ("r_score", "f_score", "m_score")

#: The default named segments over the grid of recency score (R) by the FM score (the
#: mean of the frequency and monetary scores, halves rounded up), on a 1-5 scale. It is
#: the widely used 11-segment RFM map (Putler's), made into a partition of the 25 cells;
#: read it as a table (rows R = 5 at the top, columns FM = 1 .. 5)::
#:
#:     R 5 | New             Potential loyalist  Potential loyalist  Champions  Champions
#:     R 4 | Promising       Potential loyalist  Potential loyalist  Loyal      Loyal
#:     R 3 | About to sleep  About to sleep      Need attention      Loyal      Loyal
#:     R 2 | Hibernating     Hibernating         At risk             At risk    Can't lose them
#:     R 1 | Lost            Lost                At risk             At risk    Can't lose them
#:
#: Each rule maps a score column to an inclusive ``(low, high)`` range.
DEFAULT_SEGMENT_MAP: dict[str, dict[str, tuple[int, int]]] = {
    "Champions": {"r_score": (5, 5), "fm_score": (4, 5)},
    "Loyal": {"r_score": (3, 4), "fm_score": (4, 5)},
    "Potential loyalist": {"r_score": (4, 5), "fm_score": (2, 3)},
    "New": {"r_score": (5, 5), "fm_score": (1, 1)},
    "Promising": {"r_score": (4, 4), "fm_score": (1, 1)},
    "Need attention": {"r_score": (3, 3), "fm_score": (3, 3)},
    "About to sleep": {"r_score": (3, 3), "fm_score": (1, 2)},
    "At risk": {"r_score": (1, 2), "fm_score": (3, 4)},
    "Can't lose them": {"r_score": (1, 2), "fm_score": (5, 5)},
    "Hibernating": {"r_score": (2, 2), "fm_score": (1, 2)},
    "Lost": {"r_score": (1, 1), "fm_score": (1, 2)},
}

SegmentRule = Mapping[str, "tuple[int, int] | int"] | Callable[[pd.DataFrame], Any]


class RFMScorer(TransformerMixin, BaseEstimator):
    """Score customers 1..bins on recency, frequency and monetary value (higher is better).

    ``fit`` learns, per dimension, ``bins - 1`` tie-aware quantile edges: a customer's score
    is ``1 + floor(bins * share of the fitted customers with a strictly worse value)``. This
    gives equal-sized bins on untied data, never splits tied customers (one-time buyers all
    get frequency score 1) and skips the scores a large tied group jumps over. Recency is
    reversed: fewer days since the last purchase is better. ``transform`` applies the
    same edges to any summary, so scores of a later period are comparable.

    Parameters
    ----------
    bins : int, default 5
        Number of score levels, at least 2.
    recency_col, frequency_col, monetary_col : str
        Summary columns used for R, F and M. The defaults are ``rfm_summary``'s
        ``days_since_last_purchase``, ``n_orders`` and ``total_amount``; all must be
        non-negative numbers.
    thresholds : dict, optional
        Fixed edges instead of learned ones, keyed by ``"recency"``, ``"frequency"`` or
        ``"monetary"`` (dimensions left out are learned). Each holds ``bins - 1`` numbers;
        a customer scores one plus the number of thresholds the value strictly beats
        (is above, or below for recency): ``{"frequency": [1, 2, 3, 5]}`` scores 1 order
        as 1, 2 as 2, 3 as 3, 4-5 as 4 and 6+ as 5.

    Attributes
    ----------
    edges_ : pandas.DataFrame
        ``bins - 1`` edges per dimension (columns recency, frequency, monetary), worst to
        best; repeated edges mark skipped scores.
    n_customers_ : int
        Number of customers seen in ``fit``.

    Examples
    --------
    >>> summary = pd.DataFrame(
    ...     {"days_since_last_purchase": [5, 40, 90, 200, 365],
    ...      "n_orders": [6, 3, 1, 1, 1],
    ...      "total_amount": [900.0, 250.0, 40.0, 80.0, 20.0]},
    ...     index=pd.Index(["a", "b", "c", "d", "e"], name="customer_id"))
    >>> scores = RFMScorer(bins=5).fit_transform(summary)
    >>> scores[["r_score", "f_score", "m_score", "rfm_cell"]]
                 r_score  f_score  m_score rfm_cell
    customer_id
    a                  5        5        5      555
    b                  4        4        4      444
    c                  3        1        2      312
    d                  2        1        3      213
    e                  1        1        1      111
    """

    def __init__(
        self,
        bins: int = 5,
        *,
        recency_col: str = "days_since_last_purchase",
        frequency_col: str = "n_orders",
        monetary_col: str = "total_amount",
        thresholds: Mapping[str, Any] | None = None,
    ) -> None:
        self.bins = bins
        self.recency_col = recency_col
        self.frequency_col = frequency_col
        self.monetary_col = monetary_col
        self.thresholds = thresholds

    def fit(self, summary: pd.DataFrame, y: object = None) -> RFMScorer:
        """Learn the edges of each dimension from ``summary`` (one row per customer).

        Parameters
        ----------
        summary : pandas.DataFrame
            Per-customer table such as ``rfm_summary``'s output.
        y : ignored
            Present for scikit-learn pipeline compatibility.

        Returns
        -------
        RFMScorer
            The fitted scorer.
        """
        bins = self._checked_bins()
        thresholds = self._checked_thresholds(bins)
        _, raw = self._raw_values(summary)
        learned = [name for name in _DIMENSIONS if name not in thresholds]
        if learned:
            _checks.require_min_customers(
                len(raw[_DIMENSIONS[0]]),
                bins,
                what=f"bins={bins}",
                fix="lower bins, fit on a longer period, or pass fixed thresholds",
            )
        edges = {
            name: thresholds[name]
            if name in thresholds
            else _binning.learn_edges(raw[name], bins, higher_is_better=name != "recency")
            for name in _DIMENSIONS
        }
        self.edges_ = pd.DataFrame(edges, index=pd.RangeIndex(1, bins, name="edge"))
        self.n_customers_ = len(raw[_DIMENSIONS[0]])
        return self

    def transform(self, summary: pd.DataFrame) -> pd.DataFrame:
        """Score each customer of ``summary`` with the fitted edges.

        Parameters
        ----------
        summary : pandas.DataFrame
            Per-customer table with the recency, frequency and monetary columns.

        Returns
        -------
        pandas.DataFrame
            Indexed by customer_id: ``r_score``, ``f_score``, ``m_score`` (1..bins),
            ``fm_score`` (mean of F and M, halves rounded up), ``rfm_cell`` (e.g. ``"545"``;
            digits joined by ``-`` when bins > 9) and ``rfm_score`` (R + F + M). Name the
            segments with ``rfm_segments(scores, bins=scorer.bins)``.
        """
        check_is_fitted(self, "edges_")
        frame, raw = self._raw_values(summary)
        scores = {
            column: _binning.score(
                raw[name], self.edges_[name].to_numpy(), higher_is_better=name != "recency"
            )
            for column, name in zip(_SCORE_COLUMNS, _DIMENSIONS, strict=True)
        }
        result = pd.DataFrame(scores, index=frame.index)
        result["fm_score"] = (result["f_score"] + result["m_score"] + 1) // 2
        separator = "-" if len(self.edges_) + 1 > 9 else ""
        text = [result[column].astype(str) for column in _SCORE_COLUMNS]
        result["rfm_cell"] = text[0] + separator + text[1] + separator + text[2]
        result["rfm_score"] = result["r_score"] + result["f_score"] + result["m_score"]
        return result

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted scorer to a model file that cannot run code when loaded.

        The settings are stored as JSON and the edges as a plain array in a NumPy ``.npz``
        archive (see :meth:`load`); nothing is pickled.

        Parameters
        ----------
        path : path
            File to write (conventionally ``rfm.npz``), replaced atomically.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        check_is_fitted(self, "edges_")
        thresholds = None
        if self.thresholds is not None:
            checked = self._checked_thresholds(len(self.edges_) + 1)
            thresholds = {name: edges.tolist() for name, edges in checked.items()}
        params = {
            "bins": len(self.edges_) + 1,
            "recency_col": self.recency_col,
            "frequency_col": self.frequency_col,
            "monetary_col": self.monetary_col,
            "thresholds": thresholds,
        }
        edges = self.edges_[list(_DIMENSIONS)].to_numpy(dtype="float64")
        return save_model(
            path,
            kind=type(self).__name__,
            state={"params": params, "n_customers": int(self.n_customers_)},
            arrays={"edges": edges},
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RFMScorer:
        """A fitted scorer read from a file written by :meth:`save`, checked before use.

        Reading never unpickles: the settings must be the scorer's (column names as text,
        valid ``bins`` and thresholds) and the edges ``bins - 1`` finite numbers per
        dimension, ordered worst to best.

        Raises
        ------
        DataValidationError
            When the file is missing, holds another model, is damaged or is not a model file
            (a joblib or pickle file of an earlier version, say).

        Examples
        --------
        >>> import tempfile
        >>> summary = pd.DataFrame({"days_since_last_purchase": [5, 40, 90, 200, 365],
        ...                         "n_orders": [6, 3, 1, 1, 1],
        ...                         "total_amount": [900.0, 250.0, 40.0, 80.0, 20.0]})
        >>> scorer = RFMScorer().fit(summary)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     loaded = RFMScorer.load(scorer.save(Path(folder) / "rfm.npz"))
        >>> loaded.transform(summary).equals(scorer.transform(summary))
        True
        """
        archive = load_model(path, kind=cls.__name__)
        params = archive.state.get("params")
        require(
            archive,
            isinstance(params, dict) and set(params) == set(cls._get_param_names()),
            "its settings are not an RFMScorer's",
        )
        columns = [params[name] for name in ("recency_col", "frequency_col", "monetary_col")]
        require(
            archive,
            all(isinstance(column, str) for column in columns),
            "the column names are not text",
        )
        scorer = cls(**params)
        try:
            bins = scorer._checked_bins()
            thresholds = scorer._checked_thresholds(bins)
        except DataValidationError as exc:
            raise archive.damaged(f"its settings are invalid ({exc})") from None
        edges = archive.array(
            "edges",
            kind="f",
            shape=(bins - 1, len(_DIMENSIONS)),
            check=_edges_in_order,
            what="edges must be finite and ordered worst to best",
        )
        for position, name in enumerate(_DIMENSIONS):
            require(
                archive,
                name not in thresholds or np.array_equal(edges[:, position], thresholds[name]),
                f"the {name} edges differ from the fixed thresholds",
            )
        n_customers = archive.state.get("n_customers")
        require(
            archive,
            isinstance(n_customers, int) and not isinstance(n_customers, bool) and n_customers > 0,
            f"n_customers={n_customers!r} is not a positive whole number",
        )
        scorer.edges_ = pd.DataFrame(
            edges, columns=list(_DIMENSIONS), index=pd.RangeIndex(1, bins, name="edge")
        )
        scorer.n_customers_ = n_customers
        return scorer

    def _checked_bins(self) -> int:
        return whole_number(self.bins, name="bins", minimum=2, example="bins=5")

    def _checked_thresholds(self, bins: int) -> dict[str, np.ndarray]:
        if self.thresholds is not None and not isinstance(self.thresholds, Mapping):
            raise DataValidationError(
                "thresholds must be a dict keyed by 'recency', 'frequency' and/or 'monetary', "
                f"got {type(self.thresholds).__name__}; e.g. thresholds={{'frequency': "
                f"{list(range(1, bins))}}}"
            )
        thresholds = dict(self.thresholds or {})
        unknown = sorted(set(thresholds) - set(_DIMENSIONS))
        if unknown:
            raise DataValidationError(
                f"thresholds has unknown key(s) {unknown}; use 'recency', 'frequency' "
                "and/or 'monetary'"
            )
        checked = {}
        for name, edges in thresholds.items():
            listed = list(edges) if isinstance(edges, Sequence | np.ndarray) else [edges]
            numeric = all(_checks.is_real(value) for value in listed)
            values = np.asarray(listed, dtype="float64") if numeric else np.array([np.nan])
            if values.shape != (bins - 1,) or not np.isfinite(values).all():
                raise DataValidationError(
                    f"thresholds[{name!r}] must hold bins - 1 = {bins - 1} finite numbers, "
                    f"got {edges!r}"
                )
            values = np.sort(values)
            checked[name] = values[::-1] if name == "recency" else values
        return checked

    def _raw_values(self, summary: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        columns = dict(
            zip(_DIMENSIONS, (self.recency_col, self.frequency_col, self.monetary_col), strict=True)
        )
        frame = _checks.customer_frame(summary, columns.values(), name="summary")
        raw = {
            name: _checks.numeric_values(frame, column, name="summary")
            for name, column in columns.items()
        }
        return frame, raw


def _edges_in_order(edges: np.ndarray) -> bool:
    """Finite edges, worst to best: falling days for recency, rising values otherwise."""
    steps = np.diff(edges, axis=0)
    return bool(np.isfinite(edges).all() and (steps[:, 0] <= 0).all() and (steps[:, 1:] >= 0).all())


def rfm_segments(
    scores: pd.DataFrame,
    *,
    segment_map: Mapping[str, SegmentRule] | Callable[[pd.DataFrame], Any] | None = None,
    bins: int = 5,
) -> pd.Series:
    """Name each customer's RFM segment; every customer gets exactly one.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :meth:`RFMScorer.transform` (``r_score``, ``f_score``, ``m_score``;
        ``fm_score`` is derived when absent).
    segment_map : dict or callable, optional
        ``None`` uses :data:`DEFAULT_SEGMENT_MAP` (R x FM grid). A dict maps each segment
        name to a rule, tried in order, first match wins: either a mapping of score column
        to an inclusive ``(low, high)`` range or a single value (``{}`` matches everyone,
        a handy catch-all last rule), or a callable taking ``scores`` and returning a
        boolean mask. A callable ``segment_map`` takes ``scores`` and returns one label per
        customer.
    bins : int, default 5
        The scorer's ``bins`` (pass ``scorer.bins`` for a scorer with other than 5
        levels: scores outside 1..bins are refused). The default map is written on a 1-5 scale;
        with other ``bins`` the R, F and M scores are first mapped linearly onto it,
        ``1 + 4 (score - 1) / (bins - 1)`` rounded half up (so 1 stays 1 and ``bins``
        becomes 5), and FM recomputed. User maps see the scores as they are.

    Returns
    -------
    pandas.Series
        Categorical ``segment`` per customer, categories in the map's order.

    Raises
    ------
    DataValidationError
        When scores are missing or outside 1..bins, or some customers match no rule.

    Examples
    --------
    >>> scores = pd.DataFrame({"r_score": [5, 5, 1, 3], "f_score": [5, 1, 5, 2],
    ...                        "m_score": [4, 1, 5, 2]}, index=["a", "b", "c", "d"])
    >>> rfm_segments(scores).tolist()
    ['Champions', 'New', "Can't lose them", 'About to sleep']
    >>> rules = {"Recent": {"r_score": (4, 5)}, "Other": {}}
    >>> rfm_segments(scores, segment_map=rules).tolist()
    ['Recent', 'Recent', 'Other', 'Other']
    """
    bins = whole_number(bins, name="bins", minimum=2, example="bins=5, the scorer's bins")
    frame = _checked_scores(scores, bins)
    if callable(segment_map):
        return _labels_from_function(frame, segment_map)
    if segment_map is None:
        rules: Mapping[str, SegmentRule] = DEFAULT_SEGMENT_MAP
        if bins != 5:
            frame = _on_five_point_scale(frame, bins)
    else:
        rules = segment_map
    return _labels_from_rules(frame, rules)


def _checked_scores(scores: pd.DataFrame, bins: int) -> pd.DataFrame:
    if isinstance(scores, pd.DataFrame):
        missing = [column for column in _SCORE_COLUMNS if column not in scores.columns]
        if missing:
            present = ", ".join(map(str, scores.columns[:12]))
            raise DataValidationError(
                f"scores: column(s) {', '.join(map(repr, missing))} not found; columns present: "
                f"{present}. rfm_segments labels RFM scores: score the summary first, "
                "scores = RFMScorer().fit_transform(summary), and pass the scores"
            )
    frame = _checks.customer_frame(scores, _SCORE_COLUMNS, name="scores")
    given = [*_SCORE_COLUMNS, *(["fm_score"] if "fm_score" in frame.columns else [])]
    for column in given:
        values = _checks.numeric_values(frame, column, name="scores")
        outside = (values < 1) | (values > bins) | (values != np.round(values))
        if outside.any():
            raise DataValidationError(
                f"scores: column {column!r} has {int(outside.sum())} value(s) that are not "
                f"whole scores in 1..{bins} (e.g. {values[outside][:3].tolist()}); pass "
                "RFMScorer(...).transform output and the scorer's bins"
            )
    frame = frame.astype(dict.fromkeys(given, "int64"))
    if "fm_score" not in frame.columns:
        frame = frame.assign(fm_score=(frame["f_score"] + frame["m_score"] + 1) // 2)
    return frame


def _on_five_point_scale(frame: pd.DataFrame, bins: int) -> pd.DataFrame:
    rescaled = {
        column: np.floor(1.5 + 4 * (frame[column] - 1) / (bins - 1)).astype("int64")
        for column in _SCORE_COLUMNS
    }
    frame = frame.assign(**rescaled)
    return frame.assign(fm_score=(frame["f_score"] + frame["m_score"] + 1) // 2)


def _rule_mask(frame: pd.DataFrame, name: str, rule: SegmentRule) -> np.ndarray:
    if callable(rule):
        mask = np.asarray(rule(frame))
        if mask.dtype != bool or mask.shape != (len(frame),):
            raise DataValidationError(
                f"segment rule {name!r} must return one True/False per customer "
                f"({len(frame)}), got {mask.dtype} of shape {mask.shape}"
            )
        return mask
    if not isinstance(rule, Mapping):
        raise DataValidationError(
            f"segment rule {name!r} must be a dict of score column to (low, high) range or "
            f"a callable returning a mask, got {rule!r}; e.g. {{{name!r}: {{'r_score': (4, 5)}}}}"
        )
    mask = np.ones(len(frame), dtype=bool)
    for column, bounds in rule.items():
        if column not in frame.columns:
            raise DataValidationError(
                f"segment rule {name!r} uses column {column!r}, which scores lack; use "
                f"{', '.join(map(repr, frame.columns))}"
            )
        low, high = _rule_bounds(name, column, bounds)
        values = frame[column].to_numpy()
        mask &= (values >= low) & (values <= high)
    return mask


def _rule_bounds(name: str, column: str, bounds: object) -> tuple[float, float]:
    pair = list(bounds) if isinstance(bounds, tuple | list) else [bounds, bounds]
    if len(pair) != 2 or not all(_checks.is_real(value) for value in pair):
        raise DataValidationError(
            f"segment rule {name!r}: {column} must be a score or an inclusive (low, high) "
            f"pair of scores, got {bounds!r}; e.g. {{{column!r}: (4, 5)}}"
        )
    return pair[0], pair[1]


def _labels_from_rules(frame: pd.DataFrame, rules: Mapping[str, SegmentRule]) -> pd.Series:
    if not rules:
        raise DataValidationError("segment_map is empty; give at least one rule")
    codes = np.full(len(frame), -1, dtype=np.int64)
    for code, (name, rule) in enumerate(rules.items()):
        codes[(codes == -1) & _rule_mask(frame, name, rule)] = code
    unmatched = codes == -1
    if unmatched.any():
        cells = frame.loc[unmatched, ["r_score", "f_score", "m_score"]].drop_duplicates()
        examples = ", ".join(
            "".join(map(str, row)) for row in cells.head(5).itertuples(index=False)
        )
        raise DataValidationError(
            f"segment_map leaves {int(unmatched.sum())} customer(s) without a segment "
            f"(RFM cells {examples}); add rules for them or a catch-all last rule such as "
            "{'Other': {}}"
        )
    labels = pd.Categorical.from_codes(codes, categories=list(rules))
    return pd.Series(labels, index=frame.index, name="segment")


def _labels_from_function(
    frame: pd.DataFrame, segment_map: Callable[[pd.DataFrame], Any]
) -> pd.Series:
    returned = segment_map(frame)
    if isinstance(returned, pd.Series) and not returned.index.equals(frame.index):
        returned = returned.reindex(frame.index)
    labels = pd.Series(np.asarray(returned, dtype=object))
    if len(labels) != len(frame):
        raise DataValidationError(
            f"segment_map returned {len(labels)} labels for {len(frame)} customers; "
            "return exactly one label per row of scores"
        )
    missing = labels.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"segment_map left {int(missing.sum())} customer(s) without a segment "
            f"(customers {frame.index[missing][:3].tolist()}); return a label for every row"
        )
    return pd.Series(
        pd.Categorical(labels.to_numpy(), categories=pd.unique(labels.to_numpy())),
        index=frame.index,
        name="segment",
    )
