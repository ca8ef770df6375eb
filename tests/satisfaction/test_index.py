"""Satisfaction index: ratio, SERVQUAL gap and 0-100 score, with every kind of weight."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.satisfaction import satisfaction_index

ITEMS = {"q1": "product", "q2": "product", "q3": "delivery"}
EXPECT = {"q1": "e1", "q2": "e2", "q3": "e3"}


@pytest.fixture
def responses() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "q1": [4, 5, 3, 2],
            "q2": [4, 3, 3, None],
            "q3": [2, 4, 1, 3],
            "e1": [5, 5, 4, 4],
            "e2": [5, 5, 4, 4],
            "e3": [4, 4, 2, 2],
            "overall": [3, 5, 2, 2],
            "i1": [5, 5, 5, 5],
            "i2": [5, 5, 5, 5],
            "i3": [2, 2, 2, 2],
        }
    )


def test_ratio_form_by_hand(responses):
    # Per response, product P = mean(q1, q2) = 4, 4, 3, 2 and E = 5, 5, 4, 4; delivery P = q3.
    table = satisfaction_index(responses, items=ITEMS, expectations=EXPECT)
    assert table.loc["product", ["perceived", "expected"]].tolist() == [3.25, 4.5]
    assert table.loc["product", "index"] == pytest.approx(3.25 / 4.5)
    assert table.loc["delivery", "index"] == pytest.approx(2.5 / 3.0)
    # Equal weights: the overall index is the mean of the two.
    assert table.loc["overall", "index"] == pytest.approx((3.25 / 4.5 + 2.5 / 3) / 2)
    assert table["n_responses"].tolist() == [4, 4, 4]


def test_gap_form_and_response_level(responses):
    table = satisfaction_index(responses, items=ITEMS, expectations=EXPECT, form="gap")
    assert table["index"].tolist()[:2] == pytest.approx([3.25 - 4.5, 2.5 - 3.0])
    per_response = satisfaction_index(
        responses, items=ITEMS, expectations=EXPECT, form="gap", level="response"
    )
    assert per_response["product"].tolist() == [-1.0, -1.0, -1.0, -2.0]
    assert per_response["delivery"].tolist() == [-2.0, 0.0, -1.0, 1.0]
    assert per_response["overall"].tolist() == [-1.5, -0.5, -1.0, -0.5]


def test_score_form_on_0_to_100(responses):
    table = satisfaction_index(responses, items=ITEMS)
    # product mean 3.25 on 1..5 -> 56.25; delivery 2.5 -> 37.5.
    assert table["index"].tolist() == pytest.approx([56.25, 37.5, 46.875])
    seven = satisfaction_index(responses, items=ITEMS, scale=(1, 7))
    assert seven.loc["product", "index"] == pytest.approx(100 * 2.25 / 6)


def test_stated_given_and_derived_weights(responses):
    stated = satisfaction_index(
        responses, items=ITEMS, importance={"q1": "i1", "q2": "i2", "q3": "i3"}
    )
    # Mean stated importance: product 5, delivery 2 -> weights 5/7 and 2/7.
    assert stated["weight"].tolist()[:2] == pytest.approx([5 / 7, 2 / 7])
    assert stated.loc["overall", "index"] == pytest.approx(56.25 * 5 / 7 + 37.5 * 2 / 7)
    given = satisfaction_index(responses, items=ITEMS, importance={"product": 3, "delivery": 1})
    assert given["weight"].tolist()[:2] == [0.75, 0.25]
    derived = satisfaction_index(responses, items=ITEMS, importance="derived", overall="overall")
    per_response = satisfaction_index(responses, items=ITEMS, level="response")
    correlations = per_response[["product", "delivery"]].corrwith(responses["overall"])
    assert derived["weight"].tolist()[:2] == pytest.approx(
        (correlations / correlations.sum()).tolist()
    )


def test_cronbach_alpha_of_multi_item_dimensions(responses):
    table = satisfaction_index(responses, items=ITEMS)
    # Complete product answers (4,4), (5,3), (3,3): variances 1, 1/3; totals 8, 8, 6 -> 4/3.
    assert table.loc["product", "alpha"] == pytest.approx(2 * (1 - (1 + 1 / 3) / (4 / 3)))
    assert np.isnan(table.loc["delivery", "alpha"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"form": "ratio"}, "pass expectations="),
        ({"expectations": EXPECT, "form": "score"}, "uses perceived answers alone"),
        ({"expectations": {"q1": "e1"}}, "no expectation column"),
        ({"importance": "derived"}, "pass overall="),
        ({"importance": {"product": 1}}, "one weight per dimension"),
        ({"importance": {"product": -1, "delivery": 1}}, "not negative"),
        ({"form": "percent"}, "form="),
        ({"level": "customer"}, "level="),
        ({"scale": (1, 3)}, "outside the scale"),
        ({"items": {"q9": "x"}}, "'q9' not found"),
    ],
)
def test_refuses_what_cannot_work(responses, options, message):
    options = {"items": ITEMS, **options}
    with pytest.raises(DataValidationError, match=message):
        satisfaction_index(responses, **options)
