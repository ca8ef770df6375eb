"""RFM scores and named segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics.exceptions import DataValidationError, NotFittedError
from crm_analytics.segmentation import (
    DEFAULT_SEGMENT_MAP,
    CustomerClusterer,
    RFMScorer,
    rfm_segments,
)


def _summary(recency, frequency, monetary) -> pd.DataFrame:
    index = pd.Index([f"c{i}" for i in range(len(recency))], name="customer_id")
    return pd.DataFrame(
        {
            "days_since_last_purchase": recency,
            "n_orders": frequency,
            "total_amount": monetary,
        },
        index=index,
    )


def test_untied_data_gives_equal_bins_and_exact_scores():
    rng = np.random.default_rng(0)
    n_customers = 1_000
    summary = _summary(
        rng.permutation(n_customers), rng.permutation(n_customers) + 1, rng.random(n_customers)
    )
    scores = RFMScorer(bins=5).fit_transform(summary)
    for column in ("r_score", "f_score", "m_score"):
        assert scores[column].value_counts().sort_index().tolist() == [200] * 5
    # recency is reversed: the 200 most recent customers (0..199 days) score 5
    expected_r = 5 - summary["days_since_last_purchase"] // 200
    pd.testing.assert_series_equal(scores["r_score"], expected_r, check_names=False)
    expected_f = 1 + (summary["n_orders"] - 1) // 200
    pd.testing.assert_series_equal(scores["f_score"], expected_f, check_names=False)


def test_counts_differ_by_at_most_one_when_bins_do_not_divide():
    summary = _summary(np.arange(23), np.arange(23) + 1, np.arange(23.0))
    counts = RFMScorer(bins=5).fit_transform(summary)["f_score"].value_counts()
    assert counts.max() - counts.min() <= 1
    assert counts.sum() == 23


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 30), min_size=6, max_size=80),
    bins=st.integers(2, 6),
)
def test_scores_in_range_and_monotone(values, bins):
    raw = np.asarray(values)
    if raw.size < bins:
        return
    summary = _summary(raw, raw, raw.astype(float))
    scores = RFMScorer(bins=bins).fit_transform(summary)
    order = np.argsort(raw, kind="stable")
    for column, sign in (("r_score", -1), ("f_score", 1), ("m_score", 1)):
        column_scores = scores[column].to_numpy()
        assert column_scores.min() >= 1 and column_scores.max() <= bins
        # higher value never scores lower (lower for recency), equal values score equally
        assert np.all(sign * np.diff(column_scores[order]) >= 0)
        for value in np.unique(raw):
            assert np.unique(column_scores[raw == value]).size == 1
    # the worst value always scores 1
    assert scores["f_score"][raw == raw.min()].eq(1).all()
    # the documented rule, by brute force: 1 + floor(bins * share strictly worse)
    worse = (raw[None, :] < raw[:, None]).sum(axis=1)
    np.testing.assert_array_equal(scores["f_score"], 1 + (bins * worse) // raw.size)
    better = (raw[None, :] > raw[:, None]).sum(axis=1)
    np.testing.assert_array_equal(scores["r_score"], 1 + (bins * better) // raw.size)


def test_heavy_ties_keep_tied_customers_together():
    # 70% one-time buyers: they all score 1 and the next group jumps to the score it beats
    frequency = np.array([1] * 70 + [2] * 15 + [3] * 10 + [8] * 5)
    summary = _summary(np.arange(100), frequency, np.arange(100.0))
    scores = RFMScorer(bins=5).fit_transform(summary)
    by_orders = scores["f_score"].groupby(summary["n_orders"]).agg(["min", "max"])
    assert by_orders["min"].equals(by_orders["max"])
    # 1 + floor(5 * share strictly below): 0 -> 1, 0.70 -> 4, 0.85 -> 5, 0.95 -> 5
    assert by_orders["min"].to_dict() == {1: 1, 2: 4, 3: 5, 8: 5}


def test_fitted_edges_are_reused_on_new_data():
    first = _summary(np.arange(10), np.arange(1, 11), np.arange(10.0) * 10)
    scorer = RFMScorer(bins=5).fit(first)
    edges = scorer.edges_.copy()
    assert edges["frequency"].tolist() == [2.0, 4.0, 6.0, 8.0]
    assert edges["recency"].tolist() == [8.0, 6.0, 4.0, 2.0]
    later = _summary([0, 4, 100], [100, 5, 1], [0.0, 45.0, 1e6])
    scores = scorer.transform(later)
    pd.testing.assert_frame_equal(scorer.edges_, edges)
    assert scores["r_score"].tolist() == [5, 3, 1]
    assert scores["f_score"].tolist() == [5, 3, 1]
    assert scores["m_score"].tolist() == [1, 3, 5]
    assert scores["rfm_cell"].tolist() == ["551", "333", "115"]
    assert scores["rfm_score"].tolist() == [11, 9, 7]


def test_fixed_thresholds():
    scorer = RFMScorer(bins=5, thresholds={"frequency": [1, 2, 3, 5]})
    summary = _summary(np.arange(8), [1, 2, 3, 4, 5, 6, 10, 1], np.arange(8.0))
    scores = scorer.fit_transform(summary)
    assert scores["f_score"].tolist() == [1, 2, 3, 4, 4, 5, 5, 1]
    recency = RFMScorer(bins=3, thresholds={"recency": [30, 90]}).fit(summary)
    fresh = _summary([10, 30, 60, 120], [1] * 4, [1.0] * 4)
    assert recency.transform(fresh)["r_score"].tolist() == [3, 2, 2, 1]


def test_more_than_nine_bins_joins_cell_digits():
    summary = _summary(np.arange(20), np.arange(20), np.arange(20.0))
    scores = RFMScorer(bins=10).fit_transform(summary)
    assert scores.loc["c19", "rfm_cell"] == "1-10-10"


def test_transform_before_fit_raises():
    with pytest.raises(NotFittedError):
        RFMScorer().transform(_summary([1], [1], [1.0]))


def test_bad_input_messages():
    summary = _summary(np.arange(10), np.arange(10), np.arange(10.0))
    with pytest.raises(DataValidationError, match="column 'n_orders' not found.*did you mean"):
        RFMScorer().fit(summary.rename(columns={"n_orders": "n_order"}))
    negative = summary.assign(total_amount=summary["total_amount"] - 5)
    with pytest.raises(DataValidationError, match=r"'total_amount' has 5 negative value\(s\)"):
        RFMScorer().fit(negative)
    with pytest.raises(DataValidationError, match="too few customers for bins=5: got 3"):
        RFMScorer().fit(summary.head(3))
    with pytest.raises(DataValidationError, match="bins must be a whole number of at least 2"):
        RFMScorer(bins=1).fit(summary)
    with pytest.raises(DataValidationError, match="bins - 1 = 4 finite numbers"):
        RFMScorer(thresholds={"frequency": [1, 2]}).fit(summary)
    with pytest.raises(DataValidationError, match="unknown key"):
        RFMScorer(thresholds={"freq": [1, 2, 3, 4]}).fit(summary)
    missing = summary.astype({"n_orders": float})
    missing.iloc[2, 1] = np.nan
    with pytest.raises(
        DataValidationError, match=r"1 missing or infinite value\(s\) \(customers 'c2'\)"
    ):
        RFMScorer().fit(missing)
    with pytest.raises(DataValidationError, match="1 customer id"):
        RFMScorer().fit(pd.concat([summary, summary.head(1)]))


def _all_cells() -> pd.DataFrame:
    grid = np.array(np.meshgrid(*[np.arange(1, 6)] * 3)).reshape(3, -1).T
    return pd.DataFrame(grid, columns=["r_score", "f_score", "m_score"])


def test_default_map_is_a_partition_of_the_grid():
    cells = _all_cells()
    cells["fm_score"] = (cells["f_score"] + cells["m_score"] + 1) // 2
    matches = np.zeros(len(cells), dtype=int)
    for rule in DEFAULT_SEGMENT_MAP.values():
        inside = np.ones(len(cells), dtype=bool)
        for column, (low, high) in rule.items():
            inside &= cells[column].between(low, high).to_numpy()
        matches += inside
    assert (matches == 1).all()
    segments = rfm_segments(cells)
    assert segments.notna().all()
    assert set(segments.cat.categories) == set(DEFAULT_SEGMENT_MAP)
    assert len(DEFAULT_SEGMENT_MAP) == 11


@pytest.mark.parametrize(
    ("cell", "segment"),
    [
        ((5, 5, 5), "Champions"),
        ((5, 4, 3), "Champions"),
        ((4, 5, 4), "Loyal"),
        ((3, 4, 4), "Loyal"),
        ((5, 2, 3), "Potential loyalist"),
        ((5, 1, 1), "New"),
        ((4, 1, 1), "Promising"),
        ((3, 3, 3), "Need attention"),
        ((3, 1, 2), "About to sleep"),
        ((2, 4, 3), "At risk"),
        ((1, 5, 5), "Can't lose them"),
        ((2, 1, 1), "Hibernating"),
        ((1, 2, 1), "Lost"),
    ],
)
def test_default_map_cells(cell, segment):
    scores = pd.DataFrame([cell], columns=["r_score", "f_score", "m_score"], index=["a"])
    assert rfm_segments(scores).iloc[0] == segment


def test_segments_cover_simulated_customers_once(simulated_summary):
    scores = RFMScorer().fit_transform(simulated_summary)
    segments = rfm_segments(scores)
    assert segments.index.equals(simulated_summary.index)
    assert segments.notna().all()
    assert segments.value_counts().sum() == len(simulated_summary)


def test_other_bins_are_rescaled_to_the_default_grid():
    scores = pd.DataFrame(
        {"r_score": [3, 1, 2, 10], "f_score": [3, 1, 2, 1], "m_score": [3, 1, 1, 2]},
        index=list("abcd"),
    )
    # 1..3 maps to 1, 3, 5: (2, 2, 1) -> R 3, F 3, M 1, FM 2 -> About to sleep
    assert rfm_segments(scores.head(3), bins=3).tolist() == ["Champions", "Lost", "About to sleep"]
    # 1..10 maps 10 -> 5 and 2 -> 1.44 -> 1
    assert rfm_segments(scores, bins=10).tolist()[3] == "New"
    with pytest.raises(DataValidationError, match="not whole scores in 1..5"):
        rfm_segments(scores)  # scores of 10 bins read on the default 5


def test_user_maps_rules_and_function():
    scores = pd.DataFrame(
        {"r_score": [5, 1, 3], "f_score": [5, 1, 3], "m_score": [1, 1, 3]}, index=list("abc")
    )
    rules = {
        "Top": lambda s: (s["r_score"] == 5).to_numpy(),
        "Middle": {"f_score": 3},
        "Rest": {},
    }
    assert rfm_segments(scores, segment_map=rules).tolist() == ["Top", "Rest", "Middle"]
    by_function = rfm_segments(scores, segment_map=lambda s: np.where(s["r_score"] > 2, "hi", "lo"))
    assert by_function.tolist() == ["hi", "lo", "hi"]
    with pytest.raises(DataValidationError, match="leaves 1 customer.*catch-all"):
        rfm_segments(scores, segment_map={"Recent": {"r_score": (3, 5)}})
    with pytest.raises(DataValidationError, match="not whole scores in 1..5"):
        rfm_segments(scores.assign(r_score=[6, 1, 3]))


def _five_scores() -> pd.DataFrame:
    return pd.DataFrame(
        {"r_score": [5, 5, 1, 3], "f_score": [5, 1, 5, 2], "m_score": [4, 1, 5, 2]},
        index=["a", "b", "c", "d"],
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"bins": 1}, "bins must be a whole number of at least 2, got 1"),
        ({"segment_map": {"A": 5}}, "segment rule 'A' must be a dict of score column"),
        (
            {"segment_map": {"A": {"r_score": (1, 2, 3)}}},
            r"r_score must be a score or an inclusive \(low, high\) pair",
        ),
    ],
)
def test_rfm_segments_bad_arguments(arguments, message):
    with pytest.raises(DataValidationError, match=message):
        rfm_segments(_five_scores(), **arguments)


def test_rfm_segments_names_a_missing_fm_score():
    scores = _five_scores().assign(fm_score=[4, np.nan, 5, 2])
    with pytest.raises(DataValidationError, match=r"'fm_score' has 1 missing or infinite value"):
        rfm_segments(scores)


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        ({"frequency": ["a", "b", "c", "d"]}, r"thresholds\['frequency'\] must hold bins - 1"),
        ([1, 2, 3, 4], "thresholds must be a dict keyed by 'recency'"),
    ],
)
def test_bad_thresholds(thresholds, message):
    summary = _summary(np.arange(10), np.arange(10), np.arange(10.0))
    with pytest.raises(DataValidationError, match=message):
        RFMScorer(thresholds=thresholds).fit(summary)


@pytest.mark.parametrize(
    "options",
    [{}, {"bins": 7}, {"thresholds": {"frequency": [1, 2, 3, 5], "recency": [30, 90, 180, 365]}}],
)
def test_a_saved_scorer_scores_as_the_fitted_one(simulated_summary, tmp_path, options):
    scorer = RFMScorer(**options).fit(simulated_summary)
    loaded = RFMScorer.load(scorer.save(tmp_path / "rfm.npz"))
    pd.testing.assert_frame_equal(loaded.edges_, scorer.edges_, check_exact=True)
    assert loaded.n_customers_ == scorer.n_customers_ == 2_000
    later = simulated_summary.sample(500, random_state=0)
    pd.testing.assert_frame_equal(
        loaded.transform(later), scorer.transform(later), check_exact=True
    )
    assert loaded.transform(later).attrs == scorer.transform(later).attrs


def test_a_saved_scorer_refuses_to_load_as_another_model(simulated_summary, tmp_path):
    path = RFMScorer().fit(simulated_summary).save(tmp_path / "rfm.npz")
    with pytest.raises(
        DataValidationError,
        match=r"rfm.npz holds a RFMScorer, not a CustomerClusterer; load it "
        r"with RFMScorer.load",
    ):
        CustomerClusterer.load(path)


def test_segments_of_a_summary_say_to_score_it_first():
    summary = pd.DataFrame(
        {"frequency": [1.0], "recency": [2.0], "T": [3.0]},
        index=pd.Index(["a"], name="customer_id"),
    )
    with pytest.raises(
        DataValidationError,
        match=r"column\(s\) 'r_score', 'f_score', 'm_score' not found; columns present: "
        r"frequency, recency, T\. rfm_segments labels RFM scores: score the summary first, "
        r"scores = RFMScorer\(\)\.fit_transform\(summary\)",
    ):
        rfm_segments(summary)
