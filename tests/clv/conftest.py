"""Fixtures of the CLV fitter tests: the FHL (2005) CDNOW calibration sample from lifetimes."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    """2,357 CDNOW customers: frequency, recency, T in weeks, indexed by customer (ID)."""
    datasets = pytest.importorskip("lifetimes.datasets")
    return datasets.load_cdnow_summary(index_col=[0])


@pytest.fixture(scope="session")
def cdnow_monetary() -> pd.DataFrame:
    """The same customers with their mean repeat-purchase spend (monetary_value)."""
    datasets = pytest.importorskip("lifetimes.datasets")
    return datasets.load_cdnow_summary_data_with_monetary_value()
