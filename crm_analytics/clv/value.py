"""Customer lifetime value: the discounted expected profit a customer will bring.

CLV combines a transaction model (how many purchases, and when) with a spend model (how
much per purchase) and a margin (how much of the spend is profit), discounted to today.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from crm_analytics._checks import (
    MONTHLY_DISCOUNT_RATE,
    check_discount_rate,
    check_margin,
    whole_number,
)
from crm_analytics._params import Rule, Rules
from crm_analytics.clv._checks import (
    check_fitted,
    check_summary,
    require_columns,
)
from crm_analytics.clv._collapse import unique_rows
from crm_analytics.clv._transaction import TransactionFitter
from crm_analytics.clv.protocols import SpendModel, TransactionModel
from crm_analytics.exceptions import DataValidationError

__all__ = ["CLV_RULES", "MAX_CLV_MONTHS", "UNITS_PER_MONTH", "customer_lifetime_value"]

logger = logging.getLogger(__name__)

#: A century: the discounted value of later months no longer moves the CLV.
MAX_CLV_MONTHS = 1200
#: The rules of the CLV terms (the margin has its own check, :func:`crm_analytics._checks.check_margin`).
CLV_RULES = Rules(
    {
        "horizon_days": Rule(int, low=1, example="90"),
        "clv_months": Rule(
            int,
            low=1,
            high=MAX_CLV_MONTHS,
            example="12",
            note="beyond a century the discounted value has long converged",
        ),
        "discount_rate": MONTHLY_DISCOUNT_RATE,
    }
)
#: Model time units in one month, as lifetimes counts them (a month is 30 days).
UNITS_PER_MONTH = {"H": 30.0 * 24.0, "D": 30.0, "W": 4.345, "M": 1.0}

_SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary_value")
_SUMMARY_REMEDY = "build it with crm_analytics.summary.rfm_summary(transactions)"
# Largest number of (customer history, time step) pairs predicted in one call: bounds memory.
_CHUNK_SIZE = 1 << 22


def customer_lifetime_value(
    transaction_model: TransactionModel,
    spend_model: SpendModel,
    summary: pd.DataFrame,
    *,
    horizon: int,
    discount_rate: float,
    freq: str = "D",
    freq_multiplier: int = 1,
    margin: float = 1.0,
    steps_per_month: int = 1,
) -> pd.Series:
    """Discounted expected profit contribution of each customer over the next months.

    With ``E[X(t)]`` the transaction model's
    ``conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)`` and
    ``m`` the spend model's ``conditional_expected_average_profit(frequency,
    monetary_value)`` (Gamma-Gamma), the value over ``H = horizon`` months with monthly
    discount rate ``d`` is

    ``CLV = margin * m * sum_{i=1..H} (E[X(i u)] - E[X((i-1) u)]) / (1 + d) ** i``

    where ``u`` is one month in model time units (30 days, 4.345 weeks, 720 hours): the
    purchases expected in month ``i`` are discounted as if made at the end of the month.
    This is lifetimes' convention, so with ``margin=1`` and ``steps_per_month=1`` the result
    equals lifetimes' ``GammaGammaFitter.customer_lifetime_value(transaction_model,
    frequency, recency, T, monetary_value, time=horizon, discount_rate=d, freq=freq)``.

    With ``steps_per_month=s`` each month is cut in ``s`` steps, each discounted by
    ``(1 + d) ** (j / s)`` at its end (step ``j``); as ``s`` grows this tends to continuous
    discounting at the force of interest ``ln(1 + d)`` per month (``s=30`` is daily).

    Parameters
    ----------
    transaction_model : fitted transaction model
        BG/NBD, MBG/NBD or Pareto/NBD, fitted in units of ``freq * freq_multiplier``.
    spend_model : fitted spend model
        Gamma-Gamma (or any model with ``conditional_expected_average_profit``).
    summary : pandas.DataFrame
        One row per customer with ``frequency``, ``recency``, ``T`` and
        ``monetary_value`` (the output of `crm_analytics.summary.rfm_summary`).
    horizon : int
        Number of months to value.
    discount_rate : float
        Monthly discount rate, e.g. 0.01; an annual rate ``R`` is
        ``(1 + R) ** (1 / 12) - 1`` a month.
    freq : {"D", "W", "M", "H"}, default "D"
        Time unit of ``summary`` and of the transaction model.
    freq_multiplier : int, default 1
        Number of ``freq`` units in one model time unit, as given to ``rfm_summary``.
    margin : float, default 1.0
        Share of spend that is profit, a fraction in (0, 1] (0.3 for 30%); 1.0 values
        revenue.
    steps_per_month : int, default 1
        Discounting steps per month (see above).

    Returns
    -------
    pandas.Series
        ``clv`` per customer, indexed like ``summary``.

    Raises
    ------
    DataValidationError
        If ``summary`` lacks a column, has missing or negative values or impossible histories
        (recency > T, a fractional frequency; customers named by the index), or an argument
        is out of range (such as a margin of 30 meant as 30%).
    NotFittedError
        If a model is not fitted.
    """
    check_fitted(transaction_model, role="transaction_model")
    check_fitted(spend_model, role="spend_model")
    frame = require_columns(summary, _SUMMARY_COLUMNS, name="summary", remedy=_SUMMARY_REMEDY)
    check_summary(frame, remedy=_SUMMARY_REMEDY)
    horizon = CLV_RULES.rules["clv_months"].check("horizon", horizon)
    freq_multiplier = whole_number(
        freq_multiplier,
        name="freq_multiplier",
        example="freq_multiplier=1, time units of the summary in one model unit",
    )
    steps_per_month = whole_number(
        steps_per_month, name="steps_per_month", example="steps_per_month=1, discounting steps"
    )
    units_per_step = _units_per_step(freq, freq_multiplier, steps_per_month)
    discount_rate = check_discount_rate(discount_rate)
    margin = check_margin(margin)
    n_steps = horizon * steps_per_month
    step_numbers = np.arange(1, n_steps + 1)
    times = step_numbers * units_per_step
    discounts = (1.0 + discount_rate) ** (-step_numbers / steps_per_month)

    (frequency, recency, age), inverse = unique_rows(
        frame["frequency"].to_numpy(), frame["recency"].to_numpy(), frame["T"].to_numpy()
    )
    logger.debug("CLV of %d customers from %d distinct histories", len(frame), len(frequency))
    discounted_purchases = np.empty(len(frequency))
    rows_per_chunk = max(1, _CHUNK_SIZE // n_steps)
    for start in range(0, len(frequency), rows_per_chunk):
        rows = slice(start, start + rows_per_chunk)
        discounted_purchases[rows] = _discounted_purchases(
            transaction_model, frequency[rows], recency[rows], age[rows], times, discounts
        )
    spend = np.asarray(
        spend_model.conditional_expected_average_profit(
            frame["frequency"].to_numpy(), frame["monetary_value"].to_numpy()
        ),
        dtype=np.float64,
    ).reshape(-1)
    return pd.Series(margin * spend * discounted_purchases[inverse], index=frame.index, name="clv")


def _discounted_purchases(
    model: TransactionModel,
    frequency: np.ndarray,
    recency: np.ndarray,
    age: np.ndarray,
    times: np.ndarray,
    discounts: np.ndarray,
) -> np.ndarray:
    """Sum over steps of the discounted purchases expected in each step, per history."""
    n_rows, n_steps = len(frequency), len(times)
    if isinstance(model, TransactionFitter):
        # Our models broadcast histories (one per row) against horizons (one per column), so
        # the parts that depend on the history alone, such as P(alive), are computed once.
        cumulative = model.conditional_expected_number_of_purchases_up_to_time(
            times[np.newaxis, :],
            frequency[:, np.newaxis],
            recency[:, np.newaxis],
            age[:, np.newaxis],
        )
    else:
        # Other lifetimes-style models get one flat call over (history, step) pairs: they
        # are element-wise, whatever shapes they accept beyond that.
        cumulative = np.asarray(
            model.conditional_expected_number_of_purchases_up_to_time(
                np.tile(times, n_rows),
                np.repeat(frequency, n_steps),
                np.repeat(recency, n_steps),
                np.repeat(age, n_steps),
            ),
            dtype=np.float64,
        ).reshape(n_rows, n_steps)
    # sum_i (E_i - E_(i-1)) d_i = sum_i E_i (d_i - d_(i+1)): no array of differences; einsum,
    # not BLAS, whose threads contend on shared machines.
    return np.einsum("ij,j->i", cumulative, discounts - np.append(discounts[1:], 0.0))


def _units_per_step(freq: str, freq_multiplier: int, steps_per_month: int) -> float:
    if freq not in UNITS_PER_MONTH:
        raise DataValidationError(
            f"freq must be one of {', '.join(map(repr, UNITS_PER_MONTH))} (the time unit of the "
            f"summary), got {freq!r}"
        )
    return UNITS_PER_MONTH[freq] / freq_multiplier / steps_per_month
