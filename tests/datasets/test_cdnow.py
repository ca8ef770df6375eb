"""The CDNOW and donations data shipped in the package: published sizes, no lifetimes needed."""

from __future__ import annotations

import sys
from importlib import resources

import pandas as pd
import pytest

from crm_analytics.datasets import (
    DATA_FILES,
    load_cdnow,
    load_cdnow_summary,
    load_donations,
    read_dataset,
)
from crm_analytics.exceptions import DataValidationError


@pytest.fixture
def without_lifetimes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import lifetimes`` fail, as on a core install."""
    for name in ("lifetimes", "lifetimes.datasets"):
        monkeypatch.setitem(sys.modules, name, None)


def test_full_log_has_the_published_size(without_lifetimes) -> None:
    log = load_cdnow()
    # Fader, Hardie and Lee (2005): 23,570 customers, first purchase in the first quarter of 1997.
    assert log["customer_id"].nunique() == 23_570
    assert len(log) == 69_659
    first = log.groupby("customer_id")["date"].min()
    assert first.max() == pd.Timestamp("1997-03-25")
    assert log["date"].max() == pd.Timestamp("1998-06-30")
    assert log.columns.tolist() == ["customer_id", "date", "amount", "quantity"]


def test_sample_is_a_tenth_of_the_full_log() -> None:
    sample = load_cdnow(sample=True)
    full = load_cdnow()
    assert sample["customer_id"].nunique() == 2_357
    same_customers = full[full["customer_id"].isin(sample["customer_id"])]
    pd.testing.assert_frame_equal(
        sample.reset_index(drop=True), same_customers.reset_index(drop=True)
    )


def test_summary_has_the_published_counts(without_lifetimes) -> None:
    """FHL (2005): 2,357 customers made 2,457 repeat purchases in the 39 calibration weeks;
    1,411 of them none."""
    summary = load_cdnow_summary(monetary_value=True)
    assert len(summary) == 2_357 and summary.index.name == "customer_id"
    assert summary["frequency"].sum() == 2_457
    assert (summary["frequency"] == 0).sum() == 1_411
    assert summary["T"].max() == pytest.approx(38.86)
    repeat_buyers = summary[summary["frequency"] > 0]
    assert (repeat_buyers["monetary_value"] > 0).all()
    pd.testing.assert_frame_equal(load_cdnow_summary(), summary.drop(columns="monetary_value"))


def test_donations_have_the_published_cohort(without_lifetimes) -> None:
    """FHS (2010): 11,104 donors of 1995 over the six drives of 1996-2001."""
    donations = load_donations()
    assert donations.columns.tolist() == ["frequency", "recency", "n_periods", "weights"]
    assert donations["weights"].sum() == 11_104
    assert (donations["n_periods"] == 6).all() and len(donations) == 22


def test_unknown_file_is_refused_with_the_list() -> None:
    with pytest.raises(
        DataValidationError, match=r"no data file 'cdnow.csv' in crm_analytics; choose one of CDNOW"
    ):
        read_dataset("cdnow.csv")


@pytest.mark.parametrize("filename", DATA_FILES)
def test_shipped_files_are_lifetimes_files(filename: str) -> None:
    lifetimes_files = resources.files(
        pytest.importorskip("lifetimes.datasets", reason="lifetimes is the reference here").__name__
    )
    with (lifetimes_files / filename).open("rb") as handle:
        theirs = pd.read_csv(handle, sep=r"\s+" if filename.endswith(".txt") else ",")
    ours = read_dataset(filename, sep=r"\s+" if filename.endswith(".txt") else ",")
    pd.testing.assert_frame_equal(ours, theirs)
