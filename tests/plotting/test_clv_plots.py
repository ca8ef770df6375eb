"""Tests for crm_analytics.plotting.clv: each plot renders and shows the evaluation numbers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.dates import num2date

from crm_analytics.clv.evaluation import (
    conditional_expectations,
    period_transactions,
    probability_alive_history,
    probability_alive_matrix,
    tracking_transactions,
)
from crm_analytics.plotting.clv import (
    plot_calibration_purchases_vs_holdout_purchases,
    plot_cumulative_transactions,
    plot_frequency_recency_matrix,
    plot_history_alive,
    plot_incremental_transactions,
    plot_period_transactions,
    plot_probability_alive_matrix,
)
from tests.clv.clv_eval_data import (
    CDNOW_CALIBRATION_END,
    VectorisedBetaGeo,
    as_arrays,
    cdnow_weekly_calibration_holdout,
    load_cdnow_sample,
)


@pytest.fixture(scope="module")
def cdnow_split() -> pd.DataFrame:
    return cdnow_weekly_calibration_holdout()


@pytest.fixture(scope="module")
def model(lifetimes, cdnow_split):
    fitted = lifetimes.BetaGeoFitter().fit(
        *as_arrays(cdnow_split, "frequency_cal", "recency_cal", "T_cal")
    )
    vectorised = VectorisedBetaGeo()
    vectorised.params_ = fitted.params_
    return vectorised


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def render(ax, tmp_path):
    path = tmp_path / "plot.png"
    ax.figure.savefig(path)
    assert path.stat().st_size > 1000
    return path


def test_frequency_recency_matrix(model, tmp_path):
    ax = plot_frequency_recency_matrix(model, t=5, max_frequency=6, max_recency=20)
    render(ax, tmp_path)
    [image] = ax.get_images()
    data = image.get_array()
    assert data.shape == (21, 7)
    expected = model.conditional_expected_number_of_purchases_up_to_time(5, 3, 12, 20)
    assert data[12, 3] == pytest.approx(float(expected), rel=1e-12)
    assert data.mask[5, 0]  # frequency 0 with recency 5 cannot happen
    assert ax.get_xlabel() == "Customer's historical frequency"
    assert "next 5 time units" in ax.get_title()


def test_probability_alive_matrix_on_given_axes(model, tmp_path):
    _, ax = plt.subplots()
    returned = plot_probability_alive_matrix(model, max_frequency=4, max_recency=10, ax=ax)
    assert returned is ax
    render(ax, tmp_path)
    expected = probability_alive_matrix(model, max_frequency=4, max_recency=10)
    np.testing.assert_allclose(ax.get_images()[0].get_array().filled(np.nan), expected, rtol=0)
    assert ax.figure.axes[-1].get_ylabel() == "P(alive)"  # the colorbar


def test_period_transactions_bars(model, cdnow_split, tmp_path):
    summary = cdnow_split.rename(columns={"frequency_cal": "frequency", "T_cal": "T"})
    ax = plot_period_transactions(model, summary, max_frequency=5)
    render(ax, tmp_path)
    actual, predicted = ax.containers
    table = period_transactions(model, summary, max_frequency=5)
    assert [bar.get_height() for bar in actual] == table["actual"].tolist()
    np.testing.assert_allclose([bar.get_height() for bar in predicted], table["predicted"])
    assert [label.get_text() for label in ax.get_xticklabels()] == ["0", "1", "2", "3", "4", "5+"]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["Actual", "Model"]


def test_calibration_vs_holdout_lines(model, cdnow_split, tmp_path):
    ax = plot_calibration_purchases_vs_holdout_purchases(model, cdnow_split)
    render(ax, tmp_path)
    actual, predicted = ax.get_lines()
    table = conditional_expectations(model, cdnow_split)
    np.testing.assert_allclose(actual.get_ydata(), table["actual"])
    np.testing.assert_allclose(predicted.get_ydata(), table["predicted"])
    assert ax.get_xticklabels()[-1].get_text() == "7+"
    assert ax.get_ylabel() == "Average purchases in holdout period"


def test_cumulative_tracking_marks_the_calibration_end(model, tmp_path):
    transactions = load_cdnow_sample()
    ax = plot_cumulative_transactions(
        model, transactions, calibration_end=CDNOW_CALIBRATION_END, freq="D", freq_multiplier=7
    )
    render(ax, tmp_path)
    actual, predicted, calibration = ax.get_lines()
    tracking = tracking_transactions(model, transactions, freq="D", freq_multiplier=7)
    np.testing.assert_array_equal(actual.get_xdata(), np.arange(1, 79))
    np.testing.assert_allclose(actual.get_ydata(), tracking["actual_cumulative"])
    np.testing.assert_allclose(predicted.get_ydata(), tracking["predicted_cumulative"])
    # Day 272 (1997-09-30) closes week 39.
    assert calibration.get_xdata()[0] == pytest.approx(39.0)


def test_incremental_tracking(model, tmp_path):
    transactions = load_cdnow_sample()
    ax = plot_incremental_transactions(model, transactions, freq="D", freq_multiplier=7)
    render(ax, tmp_path)
    actual, predicted = ax.get_lines()
    tracking = tracking_transactions(model, transactions, freq="D", freq_multiplier=7)
    np.testing.assert_allclose(actual.get_ydata(), tracking["actual"])
    assert predicted.get_ydata().sum() == pytest.approx(tracking["predicted_cumulative"].iloc[-1])


def test_history_alive(lifetimes, tmp_path):
    model = lifetimes.BetaGeoFitter()
    model.params_ = pd.Series({"r": 0.243, "alpha": 4.414 * 7, "a": 0.793, "b": 2.426})
    transactions = load_cdnow_sample()
    ax = plot_history_alive(model, transactions, "0001", observation_end="1997-12-31")
    render(ax, tmp_path)
    [line] = ax.get_lines()
    history = probability_alive_history(model, transactions, "0001", observation_end="1997-12-31")
    np.testing.assert_allclose(line.get_ydata(), history["p_alive"])
    [purchases] = ax.collections
    # Customer 0001 bought on 1997-01-01, 01-18, 08-02 and 12-12 (CDNOW sample).
    dates = [num2date(segment[0, 0]) for segment in purchases.get_segments()]
    assert [date.strftime("%m-%d") for date in dates] == ["01-01", "01-18", "08-02", "12-12"]
    assert ax.get_ylim() == (0, 1.02)
