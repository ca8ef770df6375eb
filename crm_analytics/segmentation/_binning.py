"""Tie-aware quantile bins shared by RFM scores, quantile tiers and the value matrix.

Most customers buy once, so frequency (and often monetary value) is heavily tied, and
``pandas.qcut`` either fails on duplicate edges or splits identical customers at random.
The rule here never splits ties and needs no tie-breaking:

    score = 1 + floor(bins * share of the reference customers with a strictly worse value)

It gives exactly equal bins on untied data (counts differ by at most one when ``bins``
does not divide the number of customers), gives every tied group one score, gives the
worst group score 1, and skips the scores a large tied group jumps over (a 70% mass of
one-time buyers scores 1 and the first repeat buyers score 4 of 5: they beat 70%).
It is equivalent to ``bins - 1`` edges, the ``ceil(k n / bins)``-th smallest value for
k = 1 .. bins-1, and a score of 1 plus the number of edges the value strictly beats, so
the edges learned on one period score the next period identically.
"""

from __future__ import annotations

import numpy as np


def learn_edges(values: np.ndarray, bins: int, *, higher_is_better: bool = True) -> np.ndarray:
    """The ``bins - 1`` tie-aware quantile edges of ``values``, worst to best.

    Examples
    --------
    >>> learn_edges(np.array([1.0, 1, 1, 1, 1, 1, 1, 2, 3, 4]), 5)
    array([1., 1., 1., 2.])
    >>> learn_edges(np.arange(1.0, 11.0), 5, higher_is_better=False)
    array([9., 7., 5., 3.])
    """
    if not higher_is_better:
        return -learn_edges(-values, bins)
    n_values = values.size
    ranks = np.arange(1, bins)
    # ceil(k n / bins) in integer arithmetic: float quantiles misplace edges by one row
    positions = -(-ranks * n_values // bins) - 1
    return np.sort(np.partition(values, positions)[positions])


def score(values: np.ndarray, edges: np.ndarray, *, higher_is_better: bool = True) -> np.ndarray:
    """One plus the number of edges each value strictly beats, as int64 in 1..len(edges)+1.

    Examples
    --------
    >>> edges = learn_edges(np.array([1.0, 1, 1, 1, 1, 1, 1, 2, 3, 4]), 5)
    >>> score(np.array([1.0, 2, 3, 4, 10]), edges)
    array([1, 4, 5, 5, 5])
    >>> score(np.array([1.0, 5, 10]), np.array([9.0, 7, 5, 3]), higher_is_better=False)
    array([5, 3, 1])
    """
    if higher_is_better:
        beaten = np.searchsorted(edges, values, side="left")
    else:
        beaten = edges.size - np.searchsorted(edges[::-1], values, side="right")
    return (beaten + 1).astype(np.int64)


def edge_at(values: np.ndarray, quantile: float) -> float:
    """The value a customer must strictly beat to beat ``quantile`` of all customers.

    Examples
    --------
    >>> edge_at(np.array([5.0, 1, 4, 2, 3]), 0.6)
    3.0
    """
    # the same order statistic as learn_edges, ceil(q n); the tolerance keeps q n = 8.000001 at 8
    position = max(int(np.ceil(quantile * values.size - 1e-9)), 1) - 1
    return float(np.partition(values, position)[position])
