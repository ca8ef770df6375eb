"""segment_summary: totals that add up, slices by any attribute, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.scoring import score_customers, segment_summary


@pytest.fixture(scope="module")
def scored(shop, config, models):
    transactions, customers = shop
    return score_customers(transactions, customers, config=config, models=models)


def test_segments_add_up_to_the_whole(scored):
    table = segment_summary(scored)
    assert table["customers"].sum() == len(scored)
    for column in ("customer_share", "revenue_share", "predicted_clv_share"):
        assert table[column].sum() == pytest.approx(1.0)
    assert table["revenue"].sum() == pytest.approx(scored["total_amount"].sum())
    assert table["expected_churners"].sum() == pytest.approx(scored["churn_probability"].sum())
    champions = scored[scored["rfm_segment"] == "Champions"]
    assert table.loc["Champions", "revenue"] == pytest.approx(champions["total_amount"].sum())
    assert table.loc["Champions", "mean_p_alive"] == pytest.approx(champions["p_alive"].mean())
    assert list(table.index) == [
        name for name in scored["rfm_segment"].cat.categories if name in set(scored["rfm_segment"])
    ]


def test_segment_by_attribute(scored):
    table = segment_summary(scored, by=["value_tier", "region"])
    assert table.index.names == ["value_tier", "region"]
    counts = scored.groupby(["value_tier", "region"], observed=True).size()
    assert (table["customers"] == counts.reindex(table.index)).all()


def test_missing_attribute_values_form_a_group():
    scored = pd.DataFrame({"region": ["North", None, None], "total_amount": [1.0, 2.0, 3.0]})
    table = segment_summary(scored, by="region")
    assert table["customers"].tolist() == [1, 2]
    assert np.isnan(table.index[1]) or table.index[1] is None


def test_unknown_column_is_named(scored):
    with pytest.raises(DataValidationError, match="column 'loyalty_card' not found"):
        segment_summary(scored, by=["rfm_segment", "loyalty_card"])


def test_segment_by_acquisition_cohort(scored, shop):
    transactions, _ = shop
    first = transactions.groupby("customer_id")["date"].min()
    assert (scored["cohort"] == first.dt.strftime("%Y-%m").reindex(scored.index)).all()
    table = segment_summary(scored, by=["cohort", "lifecycle_stage"])
    january = scored[scored["cohort"] == "2024-01"]
    assert table.loc["2024-01", "customers"].sum() == len(january)
