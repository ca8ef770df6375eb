"""The importance-performance grid draws the table it is given, on the Axes it is given."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.plotting.satisfaction import plot_importance_performance
from crm_analytics.satisfaction import importance_performance


def test_points_crosshairs_and_labels():
    responses = pd.DataFrame(
        {"a": [4, 4], "b": [2, 2], "c": [4, 5], "ia": [5, 5], "ib": [5, 4], "ic": [1, 2]}
    )
    table = importance_performance(
        responses,
        items=["a", "b", "c"],
        method="stated",
        importance={"a": "ia", "b": "ib", "c": "ic"},
    )
    figure, ax = plt.subplots()
    assert plot_importance_performance(table, ax=ax) is ax
    np.testing.assert_allclose(ax.collections[0].get_offsets(), [[4, 5], [2, 4.5], [4.5, 1.5]])
    horizontal, vertical = ax.get_lines()
    assert horizontal.get_ydata()[0] == pytest.approx(11 / 3)
    assert vertical.get_xdata()[0] == pytest.approx(10.5 / 3)
    texts = [text.get_text() for text in ax.texts]
    assert texts[:3] == ["a", "b", "c"]
    assert "concentrate here" in texts and "possible overkill" in texts
    assert ax.get_xlabel() == "Performance (mean answer)"
    assert not plot_importance_performance(table, annotate=False, title=None).get_title()
    plt.close("all")


def test_refuses_another_table():
    with pytest.raises(DataValidationError, match="importance_performance"):
        plot_importance_performance(pd.DataFrame({"x": [1]}))
