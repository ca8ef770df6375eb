"""A scoring job's database write, run as its own process by the database tests.

``python -m tests.runs.writer_process URL AS_OF N_CUSTOMERS MARKER [--pause]`` writes
``N_CUSTOMERS`` customers whose ``total_amount`` is ``MARKER`` (so that a test can tell whose
rows it sees). With ``--pause`` the write stops inside its transaction, after every row is
loaded and before the commit: it prints ``READY`` and waits for a line on standard input
(a test then reads the database, kills the process, or lets it commit). It prints
``WRITING`` when it starts the write (its imports and table ready) and ``DONE`` after the
commit.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from crm_analytics.runs import database

SEGMENTS = ["Champions", "Loyal", "At risk", "Lost"]


def scores(n_customers: int, marker: float) -> pd.DataFrame:
    """``n_customers`` rows of a scored table, every ``total_amount`` equal to ``marker``."""
    ids = pd.Index([f"C{number:07d}" for number in range(n_customers)], name="customer_id")
    numbers = np.arange(n_customers)
    return pd.DataFrame(
        {
            "first_purchase": pd.Timestamp("2024-01-01") + pd.to_timedelta(numbers % 500, "D"),
            "n_orders": numbers % 7 + 1,
            "total_amount": np.full(n_customers, marker),
            "rfm_segment": pd.Categorical.from_codes(numbers % 4, SEGMENTS),
            "p_alive": (numbers % 100) / 100,
            "reason_1": np.where(numbers % 3 == 0, None, "no purchase for 90 days"),
        },
        index=ids,
    )


def _pause(*_: object, **__: object) -> dict[str, str]:
    print("READY", flush=True)
    sys.stdin.readline()
    return {"crm_analytics": "test"}


def main(argv: list[str]) -> None:
    url, as_of, n_customers, marker = argv[:4]
    if "--pause" in argv:
        # library_versions() is read inside the transaction, after the rows are loaded.
        database.library_versions = _pause
    frame = scores(int(n_customers), float(marker))
    print("WRITING", flush=True)
    database.write_scores_to_database(frame, url, as_of=as_of)
    print("DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
