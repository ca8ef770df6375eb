"""Tenure tables: renewal points reached from contract dates, checked against the truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.survival import contract_tenure, tenure_table
from tests.survival.conftest import AS_OF


def table(signup, cancel, **attributes):
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(len(signup))],
            "signup_date": pd.to_datetime(signup),
            "cancel_date": pd.to_datetime(cancel),
            **attributes,
        }
    )


def test_tenure_matches_the_simulated_lifetimes(contracts):
    tenure = contract_tenure(contracts, as_of=AS_OF)
    truth = contracts.set_index("customer_id")["true_lifetime"].loc[tenure.index]
    left = tenure["churned"]
    # A customer who left paid for exactly their lifetime; an active one has a longer one.
    assert (tenure.loc[left, "tenure"] == truth[left]).all()
    assert (truth[~left] > tenure.loc[~left, "tenure"]).all()
    assert left.sum() == contracts["churned"].sum()
    assert tenure.columns.tolist()[:2] == ["tenure", "churned"]
    assert {"plan", "payment", "fee"} <= set(tenure.columns)


def test_an_earlier_as_of_censors_later_cancellations_and_drops_later_signups(contracts):
    earlier = contract_tenure(contracts, as_of="2022-06-30")
    starts = contracts.set_index("customer_id")["signup_date"]
    assert (starts.loc[earlier.index] <= "2022-06-30").all()
    assert len(earlier) == int((starts <= "2022-06-30").sum())
    cancels = contracts.set_index("customer_id")["cancel_date"].loc[earlier.index]
    assert (earlier["churned"] == (cancels <= "2022-06-30")).all()


@pytest.mark.parametrize(
    "period, cancel, as_of, expected",
    [
        ("M", None, "2024-04-14", 2),
        ("M", None, "2024-04-15", 3),
        ("M", "2024-04-15", "2024-12-31", 3),
        ("M", "2024-04-16", "2024-12-31", 4),
        ("M", "2024-01-15", "2024-12-31", 1),
        ("Q", None, "2025-01-14", 3),
        ("Y", "2026-01-15", "2026-06-30", 2),
        ("W", None, "2024-02-05", 3),
        (30, None, "2024-03-15", 2),
    ],
)
def test_renewal_points_by_hand(period, cancel, as_of, expected):
    frame = table(["2024-01-15"], [cancel])
    assert contract_tenure(frame, as_of=as_of, period=period)["tenure"].iloc[0] == expected


def test_default_as_of_is_the_latest_date_and_an_existing_flag_is_replaced():
    frame = table(["2024-01-15", "2024-02-01"], [None, "2024-06-01"], churned=[True, True])
    result = contract_tenure(frame)
    assert result["churned"].tolist() == [False, True]
    assert result["tenure"].tolist() == [4, 4]


@pytest.mark.parametrize(
    "frame, match",
    [
        (table(["2024-01-15"], ["2024-01-01"]), "end before they start"),
        (table([None, "2024-01-01"], [None, None]), "missing start date"),
        (table(["2024-01-15"], [None]).drop(columns="cancel_date"), "'cancel_date' not found"),
        (table(["2024-01-15"], [None]).assign(signup_date="2024-01-15"), "not datetime64"),
        (pd.concat([table(["2024-01-15"], [None])] * 2), "repeated customer_id"),
    ],
)
def test_bad_contract_tables_are_explained(frame, match):
    with pytest.raises(DataValidationError, match=match):
        contract_tenure(frame, as_of="2024-06-30")


def test_bad_as_of_and_period():
    frame = table(["2024-01-15"], [None])
    with pytest.raises(DataValidationError, match="nobody started"):
        contract_tenure(frame, as_of="2023-01-01")
    with pytest.raises(DataValidationError, match="not a date"):
        contract_tenure(frame, as_of="soon")
    with pytest.raises(DataValidationError, match="period must be one of"):
        contract_tenure(frame, as_of="2024-06-30", period="monthly")


def test_tenure_table_checks_and_canonicalises():
    raw = pd.DataFrame(
        {"customerID": ["a", "b"], "tenure": [3, 0], "Churn": ["Yes", "No"], "plan": ["x", "y"]}
    )
    with pytest.raises(DataValidationError, match="no 'customer_id'"):
        tenure_table(raw, churned="Churn")
    frame = raw.rename(columns={"customerID": "customer_id"})
    with pytest.raises(DataValidationError, match="booleans or 0/1"):
        tenure_table(frame, churned="Churn")
    frame["Churn"] = frame["Churn"] == "Yes"
    result = tenure_table(frame, churned="Churn")
    assert result.index.name == "customer_id"
    assert result.dtypes.astype(str).tolist()[:2] == ["int64", "bool"]
    with pytest.raises(DataValidationError, match="whole numbers of periods"):
        tenure_table(frame.assign(tenure=[1.5, 2.0]), churned="Churn")
    with pytest.raises(DataValidationError, match="left with tenure 0"):
        tenure_table(frame.assign(tenure=[0, 2]), churned="Churn")
    assert np.array_equal(result["tenure"].to_numpy(), [3, 0])
