"""Baselines every churn model must beat: recency alone, and 1 - P(alive) from BG/NBD."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.isotonic import IsotonicRegression

from crm_analytics._checks import examples
from crm_analytics.clv import BetaGeoFitter
from crm_analytics.exceptions import ConvergenceError, DataValidationError, NotFittedError

__all__ = ["PAliveBaseline", "RecencyBaseline"]

_RECENCY = "days_since_last_purchase"
_BG_NBD_INPUTS = ("frequency", "recency", "T")
# BG/NBD is fitted in weeks: the likelihood is the same up to the scale of alpha, and the
# optimiser is better conditioned than with rates per day.
_DAYS_PER_UNIT = 7.0


def _require(X: pd.DataFrame, columns: tuple[str, ...], who: str) -> None:
    if not isinstance(X, pd.DataFrame):
        raise DataValidationError(f"{who} needs a pandas DataFrame, got {type(X).__name__}")
    missing = [column for column in columns if column not in X.columns]
    if missing:
        raise DataValidationError(
            f"{who} needs column(s) {', '.join(map(repr, missing))}, which make_churn_dataset "
            "computes from transactions; columns present: "
            f"{examples(X.columns)}{', ...' if len(X.columns) > 3 else ''}"
        )
    for column in columns:
        missing_rows = X[column].isna().to_numpy()
        if missing_rows.any():
            raise DataValidationError(
                f"{who}: column {column!r} has {int(missing_rows.sum())} missing value(s) "
                f"(customers {examples(X.index[missing_rows])}): customers without purchases "
                "before the cutoff cannot be scored by it; drop them first"
            )


class RecencyBaseline(BaseEstimator):
    """Churn probability from the days since the last purchase alone.

    A monotone (isotonic) map from recency to the churn rate seen in training: the longer a
    customer has been away, the likelier they churn. What a model must beat to be worth it.

    Examples
    --------
    >>> X = pd.DataFrame({"days_since_last_purchase": [5, 10, 40, 60, 90, 120]})
    >>> baseline = RecencyBaseline().fit(X, pd.Series([0, 0, 1, 0, 1, 1]))
    >>> baseline.churn_probability(X).tolist()
    [0.0, 0.0, 0.5, 0.5, 1.0, 1.0]
    """

    def fit(self, X: pd.DataFrame, y: pd.Series) -> RecencyBaseline:
        """Learn the recency-to-churn-rate map."""
        _require(X, (_RECENCY,), "RecencyBaseline")
        self.isotonic_ = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        self.isotonic_.fit(X[_RECENCY].to_numpy(np.float64), np.asarray(y, dtype=np.float64))
        return self

    def churn_probability(self, X: pd.DataFrame) -> pd.Series:
        """Churn probability per customer, indexed like ``X``."""
        if not hasattr(self, "isotonic_"):
            raise NotFittedError("this RecencyBaseline is not fitted yet; call fit(X, y)")
        _require(X, (_RECENCY,), "RecencyBaseline")
        values = self.isotonic_.predict(X[_RECENCY].to_numpy(np.float64))
        return pd.Series(values, index=X.index, name="churn_probability")


class PAliveBaseline(BaseEstimator):
    """1 - P(alive) from a BG/NBD model fitted on the customers' purchase histories.

    BG/NBD needs no labels: it is fitted on the ``frequency``, ``recency`` and ``T`` columns
    (days, as :func:`make_churn_dataset` gives them) of the customers at the cutoff, and
    P(alive) is the probability that a customer has not yet dropped out.

    BG/NBD calls every customer without a repeat purchase alive (dropout only happens after
    a purchase), so 1 - P(alive) ranks one-time buyers as the safest. With ``horizon_days``
    the score is instead the BG/NBD probability of no purchase in the horizon,
    ``1 - P(alive) * (1 - ((alpha + T) / (alpha + T + h)) ** (r + x))`` (the purchase rate
    of a customer alive at ``T`` has the posterior Gamma(r + x, alpha + T)), which is the
    label's own event.

    Parameters
    ----------
    horizon_days : float, optional
        Score the probability of no purchase in this many days instead of 1 - P(alive).
    penalizer_coef : float, default 0.001
        L2 penalty on the BG/NBD parameters (stabilises the fit on small data).

    Examples
    --------
    >>> X = pd.DataFrame({"frequency": [0, 2, 5, 1, 3, 0, 4, 6] * 10,
    ...                   "recency": [0, 30, 80, 5, 40, 0, 90, 100] * 10,
    ...                   "T": [100, 100, 100, 100, 100, 100, 100, 100] * 10})
    >>> churn = PAliveBaseline().fit(X).churn_probability(X)
    >>> bool(churn.iloc[3] > churn.iloc[7])  # one early repeat vs six up to day 100
    True
    """

    def __init__(self, *, horizon_days: float | None = None, penalizer_coef: float = 0.001) -> None:
        self.horizon_days = horizon_days
        self.penalizer_coef = penalizer_coef

    def fit(self, X: pd.DataFrame, y: pd.Series | None = None) -> PAliveBaseline:
        """Fit BG/NBD on ``frequency``, ``recency`` and ``T`` (``y`` is ignored)."""
        _require(X, _BG_NBD_INPUTS, "PAliveBaseline")
        frequency, recency, T = self._inputs(X)
        fitter = BetaGeoFitter(penalizer_coef=self.penalizer_coef)
        try:
            fitter.fit(frequency, recency, T)
        except ConvergenceError as error:
            raise ConvergenceError(
                f"BG/NBD did not converge on {len(X)} customers ({error}); raise "
                "penalizer_coef (e.g. 0.01) or use more customers"
            ) from error
        self.fitter_ = fitter
        self.params_ = pd.Series(fitter.params_, dtype=np.float64)
        return self

    @staticmethod
    def _inputs(X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (
            X["frequency"].to_numpy(np.float64),
            X["recency"].to_numpy(np.float64) / _DAYS_PER_UNIT,
            X["T"].to_numpy(np.float64) / _DAYS_PER_UNIT,
        )

    def expected_purchases(self, X: pd.DataFrame, *, days: float) -> pd.Series:
        """BG/NBD's expected number of purchases in the next ``days`` days, indexed like ``X``."""
        if not hasattr(self, "fitter_"):
            raise NotFittedError("this PAliveBaseline is not fitted yet; call fit(X)")
        _require(X, _BG_NBD_INPUTS, "PAliveBaseline")
        frequency, recency, T = self._inputs(X)
        expected = self.fitter_.conditional_expected_number_of_purchases_up_to_time(
            days / _DAYS_PER_UNIT, frequency, recency, T
        )
        return pd.Series(np.asarray(expected), index=X.index, name="expected_purchases")

    def churn_probability(self, X: pd.DataFrame) -> pd.Series:
        """1 - P(alive) (or P(no purchase in the horizon)) per customer, indexed like ``X``."""
        if not hasattr(self, "fitter_"):
            raise NotFittedError("this PAliveBaseline is not fitted yet; call fit(X)")
        _require(X, _BG_NBD_INPUTS, "PAliveBaseline")
        frequency, recency, T = self._inputs(X)
        alive = np.asarray(self.fitter_.conditional_probability_alive(frequency, recency, T))
        if self.horizon_days is not None:
            r, alpha = self.params_["r"], self.params_["alpha"]
            horizon = self.horizon_days / _DAYS_PER_UNIT
            alive = alive * (1.0 - ((alpha + T) / (alpha + T + horizon)) ** (r + frequency))
        return pd.Series(1.0 - alive, index=X.index, name="churn_probability")
