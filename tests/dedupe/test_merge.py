"""Merging duplicate records into surviving ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.dedupe.candidates import find_duplicate_customers
from crm_analytics.dedupe.merge import merge_customers
from crm_analytics.exceptions import DataValidationError
from crm_analytics.io import apply_customer_mapping
from tests.dedupe.conftest import ON


@pytest.fixture
def chain() -> tuple[pd.DataFrame, pd.DataFrame]:
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e", "f", "g"],
            "signup_date": pd.to_datetime(
                ["2024-03-01", "2024-01-01", "2024-02-01", "2023-01-01", "2024-05-01", None,
                 "2024-01-01"]
            ),
        }
    )  # fmt: skip
    pairs = pd.DataFrame(
        {
            "customer_id_1": ["a", "b", "c", "e", "g"],
            "customer_id_2": ["b", "c", "d", "f", "b"],
            "score": [0.99, 0.8, 0.3, 0.95, 0.6],
            "reasons": ["email", "phone", "name", "email, phone", "name"],
        }
    )
    return customers, pairs


def test_groups_and_survivors(chain):
    customers, pairs = chain
    mapping, audit = merge_customers(customers, pairs, threshold=0.5)
    # a-b-c-g linked (c-d is below the threshold): b and g signed up first, b is the
    # smaller id. e-f: f has no signup date, so e survives.
    assert mapping.to_dict() == {"a": "b", "c": "b", "f": "e", "g": "b"}
    assert audit.index.tolist() == ["b", "g", "c", "a", "e", "f"]
    assert audit["group_size"].tolist() == [4, 4, 4, 4, 2, 2]
    assert audit["survivor"].tolist() == [True, False, False, False, True, False]
    assert audit.loc["c", "best_score"] == 0.8
    assert audit.loc["b", "reasons"] == "email"
    assert "d" not in audit.index
    mapping, _ = merge_customers(customers, pairs, threshold=0.9)
    assert mapping.to_dict() == {"a": "b", "f": "e"}


def test_smallest_id_survives_without_signup_dates(chain):
    customers, pairs = chain
    mapping, _ = merge_customers(customers[["customer_id"]], pairs, threshold=0.5)
    assert mapping.to_dict() == {"b": "a", "c": "a", "f": "e", "g": "a"}


def test_mapping_is_stable_under_reordering(chain):
    customers, pairs = chain
    expected = merge_customers(customers, pairs, threshold=0.5)
    swapped = pairs.rename(
        columns={"customer_id_1": "customer_id_2", "customer_id_2": "customer_id_1"}
    )
    for seed in range(3):
        shuffled = merge_customers(
            customers.sample(frac=1, random_state=seed),
            swapped.sample(frac=1, random_state=seed),
            threshold=0.5,
        )
        pd.testing.assert_series_equal(shuffled[0], expected[0])
        pd.testing.assert_frame_equal(shuffled[1], expected[1])


def test_merging_generated_records(records):
    pairs = find_duplicate_customers(records, on=ON)
    mapping, audit = merge_customers(records, pairs, threshold=0.5)
    person = records.set_index("customer_id")["person_id"]
    surviving = pd.Series(records["customer_id"].to_numpy(), index=records["customer_id"])
    surviving.update(mapping)
    # Every person ends with about one id, and ids rarely span two people.
    ids_per_person = surviving.groupby(person).nunique()
    people_per_id = person.groupby(surviving.to_numpy()).nunique()
    assert (ids_per_person == 1).mean() > 0.97
    assert (people_per_id == 1).mean() > 0.99
    # The survivor is its group's first signup.
    first = records.set_index("customer_id")["signup_date"].groupby(audit["surviving_id"]).min()
    signup = records.set_index("customer_id")["signup_date"]
    assert (signup[first.index].to_numpy() == first.to_numpy()).all()


def test_nothing_to_merge():
    customers = pd.DataFrame({"customer_id": [1, 2], "email": ["a@x.org", "b@y.org"]})
    pairs = find_duplicate_customers(customers, on=["email"])
    assert pairs.empty
    mapping, audit = merge_customers(customers, pairs, threshold=0.5)
    assert mapping.empty and audit.empty
    assert apply_customer_mapping(customers, mapping).equals(customers)


def test_merge_errors(chain):
    customers, pairs = chain
    with pytest.raises(DataValidationError, match="threshold=1.5 must be a score"):
        merge_customers(customers, pairs, threshold=1.5)
    with pytest.raises(DataValidationError, match="pairs: column 'score' not found"):
        merge_customers(customers, pairs.drop(columns="score"), threshold=0.5)
    with pytest.raises(DataValidationError, match=r"2 pair\(s\) name ids not in customers"):
        merge_customers(customers.iloc[:3], pairs, threshold=0.5)


def test_mixed_id_types_merge_in_a_deterministic_order():
    customers = pd.DataFrame({"customer_id": np.array([3, "b", 1, "a", 10], dtype=object)})
    pairs = pd.DataFrame(
        {"customer_id_1": [3, "a", 10], "customer_id_2": ["b", 1, "b"], "score": [0.9] * 3}
    )
    # Numbers sort before text, in numeric order: 3 (not 10) survives its group.
    expected = {"a": 1, "b": 3, 10: 3}
    for rows in ([0, 1, 2, 3, 4], [4, 3, 2, 1, 0]):
        mapping, audit = merge_customers(customers.iloc[rows], pairs, threshold=0.5)
        assert mapping.to_dict() == expected
        assert mapping.index.tolist() == [10, "a", "b"]
        assert audit.index.tolist() == [1, "a", 3, 10, "b"]


def test_signup_dates_in_mixed_formats(chain):
    customers, pairs = chain
    written = ["2024-03-01", "2024-01-01T00:00:00+00:00", "2024-02-01 10:00", "2023-01-01",
               "2024-05-01", None, "2024-01-02"]  # fmt: skip
    mapping, _ = merge_customers(customers.assign(signup_date=written), pairs, threshold=0.5)
    assert mapping.to_dict() == {"a": "b", "c": "b", "f": "e", "g": "b"}


def test_unusable_scores_and_dates_are_named(chain):
    customers, pairs = chain
    with pytest.raises(
        DataValidationError, match=r"column 'score' has dtype str, not numbers, in its 5 rows"
    ):
        merge_customers(customers, pairs.assign(score=pairs["score"].astype(str)), threshold=0.5)
    unreadable = customers.assign(signup_date=["n/a", *customers["signup_date"].astype(str)[1:]])
    with pytest.raises(
        DataValidationError,
        match=r"column 'signup_date' has 1 value that is not dates \(e\.g\. 'n/a'\), out of 7",
    ):
        merge_customers(unreadable, pairs, threshold=0.5)


def test_text_signup_dates_whose_day_and_month_no_value_settles_point_to_the_reader(chain):
    customers, pairs = chain
    text = customers.assign(
        signup_date=["03/01/2024", "01/01/2024", "02/01/2024", "01/01/2023", "05/01/2024",
                     None, "01/01/2024"]
    )  # fmt: skip
    with pytest.raises(
        DataValidationError,
        match=r"customers: column 'signup_date': 3 of 6 dates such as '03/01/2024' \(row 1\).*"
        r"here, read the customer table with crm_analytics.io.read_customers\(\.\.\., "
        r"dayfirst=\.\.\.\) first",
    ):
        merge_customers(text, pairs, threshold=0.5)
    # Dates of any age are the reader's to judge: 1900 here is just the earliest.
    old = customers.assign(signup_date=customers["signup_date"].fillna(pd.Timestamp("1900-01-01")))
    mapping, _ = merge_customers(old, pairs, threshold=0.5)
    assert mapping.to_dict() == {"a": "b", "c": "b", "e": "f", "g": "b"}
