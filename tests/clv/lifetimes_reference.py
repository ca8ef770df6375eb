"""Checks shared by the tests that hold the transaction fitters to lifetimes' results."""

from __future__ import annotations

import numpy as np
import pandas as pd

HISTORY = ("frequency", "recency", "T")


def history_arrays(summary: pd.DataFrame) -> list[np.ndarray]:
    """The ``frequency``, ``recency`` and ``T`` columns of ``summary`` as arrays."""
    return [summary[column].to_numpy() for column in HISTORY]


def assert_same_predictions(ours, reference, summary: pd.DataFrame, *, rtol: float = 1e-6):
    """The predictions every continuous-time fitter shares with lifetimes agree to ``rtol``.

    ``reference`` is the lifetimes fitter holding the same ``params_``; compared on the
    customers of ``summary``: P(alive), expected purchases in the next 1, 10 and 52 time units
    given the history, expected purchases of a new customer, and the P(alive) matrix.
    """
    frequency, recency, age = history_arrays(summary)
    np.testing.assert_allclose(
        ours.conditional_probability_alive(frequency, recency, age),
        reference.conditional_probability_alive(frequency, recency, age),
        rtol=rtol,
    )
    for t in (1.0, 10.0, 52.0):
        np.testing.assert_allclose(
            ours.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, age),
            reference.conditional_expected_number_of_purchases_up_to_time(
                t, frequency, recency, age
            ),
            rtol=rtol,
        )
    times = np.array([0.5, 1.0, 10.0, 39.0, 78.0])
    np.testing.assert_allclose(
        ours.expected_number_of_purchases_up_to_time(times),
        reference.expected_number_of_purchases_up_to_time(times),
        rtol=rtol,
    )
    np.testing.assert_allclose(
        ours.conditional_probability_alive_matrix(max_frequency=10, max_recency=20),
        reference.conditional_probability_alive_matrix(max_frequency=10, max_recency=20),
        rtol=rtol,
    )
