"""Evaluate per-customer model quantities once per distinct history.

A million customers typically share a few tens of thousands of distinct
(frequency, recency, T) histories; predicting on the distinct rows and
broadcasting back is where most of the scoring speed comes from.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

# Predictions over more cells than this evaluate their costly terms once per distinct row.
COLLAPSE_ABOVE = 10_000
# Largest number of distinct keys one int64 key may have to tell apart.
_MAX_KEY = 2**62
# Key ranges up to this many times the number of keys, plus _DENSE_EXTRA, are renumbered
# through a dense table.
_DENSE_FACTOR = 16
_DENSE_EXTRA = 1 << 16


def unique_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of equal-length 1-D arrays, and where each input row went.

    Parameters
    ----------
    *columns : numpy.ndarray
        Equal-length 1-D arrays without NaN, read together as rows.

    Returns
    -------
    uniques : list of numpy.ndarray
        One array per input column holding the distinct rows, in order of first appearance.
    inverse : numpy.ndarray
        For each input row, the position of its distinct row, so
        ``uniques[j][inverse]`` rebuilds ``columns[j]``.

    Examples
    --------
    >>> uniques, inverse = unique_rows(np.array([1, 1, 2, 1]), np.array([5.0, 5.0, 5.0, 6.0]))
    >>> [u.tolist() for u in uniques], inverse.tolist()
    ([[1, 2, 1], [5.0, 5.0, 6.0]], [0, 0, 1, 2])
    """
    n_rows = len(columns[0])
    # Code each column (whole numbers in a modest range are their own codes; others are
    # hashed) and fold the codes into one key per row, renumbered after each column so
    # that it stays small: far faster than np.unique(axis=0) or a MultiIndex.
    inverse, n_distinct = np.zeros(n_rows, dtype=np.int64), 1
    for column in columns:
        codes = _whole_number_key((column,))
        n_levels = int(codes.max()) + 1 if codes is not None else 0
        if codes is None or n_distinct * n_levels > _MAX_KEY:
            codes, levels = pd.factorize(column)
            n_levels = len(levels)
        inverse, n_distinct = _renumber(inverse * n_levels + codes, n_distinct * n_levels)
    first_rows = np.full(n_distinct if n_rows else 0, n_rows, dtype=np.int64)
    # Reversed assignment leaves each slot holding the first row that produced it.
    first_rows[inverse[::-1]] = np.arange(n_rows)[::-1]
    # Number the distinct rows in order of first appearance (first rows are distinct, so a
    # table over the rows sorts them without a sort).
    slot = np.full(n_rows, -1, dtype=np.int64)
    slot[first_rows] = np.arange(n_distinct)
    order = slot[slot >= 0]
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    return [np.asarray(column)[first_rows[order]] for column in columns], position[inverse]


def _renumber(key: np.ndarray, key_range: int) -> tuple[np.ndarray, int]:
    """Keys in ``[0, key_range)`` renumbered ``0, 1, ...``, and how many distinct ones there are.

    Small ranges (the usual case: whole-period histories) go through a dense table, several
    times faster than hashing; others are factorised.

    Examples
    --------
    >>> codes, n_distinct = _renumber(np.array([7, 3, 7]), 8)
    >>> codes.tolist(), n_distinct
    ([1, 0, 1], 2)
    """
    if key_range <= _DENSE_FACTOR * len(key) + _DENSE_EXTRA:
        present = np.zeros(key_range, dtype=bool)
        present[key] = True
        distinct = np.flatnonzero(present)
        # Left uninitialised: only the slots of keys present are written and read.
        rank = np.empty(key_range, dtype=np.int64)
        rank[distinct] = np.arange(len(distinct))
        return rank[key], len(distinct)
    codes, levels = pd.factorize(key)
    return codes.astype(np.int64, copy=False), len(levels)


def _whole_number_key(columns: tuple[np.ndarray, ...]) -> np.ndarray | None:
    """One int64 per row telling rows apart, or None unless all columns are modest whole numbers.

    Counts and period numbers (the discrete-time models' histories) pack into one key, which
    is factorised once instead of once per column and once per fold.

    Examples
    --------
    >>> _whole_number_key((np.array([0.0, 2.0, 1.0]), np.array([3, 3, 4]))).tolist()
    [0, 2, 4]
    >>> _whole_number_key((np.array([0.5, 1.0]),)) is None
    True
    """
    key = np.zeros(len(columns[0]), dtype=np.int64)
    span = 1
    for column in map(np.asarray, columns):
        if column.size == 0 or column.dtype.kind not in "iuf":
            return None
        low = column.min()
        size = float(column.max()) - float(low) + 1
        if not np.isfinite(size) or size > _MAX_KEY / span:
            return None
        if column.dtype.kind == "f" and not np.array_equal(column, np.floor(column)):
            return None
        key += (column - low).astype(np.int64) * span
        span *= int(size)
    return key


def evaluate_on_unique_rows(
    function: Callable[..., np.ndarray], *columns: np.ndarray
) -> np.ndarray:
    """Call ``function(*columns)`` once per distinct row and broadcast the result back.

    Parameters
    ----------
    function : callable
        Element-wise function of the columns, returning one value per row.
    *columns : numpy.ndarray
        Equal-length 1-D arrays without NaN.

    Returns
    -------
    numpy.ndarray
        ``function(*columns)`` as float64, one value per input row.

    Examples
    --------
    >>> evaluate_on_unique_rows(np.add, np.array([1, 1, 2]), np.array([3, 3, 3]))
    array([4., 4., 5.])
    """
    uniques, inverse = unique_rows(*columns)
    values = np.asarray(function(*uniques), dtype=np.float64).reshape(-1)
    return values[inverse]
