"""The Net Promoter Score, with a confidence interval."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from crm_analytics._answers import answers
from crm_analytics.exceptions import DataValidationError

__all__ = ["NPSResult", "nps"]

_METHODS = ("adjusted_wald", "wald")


@dataclass(frozen=True)
class NPSResult:
    """A Net Promoter Score in points (-100..100), with its interval and counts.

    ``float(result)`` is the score. ``low`` and ``high`` bound it at ``confidence``.

    Examples
    --------
    >>> result = nps([10, 9, 8, 3])
    >>> float(result), result.promoters, result.detractors
    (25.0, 2, 1)
    """

    score: float
    low: float
    high: float
    confidence: float
    n: int
    promoters: int
    passives: int
    detractors: int
    method: str

    def __float__(self) -> float:
        return self.score

    @property
    def interval(self) -> tuple[float, float]:
        """``(low, high)`` in points."""
        return self.low, self.high


def nps(scores: object, *, confidence: float = 0.95, method: str = "adjusted_wald") -> NPSResult:
    """Net Promoter Score of 0-10 likelihood-to-recommend answers (Reichheld 2003).

    Promoters answer 9 or 10, passives 7 or 8, detractors 0 to 6, and

    .. math::

        \\mathrm{NPS} = 100\\,(\\hat p_{pro} - \\hat p_{det}), \\qquad
        \\mathrm{Var}(\\hat p_{pro} - \\hat p_{det}) =
        \\frac{p_{pro} + p_{det} - (p_{pro} - p_{det})^2}{n}

    the variance of a difference of two proportions of one trinomial sample. The interval is
    the estimated difference plus or minus ``z`` standard errors, clipped to -100..100:

    - ``"adjusted_wald"`` (default) estimates the proportions with 3/4 added to the promoters
      and to the detractors and 3 to ``n`` (Rocks 2016, *Interval estimation for the "net
      promoter score"*, The American Statistician 70(4), 365-372), the method that kept
      closest to its nominal coverage in his comparison, also with small samples;
    - ``"wald"`` uses the raw proportions (too narrow for small ``n`` or extreme scores).

    Parameters
    ----------
    scores : array-like or pandas.Series
        Answers on the 0-10 scale; missing answers are left out.
    confidence : float, default 0.95
        Coverage of the interval, in (0, 1).
    method : {"adjusted_wald", "wald"}, default "adjusted_wald"
        How the interval is computed (the score itself is the same).

    Returns
    -------
    NPSResult
        ``score`` (``float(result)``), ``low``, ``high`` (``interval``), ``n`` and the
        counts of promoters, passives and detractors.

    Raises
    ------
    DataValidationError
        Answers that are not whole numbers from 0 to 10, no answers, or a ``confidence``
        or ``method`` that cannot work.

    Examples
    --------
    40 promoters, 30 passives and 30 detractors: NPS = 40% - 30% = 10 points.

    >>> result = nps([10] * 40 + [7] * 30 + [2] * 30)
    >>> result.score
    10.0
    >>> [round(bound, 1) for bound in result.interval]
    [-6.3, 25.7]
    """
    if method not in _METHODS:
        raise DataValidationError(
            f"method={method!r} is not one of {', '.join(map(repr, _METHODS))}"
        )
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, (int, float))
        or not (0 < confidence < 1)
    ):
        raise DataValidationError(
            f"confidence={confidence!r} must be a probability in (0, 1), e.g. 0.95"
        )
    series = scores if isinstance(scores, pd.Series) else pd.Series(np.asarray(scores).ravel())
    values = answers(series.to_frame("scores"), ["scores"], name="scores", scale=(0, 10))
    values = values["scores"].dropna().to_numpy()
    if values.size == 0:
        raise DataValidationError("scores holds no answers; NPS needs at least one 0-10 answer")
    fractional = values[values != np.round(values)]
    if fractional.size:
        raise DataValidationError(
            f"scores: {fractional.size:,} answers are not whole numbers (e.g. "
            f"{fractional[:3].tolist()}); likelihood to recommend is answered 0, 1, ..., 10"
        )
    n = values.size
    promoters = int((values >= 9).sum())
    detractors = int((values <= 6).sum())
    added, added_n = (0.75, 3.0) if method == "adjusted_wald" else (0.0, 0.0)
    p_pro = (promoters + added) / (n + added_n)
    p_det = (detractors + added) / (n + added_n)
    centre = p_pro - p_det
    variance = (p_pro + p_det - centre**2) / (n + added_n)
    half = stats.norm.ppf(0.5 + confidence / 2) * np.sqrt(variance)
    return NPSResult(
        score=100.0 * (promoters - detractors) / n,
        low=float(100.0 * max(centre - half, -1.0)),
        high=float(100.0 * min(centre + half, 1.0)),
        confidence=float(confidence),
        n=n,
        promoters=promoters,
        passives=n - promoters - detractors,
        detractors=detractors,
        method=method,
    )
