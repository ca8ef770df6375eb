"""The top-customer and at-risk lists: rankings and selections checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.runs.views import VIEW_COLUMNS, at_risk_customers, top_customers


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": ["N", "S", "N", "E", "W"],
            "predicted_clv": [100.0, 400.0, np.nan, 400.0, 50.0],
            "total_amount": [10.0, 20.0, 30.0, 40.0, 50.0],
            "churn_probability": [0.5, 0.1, 0.9, 0.3, 0.8],
            "value_tier": ["high", "high", "low", "high", "medium"],
            "risk_tier": ["medium", "low", "high", "high", "high"],
            "cluster": [0, 1, 0, 1, 2],
            "reason_2": ["b", None, "d", None, "f"],
            "reason_1": ["a", None, "c", None, "e"],
        },
        index=pd.Index(["C1", "C2", "C3", "C4", "C5"], name="customer_id"),
    )


def test_top_customers_ranks_by_value_ties_by_id_and_skips_missing():
    top = top_customers(table(), n=10)
    assert top.index.tolist() == ["C2", "C4", "C1", "C5"]
    assert top["rank"].tolist() == [1, 2, 3, 4]
    assert top.columns.tolist() == [
        "rank",
        "region",
        "value_tier",
        "predicted_clv",
        "total_amount",
        "churn_probability",
        "risk_tier",
        "reason_1",
        "reason_2",
    ]
    assert top_customers(table(), n=1, by="total_amount").index.tolist() == ["C5"]


def test_at_risk_customers_are_valuable_and_at_risk_by_value_at_risk():
    at_risk = at_risk_customers(table(), value_tiers=["high"], risk_tiers=["high", "medium"])
    # C4: 400 * 0.3 = 120; C1: 100 * 0.5 = 50. C2 is low risk, C3 and C5 not high value.
    assert at_risk.index.tolist() == ["C4", "C1"]
    assert at_risk["value_at_risk"].tolist() == pytest.approx([120.0, 50.0])
    assert "value_at_risk" in VIEW_COLUMNS and "cluster" not in at_risk.columns


def test_views_name_missing_columns():
    with pytest.raises(DataValidationError, match="'value_tier'"):
        at_risk_customers(table().drop(columns="value_tier"))
    with pytest.raises(DataValidationError, match="'predicted_clv'"):
        top_customers(table().drop(columns="predicted_clv"))
    with pytest.raises(DataValidationError, match="n"):
        top_customers(table(), n=0)
