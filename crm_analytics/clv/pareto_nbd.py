"""Pareto/NBD model (Schmittlein, Morrison and Colombo 1987), computed stably in log space.

While alive, a customer buys at a Poisson rate ``lambda ~ Gamma(r, alpha)`` and has an
exponential lifetime of rate ``mu ~ Gamma(s, beta)``. The likelihood (Fader and Hardie,
"A Note on Deriving the Pareto/NBD Model and Related Expressions", 2005, eq. 18-20) is

``L = Gamma(r + x) alpha^r beta^s / Gamma(r) * [ (alpha + T)^-(r + x) (beta + T)^-s
+ s / (r + s + x) * (F(t_x) - F(T)) ]``

where the second term is the probability of dying between ``t_x`` and ``T``, with
``F(y) = 2F1(r + s + x, B; r + s + x + 1; z(y)) / (m + y)^(r + s + x)``, ``m = max(alpha, beta)``,
``z(y) = |alpha - beta| / (m + y)`` and ``B = s + 1`` when ``alpha >= beta``, ``r + x``
otherwise. When ``alpha < beta`` that hypergeometric term grows like ``(1 - z)^-(r + x)`` and
overflows for heavy buyers (lifetimes then returns NaN); here every such term goes through
Euler's transformation ``2F1(A, B; C; z) = (1 - z)^(C - A - B) 2F1(C - A, C - B; C; z)``,
whose right-hand series has first parameter ``C - A = 1`` and stays between 1 and
``1 / (1 - z)``, the power is taken as a logarithm, and ``F(t_x) - F(T)`` as a difference of
logarithms.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from crm_analytics.clv._base import Sample, dot, log_add_exp
from crm_analytics.clv._collapse import COLLAPSE_ABOVE, evaluate_on_unique_rows
from crm_analytics.clv._transaction import (
    TransactionFitter,
    histories,
    horizon,
    shaped,
    whole_number,
)
from crm_analytics.clv.generate_data import pareto_nbd_model
from crm_analytics.clv.protocols import Prediction
from crm_analytics.exceptions import DataValidationError

__all__ = ["ParetoNBDFitter"]

# Step on the log-parameters of the central differences of the hypergeometric terms.
_STEP = 1e-5
# Largest third parameter for which log_hyp2f1 takes Pfaff's transformation near z = 1.
_PFAFF_MAX_C = 12.0


def log_hyp2f1(a, b, c, z, log_one_minus_z=None):
    """``log 2F1(a, b; c; z)`` for ``0 <= z < 1`` and ``c - a >= 1``, without overflow.

    Through Euler's transformation, ``(1 - z)^(c - a - b) 2F1(c - a, c - b; c; z)``, except for
    ``z > 1/2`` and ``c <= 12``, through Pfaff's, ``(1 - z)^-b 2F1(c - a, b; c; z / (z - 1))``.
    Both series stay moderate. scipy takes up to a hundred times as long on the first where
    ``z`` nears 1 and ``c`` is small (at the no-dropout edge of Pareto/NBD, ``beta >>
    alpha``, for light buyers), and loses digits on the second for large ``c``: each is used
    where it is fast and accurate to about 1e-12. ``log_one_minus_z``, when given, is
    ``log(1 - z)`` computed without cancellation.

    Examples
    --------
    >>> float(np.exp(log_hyp2f1(2.0, 3.0, 4.0, 0.5))) == float(hyp2f1(2.0, 3.0, 4.0, 0.5))
    True
    >>> round(float(np.exp(log_hyp2f1(1.5, 1.2, 3.5, 0.99))), 10)
    3.0176648075
    """
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, c, z)))
    log_rest = np.log1p(-z) if log_one_minus_z is None else log_one_minus_z
    log_rest = np.broadcast_to(log_rest, z.shape)
    result = np.empty(z.shape)
    near = (z > 0.5) & (c <= _PFAFF_MAX_C)
    far = ~near
    result[far] = (c[far] - a[far] - b[far]) * log_rest[far] + np.log(
        hyp2f1(c[far] - a[far], c[far] - b[far], c[far], z[far])
    )
    ratio = -z[near] / np.exp(log_rest[near])
    result[near] = -b[near] * log_rest[near] + np.log(
        hyp2f1(c[near] - a[near], b[near], c[near], ratio)
    )
    return result


def _log_alive_term(params, frequency, T):
    """``log[(alpha + T)^-(r + x) (beta + T)^-s]``: buying ``x`` times and alive at ``T``."""
    r, alpha, s, beta = params
    return -(r + frequency) * np.log(alpha + T) - s * np.log(beta + T)


def _log_tail(params, frequency, y):
    """``log F(y)``, the hypergeometric term of the likelihood at time ``y``.

    The parameters may be arrays broadcasting against ``frequency`` and ``y``.
    """
    r, alpha, s, beta = params
    rsx = r + s + frequency
    largest = np.maximum(alpha, beta)
    second = np.where(alpha >= beta, s + 1, r + frequency)
    log_far = np.log(largest + y)
    z = np.abs(alpha - beta) / (largest + y)
    # 1 - z = (min(alpha, beta) + y) / (max(alpha, beta) + y), exact when z is close to 1.
    log_one_minus_z = np.log(np.minimum(alpha, beta) + y) - log_far
    return log_hyp2f1(rsx, second, rsx + 1, z, log_one_minus_z) - rsx * log_far


def _log_tail_and_derivatives(params, frequency, y):
    """``log F(y)`` and its derivatives in the four parameters, shape ``(4, n)``.

    The derivatives of the hypergeometric term in its parameters have no closed form; they
    are taken by central differences on the log-parameters, over the distinct
    (frequency, time) pairs only.
    """
    steps = np.concatenate([np.zeros((1, 4)), np.eye(4) * _STEP, -np.eye(4) * _STEP])
    grid = params * np.exp(steps)
    values = _log_tail([grid[:, [j]] for j in range(4)], frequency, y)
    derivatives = (values[1:5] - values[5:9]) / (2 * _STEP * params[:, None])
    return values[0], derivatives


def _log_died_term(log_share, tail_at_recency, tail_at_age):
    """``log[s / (r + s + x) (F(t_x) - F(T))]``: the probability of dying in ``(t_x, T]``.

    ``log(-expm1(.))`` is exact near 0 (``t_x`` close to ``T``) and accurate to 1e-16 in
    absolute terms elsewhere, which is what a term added to ``log F(t_x)`` needs; F decreases
    in time, so the clip only absorbs rounding (and gives -inf when ``t_x = T``).
    """
    with np.errstate(divide="ignore"):
        gap = np.log(-np.expm1(np.minimum(tail_at_age - tail_at_recency, 0.0)))
    return log_share + tail_at_recency + gap


def _log_dropout_terms(params, frequency, recency, T):
    """Log of the 'alive at T' and 'died in (t_x, T]' terms of the bracket in L."""
    r, _, s, _ = params
    alive = _log_alive_term(params, frequency, T)
    died = _log_died_term(
        np.log(s) - np.log(r + s + frequency),
        _log_tail(params, frequency, recency),
        _log_tail(params, frequency, T),
    )
    return alive, died


def _alive_gradient(params, frequency, T):
    """Derivatives of `_log_alive_term` in r, alpha, s, beta, shape ``(4, n)``."""
    r, alpha, s, beta = params
    return np.stack(
        [
            -np.log(alpha + T),
            -(r + frequency) / (alpha + T),
            -np.log(beta + T),
            -s / (beta + T),
        ]
    )


def _lifetime_share(s: float, log_ratio):
    """``(1 - (1 + t / c)^(1 - s)) / (s - 1)`` from ``log_ratio = log(1 + t / c)``; log at s = 1."""
    if abs(s - 1) < 1e-12:
        return log_ratio
    return -np.expm1((1 - s) * log_ratio) / (s - 1)


class ParetoNBDFitter(TransactionFitter):
    """Pareto/NBD model of repeat purchases, a drop-in for lifetimes' ParetoNBDFitter.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        L2 penalty on the parameters (``alpha`` and ``beta`` in units where the oldest
        customer has age 1). As in lifetimes' ParetoNBDFitter, and unlike its other models,
        it is added to the summed (not the mean) negative log-likelihood of the rows given.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha`` (purchase rate ``Gamma(r, alpha)``), ``s``, ``beta`` (dropout
        rate ``Gamma(s, beta)``); alpha and beta in time units.
    log_likelihood_, AIC_, BIC_, variance_matrix_, standard_errors_, confidence_intervals_, data
        As for `crm_analytics.clv.beta_geo.BetaGeoFitter`.
    dropout_identified_, diagnostics_
        As for `crm_analytics.clv.beta_geo.BetaGeoFitter` (the no-dropout limit is the NBD).

    Notes
    -----
    lifetimes fits this model with Nelder-Mead on the raw parameters, stopping at a tolerance
    of 1e-4; this fitter uses BFGS on the log-parameters with the gradient (the
    hypergeometric terms differentiated by central differences) and evaluates those terms
    once per distinct (frequency, recency) and (frequency, T) pair. On CDNOW the likelihood is very flat in ``beta`` (standard error
    about 6): lifetimes stops at ``beta = 11.669``, the maximum is at ``11.668`` (0.00000002
    higher in log-likelihood).

    Examples
    --------
    >>> from crm_analytics.datasets import load_cdnow_summary
    >>> cdnow = load_cdnow_summary()
    >>> model = ParetoNBDFitter().fit(cdnow)
    >>> model.params_.round(2).to_dict()
    {'r': 0.55, 'alpha': 10.58, 's': 0.61, 'beta': 11.67}
    >>> round(model.log_likelihood_, 1)
    -9595.0
    >>> model.conditional_probability_alive(cdnow).head(2).round(3).to_dict()
    {1: 0.869, 2: 0.168}
    """

    _param_names = ("r", "alpha", "s", "beta")
    _time_params = ("alpha", "beta")
    _dropout_params = ("s", "beta")
    _show_progress = True
    _generator = staticmethod(pareto_nbd_model)
    # The derivatives of the hypergeometric terms are accurate to about 1e-9: a tighter
    # tolerance only spends line searches on rounding.
    _default_tol = 1e-7

    def fit(
        self,
        frequency: object,
        recency: object = None,
        T: object = None,
        weights: object = None,
        iterative_fitting: int = 1,
        initial_params: object = None,
        verbose: bool = False,
        tol: float | None = None,
        index: object = None,
        fit_method: str = "Nelder-Mead",
        maxiter: int = 2000,
        **kwargs: object,
    ) -> ParetoNBDFitter:
        """Fit the model by maximum likelihood, with lifetimes' ParetoNBDFitter.fit signature.

        The arguments are those of `crm_analytics.clv.BetaGeoFitter.fit`, plus lifetimes'
        ``iterative_fitting`` and ``fit_method``, which are accepted and have no effect (the
        fit is one deterministic BFGS run on the log-parameters with the gradient, where
        lifetimes restarts Nelder-Mead from random points), and ``maxiter``, the optimiser's
        iteration limit.

        Returns
        -------
        self
        """
        return super().fit(
            frequency,
            recency,
            T,
            weights,
            initial_params=initial_params,
            verbose=verbose,
            tol=tol,
            index=index,
            maxiter=maxiter,
            **kwargs,
        )

    def _penalizer_scale(self, n_rows: int) -> float:
        # lifetimes' Pareto/NBD adds the penalty to the summed log-likelihood (divided by the
        # mean weight), that is to n_rows times the mean: the same objective up to a factor.
        return 1.0 / n_rows

    def _dropout_share(self, scaled_params: np.ndarray) -> float:
        _, _, s, beta = scaled_params
        return float(s / beta)

    def _log_likelihood(
        self, params: np.ndarray, sample: Sample, gradient: bool
    ) -> tuple[float, np.ndarray | None]:
        r, alpha, s, beta = params
        levels, level_codes = sample.frequency_levels, sample.frequency_codes
        level_weights, weights = sample.level_weights, sample.weights
        per_level = gammaln(r + levels) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        log_share = np.log(s) - np.log(r + s + levels)
        # The hypergeometric terms depend on (x, t_x) or (x, T) only: one evaluation per pair.
        age_frequency, ages, age_codes = sample.paired("T")
        recency_frequency, recencies, recency_codes = sample.paired("recency")
        if gradient:
            tail_age, tail_age_gradient = _log_tail_and_derivatives(params, age_frequency, ages)
            tail_recency, tail_recency_gradient = _log_tail_and_derivatives(
                params, recency_frequency, recencies
            )
        else:
            tail_age = _log_tail(params, age_frequency, ages)
            tail_recency = _log_tail(params, recency_frequency, recencies)
        alive = _log_alive_term(params, age_frequency, ages)[age_codes]
        at_recency, at_age = tail_recency[recency_codes], tail_age[age_codes]
        died = _log_died_term(log_share[level_codes], at_recency, at_age)
        per_row = log_add_exp(alive, died)
        total = dot(level_weights, per_level) + dot(weights, per_row)
        if not gradient:
            return total, None
        # d log(F(t_x) - F(T)) = (F(t_x) dlog F(t_x) - F(T) dlog F(T)) / (F(t_x) - F(T)); with
        # the row's share of 'died' in L this is weighted by s / (r + s + x) F(.) / bracket,
        # bounded even when t_x is close to T.
        by_recency = weights * np.exp(log_share[level_codes] + at_recency - per_row)
        by_age = weights * np.exp(log_share[level_codes] + at_age - per_row)
        alive_weight = weights * np.exp(alive - per_row)
        died_weight = by_recency - by_age
        # einsum, not BLAS, whose threads contend on shared machines.
        grad = (
            np.einsum(
                "ij,j->i",
                _alive_gradient(params, age_frequency, ages),
                np.bincount(age_codes, alive_weight, minlength=len(ages)),
            )
            + np.einsum(
                "ij,j->i",
                tail_recency_gradient,
                np.bincount(recency_codes, by_recency, minlength=len(recencies)),
            )
            - np.einsum(
                "ij,j->i",
                tail_age_gradient,
                np.bincount(age_codes, by_age, minlength=len(ages)),
            )
        )
        level_died = np.bincount(level_codes, died_weight, minlength=len(levels))
        share_per_rate = dot(level_died, 1 / (r + s + levels))
        grad += [
            dot(level_weights, digamma(r + levels) - digamma(r) + np.log(alpha)) - share_per_rate,
            level_weights.sum() * r / alpha,
            level_weights.sum() * np.log(beta) + level_died.sum() / s - share_per_rate,
            level_weights.sum() * s / beta,
        ]
        return total, grad

    def _log_dropout_terms(self, frequency, recency, T):
        params = self._unload_params("r", "alpha", "s", "beta")
        x, t_x, age = np.broadcast_arrays(frequency, recency, T)
        if x.size <= COLLAPSE_ABOVE:
            return _log_dropout_terms(params, x, t_x, age)
        # The hypergeometric terms depend on (x, t_x) or (x, T) only: once per distinct pair.
        r, _, s, _ = params

        def tail(frequency_values, times):
            return _log_tail(params, frequency_values, times)

        at_recency = evaluate_on_unique_rows(tail, x.ravel(), t_x.ravel()).reshape(x.shape)
        at_age = evaluate_on_unique_rows(tail, x.ravel(), age.ravel()).reshape(x.shape)
        died = _log_died_term(np.log(s) - np.log(r + s + x), at_recency, at_age)
        return _log_alive_term(params, x, age), died

    def _probability_alive(self, frequency, recency, T) -> np.ndarray:
        alive, died = self._log_dropout_terms(frequency, recency, T)
        return expit(alive - died)

    def _conditional_expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        r, alpha, s, beta = self._unload_params("r", "alpha", "s", "beta")
        return (
            self._probability_alive(frequency, recency, T)
            * (r + frequency)
            * (beta + T)
            / (alpha + T)
            * _lifetime_share(s, np.log1p(t / (beta + T)))
        )

    def _expected_purchases(self, t) -> np.ndarray:
        r, alpha, s, beta = self._unload_params("r", "alpha", "s", "beta")
        return r * beta / alpha * _lifetime_share(s, np.log1p(t / beta))

    def conditional_probability_of_n_purchases_up_to_time(
        self, n: int, t: object, frequency: object, recency: object = None, T: object = None
    ) -> Prediction:
        """Probability of exactly ``n`` purchases in the next ``t``, given the history.

        Fader, Hardie and Shang's ``P(X(T, T + t) = n | x, t_x, T)`` ("Deriving an Expression
        for P(X(t, t + tau) = x) Under the Pareto/NBD Model", 2006, eq. 16), with its
        hypergeometric terms through Euler's transformation.

        Parameters
        ----------
        n : int
            Number of purchases.
        t : float or array-like
            Horizon, broadcast with the histories.
        frequency, recency, T : array-like or the ``rfm_summary`` DataFrame
            As for `conditional_probability_alive`.

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            A Series indexed by customer when the histories came as a DataFrame or Series.
        """
        self._unload_params("r")
        count = whole_number(n, "n")
        if count.ndim:
            raise DataValidationError(f"n must be one whole number here, got shape {count.shape}")
        (x, t_x, age), index = histories(frequency, recency, T, aligned={"t": t})
        t = horizon(t)
        return shaped(self._conditional_pmf(int(count), t, x, t_x, age), index, "probability")

    def probability_of_n_purchases_up_to_time(self, t: object, n: object) -> Prediction:
        """Probability that a new customer makes exactly ``n`` repeat purchases in ``t``.

        ``P(X(t) = n)`` (Fader, Hardie and Shang 2006): the conditional probability for a
        customer observed for no time yet (``x = t_x = T = 0``).

        Parameters
        ----------
        t : float or array-like
            Horizon.
        n : int or array-like of int
            Numbers of purchases, broadcast with ``t``.

        Returns
        -------
        numpy.ndarray or float
            Shaped like ``t`` and ``n`` broadcast.
        """
        self._unload_params("r")
        t, counts = np.broadcast_arrays(horizon(t), whole_number(n, "n").astype(np.int64))
        probability = np.empty(t.shape)
        # One vectorised evaluation per distinct count (the pmf sums over 0..n).
        for count in np.unique(counts):
            chosen = counts == count
            probability[chosen] = self._conditional_pmf(int(count), t[chosen], 0.0, 0.0, 0.0)
        return shaped(probability, None, "probability")

    def _conditional_pmf(self, n: int, t, x, t_x, age) -> np.ndarray:
        params = self._unload_params("r", "alpha", "s", "beta")
        r, alpha, s, beta = params
        alive, died = _log_dropout_terms(params, x, t_x, age)
        log_l = np.logaddexp(alive, died)
        log_t = np.log(np.where(t > 0, t, 1.0))
        largest, gap = max(alpha, beta), abs(alpha - beta)
        second = s + 1 if alpha >= beta else r + x + n
        rsx = r + s + x
        common = betaln(r + x + n, s + 1) - gammaln(s) - gammaln(r + x) - log_l + gammaln(rsx)
        log_b_one = (
            gammaln(r + x + n)
            - gammaln(r + x)
            - (r + x + n) * np.log(alpha + age + t)
            - s * np.log(beta + age + t)
            - log_l
        )
        log_b_two = (
            common
            + log_hyp2f1(rsx, second, rsx + n + 1, gap / (largest + age))
            - rsx * np.log(largest + age)
        )
        log_b_three = np.full(np.broadcast(x, t).shape, -np.inf)
        # A sum over 0..n, the number of purchases asked about (not over customers).
        for i in range(n + 1):
            term = (
                common
                + gammaln(rsx + i)
                - gammaln(rsx)
                + i * log_t
                - gammaln(i + 1)
                + log_hyp2f1(rsx + i, second, rsx + n + 1, gap / (largest + age + t))
                - (rsx + i) * np.log(largest + age + t)
            )
            log_b_three = np.logaddexp(log_b_three, term)
        # Every term is divided by L; the factor Gamma(r + x) alpha^r beta^s / Gamma(r) of L
        # cancels against theirs, leaving log_l (the bracket) and the Gamma(r + x) above.
        positive = np.logaddexp(n * log_t - gammaln(n + 1) + log_b_one, log_b_two)
        value = np.exp(positive) * -np.expm1(np.minimum(log_b_three - positive, 0.0))
        probability = np.where(t > 0, value, float(n == 0))
        if n == 0:
            probability = probability + np.where(t > 0, 1 - expit(alive - died), 0.0)
        return np.clip(probability, 0.0, 1.0)
