"""Churn labels: hand-checked values for both kinds of business, and the errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics.churn.features import make_churn_dataset
from crm_analytics.churn.labels import LabelDefinition, contractual_labels, non_contractual_labels
from crm_analytics.exceptions import DataValidationError


def _log(rows: list[tuple[str, str]]) -> pd.DataFrame:
    ids, dates = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "customer_id": list(ids),
            "date": pd.to_datetime(list(dates), format="ISO8601"),
            "amount": 1.0,
        }
    )


LOG = _log(
    [
        ("a", "2024-01-01"),
        ("a", "2024-02-10"),  # buys 10 days after the cutoff: retained
        ("b", "2024-01-31 18:00"),  # bought on the cutoff day itself, never again: churned
        ("c", "2023-06-01"),  # active long ago only: outside a 90-day lookback
        ("c", "2024-04-30"),  # bought on the horizon's last day (cutoff + 90): retained
        ("d", "2024-02-01"),  # first purchase after the cutoff: not labelled
        ("e", "2024-05-01"),  # one day past the horizon
        ("e", "2024-01-15"),  # churned: the next purchase comes 91 days after the cutoff
        ("z", "2024-06-30"),
    ]
)


def test_non_contractual_labels_by_hand():
    labels = non_contractual_labels(LOG, cutoff="2024-01-31", horizon=90)
    assert labels.to_dict() == {"a": 0, "b": 1, "c": 0, "e": 1}
    assert labels.name == "churned" and labels.index.name == "customer_id"
    dataset = make_churn_dataset(LOG, cutoff="2024-01-31", horizon=90)
    assert dataset.y.to_dict() == labels.to_dict()
    assert dataset.label_definition == LabelDefinition(
        "non_contractual", "transactions", ("2024-01-31",), 90, None
    )


def test_lookback_limits_the_population():
    labels = non_contractual_labels(LOG, cutoff="2024-01-31", horizon="90D", lookback=90)
    assert labels.to_dict() == {"a": 0, "b": 1, "e": 1}


def test_cutoff_outside_the_data_is_refused():
    with pytest.raises(DataValidationError, match="before the first date.*choose a cutoff"):
        non_contractual_labels(LOG, cutoff="2020-01-01", horizon=90)
    with pytest.raises(DataValidationError, match="not before the last date"):
        non_contractual_labels(LOG, cutoff="2024-07-01", horizon=90)


def test_horizon_past_the_end_is_refused():
    message = "runs to 2024-07-30, past the last date .*2024-06-30.*on or before 2024-04-01"
    with pytest.raises(DataValidationError, match=message):
        non_contractual_labels(LOG, cutoff="2024-05-01", horizon=90)


def test_a_horizon_past_the_last_purchase_warns_when_observation_end_allows_it():
    with pytest.warns(UserWarning, match="horizon ends on 2024-07-30, after the last purchase"):
        labels = non_contractual_labels(
            LOG, cutoff="2024-05-01", horizon=90, observation_end="2024-12-31"
        )
    assert labels.to_dict() == {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1}


def test_bad_inputs_name_the_problem():
    with pytest.raises(DataValidationError, match="column 'amount' not found"):
        non_contractual_labels(LOG.drop(columns="amount"), cutoff="2024-01-31", horizon=90)
    with pytest.raises(DataValidationError, match="not a duration"):
        non_contractual_labels(LOG, cutoff="2024-01-31", horizon="soon")
    with pytest.raises(DataValidationError, match="positive number of days"):
        non_contractual_labels(LOG, cutoff="2024-01-31", horizon=0)
    with pytest.raises(DataValidationError, match="cutoff='later' is not a date"):
        non_contractual_labels(LOG, cutoff="later", horizon=30)


@settings(max_examples=40, deadline=None)
@given(
    days=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 200)), min_size=1, max_size=40),
    cutoff=st.integers(0, 150),
    horizon=st.integers(1, 50),
)
def test_labels_equal_a_slow_reference(days, cutoff, horizon):
    start = pd.Timestamp("2024-01-01")
    log = pd.DataFrame(
        {
            "customer_id": [customer for customer, _ in days] + [99],
            "date": [start + pd.Timedelta(days=day) for _, day in days]
            + [start + pd.Timedelta(days=200)],
            "amount": 1.0,
        }
    )
    log = pd.concat([log, log.assign(customer_id=98, date=start)])
    labels = non_contractual_labels(log, cutoff=start + pd.Timedelta(days=cutoff), horizon=horizon)
    expected = {}
    for customer, rows in log.groupby("customer_id"):
        offsets = (rows["date"] - start).dt.days.to_numpy()
        if (offsets <= cutoff).any():
            bought = ((offsets > cutoff) & (offsets <= cutoff + horizon)).any()
            expected[customer] = int(not bought)
    assert labels.to_dict() == expected


TABLE = pd.DataFrame(
    {
        "customer_id": [1, 2, 3, 4, 5],
        "signup_date": pd.to_datetime(
            ["2023-01-01", "2023-06-01", "2024-02-01", "2023-03-01", "2023-05-01"]
        ),
        "cancel_date": pd.to_datetime([None, "2024-03-31", None, "2023-12-01", "2024-04-01"]),
        "churned": [False, True, False, True, True],
    }
)


def test_contractual_labels_from_cancel_dates():
    labels = contractual_labels(
        TABLE, cutoff="2024-01-01", horizon=90, observation_end="2024-06-30"
    )
    # 3 signed up after the cutoff, 4 cancelled before it; 2 cancels on day 90, 5 on day 91.
    assert labels.to_dict() == {1: 0, 2: 1, 5: 0}
    dataset = make_churn_dataset(
        customers=TABLE, cutoff="2024-01-01", horizon=90, observation_end="2024-06-30"
    )
    assert dataset.y.to_dict() == labels.to_dict()
    assert dataset.label_definition.source == "cancel_date"


def test_contractual_labels_from_the_flag():
    labels = contractual_labels(TABLE.drop(columns="cancel_date"))
    assert labels.to_dict() == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert labels.dtype == np.int8
    snapshot = contractual_labels(TABLE.drop(columns="cancel_date"), cutoff="2024-01-01")
    assert list(snapshot.index) == [1, 2, 4, 5]


def test_contractual_errors():
    with pytest.raises(DataValidationError, match="need a horizon"):
        contractual_labels(TABLE, cutoff="2024-01-01")
    with pytest.raises(DataValidationError, match="snapshot label"):
        contractual_labels(TABLE.drop(columns="cancel_date"), horizon=30)
    with pytest.raises(DataValidationError, match="need a 'cancel_date' or 'churned' column"):
        contractual_labels(TABLE[["customer_id", "signup_date"]])
    bad = TABLE.drop(columns="cancel_date").assign(churned=["no", "yes", "no", "no", "yes"])
    with pytest.raises(DataValidationError, match="booleans or 0/1; 5 value"):
        contractual_labels(bad)
    with pytest.raises(DataValidationError, match="2 duplicated customer_id"):
        contractual_labels(pd.concat([TABLE, TABLE.iloc[:2]]))
