"""Frequent itemsets and association rules: hand-counted cases and mlxtend as reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlxtend.frequent_patterns import association_rules as mlxtend_rules
from mlxtend.frequent_patterns import fpgrowth

from crm_analytics.associations.rules import association_rules, frequent_itemsets
from crm_analytics.exceptions import DataValidationError
from tests.associations.conftest import random_baskets


def _rule(rules: pd.DataFrame, antecedents: set, consequents: set) -> pd.Series:
    match = (rules["antecedents"] == frozenset(antecedents)) & (
        rules["consequents"] == frozenset(consequents)
    )
    assert match.sum() == 1
    return rules[match].iloc[0]


def test_five_orders_metrics_by_hand(five_orders):
    rules = association_rules(five_orders, min_support=0.2)
    # Three pairs give two rules each, the triple gives six.
    assert len(rules) == 12
    # bread -> milk: s = 3/5, conf = 3/4, lift = 0.75 / 0.8, leverage = 0.6 - 0.8 * 0.8,
    # conviction = (1 - 0.8) / (1 - 0.75).
    rule = _rule(rules, {"bread"}, {"milk"})
    assert rule["support"] == pytest.approx(0.6)
    assert rule["confidence"] == pytest.approx(0.75)
    assert rule["lift"] == pytest.approx(0.9375)
    assert rule["leverage"] == pytest.approx(-0.04)
    assert rule["conviction"] == pytest.approx(0.8)
    assert rule["n_orders"] == 3
    # butter -> bread holds in every order with butter: confidence 1, conviction infinite.
    rule = _rule(rules, {"butter"}, {"bread"})
    assert (rule["support"], rule["confidence"]) == pytest.approx((0.4, 1.0))
    assert (rule["lift"], rule["leverage"]) == pytest.approx((1.25, 0.08))
    assert rule["conviction"] == np.inf
    # bread -> butter: conf = 2/4, lift = 0.5 / 0.4, conviction = 0.6 / 0.5.
    rule = _rule(rules, {"bread"}, {"butter"})
    assert (rule["confidence"], rule["lift"], rule["conviction"]) == pytest.approx((0.5, 1.25, 1.2))
    # {bread, milk} -> butter: conf = (1/5) / (3/5), lift = (1/3) / (2/5),
    # leverage = 0.2 - 0.6 * 0.4, conviction = 0.6 / (2/3).
    rule = _rule(rules, {"bread", "milk"}, {"butter"})
    assert rule["antecedent_support"] == pytest.approx(0.6)
    assert rule["consequent_support"] == pytest.approx(0.4)
    assert (rule["confidence"], rule["lift"]) == pytest.approx((1 / 3, 5 / 6))
    assert (rule["leverage"], rule["conviction"]) == pytest.approx((-0.04, 0.9))
    # Sorted by lift, then confidence, then support, all descending.
    assert rules["lift"].is_monotonic_decreasing
    assert rules.loc[0, "antecedents"] == frozenset({"butter"})


def test_five_orders_itemsets_by_hand(five_orders):
    itemsets = frequent_itemsets(five_orders, min_support=0.2)
    counts = dict(zip(itemsets["itemsets"], itemsets["n_orders"], strict=True))
    assert counts == {
        frozenset({"bread"}): 4,
        frozenset({"milk"}): 4,
        frozenset({"butter"}): 2,
        frozenset({"bread", "milk"}): 3,
        frozenset({"bread", "butter"}): 2,
        frozenset({"milk", "butter"}): 1,
        frozenset({"bread", "milk", "butter"}): 1,
    }
    assert itemsets["support"].tolist() == pytest.approx(itemsets["n_orders"] / 5)
    assert itemsets["n_orders"].is_monotonic_decreasing


def test_min_confidence_and_max_len(five_orders):
    rules = association_rules(five_orders, min_support=0.2, min_confidence=0.6, max_len=2)
    sides = zip(rules["antecedents"], rules["consequents"], strict=True)
    pairs = {(tuple(antecedents), tuple(consequents)) for antecedents, consequents in sides}
    # Confidences of the pair rules: bread->milk 3/4, milk->bread 3/4, butter->bread 1,
    # bread->butter 1/2, milk->butter 1/4, butter->milk 1/2.
    assert pairs == {(("bread",), ("milk",)), (("milk",), ("bread",)), (("butter",), ("bread",))}


def test_returns_and_duplicate_lines_are_ignored(five_orders):
    noisy = pd.concat(
        [
            five_orders.assign(quantity=1),
            pd.DataFrame({"order_id": [4, 6], "product": ["bread", "jam"], "quantity": [-1, -2]}),
            five_orders.assign(quantity=3).head(2),
        ],
        ignore_index=True,
    )
    expected = association_rules(five_orders, min_support=0.2)
    pd.testing.assert_frame_equal(association_rules(noisy, min_support=0.2), expected)


def test_threshold_counts_whole_orders():
    # 0.07 * 100 is 7.000000000000001 in floating point; an item in exactly 7 of the
    # 100 orders still reaches min_support=0.07.
    log = pd.DataFrame(
        {"order_id": np.r_[np.arange(100), np.arange(7)], "product": ["a"] * 100 + ["b"] * 7}
    )
    itemsets = frequent_itemsets(log, min_support=0.07)
    assert set(itemsets["itemsets"]) == {frozenset({"a"}), frozenset({"b"}), frozenset("ab")}
    assert frequent_itemsets(log, min_support=0.071)["itemsets"].tolist() == [frozenset("a")]


@pytest.mark.parametrize("algorithm", ["fpgrowth", "hmine"])
def test_equals_mlxtend_on_random_baskets(algorithm):
    baskets = random_baskets(307, 14, seed=3)
    onehot = pd.crosstab(baskets["order_id"], baskets["product"]).astype(bool)
    reference_sets = fpgrowth(onehot, min_support=0.05, use_colnames=True)
    reference = mlxtend_rules(
        reference_sets, num_itemsets=len(onehot), metric="confidence", min_threshold=0.3
    )
    ours = association_rules(baskets, min_support=0.05, min_confidence=0.3, algorithm=algorithm)
    assert len(ours) == len(reference) > 40

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        keys = [frame[side].map(lambda items: tuple(sorted(items))) for side in
                ("antecedents", "consequents")]  # fmt: skip
        return frame.set_index(keys).sort_index()

    columns = ["support", "confidence", "lift", "leverage", "conviction"]
    expected = keyed(reference).rename(
        columns={"antecedent support": "antecedent_support",
                 "consequent support": "consequent_support"}
    )  # fmt: skip
    got = keyed(ours)
    assert got.index.equals(expected.index)
    for column in [*columns, "antecedent_support", "consequent_support"]:
        np.testing.assert_allclose(got[column], expected[column], rtol=1e-12, err_msg=column)

    itemsets = frequent_itemsets(baskets, min_support=0.05, algorithm=algorithm)
    assert dict(zip(itemsets["itemsets"], itemsets["support"], strict=True)) == pytest.approx(
        dict(zip(reference_sets["itemsets"], reference_sets["support"], strict=True))
    )


@settings(max_examples=25, deadline=None)
@given(
    chosen=st.lists(st.lists(st.sampled_from("abcde"), min_size=1, max_size=4), min_size=1,
                    max_size=30),
    min_support=st.floats(0.05, 1.0),
)  # fmt: skip
def test_rule_metrics_match_brute_force_counts(chosen, min_support):
    log = pd.DataFrame(
        [(order, product) for order, products in enumerate(chosen) for product in products],
        columns=["order_id", "product"],
    )
    baskets = [set(products) for products in chosen]

    def count(items: frozenset) -> int:
        return sum(items <= basket for basket in baskets)

    rules = association_rules(log, min_support=min_support)
    n = len(baskets)
    for antecedents, consequents, support, confidence, lift in rules[
        ["antecedents", "consequents", "support", "confidence", "lift"]
    ].itertuples(index=False):
        both = count(antecedents | consequents)
        assert not antecedents & consequents
        assert both >= min_support * n * (1 - 1e-9)
        assert support == pytest.approx(both / n)
        assert confidence == pytest.approx(both / count(antecedents))
        assert lift == pytest.approx(both * n / (count(antecedents) * count(consequents)))


def test_missing_columns_are_named():
    log = pd.DataFrame({"InvoiceNo": [1, 2], "product": ["a", "b"]})
    with pytest.raises(DataValidationError, match=r"column 'order_id' not found.*InvoiceNo"):
        association_rules(log, min_support=0.5)
    log = pd.DataFrame({"order_id": [1, 2], "StockCode": ["a", "b"]})
    with pytest.raises(DataValidationError, match=r"column 'product' not found.*product=\.\.\."):
        frequent_itemsets(log, min_support=0.5)


def test_missing_values_are_counted():
    log = pd.DataFrame({"order_id": [1, 2, None], "product": ["a", None, "b"]})
    with pytest.raises(DataValidationError, match=r"'order_id' has 1 missing value\(s\) \(rows 2"):
        association_rules(log, min_support=0.5)


def test_bad_arguments(five_orders):
    with pytest.raises(DataValidationError, match=r"min_support=0 must be a share in \(0, 1\]"):
        association_rules(five_orders, min_support=0)
    with pytest.raises(DataValidationError, match=r"min_confidence=1.5 must be a share"):
        association_rules(five_orders, min_support=0.2, min_confidence=1.5)
    with pytest.raises(DataValidationError, match="max_len=1: a rule has at least two"):
        association_rules(five_orders, min_support=0.2, max_len=1)
    with pytest.raises(DataValidationError, match="algorithm='apriori' is not supported"):
        frequent_itemsets(five_orders, min_support=0.2, algorithm="apriori")
    with pytest.raises(DataValidationError, match="must be a pandas DataFrame"):
        association_rules(five_orders.to_dict(), min_support=0.2)
    returns = five_orders.assign(quantity=-1)
    with pytest.raises(DataValidationError, match="none of the 10 lines is a purchase"):
        association_rules(returns, min_support=0.2)


def test_nothing_frequent_gives_empty_tables(five_orders):
    rules = association_rules(five_orders, min_support=0.9)
    assert rules.empty
    assert "conviction" in rules.columns
    assert frequent_itemsets(five_orders, min_support=0.9).empty


def test_quantities_that_are_not_numbers_are_named(five_orders):
    log = five_orders.assign(quantity=[1, "two", 1, 1, 1, 1, 1, 1, 1, 1])
    with pytest.raises(
        DataValidationError,
        match=r"transactions: column 'quantity' has 1 value that is not numbers "
        r"\(e\.g\. 'two'\), out of 10 rows",
    ):
        frequent_itemsets(log, min_support=0.2)
    # Numbers written as text are numbers; a gap is not a return.
    readable = five_orders.assign(quantity=["1", "1", None, "-1", "2", "1", "1", "1", "1", "1"])
    counts = frequent_itemsets(readable, min_support=0.2).set_index("itemsets")["n_orders"]
    # Order 2's butter is a return; its bread, without a quantity, still counts.
    assert counts[frozenset({"butter"})] == 1
    assert counts[frozenset({"bread"})] == 4
