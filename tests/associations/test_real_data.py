"""Association rules and recommendations on the UCI Online Retail log (skipped when absent)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlxtend.frequent_patterns import association_rules as mlxtend_rules
from mlxtend.frequent_patterns import fpgrowth

from crm_analytics.associations.recommend import evaluate_recommendations
from crm_analytics.associations.rules import association_rules
from tests.online_retail import online_retail_transactions

# Regency teacups and saucers: green 22697, pink 22698, roses 22699.
GREEN, PINK, ROSES = "22697", "22698", "22699"


@pytest.fixture(scope="module")
def online_retail(shared_data) -> pd.DataFrame:
    log = online_retail_transactions(shared_data)
    return log[["customer_id", "date", "amount", "order_id", "product", "quantity"]]


@pytest.fixture(scope="module")
def rules(online_retail) -> pd.DataFrame:
    return association_rules(online_retail, min_support=0.02)


def test_rules_equal_mlxtend_on_the_whole_log(online_retail, rules):
    sales = online_retail[online_retail["quantity"] > 0]
    onehot = pd.crosstab(sales["order_id"], sales["product"]).astype(bool)
    # 18,536 invoices with a sale (cancellations dropped), 3,665 stock codes.
    assert onehot.shape == (18536, 3665)
    reference = mlxtend_rules(
        fpgrowth(onehot, min_support=0.02, use_colnames=True),
        num_itemsets=len(onehot),
        metric="confidence",
        min_threshold=0.0,
    )
    assert len(rules) == len(reference) == 88
    keyed = reference.set_index(["antecedents", "consequents"])
    expected = keyed.loc[list(zip(rules["antecedents"], rules["consequents"], strict=True))]
    for column in ["support", "confidence", "lift", "leverage"]:
        np.testing.assert_allclose(rules[column], expected[column], rtol=1e-12, err_msg=column)


def test_top_rules_are_the_regency_teacups(rules):
    top = rules.iloc[0]
    assert top["antecedents"] | top["consequents"] == frozenset({GREEN, ROSES, PINK})
    pink_green = rules[
        (rules["antecedents"] == frozenset({PINK})) & (rules["consequents"] == frozenset({GREEN}))
    ].iloc[0]
    # 460 invoices hold both, 556 the pink one, 691 the green one.
    assert pink_green["n_orders"] == 460
    assert pink_green["confidence"] == pytest.approx(460 / 556)
    assert pink_green["lift"] == pytest.approx(460 * 18536 / (556 * 691))
    assert (rules["lift"] > 1).all()


@pytest.mark.parametrize("k", [5, 10])
def test_rules_beat_popularity_after_september(online_retail, k):
    table = evaluate_recommendations(online_retail, split_date="2011-09-01", min_support=0.01, k=k)
    rules_row, popular_row = table.loc["association_rules"], table.loc["popularity"]
    # 1,891 customers known before September buy something new to them from it on.
    assert rules_row["customers"] == popular_row["customers"] == 1891
    assert rules_row["hit_rate"] > popular_row["hit_rate"] + 0.05
    assert rules_row["precision"] > popular_row["precision"]
    assert rules_row["coverage"] > 0.9
