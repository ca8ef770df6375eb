"""Applying a merge of duplicate customer records to a table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.dedupe import merge_customers
from crm_analytics.exceptions import DataValidationError
from crm_analytics.io.mapping import apply_customer_mapping, mapped_customer_ids


def test_apply_mapping_to_a_log():
    customers = pd.DataFrame({"customer_id": list("abcdefg")})
    pairs = pd.DataFrame(
        {"customer_id_1": ["a", "e", "g"], "customer_id_2": ["b", "f", "b"], "score": [0.9] * 3}
    )
    mapping, _ = merge_customers(customers, pairs, threshold=0.5)
    log = pd.DataFrame(
        {"customer_id": ["a", "b", "d", "f", "g", "zz"], "amount": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}
    )
    merged, moved = mapped_customer_ids(log, mapping)
    assert moved == 3
    pd.testing.assert_frame_equal(apply_customer_mapping(log, mapping), merged)
    assert merged["customer_id"].tolist() == ["a", "a", "d", "e", "a", "zz"]
    assert merged["customer_id"].dtype == log["customer_id"].dtype
    assert log["customer_id"].tolist()[0] == "a"
    assert merged.groupby("customer_id")["amount"].sum().to_dict() == {
        "a": 8.0, "d": 3.0, "e": 4.0, "zz": 6.0
    }  # fmt: skip
    numeric = apply_customer_mapping(
        pd.DataFrame({"customer_id": np.array([1, 2, 3])}), pd.Series({2: 1})
    )
    assert numeric["customer_id"].tolist() == [1, 1, 3]
    assert numeric["customer_id"].dtype == np.int64


def test_apply_mapping_errors():
    log = pd.DataFrame({"customer_id": ["a", "b"]})
    with pytest.raises(DataValidationError, match=r"1 surviving id\(s\) are themselves mapped"):
        apply_customer_mapping(log, pd.Series({"a": "b", "b": "c"}))
    with pytest.raises(DataValidationError, match="mapping must be a pandas Series"):
        apply_customer_mapping(log, {"a": "b"})
    with pytest.raises(DataValidationError, match="column 'customer_id' not found"):
        apply_customer_mapping(log.rename(columns={"customer_id": "id"}), pd.Series({"a": "b"}))
    with pytest.warns(UserWarning, match="none of the 1 mapped ids occurs in transactions"):
        apply_customer_mapping(log, pd.Series({1: 2}))


def test_apply_mapping_keeps_the_id_type_or_says_why_not():
    log = pd.DataFrame({"customer_id": [1, 2, 3]})
    with pytest.raises(
        DataValidationError,
        match=r"surviving ids such as 'x' cannot be stored in transactions column "
        r"'customer_id' of dtype int64 \(1 of the 1 rows",
    ):
        apply_customer_mapping(log, pd.Series({1: "x"}))
    with pytest.raises(DataValidationError, match=r"cannot be stored.*\(1 of the 1 rows"):
        apply_customer_mapping(log, pd.Series({1: 2.5}))
    with pytest.raises(DataValidationError, match=r"1 old id\(s\) map to a missing surviving"):
        apply_customer_mapping(log, pd.Series({1: np.nan, 2: 3.0}))
    assert apply_customer_mapping(log, pd.Series({1: 2.0}))["customer_id"].tolist() == [2, 2, 3]
