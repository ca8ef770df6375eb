"""rfm_summary and calibration_holdout_split: hand-computed cases, lifetimes equality, errors."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics.datasets import load_cdnow, make_transactions
from crm_analytics.exceptions import DataValidationError
from crm_analytics.summary import calibration_holdout_split, rfm_summary

lifetimes_utils = pytest.importorskip("lifetimes.utils")

LIFETIMES_COLUMNS = ["frequency", "recency", "T", "monetary_value"]


def lifetimes_summary(log: pd.DataFrame, **options: object) -> pd.DataFrame:
    reference = lifetimes_utils.summary_data_from_transaction_data(
        log, "customer_id", "date", monetary_value_col="amount", **options
    )
    return reference.sort_index()


def lifetimes_split(log: pd.DataFrame, *args: object, **options: object) -> pd.DataFrame:
    # lifetimes 0.11.3 only works under pandas 3 when given a monetary column.
    reference = lifetimes_utils.calibration_and_holdout_data(
        log, "customer_id", "date", *args, monetary_value_col="amount", **options
    )
    return reference.sort_index()


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow()


@pytest.fixture(scope="module")
def cdnow_sample() -> pd.DataFrame:
    return load_cdnow(sample=True)


@pytest.fixture
def small_log() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c"],
            "date": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 17:00",
                    "2024-01-04 00:00",
                    "2024-01-10 00:00",
                    "2024-01-05 00:00",
                    "2024-01-12 00:00",
                ]
            ),
            "amount": [10.0, 5.0, 20.0, 40.0, 7.0, 3.0],
            "order_id": [1, 1, 3, 4, 5, 6],
        }
    )


def test_small_log_by_hand(small_log: pd.DataFrame) -> None:
    summary = rfm_summary(small_log, observation_end="2024-01-12")
    a, b, c = (summary.loc[customer] for customer in "abc")
    # a: purchase days 1, 4, 10 -> two repeat days, last 9 days after the first, T 11 days.
    assert (a.frequency, a.recency, a["T"]) == (2.0, 9.0, 11.0)
    assert a.monetary_value == pytest.approx((20 + 40) / 2)
    assert (a.n_orders, a.total_amount, a.average_order_value) == (3, 75.0, 25.0)
    assert a.first_purchase == pd.Timestamp("2024-01-01 09:00")
    assert a.days_since_last_purchase == 2
    assert (b.frequency, b.recency, b["T"], b.monetary_value) == (0.0, 0.0, 7.0, 0.0)
    assert (c["T"], c.days_since_last_purchase) == (0.0, 0)
    assert summary.index.name == "customer_id"
    assert list(summary.index) == ["a", "b", "c"]


def test_observation_end_leaves_later_purchases_out(small_log: pd.DataFrame) -> None:
    summary = rfm_summary(small_log, observation_end="2024-01-06")
    assert list(summary.index) == ["a", "b"]
    assert summary.loc["a", "frequency"] == 1.0
    assert summary.loc["a", "total_amount"] == 35.0


def test_weeks_measured_in_days(small_log: pd.DataFrame) -> None:
    summary = rfm_summary(small_log, observation_end="2024-01-12", freq_multiplier=7)
    assert summary.loc["a", "T"] == pytest.approx(11 / 7)


def test_without_amount_or_order_id(small_log: pd.DataFrame) -> None:
    summary = rfm_summary(small_log.drop(columns=["amount", "order_id"]))
    assert list(summary.columns) == [
        "frequency",
        "recency",
        "T",
        "first_purchase",
        "last_purchase",
        "n_orders",
        "days_since_last_purchase",
    ]
    assert summary.loc["a", "n_orders"] == 4


@pytest.mark.parametrize(("freq", "freq_multiplier"), [("D", 1), ("D", 7), ("W", 1), ("h", 24)])
def test_equals_lifetimes_on_cdnow(cdnow: pd.DataFrame, freq: str, freq_multiplier: int) -> None:
    options = {
        "freq": freq,
        "freq_multiplier": freq_multiplier,
        "observation_period_end": "1998-06-30",
    }
    expected = lifetimes_summary(cdnow, **options)
    summary = rfm_summary(
        cdnow, observation_end="1998-06-30", freq=freq, freq_multiplier=freq_multiplier
    )
    assert len(summary) == 23_570
    pd.testing.assert_frame_equal(
        summary[LIFETIMES_COLUMNS], expected, check_names=False, check_index_type=False, rtol=1e-12
    )


def test_calibration_holdout_on_cdnow_sample_matches_published_figures(
    cdnow_sample: pd.DataFrame,
) -> None:
    split = calibration_holdout_split(
        cdnow_sample, "1997-09-30", "1998-06-30", freq="D", freq_multiplier=7
    )
    # Figures from lifetimes 0.11.3 under pandas 2.3 (issue 3).
    assert len(split) == 2_357
    assert split["frequency_cal"].sum() == 2_457
    assert split["frequency_holdout"].sum() == 1_882
    assert split["T_cal"].min() == pytest.approx(27.0)
    assert split["T_cal"].max() == pytest.approx(38.857, abs=1e-3)
    assert (split["duration_holdout"] == 39.0).all()
    expected = lifetimes_split(
        cdnow_sample, "1997-09-30", "1998-06-30", freq="D", freq_multiplier=7
    )
    pd.testing.assert_frame_equal(split, expected, check_names=False, rtol=1e-12)


@pytest.mark.parametrize("freq", ["D", "W"])
def test_calibration_holdout_equals_lifetimes_on_cdnow(cdnow: pd.DataFrame, freq: str) -> None:
    split = calibration_holdout_split(cdnow, "1997-12-31", "1998-06-30", freq=freq)
    expected = lifetimes_split(cdnow, "1997-12-31", "1998-06-30", freq=freq)
    pd.testing.assert_frame_equal(split, expected, check_names=False, rtol=1e-12)


@st.composite
def transaction_logs(draw: st.DrawFn) -> pd.DataFrame:
    """Small logs with same-day ties, single purchases and purchases on the last day."""
    rows = draw(st.integers(1, 40))
    customers = draw(st.lists(st.integers(0, 6), min_size=rows, max_size=rows))
    days = draw(st.lists(st.integers(0, 60), min_size=rows, max_size=rows))
    hours = draw(st.lists(st.integers(0, 23), min_size=rows, max_size=rows))
    amounts = draw(st.lists(st.integers(1, 10_000), min_size=rows, max_size=rows))
    return pd.DataFrame(
        {
            "customer_id": customers,
            "date": pd.Timestamp("2024-02-26")
            + pd.to_timedelta(days, "D")
            + pd.to_timedelta(hours, "h"),
            "amount": np.array(amounts) / 100,
        }
    )


@settings(max_examples=60, deadline=None)
@given(log=transaction_logs(), freq=st.sampled_from(["D", "W", "h"]), cut=st.integers(0, 70))
def test_summary_equals_lifetimes_on_generated_logs(log: pd.DataFrame, freq: str, cut: int) -> None:
    observation_end = pd.Timestamp("2024-02-26") + pd.Timedelta(days=cut)
    if observation_end < log["date"].min().normalize():
        return
    expected = lifetimes_summary(log, freq=freq, observation_period_end=observation_end)
    summary = rfm_summary(log, freq=freq, observation_end=observation_end)
    pd.testing.assert_frame_equal(
        summary[LIFETIMES_COLUMNS], expected, check_names=False, check_index_type=False, rtol=1e-9
    )
    assert (summary["days_since_last_purchase"] >= 0).all()
    assert (summary["recency"] <= summary["T"]).all()


@settings(max_examples=60, deadline=None)
@given(log=transaction_logs(), freq=st.sampled_from(["D", "W"]), cut=st.integers(0, 59))
def test_split_equals_lifetimes_on_generated_logs(log: pd.DataFrame, freq: str, cut: int) -> None:
    calibration_end = pd.Timestamp("2024-02-26") + pd.Timedelta(days=cut)
    observation_end = pd.Timestamp("2024-04-30")
    first, last = log["date"].min(), log["date"].max()
    if not first <= calibration_end < last:
        return
    expected = lifetimes_split(log, calibration_end, observation_end, freq=freq)
    split = calibration_holdout_split(log, calibration_end, observation_end, freq=freq)
    pd.testing.assert_frame_equal(
        split, expected, check_names=False, check_index_type=False, check_dtype=False, rtol=1e-9
    )


ENGINES = pytest.mark.parametrize(
    "convert",
    [
        pl.from_pandas,
        lambda log: pl.from_pandas(log).lazy(),
        pa.Table.from_pandas,
        lambda log: duckdb.from_arrow(pa.Table.from_pandas(log)),
    ],
    ids=["polars", "polars-lazy", "pyarrow", "duckdb"],
)


@ENGINES
def test_other_engines_give_the_pandas_result(small_log: pd.DataFrame, convert) -> None:
    expected = rfm_summary(small_log, observation_end="2024-01-12")
    result = rfm_summary(convert(small_log), observation_end="2024-01-12")
    pd.testing.assert_frame_equal(result, expected, check_dtype=False)


@pytest.fixture(scope="module")
def generated_log() -> pd.DataFrame:
    transactions, _ = make_transactions(300, seed=21)
    return transactions


@ENGINES
@pytest.mark.parametrize(("freq", "multiplier"), [("D", 1), ("D", 7), ("W", 1), ("h", 24)])
def test_other_engines_summarise_and_split_as_pandas_does(
    generated_log: pd.DataFrame, convert, freq: str, multiplier: float
) -> None:
    options = {"freq": freq, "freq_multiplier": multiplier}
    # the summary is the same to the last bit: money is summed in whole millionths and every
    # division is by a column, which each engine rounds correctly
    pd.testing.assert_frame_equal(
        rfm_summary(convert(generated_log), observation_end="2025-05-31", **options),
        rfm_summary(generated_log, observation_end="2025-05-31", **options),
        check_dtype=False,
        check_exact=True,
    )
    pd.testing.assert_frame_equal(
        calibration_holdout_split(convert(generated_log), "2024-12-31", "2025-05-31", **options),
        calibration_holdout_split(generated_log, "2024-12-31", "2025-05-31", **options),
        check_dtype=False,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda log: log.rename(columns={"customer_id": "cust"}),
            "column 'customer_id' not found; columns present: cust, date.*customer_id_col=",
        ),
        (
            lambda log: log.assign(date=log["date"].astype(str)),
            r"column 'date' \(datetime_col=\) has dtype .*not a datetime",
        ),
        (
            lambda log: log.assign(amount=log["amount"].astype(str)),
            r"column 'amount' \(monetary_value_col=\) has dtype .*not numbers",
        ),
        (
            lambda log: log.assign(customer_id=[None, "a", "a", "a", "b", "c"]),
            r"column 'customer_id' \(customer_id_col=\) has 1 missing value.*out of 6 rows",
        ),
        (
            lambda log: log.assign(
                customer_id=pd.Series([1, "a", "a", "a", "b", "c"], dtype=object)
            ),
            r"column 'customer_id' mixes types \(5 str, 1 int values out of 6 rows\)",
        ),
        (lambda log: log.iloc[:0], r"transactions is empty \(0 rows\)"),
        (lambda log: [1, 2], "must be a data frame .* got list"),
    ],
)
def test_bad_input_is_named(small_log: pd.DataFrame, change, message: str) -> None:
    with pytest.raises(DataValidationError, match=message):
        rfm_summary(change(small_log))


def test_bad_arguments_are_named(small_log: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError, match="observation_end 2023-12-01.*before the first"):
        rfm_summary(small_log, observation_end="2023-12-01")
    with pytest.raises(DataValidationError, match="observation_end='soon' is not a date"):
        rfm_summary(small_log, observation_end="soon")
    with pytest.raises(ValueError, match="freq='Q' is not supported; choose one of D, W"):
        rfm_summary(small_log, freq="Q")
    with pytest.raises(DataValidationError, match="calibration_end .* is not before observation"):
        calibration_holdout_split(small_log, "2024-01-12", "2024-01-12")
    with pytest.raises(DataValidationError, match="no transaction between calibration_end"):
        calibration_holdout_split(small_log, "2024-01-12 12:00", "2024-01-20")
