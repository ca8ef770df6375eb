"""Fixtures of the CLV tests: the papers' datasets shipped in the package, and lifetimes.

The published-value tests read `crm_analytics.datasets` and run on a core install; lifetimes
is the reference of the equality tests only, which take the ``lifetimes`` fixture
(tests/conftest.py) and skip without it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analytics.datasets import load_cdnow_summary, load_donations


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    """2,357 CDNOW customers: frequency, recency, T in weeks, indexed by customer_id (FHL 2005)."""
    return load_cdnow_summary()


@pytest.fixture(scope="session")
def cdnow_monetary() -> pd.DataFrame:
    """The same customers with their mean repeat-purchase spend (monetary_value)."""
    return load_cdnow_summary(monetary_value=True)


@pytest.fixture(scope="session")
def donations() -> pd.DataFrame:
    """FHS (2010)'s 11,104 donors as 22 distinct histories with their counts (``weights``)."""
    return load_donations()
