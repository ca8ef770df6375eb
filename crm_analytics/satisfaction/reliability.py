"""Cronbach's alpha: how consistently the items of one dimension measure the same thing."""

from __future__ import annotations

import warnings

import pandas as pd

from crm_analytics._answers import answers
from crm_analytics.exceptions import DataValidationError

__all__ = ["cronbach_alpha"]


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha of a multi-item dimension (Cronbach 1951).

    .. math::

        \\alpha = \\frac{k}{k - 1}\\left(1 - \\frac{\\sum_i s_i^2}{s_X^2}\\right)

    with ``k`` items, ``s_i^2`` the sample variance of item ``i`` and ``s_X^2`` that of the
    respondents' item totals (both with ``n - 1`` in the denominator, so the value equals
    Hoyt's two-way ANOVA form ``1 - MS_residual / MS_respondents``). Around 0.7 or more is
    the usual bar for averaging the items into one score (Nunnally and Bernstein 1994);
    a negative alpha means items that disagree, often a reverse-worded item left unreversed.

    Parameters
    ----------
    items : pandas.DataFrame
        One column per item of the dimension (at least two), one row per response, answers
        as numbers. Responses with a missing answer are left out (listwise, as SPSS and R's
        ``psych::alpha`` with complete cases do), with a warning saying how many.

    Returns
    -------
    float

    Raises
    ------
    DataValidationError
        Fewer than two items or two complete responses, answers that are not numbers, or
        totals that do not vary (alpha is undefined).

    Examples
    --------
    The three-question example of R's ``fmsb::CronbachAlpha`` (Bland and Altman 1997):

    >>> quest = pd.DataFrame({"Q1": [1, 5, 2, 3, 4, 2, 3, 4, 3, 2],
    ...                       "Q2": [2, 4, 1, 2, 4, 1, 2, 5, 2, 1],
    ...                       "Q3": [2, 5, 1, 3, 3, 2, 2, 4, 2, 2]})
    >>> round(cronbach_alpha(quest), 4)
    0.9295
    """
    values = answers(items, list(getattr(items, "columns", [])), name="items")
    if values.shape[1] < 2:
        raise DataValidationError(
            f"items has {values.shape[1]} column(s); Cronbach's alpha needs at least two "
            "items of one dimension (one column per item)"
        )
    complete = values.notna().all(axis=1)
    if not complete.all():
        warnings.warn(
            f"{int((~complete).sum()):,} of {len(values):,} responses have a missing answer "
            "and were left out of Cronbach's alpha",
            stacklevel=2,
        )
    matrix = values[complete].to_numpy()
    if matrix.shape[0] < 2:
        raise DataValidationError(
            f"items has {matrix.shape[0]} complete response(s); Cronbach's alpha needs at least two"
        )
    n_items = matrix.shape[1]
    total_variance = matrix.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        raise DataValidationError(
            "every response has the same item total, so Cronbach's alpha is undefined "
            "(0 / 0); it needs responses that differ"
        )
    item_variance = matrix.var(axis=0, ddof=1).sum()
    return float(n_items / (n_items - 1) * (1 - item_variance / total_variance))
