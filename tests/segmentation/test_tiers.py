"""Value tiers, concentration and the value matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics.exceptions import DataValidationError
from crm_analytics.segmentation import concentration, segment_shares, value_matrix, value_tiers


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(
        st.floats(0, 1e4, allow_nan=False, allow_subnormal=False), min_size=1, max_size=60
    ),
    share=st.floats(0.05, 0.95),
)
def test_pareto_high_tier_is_the_fewest_customers_reaching_the_share(values, share):
    series = pd.Series(values, index=[f"c{i}" for i in range(len(values))])
    total = series.sum()
    if total <= 0:
        return
    tiers = value_tiers(series, share=share, medium_share=min(share + 0.04, 0.99))
    high = series[tiers == "high"]
    assert high.sum() >= share * total - 1e-9 * total
    # fewest: the customers of the high tier are the top ones, and dropping the smallest
    # of them falls short of the share
    assert high.min() >= series[tiers != "high"].max() if (tiers != "high").any() else True
    assert high.sum() - high.min() < share * total + 1e-9 * total
    # shares add up: every customer in one tier
    assert tiers.notna().all() and len(tiers) == len(series)


def test_pareto_by_hand():
    # tied customers keep their input order: a (5) before e (5)
    values = pd.Series([5.0, 50, 10, 30, 5], index=list("abcde"))
    tiers = value_tiers(values)
    assert tiers.to_dict() == {"a": "medium", "b": "high", "c": "medium", "d": "high", "e": "low"}
    assert list(tiers.cat.categories) == ["high", "medium", "low"]


def test_abc_and_quantile_methods():
    values = pd.Series([50.0, 30, 10, 5, 5], index=list("abcde"))
    assert value_tiers(values, method="abc", shares=(0.5, 0.9)).tolist() == list("ABBCC")
    untied = pd.Series(np.arange(1.0, 31.0), index=[f"c{i}" for i in range(30)])
    tiers = value_tiers(untied, method="quantile")
    assert tiers.value_counts().to_dict() == {"high": 10, "medium": 10, "low": 10}
    assert (tiers.iloc[-10:] == "high").all() and (tiers.iloc[:10] == "low").all()
    four = value_tiers(untied, method="quantile", n_tiers=4)
    assert list(four.cat.categories) == ["tier 1", "tier 2", "tier 3", "tier 4"]
    assert four.iloc[-1] == "tier 1"


def test_tier_errors():
    values = pd.Series([1.0, 2.0], index=["a", "b"])
    with pytest.raises(DataValidationError, match="method must be one of"):
        value_tiers(values, method="kmeans")
    with pytest.raises(DataValidationError, match="increase strictly"):
        value_tiers(values, share=0.9, medium_share=0.8)
    with pytest.raises(DataValidationError, match="positive total"):
        value_tiers(values * 0)
    with pytest.raises(DataValidationError, match=r"1 negative value\(s\) \(customers 'a'\)"):
        value_tiers(pd.Series([-1.0, 2.0], index=["a", "b"]))
    with pytest.raises(DataValidationError, match="pandas Series"):
        value_tiers([1.0, 2.0])


def test_concentration_by_hand():
    values = pd.Series([0.0, 0, 0, 0, 100])
    result = concentration(values)
    assert result.top_share == pytest.approx(1.0)
    # one customer of 5 holds everything: Gini = (n - 1) / n
    assert result.gini == pytest.approx(0.8)
    equal = concentration(pd.Series([3.0] * 10))
    assert equal.gini == pytest.approx(0.0, abs=1e-12)
    assert equal.top_share == pytest.approx(0.2)
    hand = concentration(pd.Series([1.0, 2, 3, 4]), top=0.25)
    # Gini of 1..4 = sum_ij |xi - xj| / (2 n^2 mean) = 20 / (2 * 16 * 2.5) = 0.25
    assert hand.gini == pytest.approx(0.25)
    assert hand.top_share == pytest.approx(0.4)
    assert hand.lorenz["value_share"].tolist() == pytest.approx([0, 0.1, 0.3, 0.6, 1.0])


def test_segment_shares_add_up():
    segments = pd.Series(
        pd.Categorical(["b", "a", "b", "a"], categories=["b", "a", "c"]), index=list("wxyz")
    )
    values = pd.Series([10.0, 20, 30, 40], index=list("zyxw"))
    table = segment_shares(segments, values)
    assert table.index.tolist() == ["b", "a", "c"]
    assert table["n_customers"].tolist() == [2, 2, 0]
    # b = w + y = 40 + 20, a = x + z = 30 + 10
    assert table["value"].tolist() == [60.0, 40.0, 0.0]
    assert table["value_share"].sum() == pytest.approx(1.0)
    assert table["customer_share"].sum() == pytest.approx(1.0)


def test_value_matrix_classes():
    current = pd.Series([900.0, 500, 40, 30, 20, 10, 5, 0, -50, 60], index=list("abcdefghij"))
    predicted = pd.Series([800.0, 300, 700, 20, 10, 5, 5, 0, 0, 30], index=list("abcdefghij"))
    result = value_matrix(current, predicted)
    assert result["value_class"].to_dict() == {
        "a": "high-value",
        "b": "high-value",
        "c": "potential",
        "d": "ordinary",
        "e": "ordinary",
        "f": "ordinary",
        "g": "ordinary",
        "h": "low/negative",
        "i": "low/negative",
        "j": "ordinary",
    }
    same, cutoffs = value_matrix(current, predicted, return_cutoffs=True)
    pd.testing.assert_frame_equal(same, result)
    assert cutoffs["contribution_above"] == 60.0
    # with a 50% margin and a cost of 20 per customer: contribution = 0.5 value - 20
    costly = value_matrix(current, predicted, margin=0.5, cost_to_serve=20.0)
    assert costly.loc["d", "contribution"] == pytest.approx(-5.0)
    assert costly.loc["d", "value_class"] == "low/negative"
    assert costly.loc["c", "value_class"] == "potential"
    shuffled = predicted.iloc[::-1]
    pd.testing.assert_frame_equal(value_matrix(current, shuffled), result)
    with pytest.raises(DataValidationError, match="same customers"):
        value_matrix(current, predicted.iloc[:5])
    with pytest.raises(DataValidationError, match="high_quantile must be a fraction in"):
        value_matrix(current, predicted, high_quantile=1.5)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=50))
def test_gini_equals_mean_absolute_difference(values):
    raw = np.asarray(values)
    if raw.sum() <= 0:
        return
    result = concentration(pd.Series(raw))
    # Gini's definition: sum over all pairs |xi - xj| / (2 n^2 mean)
    pairs = np.abs(raw[:, None] - raw[None, :]).sum()
    assert result.gini == pytest.approx(pairs / (2 * raw.size**2 * raw.mean()), abs=1e-9)
    assert 0 <= result.top_share <= 1


def _current_and_predicted() -> tuple[pd.Series, pd.Series]:
    index = list("abcdefghij")
    current = pd.Series([900.0, 500, 40, 30, 20, 10, 5, 0, -50, 60], index=index)
    predicted = pd.Series([800.0, 300, 700, 20, 10, 5, 5, 0, 0, 30], index=index)
    return current, predicted


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"margin": np.nan}, r"margin must be a fraction of spend in \(0, 1\], got nan"),
        ({"cost_to_serve": np.nan}, "cost_to_serve must be a finite number, got nan"),
        ({"low_threshold": np.nan}, "low_threshold must be a finite number, got nan"),
        (
            {"margin": 30},
            r"margin must be a fraction of spend in \(0, 1\], got 30; .* pass margin=0\.3",
        ),
        ({"cost_to_serve": np.ones(3)}, "cost_to_serve holds 3 value.* for 10 customers"),
    ],
)
def test_value_matrix_rejects_nan_percent_and_misshapen_arguments(arguments, message):
    current, predicted = _current_and_predicted()
    with pytest.raises(DataValidationError, match=message):
        value_matrix(current, predicted, **arguments)


def test_value_matrix_cost_array_in_customer_order():
    current, predicted = _current_and_predicted()
    by_array = value_matrix(current, predicted, cost_to_serve=np.full(10, 5.0))
    assert by_array["contribution"].tolist() == (current - 5.0).tolist()


@pytest.mark.parametrize(
    "call",
    [
        lambda values: value_tiers(values),
        lambda values: segment_shares(value_tiers(values.drop_duplicates()), values),
        lambda values: value_matrix(values, values),
        lambda values: concentration(values),
    ],
)
def test_repeated_customer_ids_are_rejected(call):
    values = pd.Series([5.0, 3.0, 2.0, 9.0, 1.0], index=["a", "b", "a", "c", "b"])
    with pytest.raises(DataValidationError, match=r"2 customer id\(s\) appear more than once"):
        call(values)


def test_segment_shares_rejects_repeated_segment_ids():
    segments = pd.Series(["high", "low", "high"], index=["a", "b", "a"])
    with pytest.raises(DataValidationError, match=r"segments: 1 customer id\(s\) appear more"):
        segment_shares(segments)


def test_abc_shares_must_be_a_sequence_of_numbers():
    values = pd.Series([50.0, 30, 10, 5, 5], index=list("abcde"))
    with pytest.raises(DataValidationError, match=r"shares must be a sequence.*shares=\(0\.8,\)"):
        value_tiers(values, method="abc", shares=0.8)
    with pytest.raises(DataValidationError, match="must be a finite number, got '0.5'"):
        value_tiers(values, method="abc", shares=("0.5", 0.9))
    assert value_tiers(values, method="abc", shares=(0.8,)).tolist() == ["A", "A", "B", "B", "B"]
