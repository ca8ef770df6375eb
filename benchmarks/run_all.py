"""The benchmark suite: summary per engine and size, fit and scoring, the 1e8-line batch job.

Every measurement runs in its own process, which loads its input first, warms up, then
resets the process' peak resident set size (Linux) so that the peak is the growth during the
measured call alone. The summary methods are timed in turns, one run each per round, for
``--repeat`` rounds, and the best run counts (as ``timeit`` does: slower runs measure the
machine's other work); ``median`` is the median over rounds of lifetimes' time over the
method's in the same round. Ratios are against lifetimes (and a plain pandas groupby) measured
in the same run. CPU seconds are printed next to wall seconds because on a shared machine wall
time also measures the neighbours. Each engine's summary is hashed (ids, order and values)
and checked equal to the pandas path's.

    python benchmarks/run_all.py                          # 1e5, 1e6, 1e7 lines
    python benchmarks/run_all.py --integer-ids            # integer customer ids
    python benchmarks/run_all.py --big 1e8                # and the batch job on 1e8 lines
    python benchmarks/run_all.py --big-dataset /tmp/log   # on an existing Parquet dataset
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from _common import (
    fastest,
    interleaved_runs,
    measured,
    median_speed_up,
    peak_memory_growth_mib,
    reset_peak_memory,
    run_in_process,
)
from bench_summary import lifetimes_summary, pandas_groupby
from parquet_log import write_parquet_log

from crm_analytics.summary import rfm_summary

# DuckDB's memory limit for the Parquet datasets on disk.
MEMORY_LIMIT = "1500MB"


def _summary_task(method: str, path: Path) -> Callable[[], object]:
    """Load the input of ``method`` (outside the measurement) and return the measured call."""
    if method == "parquet, duckdb":
        from crm_analytics.scale import scan_parquet

        return lambda: rfm_summary(scan_parquet(path, engine="duckdb", memory_limit=MEMORY_LIMIT))
    if method == "parquet, polars":
        from crm_analytics.scale import scan_parquet

        return lambda: rfm_summary(scan_parquet(path, engine="polars"))
    if method == "polars":
        import polars as pl

        frame = pl.read_parquet(path)
        return lambda: rfm_summary(frame)
    if method == "duckdb":
        import duckdb
        import pyarrow.parquet as pq

        relation = duckdb.connect().from_arrow(pq.read_table(path))
        return lambda: rfm_summary(relation)
    log = pd.read_parquet(path)
    call = {
        "pandas": rfm_summary,
        "lifetimes": lifetimes_summary,
        "pandas groupby": pandas_groupby,
    }[method]
    return lambda: call(log)


def _warmed_summary_task(method: str, path: Path) -> Callable[[], object]:
    """`_summary_task`, called once first (imports, thread pools, the file cache), but for
    lifetimes, too slow to run twice at 1e7 lines."""
    import warnings

    warnings.simplefilter("ignore")  # lifetimes under pandas 3
    call = _summary_task(method, path)
    if method != "lifetimes":
        call()
    return call


def _summary_fingerprint(summary: object) -> int | None:
    """`_fingerprint` of an engine's summary; None for the baselines' other tables."""
    if isinstance(summary, pd.DataFrame) and "days_since_last_purchase" in summary:
        return _fingerprint(summary)
    return None


def _fit_task(method: str, path: Path) -> Callable[[], object]:
    """Fit BG/NBD and Gamma-Gamma, then P(alive) and 12-month CLV of every customer."""
    summary = rfm_summary(pd.read_parquet(path))
    if method == "fit+score":
        from crm_analytics.clv.scores import clv_columns
        from crm_analytics.scoring import ScoringConfig
        from crm_analytics.scoring.steps.clv import CLVStep

        settings = ScoringConfig().model

        def fit_and_score() -> object:
            models = CLVStep().fit_summary(summary, settings, {})
            return clv_columns(summary, *models, clv_months=12)

        return fit_and_score

    def lifetimes_fit_and_score() -> object:
        from lifetimes import BetaGeoFitter, GammaGammaFitter

        bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
        buyers = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        ggf = GammaGammaFitter().fit(buyers["frequency"], buyers["monetary_value"])
        bgf.conditional_probability_alive(summary["frequency"], summary["recency"], summary["T"])
        return ggf.customer_lifetime_value(
            bgf, summary["frequency"], summary["recency"], summary["T"],
            summary["monetary_value"], time=12, discount_rate=0.01, freq="D",
        )  # fmt: skip

    return lifetimes_fit_and_score


def _measure_fit(method: str, path: Path, queue: multiprocessing.Queue) -> None:
    """Fit and score once (`_fit_task`) and put its `Run` on queue."""
    import warnings

    warnings.simplefilter("ignore")  # lifetimes under pandas 3
    _, run = measured(_fit_task(method, path))
    queue.put(run)


def _fingerprint(summary: pd.DataFrame) -> int:
    """A hash of the whole summary (ids, order, values), equal for equal summaries."""
    values = pd.DataFrame({"id": summary.index.astype(str)}, index=summary.index)
    for column in FINGERPRINT_COLUMNS:
        data = summary[column]
        if pd.api.types.is_datetime64_any_dtype(data):
            data = data.dt.as_unit("us").astype("int64")  # engines keep ns or us
        values[column] = data.astype("float64")
    return int(pd.util.hash_pandas_object(values).sum())


def _batch(path: Path, output: Path, queue: multiprocessing.Queue) -> None:
    """The whole job, ``score_batch``, timed by stage from the times of its log messages."""
    import logging

    from crm_analytics.scale import score_batch
    from crm_analytics.scoring import ScoringConfig

    class Laps(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.INFO)
            self.laps: list[tuple[str, float]] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.laps.append((record.getMessage().split(" ")[0], time.perf_counter()))

    laps = Laps()
    batch_logger = logging.getLogger("crm_analytics.scale.batch")
    batch_logger.addHandler(laps)
    batch_logger.setLevel(logging.INFO)
    start_rss = reset_peak_memory()
    start = time.perf_counter()
    config = ScoringConfig.from_dict(
        {"transactions": {"order_id": "order_id"}, "model": {"models": ["clv"]}}
    )
    score_batch(path, output, config=config, engine="duckdb", memory_limit=MEMORY_LIMIT)
    names = {
        "summary": "summary, written out of core",
        "scores": "fit, scoring, writing",
    }
    stages, previous = {}, start
    for message, moment in laps.laps:
        stages[names[message]] = moment - previous
        previous = moment
    stages["whole job"] = time.perf_counter() - start
    queue.put((stages, peak_memory_growth_mib(start_rss)))


ENGINES = ["pandas", "polars", "duckdb", "parquet, duckdb", "parquet, polars"]
SUMMARY_METHODS = [*ENGINES, "lifetimes", "pandas groupby"]
FINGERPRINT_COLUMNS = [
    "frequency", "recency", "T", "monetary_value", "n_orders", "total_amount",
    "first_purchase", "last_purchase", "days_since_last_purchase",
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e5, 1e6, 1e7])
    parser.add_argument("--lifetimes-max", type=float, default=1e7, help="largest summary size")
    parser.add_argument("--fit-max", type=float, default=1e6, help="largest fit/score size")
    parser.add_argument(
        "--integer-ids", action="store_true", help="integer customer ids (default: strings)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="summary rounds; the best counts")
    parser.add_argument("--big", type=float, default=0, help="lines of the batch-job dataset")
    parser.add_argument("--big-dataset", type=Path, help="an existing Parquet dataset to use")
    arguments = parser.parse_args()
    print(
        f"{'lines':>12} {'method':>20} {'seconds':>8} {'cpu s':>7} {'peak MiB':>9} {'ratio':>7} "
        f"{'median':>7} same as pandas"
    )
    growth = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in arguments.sizes:
            path = write_parquet_log(
                Path(folder) / f"log_{size:.0e}",
                n_lines=int(size),
                integer_ids=arguments.integer_ids,
            )
            methods = [
                m for m in SUMMARY_METHODS if m != "lifetimes" or size <= arguments.lifetimes_max
            ]
            runs = interleaved_runs(
                _warmed_summary_task, methods, (path,), arguments.repeat, _summary_fingerprint
            )
            baseline = "lifetimes" if "lifetimes" in runs else "pandas groupby"
            reference = runs["pandas"][0].inspected
            for method, method_runs in runs.items():
                best = fastest(method_runs)
                ratio = fastest(runs[baseline]).seconds / best.seconds
                median = median_speed_up(runs[baseline], method_runs)
                equal = (
                    ""
                    if best.inspected is None
                    else ("yes" if best.inspected == reference else "NO")
                )
                print(f"{size:>12,.0f} {method:>20} {best.seconds:>8.2f} {best.cpu:>7.1f} "
                      f"{best.peak_mib:>9.0f} {ratio:>6.1f}x {median:>6.1f}x {equal}")  # fmt: skip
            growth[size] = fastest(runs["pandas"]).seconds
            if size <= arguments.fit_max:
                ours = run_in_process(_measure_fit, "fit+score", path)
                theirs = run_in_process(_measure_fit, "lifetimes", path)
                for method, run in {"fit+score": ours, "lifetimes fit+score": theirs}.items():
                    print(f"{size:>12,.0f} {method:>20} {run.seconds:>8.2f} {run.cpu:>7.1f} "
                          f"{run.peak_mib:>9.0f} {theirs.seconds / run.seconds:>6.1f}x")  # fmt: skip
        print("\nsummary time per million lines (pandas input): linear growth keeps it flat")
        for size, seconds in growth.items():
            print(f"{size:>12,.0f} {seconds / size * 1e6:>8.3f} s")
        if arguments.big or arguments.big_dataset:
            path = arguments.big_dataset or write_parquet_log(
                Path(folder) / "big", n_lines=int(arguments.big)
            )
            stages, peak = run_in_process(_batch, path, Path(folder) / "scores.parquet")
            print(f"\nbatch job on {path} (DuckDB, memory limit {MEMORY_LIMIT})")
            for stage, seconds in stages.items():
                print(f"{stage:>30} {seconds:>8.1f} s")
            print(f"{'peak memory':>30} {peak:>8.0f} MiB")


if __name__ == "__main__":
    main()
