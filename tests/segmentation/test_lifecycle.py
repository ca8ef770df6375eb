"""Lifecycle stages on a hand-made log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.clv import BetaGeoFitter
from crm_analytics.exceptions import DataValidationError
from crm_analytics.segmentation import LIFECYCLE_STAGES, lifecycle_stages
from crm_analytics.summary import rfm_summary

AS_OF = pd.Timestamp("2024-12-31")


def _log() -> pd.DataFrame:
    purchases = {
        # every month of 2024: own gap ~30 days, silent 30 days -> active
        "loyal": pd.date_range("2024-01-01", "2024-12-01", freq="MS"),
        # first purchase 41 days ago -> new
        "fresh": pd.to_datetime(["2024-11-20"]),
        # monthly for a year, then silent 213 days > 2 x 30.5 -> at risk
        "slipping": pd.date_range("2023-06-01", "2024-06-01", freq="MS"),
        # silent 730 days -> lost
        "gone": pd.to_datetime(["2022-06-01", "2023-01-01"]),
        # two purchases in 2022, then back 16 days ago after a 1,048-day gap -> reactivated
        "back": pd.to_datetime(["2022-01-01", "2022-02-01", "2024-12-15"]),
        # a purchase after as_of is ignored
        "later": pd.to_datetime(["2024-12-01", "2025-03-01"]),
    }
    rows = [(customer, date) for customer, dates in purchases.items() for date in dates]
    log = pd.DataFrame(rows, columns=["customer_id", "date"])
    log["amount"] = 10.0
    return log


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["loyal", "fresh", "prospect", "not yet"],
            "signup_date": pd.to_datetime(["2023-12-01", "2024-11-01", "2024-10-01", "2025-02-01"]),
        }
    )


def test_stages_on_a_hand_made_log():
    log = _log()
    summary = rfm_summary(log[log["date"] <= AS_OF], observation_end=AS_OF)
    stages = lifecycle_stages(summary, _customers(), as_of=AS_OF, transactions=log)
    assert stages["stage"].to_dict() == {
        "back": "reactivated",
        "fresh": "new",
        "gone": "lost",
        "later": "new",
        "loyal": "active",
        "slipping": "at risk",
        "prospect": "prospect",
    }
    assert list(stages["stage"].cat.categories) == list(LIFECYCLE_STAGES)
    assert stages.loc["slipping", "days_since_last_purchase"] == 213
    assert stages.loc["loyal", "typical_gap_days"] == pytest.approx(335 / 11)
    # one-time buyers fall back on the median own gap of the customers with 2+ repeats
    own_gaps = [
        335 / 11,
        366 / 12,
        (pd.Timestamp("2024-12-15") - pd.Timestamp("2022-01-01")).days / 2,
    ]
    assert stages.loc["fresh", "typical_gap_days"] == pytest.approx(np.median(own_gaps))
    assert np.isnan(stages.loc["prospect", "days_since_last_purchase"])
    # without history nobody is reactivated: "back" is recent, hence active
    plain = lifecycle_stages(summary, as_of=AS_OF)
    assert plain.loc["back", "stage"] == "active"
    assert "prospect" not in plain.index


def test_previous_stages_mark_returns_and_default_as_of():
    log = _log()
    before = rfm_summary(log[log["date"] <= "2024-06-30"], observation_end="2024-06-30")
    earlier = lifecycle_stages(before)
    assert earlier.loc["back", "stage"] == "lost"
    now = lifecycle_stages(
        rfm_summary(log[log["date"] <= AS_OF], observation_end=AS_OF), previous_stages=earlier
    )
    assert now.loc["back", "stage"] == "reactivated"
    assert now.loc["gone", "stage"] == "lost"


def test_p_alive_rule():
    log = _log()
    summary = rfm_summary(log[log["date"] <= AS_OF], observation_end=AS_OF)
    p_alive = pd.Series(0.9, index=summary.index)
    p_alive["loyal"] = 0.2
    stages = lifecycle_stages(summary, as_of=AS_OF, p_alive=p_alive, p_alive_threshold=0.3)
    assert stages.loc["loyal", "stage"] == "at risk"
    assert stages.loc["slipping", "stage"] == "active"
    assert stages.loc["loyal", "p_alive"] == 0.2


def test_lifecycle_errors():
    log = _log()
    summary = rfm_summary(log[log["date"] <= AS_OF], observation_end=AS_OF)
    with pytest.raises(DataValidationError, match="column 'first_purchase' not found"):
        lifecycle_stages(summary.drop(columns="first_purchase"))
    with pytest.raises(DataValidationError, match="bought after as_of=2024-06-30"):
        lifecycle_stages(summary, as_of="2024-06-30")
    with pytest.raises(DataValidationError, match="must not exceed lost_days"):
        lifecycle_stages(summary, new_days=400)
    with pytest.raises(DataValidationError, match="p_alive lacks 1 customer"):
        lifecycle_stages(summary, p_alive=pd.Series(0.5, index=summary.index[1:]))
    with pytest.raises(DataValidationError, match="not both"):
        lifecycle_stages(summary, p_alive=pd.Series(0.5, index=summary.index), clv_model=object())
    with pytest.raises(DataValidationError, match="no conditional_probability_alive"):
        lifecycle_stages(summary, clv_model=object())
    with pytest.raises(DataValidationError, match="'date' has dtype"):
        lifecycle_stages(summary, transactions=log.assign(date=log["date"].astype(str)))


def test_clv_model_gives_p_alive(simulated_summary):
    model = BetaGeoFitter().fit(simulated_summary)
    stages = lifecycle_stages(simulated_summary, clv_model=model, p_alive_threshold=0.4)
    expected = model.conditional_probability_alive(
        simulated_summary["frequency"], simulated_summary["recency"], simulated_summary["T"]
    )
    np.testing.assert_allclose(stages["p_alive"], np.asarray(expected))
    at_risk = (stages["stage"] == "at risk").to_numpy()
    assert at_risk.any()
    assert (stages["p_alive"].to_numpy()[at_risk] < 0.4).all()
    # the at-risk rule never overrides lost or new
    lost = stages["days_since_last_purchase"] > 365
    assert (stages.loc[lost, "stage"] == "lost").all()


def _hand_made_summary() -> pd.DataFrame:
    log = _log()
    return rfm_summary(log[log["date"] <= AS_OF], observation_end=AS_OF)


def test_last_purchase_before_first_purchase_is_rejected():
    summary = _hand_made_summary()
    swapped = summary.assign(
        first_purchase=summary["last_purchase"], last_purchase=summary["first_purchase"]
    )
    n_swapped = int((summary["last_purchase"] > summary["first_purchase"]).sum())
    with pytest.raises(
        DataValidationError, match=f"{n_swapped} customer\\(s\\) have last_purchase before"
    ):
        lifecycle_stages(swapped, as_of=AS_OF)


@pytest.mark.parametrize(
    ("customers", "message"),
    [
        (
            pd.DataFrame({"id": ["loyal", "prospect"]}),
            "column 'customer_id' not found and the index is not named 'customer_id' \\(2 rows\\)",
        ),
        (pd.DataFrame({"customer_id": [1, 2, 3]}), "customers ids are numbers but summary ids"),
    ],
)
def test_customers_without_matching_ids_are_rejected(customers, message):
    with pytest.raises(DataValidationError, match=message):
        lifecycle_stages(_hand_made_summary(), customers, as_of=AS_OF)


@pytest.mark.parametrize("value", [-0.5, 1.5])
def test_p_alive_outside_zero_one_names_probabilities(value):
    summary = _hand_made_summary()
    with pytest.raises(DataValidationError, match=r"p_alive has 6 value\(s\) outside \[0, 1\]"):
        lifecycle_stages(summary, as_of=AS_OF, p_alive=pd.Series(value, index=summary.index))


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("not a date", "as_of='not a date' is not a date"),
        ("31/12/2024", "as_of='31/12/2024' is not a date written year first"),
    ],
)
def test_bad_as_of(as_of, message):
    with pytest.raises(DataValidationError, match=message):
        lifecycle_stages(_hand_made_summary(), as_of=as_of)


def test_zoned_dates_and_as_of_are_read_on_the_wall_clock():
    summary = _hand_made_summary()
    naive = lifecycle_stages(summary, as_of="2024-12-31")
    zoned = summary.assign(
        first_purchase=summary["first_purchase"].dt.tz_localize("Europe/Paris"),
        last_purchase=summary["last_purchase"].dt.tz_localize("Europe/Paris"),
    )
    for as_of in ("2024-12-31", pd.Timestamp("2024-12-31", tz="UTC"), "2024-12-31T00:00+01:00"):
        pd.testing.assert_frame_equal(lifecycle_stages(zoned, as_of=as_of), naive)


def test_previous_stages_and_p_alive_checked():
    summary = _hand_made_summary()
    with pytest.raises(DataValidationError, match="previous_stages: column 'stage' not found"):
        lifecycle_stages(summary, as_of=AS_OF, previous_stages=summary)
    stages = lifecycle_stages(summary, as_of=AS_OF)["stage"]
    repeated = pd.concat([stages, stages.iloc[:2]])
    with pytest.raises(DataValidationError, match=r"previous_stages: 2 customer id\(s\)"):
        lifecycle_stages(summary, as_of=AS_OF, previous_stages=repeated)
    p_alive = pd.Series(0.5, index=summary.index)
    with pytest.raises(DataValidationError, match=r"p_alive: 1 customer id\(s\) appear"):
        lifecycle_stages(summary, as_of=AS_OF, p_alive=pd.concat([p_alive, p_alive.iloc[:1]]))
