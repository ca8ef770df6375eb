"""crm_analytics.clv.utils: lifetimes' utils, equal to lifetimes on CDNOW, also under pandas 3."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.clv import BetaGeoFitter, utils
from crm_analytics.datasets import load_cdnow
from crm_analytics.exceptions import DataValidationError
from crm_analytics.summary import calibration_holdout_split


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return load_cdnow(sample=True)


@pytest.fixture(scope="module")
def weekly_model(log) -> BetaGeoFitter:
    summary = utils.summary_data_from_transaction_data(
        log, "customer_id", "date", observation_period_end="1997-09-30", freq_multiplier=7
    )
    return BetaGeoFitter().fit(summary)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"freq": "W"},
        {"freq": "D", "freq_multiplier": 7},
        {"monetary_value_col": "amount"},
        {"monetary_value_col": "amount", "include_first_transaction": True},
        {"observation_period_end": "1997-09-30", "freq": "h", "freq_multiplier": 24},
    ],
)
def test_summary_equals_lifetimes(lifetimes, log, options):
    from lifetimes.utils import summary_data_from_transaction_data

    theirs = summary_data_from_transaction_data(log, "customer_id", "date", **options)
    ours = utils.summary_data_from_transaction_data(log, "customer_id", "date", **options)
    pd.testing.assert_frame_equal(ours.sort_index(), theirs.sort_index(), check_dtype=False)


def test_summary_reads_text_dates_with_a_format():
    log = pd.DataFrame({"id": [1, 1, 2], "day": ["01/01/2024", "11/01/2024", "05/01/2024"]})
    summary = utils.summary_data_from_transaction_data(
        log, "id", "day", datetime_format="%d/%m/%Y", observation_period_end="31/01/2024"
    )
    assert summary.to_dict("index") == {
        1: {"frequency": 1.0, "recency": 10.0, "T": 30.0},
        2: {"frequency": 0.0, "recency": 0.0, "T": 26.0},
    }
    with pytest.raises(DataValidationError, match="freq 'M' is not supported"):
        utils.summary_data_from_transaction_data(log, "id", "day", freq="M")


@pytest.mark.parametrize(
    "options",
    [
        {"monetary_value_col": "amount"},
        {"monetary_value_col": "amount", "freq": "W"},
        {"monetary_value_col": "amount", "include_first_transaction": True},
        {"monetary_value_col": "amount", "freq": "D", "freq_multiplier": 7},
    ],
)
def test_calibration_and_holdout_equals_lifetimes(lifetimes, log, options):
    from lifetimes.utils import calibration_and_holdout_data

    args = (log, "customer_id", "date", "1997-09-30", "1998-06-30")
    theirs = calibration_and_holdout_data(*args, **options)
    ours = utils.calibration_and_holdout_data(*args, **options)
    pd.testing.assert_frame_equal(ours.sort_index(), theirs.sort_index(), check_dtype=False)


def test_calibration_and_holdout_runs_where_lifetimes_no_longer_does(lifetimes, log):
    """Without a monetary column lifetimes 0.11.3 fails under pandas 3 ("No objects to
    concatenate"); ours gives the same split as with one, less the money columns."""
    from lifetimes.utils import calibration_and_holdout_data

    args = (log, "customer_id", "date", "1997-09-30", "1998-06-30")
    if pd.__version__ >= "3":
        with pytest.raises(ValueError, match="No objects to concatenate"):
            calibration_and_holdout_data(*args)
    ours = utils.calibration_and_holdout_data(*args)
    with_money = utils.calibration_and_holdout_data(*args, monetary_value_col="amount")
    pd.testing.assert_frame_equal(ours, with_money[ours.columns])
    assert ours.columns.tolist() == [
        "frequency_cal",
        "recency_cal",
        "T_cal",
        "frequency_holdout",
        "duration_holdout",
    ]
    split = calibration_holdout_split(log, "1997-09-30", "1998-06-30", monetary_value_col=None)
    np.testing.assert_array_equal(ours.to_numpy(), split.to_numpy())


@pytest.mark.parametrize(
    "options",
    [
        {"t": 546, "freq": "D", "freq_multiplier": 7},
        {"t": 78, "freq": "W"},
        {"t": 546, "freq": "D", "freq_multiplier": 7, "set_index_date": True},
    ],
)
def test_expected_cumulative_transactions_equal_lifetimes(lifetimes, log, weekly_model, options):
    from lifetimes.utils import expected_cumulative_transactions

    theirs_model = lifetimes.BetaGeoFitter()
    theirs_model.params_ = weekly_model.params_
    theirs = expected_cumulative_transactions(theirs_model, log, "date", "customer_id", **options)
    ours = utils.expected_cumulative_transactions(
        weekly_model, log, "date", "customer_id", **options
    )
    pd.testing.assert_frame_equal(
        ours, theirs, check_dtype=False, check_index_type=False, rtol=1e-9
    )


def test_calculate_alive_path_follows_the_history_by_hand(weekly_model, log):
    """Customer 4 of the sample bought on 1997-01-01, 01-18, 08-02 and 12-12: on day 20,
    one repeat purchase 17 days in (lifetimes' own no longer runs under pandas 3:
    fillna(method=...))."""
    daily = BetaGeoFitter()
    daily.params_ = weekly_model.params_ * [1, 7, 1, 1]
    mine = log.loc[log["customer_id"] == 4, ["date"]]
    path = utils.calculate_alive_path(daily, mine, "date", 364)
    assert len(path) == 365 and path.index[0] == 0
    assert path[0] == 1.0
    assert path[20] == pytest.approx(daily.conditional_probability_alive(1, 17, 20))
    assert path[364] == pytest.approx(daily.conditional_probability_alive(3, 345, 364))
