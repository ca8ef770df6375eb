"""Fixtures for the scoring tests: a simulated shop, models fitted once, plots off-screen."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

from crm_analytics.scoring import FittedModels, ScoringConfig, fit_models
from tests.scoring.shop import FAST_MODEL, simulated_shop

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def shop() -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulated_shop()


@pytest.fixture(scope="session")
def config() -> ScoringConfig:
    return ScoringConfig.from_dict(
        {"customers": {"attributes": ["region", "channel"]}, "model": FAST_MODEL}
    )


@pytest.fixture(scope="session")
def models(shop, config) -> FittedModels:
    transactions, customers = shop
    return fit_models(transactions, customers, config=config)
