"""Association rules and recommendations on the UCI Online Retail log, against mlxtend.

Times, in this process, on the invoices of ``../shared/data/online_retail.parquet``
(about 18,500 invoices with a sale and 3,700 stock codes):

- ``association_rules`` at several supports against the usual mlxtend pipeline (a dense
  one-hot ``pandas.crosstab`` of invoices × products, ``fpgrowth`` and mlxtend's
  ``association_rules``), checking that both find the same number of rules;
- ``evaluate_recommendations`` (mining before the split, rule-based and popularity
  recommendations, hit rate at k) on a September 2011 split, printing its table.

    python benchmarks/bench_associations.py [--data ../shared/data/online_retail.parquet]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from _common import timed
from mlxtend.frequent_patterns import association_rules as mlxtend_rules
from mlxtend.frequent_patterns import fpgrowth

from crm_analytics.associations import association_rules, evaluate_recommendations

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "online_retail.parquet"


def load(path: Path) -> pd.DataFrame:
    raw = pd.read_parquet(path)
    raw = raw[raw["CustomerID"].notna()]
    return pd.DataFrame(
        {
            "customer_id": raw["CustomerID"].astype("int64").astype(str),
            "date": raw["InvoiceDate"].astype("datetime64[ns]"),
            "order_id": raw["InvoiceNo"],
            "product": raw["StockCode"],
            "quantity": raw["Quantity"],
        }
    )


def mlxtend_pipeline(log: pd.DataFrame, min_support: float) -> pd.DataFrame:
    sales = log[log["quantity"] > 0]
    onehot = pd.crosstab(sales["order_id"], sales["product"]).astype(bool)
    itemsets = fpgrowth(onehot, min_support=min_support, use_colnames=True)
    return mlxtend_rules(itemsets, num_itemsets=len(onehot), metric="confidence", min_threshold=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    log = load(args.data)
    sales = log[log["quantity"] > 0]
    print(
        f"{sales['order_id'].nunique():,} invoices with a sale, "
        f"{sales['product'].nunique():,} products, {len(log):,} lines"
    )
    print(f"{'min_support':>11} {'rules':>7} {'ours s':>8} {'mlxtend s':>10} {'ratio':>6}")
    for min_support in (0.02, 0.01, 0.005):
        ours, ours_s = timed(association_rules, log, min_support=min_support)
        reference, reference_s = timed(mlxtend_pipeline, log, min_support)
        assert len(ours) == len(reference), (len(ours), len(reference))
        print(
            f"{min_support:>11} {len(ours):>7,} {ours_s:>8.2f} {reference_s:>10.2f} "
            f"{reference_s / ours_s:>6.1f}x"
        )
    for k in (5, 10):
        table, seconds = timed(
            evaluate_recommendations, log, split_date="2011-09-01", min_support=0.01, k=k
        )
        print(f"\nhit rate at k={k}, split 2011-09-01, min_support=0.01 ({seconds:.2f} s):")
        print(table.round(4).to_string())


if __name__ == "__main__":
    main()
