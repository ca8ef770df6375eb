"""Survival plots draw the curves, bands, at-risk counts, projections and effects they show."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from crm_analytics.clv import ShiftedBetaGeoFitter
from crm_analytics.datasets import load_retention_segments, make_contracts
from crm_analytics.exceptions import DataValidationError
from crm_analytics.plotting.survival import (
    plot_effects,
    plot_retention_curves,
    plot_retention_projection,
)

lifelines = pytest.importorskip("lifelines", reason="lifelines is not installed")

from crm_analytics.survival import ChurnTimeModel, contract_tenure, kaplan_meier  # noqa: E402


@pytest.fixture(scope="module")
def table():
    return contract_tenure(make_contracts(3_000, seed=5), as_of="2024-01-01")


def test_retention_curves_one_per_group_with_at_risk_rows(table):
    curves = kaplan_meier(table, by="plan")
    figure, ax = plt.subplots()
    assert plot_retention_curves(curves, at_risk_periods=[0, 12], ax=ax) is ax
    lines = ax.get_lines()
    assert len(lines) == 3
    np.testing.assert_allclose(lines[2].get_ydata(), curves.loc["premium", "survival"])
    texts = [text.get_text() for text in ax.texts]
    assert texts[:3] == ["at risk", "basic", str(curves.loc[("basic", 0), "at_risk"])]
    assert str(curves.loc[("premium", 12), "at_risk"]) in texts
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["basic", "plus", "premium"]
    plt.close(figure)
    with pytest.raises(DataValidationError, match="output of crm_analytics.survival.kaplan_meier"):
        plot_retention_curves(curves.reset_index())


def test_projection_against_actual():
    cohort = load_retention_segments()["regular"]
    model = ShiftedBetaGeoFitter().fit(survivors=cohort.loc[:7].tolist())
    ax = plot_retention_projection(model, cohort, fitted_periods=7)
    actual, projected, marker = ax.get_lines()
    np.testing.assert_allclose(actual.get_ydata(), cohort / 1000)
    np.testing.assert_allclose(projected.get_ydata(), model.survivor_curve(12))
    assert marker.get_xdata()[0] == 7
    plt.close(ax.figure)
    with pytest.raises(DataValidationError, match="positive first value"):
        plot_retention_projection(model, cohort * 0, fitted_periods=7)


def test_effects_on_a_log_scale(table):
    model = ChurnTimeModel(attributes=["plan", "payment"]).fit(table)
    ax = plot_effects(model)
    assert ax.get_xscale() == "log"
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels[0] == "plan[premium]" and labels[-1] == "payment[invoice]"
    assert "hazard ratio" in ax.get_xlabel()
    plt.close(ax.figure)
