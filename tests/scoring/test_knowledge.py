"""Customer-knowledge extras and duplicate merging of a scoring run, on hand-checkable data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.datasets.people import make_customer_records
from crm_analytics.exceptions import DataValidationError
from crm_analytics.scoring.config import EXTRAS, ScoringConfig
from crm_analytics.scoring.knowledge import knowledge_tables, merge_duplicate_customers

# Five orders (the baskets of the associations doctests) by four customers, plus a line
# after the as-of day that every table must ignore:
#   a: order 1 (Jan) bread, milk; order 4 (Feb) milk    b: order 2 (Jan) bread, butter
#   c: order 3 (Feb) bread, milk, butter                d: order 5 (Feb) bread, milk
#   e: order 6 (Mar) milk  <- after as_of
LINES = [
    ("a", "2024-01-05", 1, "bread"),
    ("a", "2024-01-05", 1, "milk"),
    ("b", "2024-01-20", 2, "bread"),
    ("b", "2024-01-20", 2, "butter"),
    ("c", "2024-02-03", 3, "bread"),
    ("c", "2024-02-03", 3, "milk"),
    ("c", "2024-02-03", 3, "butter"),
    ("a", "2024-02-10", 4, "milk"),
    ("d", "2024-02-15", 5, "bread"),
    ("d", "2024-02-15", 5, "milk"),
    ("e", "2024-03-01", 6, "milk"),
]


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    frame = pd.DataFrame(LINES, columns=["customer_id", "date", "order_id", "product"])
    return frame.assign(date=pd.to_datetime(frame["date"]), amount=10.0)


def _config(**output) -> ScoringConfig:
    return ScoringConfig.from_dict(
        {
            "transactions": {"order_id": "order_id", "product": "product"},
            "model": {"as_of": "2024-02-29"},
            "output": {"extras": list(EXTRAS), "min_support": 0.4, "min_confidence": 0.7, **output},
        }
    )


@pytest.fixture(scope="module")
def tables(log) -> dict[str, pd.DataFrame]:
    return knowledge_tables(log, config=_config())


def test_no_extras_by_default(log):
    assert ScoringConfig().output.extras == []
    assert knowledge_tables(log, config=ScoringConfig()) == {}


def test_cohorts_by_hand(tables):
    # January cohort {a, b}: a buys again in February. February cohort {c, d}. Customer e
    # (March) is after the as-of day, so there is no March cohort nor a third column.
    expected = pd.DataFrame([[2.0, 1.0], [2.0, np.nan]])
    np.testing.assert_array_equal(tables["cohort_customers"].to_numpy(), expected)
    np.testing.assert_array_equal(tables["cohort_retention"].to_numpy(), expected / 2)
    assert tables["cohort_retention"].index.astype(str).tolist() == ["2024-01", "2024-02"]


def test_loyalty_by_hand(tables):
    february = tables["loyalty_metrics"].loc["2024-02"]
    assert february["active_customers"] == 3  # a, c, d
    assert february["new_customers"] == 2 and february["returning_customers"] == 1
    assert february["retention_rate"] == 0.5  # of January's a and b, a came back
    assert february["returning_revenue_share"] == pytest.approx(10 / 60)
    assert len(tables["loyalty_metrics"]) == 2


def test_rules_and_recommendations_by_hand(tables):
    rules = tables["association_rules"]
    pairs = [
        (set(left), set(right)) for left, right in rules[["antecedents", "consequents"]].values
    ]
    # butter -> bread: both in orders 2, 3 (support 2/5), butter in 2 orders (confidence 1),
    # bread in 4 orders (lift 1 / 0.8); bread <-> milk: 3 of 5 orders, 0.75 confidence each.
    assert pairs == [({"butter"}, {"bread"}), ({"bread"}, {"milk"}), ({"milk"}, {"bread"})]
    np.testing.assert_allclose(rules["confidence"], [1.0, 0.75, 0.75])
    np.testing.assert_allclose(rules["lift"], [1.25, 0.9375, 0.9375])
    # Only b lacks a product a rule proposes: milk, by bread -> milk.
    recommendations = tables["recommendations"]
    assert recommendations.index.tolist() == ["b"]
    assert recommendations[["rank", "product", "score"]].values.tolist() == [[1, "milk", 0.75]]


def test_no_rule_warns_and_writes_empty_tables(log):
    with pytest.warns(UserWarning, match="lower min_support"):
        tables = knowledge_tables(log, config=_config(min_support=1.0))
    assert tables["association_rules"].empty and tables["recommendations"].empty


@pytest.mark.parametrize(
    ("output", "transactions", "message"),
    [
        ({"extras": ["rules"]}, {"order_id": "o"}, "maps no product; add product = "),
        ({"extras": ["recommendations"]}, {}, "maps no order_id and no product"),
        ({"extras": ["cohort"]}, {}, "extras = 'cohort' is not one of"),
        ({"cohort_period": "month"}, {}, "cohort_period"),
        ({"min_support": 0.0}, {}, "min_support is a share of orders"),
        ({"min_confidence": 1.5}, {}, "min_confidence must be in"),
        ({"n_recommendations": 0}, {}, "n_recommendations must be at least 1"),
    ],
)
def test_bad_extras_settings_name_the_key(output, transactions, message):
    with pytest.raises(DataValidationError, match=message):
        ScoringConfig.from_dict({"output": output, "transactions": transactions})


def test_dedupe_settings():
    with pytest.raises(DataValidationError, match="dedupe_threshold is a match score"):
        ScoringConfig.from_dict({"customers": {"dedupe_threshold": 1.2}})
    config = ScoringConfig.from_dict(
        {"customers": {"attributes": ["region", "email"], "dedupe_on": ["name", "email"]}}
    )
    # The compared columns are read, but only the attributes reach the scores.
    assert config.customers.reader_arguments()["attributes"] == ["region", "email", "name"]
    assert "dedupe_on" not in config.customers.reader_arguments()


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return make_customer_records(400, seed=3)


def test_merge_duplicate_customers_on_planted_duplicates(records):
    config = ScoringConfig.from_dict(
        {"customers": {"dedupe_on": ["first_name", "last_name", "email", "phone"]}}
    )
    customers = records.drop(columns="person_id")
    kept, mapping, audit = merge_duplicate_customers(customers, config=config)
    person = records.set_index("customer_id")["person_id"]
    same_person = person[mapping.index].to_numpy() == person[mapping.to_numpy()].to_numpy()
    planted = len(records) - records["person_id"].nunique()
    assert same_person.mean() >= 0.98  # precision of the merges
    assert len(mapping) >= 0.9 * planted  # recall
    assert len(kept) == len(records) - len(mapping)
    assert not kept["customer_id"].isin(mapping.index).any()
    assert set(mapping) <= set(kept["customer_id"])
    assert (~audit["survivor"]).sum() == len(mapping)
