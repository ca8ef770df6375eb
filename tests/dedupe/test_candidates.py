"""Candidate duplicate pairs: scores by hand, precision and recall on planted duplicates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from crm_analytics.datasets import make_customer_records
from crm_analytics.dedupe.candidates import find_duplicate_customers
from crm_analytics.exceptions import DataValidationError
from tests.dedupe.conftest import ON, true_pairs


def _logistic(weight: float) -> float:
    return 1 / (1 + math.exp(-weight))


@pytest.fixture
def family() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "name": ["John Smith", "SMITH, John", "Mary Smith", "Jon Smith"],
            "email": ["john.smith@gmail.com", "johnsmith+x@gmail.com", "mary.s@yahoo.co.uk", None],
            "phone": ["020 7946 0018", "+44 20 7946 0018", "020 7946 0018", None],
        }
    )


def test_scores_by_hand(family):
    pairs = find_duplicate_customers(family, on=["name", "email", "phone"], min_score=0.0)
    pairs = pairs.set_index(["customer_id_1", "customer_id_2"])
    # Prior -6; name, e-mail and phone agree after normalisation: +5 +6 +5.
    assert pairs.loc[(1, 2), "match_weight"] == pytest.approx(10)
    assert pairs.loc[(1, 2), "score"] == pytest.approx(_logistic(10))
    assert pairs.loc[(1, 2), "reasons"] == "name 1.00, email, phone"
    # Mary shares John's phone, but "john smith" / "mary smith" have similarity 0.6,
    # below the name floor 0.75 (-6), and the e-mails differ (-1): -6 - 6 - 1 + 5.
    assert pairs.loc[(1, 3), "similarity_name"] == pytest.approx(0.6)
    assert pairs.loc[(1, 3), "match_weight"] == pytest.approx(-8)
    assert pairs.loc[(1, 3), "reasons"] == "phone"
    # "jon smith" is one deletion from "john smith": similarity 1 - 1/19; it is 0.79 of
    # the way from the floor 0.75 to 1, so the name adds -6 + 0.79 * 11; nothing else
    # is known about record 4.
    similarity = 1 - 1 / 19
    assert pairs.loc[(1, 4), "similarity_name"] == pytest.approx(similarity)
    assert np.isnan(pairs.loc[(1, 4), "similarity_email"])
    agreement = (similarity - 0.75) / 0.25
    assert pairs.loc[(1, 4), "match_weight"] == pytest.approx(-6 + (-6 + agreement * 11))
    # Best first; min_score filters.
    assert pairs["score"].is_monotonic_decreasing
    strong = find_duplicate_customers(family, on=["name", "email", "phone"])
    assert strong[["customer_id_1", "customer_id_2"]].values.tolist() == [[1, 2]]


def test_precision_and_recall_on_planted_duplicates(records):
    pairs = find_duplicate_customers(records, on=ON)
    truth = true_pairs(records)
    found = set(zip(pairs["customer_id_1"], pairs["customer_id_2"], strict=True))
    found = {tuple(sorted(pair)) for pair in found}
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    # Measured: precision 0.997, recall 0.982 (3,332 records of 3,000 people, 385 pairs).
    assert precision > 0.95
    assert recall > 0.95


def test_row_order_does_not_matter(records):
    sample = records.sample(600, random_state=0)
    first = find_duplicate_customers(sample, on=ON, min_score=0.1)
    second = find_duplicate_customers(sample.sample(frac=1, random_state=1), on=ON, min_score=0.1)

    def keyed(pairs: pd.DataFrame) -> pd.Series:
        ordered = pairs[["customer_id_1", "customer_id_2"]].apply(
            sorted, axis=1, result_type="expand"
        )
        return pairs.set_index(pd.MultiIndex.from_frame(ordered))["score"].sort_index()

    pd.testing.assert_series_equal(keyed(first), keyed(second), check_names=False)


def test_placeholder_values_do_not_form_blocks():
    n = 60
    customers = pd.DataFrame(
        {
            "customer_id": range(n),
            "name": [f"Person {chr(65 + i % 26)}{i}" for i in range(n)],
            "email": ["noemail@shop.com"] * n,
        }
    )
    with pytest.warns(UserWarning, match=r"email: 1 value\(s\) shared by more than max_block_size"):
        pairs = find_duplicate_customers(customers, on=["name", "email"], min_score=0.0)
    # Only sorted-neighbourhood pairs remain (forward and backward names, window 5).
    assert len(pairs) <= 2 * 4 * n


def test_kinds_from_a_dict_and_text_fields():
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "full": ["Ann Lee", "ann lee"],
            "contact": ["ann@x.org", "ANN@X.ORG"],
            "club": ["Gold", "gold "],
        }
    )
    pairs = find_duplicate_customers(
        customers, on={"full": "name", "contact": "email", "club": "text"}, min_score=0
    )
    assert pairs.loc[0, "reasons"] == "name 1.00, contact, club"
    # -6 + 5 (name) + 6 (e-mail) + 1 (text).
    assert pairs.loc[0, "match_weight"] == pytest.approx(6)


def test_input_errors(family):
    with pytest.raises(DataValidationError, match=r"column 'mobile' not found.*name, email"):
        find_duplicate_customers(family, on=["name", "mobile"])
    with pytest.raises(DataValidationError, match=r"unknown kind\(s\) \{'name': 'person'\}"):
        find_duplicate_customers(family, on={"name": "person"})
    with pytest.raises(DataValidationError, match="pass a list of the columns"):
        find_duplicate_customers(family, on="name")
    repeated = family.assign(customer_id=[1, 1, 2, 3])
    with pytest.raises(DataValidationError, match=r"2 rows with a repeated id \(e\.g\. 1\)"):
        find_duplicate_customers(repeated, on=["name"])
    missing = family.assign(customer_id=[1, None, 2, 3])
    with pytest.raises(DataValidationError, match=r"'customer_id' has 1 missing value"):
        find_duplicate_customers(missing, on=["name"])
    with pytest.raises(DataValidationError, match="window=1: pass an integer >= 2"):
        find_duplicate_customers(family, on=["name"], window=1)
    with pytest.raises(DataValidationError, match="min_score=2 must be between 0 and 1"):
        find_duplicate_customers(family, on=["name"], min_score=2)


@pytest.fixture(scope="module")
def small_records() -> pd.DataFrame:
    return make_customer_records(200, seed=0)


def test_missing_postcodes_leave_the_other_pairs_unchanged(small_records):
    on = ["first_name", "last_name", "postcode"]
    blanked = small_records["customer_id"].iloc[:6]
    gappy = small_records.assign(postcode=small_records["postcode"].mask(small_records.index < 6))
    pairs = find_duplicate_customers(gappy, on=on, min_score=0)
    full = find_duplicate_customers(small_records, on=on, min_score=0)
    # Records with a postcode are paired and scored exactly as before; the blanked ones
    # have no postcode similarity.
    involved = pairs["customer_id_1"].isin(blanked) | pairs["customer_id_2"].isin(blanked)
    unaffected = ~(full["customer_id_1"].isin(blanked) | full["customer_id_2"].isin(blanked))
    pd.testing.assert_frame_equal(
        pairs[~involved].reset_index(drop=True), full[unaffected].reset_index(drop=True)
    )
    assert involved.any()
    assert pairs.loc[involved, "similarity_postcode"].isna().all()


@pytest.mark.parametrize("on", [["address"], ["postcode"], {"address": "text"}])
def test_fields_that_cannot_pair_records_are_refused(small_records, on):
    with pytest.raises(
        DataValidationError,
        match=r"none of these fields can pair records, so the 223 records.*'name', 'email', "
        r"'phone'\), or a postcode together with a name; add such a column",
    ):
        find_duplicate_customers(small_records, on=on)


def test_an_empty_column_adds_nothing(small_records):
    with pytest.warns(UserWarning, match="email: all 223 values are missing"):
        pairs = find_duplicate_customers(small_records.assign(email=None), on=ON)
    without = find_duplicate_customers(small_records, on=[c for c in ON if c != "email"])
    assert pairs["similarity_email"].isna().all()
    pd.testing.assert_frame_equal(pairs.drop(columns="similarity_email"), without)


def test_unknown_phone_region_is_refused(family):
    with pytest.raises(DataValidationError, match=r"default_region='UK' is not a region.*'GB'"):
        find_duplicate_customers(family, on=["name", "phone"], default_region="UK")
    with pytest.raises(DataValidationError, match="min_score='0.5' must be between 0 and 1"):
        find_duplicate_customers(family, on=["name"], min_score="0.5")
