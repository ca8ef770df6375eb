"""The CLV columns of a scored customer: one definition for every command and engine.

``crm-analytics score``, ``crm-analytics batch`` (DuckDB, Polars, Spark), the library's
:func:`crm_analytics.scoring.score_customers` and the benchmarks all compute the CLV columns
with :func:`clv_columns`, under the same names and with the same terms, all explicit:

- ``p_alive``: the probability that the customer is still active at the as-of date;
- ``expected_purchases``: repeat purchases expected in the next ``horizon_days`` days;
- ``predicted_clv``: the discounted expected profit of the next ``clv_months`` months
  (:func:`crm_analytics.clv.customer_lifetime_value`: ``margin`` times the Gamma-Gamma
  expected spend times the discounted expected purchases, monthly ``discount_rate``).

The rules of those terms (:data:`~crm_analytics.clv.value.CLV_RULES`, beside
:func:`~crm_analytics.clv.customer_lifetime_value`) are written once; the scoring
configuration checks its ``[model]`` keys with them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_analytics._checks import check_margin
from crm_analytics.clv.value import CLV_RULES, customer_lifetime_value
from crm_analytics.exceptions import DataValidationError

__all__ = ["CLV_COLUMNS", "clv_columns"]

#: The CLV columns, in order.
CLV_COLUMNS = ("p_alive", "expected_purchases", "predicted_clv")
_HISTORY = ["frequency", "recency", "T"]
_DAYS_PER_UNIT = {"D": 1.0, "W": 7.0, "H": 1.0 / 24.0}


def clv_columns(
    summary: pd.DataFrame,
    transaction_model: Any,
    spend_model: Any | None,
    *,
    horizon_days: int = 90,
    clv_months: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    freq: str = "D",
    freq_multiplier: int = 1,
) -> pd.DataFrame:
    """``p_alive``, ``expected_purchases`` and ``predicted_clv`` of every customer.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`crm_analytics.summary.rfm_summary` output (``frequency, recency, T``, and
        ``monetary_value`` for the CLV), indexed by customer.
    transaction_model : fitted transaction model
        BG/NBD, MBG/NBD or Pareto/NBD, fitted in the summary's time unit.
    spend_model : fitted spend model or None
        Gamma-Gamma; None leaves ``predicted_clv`` missing (NaN).
    horizon_days : int, default 90
        Days ahead of ``expected_purchases``.
    clv_months : int, default 12
        Months of ``predicted_clv``.
    discount_rate : float, default 0.01
        Monthly discount rate of ``predicted_clv``, in [0, 1).
    margin : float, default 1.0
        Share of spend that is profit, in (0, 1].
    freq : {"D", "W", "H"}, default "D"
        Time unit of the summary and the models (as :func:`customer_lifetime_value` names it).
    freq_multiplier : int, default 1
        Units of ``freq`` in one model time unit.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``summary``, columns :data:`CLV_COLUMNS`.

    Examples
    --------
    >>> from crm_analytics.clv import BetaGeoFitter, GammaGammaFitter
    >>> from crm_analytics.datasets import make_transactions
    >>> from crm_analytics.summary import rfm_summary
    >>> summary = rfm_summary(make_transactions(2_000, seed=1)[0])
    >>> bgf = BetaGeoFitter().fit(summary)
    >>> ggf = GammaGammaFitter().fit(summary[summary["frequency"] > 0])
    >>> columns = clv_columns(summary, bgf, ggf, horizon_days=90, clv_months=12)
    >>> list(columns.columns)
    ['p_alive', 'expected_purchases', 'predicted_clv']
    >>> bool(columns["p_alive"].between(0, 1).all() and (columns["predicted_clv"] >= 0).all())
    True
    """
    terms = CLV_RULES.check(
        {"horizon_days": horizon_days, "clv_months": clv_months, "discount_rate": discount_rate}
    )
    margin = check_margin(margin)
    histories = summary[_HISTORY]
    if freq not in _DAYS_PER_UNIT:
        raise DataValidationError(
            f"freq must be one of {', '.join(map(repr, _DAYS_PER_UNIT))} (the time unit of the "
            f"summary), got {freq!r}"
        )
    horizon = terms["horizon_days"] / (_DAYS_PER_UNIT[freq] * freq_multiplier)
    columns = pd.DataFrame(
        {
            "p_alive": transaction_model.conditional_probability_alive(histories),
            "expected_purchases": (
                transaction_model.conditional_expected_number_of_purchases_up_to_time(
                    horizon, histories
                )
            ),
        },
        index=summary.index,
    )
    if spend_model is None:
        columns["predicted_clv"] = np.nan
        return columns
    columns["predicted_clv"] = customer_lifetime_value(
        transaction_model,
        spend_model,
        summary,
        horizon=terms["clv_months"],
        discount_rate=terms["discount_rate"],
        freq=freq,
        freq_multiplier=freq_multiplier,
        margin=margin,
    )
    return columns
