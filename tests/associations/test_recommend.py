"""Rule-based recommendations, the popularity baseline and their time-split evaluation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.associations.recommend import (
    evaluate_recommendations,
    recommend_popular,
    recommend_products,
)
from crm_analytics.associations.rules import association_rules
from crm_analytics.exceptions import DataValidationError
from tests.associations.conftest import random_baskets


@pytest.fixture
def rules(five_orders) -> pd.DataFrame:
    return association_rules(five_orders, min_support=0.2)


def _history(bought: dict[str, list[str]]) -> pd.DataFrame:
    pairs = [(customer, product) for customer, products in bought.items() for product in products]
    return pd.DataFrame(pairs, columns=["customer_id", "product"])


def test_ranks_by_rule_strength_and_skips_bought_products(rules):
    history = _history({"ann": ["bread"], "bob": ["bread", "milk"], "cy": ["butter"]})
    got = recommend_products(history, rules, k=5)
    # ann: bread -> milk (confidence 3/4) before bread -> butter (1/2).
    ann = got.loc[["ann"]]
    assert ann["product"].tolist() == ["milk", "butter"]
    assert ann["rank"].tolist() == [1, 2]
    assert ann["score"].tolist() == pytest.approx([0.75, 0.5])
    assert ann["antecedents"].tolist() == [frozenset({"bread"})] * 2
    # bob has bread and milk: only butter is left, through the strongest rule that fires
    # (bread -> butter, 1/2, beats {bread, milk} -> butter, 1/3, and milk -> butter, 1/4).
    bob = got.loc[["bob"]]
    assert bob["product"].tolist() == ["butter"]
    assert bob["score"].tolist() == pytest.approx([0.5])
    assert bob["antecedents"].tolist() == [frozenset({"bread"})]
    # cy: butter -> bread (1) before butter -> milk (1/2).
    assert got.loc[["cy"], "product"].tolist() == ["bread", "milk"]
    assert got.index.is_monotonic_increasing


def test_metric_changes_the_ranking(five_orders):
    rules = association_rules(five_orders, min_support=0.2, max_len=2)
    history = _history({"ann": ["bread"]})
    # By lift, bread -> butter (1.25) beats bread -> milk (0.9375).
    got = recommend_products(history, rules, k=5, metric="lift")
    assert got["product"].tolist() == ["butter", "milk"]
    assert got["score"].tolist() == pytest.approx([1.25, 0.9375])
    assert recommend_products(history, rules, k=1)["product"].tolist() == ["milk"]


def test_customers_without_a_firing_rule_are_absent(rules):
    history = _history({"ann": ["jam"], "bob": ["bread", "milk", "butter"], "cy": ["milk"]})
    got = recommend_products(history, rules)
    assert got.index.tolist() == ["cy", "cy"]
    empty = recommend_products(_history({"ann": ["jam"]}), rules)
    assert empty.empty
    assert empty.columns.tolist() == ["rank", "product", "score", "antecedents"]


def test_no_rules_gives_no_recommendations(five_orders):
    none = association_rules(five_orders, min_support=0.9)
    assert recommend_products(_history({"ann": ["bread"]}), none).empty


def test_matches_a_brute_force_reference():
    baskets = random_baskets(400, 12, seed=5)
    rules = association_rules(baskets, min_support=0.03)
    rng = np.random.default_rng(0)
    history = baskets.assign(customer_id=rng.integers(0, 60, len(baskets)))
    got = recommend_products(history, rules, k=4, metric="lift")
    bought = history.groupby("customer_id")["product"].agg(frozenset)
    checked = 0
    for customer, products in bought.items():
        best: dict[str, float] = {}
        for antecedents, consequents, lift in rules[
            ["antecedents", "consequents", "lift"]
        ].itertuples(index=False):
            if antecedents <= products:
                for product in consequents - products:
                    best[product] = max(best.get(product, -np.inf), lift)
        expected = sorted(best.values(), reverse=True)[:4]
        mine = got.loc[got.index == customer]
        assert mine["score"].tolist() == pytest.approx(expected)
        assert not set(mine["product"]) & products
        assert [best[product] for product in mine["product"]] == pytest.approx(expected)
        checked += len(mine)
    assert checked == len(got) > 100


def test_popular_excludes_bought_products():
    history = _history({"ann": ["tea", "jam"], "bob": ["tea"], "cy": ["cup", "tea"]})
    got = recommend_popular(history, k=2)
    # Popularity: tea 3/3, cup 1/3, jam 1/3 (ties by product).
    assert got.loc[["ann"], "product"].tolist() == ["cup"]
    assert got.loc[["bob"], "product"].tolist() == ["cup", "jam"]
    assert got.loc[["bob"], "score"].tolist() == pytest.approx([1 / 3, 1 / 3])
    assert got.loc[["cy"], "product"].tolist() == ["jam"]


def _planted_log(seed: int) -> pd.DataFrame:
    """Customers buy a random first product, then later its partner (product pairs)."""
    rng = np.random.default_rng(seed)
    n = 300
    first = rng.integers(0, 20, n)
    partner = first ^ 1
    early = pd.DataFrame(
        {
            "customer_id": np.r_[np.arange(n), np.arange(n)],
            "order_id": np.r_[np.arange(n), np.arange(n)],
            "product": np.r_[first, np.where(rng.random(n) < 0.6, partner, first)],
            "date": pd.Timestamp("2024-01-01"),
        }
    )
    late = pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "order_id": np.arange(n, 2 * n),
            "product": partner,
            "date": pd.Timestamp("2024-03-01"),
        }
    )
    return pd.concat([early, late], ignore_index=True).assign(
        product=lambda frame: "p" + frame["product"].astype(str)
    )


def test_rules_beat_popularity_on_planted_pairs():
    log = _planted_log(seed=1)
    table = evaluate_recommendations(log, split_date="2024-02-01", min_support=0.01, k=1)
    assert table.index.tolist() == ["association_rules", "popularity"]
    rules_row, popular_row = table.loc["association_rules"], table.loc["popularity"]
    # Customers who only bought their first product are evaluated (their partner is new).
    assert rules_row["customers"] == popular_row["customers"] > 80
    assert rules_row["hit_rate"] == 1.0
    assert popular_row["hit_rate"] < 0.2
    assert rules_row["precision"] == rules_row["hit_rate"]
    assert table.loc["association_rules", "n_rules"] > 0
    assert table.loc["popularity", "n_rules"] == 0


def test_evaluation_errors():
    log = _planted_log(seed=1)
    with pytest.raises(DataValidationError, match="leaves no transactions after it"):
        evaluate_recommendations(log, split_date="2025-01-01", min_support=0.01)
    repeat = log[log["date"] < "2024-02-01"].assign(date=pd.Timestamp("2024-01-01"))
    repeat = pd.concat([repeat, repeat.assign(date=pd.Timestamp("2024-03-01"))])
    with pytest.raises(DataValidationError, match="nothing to evaluate"):
        evaluate_recommendations(repeat, split_date="2024-02-01", min_support=0.01)
    with pytest.raises(DataValidationError, match="column 'date' has dtype"):
        evaluate_recommendations(
            log.assign(date=log["date"].astype(str)), split_date="2024-02-01", min_support=0.01
        )


def test_input_errors(rules):
    history = _history({"ann": ["bread"]})
    with pytest.raises(DataValidationError, match=r"customer_history: column 'customer_id' not"):
        recommend_products(history.rename(columns={"customer_id": "CustomerID"}), rules)
    with pytest.raises(DataValidationError, match=r"column 'product' has 1 missing"):
        recommend_products(pd.concat([history, _history({"bob": [None]})]), rules)
    with pytest.raises(DataValidationError, match="metric='zhang' is not a rule metric"):
        recommend_products(history, rules, metric="zhang")
    with pytest.raises(DataValidationError, match="k=0: pass a positive integer"):
        recommend_products(history, rules, k=0)
    with pytest.raises(DataValidationError, match="rules: column 'consequents' not found"):
        recommend_products(history, rules.drop(columns="consequents"))
    with pytest.raises(DataValidationError, match="rules must be a DataFrame"):
        recommend_products(history, rules.to_dict())


def test_itemsets_as_text_are_refused(rules):
    # As rules reloaded from a CSV file hold them.
    as_text = rules.assign(antecedents=rules["antecedents"].map(lambda items: ",".join(items)))
    with pytest.raises(
        DataValidationError,
        match=rf"rules: column 'antecedents' has {len(rules)} of {len(rules)} rows that are "
        r"not sets of products \(e\.g\. '",
    ):
        recommend_products(_history({"ann": ["bread"]}), as_text)
    as_lists = rules.assign(consequents=rules["consequents"].map(sorted))
    history = _history({"ann": ["bread"]})
    expected = recommend_products(history, rules)
    assert recommend_products(history, as_lists)["product"].tolist() == expected["product"].tolist()


def test_split_date_errors():
    log = _planted_log(seed=1)
    with pytest.raises(DataValidationError, match="split_date='later' is not a date"):
        evaluate_recommendations(log, split_date="later", min_support=0.01)
    # Zoned dates and split dates are read on the wall clock (crm_analytics._dates): the
    # same local times give the same split, whatever the zones.
    aware = log.assign(date=log["date"].dt.tz_localize("Europe/London"))
    naive = evaluate_recommendations(log, split_date="2024-02-01", min_support=0.01)
    for split_date in ("2024-02-01", pd.Timestamp("2024-02-01", tz="UTC")):
        pd.testing.assert_frame_equal(
            evaluate_recommendations(aware, split_date=split_date, min_support=0.01), naive
        )
