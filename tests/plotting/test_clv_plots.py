"""The CLV plots (lifetimes' names and defaults): each renders the evaluation's numbers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.dates import num2date
from scipy import stats

import crm_analytics.plotting as plotting
from crm_analytics.clv import BetaGeoFitter, ParetoNBDFitter
from crm_analytics.clv import plotting as clv_plotting
from crm_analytics.clv.evaluation import (
    conditional_expectations,
    expected_purchases_matrix,
    period_transactions,
    probability_alive_history,
    probability_alive_matrix,
    tracking_transactions,
)
from crm_analytics.exceptions import DataValidationError
from crm_analytics.plotting.clv import (
    plot_calibration_purchases_vs_holdout_purchases,
    plot_cumulative_transactions,
    plot_dropout_rate_heterogeneity,
    plot_expected_repeat_purchases,
    plot_frequency_recency_matrix,
    plot_history_alive,
    plot_incremental_transactions,
    plot_period_transactions,
    plot_probability_alive_matrix,
    plot_transaction_rate_heterogeneity,
)
from tests.clv.clv_eval_data import (
    as_arrays,
    cdnow_weekly_calibration_holdout,
    load_cdnow_sample,
)

PLOTS = [name for name in clv_plotting.__all__]


@pytest.fixture(scope="module")
def cdnow_split() -> pd.DataFrame:
    return cdnow_weekly_calibration_holdout()


@pytest.fixture(scope="module")
def model(cdnow_split):
    return BetaGeoFitter().fit(*as_arrays(cdnow_split, "frequency_cal", "recency_cal", "T_cal"))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def render(ax, tmp_path):
    path = tmp_path / "plot.png"
    ax.figure.savefig(path)
    assert path.stat().st_size > 1000
    return path


def test_every_lifetimes_plot_is_exported_under_its_name():
    assert (
        sorted(
            [
                "plot_period_transactions",
                "plot_calibration_purchases_vs_holdout_purchases",
                "plot_frequency_recency_matrix",
                "plot_probability_alive_matrix",
                "plot_expected_repeat_purchases",
                "plot_history_alive",
                "plot_cumulative_transactions",
                "plot_incremental_transactions",
                "plot_transaction_rate_heterogeneity",
                "plot_dropout_rate_heterogeneity",
            ]
        )
        == PLOTS
    )
    for name in PLOTS:
        assert getattr(plotting, name) is getattr(clv_plotting, name)


def test_frequency_recency_matrix_defaults_from_the_fitted_data(model, tmp_path):
    ax = plot_frequency_recency_matrix(model, T=5)
    render(ax, tmp_path)
    data = ax.get_images()[0].get_array()
    # lifetimes' defaults: max frequency 29 and max T 38.86 weeks of the calibration data.
    assert data.shape == (39, 30)
    expected = expected_purchases_matrix(model, t=5, max_frequency=29, max_recency=38)
    np.testing.assert_allclose(data.filled(np.nan), expected, rtol=0)
    assert data[12, 3] == pytest.approx(
        model.conditional_expected_number_of_purchases_up_to_time(5, 3, 12, 38), rel=1e-12
    )
    assert data.mask[5, 0]  # frequency 0 with recency 5 cannot happen
    assert ax.get_xlabel() == "Customer's Historical Frequency"
    assert ax.get_title() == (
        "Expected Number of Future Purchases for 5 Units of Time,\n"
        "by Frequency and Recency of a Customer"
    )


def test_probability_alive_matrix_needs_no_arguments_and_takes_axes(model, tmp_path):
    _, ax = plt.subplots()
    returned = plot_probability_alive_matrix(model, ax=ax)
    assert returned is ax
    render(ax, tmp_path)
    expected = probability_alive_matrix(model, max_frequency=29, max_recency=38)
    np.testing.assert_allclose(ax.get_images()[0].get_array().filled(np.nan), expected, rtol=0)
    assert ax.get_title().startswith("Probability Customer is Alive,")
    small = plot_probability_alive_matrix(model, max_frequency=4, max_recency=10, cmap="magma")
    assert small.get_images()[0].get_array().shape == (11, 5)


def test_period_transactions_bars_use_the_fitted_data(model, tmp_path):
    ax = plot_period_transactions(model, max_frequency=5)
    render(ax, tmp_path)
    actual, predicted = ax.containers
    table = period_transactions(model, model.data, max_frequency=5)
    assert [bar.get_height() for bar in actual] == table["actual"].tolist()
    np.testing.assert_allclose([bar.get_height() for bar in predicted], table["predicted"])
    assert [label.get_text() for label in ax.get_xticklabels()] == ["0", "1", "2", "3", "4", "5+"]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["Actual", "Model"]
    assert ax.get_title() == "Frequency of Repeat Transactions"
    assert ax.get_xlabel() == "Number of Calibration Period Transactions"


def test_calibration_vs_holdout_lines(model, cdnow_split, tmp_path):
    ax = plot_calibration_purchases_vs_holdout_purchases(model, cdnow_split)
    render(ax, tmp_path)
    actual, predicted = ax.get_lines()
    table = conditional_expectations(model, cdnow_split)
    np.testing.assert_allclose(actual.get_ydata(), table["actual"])
    np.testing.assert_allclose(predicted.get_ydata(), table["predicted"])
    assert ax.get_xticklabels()[-1].get_text() == "7+"
    assert ax.get_ylabel() == "Average of Purchases in Holdout Period"


def test_calibration_vs_holdout_by_time_since_last_purchase(model, cdnow_split, tmp_path):
    ax = plot_calibration_purchases_vs_holdout_purchases(
        model, cdnow_split, kind="time_since_last_purchase", n=5
    )
    render(ax, tmp_path)
    actual, predicted = ax.get_lines()
    gap = cdnow_split["T_cal"] - cdnow_split["recency_cal"]
    expected = cdnow_split.groupby(gap)["frequency_holdout"].mean().iloc[:5]
    np.testing.assert_allclose(actual.get_xdata(), expected.index)
    np.testing.assert_allclose(actual.get_ydata(), expected)
    assert ax.get_xlabel() == "Time since user made last purchase"
    with pytest.raises(DataValidationError, match="kind must be one of"):
        plot_calibration_purchases_vs_holdout_purchases(model, cdnow_split, kind="age")


def test_cumulative_tracking_marks_the_calibration_end(model, tmp_path):
    transactions = load_cdnow_sample()
    ax = plot_cumulative_transactions(
        model, transactions, "date", "customer_id", 546, 39, freq="D", freq_multiplier=7
    )
    render(ax, tmp_path)
    actual, predicted, calibration = ax.get_lines()
    tracking = tracking_transactions(model, transactions, freq="D", freq_multiplier=7)
    np.testing.assert_array_equal(actual.get_xdata(), np.arange(78))
    np.testing.assert_allclose(actual.get_ydata(), tracking["actual_cumulative"])
    np.testing.assert_allclose(predicted.get_ydata(), tracking["predicted_cumulative"])
    assert calibration.get_xdata()[0] == 39
    assert ax.get_title() == "Tracking Cumulative Transactions"


def test_incremental_tracking(model, tmp_path):
    transactions = load_cdnow_sample()
    ax = plot_incremental_transactions(
        model, transactions, "date", "customer_id", 546, 39, freq="D", freq_multiplier=7
    )
    render(ax, tmp_path)
    actual, predicted, _ = ax.get_lines()
    tracking = tracking_transactions(model, transactions, freq="D", freq_multiplier=7)
    np.testing.assert_allclose(actual.get_ydata()[1:], tracking["actual"].iloc[1:])
    assert np.nansum(predicted.get_ydata()) == pytest.approx(
        tracking["predicted_cumulative"].iloc[-1] - tracking["predicted_cumulative"].iloc[0]
    )


def test_history_alive(tmp_path):
    model = BetaGeoFitter()
    model.params_ = pd.Series({"r": 0.243, "alpha": 4.414 * 7, "a": 0.793, "b": 2.426})
    transactions = load_cdnow_sample()
    mine = transactions[transactions["customer_id"] == "0001"]
    ax = plot_history_alive(model, 364, mine, "date")
    render(ax, tmp_path)
    [line] = ax.get_lines()
    history = probability_alive_history(model, transactions, "0001", observation_end="1997-12-31")
    np.testing.assert_allclose(line.get_ydata(), history["p_alive"])
    [purchases] = ax.collections
    # Customer 0001 bought on 1997-01-01, 01-18, 08-02 and 12-12 (CDNOW sample).
    dates = [num2date(segment[0, 0]) for segment in purchases.get_segments()]
    assert [date.strftime("%m-%d") for date in dates] == ["01-01", "01-18", "08-02", "12-12"]
    assert ax.get_ylim() == (0, 1.0) and ax.get_title() == "History of P_alive"


def test_expected_repeat_purchases_dashed_beyond_the_data(model, tmp_path):
    ax = plot_expected_repeat_purchases(model, label="BG/NBD")
    render(ax, tmp_path)
    within, beyond = ax.get_lines()
    assert within.get_xdata()[-1] == pytest.approx(272 / 7) and beyond.get_linestyle() == "--"
    assert within.get_color() == beyond.get_color()
    np.testing.assert_allclose(
        beyond.get_ydata(), model.expected_number_of_purchases_up_to_time(beyond.get_xdata())
    )


def test_heterogeneity_densities(model, tmp_path):
    ax = plot_transaction_rate_heterogeneity(model)
    render(ax, tmp_path)
    r, alpha, a, b = model.params_
    assert ax.get_title() == f"mean: {r / alpha:.3f}, var: {r / alpha**2:.3f}"
    [line] = ax.get_lines()
    np.testing.assert_allclose(
        line.get_ydata(), stats.gamma(r, scale=1 / alpha).pdf(line.get_xdata())
    )
    ax = plot_dropout_rate_heterogeneity(model)
    assert (
        ax.get_title() == f"mean: {a / (a + b):.3f}, var: {a * b / (a + b) ** 2 / (a + b + 1):.3f}"
    )
    assert ax.figure._suptitle.get_text() == "Heterogeneity in Dropout Probability"
    pareto = ParetoNBDFitter()
    pareto.params_ = pd.Series({"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67})
    assert plot_dropout_rate_heterogeneity(pareto).get_xlabel() == "Dropout Rate mu"


@pytest.mark.parametrize(
    "name",
    [
        "plot_frequency_recency_matrix",
        "plot_probability_alive_matrix",
        "plot_period_transactions",
        "plot_expected_repeat_purchases",
        "plot_transaction_rate_heterogeneity",
        "plot_dropout_rate_heterogeneity",
    ],
)
def test_each_plot_draws_on_the_axes_it_is_given(model, name):
    _, ax = plt.subplots()
    assert getattr(clv_plotting, name)(model, ax=ax) is ax


def test_lifetimes_draws_the_same_matrix(lifetimes, model, tmp_path):
    """lifetimes' plot on its own model with our parameters holds the same cells (where a
    history can exist)."""
    theirs = lifetimes.BetaGeoFitter()
    theirs.params_ = model.params_
    theirs.data = model.data
    from lifetimes.plotting import plot_probability_alive_matrix as lifetimes_plot

    their_image = lifetimes_plot(theirs).get_images()[0].get_array()
    plt.close("all")
    our_image = plot_probability_alive_matrix(model).get_images()[0].get_array()
    possible = ~our_image.mask
    np.testing.assert_allclose(our_image[possible], np.asarray(their_image)[possible], rtol=1e-6)
