"""Churn model metrics (ranking, calibration, lift) and the curves behind the plots.

Every function takes the true 0/1 labels and one score per customer (a churn probability, or
any number that is higher for likelier churners for the ranking metrics).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from crm_analytics.exceptions import DataValidationError

__all__ = [
    "auc_difference",
    "calibration_curve",
    "churn_metrics",
    "gains_curve",
    "metrics_table",
]

_EPSILON = 1e-6


def _labels_and_scores(y_true: object, scores: object) -> tuple[np.ndarray, np.ndarray]:
    try:
        labels = np.asarray(y_true, dtype=np.float64)
        values = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise DataValidationError(
            f"labels and scores must be numbers (0/1 labels, probabilities): {error}"
        ) from None
    if labels.shape != values.shape or labels.ndim != 1:
        raise DataValidationError(
            f"labels ({labels.shape}) and scores ({values.shape}) must be 1-D and of one length"
        )
    if np.isnan(values).any():
        raise DataValidationError(
            f"scores hold {int(np.isnan(values).sum())} missing value(s); score every customer"
        )
    if not np.isin(labels, (0, 1)).all() or labels.min() == labels.max():
        raise DataValidationError(
            "labels must be 0/1 with both classes present to compute churn metrics"
        )
    return labels, values


def churn_metrics(
    y_true: object, scores: object, *, top: tuple[float, ...] = (0.1, 0.2)
) -> dict[str, float]:
    """ROC-AUC, PR-AUC, Brier score, log-loss and lift/capture at the top shares.

    Parameters
    ----------
    y_true : array-like of 0/1
        1 = churned.
    scores : array-like of float
        Churn probabilities (Brier and log-loss assume probabilities in [0, 1]).
    top : tuple of float, default (0.1, 0.2)
        Shares of customers, highest scores first, for lift and capture.

    Returns
    -------
    dict
        ``roc_auc``, ``pr_auc`` (average precision), ``brier``, ``log_loss``, ``base_rate``
        and, per share ``s`` (in percent), ``lift_top_s`` (churn rate among the top ``s``
        over the overall churn rate) and ``capture_top_s`` (share of all churners found there).

    Examples
    --------
    >>> metrics = churn_metrics([1, 1, 0, 0, 1, 0, 0, 0, 0, 0],
    ...                         [0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.1, 0.2, 0.1, 0.05], top=(0.2,))
    >>> metrics["lift_top_20"], metrics["capture_top_20"]
    (3.333..., 0.666...)
    >>> round(metrics["roc_auc"], 4)
    0.881
    """
    labels, values = _labels_and_scores(y_true, scores)
    if not all(isinstance(share, (int, float)) and 0 < share <= 1 for share in top):
        raise DataValidationError(
            f"top={top!r}: pass shares of customers in (0, 1], e.g. (0.1, 0.2) for the top "
            "10% and 20%"
        )
    clipped = np.clip(values, _EPSILON, 1 - _EPSILON)
    result = {
        "roc_auc": float(roc_auc_score(labels, values)),
        "pr_auc": float(average_precision_score(labels, values)),
        "brier": float(brier_score_loss(labels, clipped)),
        "log_loss": float(log_loss(labels, clipped)),
        "base_rate": float(labels.mean()),
    }
    fraction, captured = gains_curve(labels, values)
    for share in top:
        # The gains curve is linear between customers, so any share can be read off it.
        capture = float(np.interp(share, fraction, captured))
        result[f"lift_top_{round(share * 100)}"] = capture / share
        result[f"capture_top_{round(share * 100)}"] = capture
    return result


def metrics_table(
    y_true: object, scores: Mapping[str, object], *, top: tuple[float, ...] = (0.1, 0.2)
) -> pd.DataFrame:
    """:func:`churn_metrics` for several scorers, one row each (index ``scorer``).

    Examples
    --------
    >>> y = [1, 0, 1, 0]
    >>> metrics_table(y, {"model": [0.9, 0.2, 0.7, 0.4], "coin": [0.5, 0.5, 0.5, 0.5]})["roc_auc"]
    scorer
    model    1.0
    coin     0.5
    Name: roc_auc, dtype: float64
    """
    rows = {name: churn_metrics(y_true, values, top=top) for name, values in scores.items()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("scorer")


def gains_curve(y_true: object, scores: object) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative share of churners captured against the share of customers contacted.

    Customers are taken highest score first; tied scores are spread evenly (their churners
    counted in proportion), so the curve does not depend on the row order.

    Returns
    -------
    fraction, captured : numpy.ndarray
        Both start at 0 and end at 1.

    Examples
    --------
    >>> fraction, captured = gains_curve([1, 0, 1, 0], [0.9, 0.1, 0.8, 0.2])
    >>> captured.tolist()
    [0.0, 0.5, 1.0, 1.0, 1.0]
    """
    labels, values = _labels_and_scores(y_true, scores)
    order = np.argsort(-values, kind="stable")
    sorted_values, sorted_labels = values[order], labels[order]
    # Group ties: the curve moves in straight lines across each group of equal scores.
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    positives = np.add.reduceat(sorted_labels, starts)
    fraction = np.r_[0.0, ends / len(values)]
    captured = np.r_[0.0, np.cumsum(positives) / labels.sum()]
    full = np.linspace(0.0, 1.0, len(values) + 1)
    return full, np.interp(full, fraction, captured)


def calibration_curve(y_true: object, scores: object, *, n_bins: int = 10) -> pd.DataFrame:
    """Mean predicted probability against the observed churn rate, by quantile bins of score.

    Returns
    -------
    pandas.DataFrame
        One row per bin: ``mean_predicted``, ``observed_rate``, ``n_customers``.

    Examples
    --------
    >>> calibration_curve([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.9], n_bins=2)
       mean_predicted  observed_rate  n_customers
    0            0.15            0.0            2
    1            0.80            1.0            2
    """
    labels, values = _labels_and_scores(y_true, scores)
    order = np.argsort(values, kind="stable")
    bins = np.empty(len(values), dtype=np.int64)
    bins[order] = np.arange(len(values)) * n_bins // len(values)
    counts = np.bincount(bins, minlength=n_bins)
    kept = counts > 0
    predicted = np.bincount(bins, weights=values, minlength=n_bins)[kept] / counts[kept]
    observed = np.bincount(bins, weights=labels, minlength=n_bins)[kept] / counts[kept]
    return pd.DataFrame(
        {"mean_predicted": predicted, "observed_rate": observed, "n_customers": counts[kept]}
    )


def auc_difference(
    y_true: object, base: object, candidate: object, *, confidence: float = 0.95
) -> dict[str, float]:
    """ROC-AUC of two scorers of the same customers, and their difference with DeLong's interval.

    DeLong, DeLong and Clarke-Pearson (1988), "Comparing the areas under two or more
    correlated receiver operating characteristic curves: a nonparametric approach",
    Biometrics 44(3): each AUC is the mean of its placement values (the share of the other
    class each customer outranks, ties counting half), and the variance of the difference
    comes from the covariance of the two scorers' placement values over the churners and
    over the others, so the pairing of the scores (same customers) is taken into account.

    Parameters
    ----------
    y_true : array-like of 0/1
        1 = churned.
    base, candidate : array-like of float
        Two scores of the same customers (higher = likelier to churn), e.g. a model without
        and with a group of features.
    confidence : float, default 0.95
        Coverage of the interval, in (0, 1).

    Returns
    -------
    dict
        ``base`` and ``candidate`` (their ROC-AUC), ``difference`` (candidate - base), its
        standard error ``se`` and interval ``low``, ``high`` (normal approximation), and
        ``p_value`` (two-sided, of no difference).

    Examples
    --------
    >>> result = auc_difference([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.3, 0.2],
    ...                         [0.1, 0.3, 0.45, 0.8, 0.2, 0.6])
    >>> round(result["base"], 4), round(result["candidate"], 4), round(result["difference"], 4)
    (0.6667, 1.0, 0.3333)
    """
    labels, first = _labels_and_scores(y_true, base)
    _, second = _labels_and_scores(y_true, candidate)
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, (int, float))
        or not (0 < confidence < 1)
    ):
        raise DataValidationError(f"confidence={confidence!r} must be in (0, 1), e.g. 0.95")
    positive = labels == 1
    m, n = int(positive.sum()), int((~positive).sum())
    placements_pos, placements_neg = [], []
    for values in (first, second):
        ranks = stats.rankdata(values)
        within_pos = stats.rankdata(values[positive])
        within_neg = stats.rankdata(values[~positive])
        placements_pos.append((ranks[positive] - within_pos) / n)
        placements_neg.append(1.0 - (ranks[~positive] - within_neg) / m)
    auc = [float(np.mean(values)) for values in placements_pos]
    contrast = np.array([-1.0, 1.0])
    variance = 0.0
    for placements, size in ((placements_pos, m), (placements_neg, n)):
        if size > 1:
            variance += contrast @ np.cov(np.vstack(placements)) @ contrast / size
    se = float(np.sqrt(max(variance, 0.0)))
    difference = auc[1] - auc[0]
    z = stats.norm.ppf(0.5 + confidence / 2)
    p_value = float(2 * stats.norm.sf(abs(difference) / se)) if se > 0 else float(difference == 0)
    return {
        "base": auc[0],
        "candidate": auc[1],
        "difference": difference,
        "se": se,
        "low": float(difference - z * se),
        "high": float(difference + z * se),
        "p_value": p_value,
    }
