"""SQL sources are only read: one SELECT, in a read-only transaction that is rolled back, with
driver errors reported as DataValidationErrors.

Each writing query is tried against a SQLite file and a DuckDB file (through a URL, so the
file is opened read-only) and, for SQLite, through an Engine and a Connection of the
caller's (not read-only: the transaction is made read-only instead). After every refusal the
table still holds its rows and no other file has appeared.
"""

from __future__ import annotations

import pandas as pd
import pytest

sa = pytest.importorskip("sqlalchemy", reason="SQL sources need the sql extra")
pytest.importorskip("sqlglot", reason="SQL queries are checked with sqlglot (sql extra)")

from crm_analytics.exceptions import DataValidationError  # noqa: E402
from crm_analytics.io import _sources  # noqa: E402
from crm_analytics.io.transactions import read_transactions  # noqa: E402

MAPPING = {"customer_id": "customer", "date": "day", "amount": "amount"}
LINES = pd.DataFrame(
    {
        "customer": [1, 1, 2],
        "day": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-20"]),
        "amount": [10.0, 20.0, 5.0],
    }
)


@pytest.fixture(params=["sqlite", "duckdb"])
def database(request, tmp_path) -> tuple[str, str]:
    """A database file holding the three lines in table ``lines``, as (backend, URL)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shop.db'}"
    else:
        pytest.importorskip("duckdb_engine", reason="DuckDB URLs need duckdb_engine (sql extra)")
        url = f"duckdb:///{tmp_path / 'shop.duckdb'}"
    engine = sa.create_engine(url)
    LINES.to_sql("lines", engine, index=False)
    engine.dispose()
    return request.param, url


def _rows(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.exec_driver_sql("SELECT COUNT(*) FROM lines").scalar()
    engine.dispose()
    return count


def test_a_select_with_a_common_table_expression_reads(database):
    _, url = database
    query = "WITH big AS (SELECT * FROM lines WHERE amount > 6) SELECT * FROM big ORDER BY day"
    frame = read_transactions(url, query=query, **MAPPING)
    assert frame.to_pandas()["amount"].tolist() == [10.0, 20.0]
    assert "SQL query 'WITH big AS" in frame.report.source


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("DROP TABLE lines", r"query= is a DROP statement, not a SELECT; the library only reads"),
        ("ATTACH 'other.db' AS other", r"query= is a ATTACH statement, not a SELECT"),
        (
            "SELECT * FROM lines; DROP TABLE lines",
            r"query= holds 2 statements \(SELECT, DROP\); the library only reads: give one "
            r"SELECT statement",
        ),
        (
            "WITH gone AS (DELETE FROM lines RETURNING *) SELECT * FROM gone",
            r"query= would change the database: it contains DELETE \('DELETE FROM lines "
            r"RETURNING \*'\)",
        ),
        (
            "SELECT * INTO copied FROM lines",
            r"query= would change the database: it contains INTO",
        ),
        ("PRAGMA query_only = OFF", r"query= is a PRAGMA statement, not a SELECT"),
        ("INSERT INTO lines VALUES (3, '2024-03-01', 1.0)", r"query= is a INSERT statement"),
        ("   ;  ", r"query= holds no SQL statement"),
    ],
)
def test_queries_that_write_are_refused_before_they_run(database, tmp_path, query, message):
    _, url = database
    before = sorted(path.name for path in tmp_path.iterdir())
    with pytest.raises(DataValidationError, match=message):
        read_transactions(url, query=query, **MAPPING)
    assert _rows(url) == 3
    assert sorted(path.name for path in tmp_path.iterdir()) == before


def test_a_duckdb_copy_to_a_file_is_refused(database, tmp_path):
    backend, url = database
    if backend != "duckdb":
        pytest.skip("COPY ... TO is DuckDB's")
    with pytest.raises(DataValidationError, match=r"query= is a COPY statement, not a SELECT"):
        read_transactions(url, query=f"COPY lines TO '{tmp_path / 'out.csv'}'", **MAPPING)
    assert not (tmp_path / "out.csv").exists()


@pytest.fixture
def unchecked(monkeypatch):
    """Skip the query check, to show that the database itself refuses to write."""
    monkeypatch.setattr(_sources, "_require_read_only_query", lambda query, backend: None)


@pytest.mark.parametrize(
    ("query", "sqlite_says", "duckdb_says"),
    [
        ("DELETE FROM lines", "attempt to write a readonly database", "read-only mode"),
        ("DROP TABLE lines", "attempt to write a readonly database", "read-only mode"),
    ],
)
def test_a_file_opened_from_a_url_is_read_only(
    database, unchecked, query, sqlite_says, duckdb_says
):
    backend, url = database
    says = sqlite_says if backend == "sqlite" else duckdb_says
    with pytest.raises(DataValidationError, match=rf"the SQL query failed: .*{says}.*database"):
        read_transactions(url, query=query, **MAPPING)
    assert _rows(url) == 3


def test_duckdb_opened_from_a_url_cannot_read_other_files(database, unchecked, tmp_path):
    backend, url = database
    if backend != "duckdb":
        pytest.skip("DuckDB's file functions")
    LINES.to_csv(tmp_path / "elsewhere.csv", index=False)
    query = f"SELECT * FROM read_csv('{tmp_path / 'elsewhere.csv'}')"
    with pytest.raises(DataValidationError, match="file system operations are disabled"):
        read_transactions(url, query=query, **MAPPING)


def test_a_callers_engine_and_connection_get_a_read_only_transaction(tmp_path, unchecked):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = sa.create_engine(url)
    LINES.to_sql("lines", engine, index=False)
    with pytest.raises(DataValidationError, match="attempt to write a readonly database"):
        read_transactions(engine, query="DELETE FROM lines", **MAPPING)
    with engine.connect() as connection:
        with pytest.raises(DataValidationError, match="attempt to write a readonly database"):
            read_transactions(connection, query="DELETE FROM lines", **MAPPING)
        # The caller's connection is left as it was: no transaction open, writable again.
        assert not connection.in_transaction()
        assert connection.exec_driver_sql("PRAGMA query_only").scalar() == 0
        connection.rollback()
    assert _rows(url) == 3
    engine.dispose()


def test_a_statement_without_rows_is_a_clear_error_not_a_resource_closed_error(database, unchecked):
    backend, url = database
    if backend != "sqlite":
        pytest.skip("a SQLite PRAGMA that returns no rows")
    with pytest.raises(
        DataValidationError, match="the SQL query failed: This result object does not return rows"
    ):
        read_transactions(url, query="PRAGMA query_only = ON", **MAPPING)


def test_a_missing_database_file_is_not_created(tmp_path):
    for scheme, name in (("sqlite", "absent.db"), ("duckdb", "absent.duckdb")):
        with pytest.raises(DataValidationError, match=rf"no such database file: .*{name}"):
            read_transactions(f"{scheme}:///{tmp_path / name}", table="lines", **MAPPING)
    assert list(tmp_path.iterdir()) == []


def test_table_reads_stay_read_only_and_roll_back(database):
    backend, url = database
    if backend == "duckdb":
        pytest.skip(
            "duckdb_engine 0.17 cannot reflect a table under SQLAlchemy 2.1 (it queries "
            "pg_catalog.pg_collation, which DuckDB lacks); query= reads DuckDB"
        )
    frame = read_transactions(url, table="lines", **MAPPING)
    assert frame.to_pandas()["amount"].sum() == 35.0
    assert _rows(url) == 3


def test_sql_that_the_dialect_cannot_parse_points_to_a_view(database):
    _, url = database
    with pytest.raises(
        DataValidationError,
        match=r"query= could not be read as (sqlite|duckdb) SQL .*create a view in the "
        r"database and pass table='the_view'",
    ):
        read_transactions(url, query="SELECT FROM WHERE (", **MAPPING)
