"""Scores written to PostgreSQL, SQLite and DuckDB: types, atomicity, idempotence, concurrency, kills."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.scoring import segment_summary
from tests.runs.postgres_server import PASSWORD, PostgresServer
from tests.runs.writer_process import scores as writer_scores

sa = pytest.importorskip("sqlalchemy", reason="sqlalchemy is not installed (the sql extra)")
database = pytest.importorskip("crm_analytics.runs.database")

REPO = Path(__file__).resolve().parents[2]
BACKENDS = ["postgresql", "sqlite", "duckdb"]


def _table() -> str:
    return f"scores_{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path) -> str:
    """A fresh scores table on each backend (the PostgreSQL server is started once)."""
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres")
        return f"{server.url}?table={_table()}"
    if request.param == "duckdb":
        pytest.importorskip("duckdb_engine", reason="duckdb-engine is not installed (sql extra)")
        return f"duckdb:///{tmp_path / 'scores.duckdb'}"
    return f"sqlite:///{tmp_path / 'scores.db'}"


@pytest.fixture
def pg_url(postgres) -> str:
    return f"{postgres.url}?table={_table()}"


def tricky_scores() -> pd.DataFrame:
    """Every column type, missing values, and text that COPY and CSV must escape."""
    return pd.DataFrame(
        {
            "first_purchase": pd.to_datetime(["2024-01-05 10:30:00", None, "2025-06-30 00:00:00"]),
            "n_orders": np.array([3, 1, 12], dtype=np.int64),
            "visits": pd.array([4, None, 0], dtype="Int64"),
            "predicted_clv": [1234.5678901234, np.nan, 0.1 + 0.2],
            "rfm_segment": pd.Categorical(["Champions", None, "Can't lose them"]),
            "vip": [True, False, True],
            "reason_1": ["tab\there, new\nline", None, 'back\\slash "quoted" =SUM(A1) \\N é€'],
        },
        index=pd.Index(["C1", "C-2", "C 3"], name="customer_id"),
    )


def rows(url: str, sql: str, *, day: str | None = None) -> list[tuple]:
    """The rows of a query; ``:day`` in it is the date ``day``."""
    target = database.database_target(url)
    engine = sa.create_engine(target.url, poolclass=sa.pool.NullPool)
    query = sa.text(sql)
    if day is not None:
        query = query.bindparams(sa.bindparam("day", pd.Timestamp(day).date(), type_=sa.Date()))
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(query)]
    finally:
        engine.dispose()


def count(url: str, as_of: str) -> list[tuple]:
    """(rows, distinct total_amount values) of one as-of date: whose rows are visible."""
    table = database.database_target(url).table
    return rows(
        url,
        f"SELECT count(*), min(total_amount), max(total_amount) FROM {table} WHERE as_of = :day",
        day=as_of,
    )[0]


def start_writer(url: str, as_of: str, n_customers: int, marker: float, *, pause: bool):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        sys.executable,
        "-m",
        "tests.runs.writer_process",
        url,
        as_of,
        str(n_customers),
        str(marker),
    ]
    return subprocess.Popen(
        [*command, *(["--pause"] if pause else [])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )


def wait_for(process: subprocess.Popen, word: str, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.strip() == word:
            return
        if not line and process.poll() is not None:
            raise AssertionError(f"writer exited {process.returncode}: {process.stderr.read()}")
    raise AssertionError(f"writer did not print {word} within {timeout} s")


def finish(process: subprocess.Popen) -> None:
    out, err = process.communicate(input="\n", timeout=120)
    assert process.returncode == 0, err
    assert "DONE" in out


# --- round trip and types ----------------------------------------------------------------


def test_round_trip_keeps_values_and_types(url):
    scored = tricky_scores()
    written = database.write_scores_to_database(scored, url, as_of="2025-06-30")
    assert (written.rows, written.replaced_rows, written.as_of.isoformat()) == (3, 0, "2025-06-30")
    back = database.read_scores_from_database(url)
    expected = scored.sort_index()
    assert back.index.tolist() == expected.index.tolist()
    assert back["reason_1"].tolist() == expected["reason_1"].tolist()
    assert back["rfm_segment"].tolist() == expected["rfm_segment"].astype(object).tolist()
    assert back["n_orders"].tolist() == expected["n_orders"].tolist() == [12, 1, 3]
    assert back["vip"].astype(bool).tolist() == expected["vip"].tolist()
    np.testing.assert_array_equal(back["predicted_clv"], expected["predicted_clv"])
    assert pd.to_datetime(back["first_purchase"]).tolist() == expected["first_purchase"].tolist()
    assert pd.isna(back.loc["C-2", "visits"]) and back.loc["C1", "visits"] == 4


def test_real_scored_table_round_trips(url, scored):
    database.write_scores_to_database(scored, url, as_of="2025-06-29")
    back = database.read_scores_from_database(url, as_of="2025-06-29")
    assert back.columns.tolist() == scored.columns.tolist()
    assert len(back) == len(scored) == 2_000
    np.testing.assert_allclose(back["predicted_clv"], scored["predicted_clv"], rtol=0, atol=0)
    assert back["risk_tier"].tolist() == scored["risk_tier"].astype(object).tolist()
    assert (back["n_orders"].to_numpy() == scored["n_orders"].to_numpy()).all()


def test_postgresql_schema_is_typed_with_a_primary_key(pg_url):
    database.write_scores_to_database(tricky_scores(), pg_url, as_of="2025-06-30")
    table = database.database_target(pg_url).table
    types = dict(
        rows(
            pg_url,
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_name = '{table}'",
        )
    )
    assert types == {
        "customer_id": "text",
        "as_of": "date",
        "first_purchase": "timestamp without time zone",
        "n_orders": "bigint",
        "visits": "bigint",
        "predicted_clv": "double precision",
        "rfm_segment": "text",
        "vip": "boolean",
        "reason_1": "text",
    }
    key = rows(
        pg_url,
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        f"AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '{table}'::regclass AND i.indisprimary "
        "ORDER BY array_position(i.indkey, a.attnum)",
    )
    assert [name for (name,) in key] == ["customer_id", "as_of"]
    run_types = dict(
        rows(
            pg_url,
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_name = '{table}_runs'",
        )
    )
    assert run_types["as_of"] == "date" and run_types["n_customers"] == "bigint"
    assert run_types["written_at"] == "timestamp with time zone"


def test_whole_number_ids_are_stored_as_bigint(pg_url):
    scored = tricky_scores().set_axis(pd.Index([10, 20, 30], name="customer_id"))
    database.write_scores_to_database(scored, pg_url, as_of="2025-06-30")
    table = database.database_target(pg_url).table
    (kind,) = rows(
        pg_url,
        "SELECT data_type FROM information_schema.columns "
        f"WHERE table_name = '{table}' AND column_name = 'customer_id'",
    )[0]
    assert kind == "bigint"
    assert database.read_scores_from_database(pg_url).index.tolist() == [10, 20, 30]


def test_segment_summary_and_run_line(url, scored):
    database.write_scores_to_database(
        scored, url, as_of="2025-06-29", config_hash="abc123", timings={"fit": 1.5}
    )
    table = database.database_target(url).table
    segments = rows(
        url,
        f"SELECT segment, customers, revenue_share FROM {table}_segments "
        "WHERE dimension = 'rfm_segment' ORDER BY segment",
    )
    expected = segment_summary(scored, by="rfm_segment")
    assert {segment: n for segment, n, _ in segments} == expected["customers"].to_dict()
    assert sum(share for _, _, share in segments) == pytest.approx(1.0)
    dimensions = {row[0] for row in rows(url, f"SELECT DISTINCT dimension FROM {table}_segments")}
    assert dimensions == {
        "rfm_segment",
        "value_tier",
        "lifecycle_stage",
        "risk_tier",
        "cluster_name",
    }
    (run,) = rows(
        url,
        f"SELECT n_customers, n_segment_rows, config_hash, library_versions, timings, columns "
        f"FROM {table}_runs",
    )
    n_customers, n_segment_rows, config_hash, versions, timings, columns = run
    assert (n_customers, config_hash) == (2_000, "abc123")
    assert n_segment_rows == rows(url, f"SELECT count(*) FROM {table}_segments")[0][0]
    assert json.loads(versions)["crm_analytics"]
    assert json.loads(timings)["fit"] == 1.5 and json.loads(timings)["database_write"] > 0
    assert json.loads(columns) == ["customer_id", *scored.columns]


# --- idempotence and several dates -------------------------------------------------------


def test_rerunning_an_as_of_date_replaces_its_rows_only(url):
    database.write_scores_to_database(writer_scores(50, 1.0), url, as_of="2025-05-31")
    database.write_scores_to_database(writer_scores(40, 2.0), url, as_of="2025-06-30")
    again = database.write_scores_to_database(writer_scores(30, 3.0), url, as_of="2025-06-30")
    assert again.replaced_rows == 40
    assert count(url, "2025-06-30") == (30, 3.0, 3.0)
    assert count(url, "2025-05-31") == (50, 1.0, 1.0)
    table = database.database_target(url).table
    assert rows(url, f"SELECT count(*) FROM {table}_runs")[0][0] == 2
    assert len(database.read_scores_from_database(url)) == 30
    assert len(database.read_scores_from_database(url, as_of="2025-05-31")) == 50


def test_a_new_column_is_added_and_old_rows_have_none(url):
    database.write_scores_to_database(writer_scores(5, 1.0), url, as_of="2025-05-31")
    database.write_scores_to_database(
        writer_scores(5, 2.0).assign(region="North"), url, as_of="2025-06-30"
    )
    assert database.read_scores_from_database(url)["region"].tolist() == ["North"] * 5
    old = database.read_scores_from_database(url, as_of="2025-05-31")
    assert old.columns.tolist() == writer_scores(1, 0).columns.tolist()


def test_a_column_of_another_type_is_refused_and_nothing_changes(url):
    database.write_scores_to_database(writer_scores(5, 1.0), url, as_of="2025-06-30")
    changed = writer_scores(6, 2.0).assign(n_orders="many")
    with pytest.raises(DataValidationError, match="n_orders.*text; the table has integer"):
        database.write_scores_to_database(changed, url, as_of="2025-06-30")
    assert count(url, "2025-06-30") == (5, 1.0, 1.0)


# --- atomicity, kills, concurrency -------------------------------------------------------


def test_a_failure_inside_the_transaction_leaves_the_previous_rows(url, monkeypatch):
    database.write_scores_to_database(writer_scores(20, 1.0), url, as_of="2025-06-30")

    def fail() -> dict:
        raise RuntimeError("the job died after loading its rows")

    monkeypatch.setattr(database, "library_versions", fail)
    with pytest.raises(RuntimeError, match="died"):
        database.write_scores_to_database(writer_scores(30, 2.0), url, as_of="2025-06-30")
    assert count(url, "2025-06-30") == (20, 1.0, 1.0)


def test_readers_see_the_old_rows_until_the_commit_then_all_new_ones(url):
    database.write_scores_to_database(writer_scores(100, 1.0), url, as_of="2025-06-30")
    writer = start_writer(url, "2025-06-30", 2_000, 2.0, pause=True)
    try:
        wait_for(writer, "READY")
        if not url.startswith("postgresql"):
            pytest.skip("SQLite and DuckDB lock the whole file while a writer is open")
        assert count(url, "2025-06-30") == (100, 1.0, 1.0)
        finish(writer)
    finally:
        writer.kill()
        writer.wait()
    assert count(url, "2025-06-30") == (2_000, 2.0, 2.0)


def test_a_killed_writer_leaves_the_previous_state(url):
    database.write_scores_to_database(writer_scores(100, 1.0), url, as_of="2025-06-30")
    writer = start_writer(url, "2025-06-30", 3_000, 2.0, pause=True)
    wait_for(writer, "READY")
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert count(url, "2025-06-30") == (100, 1.0, 1.0)
    # Nothing stays locked: the next job writes the same date at once.
    database.write_scores_to_database(
        writer_scores(10, 3.0), url, as_of="2025-06-30", lock_timeout=20
    )
    assert count(url, "2025-06-30") == (10, 3.0, 3.0)


@pytest.mark.parametrize("delay", [0.1, 0.4, 1.0])
def test_killing_a_writer_at_any_moment_shows_all_or_nothing(pg_url, delay):
    database.write_scores_to_database(writer_scores(1_000, 1.0), pg_url, as_of="2025-06-30")
    writer = start_writer(pg_url, "2025-06-30", 100_000, 2.0, pause=False)
    wait_for(writer, "WRITING")
    time.sleep(delay)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert count(pg_url, "2025-06-30") in [(1_000, 1.0, 1.0), (100_000, 2.0, 2.0)]
    table = database.database_target(pg_url).table
    (n_customers,) = rows(pg_url, f"SELECT n_customers FROM {table}_runs")[0]
    assert n_customers == count(pg_url, "2025-06-30")[0]


def test_writers_of_different_dates_do_not_wait_for_each_other(pg_url):
    # Both hold their transaction open at once, on a table neither has created yet.
    first = start_writer(pg_url, "2025-05-31", 2_000, 1.0, pause=True)
    second = start_writer(pg_url, "2025-06-30", 3_000, 2.0, pause=True)
    try:
        wait_for(first, "READY")
        wait_for(second, "READY")
        finish(first)
        finish(second)
    finally:
        for writer in (first, second):
            writer.kill()
            writer.wait()
    assert count(pg_url, "2025-05-31") == (2_000, 1.0, 1.0)
    assert count(pg_url, "2025-06-30") == (3_000, 2.0, 2.0)


def test_writers_of_the_same_date_take_turns_and_the_last_wins(pg_url):
    database.write_scores_to_database(writer_scores(10, 0.0), pg_url, as_of="2025-06-30")
    first = start_writer(pg_url, "2025-06-30", 2_000, 1.0, pause=True)
    second = None
    try:
        wait_for(first, "READY")
        # Started once the first holds the date's lock, so which comes first is not a race.
        second = start_writer(pg_url, "2025-06-30", 3_000, 2.0, pause=True)
        wait_for(second, "WRITING")
        time.sleep(1.0)
        # The second waits for the first's lock: it has not reached its own pause.
        assert second.poll() is None
        finish(first)
        wait_for(second, "READY")
        assert count(pg_url, "2025-06-30") == (2_000, 1.0, 1.0)
        finish(second)
    finally:
        for writer in (first, second):
            if writer is not None:
                writer.kill()
                writer.wait()
    assert count(pg_url, "2025-06-30") == (3_000, 2.0, 2.0)


@pytest.mark.parametrize("backend", ["sqlite", "duckdb"])
def test_file_databases_let_simultaneous_jobs_take_turns(backend, tmp_path):
    if backend == "duckdb":
        pytest.importorskip("duckdb_engine", reason="duckdb-engine is not installed (sql extra)")
    url = f"{backend}:///{tmp_path / 'scores.db'}"
    writers = [
        start_writer(url, f"2025-0{month}-28", 5_000, month, pause=False) for month in (5, 6)
    ]
    for writer in writers:
        finish(writer)
    for month in (5, 6):
        assert count(url, f"2025-0{month}-28") == (5_000, month, month)


# --- credentials -------------------------------------------------------------------------


def test_password_never_reaches_logs_messages_or_the_runs_table(postgres, caplog):
    url = f"{postgres.url}?table={_table()}"
    with caplog.at_level(logging.DEBUG):
        written = database.write_scores_to_database(writer_scores(5, 1.0), url, as_of="2025-06-30")
    assert PASSWORD not in caplog.text and PASSWORD not in written.target
    assert "crm:***@127.0.0.1" in caplog.text
    table = database.database_target(url).table
    assert PASSWORD not in repr(rows(url, f"SELECT * FROM {table}_runs"))
    assert PASSWORD not in str(database.database_target(url))
    assert PASSWORD not in repr(database.database_target(url))
    wrong = url.replace(PASSWORD, "not-" + PASSWORD)
    with pytest.raises(DataValidationError, match="password authentication failed") as error:
        database.write_scores_to_database(writer_scores(5, 1.0), wrong, as_of="2025-06-30")
    assert PASSWORD not in str(error.value)


def test_password_from_a_named_variable_pgpassword_or_pgpass(postgres, monkeypatch, tmp_path):
    url = f"{postgres.url_without_password}?table={_table()}"
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "absent"))
    with pytest.raises(DataValidationError, match="cannot write scores"):
        database.write_scores_to_database(writer_scores(3, 1.0), url, as_of="2025-06-30")
    monkeypatch.setenv("CRM_DB_PASSWORD", PASSWORD)
    database.write_scores_to_database(
        writer_scores(3, 1.0), url, as_of="2025-06-30", password_env="CRM_DB_PASSWORD"
    )
    with pytest.raises(
        DataValidationError,
        match="password_env='CRM_NOT_SET': the environment variable CRM_NOT_SET is not set",
    ):
        database.write_scores_to_database(
            writer_scores(3, 1.0), url, as_of="2025-06-30", password_env="CRM_NOT_SET"
        )
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    database.write_scores_to_database(writer_scores(4, 1.0), url, as_of="2025-06-30")
    monkeypatch.delenv("PGPASSWORD")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{postgres.port}:crm:crm:{PASSWORD}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    database.write_scores_to_database(writer_scores(6, 1.0), url, as_of="2025-06-30")
    assert count(url, "2025-06-30")[0] == 6


def test_libpq_socket_directory_and_port_in_the_url(postgres: PostgresServer):
    url = f"{postgres.socket_url}&table={_table()}"
    assert database.database_target(url).table.startswith("scores_")
    database.write_scores_to_database(writer_scores(7, 1.0), url, as_of="2025-06-30")
    assert count(url, "2025-06-30") == (7, 1.0, 1.0)


def test_unreachable_server_is_a_clear_error():
    url = "postgresql://crm:hunter2@127.0.0.1:1/crm?connect_timeout=2"
    pytest.importorskip("psycopg", reason="psycopg is not installed (the sql extra)")
    with pytest.raises(
        DataValidationError, match=r"cannot write scores to postgresql\+psycopg://crm:\*\*\*@"
    ) as error:
        database.write_scores_to_database(writer_scores(2, 1.0), url, as_of="2025-06-30")
    assert "hunter2" not in str(error.value)


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scored", "message"),
    [
        (
            writer_scores(3, 1.0).set_axis(pd.Index(["a", "a", "b"], name="customer_id")),
            "more than once",
        ),
        (
            writer_scores(3, 1.0).set_axis(pd.Index(["a", None, "b"], name="customer_id")),
            "no customer_id",
        ),
        (writer_scores(3, 1.0).rename_axis("id"), "index it by 'customer_id'"),
        (writer_scores(3, 1.0).assign(as_of=1), "column named 'as_of'"),
        (writer_scores(0, 1.0), "no rows"),
    ],
)
def test_bad_scored_tables_are_refused(scored, message, tmp_path):
    with pytest.raises(DataValidationError, match=message):
        database.write_scores_to_database(
            scored, f"sqlite:///{tmp_path / 'x.db'}", as_of="2025-06-30"
        )
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize(
    ("url", "as_of", "message"),
    [
        ("mysql://crm:pw@db/crm", "2025-06-30", "must start with postgresql://"),
        ("sqlite:///x.db?table=" + "t" * 51, "2025-06-30", "1 to 50 characters"),
        ("sqlite:///x.db", "June", "is not a day"),
        ("sqlite:///x.db", "2025-06-30 12:00", "is not a day"),
    ],
)
def test_bad_targets_are_refused(url, as_of, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataValidationError, match=message) as error:
        database.write_scores_to_database(writer_scores(2, 1.0), url, as_of=as_of)
    assert ":pw@" not in str(error.value)
    assert not list(tmp_path.iterdir())


def test_is_database_url():
    assert database.is_database_url("postgres://u@h/d")
    assert not database.is_database_url("scores.xlsx")
    assert not database.is_database_url("https://example.org/x.csv")


def test_time_zone_aware_times_and_a_schema(postgres):
    url = f"{postgres.url}?table=warehouse.{_table()}"
    engine = sa.create_engine(database.database_target(postgres.url).url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE SCHEMA IF NOT EXISTS warehouse"))
    engine.dispose()
    stamps = pd.to_datetime(["2025-01-02 10:00", "2025-03-04 18:30"]).tz_localize("Europe/Paris")
    scored = writer_scores(2, 1.0).assign(signed_up=stamps)
    database.write_scores_to_database(scored, url, as_of="2025-06-30")
    database.write_scores_to_database(scored.assign(total_amount=2.0), url, as_of="2025-06-30")
    target = database.database_target(url)
    assert target.schema == "warehouse"
    (kind,) = rows(
        url,
        "SELECT data_type FROM information_schema.columns WHERE table_schema = 'warehouse' "
        f"AND table_name = '{target.table}' AND column_name = 'signed_up'",
    )[0]
    assert kind == "timestamp with time zone"
    back = database.read_scores_from_database(url)
    assert [stamp.tz_convert("UTC") for stamp in back["signed_up"]] == list(
        stamps.tz_convert("UTC")
    )
    assert back["total_amount"].tolist() == [2.0, 2.0]


def test_a_driver_error_during_copy_is_a_clear_error(pg_url, monkeypatch):
    database.write_scores_to_database(writer_scores(3, 1.0), pg_url, as_of="2025-06-30")
    # A value the binary COPY cannot send as BIGINT: the driver's own error, masked.
    monkeypatch.setitem(database._POSTGRES_TYPES, "integer", "int2")
    with pytest.raises(
        DataValidationError, match="could not write scores to .*nothing was written"
    ):
        database.write_scores_to_database(
            writer_scores(3, 1.0).assign(n_orders=10**9), pg_url, as_of="2025-06-30"
        )
    assert count(pg_url, "2025-06-30") == (3, 1.0, 1.0)


def test_the_callers_table_is_left_as_it_was(tmp_path):
    scored = writer_scores(3, 1.0).rename(columns={"n_orders": 7})
    before = scored.copy()
    database.write_scores_to_database(scored, f"sqlite:///{tmp_path / 'x.db'}", as_of="2025-06-30")
    pd.testing.assert_frame_equal(scored, before)
