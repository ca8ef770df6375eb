"""Segmentation of the UCI Online Retail customers (real data; skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_analytics.io import read_transactions
from crm_analytics.segmentation import (
    CustomerClusterer,
    RFMScorer,
    concentration,
    lifecycle_stages,
    rfm_segments,
    segment_shares,
    value_tiers,
)
from crm_analytics.summary import rfm_summary


@pytest.fixture(scope="module")
def retail(shared_data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Invoice lines with a customer, cancellations dropped, and their RFM summary."""
    log = read_transactions(
        shared_data / "online_retail.parquet",
        customer_id="CustomerID",
        date="InvoiceDate",
        quantity="Quantity",
        unit_price="UnitPrice",
        order_id="InvoiceNo",
        product="StockCode",
        cancellation_prefix="C",
    )
    return log, rfm_summary(log)


def test_pareto_concentration(retail):
    _, summary = retail
    revenue = summary["total_amount"]
    assert len(summary) == 4_339
    result = concentration(revenue)
    # the 80/20 rule roughly holds: the top 20% of customers bring about three quarters
    assert 0.68 < result.top_share < 0.82
    assert 0.6 < result.gini < 0.8
    ordered = np.sort(revenue.to_numpy())
    n_customers = ordered.size
    ranks = np.arange(1, n_customers + 1)
    gini = np.sum((2 * ranks - n_customers - 1) * ordered) / (n_customers * ordered.sum())
    assert result.gini == pytest.approx(gini, rel=1e-9)
    tiers = value_tiers(revenue)
    shares = segment_shares(tiers, revenue)
    assert shares.loc["high", "value_share"] >= 0.8
    assert 0.15 < shares.loc["high", "customer_share"] < 0.35
    # fewest customers: without its smallest member the high tier falls short of 80%
    high = revenue[tiers == "high"]
    assert high.sum() - high.min() < 0.8 * revenue.sum()
    assert shares["customer_share"].sum() == pytest.approx(1.0)


def test_rfm_segments_are_sane(retail):
    _, summary = retail
    scores = RFMScorer().fit_transform(summary)
    # recency and spend are nearly untied: five bins of about 20% each
    for column in ("r_score", "m_score"):
        shares = scores[column].value_counts(normalize=True)
        assert shares.between(0.18, 0.22).all()
    # a third buy once: exactly they score F = 1, none split across scores
    pd.testing.assert_series_equal(
        scores["f_score"] == 1, summary["n_orders"] == 1, check_names=False
    )
    segments = rfm_segments(scores)
    assert segments.notna().all() and len(segments) == len(summary)
    table = segment_shares(segments, summary["total_amount"])
    assert table["customer_share"].max() < 0.3
    assert table.loc["Champions", "value_share"] > 2 * table.loc["Champions", "customer_share"]
    assert table.loc[["Champions", "Loyal"], "value_share"].sum() > 0.6
    assert table.loc["Lost", "value_share"] < table.loc["Lost", "customer_share"] / 3


def test_lifecycle_and_clusters_are_sane(retail):
    log, summary = retail
    stages = lifecycle_stages(summary, transactions=log)
    assert len(stages) == len(summary)
    shares = stages["stage"].value_counts(normalize=True)
    # one year of data: few customers silent for more than a year, most active or new
    assert shares["lost"] < 0.05
    assert shares["active"] + shares["new"] > 0.5
    clusterer = CustomerClusterer(random_state=0).fit(summary)
    profile = clusterer.profile()
    assert 2 <= clusterer.n_clusters_ <= 8
    assert profile.loc[0, "revenue_share"] > profile.loc[0, "customer_share"]
    assert profile["revenue_share"].sum() == pytest.approx(1.0)
