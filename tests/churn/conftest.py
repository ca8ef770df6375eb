"""Fixtures for the churn tests: a small simulated shop, plots drawn off-screen."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

from crm_analytics.datasets import make_transactions

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def shop() -> tuple[pd.DataFrame, pd.DataFrame]:
    """1,500 simulated customers over 18 months from 2024-01-01; the table without the truth."""
    transactions, customers = make_transactions(1500, seed=7)
    return transactions, customers[["customer_id", "signup_date", "region", "channel"]]
