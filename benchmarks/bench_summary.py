"""rfm_summary against lifetimes' summary_data_from_transaction_data and a plain pandas groupby.

Each method runs in its own process, which reads the log from a Parquet file and warms up on its
first 1,000 rows; then the call is timed ``--repeat`` times and the best time is kept (as
``timeit`` does: the slower runs measure the machine's other work, not the code). The process'
peak resident set size (Linux) is reset before each run, so that peak memory is the largest
growth during one call alone. CPU seconds (the process' own, all threads) are printed
beside wall-clock ones: on a shared, loaded machine they are the steadier comparison.

    python benchmarks/bench_summary.py [--sizes 1e6 1e7] [--repeat 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from pathlib import Path

import pandas as pd
from _common import peak_memory_growth_mib, reset_peak_memory, run_in_process, timed

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


def measure(method: str, path: Path, repeat: int, queue: multiprocessing.Queue) -> None:
    log = pd.read_parquet(path)
    summarise = METHODS[method]
    summarise(log.head(1_000))  # warm-up: imports, thread pools
    runs = []
    for _ in range(repeat):
        start_rss = reset_peak_memory()
        start_cpu = time.process_time()
        result, seconds = timed(summarise, log)
        cpu = time.process_time() - start_cpu
        runs.append((seconds, cpu, peak_memory_growth_mib(start_rss)))
        del result
    seconds, cpu, _ = min(runs)
    queue.put((seconds, cpu, max(peak for _, _, peak in runs)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e6, 1e7])
    parser.add_argument("--repeat", type=int, default=3, help="runs per method; the best counts")
    arguments = parser.parse_args()
    print(
        f"{'lines':>10} {'method':>15} {'seconds':>8} {'CPU s':>7} {'peak MiB':>9} "
        f"{'speed-up':>9} {'CPU speed-up':>13}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for size in arguments.sizes:
            log, _ = make_transactions(int(size) // LINES_PER_CUSTOMER, seed=0)
            path = Path(folder) / "log.parquet"
            log.to_parquet(path)
            results = {
                method: run_in_process(measure, method, path, arguments.repeat)
                for method in METHODS
            }
            baseline_seconds, baseline_cpu, _ = results["lifetimes"]
            for method, (seconds, cpu, peak) in results.items():
                print(
                    f"{len(log):>10,} {method:>15} {seconds:>8.2f} {cpu:>7.2f} {peak:>9.0f} "
                    f"{baseline_seconds / seconds:>8.1f}x {baseline_cpu / cpu:>12.1f}x"
                )


if __name__ == "__main__":
    main()
