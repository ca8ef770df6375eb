"""Runs of equal consecutive values in sorted arrays, for vectorised group-by-first logic."""

from __future__ import annotations

import numpy as np


def run_starts(*keys: np.ndarray) -> np.ndarray:
    """Whether each position starts a run of equal consecutive values of all ``keys``.

    Examples
    --------
    >>> run_starts(np.array([1, 1, 2, 2]), np.array([5, 6, 6, 6])).tolist()
    [True, True, True, False]
    >>> run_starts(np.array([], dtype=int)).tolist()
    []
    """
    starts = np.zeros(len(keys[0]), dtype=bool)
    starts[:1] = True
    for key in keys:
        starts[1:] |= key[1:] != key[:-1]
    return starts


def position_in_run(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal consecutive values of ``groups``.

    Examples
    --------
    >>> position_in_run(np.array([7, 7, 7, 3, 9, 9])).tolist()
    [0, 1, 2, 0, 0, 1]
    """
    starts = run_starts(groups)
    start_index = np.maximum.accumulate(np.where(starts, np.arange(len(groups)), 0))
    return np.arange(len(groups)) - start_index
