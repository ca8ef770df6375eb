"""Satisfaction features as of a cutoff: latest, change, counts; nothing after the cutoff."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.churn import make_churn_dataset
from crm_analytics.exceptions import DataValidationError
from crm_analytics.satisfaction import read_survey, satisfaction_features


@pytest.fixture
def responses() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b"],
            "date": pd.to_datetime(
                ["2024-01-05", "2024-02-01 18:00", "2024-03-02", "2024-01-20", "2024-01-25"],
                format="ISO8601",
            ),
            "speed": [5, 4, 1, 3, 2],
            "staff": [5, 2, 1, 3, 4],
            "fee": [3, 3, 1, 4, 4],
            "nps": [10, 8, 0, 7, 9],
            "complained": [False, True, True, False, None],
        }
    )


def test_latest_change_and_counts_by_hand(responses):
    features = satisfaction_features(
        responses,
        cutoff="2024-02-01",
        items={"speed": "delivery", "staff": "service", "fee": "price"},
        recommend="nps",
        complaint="complained",
    )
    # a on 2024-02-01 (that day counts): delivery 4 -> 75, service 2 -> 25, price 3 -> 50,
    # overall 50; before, 100/100/50 -> 83.33. b: 2024-01-25 is 75, 25... see below.
    assert features.loc["a", "satisfaction_latest"] == pytest.approx(50.0)
    assert features.loc["a", "satisfaction_change"] == pytest.approx(50.0 - 250 / 3)
    assert features.loc["a", "satisfaction_mean"] == pytest.approx((50.0 + 250 / 3) / 2)
    assert features.loc[
        "a", ["satisfaction_delivery_latest", "satisfaction_service_latest"]
    ].tolist() == [75.0, 25.0]
    # b: 2024-01-20 (3, 3, 4) -> 50, 50, 75 = 58.33; 2024-01-25 (2, 4, 4) -> 25, 75, 75 = 58.33.
    assert features.loc["b", "satisfaction_change"] == pytest.approx(0.0)
    assert features["satisfaction_n_surveys"].tolist() == [2, 2]
    assert features["satisfaction_days_since"].tolist() == [0.0, 7.0]
    assert features["satisfaction_recommend_latest"].tolist() == [8.0, 9.0]
    assert features["satisfaction_complaints"].tolist() == [1.0, 0.0]


def test_single_response_has_no_change_and_later_responses_do_not_leak(responses):
    features = satisfaction_features(responses, cutoff="2024-01-21", items=["speed", "staff"])
    assert features.index.tolist() == ["a", "b"]
    assert features["satisfaction_n_surveys"].tolist() == [1, 1]
    assert features["satisfaction_change"].isna().all()
    later = satisfaction_features(responses, cutoff="2024-12-31", items=["speed", "staff"])
    assert later.loc["a", "satisfaction_latest"] == 0.0


def test_takes_the_roles_from_a_survey(responses):
    survey = read_survey(
        responses,
        customer_id="customer_id",
        date="date",
        items={"speed": "delivery", "staff": "service"},
        recommend="nps",
        complaint="complained",
    )
    features = satisfaction_features(survey, cutoff="2024-03-31")
    assert features.loc["a", "satisfaction_recommend_latest"] == 0.0
    assert features.loc["a", "satisfaction_complaints"] == 2.0
    assert "satisfaction_delivery_latest" in features


@pytest.mark.filterwarnings("ignore:BG/NBD could not be fitted")
def test_join_to_churn_features_as_customer_attributes(responses):
    log = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "c"],
            "date": pd.to_datetime(
                ["2024-01-04", "2024-02-20", "2024-01-19", "2024-01-10", "2024-03-05"]
            ),
            "amount": [10.0, 12.0, 8.0, 5.0, 6.0],
        }
    )
    features = satisfaction_features(responses, cutoff="2024-01-31", items=["speed"])
    table = features.reindex(["a", "b", "c"]).rename_axis("customer_id")
    X, y = make_churn_dataset(log, table, cutoff="2024-01-31", horizon=30)
    assert X.loc["a", "satisfaction_latest"] == 100.0
    assert np.isnan(X.loc["c", "satisfaction_latest"])
    assert y.to_dict() == {"a": 0, "b": 1, "c": 1}


def test_refuses_a_cutoff_before_every_response(responses):
    with pytest.raises(DataValidationError, match="no response is dated on or before"):
        satisfaction_features(responses, cutoff="2023-12-31", items=["speed"])
    with pytest.raises(DataValidationError, match="items= is needed"):
        satisfaction_features(responses, cutoff="2024-12-31")
