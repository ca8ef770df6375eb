"""Simulated contract customers: signups, renewals and cancellations from a known process.

Each customer signs up on a day of the acquisition window, pays for a first period, and at the
end of each period renews or cancels for good. Customer ``i`` is still a customer after ``t``
renewal points with probability ``(1 - theta_i) ** (t ** c * exp(x_i' b))``:
``theta_i ~ Beta(alpha, beta)`` is their own churn propensity, ``c`` the duration dependence
of the beta-discrete-Weibull model and ``exp(x_i' b)`` the effect of their attributes. For
customers whose attributes are all at the reference level (or with ``effects={}``) this is the
BdW model of Fader, Hardie, Liu, Davin and Steenburgh (2018), and with ``c = 1`` the sBG model
of Fader and Hardie (2007), so their parameters can be recovered by
`crm_analytics.clv.ShiftedBetaGeoFitter`. Given ``theta_i``, the attributes multiply the
customer's cumulative hazard by ``exp(x_i' b)``: proportional hazards with log hazard ratios
``b``, which a Cox model recovers where the ``theta_i`` vary little (large ``alpha + beta``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crm_analytics._checks import whole_number
from crm_analytics._periods import add_periods, check_period
from crm_analytics.exceptions import DataValidationError
from crm_analytics.schema import CANCEL_DATE, CHURNED, CUSTOMER_ID, SIGNUP_DATE

__all__ = ["CONTRACT_EFFECTS", "make_contracts"]

# Attributes: their levels, shares and (default) log hazard ratios against the first level.
_LEVELS = {
    "plan": (["basic", "plus", "premium"], [0.5, 0.3, 0.2]),
    "payment": (["card", "invoice"], [0.7, 0.3]),
    "region": (["North", "South", "East", "West"], [0.35, 0.25, 0.25, 0.15]),
}
CONTRACT_EFFECTS: dict[str, dict[str, float]] = {
    "plan": {"plus": -0.4, "premium": -0.8},
    "payment": {"invoice": 0.5},
}
# Fee per period by plan (multiplied by a log-normal factor per customer).
_FEES = {"basic": 15.0, "plus": 30.0, "premium": 50.0}
# Lifetimes beyond this many periods are "never within any window".
_NEVER = 10**9


def make_contracts(
    n_customers: int,
    *,
    seed: int,
    start: str = "2021-01-01",
    n_periods: int = 36,
    period: str | int = "M",
    acquisition_periods: int | None = None,
    alpha: float = 1.2,
    beta: float = 12.0,
    c: float = 1.0,
    effects: Mapping[str, Mapping[str, float]] | None = None,
) -> pd.DataFrame:
    """Simulate a contract business's customer table from a known retention process.

    Parameters
    ----------
    n_customers : int
        Number of customers who sign up.
    seed : int
        Seed of the random generator; the same seed gives the same table.
    start : str, default "2021-01-01"
        First day of the window.
    n_periods : int, default 36
        Length of the window in renewal periods; the data end (and are observed up to)
        ``n_periods`` periods after ``start``.
    period : {"M", "Q", "Y", "W", "D"} or int, default "M"
        Renewal period: calendar month, quarter or year (renewing on the signup's day of the
        month), week, day or a number of days.
    acquisition_periods : int, optional
        Customers sign up uniformly over the first ``acquisition_periods`` periods (default:
        the whole window, so cohorts of every age).
    alpha, beta : float, default 1.2, 12.0
        Churn propensity ``theta ~ Beta(alpha, beta)`` (mean ``alpha / (alpha + beta)`` per
        period for a reference customer).
    c : float, default 1.0
        Duration dependence (1: sBG).
    effects : dict, optional
        Log hazard ratio of each attribute level against the first level, by attribute
        (``plan``: basic, plus, premium; ``payment``: card, invoice; ``region``: North,
        South, East, West). Default `CONTRACT_EFFECTS` (premium customers stay longer, invoice
        payers leave sooner, region has no effect); ``{}`` for none.

    Returns
    -------
    pandas.DataFrame
        One row per customer, in signup order: ``customer_id`` ("K0000001", ...),
        ``signup_date``, ``cancel_date`` (the renewal date the customer did not renew on; NaT
        if still a customer at the end of the window), ``churned``, ``plan``, ``payment``,
        ``region``, ``fee`` (per period) and the truth a real table lacks: ``true_theta`` and
        ``true_lifetime`` (periods the customer pays for, beyond the window too).

    Raises
    ------
    DataValidationError
        If a count or parameter is out of range or ``effects`` names an unknown attribute or
        level.

    Examples
    --------
    >>> customers = make_contracts(1_000, seed=1)
    >>> customers.columns.tolist()
    ['customer_id', 'signup_date', 'cancel_date', 'churned', 'plan', 'payment', 'region', 'fee', 'true_theta', 'true_lifetime']
    >>> bool((customers["cancel_date"].dropna() <= pd.Timestamp("2024-01-01")).all())
    True
    >>> customers.groupby("plan")["true_lifetime"].median().to_dict()
    {'basic': 9.0, 'plus': 14.0, 'premium': 18.0}
    """
    period = check_period(period)
    n_customers = whole_number(n_customers, name="n_customers", example="n_customers=5000")
    n_periods = whole_number(n_periods, name="n_periods", example="n_periods=36")
    acquisition = whole_number(
        n_periods if acquisition_periods is None else acquisition_periods,
        name="acquisition_periods",
        example="acquisition_periods=12",
    )
    if acquisition > n_periods:
        raise DataValidationError(
            f"acquisition_periods ({acquisition}) cannot exceed n_periods ({n_periods})"
        )
    for name, value in (("alpha", alpha), ("beta", beta), ("c", c)):
        if not np.isfinite(value) or value <= 0:
            raise DataValidationError(f"{name} must be a finite number > 0, got {value!r}")
    log_ratios = _effects(CONTRACT_EFFECTS if effects is None else effects)

    rng = np.random.default_rng(seed)
    first_day = pd.Timestamp(start).normalize()
    end = add_periods(pd.Series([first_day]), n_periods, period).iloc[0]
    acquisition_end = add_periods(pd.Series([first_day]), acquisition, period).iloc[0]
    signup_days = rng.integers(0, (acquisition_end - first_day).days, size=n_customers)
    signup = pd.Series(first_day + pd.to_timedelta(np.sort(signup_days), unit="D"))

    attributes = {
        name: rng.choice(levels, p=shares, size=n_customers)
        for name, (levels, shares) in _LEVELS.items()
    }
    log_hazard = np.zeros(n_customers)
    for name, ratios in log_ratios.items():
        for level, value in ratios.items():
            log_hazard += value * (attributes[name] == level)
    theta = rng.beta(alpha, beta, size=n_customers)
    lifetime = _lifetimes(rng, theta, c, log_hazard)

    # Lifetimes past the window end after it whatever the signup: no date needed.
    cancel = add_periods(signup, np.minimum(lifetime, n_periods + 1), period)
    cancel = cancel.where((lifetime <= n_periods) & (cancel <= end))
    fee = np.vectorize(_FEES.get)(attributes["plan"]) * rng.lognormal(0.0, 0.1, n_customers)
    width = max(7, len(str(n_customers)))
    ids = np.char.add("K", np.char.zfill(np.arange(1, n_customers + 1).astype(str), width))
    return pd.DataFrame(
        {
            CUSTOMER_ID: ids.astype(object),
            SIGNUP_DATE: signup.to_numpy(),
            CANCEL_DATE: cancel.to_numpy(),
            CHURNED: cancel.notna().to_numpy(),
            **attributes,
            "fee": fee.round(2),
            "true_theta": theta,
            "true_lifetime": lifetime,
        }
    )


def _lifetimes(
    rng: np.random.Generator, theta: np.ndarray, c: float, log_hazard: np.ndarray
) -> np.ndarray:
    """Periods paid for: ``T > t`` with probability ``(1 - theta) ** (t ** c * exp(log_hazard))``.

    By inversion: with ``U`` uniform, ``T`` is the first whole number at or above the time
    ``tau`` where the survivor curve reaches ``U``, and at least 1.
    """
    uniform = rng.random(theta.size)
    with np.errstate(divide="ignore"):
        scaled = np.log(uniform) / (np.log1p(-theta) * np.exp(log_hazard))
    tau = np.power(scaled, 1.0 / c)
    return np.clip(np.ceil(tau), 1, _NEVER).astype(np.int64)


def _effects(effects: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    checked: dict[str, dict[str, float]] = {}
    for name, ratios in effects.items():
        if name not in _LEVELS:
            raise DataValidationError(
                f"effects: unknown attribute {name!r}; attributes are {', '.join(_LEVELS)}"
            )
        levels = _LEVELS[name][0]
        for level, value in ratios.items():
            if level not in levels[1:]:
                raise DataValidationError(
                    f"effects[{name!r}]: {level!r} is not a level with an effect; give log "
                    f"hazard ratios for {', '.join(levels[1:])} (against {levels[0]!r})"
                )
            if not np.isfinite(value):
                raise DataValidationError(f"effects[{name!r}][{level!r}] must be finite")
        checked[name] = {level: float(value) for level, value in ratios.items()}
    return checked
