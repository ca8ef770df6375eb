"""BG/NBD (Fader, Hardie and Lee 2005) and MBG/NBD (Batislam, Denizel and Filiztekin 2007).

While alive, a customer buys at a Poisson rate ``lambda ~ Gamma(r, alpha)``; after each repeat
purchase (BG/NBD), or also at the first purchase (MBG/NBD), they drop out for good with
probability ``p ~ Beta(a, b)``. The two differ by one shift in the dropout counts, written
``d`` below (0 for BG/NBD, 1 for MBG/NBD), so they share one implementation.

The expected purchases of a customer who is alive, with purchase rate ``Gamma(k, theta)`` and
dropout probability ``Beta(a, b')``, over the next ``t`` are (FHL 2005, eq. 10, with
``c = t / theta``)::

    A = E[(1 - (1 + p c)^-k) / p] = C / (a - 1) * [1 - 2F1(k, a - 1; C; -c)],  C = a + b' - 1

The closed form is evaluated after Euler's transformation, as a series close to 1
(lifetimes' ``2F1(r + x, b + x; a + b + x - 1; z)`` is huge for large frequencies and is
multiplied by a tiny power). It loses ``log10(C / (|a - 1| k c))`` digits to the subtraction,
which is harmless inside the parameter space but not at its edges: towards the no-dropout
(NBD) limit ``b -> inf`` or ``a -> 0``, where ``A -> k c``, and at ``a = 1``, where it is 0 / 0.
There the same quantity is summed as a series of positive terms (`purchases_if_alive`).
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from crm_analytics.clv._base import Sample, dot, log_add_exp
from crm_analytics.clv._collapse import COLLAPSE_ABOVE, evaluate_on_unique_rows, unique_rows
from crm_analytics.clv._transaction import TransactionFitter, horizon, shaped, whole_number
from crm_analytics.clv.generate_data import (
    beta_geometric_nbd_model,
    modified_beta_geometric_nbd_model,
)
from crm_analytics.clv.protocols import Prediction

__all__ = ["BetaGeoFitter", "ModifiedBetaGeoFitter"]


# Largest loss of precision (a factor on the rounding error) accepted from the closed form of
# the expected purchases; beyond it the series are summed instead.
_MAX_CANCELLATION = 1e3
# Relative size of the last term kept in a series.
_SERIES_TOLERANCE = 1e-17


def purchases_if_alive(k, c, a: float, b_post) -> np.ndarray:
    """``E[(1 - (1 + p c)^-k) / p]`` for ``p ~ Beta(a, b_post)``: purchases expected if alive.

    The BG/NBD expectation of a customer alive now, whose purchase rate is
    ``Gamma(k, theta)``, over the next ``c * theta`` time units (FHL 2005, eq. 10). Accurate
    to about 1e-12 relative in every parameter region: the closed form where it keeps its
    digits; otherwise one of two series of terms of one sign, in ``-c`` when ``C = a + b_post
    - 1`` is large against ``c k`` (the no-dropout limit, where ``A -> k c``), else in
    ``z = c / (1 + c)`` (see `_series_in_z`).

    Parameters
    ----------
    k, c : array-like
        Shape of the purchase rate and horizon over its rate (broadcast together).
    a : float
        First dropout parameter.
    b_post : array-like
        Second dropout parameter of the customer (``b + x + d``).

    Returns
    -------
    numpy.ndarray
        Broadcast shape of ``k``, ``c`` and ``b_post``.

    Examples
    --------
    With almost no dropout it tends to the NBD's ``k c``:

    >>> round(float(purchases_if_alive(0.7, 0.5, 1e-6, 1e9)), 12)
    0.35
    >>> round(float(purchases_if_alive(0.7, 0.5, 1.0, 2.0)), 12)  # a = 1: 0 / 0 in closed form
    0.309204149407
    """
    shape = np.broadcast_shapes(np.shape(k), np.shape(c), np.shape(b_post))
    k, c, b_post = (
        np.broadcast_to(np.asarray(v, dtype=np.float64), shape).ravel() for v in (k, c, b_post)
    )
    big_c = a + b_post - 1
    with np.errstate(all="ignore"):
        z = c / (1 + c)
        closed = (
            big_c
            / (a - 1)
            * (1 - np.exp((a - 1) * np.log1p(-z)) * hyp2f1(big_c - k, a - 1, big_c, z))
        )
        cancellation = np.abs(big_c) / (np.abs(a - 1) * k * c)
    result = np.where(c > 0, closed, 0.0)
    exact = (c > 0) & ((cancellation > _MAX_CANCELLATION) | ~np.isfinite(closed))
    if np.any(exact):
        k, c, b_post, big_c = k[exact], c[exact], b_post[exact], big_c[exact]
        # The series in -c converges within a few terms when C is large against c (k + 50).
        in_c = big_c > 100 * c * (k + 50)
        values = np.empty(len(k))
        values[in_c] = _series_in_c(k[in_c], c[in_c], a, big_c[in_c])
        values[~in_c] = _series_in_z(k[~in_c], c[~in_c], b_post[~in_c], big_c[~in_c])
        result[exact] = values
    return result.reshape(shape)


def _series_in_c(k, c, a: float, big_c) -> np.ndarray:
    """``k c sum_m (k + 1)_m (a)_m / ((C + 1)_m (m + 1)!) (-c)^m``, for ``C`` large against c k.

    The closed form with ``2F1(k, a - 1; C; -c) - 1`` expanded and ``a - 1`` cancelled. The
    ratio of successive terms is at most ``c (k + 1 + m) / (C + 1 + m)`` in size, below 1/100
    for the terms that matter when ``C > 100 c (k + 50)``.
    """
    total, term = np.ones_like(k), np.ones_like(k)
    for m in range(60):
        term = term * -c * (k + 1 + m) * (a + m) / ((big_c + 1 + m) * (m + 2))
        total += term
        if np.all(np.abs(term) <= _SERIES_TOLERANCE * np.abs(total)):
            break
    return k * c * total


def _series_in_z(k, c, b_post, big_c) -> np.ndarray:
    """``sum_n NB(n; k, z) F_n`` over ``n >= 1``: every term positive.

    Written with ``z = c / (1 + c)``, the closed form is ``C (1 - z)^k sum_n (k)_n z^n / n!
    E_n`` with ``E_n = ((b')_n / (C)_n - 1) / (1 - a)``, which has no cancellation in the form
    ``F_n = C E_n``: ``F_1 = 1``, ``F_(n+1) = F_n (b' + n) / (C + n) + C / (C + n)`` (``F_n``
    is ``n`` in the no-dropout limit, giving ``k z / (1 - z) = k c``). The weights are the
    negative binomial probabilities ``(k)_n z^n (1 - z)^k / n!``, kept as logarithms, and the
    sum stops past their mode once the terms are negligible.
    """
    z = c / (1 + c)
    log_weight = np.log(k) + np.log(z) + k * np.log1p(-z)
    factor = np.ones_like(k)
    total = np.zeros_like(k)
    mode = k * z / (1 - z)
    rows = np.arange(len(k))
    n = 1
    while len(rows):
        term = np.exp(log_weight) * factor
        total[rows] += term
        going = (n <= mode + 1) | (term > _SERIES_TOLERANCE * total[rows])
        if not going.all():
            rows, log_weight, factor, term = (
                rows[going],
                log_weight[going],
                factor[going],
                term[going],
            )
            k, z, b_post, big_c, mode = (
                k[going],
                z[going],
                b_post[going],
                big_c[going],
                mode[going],
            )
        factor = factor * (b_post + n) / (big_c + n) + big_c / (big_c + n)
        log_weight = log_weight + np.log((k + n) * z / (n + 1))
        n += 1
    return total


class BetaGeoFitter(TransactionFitter):
    """BG/NBD model of repeat purchases (Fader, Hardie and Lee 2005), a drop-in for lifetimes'.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        L2 penalty on the parameters (time parameters in units where the oldest customer
        has age 1), added to the mean negative log-likelihood as in lifetimes.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha`` (purchase rate ``Gamma(r, alpha)``, alpha in time units), ``a``,
        ``b`` (dropout probability ``Beta(a, b)``).
    log_likelihood_, AIC_, BIC_ : float
        Fit statistics (BIC with the number of customers).
    variance_matrix_, standard_errors_, confidence_intervals_ : pandas objects
        From the Hessian at the optimum; see `summary`.
    data : pandas.DataFrame
        The histories fitted on, with their weights.
    dropout_identified_ : bool
        Whether the data tell the dropout process apart from no dropout at all: False when
        the fit is no better than its no-dropout limit (likelihood-ratio test at 5%), where
        the history is too short to see customers leave and P(alive) carries no information
        (a `crm_analytics.clv.DropoutNotIdentifiedWarning` then says so, and ``summary`` adds
        a ``note`` column).
    diagnostics_ : dict
        Plain values for run metadata and model-health reports: ``dropout_identified``,
        ``log_likelihood``, ``log_likelihood_no_dropout`` and ``no_dropout_params`` (the limit
        fitted), ``likelihood_ratio``, ``p_value``, ``standard_errors_defined`` and a
        ``message`` in plain words.

    Examples
    --------
    >>> from crm_analytics.datasets import load_cdnow_summary
    >>> cdnow = load_cdnow_summary()
    >>> model = BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    >>> model.params_.round(3).to_dict()
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    >>> round(model.log_likelihood_, 1)
    -9582.4
    >>> model.conditional_probability_alive(cdnow).head(2).round(3).to_dict()
    {1: 0.727, 2: 0.212}
    """

    _param_names = ("r", "alpha", "a", "b")
    _time_params = ("alpha",)
    _dropout_params = ("a", "b")
    _generator = staticmethod(beta_geometric_nbd_model)
    # Shift of the dropout counts: MBG/NBD lets customers drop out at their first purchase.
    _shift = 0.0

    def _log_likelihood(
        self, params: np.ndarray, sample: Sample, gradient: bool
    ) -> tuple[float, np.ndarray | None]:
        r, alpha, a, b = params
        d = self._shift
        levels, level_weights = sample.frequency_levels, sample.level_weights
        # Terms depending on the frequency alone, once per distinct frequency.
        per_level = (
            gammaln(r + levels)
            - gammaln(r)
            + r * np.log(alpha)
            + gammaln(a + b)
            + gammaln(b + levels + d)
            - gammaln(b)
            - gammaln(a + b + levels + d)
        )
        # 'Alive at T' depends on (x, T) and 'dropped out after t_x' on (x, t_x): both are
        # computed once per distinct pair (a few thousand among a million customers).
        age_frequency, ages, age_codes = sample.paired("T")
        recency_frequency, recencies, recency_codes = sample.paired("recency")
        log_age = np.log(alpha + ages)
        log_recency = np.log(alpha + recencies)
        # Dropping out after the last purchase is possible only after a repeat purchase
        # (BG/NBD) or at any purchase (MBG/NBD).
        can_drop = (recency_frequency > 0) | (d > 0)
        dropout_count = np.where(can_drop, b + recency_frequency - 1 + d, 1.0)
        with np.errstate(divide="ignore"):
            log_odds = np.where(can_drop, np.log(a) - np.log(dropout_count), -np.inf)
        alive_pairs = -(r + age_frequency) * log_age
        dropped_pairs = log_odds - (r + recency_frequency) * log_recency
        alive, dropped = alive_pairs[age_codes], dropped_pairs[recency_codes]
        per_row = log_add_exp(alive, dropped)
        total = dot(level_weights, per_level) + dot(sample.weights, per_row)
        if not gradient:
            return total, None
        weighted_dropped = sample.weights * np.exp(dropped - per_row)
        alive_weight = np.bincount(
            age_codes, sample.weights - weighted_dropped, minlength=len(ages)
        )
        dropped_weight = np.bincount(recency_codes, weighted_dropped, minlength=len(recencies))
        psi_ab, psi_ab_x = digamma(a + b), digamma(a + b + levels + d)
        grad = np.array(
            [
                dot(level_weights, digamma(r + levels) - digamma(r) + np.log(alpha))
                - dot(alive_weight, log_age)
                - dot(dropped_weight, log_recency),
                level_weights.sum() * r / alpha
                - dot(alive_weight, (r + age_frequency) / (alpha + ages))
                - dot(dropped_weight, (r + recency_frequency) / (alpha + recencies)),
                dot(level_weights, psi_ab - psi_ab_x) + dropped_weight.sum() / a,
                dot(level_weights, psi_ab + digamma(b + levels + d) - digamma(b) - psi_ab_x)
                - dot(dropped_weight, np.where(can_drop, 1.0 / dropout_count, 0.0)),
            ]
        )
        return total, grad

    def _dropout_share(self, scaled_params: np.ndarray) -> float:
        _, _, a, b = scaled_params
        return float(a / (a + b))

    def _log_odds_dead(self, frequency, recency, T) -> np.ndarray:
        """log P(dead) - log P(alive) given the history (-inf where dropout is impossible)."""
        r, alpha, a, b = self._unload_params("r", "alpha", "a", "b")
        d = self._shift
        can_drop = (frequency > 0) | (d > 0)
        dropout_count = np.where(can_drop, b + frequency - 1 + d, 1.0)
        with np.errstate(divide="ignore"):
            return np.where(
                can_drop,
                np.log(a)
                - np.log(dropout_count)
                + (r + frequency) * (np.log(alpha + T) - np.log(alpha + recency)),
                -np.inf,
            )

    def _probability_alive(self, frequency, recency, T) -> np.ndarray:
        return expit(-self._log_odds_dead(frequency, recency, T))

    def _conditional_expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        return self._probability_alive(frequency, recency, T) * self._purchases_if_alive(
            t, frequency, T
        )

    def _purchases_if_alive(self, t, frequency, T) -> np.ndarray:
        """Expected purchases in ``t`` of a customer alive at ``T`` after ``x`` repeat purchases.

        Depends on (t, x, T) only: evaluated once per distinct (x, T) for many customers (a few
        thousand among a million customers' whole-day histories). Horizons shared by every
        customer (a scalar, or a row of them against a column of histories) are crossed with
        the distinct histories; per-customer horizons join the histories in the collapse.
        """
        x, age = np.broadcast_arrays(frequency, T)
        if x.size <= COLLAPSE_ABOVE:
            return self._alive_expectation(t, x, age)
        t = np.asarray(t, dtype=np.float64)
        shared = t.ndim == 0 or (x.ndim == 2 and x.shape[1] == 1 and t.shape == (1, t.size))
        if not shared:
            shape = np.broadcast_shapes(t.shape, x.shape)
            flat = [np.broadcast_to(values, shape).ravel() for values in (t, x, age)]
            return evaluate_on_unique_rows(self._alive_expectation, *flat).reshape(shape)
        (x_distinct, age_distinct), inverse = unique_rows(x.ravel(), age.ravel())
        if t.ndim == 0:
            return self._alive_expectation(t, x_distinct, age_distinct)[inverse].reshape(x.shape)
        return self._alive_expectation(t, x_distinct[:, np.newaxis], age_distinct[:, np.newaxis])[
            inverse
        ]

    def _alive_expectation(self, t, frequency, T) -> np.ndarray:
        """`purchases_if_alive` with the posterior of a customer alive at ``T``.

        The purchase rate is then ``Gamma(r + x, alpha + T)`` and the dropout probability
        ``Beta(a, b + x + d)``.
        """
        r, alpha, a, b = self._unload_params("r", "alpha", "a", "b")
        return purchases_if_alive(r + frequency, t / (alpha + T), a, b + frequency + self._shift)

    def _expected_purchases(self, t) -> np.ndarray:
        r, alpha, a, b = self._unload_params("r", "alpha", "a", "b")
        if not self._shift:
            return purchases_if_alive(r, t / alpha, a, b)
        # A new MBG/NBD customer survives the first purchase with probability b / (a + b),
        # and then has dropout probability Beta(a, b + 1).
        return b / (a + b) * purchases_if_alive(r, t / alpha, a, b + 1)

    def probability_of_n_purchases_up_to_time(self, t: object, n: object) -> Prediction:
        """Probability that a new customer makes exactly ``n`` repeat purchases in ``t``.

        ``P(X(t) = n)`` (FHL 2005, eq. 8), vectorised over ``t`` and ``n`` (broadcast).

        Returns
        -------
        numpy.ndarray or float
            Shaped like ``t`` and ``n`` broadcast.
        """
        r, alpha, a, b = self._unload_params("r", "alpha", "a", "b")
        d = self._shift
        t = horizon(t)
        n = whole_number(n, "n")
        success = alpha / (alpha + t)
        still = np.exp(betaln(a, b + n + d) - betaln(a, b)) * stats.nbinom.pmf(n, r, success)
        can_drop = n - 1 + d >= 0
        shift = np.where(can_drop, n - 1 + d, 0.0)
        dropped = np.where(
            can_drop,
            np.exp(betaln(a + 1, b + shift) - betaln(a, b)) * stats.nbinom.sf(n - 1, r, success),
            0.0,
        )
        return shaped(still + dropped, None, "probability")


class ModifiedBetaGeoFitter(BetaGeoFitter):
    """MBG/NBD model (Batislam et al. 2007), a drop-in for lifetimes' ModifiedBetaGeoFitter.

    As BG/NBD, except that customers may also drop out right after their first purchase, so
    customers without repeat purchases are not certainly alive.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        L2 penalty on the parameters, as in `BetaGeoFitter`.

    Examples
    --------
    >>> from crm_analytics.datasets import load_cdnow_summary
    >>> cdnow = load_cdnow_summary()
    >>> model = ModifiedBetaGeoFitter().fit(cdnow)
    >>> model.params_.round(3).to_dict()
    {'r': 0.525, 'alpha': 6.183, 'a': 0.891, 'b': 1.614}
    """

    _shift = 1.0
    _generator = staticmethod(modified_beta_geometric_nbd_model)
