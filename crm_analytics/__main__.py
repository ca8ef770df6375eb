"""``python -m crm_analytics demo --output DIR``: summarise a generated shop log into DIR."""

from __future__ import annotations

import argparse
from pathlib import Path

from crm_analytics.datasets import make_transactions
from crm_analytics.summary import rfm_summary


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m crm_analytics")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="summarise a generated shop log")
    demo.add_argument("--output", type=Path, default=Path("out"), help="output directory")
    demo.add_argument("--customers", type=int, default=5_000, help="customers to simulate")
    arguments = parser.parse_args()
    transactions, _ = make_transactions(arguments.customers, seed=0)
    summary = rfm_summary(transactions)
    arguments.output.mkdir(parents=True, exist_ok=True)
    path = arguments.output / "customer_summary.csv"
    summary.to_csv(path)
    print(f"{len(summary)} customers summarised from {len(transactions)} lines: {path}")


if __name__ == "__main__":
    main()
