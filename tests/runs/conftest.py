"""The scoring fixtures (a simulated shop, models fitted once), shared with the run tests."""

from __future__ import annotations

from tests.scoring.conftest import config, models, shop

__all__ = ["config", "models", "shop"]
