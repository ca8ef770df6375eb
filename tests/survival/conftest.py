"""Fixtures of the survival tests: simulated contract customers and their tenure tables."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analytics.datasets import make_contracts
from crm_analytics.survival import contract_tenure

AS_OF = "2024-01-01"
# make_contracts' default log hazard ratios, against basic plan / card payment.
TRUE_EFFECTS = {"plan[plus]": -0.4, "plan[premium]": -0.8, "payment[invoice]": 0.5}


@pytest.fixture(scope="session")
def lifelines():
    return pytest.importorskip(
        "lifelines", reason="lifelines is not installed (pip install 'crm-analytics[survival]')"
    )


@pytest.fixture(scope="session")
def proportional() -> pd.DataFrame:
    """10,000 customers whose churn propensities barely vary (theta ~ Beta(400, 3600)): given
    their attributes, lifetimes follow proportional hazards with the default effects."""
    customers = make_contracts(10_000, seed=7, alpha=400, beta=3600)
    return contract_tenure(customers, as_of=AS_OF)


@pytest.fixture(scope="session")
def contracts() -> pd.DataFrame:
    """6,000 customers of the default heterogeneous process, with their true lifetimes."""
    return make_contracts(6_000, seed=11)
