"""crm_analytics.clv.datasets: lifetimes' loaders, the same frames from the shipped files."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analytics.clv import datasets

LOADERS = [
    ("load_cdnow_summary", {}),
    ("load_cdnow_summary", {"index_col": [0]}),
    ("load_cdnow_summary_data_with_monetary_value", {}),
    ("load_donations", {}),
    ("load_transaction_data", {}),
    ("load_transaction_data", {"parse_dates": ["date"]}),
]


@pytest.mark.parametrize(("name", "options"), LOADERS)
def test_loaders_equal_lifetimes(lifetimes, name, options):
    from lifetimes import datasets as reference

    pd.testing.assert_frame_equal(
        getattr(datasets, name)(**options), getattr(reference, name)(**options)
    )


def test_load_dataset_reads_any_shipped_file_as_lifetimes(lifetimes):
    from lifetimes.datasets import load_dataset

    options = {"sep": r"\s+", "header": None}
    pd.testing.assert_frame_equal(
        datasets.load_dataset("CDNOW_sample.txt", **options),
        load_dataset("CDNOW_sample.txt", **options),
    )


def test_loaders_need_no_lifetimes(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "lifetimes", None)
    assert datasets.load_cdnow_summary(index_col=[0])["frequency"].sum() == 2_457
    assert datasets.load_transaction_data()["id"].nunique() == 5_000
