"""rfm_summary against lifetimes' summary_data_from_transaction_data and a plain pandas groupby.

Each method runs in its own process, which reads the log from a Parquet file and warms up on its
first 1,000 rows. The methods are then timed in turns, one run each per round, for ``--repeat``
rounds, so that the machine's slow spells fall on all of them alike. ``speed-up`` compares the
fastest runs (as ``timeit`` keeps the best: the slower runs measure the machine's other work),
``median`` is the median over rounds of lifetimes' time over the method's in the same round.
The process' peak resident set size (Linux) is reset before each run, so that peak memory is
the largest growth during one call alone. CPU seconds (the process' own, all threads) are
printed beside wall-clock ones: on a shared, loaded machine they are the steadier comparison.

    python benchmarks/bench_summary.py [--sizes 1e6 1e7] [--repeat 5]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from _common import fastest, interleaved_runs, median_speed_up

from crm_analytics.datasets import make_transactions
from crm_analytics.summary import rfm_summary

# The simulated log has about five lines per customer.
LINES_PER_CUSTOMER = 5


def crm_analytics_summary(log: pd.DataFrame) -> pd.DataFrame:
    return rfm_summary(log)


def lifetimes_summary(log: pd.DataFrame) -> pd.DataFrame:
    from lifetimes.utils import summary_data_from_transaction_data

    return summary_data_from_transaction_data(
        log, "customer_id", "date", monetary_value_col="amount"
    )


def pandas_groupby(log: pd.DataFrame) -> pd.DataFrame:
    """The minimum an analyst writes by hand: daily periods, then per-customer aggregates."""
    days = log.assign(day=log["date"].dt.floor("D"))
    per_day = days.groupby(["customer_id", "day"], as_index=False)["amount"].sum()
    return per_day.groupby("customer_id").agg(
        first=("day", "min"), last=("day", "max"), periods=("day", "size"), spend=("amount", "sum")
    )


METHODS = {
    "crm_analytics": crm_analytics_summary,
    "lifetimes": lifetimes_summary,
    "pandas groupby": pandas_groupby,
}


def prepare(method: str, path: Path) -> Callable[[], pd.DataFrame]:
    """Read the log, warm ``method`` up (imports, thread pools) and return the call to time."""
    log = pd.read_parquet(path)
    summarise = METHODS[method]
    summarise(log.head(1_000))
    return lambda: summarise(log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e6, 1e7])
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the best run counts")
    arguments = parser.parse_args()
    print(
        f"{'lines':>10} {'method':>15} {'seconds':>8} {'CPU s':>7} {'peak MiB':>9} "
        f"{'speed-up':>9} {'median':>7} {'CPU speed-up':>13}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for size in arguments.sizes:
            log, _ = make_transactions(int(size) // LINES_PER_CUSTOMER, seed=0)
            path = Path(folder) / "log.parquet"
            log.to_parquet(path)
            runs = interleaved_runs(prepare, list(METHODS), (path,), arguments.repeat)
            baseline = fastest(runs["lifetimes"])
            for method, method_runs in runs.items():
                best = fastest(method_runs)
                print(
                    f"{len(log):>10,} {method:>15} {best.seconds:>8.2f} {best.cpu:>7.2f} "
                    f"{best.peak_mib:>9.0f} {baseline.seconds / best.seconds:>8.1f}x "
                    f"{median_speed_up(runs['lifetimes'], method_runs):>6.1f}x "
                    f"{baseline.cpu / best.cpu:>12.1f}x"
                )


if __name__ == "__main__":
    main()
