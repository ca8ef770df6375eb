"""Importance-performance analysis: derived importance against scipy/scikit-learn, quadrants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.linear_model import LinearRegression

from crm_analytics.exceptions import DataValidationError
from crm_analytics.satisfaction import importance_performance


@pytest.fixture(scope="module")
def responses() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    n = 400
    latent = rng.normal(size=(n, 3))
    items = np.clip(np.round(3 + latent), 1, 5)
    overall = np.clip(
        np.round(3 + 0.9 * latent[:, 0] + 0.6 * latent[:, 1] + rng.normal(0, 0.5, n)), 1, 5
    )
    frame = pd.DataFrame(items, columns=["speed", "price", "packaging"])
    frame["speed"] = np.clip(frame["speed"] - 1, 1, 5)  # speed performs worst
    frame["overall"] = overall
    return frame


def test_regression_importance_is_the_standardised_coefficient(responses):
    table = importance_performance(
        responses, items=["speed", "price", "packaging"], overall="overall"
    )
    z = (responses - responses.mean()) / responses.std(ddof=1)
    reference = LinearRegression().fit(z[["speed", "price", "packaging"]], z["overall"])
    assert table["importance"].to_numpy() == pytest.approx(reference.coef_, abs=1e-10)
    assert table["performance"].tolist() == pytest.approx(
        responses[["speed", "price", "packaging"]].mean().tolist()
    )


def test_correlation_importance_and_quadrants(responses):
    table = importance_performance(
        responses, items=["speed", "price", "packaging"], overall="overall", method="correlation"
    )
    for item in ("speed", "price", "packaging"):
        r = stats.pearsonr(responses[item], responses["overall"]).statistic
        assert table.loc[item, "importance"] == pytest.approx(r, abs=1e-12)
    # Speed matters most and performs worst; price matters and performs above the average
    # item; packaging does not matter and performs above the average item.
    assert table["quadrant"].to_dict() == {
        "speed": "concentrate here",
        "price": "keep up the good work",
        "packaging": "possible overkill",
    }
    assert table["importance_threshold"].iloc[0] == pytest.approx(table["importance"].mean())


def test_stated_importance_and_scale_centre():
    responses = pd.DataFrame(
        {"a": [4, 4], "b": [2, 2], "c": [4, 5], "ia": [5, 5], "ib": [5, 4], "ic": [1, 2]}
    )
    table = importance_performance(
        responses,
        items=["a", "b", "c"],
        method="stated",
        importance={"a": "ia", "b": "ib", "c": "ic"},
        centre="scale",
    )
    # Importance 5, 4.5, 1.5 (cut 11/3); performance 4, 2, 4.5 against the midpoint 3.
    assert table["importance"].tolist() == [5.0, 4.5, 1.5]
    assert table["performance_threshold"].iloc[0] == 3.0
    assert table["quadrant"].tolist() == [
        "keep up the good work",
        "concentrate here",
        "possible overkill",
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "pass overall="),
        ({"overall": "o", "method": "anova"}, "method="),
        ({"overall": "o", "centre": "median"}, "centre="),
        ({"method": "stated"}, "needs importance="),
        ({"overall": "o"}, "needs at least 4"),
        ({"overall": "flat", "method": "correlation"}, "same answer"),
    ],
)
def test_refuses_what_cannot_work(options, message):
    responses = pd.DataFrame({"a": [1, 2, 3], "b": [3, 1, 2], "o": [1, 3, 2], "flat": [2, 2, 2]})
    with pytest.raises(DataValidationError, match=message):
        importance_performance(responses, items=["a", "b"], **options)
