"""Fixtures of the run tests: the scoring fixtures (a simulated shop, models fitted once), its
scored table, and a PostgreSQL server started here."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pandas as pd
import pytest

from crm_analytics.scoring import ScoringConfig, score_customers
from tests.runs.postgres_server import PostgresServer, start_server
from tests.scoring.conftest import config, models, shop
from tests.scoring.shop import FAST_MODEL, simulated_shop

__all__ = ["config", "models", "postgres", "scored", "shop"]


@pytest.fixture(scope="session")
def scored() -> pd.DataFrame:
    """The simulated shop's scored table (2,000 customers, every model)."""
    transactions, customers = simulated_shop()
    config = ScoringConfig.from_dict(
        {"customers": {"attributes": ["region", "channel"]}, "model": FAST_MODEL}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return score_customers(transactions, customers, config=config)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of its own for this test session; skips when none can start."""
    pytest.importorskip(
        "psycopg", reason="psycopg is not installed (pip install 'crm-analytics[sql]')"
    )
    try:
        server = start_server()
    except RuntimeError as error:
        pytest.skip(f"cannot start a PostgreSQL server: {error}")
    yield server
    server.stop()
