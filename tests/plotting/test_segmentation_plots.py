"""Segmentation plots draw what the results hold, and render to a file."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.plotting.segmentation import (
    plot_cluster_scatter,
    plot_cluster_snake,
    plot_lorenz_curve,
    plot_rfm_heatmap,
    plot_segment_shares,
)
from crm_analytics.segmentation import CustomerClusterer, RFMScorer, concentration
from tests.segmentation.simulated import planted_mixture


@pytest.fixture(scope="module")
def clustered() -> tuple[pd.DataFrame, CustomerClusterer]:
    summary, _ = planted_mixture(600, seed=0)
    return summary, CustomerClusterer(n_clusters=4, random_state=0).fit(summary)


def test_rfm_heatmap_means_and_file(tmp_path):
    summary = pd.DataFrame(
        {
            "days_since_last_purchase": [1, 2, 3, 4, 5, 6],
            "n_orders": [1, 1, 2, 2, 3, 3],
            "total_amount": [10.0, 20, 30, 40, 50, 60],
        },
        index=pd.Index(list("abcdef"), name="customer_id"),
    )
    scores = RFMScorer(bins=3).fit_transform(summary)
    figure, ax = plt.subplots()
    assert plot_rfm_heatmap(scores, summary["total_amount"], ax=ax) is ax
    image = ax.get_images()[0].get_array()
    # R 3 (top row) = a, b with F 1: mean 15; R 2 = c, d with F 2: 35; R 1 = e, f with F 3: 55
    np.testing.assert_allclose(image.data[~image.mask], [15.0, 35.0, 55.0])
    assert np.argwhere(~image.mask).tolist() == [[0, 0], [1, 1], [2, 2]]
    assert [label.get_text() for label in ax.get_yticklabels()] == ["3", "2", "1"]
    assert ax.get_title() == "Mean total_amount by R and F score"
    figure.savefig(tmp_path / "heatmap.png")
    assert (tmp_path / "heatmap.png").stat().st_size > 0
    plt.close(figure)
    counts = plot_rfm_heatmap(scores)
    assert [text.get_text() for text in counts.texts] == ["2", "2", "2"]
    plt.close(counts.figure)


def test_segment_shares_bars(tmp_path):
    segments = pd.Series(["b", "a", "b", "b"], index=list("wxyz"), name="segment")
    values = pd.Series([10.0, 60, 20, 10], index=list("wxyz"))
    ax = plot_segment_shares(segments, values)
    widths = [bar.get_width() for bar in ax.patches]
    # categories sorted: a (1 customer, 60 of 100), b (3 customers, 40)
    np.testing.assert_allclose(widths, [0.25, 0.75, 0.6, 0.4])
    assert [label.get_text() for label in ax.get_yticklabels()] == ["a", "b"]
    ax.figure.savefig(tmp_path / "shares.png")
    plt.close(ax.figure)
    sizes_only = plot_segment_shares(segments)
    assert len(sizes_only.patches) == 2
    plt.close(sizes_only.figure)


def test_lorenz_and_pareto_curves(tmp_path):
    values = pd.Series([0.0, 0, 0, 0, 100])
    pareto = plot_lorenz_curve(values)
    x, y = pareto.lines[0].get_data()
    # the top customer (20%) holds everything
    np.testing.assert_allclose(np.interp(0.2, x, y), 1.0)
    assert "top 20% of customers hold 100% of value" in pareto.get_title()
    pareto.figure.savefig(tmp_path / "pareto.png")
    plt.close(pareto.figure)
    many = pd.Series(np.random.default_rng(0).pareto(1.5, 50_000))
    lorenz = plot_lorenz_curve(concentration(many), kind="lorenz")
    x, y = lorenz.lines[0].get_data()
    assert len(x) == 1_000 and y[0] == 0 and y[-1] == pytest.approx(1.0)
    assert np.all(np.diff(y) >= 0) and np.all(y <= x + 1e-12)
    plt.close(lorenz.figure)
    with pytest.raises(DataValidationError, match="kind must be"):
        plot_lorenz_curve(values, kind="gini")


def test_cluster_snake_and_scatter(clustered, tmp_path):
    summary, clusterer = clustered
    snake = plot_cluster_snake(clusterer)
    assert len(snake.lines) == clusterer.n_clusters_ + 1
    profile = clusterer.profile()
    np.testing.assert_allclose(
        snake.lines[0].get_ydata(), profile.filter(like="z_").iloc[0].to_numpy()
    )
    assert snake.get_legend().get_texts()[0].get_text() == f"0: {profile['name'].iloc[0]}"
    snake.figure.savefig(tmp_path / "snake.png")
    plt.close(snake.figure)
    scatter = plot_cluster_scatter(
        summary, clusterer.labels_, x="days_since_last_purchase", y="total_amount", max_points=400
    )
    assert sum(len(collection.get_offsets()) for collection in scatter.collections) == 400
    assert len(scatter.collections) == clusterer.n_clusters_
    scatter.figure.savefig(tmp_path / "scatter.png")
    plt.close(scatter.figure)
    with pytest.raises(DataValidationError, match="labels lack 1 customer"):
        plot_cluster_scatter(summary, clusterer.labels_.iloc[1:], x="n_orders", y="total_amount")
    with pytest.raises(DataValidationError, match="no z_ columns"):
        plot_cluster_snake(pd.DataFrame({"a": [1]}))
