"""Duplicate customers at scale: blocking + fuzzy scoring against all-pairs comparison.

Generates about ``--records`` customer records with planted duplicates
(``make_customer_records``), then times, in this process:

- ``find_duplicate_customers`` on name, e-mail, phone, address and postcode, with the
  precision and recall of its pairs against the planted truth at two thresholds;
- ``merge_customers`` and ``apply_customer_mapping`` on a log of three lines per record;
- the baseline: comparing every pair of records, estimated from rapidfuzz's all-pairs
  ``cdist`` of the names alone on a sample of ``--sample`` records, scaled to n(n-1)/2
  pairs (the full all-pairs run is out of reach, which is the point of blocking).

Memory is the peak resident set size of the process (``ru_maxrss``).

    python benchmarks/bench_dedupe.py [--records 1e6] [--sample 5000]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from crm_analytics.datasets.people import make_customer_records
from crm_analytics.dedupe import find_duplicate_customers, merge_customers
from crm_analytics.dedupe.normalise import normalise_name
from crm_analytics.io import apply_customer_mapping

ON = ["first_name", "last_name", "email", "phone", "address", "postcode"]
# make_customer_records gives about 1.12 records per person with its default shares.
RECORDS_PER_PERSON = 1.12


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def precision_recall(records: pd.DataFrame, pairs: pd.DataFrame) -> tuple[float, float]:
    person = records.set_index("customer_id")["person_id"]
    same = person[pairs["customer_id_1"]].to_numpy() == person[pairs["customer_id_2"]].to_numpy()
    sizes = records["person_id"].value_counts().to_numpy()
    true_pairs = int((sizes * (sizes - 1) // 2).sum())
    return same.mean(), same.sum() / true_pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=float, default=1e6)
    parser.add_argument("--sample", type=int, default=5000)
    args = parser.parse_args()

    start = time.perf_counter()
    records = make_customer_records(int(args.records / RECORDS_PER_PERSON), seed=0)
    print(
        f"{len(records):,} records of {records['person_id'].nunique():,} people generated "
        f"in {time.perf_counter() - start:.1f} s; peak RSS {peak_rss_gib():.2f} GiB"
    )

    start = time.perf_counter()
    pairs = find_duplicate_customers(records, on=ON, min_score=0.5)
    find_s = time.perf_counter() - start
    print(f"find_duplicate_customers: {find_s:.1f} s, {len(pairs):,} pairs scoring >= 0.5")
    for threshold in (0.5, 0.9):
        precision, recall = precision_recall(records, pairs[pairs["score"] >= threshold])
        print(f"  threshold {threshold}: precision {precision:.4f}, recall {recall:.4f}")

    rng = np.random.default_rng(0)
    log = pd.DataFrame(
        {
            "customer_id": np.repeat(records["customer_id"].to_numpy(), 3),
            "amount": rng.gamma(2.0, 20.0, 3 * len(records)),
        }
    )
    start = time.perf_counter()
    mapping, audit = merge_customers(records, pairs, threshold=0.5)
    merged = apply_customer_mapping(log, mapping)
    merge_s = time.perf_counter() - start
    print(
        f"merge_customers + apply_customer_mapping ({len(log):,} lines): {merge_s:.1f} s; "
        f"{len(mapping):,} ids merged away, {merged['customer_id'].nunique():,} customers left"
    )

    sample = normalise_name(
        records["first_name"].head(args.sample) + " " + records["last_name"].head(args.sample)
    ).to_numpy()
    start = time.perf_counter()
    cdist(sample, sample, scorer=fuzz.ratio, workers=-1, dtype=np.uint8)
    per_pair = (time.perf_counter() - start) / args.sample**2
    all_pairs_s = per_pair * len(records) * (len(records) - 1) / 2
    print(
        f"all-pairs baseline, names only: {per_pair * 1e9:.0f} ns a pair -> "
        f"{all_pairs_s / 3600:.1f} h for {len(records):,} records; "
        f"blocking + scoring all fields is {all_pairs_s / find_s:,.0f}x faster"
    )
    print(f"peak RSS {peak_rss_gib():.2f} GiB")


if __name__ == "__main__":
    main()
