"""make_survey_data: surveys of the same customers, and satisfaction driving dropout as stated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.datasets import SURVEY_ITEMS, make_survey_data, make_transactions
from crm_analytics.satisfaction import cronbach_alpha


def test_no_effect_leaves_the_transactions_of_make_transactions_unchanged():
    options = dict(r=0.6, alpha=25.0, a=1.0, b=5.0)
    transactions, customers, _ = make_survey_data(1_000, seed=5, satisfaction_effect=0, **options)
    expected_transactions, expected_customers = make_transactions(1_000, seed=5, **options)
    pd.testing.assert_frame_equal(transactions, expected_transactions)
    pd.testing.assert_frame_equal(customers.drop(columns="satisfaction_trait"), expected_customers)


def test_surveys_follow_purchases_of_known_customers():
    transactions, customers, responses = make_survey_data(2_000, seed=2, response_rate=0.5)
    first_purchase = transactions.groupby("customer_id")["date"].min()
    answered_after = (
        responses["date"].to_numpy() >= first_purchase.loc[responses["customer_id"]].to_numpy()
    )
    assert answered_after.all()
    assert responses["date"].max() < pd.Timestamp("2024-01-01") + pd.Timedelta(days=546)
    # One response per purchase day on average for half the purchases (a few fall after the
    # window ends); purchases are orders here.
    n_orders = transactions["order_id"].nunique()
    assert 0.45 < len(responses) / n_orders < 0.5
    answers = responses[list(SURVEY_ITEMS)]
    assert answers.isin([1.0, 2.0, 3.0, 4.0, 5.0]).all().all()
    assert responses["likelihood_to_recommend"].between(0, 10).all()
    assert responses["response_id"].is_unique
    for dimension in ("product", "delivery", "service"):
        items = [item for item, owner in SURVEY_ITEMS.items() if owner == dimension]
        assert cronbach_alpha(responses[items]) > 0.7


@pytest.mark.parametrize("effect", [0.0, 3.0])
def test_satisfaction_drives_dropout_with_the_stated_strength(effect):
    _, customers, _ = make_survey_data(
        6_000, seed=3, satisfaction_effect=effect, r=2.0, alpha=40.0, a=1.0, b=5.0
    )
    buyers = customers[customers["alive"].notna()]
    left = (~buyers["alive"].astype(bool)).to_numpy()
    trait = buyers["satisfaction_trait"].to_numpy()
    # Customers who left were less satisfied, by a margin that grows with the effect.
    gap = trait[~left].mean() - trait[left].mean()
    if effect == 0:
        assert abs(gap) < 0.06
    else:
        assert gap > 0.8


def test_refuses_bad_options():
    with pytest.raises(ValueError, match="response_rate"):
        make_survey_data(10, seed=1, response_rate=1.5)
    with pytest.raises(ValueError, match="satisfaction_effect"):
        make_survey_data(10, seed=1, satisfaction_effect=np.inf)
