"""CLV models fitted and applied at any scale: fit on the collapsed summary, score in chunks.

The BG/NBD family and Gamma-Gamma likelihoods only depend on the distinct histories, so
:func:`fit_collapsed` groups the summary by history inside its engine (Polars, DuckDB, Spark)
and fits on the counts: tens of millions of customers reduce to a few hundred thousand rows.
:func:`clv_scores` is the per-customer scoring, in pandas, that the batch job runs on
the whole summary and :func:`crm_analytics.scale.spark.score_spark` runs on every Spark
partition.
"""

from __future__ import annotations

import logging
from typing import Any

import narwhals as nw
import pandas as pd

from crm_analytics.clv import BetaGeoFitter, GammaGammaFitter, customer_lifetime_value
from crm_analytics.clv.value import UNITS_PER_MONTH

__all__ = ["SCORE_COLUMNS", "clv_scores", "fit_collapsed"]

logger = logging.getLogger(__name__)

SCORE_COLUMNS = ("p_alive", "expected_purchases", "expected_average_profit", "clv")
_HISTORY = ["frequency", "recency", "T"]
_SPEND = ["frequency", "monetary_value"]


def fit_collapsed(
    summary: Any,
    *,
    transaction_model: Any = None,
    spend_model: Any = None,
) -> tuple[Any, Any]:
    """Fit a transaction model and a Gamma-Gamma spend model on the distinct histories.

    Parameters
    ----------
    summary : DataFrame
        The output of :func:`crm_analytics.summary.rfm_summary` (pandas), or its engine-native
        form (``rfm_summary(..., native=True)``: Polars, DuckDB or Spark), with ``frequency,
        recency, T, monetary_value``.
    transaction_model : unfitted BG/NBD-family fitter, optional
        Defaults to ``BetaGeoFitter()``.
    spend_model : unfitted spend fitter, optional
        Defaults to ``GammaGammaFitter()``; fitted on the repeat buyers with a positive
        ``monetary_value``.

    Returns
    -------
    (transaction_model, spend_model)
        Both fitted, with the same parameters as fitted on one row per customer.

    Examples
    --------
    >>> from crm_analytics.datasets import make_transactions
    >>> from crm_analytics.summary import rfm_summary
    >>> log, _ = make_transactions(2_000, seed=1)
    >>> bgf, ggf = fit_collapsed(rfm_summary(log, native=True))
    >>> full = BetaGeoFitter().fit(rfm_summary(log))
    >>> bool(abs(bgf.params_ - full.params_).max() < 1e-6)
    True
    """
    transaction_model = BetaGeoFitter() if transaction_model is None else transaction_model
    spend_model = GammaGammaFitter() if spend_model is None else spend_model
    if isinstance(summary, pd.DataFrame):
        summary = summary.reset_index(drop=True)
    frame = nw.from_native(summary).lazy()
    histories = _collect(frame.group_by(*_HISTORY).agg(nw.len().alias("weight")))
    logger.info(
        "fitting %s on %d distinct histories", type(transaction_model).__name__, len(histories)
    )
    transaction_model.fit(
        histories["frequency"], histories["recency"], histories["T"], weights=histories["weight"]
    )
    buyers = frame.filter((nw.col("frequency") > 0) & (nw.col("monetary_value") > 0))
    spends = _collect(buyers.group_by(*_SPEND).agg(nw.len().alias("weight")))
    spend_model.fit(spends["frequency"], spends["monetary_value"], weights=spends["weight"])
    return transaction_model, spend_model


def clv_scores(
    summary: pd.DataFrame,
    transaction_model: Any,
    spend_model: Any,
    *,
    horizon: int = 12,
    discount_rate: float = 0.01,
    freq: str = "D",
    freq_multiplier: int = 1,
    margin: float = 1.0,
) -> pd.DataFrame:
    """Probability alive, expected purchases, expected spend and CLV of every customer.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``rfm_summary`` output (``frequency, recency, T, monetary_value``), indexed by
        customer.
    transaction_model, spend_model : fitted models
        As for :func:`crm_analytics.clv.customer_lifetime_value`.
    horizon : int, default 12
        Months of ``expected_purchases`` and ``clv``.
    discount_rate : float, default 0.01
        Monthly discount rate of ``clv``.
    freq, freq_multiplier : as given to rfm_summary
        Time unit of the summary and the models (``freq`` as
        :func:`~crm_analytics.clv.customer_lifetime_value` names it: ``"D"``, ``"W"``,
        ``"H"``).
    margin : float, default 1.0
        Share of spend that is profit.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``summary``, columns :data:`SCORE_COLUMNS`.

    Examples
    --------
    >>> from crm_analytics.datasets import make_transactions
    >>> from crm_analytics.summary import rfm_summary
    >>> log, _ = make_transactions(2_000, seed=1)
    >>> summary = rfm_summary(log)
    >>> models = fit_collapsed(summary)
    >>> scores = clv_scores(summary, *models, horizon=12)
    >>> list(scores.columns)
    ['p_alive', 'expected_purchases', 'expected_average_profit', 'clv']
    >>> bool(scores["p_alive"].between(0, 1).all())
    True
    """
    clv = customer_lifetime_value(
        transaction_model,
        spend_model,
        summary,
        horizon=horizon,
        discount_rate=discount_rate,
        freq=freq,
        freq_multiplier=freq_multiplier,
        margin=margin,
    )
    months = horizon * UNITS_PER_MONTH[freq] / freq_multiplier
    histories = summary[_HISTORY]
    return pd.DataFrame(
        {
            "p_alive": transaction_model.conditional_probability_alive(histories),
            "expected_purchases": (
                transaction_model.conditional_expected_number_of_purchases_up_to_time(
                    months, histories
                )
            ),
            "expected_average_profit": spend_model.conditional_expected_average_profit(
                summary[_SPEND]
            ),
            "clv": clv,
        },
        index=summary.index,
    )


def _collect(frame: nw.LazyFrame) -> pd.DataFrame:
    return frame.collect().to_pandas()
