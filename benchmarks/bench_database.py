"""Scores into a database: ``write_scores_to_database`` times at 1e5 and 1e6 customers, against pandas.

Starts a PostgreSQL server of its own (``tests/runs/postgres_server.py``, default durability
settings: fsync on) unless ``--url`` names one, and times, for each size:

- ``write_scores_to_database`` into PostgreSQL (``COPY``) for a new as-of date, then again for the same
  date (which deletes the previous rows in the same transaction);
- the same write into SQLite and DuckDB files (1e5 only by default);
- the baseline: ``DataFrame.to_sql`` of the same table into PostgreSQL (SQLAlchemy +
  psycopg, ``executemany``; one table, no transaction of ours, no segments or runs line).

    PYTHONPATH=. python benchmarks/bench_database.py [--sizes 1e5 1e6] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _common import timed
from _scored import scored_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm_analytics.runs.database import database_target, write_scores_to_database  # noqa: E402
from tests.runs.postgres_server import start_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e5, 1e6])
    parser.add_argument("--url", help="an existing PostgreSQL database (default: start one)")
    parser.add_argument("--files-up-to", type=float, default=1e5, help="largest SQLite/DuckDB size")
    parser.add_argument("--baseline-up-to", type=float, default=1e5, help="largest to_sql size")
    args = parser.parse_args()
    server = None if args.url else start_server(fast=False)
    url = args.url or server.url
    folder = Path(tempfile.mkdtemp(prefix="bench-db-"))
    print("| customers | target | seconds | customers/s |")
    print("|---:|---|---:|---:|")
    try:
        for size in (int(size) for size in args.sizes):
            scored = scored_table(size)
            table = f"bench_{size}"

            def show(what: str, seconds: float, size: int = size) -> None:
                print(f"| {size:,} | {what} | {seconds:.2f} | {size / seconds:,.0f} |", flush=True)

            written = write_scores_to_database(scored, f"{url}?table={table}", as_of="2025-06-29")
            show("PostgreSQL, new as-of date", written.seconds)
            written = write_scores_to_database(scored, f"{url}?table={table}", as_of="2025-06-29")
            show(
                f"PostgreSQL, same date again ({written.replaced_rows:,} replaced)", written.seconds
            )
            if size <= args.files_up_to:
                for scheme, suffix in (("sqlite", "db"), ("duckdb", "duckdb")):
                    path = folder / f"scores_{size}.{suffix}"
                    written = write_scores_to_database(
                        scored, f"{scheme}:///{path}", as_of="2025-06-29"
                    )
                    show(f"{scheme} file", written.seconds)
            if size <= args.baseline_up_to:
                show("baseline: DataFrame.to_sql into PostgreSQL", _to_sql(scored, url, table))
    finally:
        if server is not None:
            server.stop()


def _to_sql(scored, url: str, table: str) -> float:
    import sqlalchemy as sa

    engine = sa.create_engine(database_target(url).url, poolclass=sa.pool.NullPool)
    try:
        frame = scored.assign(as_of="2025-06-29")
        _, seconds = timed(frame.to_sql, f"{table}_to_sql", engine, if_exists="replace")
    finally:
        engine.dispose()
    return seconds


if __name__ == "__main__":
    main()
