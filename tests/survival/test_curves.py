"""Kaplan-Meier curves, medians and log-rank tests: by hand, against lifelines, and against
the known survival of simulated customers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

from crm_analytics.datasets import make_contracts
from crm_analytics.exceptions import DataValidationError
from crm_analytics.survival import (
    contract_tenure,
    kaplan_meier,
    logrank_test,
    median_tenure,
    tenure_table,
)
from tests.survival.conftest import AS_OF

pytestmark = pytest.mark.usefixtures("lifelines")


def small() -> pd.DataFrame:
    return tenure_table(
        pd.DataFrame(
            {
                "customer_id": range(8),
                "tenure": [1, 1, 2, 3, 3, 4, 6, 6],
                "churned": [1, 0, 1, 1, 0, 1, 0, 0],
                "plan": list("aaaabbbb"),
            }
        )
    )


def test_curve_by_hand():
    curve = kaplan_meier(small()).loc["all"]
    # At risk 8, 8, 6, 5, 3, 2, 2; events at 1, 2, 3, 4.
    expected = np.cumprod([1, 7 / 8, 5 / 6, 4 / 5, 2 / 3, 1, 1])
    np.testing.assert_allclose(curve["survival"], expected)
    assert curve["at_risk"].tolist() == [8, 8, 6, 5, 3, 2, 2]
    assert curve["churned"].tolist() == [0, 1, 1, 1, 1, 0, 0]
    assert (curve["lower"] <= curve["survival"]).all() and (
        curve["survival"] <= curve["upper"]
    ).all()


def test_groups_equal_lifelines_on_each_group(lifelines):
    curves = kaplan_meier(small(), by="plan", confidence=0.9)
    assert curves.index.get_level_values("group").unique().tolist() == ["a", "b"]
    group = small().query("plan == 'b'")
    reference = lifelines.KaplanMeierFitter(alpha=0.1).fit(
        group["tenure"], group["churned"], timeline=np.arange(7)
    )
    np.testing.assert_allclose(curves.loc["b", "survival"], reference.survival_function_.iloc[:, 0])
    np.testing.assert_allclose(
        curves.loc["b", ["lower", "upper"]], reference.confidence_interval_.to_numpy()
    )


def test_curve_covers_the_true_survival_of_simulated_customers():
    customers = make_contracts(8_000, seed=21, effects={})
    curve = kaplan_meier(contract_tenure(customers, as_of=AS_OF)).loc["all"].loc[:30]
    t = curve.index.to_numpy()
    truth = np.exp(betaln(1.2, 12.0 + t) - betaln(1.2, 12.0))
    inside = (curve["lower"] <= truth) & (truth <= curve["upper"])
    assert inside.mean() > 0.9
    assert np.abs(curve["survival"] - truth).max() < 0.03


def test_median_tenure_by_hand():
    medians = median_tenure(small(), by="plan")
    assert medians.loc["a", "median_tenure"] == 2.0  # S: 3/4, 3/8 after renewal points 1, 2
    assert medians.loc["b", "median_tenure"] == np.inf  # 3/4 still active at the end
    assert medians[["customers", "churned"]].to_dict("list") == {
        "customers": [4, 4],
        "churned": [3, 1],
    }


def test_logrank_matches_lifelines(lifelines):
    frame = small()
    result = logrank_test(frame, by="plan")
    a, b = frame[frame["plan"] == "a"], frame[frame["plan"] == "b"]
    reference = lifelines.statistics.logrank_test(
        a["tenure"], b["tenure"], a["churned"], b["churned"]
    )
    assert result.loc["a vs b", "statistic"] == pytest.approx(reference.test_statistic)
    assert result.loc["all groups", "p_value"] == pytest.approx(reference.p_value)


def test_logrank_separates_plans_with_different_hazards_and_not_regions(contracts):
    table = contract_tenure(contracts, as_of=AS_OF)
    plans = logrank_test(table, by="plan")
    assert plans.index.tolist() == [
        "all groups",
        "basic vs plus",
        "basic vs premium",
        "plus vs premium",
    ]
    assert (plans["p_value"] < 1e-4).all()
    assert plans.loc["all groups", "degrees_of_freedom"] == 2
    assert logrank_test(table, by="region").loc["all groups", "p_value"] > 0.01


def test_bad_groups_are_explained():
    frame = small()
    with pytest.raises(DataValidationError, match="'segment' is not a column"):
        kaplan_meier(frame, by="segment")
    with pytest.raises(DataValidationError, match="missing value"):
        median_tenure(frame.assign(plan=["a", None] * 4), by="plan")
    with pytest.raises(DataValidationError, match="at least two"):
        logrank_test(frame.assign(plan="a"), by="plan")
    with pytest.raises(DataValidationError, match="between 0 and 1"):
        kaplan_meier(frame, confidence=95)
    with pytest.raises(DataValidationError, match="expected a tenure table"):
        kaplan_meier(frame.reset_index())
