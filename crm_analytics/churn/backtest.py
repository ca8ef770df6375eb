"""Rolling-origin backtests: validate a churn model over time, never on a random split.

At each test cutoff the model is trained on the panel of earlier cutoffs whose horizon has
closed by then (their labels were knowable on the test day), and scored on the test cutoff's
customers beside the two baselines. The table tells whether the model beats them period after
period, not just once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from crm_analytics._dates import day_number, day_text, from_day_number, to_whole_days
from crm_analytics._progress import progress
from crm_analytics.churn.baselines import PAliveBaseline, RecencyBaseline
from crm_analytics.churn.features import CUTOFF, make_churn_panel
from crm_analytics.churn.model import ChurnModel
from crm_analytics.exceptions import DataValidationError

__all__ = ["backtest"]

logger = logging.getLogger(__name__)


def backtest(
    transactions: Any,
    customers: pd.DataFrame | None = None,
    *,
    cutoffs: Sequence[object],
    horizon: int | str | pd.Timedelta,
    lookback: int | str | pd.Timedelta | None = None,
    model: ChurnModel | None = None,
    min_train_cutoffs: int = 1,
    label: str = "non_contractual",
    baselines: bool = True,
    top: tuple[float, ...] = (0.1, 0.2),
) -> pd.DataFrame:
    """Rolling-origin backtest of a churn model against the recency and P(alive) baselines.

    Parameters
    ----------
    transactions, customers, horizon, lookback, label
        As in :func:`~crm_analytics.churn.features.make_churn_dataset`.
    cutoffs : sequence of date-like
        All cutoffs, training and test. Each cutoff with at least ``min_train_cutoffs``
        earlier cutoffs whose horizon ends on or before it is a test origin.
    model : ChurnModel, optional
        The (unfitted) model to validate; default ``ChurnModel()``. Cloned at each origin.
    min_train_cutoffs : int, default 1
        Fewest training cutoffs an origin needs.
    baselines : bool, default True
        Also score ``recency`` (:class:`RecencyBaseline`, fitted on the same training panel)
        , ``1 - P(alive)`` and ``BG/NBD no purchase`` (:class:`PAliveBaseline` without and
        with the horizon; BG/NBD fitted on the test cutoff's histories, which needs no labels).
    top : tuple of float, default (0.1, 0.2)
        Shares for lift and capture.

    Returns
    -------
    pandas.DataFrame
        Indexed by (``cutoff``, ``scorer``): the metrics of
        :func:`~crm_analytics.churn.evaluation.churn_metrics` plus ``n_train`` (rows of the
        training panel), ``n_train_cutoffs`` and ``n_test``.
    """
    model = ChurnModel() if model is None else model
    horizon_days = to_whole_days(horizon, name="horizon")
    days = sorted(day_number(cutoff, name="cutoffs") for cutoff in cutoffs)
    X, y = make_churn_panel(
        transactions,
        customers,
        cutoffs=[from_day_number(day) for day in days],
        horizon=horizon_days,
        lookback=lookback,
        label=label,
    )
    panel_cutoffs = X.index.get_level_values(CUTOFF)
    rows = []
    for day in progress(days, desc="backtest cutoffs", unit="cutoff"):
        test_cutoff = from_day_number(day)
        train_days = [other for other in days if other + horizon_days <= day]
        if len(train_days) < min_train_cutoffs:
            continue
        train = panel_cutoffs.isin([from_day_number(other) for other in train_days])
        test = panel_cutoffs == test_cutoff
        X_train, y_train = X[train], y[train]
        X_test, y_test = X[test].droplevel(CUTOFF), y[test].droplevel(CUTOFF)
        fitted = clone(model).fit(X_train, y_train)
        named = {}
        if baselines:
            named["recency"] = RecencyBaseline().fit(X_train, y_train)
            named["1 - P(alive)"] = PAliveBaseline().fit(X_test)
            named["BG/NBD no purchase"] = PAliveBaseline(horizon_days=horizon_days).fit(X_test)
        table = fitted.evaluate(X_test, y_test, baselines=named, top=top)
        table["n_train"] = len(y_train)
        table["n_train_cutoffs"] = len(train_days)
        table["n_test"] = len(y_test)
        rows.append(table.assign(**{CUTOFF: test_cutoff}).set_index(CUTOFF, append=True))
        logger.info("backtest origin %s: %d training rows", day_text(day), len(y_train))
    if not rows:
        latest = day_text(days[-1])
        raise DataValidationError(
            f"no test cutoff has {min_train_cutoffs} earlier cutoff(s) whose {horizon_days}-day "
            f"horizon ends by it (cutoffs {', '.join(day_text(day) for day in days)}); add "
            f"cutoffs at least {horizon_days} days before {latest}, or lower min_train_cutoffs"
        )
    result = pd.concat(rows).reorder_levels([CUTOFF, "scorer"])
    return result.astype({"n_train": np.int64, "n_train_cutoffs": np.int64, "n_test": np.int64})
