"""Churn dataset building and scoring at scale, against plain pandas / scikit-learn baselines.

Builds a log of ``--customers`` customers and ``--lines`` transaction lines (string ids, orders
of one or more lines, 40 products, two years), then times, in this process:

- ``make_churn_dataset`` at one cutoff (90-day horizon) against a pandas groupby that computes
  a subset of the same features (RFM, 30/90/180-day orders and spend, purchase gaps) by hand;
- the same dataset from the log as a Polars LazyFrame, a DuckDB relation and a Parquet file,
  against the pandas input (the results are checked equal);
- ``ChurnModel`` scoring of every customer (checks, calibrated probability, risk tier) against
  ``predict_proba`` of the bare, uncalibrated scikit-learn pipeline on the same rows; the same
  with the top-3 reasons (written for the tiers above "low"); and reasons alone on a sample.

    python benchmarks/bench_churn.py [--customers 1e6] [--lines 1e7]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from _common import timed

from crm_analytics.churn import ChurnModel, make_churn_dataset

START = pd.Timestamp("2022-01-01")
DAYS = 730
CUTOFF = START + pd.Timedelta(days=DAYS - 91)


def simulated_log(n_customers: int, n_lines: int, seed: int = 0) -> pd.DataFrame:
    """Customers with Gamma-distributed purchase rates; orders of 1-4 lines."""
    rng = np.random.default_rng(seed)
    n_orders = n_lines // 2
    rate = rng.gamma(0.5, 1.0, n_customers)
    # Every customer orders at least once; the other orders follow the purchase rates.
    customer = np.concatenate(
        [
            np.arange(n_customers),
            np.searchsorted(np.cumsum(rate) / rate.sum(), rng.uniform(size=n_orders - n_customers)),
        ]
    )
    day = rng.integers(0, DAYS, n_orders)
    lines_per_order = rng.integers(1, 4, n_orders)
    order = np.repeat(np.arange(n_orders), lines_per_order)[:n_lines]
    ids = np.char.add("C", np.char.zfill(np.arange(n_customers).astype(str), 7))
    seconds = rng.integers(0, 86_400, n_orders)
    return pd.DataFrame(
        {
            "customer_id": ids[customer[order]],
            "date": START + pd.to_timedelta(day[order] * 86_400 + seconds[order], unit="s"),
            "amount": rng.gamma(2.0, 15.0, len(order)).round(2),
            "order_id": order,
            "product": rng.integers(0, 40, len(order)),
        }
    )


def pandas_features(log: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """What an analyst writes by hand for part of the same features (no labels)."""
    history = log[log["date"].dt.normalize() <= cutoff].assign(
        day=lambda t: t["date"].dt.floor("D")
    )
    grouped = history.groupby("customer_id")
    features = grouped.agg(
        first=("day", "min"),
        last=("day", "max"),
        n_orders=("order_id", "nunique"),
        total_amount=("amount", "sum"),
    )
    age = (cutoff - history["day"]).dt.days
    for window in (30, 90, 180):
        recent = history[age < window].groupby("customer_id")
        features[f"orders_{window}d"] = recent["order_id"].nunique()
        features[f"amount_{window}d"] = recent["amount"].sum()
    days = history[["customer_id", "day"]].drop_duplicates().sort_values(["customer_id", "day"])
    gaps = days.groupby("customer_id")["day"].diff().dt.days
    features["gap_mean"] = gaps.groupby(days["customer_id"]).mean()
    features["gap_std"] = gaps.groupby(days["customer_id"]).std(ddof=0)
    return features


def _engines(log: pd.DataFrame) -> dict[str, object]:
    """The log in the other engines make_churn_dataset runs in (Parquet in a temporary file)."""
    table = pa.Table.from_pandas(log, preserve_index=False)
    path = Path(tempfile.mkdtemp()) / "log.parquet"
    pq.write_table(table, path)
    return {
        "Polars lazy": pl.from_arrow(table).lazy(),
        "DuckDB": duckdb.connect().from_arrow(table),
        "Parquet": path,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=float, default=1e6)
    parser.add_argument("--lines", type=float, default=1e7)
    parser.add_argument("--reasons-sample", type=int, default=100_000)
    arguments = parser.parse_args()
    log, seconds = timed(simulated_log, int(arguments.customers), int(arguments.lines))
    print(f"log: {len(log):,} lines, {log['customer_id'].nunique():,} customers ({seconds:.1f} s)")

    (X, y), ours = timed(make_churn_dataset, log, cutoff=CUTOFF, horizon=90)
    _, theirs = timed(pandas_features, log, CUTOFF)
    print(f"{'step':<42} {'rows':>10} {'seconds':>8} {'baseline':>9} {'ratio':>7}")
    print(
        f"{'make_churn_dataset (vs pandas groupby)':<42} {len(X):>10,} {ours:>8.2f} "
        f"{theirs:>9.2f} {theirs / ours:>6.1f}x"
    )

    for engine, source in _engines(log).items():
        (X_engine, y_engine), seconds = timed(make_churn_dataset, source, cutoff=CUTOFF, horizon=90)
        pd.testing.assert_frame_equal(X_engine, X)
        pd.testing.assert_series_equal(y_engine, y)
        print(
            f"{'  same, ' + engine + ' (vs pandas input)':<42} {len(X_engine):>10,} "
            f"{seconds:>8.2f} {ours:>9.2f} {ours / seconds:>6.1f}x"
        )

    sample = np.random.default_rng(1).choice(len(X), size=min(len(X), 100_000), replace=False)
    model, fit_seconds = timed(ChurnModel().fit, X.iloc[sample], y.iloc[sample])
    print(f"{'ChurnModel.fit (sample)':<42} {len(sample):>10,} {fit_seconds:>8.2f}")
    bare = model.model_.calibrated_classifiers_[0].estimator
    prepared = model._cast(X[model.feature_names_])
    scores, ours = timed(model.score_customers, X, n_reasons=0)
    _, theirs = timed(bare.predict_proba, prepared)
    print(
        f"{'score_customers, no reasons (vs bare HGB)':<42} {len(X):>10,} {ours:>8.2f} "
        f"{theirs:>9.2f} {theirs / ours:>6.2f}x"
    )
    with_reasons, seconds = timed(model.score_customers, X)
    explained = int(with_reasons["reason_1"].notna().sum())
    print(f"{'score_customers with reasons (all tiers)':<42} {len(X):>10,} {seconds:>8.2f}")
    print(f"{'  of which customers given reasons':<42} {explained:>10,}")
    head = X.iloc[: arguments.reasons_sample]
    _, reasons = timed(model.reasons, head)
    print(f"{'reasons alone (top 3, plain words)':<42} {len(head):>10,} {reasons:>8.2f}")
    print(f"churn rate {y.mean():.3f}; high tier {int((scores['risk_tier'] == 'high').sum()):,}")


if __name__ == "__main__":
    main()
