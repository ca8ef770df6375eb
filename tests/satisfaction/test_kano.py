"""The Kano evaluation table of Berger et al. (1993), counts, Better/Worse, ties."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.satisfaction import ANSWERS, kano

# Berger et al. (1993), "Kano's methods for understanding customer-defined quality", Center
# for Quality Management Journal 2(4), the evaluation table, written out row by row.
PUBLISHED = {
    "like": {"like": "Q", "must-be": "A", "neutral": "A", "live with": "A", "dislike": "O"},
    "must-be": {"like": "R", "must-be": "I", "neutral": "I", "live with": "I", "dislike": "M"},
    "neutral": {"like": "R", "must-be": "I", "neutral": "I", "live with": "I", "dislike": "M"},
    "live with": {"like": "R", "must-be": "I", "neutral": "I", "live with": "I", "dislike": "M"},
    "dislike": {"like": "R", "must-be": "R", "neutral": "R", "live with": "R", "dislike": "Q"},
}


@pytest.mark.parametrize(("functional", "dysfunctional"), list(itertools.product(ANSWERS, ANSWERS)))
def test_every_cell_of_the_evaluation_table(functional, dysfunctional):
    result = kano(pd.DataFrame({"f": [functional]}), pd.DataFrame({"f": [dysfunctional]}))
    expected = PUBLISHED[functional][dysfunctional]
    assert result.loc["f", "category"] == expected
    assert result.loc["f", expected] == 1 and result.loc["f", "n"] == 1


def test_counts_and_better_worse_by_hand():
    # Ten respondents on one feature: 4 A (like/neutral), 3 O (like/dislike),
    # 2 M (neutral/dislike), 1 I (neutral/neutral), then 1 R and 1 Q that the
    # coefficients leave out: Better = (4 + 3) / 10, Worse = -(3 + 2) / 10.
    pairs = [(1, 3)] * 4 + [(1, 5)] * 3 + [(3, 5)] * 2 + [(3, 3)] + [(5, 1)] + [(1, 1)]
    functional = pd.DataFrame({"gift wrap": [f for f, _ in pairs]})
    dysfunctional = pd.DataFrame({"gift wrap": [d for _, d in pairs]})
    row = kano(functional, dysfunctional).loc["gift wrap"]
    assert row[["A", "O", "M", "I", "R", "Q", "n"]].tolist() == [4, 3, 2, 1, 1, 1, 12]
    assert row["category"] == "A"
    assert row["better"] == pytest.approx(0.7)
    assert row["worse"] == pytest.approx(-0.5)


def test_ties_go_must_be_then_one_dimensional_then_attractive():
    # 2 M and 2 A: M wins; 2 O and 2 A: O wins.
    functional = pd.DataFrame({"x": [3, 3, 1, 1], "y": [1, 1, 1, 1]})
    dysfunctional = pd.DataFrame({"x": [5, 5, 3, 3], "y": [5, 5, 3, 3]})
    assert kano(functional, dysfunctional)["category"].tolist() == ["M", "O"]


def test_words_codes_and_gaps():
    functional = pd.DataFrame({"f": ["Like", "I expect it", "2", None], "g": [1, 1, 1, 1]})
    dysfunctional = pd.DataFrame({"f": ["DISLIKE", "dislike", 5, "neutral"], "g": [4] * 4})
    result = kano(functional, dysfunctional)
    assert result.loc["f", ["O", "M", "n"]].tolist() == [1, 2, 3]
    assert result.loc["g", ["A", "n", "better", "worse"]].tolist() == [4, 4, 1.0, 0.0]


def test_feature_with_only_questionable_answers_has_no_coefficients():
    result = kano(pd.DataFrame({"f": [1, 5]}), pd.DataFrame({"f": [1, 5]}))
    assert result.loc["f", "category"] == "Q"
    assert np.isnan(result.loc["f", "better"]) and np.isnan(result.loc["f", "worse"])


@pytest.mark.parametrize(
    ("functional", "dysfunctional", "message"),
    [
        (pd.DataFrame({"f": [6]}), pd.DataFrame({"f": [1]}), "not one of the five"),
        (pd.DataFrame({"f": ["love"]}), pd.DataFrame({"f": [1]}), "'love'"),
        (pd.DataFrame({"f": [1]}), pd.DataFrame({"g": [1]}), "same feature columns"),
        (pd.DataFrame({"f": [1, 2]}), pd.DataFrame({"f": [1, 2]}, index=[5, 6]), "same rows"),
    ],
)
def test_refuses_unusable_answers(functional, dysfunctional, message):
    with pytest.raises(DataValidationError, match=message):
        kano(functional, dysfunctional)
