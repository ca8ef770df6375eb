"""The NPS definition, its intervals by hand, and the adjusted-Wald coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.satisfaction import nps


def test_definition_promoters_minus_detractors():
    # 0..10 once each: promoters 9, 10; passives 7, 8; detractors 0..6.
    result = nps(range(11))
    assert (result.promoters, result.passives, result.detractors, result.n) == (2, 2, 7, 11)
    assert float(result) == pytest.approx(100 * (2 - 7) / 11)


def test_extremes_and_missing_answers():
    assert nps([10, 9, 9]).score == 100.0
    assert nps([0, 6, None]).score == -100.0
    result = nps(pd.Series([10.0] * 5))
    assert result.high <= 100.0 and result.low < 100.0


def test_wald_interval_by_hand():
    # p_pro = 0.4, p_det = 0.3: Var = (0.7 - 0.01) / 100, half-width 1.959964 * 0.083066.
    result = nps([10] * 40 + [7] * 30 + [2] * 30, method="wald")
    half = 1.959964 * np.sqrt(0.69 / 100)
    assert result.interval == pytest.approx((100 * (0.1 - half), 100 * (0.1 + half)), abs=1e-4)


def test_adjusted_wald_interval_by_hand():
    # Rocks (2016): 3/4 added to promoters and detractors, 3 to n.
    p_pro, p_det = 40.75 / 103, 30.75 / 103
    centre = p_pro - p_det
    half = 1.959964 * np.sqrt((p_pro + p_det - centre**2) / 103)
    result = nps([10] * 40 + [7] * 30 + [2] * 30)
    assert result.score == 10.0
    assert result.interval == pytest.approx(
        (100 * (centre - half), 100 * (centre + half)), abs=1e-4
    )
    narrower = nps([10] * 40 + [7] * 30 + [2] * 30, confidence=0.8)
    assert narrower.high - narrower.low < result.high - result.low


def test_adjusted_wald_covers_the_true_score_about_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    probabilities = {10: 0.5, 8: 0.3, 3: 0.2}
    truth = 100 * (0.5 - 0.2)
    covered = 0
    for _ in range(1000):
        sample = rng.choice(list(probabilities), p=list(probabilities.values()), size=60)
        result = nps(sample)
        covered += result.low <= truth <= result.high
    assert 0.93 <= covered / 1000 <= 0.97


@pytest.mark.parametrize(
    ("scores", "options", "message"),
    [
        ([11, 5], {}, "outside the scale"),
        ([3.5], {}, "not whole numbers"),
        (["ten"], {}, "not numbers"),
        ([None], {}, "no answers"),
        ([5], {"confidence": 95}, "confidence"),
        ([5], {"method": "exact"}, "method"),
    ],
)
def test_refuses_unusable_input(scores, options, message):
    with pytest.raises(DataValidationError, match=message):
        nps(scores, **options)
