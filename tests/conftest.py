"""Shared fixtures for the test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The real public datasets live beside the repository (../shared/data); CRM_SHARED_DATA
# points elsewhere, e.g. from a second checkout.
SHARED_DATA = Path(
    os.environ.get(
        "CRM_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real public datasets beside the repo; skips the test when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real datasets not available: {SHARED_DATA} is absent")
    return SHARED_DATA
