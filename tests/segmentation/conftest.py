"""Small simulated summaries for the segmentation tests."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analytics.datasets import make_transactions
from crm_analytics.summary import rfm_summary


@pytest.fixture(scope="session")
def simulated_summary() -> pd.DataFrame:
    """rfm_summary of 2,000 simulated CDNOW-like customers (most buy once: heavy ties)."""
    transactions, _ = make_transactions(2_000, seed=7)
    return rfm_summary(transactions)
