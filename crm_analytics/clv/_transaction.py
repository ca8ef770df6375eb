"""Common ground of the continuous-time transaction models (BG/NBD, MBG/NBD, Pareto/NBD).

They are fitted on per-customer histories (frequency, recency, T) and predict from them; this
module reads and checks those histories, fits through `BaseFitter`, and shapes predictions as
pandas Series indexed by customer when the histories came with an index.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import digamma, gammaln

from crm_analytics.clv._base import BaseFitter, Sample, dot
from crm_analytics.clv._checks import (
    SUMMARY_REMEDY,
    TRANSACTION_HISTORY,
    check_fitted,
    check_histories,
    resolve_inputs,
    transaction_checks,
)
from crm_analytics.clv.protocols import Prediction
from crm_analytics.exceptions import DataValidationError

HISTORY = TRANSACTION_HISTORY


def prediction_checks(names: Sequence[str] = HISTORY) -> dict[str, object]:
    """Keyword arguments of `check_histories` for predicting from (frequency, recency, T).

    Examples
    --------
    >>> prediction_checks()
    {'integer': [], 'ordered': [('recency', 'T')], 'zero_when_no_repeat': None}
    """
    _, recency, age = names
    return {"integer": [], "ordered": [(recency, age)], "zero_when_no_repeat": None}


def histories(
    frequency: object,
    recency: object,
    T: object,
    names: Sequence[str] = HISTORY,
    *,
    remedy: str = SUMMARY_REMEDY,
    aligned: Mapping[str, object] | None = None,
    **checks: object,
) -> tuple[list[np.ndarray], pd.Index | None]:
    """Histories for prediction, broadcast together and checked where the formulas are undefined.

    ``checks`` are keyword arguments of `check_histories`, by default those of a prediction:
    values finite and non-negative and recency at most T. Unlike a fit, a prediction takes
    any point where the model's formula is defined, as lifetimes does: a fractional frequency
    or a frequency of 0 with a positive recency (the grids of `conditional_probability_alive_
    matrix` and of the plots hold such cells). ``remedy`` ends the error messages. ``aligned`` names other
    arguments read row by row with the histories (the horizon), whose pandas index, if any,
    must be the histories' (see `resolve_inputs`).

    Examples
    --------
    >>> (f, r, age), index = histories(pd.Series([1, 0], index=["a", "b"]), [2.0, 0.0], 5.0)
    >>> age.tolist(), index.tolist()
    ([5.0, 5.0], ['a', 'b'])
    """
    checks = {**prediction_checks(names), **checks}
    arrays, index = resolve_inputs([frequency, recency, T], names, remedy=remedy, aligned=aligned)
    try:
        arrays = list(np.broadcast_arrays(*arrays))
    except ValueError:
        shapes = ", ".join(f"{name}: {np.shape(a)}" for name, a in zip(names, arrays, strict=True))
        raise DataValidationError(
            f"the columns cannot be broadcast together ({shapes}); give equal lengths"
        ) from None
    flat = {name: np.atleast_1d(a).reshape(-1) for name, a in zip(names, arrays, strict=True)}
    check_histories(flat, index, remedy=remedy, **checks)
    return arrays, index


def horizon(t: object, name: str = "t", *, unit: str = "time units ahead") -> np.ndarray:
    """A prediction horizon as a float array, checked finite and non-negative.

    ``unit`` says what ``t`` counts, in the message.
    """
    values = np.asarray(t, dtype=np.float64) if not isinstance(t, pd.Series) else t.to_numpy(float)
    bad = ~np.isfinite(values) | (values < 0)
    if np.any(bad):
        raise DataValidationError(
            f"{name} must be finite and >= 0 ({unit}), got {int(np.sum(bad))} bad "
            f"value(s), e.g. {np.atleast_1d(values)[np.atleast_1d(bad)][:3].tolist()}"
        )
    return values


def whole_number(values: object, name: str, *, unit: str = "purchases") -> np.ndarray:
    """A count of ``unit`` (purchases, opportunities) as a float array, checked whole and >= 0.

    Examples
    --------
    >>> whole_number([0, 3], "n").tolist()
    [0.0, 3.0]
    >>> whole_number(1.5, "n")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: n must count whole purchases (0, 1, 2, ...), got 1 non-integer value(s), e.g. [1.5]
    """
    values = horizon(values, name, unit=unit)
    bad = values != np.round(values)
    if np.any(bad):
        raise DataValidationError(
            f"{name} must count whole {unit} (0, 1, 2, ...), got {int(np.sum(bad))} non-integer "
            f"value(s), e.g. {np.atleast_1d(values)[np.atleast_1d(bad)][:3].tolist()}"
        )
    return values


def shaped(values: np.ndarray, index: pd.Index | None, name: str) -> object:
    """A Series on ``index`` when the values line up with it, a float for a scalar, else the array."""
    if index is not None and np.shape(values) == (len(index),):
        return pd.Series(values, index=index, name=name)
    if np.ndim(values) == 0:
        return float(values)
    return values


class TransactionFitter(BaseFitter):
    """Fit and matrix methods shared by BG/NBD, MBG/NBD and Pareto/NBD."""

    _time_columns = ("recency", "T")
    _history = (HISTORY, transaction_checks())
    _default_tol = 1e-8
    # The model's simulator in `crm_analytics.clv.generate_data`.
    _generator: Callable[..., pd.DataFrame]

    def fit(
        self,
        frequency: object,
        recency: object = None,
        T: object = None,
        weights: object = None,
        initial_params: object = None,
        verbose: bool = False,
        tol: float | None = None,
        index: object = None,
        **kwargs: object,
    ) -> TransactionFitter:
        """Fit the model to customers' histories by maximum likelihood.

        Parameters
        ----------
        frequency : array-like, pandas.Series or pandas.DataFrame
            Repeat purchases per customer (``x``), or the whole ``rfm_summary`` DataFrame
            (columns ``frequency``, ``recency``, ``T``; its index is kept).
        recency : array-like, optional
            Time from the first to the last purchase (``t_x``); not given with a DataFrame.
        T : array-like, optional
            Time from the first purchase to the end of observation (the customer's age).
        weights : array-like, optional
            Number of customers with each history (for data already collapsed).
        initial_params : array-like, optional
            Starting values of the parameters, in the order of ``params_``.
        verbose : bool, default False
            Log the optimiser's outcome at INFO level (logger ``crm_analytics.clv``).
        tol : float, optional
            Gradient tolerance of the optimiser (BFGS on the log-parameters); by default
            1e-8, and 1e-7 for Pareto/NBD, whose gradient holds finite differences.
        index : array-like, optional
            Customer labels of the rows, for ``data``.
        **kwargs
            Options passed to `scipy.optimize.minimize` (e.g. ``maxiter``).

        Returns
        -------
        self
            With ``params_``, ``log_likelihood_``, ``AIC_``, ``BIC_``, ``variance_matrix_``,
            ``standard_errors_``, ``confidence_intervals_`` and ``data``.

        Raises
        ------
        DataValidationError
            If a history is missing, negative, non-integer in frequency, has recency > T, or
            frequency 0 with a non-zero recency.
        ConvergenceError
            If the optimiser fails, or nobody made a repeat purchase.
        """
        self._fit_histories(
            [frequency, recency, T],
            HISTORY,
            weights,
            index=index,
            checks=transaction_checks(),
            initial_params=initial_params,
            tol=self._default_tol if tol is None else tol,
            options=kwargs,
            verbose=verbose,
        )
        return self

    def _initial_params(self, sample: Sample) -> np.ndarray:
        """``(1, alpha, 1, 1)``, with the Poisson rate ``r / alpha`` near the observed rate.

        The parameters of every transaction model start with ``r, alpha`` (BG/NBD, MBG/NBD:
        ``a, b``; Pareto/NBD: ``s, beta``).
        """
        weights = sample.weights
        mean_frequency = np.average(sample.columns["frequency"], weights=weights)
        mean_age = np.average(sample.columns["T"], weights=weights)
        return np.array([1.0, mean_age / max(mean_frequency, 1e-3), 1.0, 1.0])

    def _no_dropout_fit(self, sample: Sample) -> tuple[float, dict[str, float]]:
        """The NBD: purchases at rate ``Gamma(r, alpha)`` by customers who never leave.

        The limit of BG/NBD, MBG/NBD and Pareto/NBD as dropout vanishes, with log-likelihood
        ``log[Gamma(r + x) / Gamma(r) alpha^r / (alpha + T)^(r + x)]`` per customer (recency
        plays no part). Fitted on the log-parameters with its analytic gradient, on time
        rescaled as the model's own fit.
        """
        scale = 1.0 / max(float(sample.columns["T"].max()), 1e-300)
        levels, level_weights = sample.frequency_levels, sample.level_weights
        frequency, ages, codes = sample.paired("T")
        pair_weights = np.bincount(codes, sample.weights, minlength=len(ages))
        total = float(level_weights.sum())

        def log_likelihood(r: float, alpha: float, times: np.ndarray) -> float:
            return (
                dot(level_weights, gammaln(r + levels) - gammaln(r))
                + total * r * np.log(alpha)
                - dot(pair_weights, (r + frequency) * np.log(alpha + times))
            )

        scaled = ages * scale

        def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
            r, alpha = np.exp(log_params)
            gradient = np.array(
                [
                    dot(level_weights, digamma(r + levels) - digamma(r))
                    + total * np.log(alpha)
                    - dot(pair_weights, np.log(alpha + scaled)),
                    total * r / alpha - dot(pair_weights, (r + frequency) / (alpha + scaled)),
                ]
            )
            value = log_likelihood(r, alpha, scaled)
            return -value / total, -gradient * np.exp(log_params) / total

        start = self._initial_params(sample.rescaled(scale, self._time_columns))[:2]
        with np.errstate(all="ignore"):
            result = optimize.minimize(
                objective, np.log(start), jac=True, method="BFGS", options={"gtol": 1e-9}
            )
        r, alpha = np.exp(result.x)
        alpha /= scale
        return log_likelihood(r, alpha, ages), {"r": float(r), "alpha": float(alpha)}

    def generate_new_data(
        self, size: int = 1, *, random_state: int | np.random.Generator | None = None
    ) -> pd.DataFrame:
        """Customers simulated from the fitted model, observed as long as those fitted on.

        As lifetimes: the ``size`` customers take the fitted customers' ages ``T`` in order
        (repeated when ``size`` exceeds their number).

        Parameters
        ----------
        size : int, default 1
            Number of customers.
        random_state : int or numpy.random.Generator, optional
            Seed or generator of the draw (lifetimes draws from numpy's global one).

        Returns
        -------
        pandas.DataFrame
            See `crm_analytics.clv.generate_data`: ``frequency``, ``recency``, ``T``, the
            customers' rates, and ``alive``.
        """
        return self._simulated(self._generator, size, random_state)

    def predict(
        self, t: object, frequency: object, recency: object = None, T: object = None
    ) -> Prediction:
        """Alias of `conditional_expected_number_of_purchases_up_to_time` (as in lifetimes)."""
        return self.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)

    def conditional_probability_alive_matrix(
        self, max_frequency: int | None = None, max_recency: int | None = None
    ) -> np.ndarray:
        """P(alive) for frequencies 0..max_frequency and recencies 0..max_recency at T = max_recency.

        Returns
        -------
        numpy.ndarray
            Shape ``(max_recency + 1, max_frequency + 1)``: rows are recency, columns
            frequency (lifetimes' layout). Cells with frequency 0 and recency > 0 describe
            impossible histories and are computed as if the history existed.
        """
        check_fitted(self)
        if max_frequency is None or max_recency is None:
            data = getattr(self, "data", None)
            if data is None:
                raise DataValidationError(
                    "give max_frequency and max_recency: this model was loaded without its data"
                )
            max_frequency = int(data["frequency"].max()) if max_frequency is None else max_frequency
            max_recency = int(data["T"].max()) if max_recency is None else max_recency
        recency, frequency = np.meshgrid(
            np.arange(max_recency + 1, dtype=float),
            np.arange(max_frequency + 1, dtype=float),
            indexing="ij",
        )
        return np.asarray(
            self._probability_alive(frequency, recency, np.full_like(recency, max_recency))
        )

    def conditional_probability_alive(
        self, frequency: object, recency: object = None, T: object = None
    ) -> Prediction:
        """Probability that a customer with history (frequency, recency, T) is still alive.

        Parameters
        ----------
        frequency : array-like, pandas.Series or pandas.DataFrame
            Repeat purchases, or the ``rfm_summary`` DataFrame.
        recency, T : array-like, optional
            Not given with a DataFrame.

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            A Series indexed by customer when the histories came as a DataFrame or Series.
        """
        check_fitted(self)
        (frequency, recency, T), index = histories(frequency, recency, T)
        return shaped(self._probability_alive(frequency, recency, T), index, "p_alive")

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: object, frequency: object, recency: object = None, T: object = None
    ) -> Prediction:
        """Expected repeat purchases in the next ``t`` time units, given the history.

        Parameters
        ----------
        t : float or array-like
            Horizon in model time units; broadcast with the histories.
        frequency : array-like, pandas.Series or pandas.DataFrame
            Repeat purchases, or the ``rfm_summary`` DataFrame.
        recency, T : array-like, optional
            Not given with a DataFrame.

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            A Series indexed by customer when the histories came as a DataFrame or Series.
        """
        check_fitted(self)
        (frequency, recency, T), index = histories(frequency, recency, T, aligned={"t": t})
        t = horizon(t)
        return shaped(
            self._conditional_expected_purchases(t, frequency, recency, T),
            index,
            "expected_purchases",
        )

    def expected_number_of_purchases_up_to_time(self, t: object) -> Prediction:
        """Expected repeat purchases in ``t`` time units of a new customer (no history).

        Returns
        -------
        numpy.ndarray or float
            Shaped like ``t``.
        """
        check_fitted(self)
        values = horizon(t)
        return shaped(self._expected_purchases(values), None, "expected_purchases")

    def _probability_alive(self, frequency, recency, T) -> np.ndarray:
        raise NotImplementedError

    def _conditional_expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        raise NotImplementedError

    def _expected_purchases(self, t) -> np.ndarray:
        raise NotImplementedError
