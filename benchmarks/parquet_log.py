"""Write a simulated transaction log of any size as a Parquet dataset, in bounded memory.

The log is written file by file, each one a :func:`crm_analytics.datasets.make_transactions`
log of its own customers (about five lines per customer, CDNOW-like purchase and spend
processes) with integer customer and order ids made unique across files, so memory stays at
one file's worth however large the dataset is.

    python benchmarks/parquet_log.py /tmp/log_1e8 --lines 1e8
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from crm_analytics.datasets import make_transactions

# make_transactions draws about five lines per customer with its default parameters.
LINES_PER_CUSTOMER = 5
CUSTOMERS_PER_FILE = 500_000


def write_parquet_log(
    folder: str | Path,
    *,
    n_lines: int,
    customers_per_file: int = CUSTOMERS_PER_FILE,
    integer_ids: bool = True,
) -> Path:
    """Write about ``n_lines`` lines as ``part-00000.parquet``, ... in ``folder``; return it.

    Customer ids are integers, or strings such as ``"C12345"`` with ``integer_ids=False``
    (slower to group by, for every library).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n_customers = max(1, int(n_lines) // LINES_PER_CUSTOMER)
    first_customer = 0
    first_order = 0
    for part, start in enumerate(range(0, n_customers, customers_per_file)):
        size = min(customers_per_file, n_customers - start)
        log, _ = make_transactions(size, seed=part)
        # Ids look like "C0012345"; numbering them per file keeps them unique across files.
        customer = log["customer_id"].str.slice(1).astype(np.int64).to_numpy() + first_customer
        order = log["order_id"].to_numpy() + first_order
        table = pa.table(
            {
                "customer_id": customer if integer_ids else np.char.add("C", customer.astype(str)),
                # Microseconds, which Spark reads (it rejects nanosecond timestamps).
                "date": log["date"].to_numpy().astype("datetime64[us]"),
                "amount": log["amount"].to_numpy(),
                "order_id": order,
            }
        )
        pq.write_table(table, folder / f"part-{part:05d}.parquet")
        # Ids start at 1 in every file, so the next file's start after this one's largest.
        first_customer = int(customer.max())
        first_order = int(order.max())
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--lines", type=float, default=1e8)
    arguments = parser.parse_args()
    start = time.perf_counter()
    write_parquet_log(arguments.folder, n_lines=int(arguments.lines))
    print(f"wrote {arguments.folder} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
