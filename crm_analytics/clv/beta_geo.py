"""BG/NBD (Fader, Hardie and Lee 2005) and MBG/NBD (Batislam, Denizel and Filiztekin 2007).

While alive, a customer buys at a Poisson rate ``lambda ~ Gamma(r, alpha)``; after each repeat
purchase (BG/NBD), or also at the first purchase (MBG/NBD), they drop out for good with
probability ``p ~ Beta(a, b)``. The two differ by one shift in the dropout counts, written
``d`` below (0 for BG/NBD, 1 for MBG/NBD), so they share one implementation.

Hypergeometric terms are evaluated after Euler's transformation,
``2F1(A, B; C; z) (1 - z)^(A + B - C) = 2F1(C - A, C - B; C; z)``, which turns lifetimes'
``2F1(r + x, b + x; a + b + x - 1; z)`` (huge for large frequencies, multiplied by a tiny
power) into ``2F1(a + b - 1 - r, a - 1; a + b + x - 1; z)``, a series close to 1.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from crm_analytics.clv._base import Sample, dot, log_add_exp
from crm_analytics.clv._collapse import COLLAPSE_ABOVE, evaluate_on_unique_rows, unique_rows
from crm_analytics.clv._transaction import TransactionFitter, horizon, shaped, whole_number

__all__ = ["BetaGeoFitter", "ModifiedBetaGeoFitter"]


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

    Examples
    --------
    >>> from lifetimes.datasets import load_cdnow_summary
    >>> cdnow = load_cdnow_summary(index_col=[0])
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
        _, _, a, b = self._unload_params("r", "alpha", "a", "b")
        last = a + b + frequency - 1 + self._shift
        remaining = self._remaining_share_by_history(t, frequency, T)
        return self._probability_alive(frequency, recency, T) * last / (a - 1) * (1 - remaining)

    def _remaining_share_by_history(self, t, frequency, T) -> np.ndarray:
        """`_remaining_share`, evaluated once per distinct (frequency, T) for many customers.

        The hypergeometric term depends on (t, x, T) only: a few thousand distinct (x, T)
        among a million customers' whole-day histories. Horizons shared by every customer (a
        scalar, or a row of them against a column of histories) are crossed with the distinct
        histories; per-customer horizons join the histories in the collapse.
        """
        x, age = np.broadcast_arrays(frequency, T)
        if x.size <= COLLAPSE_ABOVE:
            return self._remaining_share(t, x, age)
        t = np.asarray(t, dtype=np.float64)
        shared = t.ndim == 0 or (x.ndim == 2 and x.shape[1] == 1 and t.shape == (1, t.size))
        if not shared:
            shape = np.broadcast_shapes(t.shape, x.shape)
            flat = [np.broadcast_to(values, shape).ravel() for values in (t, x, age)]
            return evaluate_on_unique_rows(self._remaining_share, *flat).reshape(shape)
        (x_distinct, age_distinct), inverse = unique_rows(x.ravel(), age.ravel())
        if t.ndim == 0:
            return self._remaining_share(t, x_distinct, age_distinct)[inverse].reshape(x.shape)
        return self._remaining_share(t, x_distinct[:, np.newaxis], age_distinct[:, np.newaxis])[
            inverse
        ]

    def _remaining_share(self, t, frequency, T) -> np.ndarray:
        """``(1 - z)^(a - 1) 2F1(a + b - 1 + d - r, a - 1; a + b + x - 1 + d; z)``, Euler form."""
        r, alpha, a, b = self._unload_params("r", "alpha", "a", "b")
        d = self._shift
        z = t / (alpha + T + t)
        return np.exp((a - 1) * np.log1p(-z)) * hyp2f1(
            a + b - 1 + d - r, a - 1, a + b + frequency - 1 + d, z
        )

    def _expected_purchases(self, t) -> np.ndarray:
        r, alpha, a, b = self._unload_params("r", "alpha", "a", "b")
        d = self._shift
        z = t / (alpha + t)
        remaining = np.exp((a - 1) * np.log1p(-z)) * hyp2f1(
            a + b - 1 + d - r, a - 1, a + b - 1 + d, z
        )
        return (b if d else a + b - 1) / (a - 1) * (1 - remaining)

    def probability_of_n_purchases_up_to_time(self, t: object, n: object):
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
    >>> from lifetimes.datasets import load_cdnow_summary
    >>> cdnow = load_cdnow_summary(index_col=[0])
    >>> model = ModifiedBetaGeoFitter().fit(cdnow)
    >>> model.params_.round(3).to_dict()
    {'r': 0.525, 'alpha': 6.183, 'a': 0.891, 'b': 1.614}
    """

    _shift = 1.0
