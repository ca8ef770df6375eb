"""CustomerClusterer with automatic k on a large customer base, against a plain k-means fit.

Simulates ``--customers`` customers from four planted RFM clusters (log-normal recency,
orders and order value), then times, in this process:

- ``CustomerClusterer(n_clusters="auto")``: log/robust-scaling pipeline, k chosen over 2..8
  by silhouette on a 20,000-customer sample, MiniBatchKMeans on everyone, profile and names;
- the baseline: scikit-learn ``KMeans`` (Lloyd, ``n_init="auto"``) told the right k, on the
  same log-transformed, robust-scaled features.

It also prints the adjusted Rand index of both against the planted clusters, and the time of
``RFMScorer`` + ``rfm_segments`` on the same customers.

    PYTHONPATH=. python benchmarks/bench_segmentation.py [--customers 1e6]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import RobustScaler

from crm_analytics.segmentation import CustomerClusterer, RFMScorer, rfm_segments
from tests.segmentation.simulated import PLANTED, planted_mixture


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=float, default=1e6)
    n_customers = int(parser.parse_args().customers)
    summary, truth = planted_mixture(n_customers, seed=0)
    print(f"{n_customers:,} customers, {len(PLANTED)} planted clusters")

    start = time.perf_counter()
    clusterer = CustomerClusterer(random_state=0).fit(summary)
    ours = time.perf_counter() - start
    print(
        f"CustomerClusterer auto k: {ours:7.2f} s  k={clusterer.n_clusters_}  "
        f"ARI={adjusted_rand_score(truth, clusterer.labels_):.3f}"
    )

    start = time.perf_counter()
    features = summary[clusterer.features_].to_numpy(dtype="float64")
    logged = np.isin(clusterer.features_, clusterer.log_features_)
    features[:, logged] = np.log1p(features[:, logged])
    baseline_labels = KMeans(n_clusters=len(PLANTED), n_init="auto", random_state=0).fit_predict(
        RobustScaler().fit_transform(features)
    )
    baseline = time.perf_counter() - start
    print(
        f"KMeans, k given:          {baseline:7.2f} s  k={len(PLANTED)}  "
        f"ARI={adjusted_rand_score(truth, baseline_labels):.3f}"
    )
    print(f"ratio (auto k / plain KMeans with k known): {ours / baseline:.2f}")

    start = time.perf_counter()
    rfm_segments(RFMScorer().fit_transform(summary))
    print(f"RFMScorer + rfm_segments:  {time.perf_counter() - start:7.2f} s")
    print(clusterer.profile()[["name", "customer_share", "revenue_share"]].to_string())


if __name__ == "__main__":
    main()
