"""CustomerClusterer on planted clusters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import adjusted_rand_score

from crm_analytics.exceptions import DataValidationError, NotFittedError
from crm_analytics.segmentation import CustomerClusterer
from tests.segmentation.simulated import PLANTED, planted_mixture


@pytest.mark.parametrize(
    ("algorithm", "log_transform"), [("kmeans", "auto"), ("kmeans", True), ("gmm", True)]
)
def test_recovers_planted_clusters(algorithm, log_transform):
    summary, truth = planted_mixture(3_000, seed=1)
    clusterer = CustomerClusterer(
        algorithm=algorithm, log_transform=log_transform, random_state=0
    ).fit(summary)
    assert clusterer.n_clusters_ == 4
    assert adjusted_rand_score(truth, clusterer.labels_) > 0.9
    # new customers from the same mixture land in the matching clusters
    fresh, fresh_truth = planted_mixture(1_000, seed=2)
    assert adjusted_rand_score(fresh_truth, clusterer.predict(fresh)) > 0.9


def test_large_base_path_samples_and_uses_minibatch_kmeans():
    # the path taken for big customer bases, forced on a small one
    summary, truth = planted_mixture(3_000, seed=1)
    clusterer = CustomerClusterer(
        random_state=0, k_range=(3, 6), sample_size=800, minibatch_above=1_000
    ).fit(summary)
    assert isinstance(clusterer.pipeline_.named_steps["model"], MiniBatchKMeans)
    assert list(clusterer.k_scores_.index) == [3, 4, 5, 6]
    assert clusterer.n_clusters_ == 4
    assert adjusted_rand_score(truth, clusterer.labels_) > 0.9


def test_profile_names_and_numbering():
    summary, truth = planted_mixture(3_000, seed=1)
    clusterer = CustomerClusterer(random_state=0).fit(summary)
    profile = clusterer.profile()
    assert profile["n_customers"].sum() == len(summary)
    assert profile["customer_share"].sum() == pytest.approx(1.0)
    assert profile["revenue_share"].sum() == pytest.approx(1.0)
    # numbered from the highest mean revenue down
    mean_revenue = profile["revenue"] / profile["n_customers"]
    assert mean_revenue.is_monotonic_decreasing
    # each planted cluster maps to the cluster that holds most of it, named after its profile
    for planted, (name, _) in enumerate(PLANTED.items()):
        found = clusterer.labels_[truth == planted].mode().iloc[0]
        assert profile.loc[found, "name"] == name
    lapsed = clusterer.labels_[truth == 1].mode().iloc[0]
    assert profile.loc[lapsed, "median_n_orders"] == 1
    assert profile.loc[lapsed, "z_days_since_last_purchase"] > 0.5
    expected_share = (truth == 1).mean()
    assert profile.loc[lapsed, "customer_share"] == pytest.approx(expected_share, abs=0.01)
    # same data and seed, same clusters
    again = CustomerClusterer(random_state=0).fit(summary)
    pd.testing.assert_series_equal(again.labels_, clusterer.labels_)


def test_auto_log_transform_picks_skewed_features():
    summary, _ = planted_mixture(3_000, seed=1)
    # overall skewness: days 0.2 (two humps), orders 1.7, order value 1.0
    clusterer = CustomerClusterer(random_state=0).fit(summary)
    assert clusterer.log_features_ == ["n_orders", "average_order_value"]
    named = CustomerClusterer(log_transform=["n_orders"], n_clusters=4).fit(summary)
    assert named.log_features_ == ["n_orders"]


def test_profile_of_new_customers_keeps_fitted_names():
    summary, _ = planted_mixture(2_000, seed=3)
    clusterer = CustomerClusterer(n_clusters=4, random_state=0).fit(summary)
    assert clusterer.k_scores_.empty
    fresh, _ = planted_mixture(500, seed=4)
    profile = clusterer.profile(fresh)
    assert profile["n_customers"].sum() == 500
    assert profile["name"].tolist() == clusterer.cluster_names_.tolist()


def test_clusterer_errors():
    summary, _ = planted_mixture(300, seed=5)
    with pytest.raises(NotFittedError):
        CustomerClusterer().predict(summary)
    with pytest.raises(DataValidationError, match="too few customers for 2 clusters: got 3"):
        CustomerClusterer().fit(summary.head(3))
    with pytest.raises(DataValidationError, match="algorithm must be one of"):
        CustomerClusterer(algorithm="dbscan").fit(summary)
    with pytest.raises(DataValidationError, match=r"random_state must be .* got 'a'"):
        CustomerClusterer(random_state="a").fit(summary)
    with pytest.raises(DataValidationError, match=r"random_state must be .* got -1"):
        CustomerClusterer(random_state=-1).fit(summary)
    with pytest.raises(DataValidationError, match="column 'recency' not found"):
        CustomerClusterer(features=["recency"]).fit(summary)
    with pytest.raises(DataValidationError, match="nothing to cluster"):
        CustomerClusterer().fit(
            summary.assign(n_orders=1, days_since_last_purchase=3, average_order_value=1.0)
        )
    with pytest.raises(DataValidationError, match="'average_order_value' has 300 negative"):
        CustomerClusterer(log_transform=True).fit(summary.assign(average_order_value=-1.0))
    with pytest.raises(DataValidationError, match="log_transform must be"):
        CustomerClusterer(log_transform=["total_amount"]).fit(summary)
    three_kinds = summary.assign(
        n_orders=np.arange(300) % 3, days_since_last_purchase=3, average_order_value=1.0
    )
    with pytest.raises(DataValidationError, match="only 3 distinct combinations"):
        CustomerClusterer(n_clusters=4).fit(three_kinds)
    assert CustomerClusterer(features="n_orders").fit(three_kinds).n_clusters_ == 3
    with pytest.raises(DataValidationError, match="n_clusters must be an integer or 'auto'"):
        CustomerClusterer(n_clusters="many").fit(summary)


def test_revenue_and_reported_columns_are_checked():
    summary, _ = planted_mixture(300, seed=5)
    revenue = summary["total_amount"].where(np.arange(300) % 10 > 0)
    with pytest.raises(DataValidationError, match=r"'total_amount' has 30 missing or infinite"):
        CustomerClusterer(n_clusters=3).fit(summary.assign(total_amount=revenue))
    clusterer = CustomerClusterer(n_clusters=3, features=["n_orders", "average_order_value"])
    clusterer.fit(summary)
    recency_text = summary["days_since_last_purchase"].astype(str)
    with pytest.raises(DataValidationError, match="'days_since_last_purchase' has dtype"):
        clusterer.profile(summary.assign(days_since_last_purchase=recency_text))


def test_predict_rejects_negative_values_of_log_features():
    summary, _ = planted_mixture(300, seed=5)
    clusterer = CustomerClusterer(n_clusters=3, log_transform=True).fit(summary)
    negative = summary["n_orders"].where(np.arange(300) >= 4, -5)
    with pytest.raises(DataValidationError, match="'n_orders' has 4 negative value.*log-transf"):
        clusterer.predict(summary.assign(n_orders=negative))


@pytest.mark.parametrize("sample_size", [0, -1, "100"])
def test_sample_size_must_be_a_large_enough_integer(sample_size):
    summary, _ = planted_mixture(300, seed=5)
    with pytest.raises(
        DataValidationError, match="sample_size must be a whole number of at least 4"
    ):
        CustomerClusterer(sample_size=sample_size).fit(summary)


@pytest.mark.parametrize(
    "options",
    [
        {"algorithm": "kmeans"},
        {"algorithm": "kmeans", "minibatch_above": 500, "n_clusters": 3},
        {"algorithm": "gmm", "log_transform": True, "k_range": (2, 4)},
    ],
)
def test_a_saved_clusterer_predicts_and_profiles_as_the_fitted_one(
    simulated_summary, tmp_path, options
):
    clusterer = CustomerClusterer(random_state=0, **options).fit(simulated_summary)
    loaded = CustomerClusterer.load(clusterer.save(tmp_path / "clusterer.npz"))
    assert loaded.get_params() == clusterer.get_params()
    assert type(loaded.pipeline_.named_steps["model"]) is type(
        clusterer.pipeline_.named_steps["model"]
    )
    fresh = simulated_summary.sample(700, random_state=1)
    pd.testing.assert_series_equal(loaded.predict(fresh), clusterer.predict(fresh))
    pd.testing.assert_series_equal(loaded.labels_, clusterer.labels_)
    pd.testing.assert_series_equal(loaded.k_scores_, clusterer.k_scores_)
    pd.testing.assert_frame_equal(loaded.profile_, clusterer.profile_, check_exact=True)
    pd.testing.assert_frame_equal(loaded.profile(fresh), clusterer.profile(fresh))
    assert loaded.cluster_names_.tolist() == clusterer.cluster_names_.tolist()


def test_text_customer_ids_survive_saving(simulated_summary, tmp_path):
    summary = simulated_summary.rename(index=lambda cid: f"C-{cid}")
    clusterer = CustomerClusterer(n_clusters=3, random_state=0).fit(summary)
    loaded = CustomerClusterer.load(clusterer.save(tmp_path / "clusterer.npz"))
    pd.testing.assert_series_equal(loaded.labels_, clusterer.labels_)
    assert loaded.labels_.index[0].startswith("C-")
