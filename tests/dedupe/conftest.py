"""Generated customer records with planted duplicates, shared by the dedupe tests."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analytics.datasets.people import make_customer_records

ON = ["first_name", "last_name", "email", "phone", "address", "postcode"]


@pytest.fixture(scope="package")
def records() -> pd.DataFrame:
    return make_customer_records(3_000, seed=11)


def true_pairs(records: pd.DataFrame) -> set[tuple[str, str]]:
    """The (smaller id, larger id) pairs of records of one person."""
    merged = records.merge(records, on="person_id")
    merged = merged[merged["customer_id_x"] < merged["customer_id_y"]]
    return set(zip(merged["customer_id_x"], merged["customer_id_y"], strict=True))
