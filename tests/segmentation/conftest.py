"""Small simulated summaries for the segmentation tests."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from crm_analytics.datasets import make_transactions
from crm_analytics.summary import rfm_summary


@pytest.fixture(scope="session")
def simulated_summary() -> pd.DataFrame:
    """rfm_summary of 2,000 simulated CDNOW-like customers (most buy once: heavy ties)."""
    transactions, _ = make_transactions(2_000, seed=7)
    return rfm_summary(transactions)


@pytest.fixture(autouse=True)
def _single_threaded() -> Iterator[None]:
    """One OpenMP/BLAS thread: on a shared, busy machine k-means threads spin-wait on each
    other and small fits run ten times slower than on one thread."""
    with threadpool_limits(limits=1):
        yield
