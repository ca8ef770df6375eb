"""Fixtures for the report tests: a simulated shop with every input, and a headless Chromium."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from crm_analytics.report import ReportInputs
from tests.report.shop_report import shop_report_inputs

CHROMIUM = os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium")
#: The flags the brief of the browser tests asks for: nothing phones home, nothing is kept.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("CRM_TEST_ARTIFACTS", REPO / "build" / "test-artifacts")) / "report"


@pytest.fixture(scope="session")
def shop_report() -> tuple[pd.DataFrame, ReportInputs]:
    """The scored shop (1,500 customers) with quality, cohorts, previous run and model checks."""
    return shop_report_inputs(1_500, seed=3)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Chromium (Debian's) driven by Playwright, with a fresh profile."""
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="playwright is not installed (pip install 'crm-analytics[dev]')",
    )
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="crm-chromium-")
    with sync_api.sync_playwright() as playwright:
        try:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_FLAGS,
                viewport={"width": 1100, "height": 900},
            )
        except Exception as error:  # the browser exists but cannot start here
            shutil.rmtree(profile, ignore_errors=True)
            pytest.skip(f"Chromium does not start: {error}")
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)
