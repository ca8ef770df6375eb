"""Evaluate per-customer model quantities once per distinct history.

A million customers typically share a few tens of thousands of distinct
(frequency, recency, T) histories; predicting on the distinct rows and
broadcasting back is where most of the scoring speed comes from.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

# Key ranges up to twice the number of rows plus this are renumbered through a dense table.
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
        One array per input column holding the distinct rows (in a deterministic order).
    inverse : numpy.ndarray
        For each input row, the position of its distinct row, so
        ``uniques[j][inverse]`` rebuilds ``columns[j]``.

    Examples
    --------
    >>> uniques, inverse = unique_rows(np.array([1, 1, 2, 1]), np.array([5.0, 5.0, 5.0, 6.0]))
    >>> [u.tolist() for u in uniques], inverse.tolist()
    ([[1, 1, 2], [5.0, 6.0, 5.0]], [0, 0, 2, 1])
    """
    # Factorise column by column and fold the codes into one key per row, renumbered after
    # each column so that it stays below n**2: far faster than np.unique(axis=0) or a
    # MultiIndex. Small key ranges (the usual case: whole-period histories) are renumbered
    # through a dense table, others by sorting.
    n_rows = len(columns[0])
    inverse = np.zeros(n_rows, dtype=np.int64)
    n_distinct = 1
    for column in columns:
        codes, n_levels = _codes(np.asarray(column))
        key = inverse * n_levels + codes
        key_range = n_distinct * n_levels
        if key_range <= 2 * n_rows + _DENSE_EXTRA:
            present = np.zeros(key_range, dtype=bool)
            present[key] = True
            rank = np.cumsum(present, dtype=np.int64) - 1
            inverse, n_distinct = rank[key], int(rank[-1]) + 1 if key_range else 0
        else:
            distinct, inverse = np.unique(key, return_inverse=True)
            n_distinct = len(distinct)
    first_rows = np.full(n_distinct if n_rows else 0, -1, dtype=np.int64)
    # Reversed assignment leaves each slot holding the first row that produced it.
    first_rows[inverse[::-1]] = np.arange(n_rows)[::-1]
    return [np.asarray(column)[first_rows] for column in columns], inverse


def _codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes of a column's values, and how many codes there can be.

    Whole numbers in a small range (whole-period histories) are their own codes, offset by
    the minimum, which is several times faster than hashing; other values are factorised.
    """
    if values.dtype.kind in "iuf" and values.size:
        low, high = values.min(), values.max()
        if np.isfinite(low) and np.isfinite(high) and high - low < 2 * values.size + _DENSE_EXTRA:
            shifted = values - low
            codes = shifted.astype(np.int64)
            if values.dtype.kind in "iu" or np.array_equal(codes, shifted):
                return codes, int(high - low) + 1
    codes, levels = pd.factorize(values)
    return codes, len(levels)


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
