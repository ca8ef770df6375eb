"""The customer report and the Excel workbook: time and size at 1e4 and 1e5 customers.

For each size, a simulated shop is scored twice (as of its last day and 90 days earlier)
with every input of the report (``tests/report/shop_report.py``: quality report, cohort
table, previous run, model checks); then, timed (best of ``--repeat``):

- ``crm_analytics.report.build`` writing the HTML report (target: under 10 s and 5 MB at
  1e5 customers);
- the baseline measured in the same run: today's ``crm-analytics report`` output,
  ``scoring.outputs.write_report`` (segment CSVs and three default matplotlib PNGs, no
  reading, no tables of customers);
- ``runs.workbook.write_workbook`` (``--workbook``), the four-sheet Excel file.

    PYTHONPATH=. python benchmarks/bench_report.py [--sizes 1e4 1e5] [--workbook]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

import matplotlib
from _common import timed

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm_analytics.scoring.outputs import write_report  # noqa: E402

from crm_analytics.report import build  # noqa: E402
from crm_analytics.runs.workbook import write_workbook  # noqa: E402
from tests.report.shop_report import shop_report_inputs  # noqa: E402


def best(repeat: int, function, *args, **kwargs) -> float:
    return min(timed(function, *args, **kwargs)[1] for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e4, 1e5])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workbook", action="store_true", help="time the Excel workbook too")
    args = parser.parse_args()
    matplotlib.use("Agg")
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    print("| customers | output | seconds | size MB |")
    print("|---:|---|---:|---:|")
    for size in (int(size) for size in args.sizes):
        scored, inputs = shop_report_inputs(size)
        path = folder / f"report_{size}.html"
        seconds = best(args.repeat, build, scored, path, inputs=inputs)
        print(
            f"| {len(scored):,} | HTML report | {seconds:.2f} | {path.stat().st_size / 1e6:.2f} |"
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            baseline = best(args.repeat, write_report, folder / f"png_{size}", scored)
        png_size = sum(item.stat().st_size for item in (folder / f"png_{size}").iterdir())
        print(
            f"| {len(scored):,} | baseline: PNG report folder | {baseline:.2f} | {png_size / 1e6:.2f} |"
        )
        if args.workbook:
            book = folder / f"scores_{size}.xlsx"
            seconds = best(1, write_workbook, scored, book)
            print(
                f"| {len(scored):,} | Excel workbook | {seconds:.2f} | {book.stat().st_size / 1e6:.2f} |"
            )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
