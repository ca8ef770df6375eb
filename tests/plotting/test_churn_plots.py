"""Churn plots draw the gains, lift and calibration curves of every scorer."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.plotting.churn import (
    plot_calibration,
    plot_churn_evaluation,
    plot_gains,
    plot_lift,
)

Y = [1, 1, 0, 1, 0, 0, 0, 0, 0, 0]
SCORES = {
    "model": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05],
    "baseline": [0.5] * 10,
}


def test_gains_and_lift_values_by_hand():
    figure, ax = plt.subplots()
    assert plot_gains(Y, SCORES, ax=ax) is ax
    model_line = ax.get_lines()[0]
    # Top 2 of 10 hold 2 of the 3 churners.
    assert model_line.get_ydata()[2] == pytest.approx(2 / 3)
    # Tied scores give the diagonal.
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), np.linspace(0, 1, 11))
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        "model",
        "baseline",
        "random",
    ]
    plt.close(figure)
    ax = plot_lift(Y, SCORES, n_bins=5)
    # Top 20%: churn rate 1.0 over 0.3 overall.
    assert ax.get_lines()[0].get_ydata()[0] == pytest.approx(1 / 0.3)
    assert ax.get_lines()[1].get_ydata().tolist() == pytest.approx([1.0] * 5)
    plt.close(ax.figure)


def test_calibration_and_the_three_panel_view():
    ax = plot_calibration(Y, SCORES, n_bins=2)
    assert ax.get_lines()[0].get_ydata().tolist() == pytest.approx([0.0, 0.6])
    plt.close(ax.figure)
    figure, axes = plt.subplots(1, 3)
    drawn = plot_churn_evaluation(Y, SCORES, axes=axes)
    assert list(drawn) == list(axes)
    assert [ax.get_title() for ax in drawn] == ["Cumulative gains", "Lift", "Calibration"]
    plt.close(figure)


def test_bad_arguments():
    with pytest.raises(DataValidationError, match="non-empty dict"):
        plot_gains(Y, {})
    with pytest.raises(DataValidationError, match="3 Axes"):
        plot_churn_evaluation(Y, SCORES, axes=[None, None])
