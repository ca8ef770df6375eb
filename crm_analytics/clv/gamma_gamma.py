"""Gamma-Gamma model of spend per transaction (Fader, Hardie and Lee 2005b; Colombo and Jiang 1999).

Each transaction of a customer is worth ``z ~ Gamma(p, nu)``, and ``nu ~ Gamma(q, v)`` across
customers, so a customer's mean spend ``m`` over ``x`` repeat transactions has a closed-form
likelihood. The model assumes spend is independent of the purchase process, so it is fitted on
repeat buyers only (``x > 0``) and needs ``m > 0``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from crm_analytics.clv._base import BaseFitter, Sample, dot
from crm_analytics.clv._checks import check_fitted, check_histories, resolve_inputs
from crm_analytics.clv._transaction import shaped
from crm_analytics.clv.protocols import Prediction, TransactionModel
from crm_analytics.clv.value import customer_lifetime_value as _customer_lifetime_value
from crm_analytics.exceptions import DataValidationError

__all__ = ["GammaGammaFitter"]

_SPEND = ("frequency", "monetary_value")
# Checks of `check_histories` for the fit (which also needs repeat buyers); a prediction takes
# any finite, non-negative frequency and spend, where the formula is defined.
_CHECKS = {"integer": ["frequency"], "zero_when_no_repeat": None}
_PREDICTION_CHECKS = {"zero_when_no_repeat": None}
_FILTER = (
    "fit the spend model on repeat buyers with positive spend only, e.g. "
    "summary[(summary['frequency'] > 0) & (summary['monetary_value'] > 0)]"
)


class GammaGammaFitter(BaseFitter):
    """Gamma-Gamma spend model, a drop-in for lifetimes' GammaGammaFitter.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        L2 penalty on ``p, q, v`` added to the mean negative log-likelihood (as lifetimes).

    Attributes
    ----------
    params_ : pandas.Series
        ``p`` (shape of spend per transaction), ``q`` and ``v`` (shape and rate of its
        scale across customers; ``v`` is the papers' gamma).
    log_likelihood_, AIC_, BIC_, variance_matrix_, standard_errors_, confidence_intervals_
        As for the transaction models.

    Examples
    --------
    >>> from crm_analytics.datasets import load_cdnow_summary
    >>> cdnow = load_cdnow_summary(monetary_value=True)
    >>> buyers = cdnow[cdnow["frequency"] > 0]
    >>> model = GammaGammaFitter().fit(buyers)
    >>> model.params_.round(2).to_dict()
    {'p': 6.25, 'q': 3.74, 'v': 15.45}
    >>> model.conditional_expected_average_profit(buyers).head(2).round(2).tolist()
    [24.66, 18.91]
    """

    _param_names = ("p", "q", "v")
    _history = (_SPEND, _CHECKS)

    def fit(
        self,
        frequency: object,
        monetary_value: object = None,
        weights: object = None,
        initial_params: object = None,
        verbose: bool = False,
        tol: float = 1e-8,
        index: object = None,
        q_constraint: bool = False,
        **kwargs: object,
    ) -> GammaGammaFitter:
        """Fit the spend model to repeat buyers' transaction counts and mean spend.

        Parameters
        ----------
        frequency : array-like, pandas.Series or pandas.DataFrame
            Repeat transactions per customer (all > 0), or a summary DataFrame with columns
            ``frequency`` and ``monetary_value`` (its index is kept).
        monetary_value : array-like, optional
            Mean spend of those transactions (all > 0); not given with a DataFrame.
        weights : array-like, optional
            Number of customers with each (frequency, monetary_value).
        initial_params : array-like, optional
            Starting ``p, q, v``.
        verbose : bool, default False
            Log the optimiser's outcome at INFO level.
        tol : float, default 1e-8
            Gradient tolerance of the optimiser.
        index : array-like, optional
            Customer labels of the rows, for ``data``.
        q_constraint : bool, default False
            Keep ``q >= 1`` so that the population mean spend ``p v / (q - 1)`` exists.
        **kwargs
            Options passed to `scipy.optimize.minimize`.

        Returns
        -------
        self

        Raises
        ------
        DataValidationError
            If a frequency is 0 or a mean spend is not positive: say which rows, and how to
            filter them.
        """
        self._fit_histories(
            [frequency, monetary_value],
            _SPEND,
            weights,
            index=index,
            checks=_CHECKS,
            initial_params=initial_params,
            tol=tol,
            options=kwargs,
            verbose=verbose,
            lower_bounds=[None, 0.0, None] if q_constraint else None,
        )
        return self

    def _check_model_inputs(self, columns: dict[str, np.ndarray], index: pd.Index | None) -> None:
        """Every customer fitted on needs a repeat transaction and a positive mean spend."""
        for name, what in (
            ("frequency", "no repeat transaction"),
            ("monetary_value", "zero spend"),
        ):
            bad = columns[name] <= 0
            if bad.any():
                labels = np.flatnonzero(bad)[:3] if index is None else index[bad][:3]
                raise DataValidationError(
                    f"{int(bad.sum())} customer(s) have {what} ({name} <= 0, e.g. "
                    f"{', '.join(map(str, labels))}); {_FILTER}"
                )

    def _initial_params(self, sample: Sample) -> np.ndarray:
        mean_spend = np.average(sample.columns["monetary_value"], weights=sample.weights)
        # Population mean spend p v / (q - 1) equal to the observed mean.
        return np.array([1.0, 2.0, mean_spend])

    def _log_likelihood(
        self, params: np.ndarray, sample: Sample, gradient: bool
    ) -> tuple[float, np.ndarray | None]:
        p, q, v = params
        levels, codes = sample.frequency_levels, sample.frequency_codes
        level_weights, weights = sample.level_weights, sample.weights
        frequency, spend = sample.columns["frequency"], sample.columns["monetary_value"]
        shape = p * levels
        per_level = (
            gammaln(shape + q)
            - gammaln(shape)
            - gammaln(q)
            + q * np.log(v)
            + shape * np.log(levels)
        )
        row_shape = shape[codes]
        log_spend = np.log(spend)
        log_total = np.log(frequency * spend + v)
        per_row = (row_shape - 1) * log_spend - (row_shape + q) * log_total
        total = dot(level_weights, per_level) + dot(weights, per_row)
        if not gradient:
            return total, None
        psi_shape_q = digamma(shape + q)
        grad = np.array(
            [
                dot(level_weights, levels * (psi_shape_q - digamma(shape) + np.log(levels)))
                + dot(weights, frequency * (log_spend - log_total)),
                dot(level_weights, psi_shape_q - digamma(q) + np.log(v)) - dot(weights, log_total),
                level_weights.sum() * q / v
                - dot(weights, (row_shape + q) / (frequency * spend + v)),
            ]
        )
        return total, grad

    def conditional_expected_average_profit(
        self, frequency: object = None, monetary_value: object = None
    ) -> Prediction:
        """Expected mean spend per transaction of each customer, given their history.

        ``E[Z | x, m] = (1 - w) p v / (q - 1) + w m`` with ``w = p x / (p x + q - 1)``: a
        weighted mean of the population mean and the customer's own mean spend. Customers
        without repeat transactions get the population mean.

        Parameters
        ----------
        frequency : array-like, pandas.Series or pandas.DataFrame, optional
            Repeat transactions, or a DataFrame with ``frequency`` and ``monetary_value``.
            Defaults to the data the model was fitted on.
        monetary_value : array-like, optional
            Mean spend of the repeat transactions.

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            A Series indexed by customer when the inputs came as a DataFrame or Series.
        """
        check_fitted(self)
        if frequency is None and monetary_value is None:
            frequency = self.data
        (frequency, monetary_value), index = resolve_inputs([frequency, monetary_value], _SPEND)
        flat = {
            "frequency": np.atleast_1d(frequency).reshape(-1),
            "monetary_value": np.atleast_1d(monetary_value).reshape(-1),
        }
        check_histories(flat, index, **_PREDICTION_CHECKS)
        p, q, v = self._unload_params("p", "q", "v")
        own_weight = p * frequency / (p * frequency + q - 1)
        expected = (1 - own_weight) * p * v / (q - 1) + own_weight * monetary_value
        return shaped(expected, index, "expected_average_profit")

    def customer_lifetime_value(
        self,
        transaction_prediction_model: TransactionModel,
        frequency: object,
        recency: object = None,
        T: object = None,
        monetary_value: object = None,
        time: int = 12,
        discount_rate: float = 0.01,
        freq: str = "D",
    ) -> pd.Series:
        """Discounted value of each customer's purchases over the next ``time`` months.

        lifetimes' signature and result; see `crm_analytics.clv.value.customer_lifetime_value`
        (which this calls, with ``margin=1``) for the formula and for margins.

        Parameters
        ----------
        transaction_prediction_model : fitted transaction model
            BG/NBD, MBG/NBD or Pareto/NBD, fitted in units of ``freq``.
        frequency : array-like, pandas.Series or pandas.DataFrame
            Repeat purchases, or the ``rfm_summary`` DataFrame (``frequency``, ``recency``,
            ``T``, ``monetary_value``).
        recency, T, monetary_value : array-like, optional
            Not given with a DataFrame.
        time : int, default 12
            Months to value.
        discount_rate : float, default 0.01
            Monthly discount rate.
        freq : {"D", "W", "M", "H"}, default "D"
            Time unit of the histories and of the transaction model.

        Returns
        -------
        pandas.Series
            ``clv`` per customer, indexed by customer when the inputs had an index.
        """
        columns = ("frequency", "recency", "T", "monetary_value")
        arrays, index = resolve_inputs([frequency, recency, T, monetary_value], columns)
        summary = pd.DataFrame(
            {name: np.atleast_1d(values) for name, values in zip(columns, arrays, strict=True)},
            index=index,
        )
        return _customer_lifetime_value(
            transaction_prediction_model,
            self,
            summary,
            horizon=time,
            discount_rate=discount_rate,
            freq=freq,
        )
