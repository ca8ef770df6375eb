"""Holdout evaluation of a churn-time model: concordance, time-dependent Brier score and
calibration of predicted survival at chosen horizons.

All three compare the model's ``S(t | x)`` (survival from signup) with what happened to
customers it was not fitted on, whose tenure is right-censored. The Brier score at ``t`` uses
the inverse-probability-of-censoring weights of Graf, Schmoor, Sauerbrei and Schumacher
(1999): a customer known to have left by ``t`` counts ``S(t | x) ** 2 / G(T-)``, one known to
be active after ``t`` counts ``(1 - S(t | x)) ** 2 / G(t-)``, others (censored before ``t``)
count 0, with ``G`` the Kaplan-Meier curve of the censoring times; the Kaplan-Meier curve of the
same customers, without attributes, gives the reference score.

For the probability of leaving within ``h`` periods of *now*, against a classifier such as
`crm_analytics.churn.ChurnModel`, score ``1 - ChurnTimeModel.predict_survival`` and the
classifier's probability on the same labels with `crm_analytics.churn.evaluation.metrics_table`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_analytics.exceptions import DataValidationError
from crm_analytics.schema import CHURNED
from crm_analytics.survival._inputs import whole_periods
from crm_analytics.survival._lifelines import lifelines
from crm_analytics.survival.model import ChurnTimeModel
from crm_analytics.survival.tenure import TENURE, check_tenure_table

__all__ = ["brier_scores", "concordance", "survival_calibration"]


def concordance(model: ChurnTimeModel, table: pd.DataFrame) -> float:
    """Harrell's concordance index of the model's risk ranking on ``table``.

    The share of comparable pairs of customers (the shorter tenure ended in churn) in which
    the one who left first has the higher risk score; 0.5 is chance, 1 a perfect ranking.

    Parameters
    ----------
    model : ChurnTimeModel
        A fitted model.
    table : pandas.DataFrame
        A tenure table (a holdout: customers the model was not fitted on).

    Returns
    -------
    float
    """
    frame = check_tenure_table(table)
    risk = model.risk_score(frame).to_numpy()
    return float(
        lifelines().utils.concordance_index(
            frame[TENURE].to_numpy(), -risk, frame[CHURNED].to_numpy()
        )
    )


def brier_scores(
    model: ChurnTimeModel, table: pd.DataFrame, *, horizons: Sequence[int]
) -> pd.DataFrame:
    """Time-dependent Brier scores of the predicted ``S(t | x)``, with censoring weights.

    Parameters
    ----------
    model : ChurnTimeModel
        A fitted model.
    table : pandas.DataFrame
        A tenure table of holdout customers.
    horizons : sequence of int
        Renewal points ``t`` at which to score (each below the longest tenure observed).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``horizon``: ``brier`` (the model), ``brier_km`` (the Kaplan-Meier curve
        of ``table``: every customer gets the same survival), ``skill`` (``1 - brier /
        brier_km``: the share of the reference error the attributes remove) and
        ``customers_known`` (whose status at ``t`` is known).

    Examples
    --------
    >>> from crm_analytics.datasets import make_contracts
    >>> from crm_analytics.survival import contract_tenure
    >>> table = contract_tenure(make_contracts(4_000, seed=2), as_of="2024-01-01")
    >>> train, holdout = table.iloc[::2], table.iloc[1::2]
    >>> model = ChurnTimeModel(attributes=["plan", "payment"]).fit(train)
    >>> scores = brier_scores(model, holdout, horizons=[6, 12])
    >>> bool((scores["brier"] < scores["brier_km"]).all())
    True
    """
    frame = check_tenure_table(table)
    times = whole_periods(horizons, "horizons", minimum=1)
    tenure, churned = frame[TENURE].to_numpy(), frame[CHURNED].to_numpy()
    if times.max() > tenure.max():
        raise DataValidationError(
            f"horizons {times.tolist()} reach beyond the longest tenure in the table "
            f"({tenure.max()}); nobody's status is known there"
        )
    predicted = model.survival_function(frame, times).to_numpy()
    reference = _kaplan_meier(tenure, churned, times)
    censoring = _censoring_survival(tenure, churned)
    rows = {}
    for column, horizon in enumerate(times):
        weights, alive = ipcw_weights(tenure, churned, horizon, censoring)
        model_score = float(np.mean(weights * (alive - predicted[:, column]) ** 2))
        km_score = float(np.mean(weights * (alive - reference[column]) ** 2))
        rows[int(horizon)] = {
            "brier": model_score,
            "brier_km": km_score,
            "skill": 1.0 - model_score / km_score if km_score > 0 else 0.0,
            "customers_known": int(np.sum(weights > 0)),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("horizon")


def survival_calibration(
    model: ChurnTimeModel, table: pd.DataFrame, *, horizon: int, n_bins: int = 5
) -> pd.DataFrame:
    """Predicted against observed survival at ``horizon``, by bins of predicted survival.

    Customers are split into ``n_bins`` equal-sized bins of predicted ``S(horizon | x)``;
    in each, the mean prediction is set against the Kaplan-Meier estimate of the bin's
    customers (which handles their censoring), with its 95% interval.

    Returns
    -------
    pandas.DataFrame
        One row per bin: ``mean_predicted``, ``observed``, ``lower``, ``upper``,
        ``customers``.
    """
    frame = check_tenure_table(table)
    (point,) = whole_periods([horizon], "horizon", minimum=1)
    if isinstance(n_bins, bool) or not isinstance(n_bins, int) or n_bins < 1:
        raise DataValidationError(f"n_bins must be a whole number >= 1, got {n_bins!r}")
    predicted = model.survival_function(frame, [point]).to_numpy()[:, 0]
    order = np.argsort(predicted, kind="stable")
    bins = np.empty(len(predicted), dtype=np.int64)
    bins[order] = np.arange(len(predicted)) * n_bins // len(predicted)
    tenure, churned = frame[TENURE].to_numpy(), frame[CHURNED].to_numpy()
    fitter = lifelines().KaplanMeierFitter()
    rows = []
    for number in range(n_bins):
        members = bins == number
        if not members.any():
            continue
        fitter.fit(tenure[members], churned[members], timeline=np.arange(point + 1))
        bands = fitter.confidence_interval_.to_numpy()[point]
        rows.append(
            {
                "mean_predicted": float(predicted[members].mean()),
                "observed": float(fitter.survival_function_.to_numpy()[point, 0]),
                "lower": float(bands[0]),
                "upper": float(bands[1]),
                "customers": int(members.sum()),
            }
        )
    return pd.DataFrame(rows)


def ipcw_weights(
    tenure: np.ndarray, churned: np.ndarray, horizon: int, censoring: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Censoring weights and status at ``horizon`` (1 = still active after it).

    ``censoring[t]`` is ``G(t) = P(C > t)`` on whole periods. A customer who left at
    ``T <= horizon`` weighs ``1 / G(T - 1)`` (known because not censored before ``T``), one
    with tenure ``>= horizon`` who had not left by then weighs ``1 / G(horizon - 1)``, others
    0.

    Examples
    --------
    >>> weights, alive = ipcw_weights(np.array([1, 2, 3]), np.array([True, False, True]), 2,
    ...                               np.array([1.0, 1.0, 0.5, 0.5]))
    >>> weights.tolist(), alive.tolist()
    ([1.0, 1.0, 1.0], [0.0, 1.0, 1.0])
    """
    left = churned & (tenure <= horizon)
    active = (tenure > horizon) | (~churned & (tenure == horizon))
    weights = np.zeros(len(tenure))
    weights[left] = 1.0 / censoring[tenure[left] - 1]
    weights[active] = 1.0 / censoring[horizon - 1]
    return weights, active.astype(np.float64)


def _censoring_survival(tenure: np.ndarray, churned: np.ndarray) -> np.ndarray:
    """``G(t) = P(C > t)`` for ``t = 0 .. max(tenure)``: Kaplan-Meier of the censoring times.

    An active customer with tenure ``t`` is censored at ``t``; at risk of it are the customers
    under observation and not gone by ``t``: active ones with tenure ``t`` and everyone with a
    longer tenure (one who left at ``t`` did not renew there, so cannot be seen active there).
    """
    size = int(tenure.max()) + 1
    censored = np.bincount(tenure[~churned], minlength=size)
    beyond = len(tenure) - np.cumsum(np.bincount(tenure, minlength=size))
    at_risk = beyond + censored
    hazard = np.divide(censored, at_risk, out=np.zeros(size), where=at_risk > 0)
    # G reaches 0 only past the last censoring time, where no one's status is known; keep it
    # positive so those (unused) weights stay finite.
    return np.maximum(np.cumprod(1.0 - hazard), np.finfo(np.float64).tiny)


def _kaplan_meier(tenure: np.ndarray, churned: np.ndarray, times: np.ndarray) -> np.ndarray:
    timeline = np.arange(int(tenure.max()) + 1)
    fitter = lifelines().KaplanMeierFitter().fit(tenure, churned, timeline=timeline)
    return fitter.survival_function_.to_numpy()[times, 0]
