"""Shared fixtures for the test suite."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def lifetimes():
    """The lifetimes package, the reference CLV implementation; skips the test without it."""
    return pytest.importorskip(
        "lifetimes", reason="lifetimes (the reference) is not installed: pip install lifetimes"
    )


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """A local Spark session (two cores, UTC); skips when pyspark or Java is missing.

    Mark Spark test modules ``pytest.mark.xdist_group("spark")``: with ``--dist loadgroup``
    one worker runs them all, so one session starts.
    """
    pyspark_sql = pytest.importorskip(
        "pyspark.sql", reason="pyspark is not installed (pip install 'crm-analytics[spark]')"
    )
    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java 17 runtime on the PATH; java was not found")
    # Python workers must run this interpreter, which has the package's dependencies.
    patch = pytest.MonkeyPatch()
    patch.setenv("PYSPARK_PYTHON", sys.executable)
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("crm_analytics tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    patch.undo()
