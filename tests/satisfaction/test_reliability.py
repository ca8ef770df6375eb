"""Cronbach's alpha against a hand computation, Hoyt's ANOVA form and the Spearman-Brown value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics.exceptions import DataValidationError
from crm_analytics.satisfaction import cronbach_alpha

# The example of R's fmsb::CronbachAlpha (after Bland and Altman 1997, BMJ 314:572).
QUEST = pd.DataFrame(
    {
        "Q1": [1, 5, 2, 3, 4, 2, 3, 4, 3, 2],
        "Q2": [2, 4, 1, 2, 4, 1, 2, 5, 2, 1],
        "Q3": [2, 5, 1, 3, 3, 2, 2, 4, 2, 2],
    }
)


def test_hand_computed_example():
    # Item variances 43/30, 92/45, 62/45 (sum 437/90); totals 5, 14, 4, 8, 11, 5, 7, 13, 7, 5
    # have variance 383/30 = 1149/90; alpha = 3/2 * (1 - 437/1149) = 1068/1149.
    assert cronbach_alpha(QUEST) == pytest.approx(1068 / 1149, rel=1e-12)


def test_equals_hoyt_anova_form():
    """Hoyt (1941): alpha = 1 - MS_residual / MS_respondents of the two-way ANOVA without
    replication, computed here from the sums of squares."""
    rng = np.random.default_rng(4)
    trait = rng.normal(size=40)
    data = np.round(3 + trait[:, None] + rng.normal(scale=0.8, size=(40, 5)))
    n, k = data.shape
    grand = data.mean()
    ss_people = k * ((data.mean(axis=1) - grand) ** 2).sum()
    ss_items = n * ((data.mean(axis=0) - grand) ** 2).sum()
    ss_residual = ((data - grand) ** 2).sum() - ss_people - ss_items
    hoyt = 1 - (ss_residual / ((n - 1) * (k - 1))) / (ss_people / (n - 1))
    assert cronbach_alpha(pd.DataFrame(data)) == pytest.approx(hoyt, rel=1e-10)


def test_parallel_items_reach_the_spearman_brown_value():
    # k parallel items with inter-item correlation rho: alpha = k rho / (1 + (k - 1) rho).
    rng = np.random.default_rng(0)
    k, rho, n = 4, 0.4, 40_000
    common = rng.normal(size=(n, 1))
    items = np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.normal(size=(n, k))
    expected = k * rho / (1 + (k - 1) * rho)
    assert cronbach_alpha(pd.DataFrame(items)) == pytest.approx(expected, abs=0.01)


def test_matches_pingouin_when_installed():
    pingouin = pytest.importorskip("pingouin", reason="pingouin is not installed")
    assert cronbach_alpha(QUEST) == pytest.approx(pingouin.cronbach_alpha(QUEST)[0], rel=1e-9)


@settings(max_examples=50, deadline=None)
@given(
    shift=st.floats(-10, 10, allow_nan=False),
    factor=st.floats(0.1, 10, allow_nan=False),
)
def test_invariant_to_a_common_change_of_scale(shift, factor):
    assert cronbach_alpha(QUEST * factor + shift) == pytest.approx(cronbach_alpha(QUEST), rel=1e-9)


def test_missing_answers_leave_the_response_out_with_a_warning():
    with_gap = pd.concat([QUEST, pd.DataFrame({"Q1": [5], "Q2": [None], "Q3": [1]})])
    with pytest.warns(UserWarning, match="1 of 11 responses"):
        assert cronbach_alpha(with_gap) == pytest.approx(1068 / 1149)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (QUEST[["Q1"]], "at least two"),
        (pd.DataFrame({"a": [1, 2], "b": [2, 1]}), "same item total"),
        (pd.DataFrame({"a": ["x", "2"], "b": [1, 2]}), "not numbers"),
        (pd.DataFrame({"a": [1.0], "b": [2.0]}), "1 complete response"),
    ],
)
def test_refuses_what_it_cannot_measure(items, message):
    with pytest.raises(DataValidationError, match=message):
        cronbach_alpha(items)
