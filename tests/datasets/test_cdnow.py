"""load_cdnow reads the CDNOW log shipped in lifetimes."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from crm_analytics.datasets import load_cdnow

pytest.importorskip("lifetimes")


def test_full_log_has_the_published_size() -> None:
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


def test_missing_lifetimes_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "lifetimes", None)
    monkeypatch.setitem(sys.modules, "lifetimes.datasets", None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install crm-analytics\[lifetimes\]"):
        load_cdnow()
