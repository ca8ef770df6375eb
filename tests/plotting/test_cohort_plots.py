"""Cohort plots draw what the cohort table holds, on the Axes they are given."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crm_analytics.cohorts import cohort_table
from crm_analytics.exceptions import DataValidationError
from crm_analytics.plotting.cohorts import plot_cohort_heatmap, plot_retention_curves


@pytest.fixture
def retention() -> pd.DataFrame:
    log = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "c", "c"],
            "date": pd.to_datetime(
                ["2024-01-05", "2024-02-03", "2024-03-09", "2024-01-20", "2024-02-11", "2024-03-01"]
            ),
            "amount": [10.0, 20.0, 5.0, 8.0, 3.0, 4.0],
        }
    )
    # Jan cohort {a, b}: 100%, 50%, 50%; Feb cohort {c}: 100%, 100%.
    return cohort_table(log, normalize=True)


def test_heatmap_cells_ticks_and_labels(retention):
    figure, ax = plt.subplots()
    assert plot_cohort_heatmap(retention, ax=ax) is ax
    image = ax.get_images()[0].get_array()
    np.testing.assert_array_equal(image.mask, [[False, False, False], [False, False, True]])
    np.testing.assert_allclose(image.data[~image.mask], [1, 0.5, 0.5, 1, 1])
    assert [label.get_text() for label in ax.get_yticklabels()] == ["2024-01", "2024-02"]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["0", "1", "2"]
    assert [text.get_text() for text in ax.texts] == ["100%", "50%", "50%", "100%", "100%"]
    assert ax.get_title() == "Cohort retention"
    plt.close(figure)


def test_heatmap_counts_are_written_as_numbers(retention):
    counts = retention * 1200
    ax = plot_cohort_heatmap(counts, annotate=True, title=None)
    assert [text.get_text() for text in ax.texts] == ["1,200", "600", "600", "1,200", "1,200"]
    assert ax.get_title() == ""
    assert not plot_cohort_heatmap(counts, annotate=False).texts
    plt.close("all")


def test_retention_curves(retention):
    figure, ax = plt.subplots()
    assert plot_retention_curves(retention, ax=ax) is ax
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["2024-01", "2024-02", "average"]
    np.testing.assert_allclose(lines[0].get_ydata(), [1, 0.5, 0.5])
    np.testing.assert_allclose(lines[1].get_xdata(), [0, 1])
    # The average at each period is over the cohorts observed there.
    np.testing.assert_allclose(lines[2].get_ydata(), [1, 0.75, 0.5])
    assert ax.get_ylabel() == "Retention rate"
    without_average = plot_retention_curves(retention, show_average=False, ylabel="Revenue")
    assert len(without_average.get_lines()) == 2
    assert without_average.get_ylabel() == "Revenue"
    plt.close("all")


@pytest.mark.parametrize("plot", [plot_cohort_heatmap, plot_retention_curves])
def test_bad_tables(plot):
    with pytest.raises(DataValidationError, match="table is empty"):
        plot(pd.DataFrame())
    with pytest.raises(DataValidationError, match="must hold numbers.*cohort_table"):
        plot(pd.DataFrame({"a": ["x", "y"]}))
