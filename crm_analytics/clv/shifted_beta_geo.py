"""Contract duration models: shifted-beta-geometric (sBG) and beta-discrete-Weibull (BdW).

In a contractual setting (subscriptions, memberships, insurance) a customer pays for a first
period and, at the end of each period, renews or leaves for good; leaving is observed. The sBG
model (Fader and Hardie 2007, "How to Project Customer Retention", Journal of Interactive
Marketing 21 (1)) gives each customer a constant churn probability ``theta`` at every renewal,
with ``theta ~ Beta(alpha, beta)`` across customers; the cohort's retention rate still rises
with tenure because the customers most likely to leave leave first. The BdW model (Fader,
Hardie, Liu, Davin and Steenburgh 2018, "'How to Project Customer Retention' Revisited: The
Role of Duration Dependence", Journal of Interactive Marketing 43) lets each customer's own
churn probability change with tenure: ``P(T > t | theta) = (1 - theta) ** (t ** c)``, falling
(c > 1) or rising (c < 1) duration dependence; c = 1 is the sBG.

With ``T`` the number of periods a customer pays for (one who leaves at the first renewal has
``T = 1``), the survivor function is ``S(t) = P(T > t) = B(alpha, beta + t ** c) / B(alpha,
beta)``. Customers are described by their **tenure**, the number of renewal points they have
reached: a customer who left has ``T = tenure``, one who is still active renewed at each of
them, so ``T > tenure`` (right-censored). That is the ``(duration, event)`` pair of survival
analysis, the IBM Telco ``(tenure, Churn)`` pair, and what a cohort's survivor counts give:
``survivors[t] - survivors[t + 1]`` customers with tenure ``t + 1`` who left, and the last
count active with tenure ``len(survivors) - 1``.

Values of residual lifetime follow Fader and Hardie (2010), "Customer-Base Valuation in a
Contractual Setting: The Perils of Ignoring Heterogeneity", Marketing Science 29 (1): for an
active customer who has renewed ``n`` times, valued just before the next renewal decision,
``DERL(d | n) = sum_{j >= 1} S(n + j) / S(n) / (1 + d) ** (j - 1)`` is the discounted expected
number of further payments (the next one, if it comes, undiscounted), and the expected
residual lifetime value is ``margin * DERL``.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import integrate
from scipy.special import digamma, gammaln

from crm_analytics._checks import check_discount_rate
from crm_analytics.clv._base import BaseFitter, Sample, dot
from crm_analytics.clv._checks import check_fitted, shared_index, to_float
from crm_analytics.clv._transaction import shaped, whole_number
from crm_analytics.exceptions import ConvergenceError, DataValidationError

__all__ = ["BetaDiscreteWeibullFitter", "ShiftedBetaGeoFitter"]

HISTORY = ("tenure", "churned")
_REMEDY = (
    "give one row per customer with tenure = the renewal points reached (a customer who left "
    "at the first renewal has tenure 1, an active customer who renewed 3 times has tenure 3) "
    "and churned = 1 (or True) if they have left, 0 if still active; or fit on a cohort's "
    "survivor counts with survivors=[1000, 631, 468, ...]"
)
_CHECKS = {"integer": list(HISTORY), "zero_when_no_repeat": None}
# Terms of a residual sum evaluated at once (renewal counts x periods ahead).
_BLOCK_CELLS = 2**20
# Relative error left in a discounted residual sum cut after finitely many periods.
_TAIL = 1e-13
# Undiscounted residual sums of the BdW model add this many periods term by term, then the
# rest as an integral (midpoint rule: the terms vary slowly by then).
_EXACT_TERMS = 20_000
_MAX_TERMS = 50_000_000


class _RetentionFitter(BaseFitter):
    """Fit, checks and predictions shared by the contract duration models.

    Subclasses set ``_param_names`` and ``_min_renewals`` and implement ``_log_survival``
    (``log S(t)`` for a float array of periods), ``_log_likelihood`` and ``_initial_params``.
    """

    _min_renewals = 2

    def fit(
        self,
        tenure: object = None,
        churned: object = None,
        weights: object = None,
        *,
        survivors: object = None,
        initial_params: object = None,
        verbose: bool = False,
        tol: float = 1e-8,
        index: object = None,
        **kwargs: object,
    ) -> _RetentionFitter:
        """Fit the model by maximum likelihood, to customers or to cohort survivor counts.

        Parameters
        ----------
        tenure : array-like, pandas.Series or pandas.DataFrame, optional
            Renewal points each customer has reached (whole numbers), or a DataFrame with
            columns ``tenure`` and ``churned`` (its index is kept).
        churned : array-like of bool or 0/1, optional
            Whether the customer has left (True) or is still active (False: right-censored).
        weights : array-like, optional
            Number of customers with each (tenure, churned).
        survivors : sequence, mapping or sequence of sequences, optional
            Instead of customers: a cohort's active counts at acquisition and after each
            renewal (``[1000, 631, 468, ...]``), or several cohorts of different ages as a
            list of such lists or a dict of cohort name to list. Counts give the right
            standard errors; shares (``[1.0, 0.631, ...]``) give the same parameters.
        initial_params : array-like, optional
            Starting values of the parameters, in the order of ``params_``.
        verbose : bool, default False
            Log the optimiser's outcome at INFO level.
        tol : float, default 1e-8
            Gradient tolerance of the optimiser (BFGS on the log-parameters).
        index : array-like, optional
            Customer labels of the rows, for ``data``.
        **kwargs
            Options passed to `scipy.optimize.minimize`.

        Returns
        -------
        self

        Raises
        ------
        DataValidationError
            If the customers or counts cannot be used (missing, negative or fractional tenure,
            a churn flag that is not a yes/no, a churned customer with tenure 0, survivor
            counts that rise), naming the rows.
        ConvergenceError
            If nobody left, or the data span too few renewals to identify the model.
        """
        if survivors is not None:
            given = [
                name
                for name, value in (("tenure", tenure), ("churned", churned), ("weights", weights))
                if value is not None
            ]
            if given:
                raise DataValidationError(
                    f"pass either survivors= or customers (tenure, churned), not both (got "
                    f"survivors and {', '.join(given)})"
                )
            tenure, churned, weights, self.cohorts_ = _survivor_rows(survivors)
        else:
            if tenure is None:
                raise DataValidationError(
                    f"nothing to fit: pass tenure and churned, or survivors=; {_REMEDY}"
                )
            tenure, churned = _with_numeric_flag(tenure, churned)
            self.cohorts_ = None
        self._fit_histories(
            [tenure, churned],
            HISTORY,
            weights,
            index=index,
            checks=_CHECKS,
            remedy=_REMEDY,
            initial_params=initial_params,
            tol=tol,
            options=kwargs,
            verbose=verbose,
        )
        return self

    def _check_model_inputs(self, columns: dict[str, np.ndarray], index: pd.Index | None) -> None:
        """Churn flags are 0 or 1, and a customer who left paid for at least one period."""
        tenure, churned = columns["tenure"], columns["churned"]
        for bad, problem in (
            (~np.isin(churned, (0.0, 1.0)), "a churned value other than 0/1 or True/False"),
            ((churned == 1) & (tenure < 1), "churned with tenure 0 (a customer who left paid "
             "for at least one period: tenure >= 1)"),
        ):  # fmt: skip
            if bad.any():
                labels = np.flatnonzero(bad)[:3] if index is None else index[bad][:3]
                raise DataValidationError(
                    f"{int(bad.sum())} row(s) have {problem} (e.g. "
                    f"{', '.join(map(str, labels))}); {_REMEDY}"
                )

    def _check_identifiable(self, sample: Sample) -> None:
        tenure, churned = sample.columns["tenure"], sample.columns["churned"]
        counted = sample.weights > 0
        if not np.any(counted & (churned == 1)):
            raise ConvergenceError(
                f"{type(self).__name__} cannot be fitted: nobody left (every customer is "
                "active), so churn cannot be estimated; use a longer observation window"
            )
        reached = int(tenure[counted].max())
        if reached < self._min_renewals:
            raise ConvergenceError(
                f"{type(self).__name__} cannot be fitted: the customers span {reached} renewal "
                f"point(s), and its {len(self._param_names)} parameters need at least "
                f"{self._min_renewals} (one retention rate per parameter); use a longer "
                "observation window"
            )

    def _log_survival(self, params: np.ndarray, t: np.ndarray) -> np.ndarray:
        """``log S(t)`` at the periods ``t`` (float array, >= 0)."""
        raise NotImplementedError

    def _log_params(self) -> np.ndarray:
        check_fitted(self)
        return self.params_[list(self._param_names)].to_numpy(dtype=np.float64)

    def _infinite_mean(self, params: np.ndarray) -> bool:
        """Whether ``sum_t S(t)`` diverges: ``S(t)`` falls like ``t ** -(alpha * c)``."""
        alpha = params[0]
        c = params[2] if len(params) > 2 else 1.0
        return bool(alpha * c <= 1.0)

    # Predictions -----------------------------------------------------------------------

    def survival_function(self, t: object) -> object:
        """Probability that a new customer is still active after ``t`` renewals, ``S(t)``.

        Parameters
        ----------
        t : int or array-like of int
            Renewal points (0 gives 1).

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            A Series when ``t`` is one (same index).
        """
        periods, index = _periods(t, "t")
        values = np.exp(self._log_survival(self._log_params(), periods))
        return shaped(values, index, "survival")

    def retention_rate(self, t: object) -> object:
        """Share of the customers active in period ``t`` who renew for period ``t + 1``.

        ``r(t) = S(t) / S(t - 1)``, for ``t >= 1``: the cohort's renewal rate at its ``t``-th
        renewal point (Fader and Hardie 2007, eq. 8 for the sBG).

        Parameters
        ----------
        t : int or array-like of int
            Renewal points, from 1.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
        """
        periods, index = _periods(t, "t", minimum=1)
        params = self._log_params()
        values = np.exp(
            self._log_survival(params, periods) - self._log_survival(params, periods - 1)
        )
        return shaped(values, index, "retention_rate")

    def conditional_survival(self, horizon: object, renewals: object) -> object:
        """Probability that an active customer who renewed ``renewals`` times is still active
        after ``horizon`` more renewal points: ``S(renewals + horizon) / S(renewals)``.

        Parameters
        ----------
        horizon : int or array-like of int
            Renewal points ahead (0 gives 1).
        renewals : int or array-like of int
            Renewals the customer has made (an active customer's tenure). Broadcast with
            ``horizon``.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            A Series on the index of ``renewals`` (or ``horizon``) when one is a Series.
        """
        (ahead, reached), index = _aligned({"horizon": horizon, "renewals": renewals})
        params = self._log_params()
        values = np.exp(
            self._log_survival(params, reached + ahead) - self._log_survival(params, reached)
        )
        return shaped(values, index, "conditional_survival")

    def survivor_curve(self, n_periods: int) -> pd.Series:
        """``S(t)`` for ``t = 0, ..., n_periods``: the share of a new cohort still active.

        Returns
        -------
        pandas.Series
            ``survival`` indexed by ``period``.
        """
        periods = np.arange(_count(n_periods, "n_periods", minimum=0) + 1, dtype=np.float64)
        values = np.exp(self._log_survival(self._log_params(), periods))
        return pd.Series(
            values, index=pd.Index(periods.astype(int), name="period"), name="survival"
        )

    def retention_curve(self, n_periods: int) -> pd.Series:
        """Retention rates ``r(t)`` for ``t = 1, ..., n_periods``.

        Returns
        -------
        pandas.Series
            ``retention_rate`` indexed by ``period``.
        """
        curve = self.survivor_curve(n_periods)
        rates = curve.to_numpy()[1:] / curve.to_numpy()[:-1]
        return pd.Series(rates, index=curve.index[1:], name="retention_rate")

    def cohort_projection(
        self, horizon: int, *, cohorts: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """Expected active customers and retention rates of each cohort, and of all together,
        for each of the next ``horizon`` periods.

        A cohort with ``active`` customers who have each renewed ``renewals`` times keeps
        ``active * S(renewals + k) / S(renewals)`` of them ``k`` periods ahead.

        Parameters
        ----------
        horizon : int
            Periods to project.
        cohorts : pandas.DataFrame, optional
            One row per cohort (index: its name) with columns ``active`` and ``renewals``.
            Default: the cohorts the model was fitted on with ``survivors=`` (``cohorts_``).

        Returns
        -------
        pandas.DataFrame
            Indexed by (``cohort``, ``period``), ``period`` = 1 .. ``horizon`` periods ahead,
            with ``expected_active`` and ``retention_rate`` (the share of the previous
            period's expected actives); cohort ``"total"`` adds all cohorts up.
        """
        steps = _count(horizon, "horizon")
        if cohorts is None:
            cohorts = getattr(self, "cohorts_", None)
            if cohorts is None:
                raise DataValidationError(
                    "no cohorts to project: the model was not fitted on survivors=; pass "
                    "cohorts=pd.DataFrame({'active': [...], 'renewals': [...]}, index=[names])"
                )
        table = _check_cohorts(cohorts)
        params = self._log_params()
        reached = table["renewals"].to_numpy(dtype=np.float64)[:, None]
        ahead = np.arange(steps + 1, dtype=np.float64)[None, :]
        share = np.exp(
            self._log_survival(params, reached + ahead) - self._log_survival(params, reached)
        )
        active = table["active"].to_numpy(dtype=np.float64)[:, None] * share
        names = [*table.index, "total"]
        active = np.vstack([active, active.sum(axis=0, keepdims=True)])
        with np.errstate(divide="ignore", invalid="ignore"):
            retention = np.where(active[:, :-1] > 0, active[:, 1:] / active[:, :-1], 0.0)
        index = pd.MultiIndex.from_product(
            [pd.Index(names, name="cohort"), pd.RangeIndex(1, steps + 1, name="period")]
        )
        return pd.DataFrame(
            {"expected_active": active[:, 1:].reshape(-1), "retention_rate": retention.reshape(-1)},
            index=index,
        )

    def expected_remaining_lifetime(
        self, renewals: object, *, max_periods: int | None = None
    ) -> object:
        """Expected number of further periods an active customer will pay for.

        ``sum_{j >= 1} S(n + j) / S(n)`` for a customer who renewed ``n`` times (the current
        period, already paid, not counted). Infinite when the mean lifetime is (sBG: ``alpha
        <= 1``; BdW: ``alpha * c <= 1``), as in the regular and high-end segments of Fader
        and Hardie (2007): pass ``max_periods``, or value with a discount rate (`DERL`).

        Parameters
        ----------
        renewals : int or array-like of int
            Renewals the customer has made.
        max_periods : int, optional
            Count at most this many further periods.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
        """
        return self._residual(renewals, 0.0, max_periods, "expected_remaining_lifetime")

    def discounted_expected_residual_lifetime(
        self, renewals: object, *, discount_rate: float, max_periods: int | None = None
    ) -> object:
        """DERL: discounted expected number of further payments of an active customer.

        Fader and Hardie (2010), eq. 6: ``DERL(d | n) = sum_{j >= 1} S(n + j) / S(n) / (1 +
        d) ** (j - 1)`` for a customer who renewed ``n`` times, valued just before the next
        renewal decision (the next payment, if it comes, is not discounted). For the sBG this
        is ``(beta + n) / (alpha + beta + n) * 2F1(1, beta + n + 1; alpha + beta + n + 1;
        1 / (1 + d))``; it is computed by summing the terms until what is left is below
        1e-13 of the total.

        Parameters
        ----------
        renewals : int or array-like of int
            Renewals the customer has made (an active customer's tenure).
        discount_rate : float
            Discount rate per renewal period (0.1 for 10% a year on yearly contracts).
        max_periods : int, optional
            Count at most this many further periods.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
        """
        rate = check_discount_rate(discount_rate, per="per-period")
        return self._residual(renewals, rate, max_periods, "derl")

    def residual_lifetime_value(
        self,
        renewals: object,
        *,
        margin: object,
        discount_rate: float,
        max_periods: int | None = None,
    ) -> object:
        """Expected residual lifetime value of an active customer: ``margin * DERL``.

        Fader and Hardie (2010): the contractual CLV of a customer who renewed ``renewals``
        times, valued just before the next renewal decision.

        Parameters
        ----------
        renewals : int or array-like of int
            Renewals the customer has made.
        margin : float or array-like
            Margin (or revenue) per period, one number or one per customer.
        discount_rate : float
            Discount rate per renewal period.
        max_periods : int, optional
            Count at most this many further periods.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
        """
        derl = self.discounted_expected_residual_lifetime(
            renewals, discount_rate=discount_rate, max_periods=max_periods
        )
        index = derl.index if isinstance(derl, pd.Series) else None
        per_period = _margin(margin, np.shape(np.asarray(derl)), index)
        values = np.asarray(derl, dtype=np.float64) * per_period
        return shaped(values, index, "residual_lifetime_value")

    def _residual(self, renewals: object, rate: float, max_periods: object, name: str) -> object:
        reached, index = _periods(renewals, "renewals")
        cap = None if max_periods is None else _count(max_periods, "max_periods")
        params = self._log_params()
        levels, codes = np.unique(reached, return_inverse=True)
        values = self._residual_sum(params, levels, rate, cap)[codes].reshape(reached.shape)
        if np.isinf(values).any():
            warnings.warn(
                f"{type(self).__name__}: the expected lifetime is infinite (alpha = "
                f"{params[0]:.3g}: some customers almost never leave); pass max_periods= or "
                "value with a discount rate",
                UserWarning,
                stacklevel=3,
            )
        return shaped(values, index, name)

    def _residual_sum(
        self, params: np.ndarray, reached: np.ndarray, rate: float, cap: int | None
    ) -> np.ndarray:
        """``sum_{j=1..cap} S(n + j) / S(n) / (1 + rate) ** (j - 1)`` per distinct ``n``."""
        if cap is None and rate == 0.0:
            if self._infinite_mean(params):
                return np.full(len(reached), np.inf)
            return self._undiscounted_tail_sum(params, reached)
        if cap is None:
            # Terms are at most (1 + rate) ** -(j - 1): cut where what is left is negligible.
            cap = int(np.ceil((np.log((1 + rate) / rate) - np.log(_TAIL)) / np.log1p(rate)))
            if cap * len(reached) > _MAX_TERMS:
                raise DataValidationError(
                    f"discount_rate={rate!r} is so small that the residual sum needs {cap} "
                    "periods per customer; pass max_periods= or a larger discount rate"
                )
        return self._finite_sum(params, reached, rate, cap)

    def _finite_sum(
        self, params: np.ndarray, reached: np.ndarray, rate: float, cap: int
    ) -> np.ndarray:
        total = np.zeros(len(reached))
        base = self._log_survival(params, reached)
        step = max(1, _BLOCK_CELLS // max(1, len(reached)))
        for start in range(1, cap + 1, step):
            ahead = np.arange(start, min(cap, start + step - 1) + 1, dtype=np.float64)
            log_terms = (
                self._log_survival(params, reached[:, None] + ahead[None, :])
                - base[:, None]
                - (ahead - 1)[None, :] * np.log1p(rate)
            )
            total += np.exp(log_terms).sum(axis=1)
        return total

    def _undiscounted_tail_sum(self, params: np.ndarray, reached: np.ndarray) -> np.ndarray:
        exact = self._finite_sum(params, reached, 0.0, _EXACT_TERMS)
        tails = np.empty(len(reached))

        def integrand(u: float, base: float) -> float:
            with np.errstate(over="ignore", invalid="ignore"):
                value = np.exp(self._log_survival(params, np.exp([u]))[0] - base + u)
            # Far out, t = exp(u) overflows where the integrand has long vanished.
            return float(value) if np.isfinite(value) else 0.0

        for position, start in enumerate(reached):
            base = self._log_survival(params, np.array([start]))[0]
            # In u = log t the tail, which falls like t ** -(alpha c), decays exponentially
            # (rate alpha c - 1), which quadrature over an infinite range handles well.
            tails[position], _ = integrate.quad(
                integrand,
                np.log(start + _EXACT_TERMS + 0.5),
                np.inf,
                args=(base,),
                epsabs=0.0,
                epsrel=1e-10,
                limit=200,
            )
        return exact + tails


class ShiftedBetaGeoFitter(_RetentionFitter):
    """Shifted-beta-geometric model of contract duration (Fader and Hardie 2007).

    Each customer leaves at each renewal with a constant probability ``theta ~ Beta(alpha,
    beta)``; ``S(t) = B(alpha, beta + t) / B(alpha, beta)`` and the cohort's retention rate
    ``r(t) = (beta + t - 1) / (alpha + beta + t - 1)`` rises with tenure. Fitted by maximum
    likelihood on the distinct (tenure, churned) pairs with their counts, over the
    log-parameters with the analytic gradient.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        L2 penalty ``penalizer_coef * sum(params ** 2)`` added to the mean negative
        log-likelihood.

    Attributes
    ----------
    params_ : pandas.Series
        ``alpha`` and ``beta``.
    log_likelihood_, AIC_, BIC_ : float
        Fit statistics.
    variance_matrix_, standard_errors_, confidence_intervals_ : pandas objects
        From the Hessian at the optimum; see `summary`.
    cohorts_ : pandas.DataFrame or None
        When fitted on ``survivors=``: per cohort, its ``size`` at acquisition, the
        ``renewals`` its survivors have made and how many are ``active``.
    data : pandas.DataFrame
        The rows fitted on (``tenure``, ``churned``, ``weights``).

    Examples
    --------
    The "high end" segment of Fader and Hardie (2007), Table 1, fitted on its first 7 years
    (`crm_analytics.datasets.load_retention_segments`):

    >>> survivors = [1000, 869, 743, 653, 593, 551, 517, 491]
    >>> model = ShiftedBetaGeoFitter().fit(survivors=survivors)
    >>> model.params_.round(3).to_dict()
    {'alpha': 0.668, 'beta': 3.806}
    >>> (100 * model.survivor_curve(12).iloc[8:]).round(1).tolist()
    [46.0, 43.6, 41.4, 39.5, 37.8]
    >>> round(model.discounted_expected_residual_lifetime(7, discount_rate=0.1), 3)
    7.53
    """

    _param_names = ("alpha", "beta")

    def _initial_params(self, sample: Sample) -> np.ndarray:
        return np.ones(2)

    def _log_survival(self, params: np.ndarray, t: np.ndarray) -> np.ndarray:
        alpha, beta = params[:2]
        return log_beta_ratio(alpha, beta, t)

    def _log_likelihood(
        self, params: np.ndarray, sample: Sample, gradient: bool
    ) -> tuple[float, np.ndarray | None]:
        alpha, beta = params
        tenure, churned = sample.columns["tenure"], sample.columns["churned"] == 1
        weights = sample.weights
        # Still active after t: S(t). Left at renewal t: S(t - 1) alpha / (alpha + beta + t - 1).
        reached = np.where(churned, tenure - 1, tenure)
        at_risk = alpha + beta + reached
        log_terms = log_beta_ratio(alpha, beta, reached)
        log_terms = log_terms + np.where(churned, np.log(alpha) - np.log(at_risk), 0.0)
        total = dot(weights, log_terms)
        if not gradient:
            return total, None
        d_alpha, d_beta = log_beta_ratio_gradient(alpha, beta, reached)
        left = weights * churned
        grad = np.array(
            [
                dot(weights, d_alpha) + left.sum() / alpha - dot(left, 1.0 / at_risk),
                dot(weights, d_beta) - dot(left, 1.0 / at_risk),
            ]
        )
        return total, grad

    def _residual_sum(
        self, params: np.ndarray, reached: np.ndarray, rate: float, cap: int | None
    ) -> np.ndarray:
        if cap is not None or rate > 0.0:
            # The closed form of DERL, a 2F1 near z = 1, loses up to 1e-6 in scipy's hyp2f1
            # for long tenures; the sum of its terms is exact to 1e-13.
            return super()._residual_sum(params, reached, rate, cap)
        alpha, beta = params
        if alpha <= 1.0:
            return np.full(len(reached), np.inf)
        # E[(1 - theta) / theta] under the posterior Beta(alpha, beta + n).
        return (beta + reached) / (alpha - 1.0)


class BetaDiscreteWeibullFitter(_RetentionFitter):
    """Beta-discrete-Weibull model of contract duration (Fader, Hardie, Liu, Davin and
    Steenburgh 2018).

    A customer with churn parameter ``theta ~ Beta(alpha, beta)`` is still active after ``t``
    renewals with probability ``(1 - theta) ** (t ** c)``; so ``S(t) = B(alpha, beta + t **
    c) / B(alpha, beta)``. ``c < 1``: each customer's churn probability falls with tenure
    (the commitment grows); ``c > 1``: it rises (the contract wears out); ``c = 1`` is the
    sBG (`ShiftedBetaGeoFitter`). Fitted like the sBG, with the analytic gradient.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        L2 penalty ``penalizer_coef * sum(params ** 2)`` added to the mean negative
        log-likelihood.

    Attributes
    ----------
    params_ : pandas.Series
        ``alpha``, ``beta`` and ``c``.
    log_likelihood_, AIC_, BIC_, variance_matrix_, standard_errors_, confidence_intervals_
        As for `ShiftedBetaGeoFitter`.
    cohorts_ : pandas.DataFrame or None
        As for `ShiftedBetaGeoFitter`.
    data : pandas.DataFrame
        The rows fitted on.

    Examples
    --------
    >>> survivors = [1000, 869, 743, 653, 593, 551, 517, 491]
    >>> model = BetaDiscreteWeibullFitter().fit(survivors=survivors)
    >>> model.params_.round(2).to_dict()
    {'alpha': 0.21, 'beta': 1.43, 'c': 1.72}
    >>> bool(model.log_likelihood_ > ShiftedBetaGeoFitter().fit(survivors=survivors).log_likelihood_)
    True
    """

    _param_names = ("alpha", "beta", "c")
    _min_renewals = 3

    def _initial_params(self, sample: Sample) -> np.ndarray:
        return np.ones(3)

    def _log_survival(self, params: np.ndarray, t: np.ndarray) -> np.ndarray:
        alpha, beta, c = params
        return log_beta_ratio(alpha, beta, np.power(t, c))

    def _log_likelihood(
        self, params: np.ndarray, sample: Sample, gradient: bool
    ) -> tuple[float, np.ndarray | None]:
        alpha, beta, c = params
        tenure, churned = sample.columns["tenure"], sample.columns["churned"] == 1
        weights = sample.weights
        now, now_grad = self._log_survival_and_gradient(params, tenure)
        before, before_grad = self._log_survival_and_gradient(params, np.maximum(tenure - 1, 0))
        # Left at renewal t: S(t - 1) - S(t) = S(t - 1) (1 - exp(log S(t) - log S(t - 1))).
        step = np.where(churned, now - before, -1.0)
        with np.errstate(divide="ignore"):
            log_drop = np.log(-np.expm1(step))
        log_terms = np.where(churned, before + log_drop, now)
        total = dot(weights, log_terms)
        if not gradient:
            return total, None
        # d log(S(t-1) - S(t)) = (d log S(t-1) - u d log S(t)) / (1 - u), u = S(t) / S(t-1).
        ratio = np.exp(step)[:, None]
        churned_grad = (before_grad - ratio * now_grad) / (1.0 - ratio)
        row_grad = np.where(churned[:, None], churned_grad, now_grad)
        return total, weights @ row_grad

    @staticmethod
    def _log_survival_and_gradient(
        params: np.ndarray, t: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``log S(t)`` and its gradient in (alpha, beta, c), one row per period."""
        alpha, beta, c = params
        power = np.power(t, c)
        d_alpha, d_beta = log_beta_ratio_gradient(alpha, beta, power)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_t = np.where(t > 0, np.log(t), 0.0)
        # d log S / d power = psi(beta + power) - psi(alpha + beta + power).
        d_power = -digamma_step(beta + power, alpha)
        grad = np.column_stack([d_alpha, d_beta, d_power * power * log_t])
        return log_beta_ratio(alpha, beta, power), grad


# Log-gamma and digamma differences ---------------------------------------------------------

# Above this argument the differences come from Stirling's series, which stays exact where
# the fitted alpha and beta are huge (no sign of heterogeneity: a near-geometric lifetime):
# lgamma(1e17 + 12) - lgamma(1e17) subtracts two numbers of 4e18 and keeps no digit.
_STIRLING_FROM = 1e3


def log_gamma_step(b: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
    """``log Gamma(b + x) - log Gamma(b)`` for ``b > 0, x >= 0``, accurate for huge ``b``.

    Examples
    --------
    >>> float(log_gamma_step(3.0, 2.0)) == float(np.log(12.0))  # Gamma(5) / Gamma(3) = 24 / 2
    True
    >>> round(float(log_gamma_step(1e17, 12.0) - 12 * np.log(1e17)), 9)
    0.0
    """
    b, x = np.broadcast_arrays(np.asarray(b, dtype=np.float64), np.asarray(x, dtype=np.float64))
    large = b >= _STIRLING_FROM
    result = np.empty(b.shape)
    small_b, small_x = b[~large], x[~large]
    result[~large] = gammaln(small_b + small_x) - gammaln(small_b)
    big, step = b[large], x[large]
    end = big + step
    # Stirling: (z - 1/2) log z - z + 1/(12 z) - 1/(360 z^3) + 1/(1260 z^5), differenced.
    result[large] = (
        (big - 0.5) * np.log1p(step / big)
        + step * np.log(end)
        - step
        + (1.0 / end - 1.0 / big) / 12.0
        - (end**-3 - big**-3) / 360.0
        + (end**-5 - big**-5) / 1260.0
    )
    return result


def digamma_step(b: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
    """``psi(b + x) - psi(b)`` for ``b > 0, x >= 0``, accurate for huge ``b``.

    Examples
    --------
    >>> float(digamma_step(1.0, 2.0)) == 1.5  # psi(3) - psi(1) = 1 + 1/2
    True
    """
    b, x = np.broadcast_arrays(np.asarray(b, dtype=np.float64), np.asarray(x, dtype=np.float64))
    large = b >= _STIRLING_FROM
    result = np.empty(b.shape)
    result[~large] = digamma(b[~large] + x[~large]) - digamma(b[~large])
    big, step = b[large], x[large]
    end = big + step
    # psi(z) = log z - 1/(2 z) - 1/(12 z^2) + 1/(120 z^4) - 1/(252 z^6), differenced.
    result[large] = (
        np.log1p(step / big)
        - (1.0 / end - 1.0 / big) / 2.0
        - (end**-2 - big**-2) / 12.0
        + (end**-4 - big**-4) / 120.0
        - (end**-6 - big**-6) / 252.0
    )
    return result


def log_beta_ratio(alpha: float, beta: float, x: np.ndarray | float) -> np.ndarray:
    """``log B(alpha, beta + x) - log B(alpha, beta)``: ``log S`` of the sBG at ``x`` renewals
    (of the BdW at ``x = t ** c``).

    Two equal forms, each free of cancellation where its step is the smaller one:
    ``lgamma`` steps of ``x`` from ``beta`` and ``alpha + beta`` (huge ``alpha``: a
    near-geometric fit), or steps of ``alpha`` from ``beta`` and ``beta + x`` (huge ``x``:
    the far tail).

    Examples
    --------
    >>> float(np.exp(log_beta_ratio(1.0, 1.0, 3.0)))  # S(3) = 1 / 4 for alpha = beta = 1
    0.25
    >>> float(np.exp(log_beta_ratio(1e17, 5e19, 12.0)))  # (1 - theta) ** 12, theta = 1 / 501
    0.9763...
    """
    x = np.asarray(x, dtype=np.float64)
    by_x = log_gamma_step(beta, x) - log_gamma_step(alpha + beta, x)
    by_alpha = log_gamma_step(beta, alpha) - log_gamma_step(beta + x, alpha)
    if beta < _STIRLING_FROM:
        return np.where(x <= alpha, by_x, by_alpha)
    # A huge beta cancels in both forms (the result is about -alpha x / beta): Stirling's
    # series for all four log-gammas, with their leading terms combined by hand.
    total = alpha + beta + x
    leading = (
        (beta - 0.5) * np.log1p(alpha * x / (beta * total))
        - x * np.log1p(alpha / (beta + x))
        - alpha * np.log1p(x / (alpha + beta))
    )
    return (
        leading
        + _stirling_tail(beta + x)
        - _stirling_tail(beta)
        - _stirling_tail(total)
        + (_stirling_tail(alpha + beta))
    )


def _stirling_tail(z: np.ndarray | float) -> np.ndarray:
    """``1/(12 z) - 1/(360 z^3) + 1/(1260 z^5)``: Stirling's series beyond its leading terms."""
    z = np.asarray(z, dtype=np.float64)
    return 1.0 / (12.0 * z) - z**-3 / 360.0 + z**-5 / 1260.0


def log_beta_ratio_gradient(
    alpha: float, beta: float, x: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """Derivatives of `log_beta_ratio` in ``alpha`` and in ``beta``."""
    shared = digamma_step(alpha + beta, x)
    return -shared, digamma_step(beta, x) - shared


# Input helpers -----------------------------------------------------------------------------


def _flag(values: object, name: str) -> object:
    """A churn flag (bool or 0/1, array or Series) as floats, keeping a Series' index."""
    if isinstance(values, pd.Series):
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            return values
        flags = _flag(values.to_numpy(dtype=object), name)
        return pd.Series(flags, index=values.index, name=values.name)
    array = np.asarray(values)
    if array.dtype == bool:
        return array.astype(np.float64)
    if array.dtype.kind not in "OUS":
        return array
    flat = array.reshape(-1).astype(object)
    mapped = np.array(
        [float(v) if isinstance(v, bool | np.bool_ | numbers.Real) else np.nan for v in flat]
    )
    bad = np.flatnonzero(np.isnan(mapped))
    if len(bad):
        raise DataValidationError(
            f"{name} must be True/False or 1/0; {len(bad)} row(s) are not (rows "
            f"{', '.join(map(str, bad[:3]))}, e.g. {flat[bad[0]]!r}); {_REMEDY}"
        )
    return mapped.reshape(array.shape)


def _with_numeric_flag(tenure: object, churned: object) -> tuple[object, object]:
    """``tenure`` and ``churned`` with the churn flag as numbers (in a DataFrame too)."""
    if isinstance(tenure, pd.DataFrame):
        if churned is not None:
            raise DataValidationError(
                "pass either one DataFrame with columns tenure and churned, or the two "
                "columns separately, not both"
            )
        if "churned" in tenure.columns:
            tenure = tenure.assign(churned=_flag(tenure["churned"], "column 'churned'"))
        return tenure, None
    if churned is None:
        raise DataValidationError(f"churned not given; {_REMEDY}")
    return tenure, _flag(churned, "churned")


def _survivor_rows(survivors: object) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    """Customer rows (tenure, churned, weights) and the cohort table from survivor counts."""
    if isinstance(survivors, Mapping):
        named = [(name, counts) for name, counts in survivors.items()]
    else:
        listed = list(survivors) if _is_sequence(survivors) else None
        if not listed:
            raise DataValidationError(
                f"survivors must be a cohort's active counts, e.g. [1000, 631, 468], or a list "
                f"(or dict) of them; got {survivors!r}"
            )
        named = list(enumerate(listed)) if _is_sequence(listed[0]) else [(0, listed)]
    tenure, churned, weights, cohorts = [], [], [], []
    for name, counts in named:
        values = _survivor_counts(counts, name)
        periods = np.arange(1, len(values))
        tenure += [periods, [len(values) - 1]]
        churned += [np.ones(len(periods)), [0.0]]
        weights += [values[:-1] - values[1:], [values[-1]]]
        cohorts.append((name, values[0], len(values) - 1, values[-1]))
    table = pd.DataFrame(cohorts, columns=["cohort", "size", "renewals", "active"]).set_index(
        "cohort"
    )
    return (
        np.concatenate(tenure).astype(np.float64),
        np.concatenate(churned),
        np.concatenate(weights).astype(np.float64),
        table,
    )


def _survivor_counts(counts: object, name: object) -> np.ndarray:
    if not _is_sequence(counts) or len(counts) == 0:
        raise DataValidationError(
            f"survivors of cohort {name!r} must be a non-empty list of counts, got {counts!r}"
        )
    values = to_float(list(counts), f"survivors of cohort {name!r}").reshape(-1)
    problems = [
        (~np.isfinite(values) | (values < 0), "missing or negative counts"),
        (np.r_[False, np.diff(values) > 0], "counts that rise (customers cannot come back)"),
    ]
    for bad, problem in problems:
        if bad.any():
            raise DataValidationError(
                f"survivors of cohort {name!r} have {problem} at period(s) "
                f"{', '.join(map(str, np.flatnonzero(bad)[:3]))}: {values.tolist()[:8]}; give "
                "the active counts at acquisition and after each renewal"
            )
    if values[0] <= 0:
        raise DataValidationError(f"cohort {name!r} starts with 0 customers; drop it")
    return values


def _is_sequence(value: object) -> bool:
    return isinstance(value, Sequence | np.ndarray | pd.Series) and not isinstance(value, str)


def _periods(values: object, name: str, *, minimum: int = 0) -> tuple[np.ndarray, pd.Index | None]:
    """Whole numbers of periods as floats, with the Series' index when given one."""
    index = values.index if isinstance(values, pd.Series) else None
    periods = whole_number(values, name, unit="periods")
    if np.any(periods < minimum):
        raise DataValidationError(f"{name} must be >= {minimum} (whole periods), got {values!r}")
    return periods, index


def _aligned(values: dict[str, object]) -> tuple[list[np.ndarray], pd.Index | None]:
    index = shared_index(values)
    arrays = [_periods(value, name)[0] for name, value in values.items()]
    try:
        return list(np.broadcast_arrays(*arrays)), index
    except ValueError:
        shapes = ", ".join(f"{name}: {np.shape(a)}" for name, a in zip(values, arrays, strict=True))
        raise DataValidationError(
            f"the arguments cannot be broadcast together ({shapes}); give one value or one per "
            "customer"
        ) from None


def _count(value: object, name: str, *, minimum: int = 1) -> int:
    if (
        isinstance(value, bool | np.bool_)
        or not isinstance(value, numbers.Real)
        or value != np.round(value)
        or value < minimum
    ):
        raise DataValidationError(
            f"{name} must be a whole number of periods >= {minimum}, got {value!r}"
        )
    return int(value)


def _check_cohorts(cohorts: object) -> pd.DataFrame:
    if not isinstance(cohorts, pd.DataFrame) or not {"active", "renewals"} <= set(cohorts.columns):
        raise DataValidationError(
            "cohorts must be a DataFrame with columns 'active' (customers active now) and "
            "'renewals' (renewals they have made), one row per cohort"
        )
    for column in ("active", "renewals"):
        values = to_float(cohorts[column], f"cohorts column {column!r}")
        bad = ~np.isfinite(values) | (values < 0)
        if column == "renewals":
            bad |= values != np.round(values)
        if bad.any():
            raise DataValidationError(
                f"cohorts column {column!r} must hold whole numbers >= 0 ('renewals') or counts "
                f">= 0 ('active'); {int(bad.sum())} row(s) do not (e.g. "
                f"{', '.join(map(str, cohorts.index[bad][:3]))})"
            )
    if "total" in cohorts.index:
        raise DataValidationError("a cohort is named 'total', the name of the sum; rename it")
    return cohorts


def _margin(margin: object, shape: tuple[int, ...], index: pd.Index | None) -> np.ndarray:
    """Margin per period: one number, or one per customer (finite and >= 0)."""
    if isinstance(margin, pd.Series) and index is not None:
        shared_index({"renewals": pd.Series(0, index=index), "margin": margin})
    if isinstance(margin, bool | np.bool_):
        raise DataValidationError(f"margin must be a number per period, got {margin!r}")
    values = to_float(margin, "margin")
    bad = ~np.isfinite(values) | (values < 0)
    if np.any(bad):
        raise DataValidationError(
            f"margin must be finite and >= 0 (money per period); {int(np.sum(bad))} value(s) are "
            "not"
        )
    try:
        return np.broadcast_to(values, shape)
    except ValueError:
        raise DataValidationError(
            f"margin has shape {np.shape(values)}, which does not match the {shape} customers; "
            "give one number or one per customer"
        ) from None
