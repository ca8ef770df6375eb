"""Scores into the warehouse: the scored table in PostgreSQL, SQLite or DuckDB, by as-of date.

One call, :func:`write_scores_to_database`, writes a run's scored table, its segment
summaries and a line about the run, in **one transaction**: readers see all of the run's
rows for its as-of date or none of them; writing the same as-of date again replaces that
date's rows; a failed or killed job leaves the tables as they were; jobs writing different
as-of dates at once do not wait for each other (PostgreSQL), and jobs writing the same date
take turns, the last one winning. PostgreSQL is loaded with binary ``COPY`` (a million
customers in about 16 s on 2 cores), DuckDB from the frame in one ``INSERT ... SELECT``,
SQLite by batched ``executemany``.

Tables, for ``table=customer_scores`` (the default):

``customer_scores``
    One row per customer and as-of date. Primary key ``(customer_id, as_of)``, an index on
    ``as_of``. ``customer_id`` is ``BIGINT`` for whole-number ids, else ``TEXT``;
    ``as_of`` is ``DATE``; every other column of the scored table keeps its type:
    whole numbers (``n_orders``, ``r_score``, ``cluster``) ``BIGINT``, numbers (``p_alive``,
    ``predicted_clv``, ``churn_probability``) ``DOUBLE PRECISION``, dates and times
    (``first_purchase``) ``TIMESTAMP`` (``TIMESTAMP WITH TIME ZONE`` when time-zone aware),
    true/false ``BOOLEAN``, and text and categories (``rfm_segment``, ``risk_tier``,
    ``reason_1``, ``cohort``) ``TEXT``. Missing values are ``NULL``. A column that a later
    run adds (a new customer attribute, more reasons) is added to the table; a column a run
    does not have is ``NULL`` in its rows; a column whose type changed is refused.
``customer_scores_segments``
    :func:`~crm_analytics.scoring.segment_summary` of the run by each of ``rfm_segment``,
    ``value_tier``, ``lifecycle_stage``, ``risk_tier`` and ``cluster_name`` the table has:
    ``as_of`` DATE, ``dimension`` TEXT (the column), ``segment`` TEXT (its value,
    ``(missing)`` for customers without one), ``customers`` BIGINT, and ``customer_share``,
    ``revenue``, ``revenue_share``, ``revenue_per_customer``, ``predicted_clv``,
    ``predicted_clv_share``, ``mean_p_alive``, ``mean_churn_probability``,
    ``expected_churners`` DOUBLE PRECISION (``NULL`` when the run has no such model).
    Primary key ``(as_of, dimension, segment)``.
``customer_scores_runs``
    One row per as-of date written: ``as_of`` DATE (primary key), ``written_at``
    TIMESTAMP WITH TIME ZONE (UTC), ``n_customers`` and ``n_segment_rows`` BIGINT,
    ``columns`` (the scored table's columns), ``config_hash`` TEXT, ``library_versions``
    (:func:`crm_analytics._version.library_versions`) and ``timings`` (seconds per scoring
    step and for this write), the last three as JSON text. No URL, user or password.

Credentials: a password may sit in the URL, come from ``PGPASSWORD`` or ``~/.pgpass`` (libpq
reads them when the URL has none) or from an environment variable named by
``password_env``; it is used to connect and never appears in a log line, an error message or
the runs table (URLs are shown through :func:`crm_analytics._secrets.mask_credentials`).
"""

from __future__ import annotations

import json
import logging
import re
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from crm_analytics._optional import import_optional
from crm_analytics._secrets import mask_credentials, resolve_url
from crm_analytics._version import library_versions
from crm_analytics.exceptions import DataValidationError
from crm_analytics.runs._columns import column_kind
from crm_analytics.schema import CUSTOMER_ID
from crm_analytics.scoring.tables import segment_summary

__all__ = [
    "SEGMENT_DIMENSIONS",
    "DatabaseTarget",
    "DatabaseWrite",
    "database_target",
    "is_database_url",
    "read_scores_from_database",
    "write_scores_to_database",
]

logger = logging.getLogger(__name__)

DEFAULT_TABLE = "customer_scores"
#: Columns of the scored table summarised into ``<table>_segments``, when present.
SEGMENT_DIMENSIONS = ("rfm_segment", "value_tier", "lifecycle_stage", "risk_tier", "cluster_name")
_MISSING_SEGMENT = "(missing)"
_SEGMENT_MEASURES = {
    "customers": "integer",
    "customer_share": "float",
    "revenue": "float",
    "revenue_share": "float",
    "revenue_per_customer": "float",
    "predicted_clv": "float",
    "predicted_clv_share": "float",
    "mean_p_alive": "float",
    "mean_churn_probability": "float",
    "expected_churners": "float",
}
_SCHEMES = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "sqlite": "sqlite",
    "duckdb": "duckdb",
}
# PostgreSQL truncates identifiers at 63 bytes; the companion tables add up to 9 characters.
_MAX_TABLE_NAME = 50
_INSERT_BATCH = 10_000
_NULLABLE = {"boolean": "boolean", "integer": "Int64", "float": "Float64"}
_POSTGRES_TYPES = {
    "boolean": "bool",
    "integer": "int8",
    "float": "float8",
    "timestamp": "timestamp",
    "timestamptz": "timestamptz",
    "date": "date",
    "text": "text",
}
_ALL_TEXT = ("string", "empty")
_FRAME_VIEW = "crm_analytics_rows"


@dataclass(frozen=True)
class DatabaseTarget:
    """Where scores go: a database URL and a table name, the password kept out of its text.

    Attributes
    ----------
    url : sqlalchemy.engine.URL
        The connection URL (with the driver the writes use), password included when one
        was given; ``str(target)`` and ``repr(target)`` mask it.
    table : str
        Name of the scores table; the companion tables are ``<table>_segments`` and
        ``<table>_runs``.
    schema : str or None
        Database schema (PostgreSQL) of the three tables, from ``table=schema.name``.
    """

    url: Any = field(repr=False)
    table: str
    schema: str | None = None

    @property
    def dialect(self) -> str:
        """``"postgresql"``, ``"sqlite"`` or ``"duckdb"``."""
        return self.url.get_backend_name()

    @property
    def display(self) -> str:
        """The URL and table as they may be shown and logged (no password)."""
        return mask_credentials(self.url.render_as_string(hide_password=True)) + (
            f" (table {self.qualified_table})"
        )

    @property
    def qualified_table(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table

    def __str__(self) -> str:
        return self.display

    def __repr__(self) -> str:
        return f"DatabaseTarget({self.display!r})"


@dataclass(frozen=True)
class DatabaseWrite:
    """What :func:`write_scores_to_database` wrote: one as-of date of scores, committed.

    Attributes
    ----------
    target : str
        The database and table, as :attr:`DatabaseTarget.display` shows them (no password).
    as_of : datetime.date
    rows : int
        Customers written.
    replaced_rows : int
        Rows of the same as-of date that the write replaced (0 for a new date).
    segment_rows : int
        Rows written to ``<table>_segments``.
    seconds : float
        Time from connecting to the commit.
    """

    target: str
    as_of: date
    rows: int
    replaced_rows: int
    segment_rows: int
    seconds: float


def is_database_url(text: object) -> bool:
    """Whether ``text`` is a database URL (rather than a file path) for the writer.

    Examples
    --------
    >>> is_database_url("postgresql://crm@db.example/warehouse?table=customer_scores")
    True
    >>> is_database_url("duckdb:///scores.duckdb"), is_database_url("out/scores.xlsx")
    (True, False)
    """
    if not isinstance(text, str) or "://" not in text:
        return False
    return text.partition("://")[0].lower() in _SCHEMES


def database_target(
    url: str, *, table: str | None = None, password_env: str | None = None
) -> DatabaseTarget:
    """Parse a database URL into a :class:`DatabaseTarget`.

    Parameters
    ----------
    url : str
        ``postgresql://user@host:port/database``, ``sqlite:///path/to/file.db`` or
        ``duckdb:///path/to/file.duckdb``. A PostgreSQL URL may carry libpq's query
        parameters (``host=`` a socket directory, ``port=``, ``sslmode=``,
        ``connect_timeout=``...), and any URL ``table=`` (``name`` or ``schema.name``).
    table : str, optional
        The scores table; overrides the URL's ``table=``. Default ``customer_scores``.
    password_env : str, optional
        Name of an environment variable holding the password (give the URL without one; see
        :func:`crm_analytics.io.resolve_url`). Without either, libpq reads ``PGPASSWORD`` or
        ``~/.pgpass``.

    Returns
    -------
    DatabaseTarget

    Raises
    ------
    DataValidationError
        An unsupported scheme, a bad table name, or ``password_env`` naming a variable that
        is not set. Messages never hold the password.

    Examples
    --------
    >>> target = database_target("postgresql://crm:secret@db.example/warehouse?table=crm.scores")
    >>> target.schema, target.table, target.url.drivername
    ('crm', 'scores', 'postgresql+psycopg')
    >>> print(target)
    postgresql+psycopg://crm:***@db.example/warehouse (table crm.scores)
    >>> database_target("mysql://crm@db/warehouse")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: cannot write scores to 'mysql://crm@db/warehouse': ...
    """
    sa = import_optional("sqlalchemy", "sql", "writing scores to a database")
    shown = mask_credentials(str(url))
    scheme = str(url).partition("://")[0].lower() if isinstance(url, str) else ""
    if scheme not in _SCHEMES:
        raise DataValidationError(
            f"cannot write scores to {shown!r}: the URL must start with postgresql://, "
            "sqlite:/// or duckdb:/// (e.g. postgresql://user@host/database?table="
            "customer_scores, sqlite:///scores.db)"
        )
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as error:
        raise DataValidationError(
            f"cannot parse the database URL {shown!r}: {mask_credentials(str(error))}"
        ) from None
    name = table if table is not None else parsed.query.get("table", DEFAULT_TABLE)
    if isinstance(name, tuple):
        raise DataValidationError(f"the database URL {shown!r} has table= more than once")
    schema, _, bare = str(name).rpartition(".")
    _check_table_name(bare, shown)
    parsed = parsed.difference_update_query(["table"]).set(drivername=_SCHEMES[scheme])
    if password_env is not None:
        parsed = resolve_url(parsed, password_env=password_env)
    return DatabaseTarget(url=parsed, table=bare, schema=schema or None)


def _check_table_name(name: str, shown: str) -> None:
    if not name or len(name) > _MAX_TABLE_NAME or "\x00" in name:
        raise DataValidationError(
            f"table name {name!r} (from {shown!r}) must have 1 to {_MAX_TABLE_NAME} characters; "
            "pass table=customer_scores or another name"
        )


def write_scores_to_database(
    scored: pd.DataFrame,
    url: str | DatabaseTarget,
    *,
    as_of: str | date | pd.Timestamp,
    table: str | None = None,
    config_hash: str | None = None,
    timings: Mapping[str, float] | None = None,
    password_env: str | None = None,
    segments_by: Sequence[str] = SEGMENT_DIMENSIONS,
    lock_timeout: float = 600.0,
) -> DatabaseWrite:
    """Write one as-of date of scores, with its segment summaries and run line, in one transaction.

    Parameters
    ----------
    scored : pandas.DataFrame
        The scored table (:func:`~crm_analytics.scoring.score_customers`), one row per
        customer, indexed by ``customer_id`` (or with a ``customer_id`` column).
    url : str or DatabaseTarget
        Where to write: see :func:`database_target` (``postgresql://...?table=...``,
        ``sqlite:///scores.db``, ``duckdb:///scores.duckdb``).
    as_of : str, date or Timestamp
        The day the scores describe; the rows of this day, if any, are replaced.
    table : str, optional
        Scores table name (default the URL's ``table=``, else ``customer_scores``).
    config_hash : str, optional
        A hash of the run's configuration (e.g. the SHA-256 of its TOML), kept in the runs
        table so that a row can be traced to the settings that produced it.
    timings : mapping of str to float, optional
        Seconds per scoring step, kept in the runs table with this write's own time.
    password_env : str, optional
        Environment variable holding the password (see :func:`database_target`).
    segments_by : sequence of str, default SEGMENT_DIMENSIONS
        Columns summarised into ``<table>_segments`` (those absent from ``scored`` are
        skipped); empty for none.
    lock_timeout : float, default 600
        Seconds to wait for another job writing the same as-of date (PostgreSQL), or holding
        the database file (SQLite, DuckDB), before giving up with an error.

    Returns
    -------
    DatabaseWrite

    Raises
    ------
    DataValidationError
        Bad ``scored`` (duplicate or missing customer ids, a column named ``as_of``), a bad
        URL, a database that cannot be reached, or a column whose type differs from the
        existing table's. Nothing is written then.

    Notes
    -----
    The module docstring documents the three tables. In one transaction the write deletes
    the as-of date's rows and loads the new ones (``COPY`` on PostgreSQL), so readers in
    other transactions see the previous rows until the commit and the new ones after it. On
    PostgreSQL a transaction-level advisory lock per (table, as-of date) makes two jobs
    writing the same date take turns, and one per table serialises only the creation of
    tables and columns. SQLite takes its database lock at the start of the transaction and
    DuckDB allows one writing process per file: jobs on one file take turns.

    Examples
    --------
    >>> import tempfile
    >>> scored = pd.DataFrame(
    ...     {"total_amount": [120.0, 35.5], "rfm_segment": ["Champions", "Lost"],
    ...      "churn_probability": [0.1, 0.8]},
    ...     index=pd.Index(["C1", "C2"], name="customer_id"))
    >>> url = f"sqlite:///{tempfile.mkdtemp()}/scores.db"
    >>> write_scores_to_database(scored, url, as_of="2025-06-30").rows
    2
    >>> again = write_scores_to_database(scored.iloc[:1], url, as_of="2025-06-30")
    >>> again.rows, again.replaced_rows
    (1, 2)
    >>> read_scores_from_database(url)
                 total_amount rfm_segment  churn_probability
    customer_id
    C1                  120.0   Champions                0.1
    """
    started = time.perf_counter()
    frame = _checked_scores(scored)
    day = _as_of_date(as_of)
    target = url if isinstance(url, DatabaseTarget) else None
    if target is None:
        target = database_target(url, table=table, password_env=password_env)
    elif table is not None or password_env is not None:
        raise DataValidationError(
            "table and password_env are settings of the URL; with a DatabaseTarget, give them "
            "to database_target(...) instead"
        )
    kinds = {
        CUSTOMER_ID: column_kind(frame.index.to_series()),
        "as_of": "date",
        **{column: column_kind(frame[column]) for column in frame.columns},
    }
    segments = _segment_rows(frame, segments_by)
    sa = import_optional("sqlalchemy", "sql", "writing scores to a database")
    logger.info(
        "writing %s customers as of %s to %s", f"{len(frame):,}", day.isoformat(), target.display
    )
    engine = _engine(sa, target, lock_timeout)
    try:
        with (
            _translated_errors(sa, target, engine),
            _connection(engine, target, lock_timeout) as conn,
        ):
            with conn.begin():
                tables = _ensure_tables(sa, conn, target, kinds, lock_timeout)
            with conn.begin():
                _lock(sa, conn, target, day.toordinal(), lock_timeout)
                scores, segment_table, runs = tables
                replaced = conn.execute(scores.delete().where(scores.c.as_of == day)).rowcount
                _bulk_insert(sa, conn, scores, _with_key(frame, day), kinds)
                conn.execute(segment_table.delete().where(segment_table.c.as_of == day))
                if len(segments):
                    _bulk_insert(
                        sa, conn, segment_table, segments.assign(as_of=day), _SEGMENT_KINDS
                    )
                conn.execute(runs.delete().where(runs.c.as_of == day))
                seconds = time.perf_counter() - started
                conn.execute(
                    runs.insert().values(
                        as_of=day,
                        written_at=datetime.now(timezone.utc),
                        n_customers=len(frame),
                        n_segment_rows=len(segments),
                        columns=json.dumps([CUSTOMER_ID, *frame.columns]),
                        config_hash=config_hash,
                        library_versions=json.dumps(library_versions(), sort_keys=True),
                        timings=json.dumps({**dict(timings or {}), "database_write": seconds}),
                    )
                )
    finally:
        engine.dispose()
    seconds = time.perf_counter() - started
    logger.info(
        "wrote %s customers as of %s to %s in %.1f s (%s rows of that date replaced)",
        f"{len(frame):,}",
        day.isoformat(),
        target.display,
        seconds,
        f"{max(replaced, 0):,}",
    )
    return DatabaseWrite(
        target=target.display,
        as_of=day,
        rows=len(frame),
        replaced_rows=max(replaced, 0),
        segment_rows=len(segments),
        seconds=seconds,
    )


def read_scores_from_database(
    url: str | DatabaseTarget,
    *,
    as_of: str | date | pd.Timestamp | None = None,
    table: str | None = None,
    password_env: str | None = None,
) -> pd.DataFrame:
    """The scored table of one as-of date, read back from the database.

    Parameters
    ----------
    url, table, password_env
        As for :func:`write_scores_to_database`.
    as_of : str, date or Timestamp, optional
        The date to read; default the latest one written (from ``<table>_runs``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted), with the columns the run wrote, in its order.

    Raises
    ------
    DataValidationError
        When the tables or the date are not there.

    Examples
    --------
    See :func:`write_scores_to_database`.
    """
    target = url if isinstance(url, DatabaseTarget) else None
    if target is None:
        target = database_target(url, table=table, password_env=password_env)
    sa = import_optional("sqlalchemy", "sql", "reading scores from a database")
    engine = _engine(sa, target, 60.0)
    try:
        with _translated_errors(sa, target, engine, reading=True), engine.connect() as conn:
            if _existing_columns(sa, conn, target.schema, f"{target.table}_runs") is None:
                raise DataValidationError(
                    f"no scores table in {target.display}: no scores were written there"
                )
            runs = sa.table(
                f"{target.table}_runs",
                sa.column("as_of"),
                sa.column("columns"),
                schema=target.schema,
            )
            query = sa.select(runs.c.as_of, runs.c.columns)
            if as_of is None:
                query = query.order_by(runs.c.as_of.desc()).limit(1)
            else:
                query = query.where(runs.c.as_of == _as_of_date(as_of))
            run = conn.execute(query).first()
            if run is None:
                when = "any date" if as_of is None else f"as of {_as_of_date(as_of)}"
                raise DataValidationError(f"no scores {when} in {target.display}")
            columns = json.loads(run.columns)
            scores = sa.table(
                target.table, sa.column("as_of"), *map(sa.column, columns), schema=target.schema
            )
            rows = sa.select(*(scores.c[name] for name in columns)).where(
                scores.c.as_of == run.as_of
            )
            frame = pd.read_sql(rows, conn)
    finally:
        engine.dispose()
    # Sorted here, not by the database, whose collation may order text differently.
    return frame.set_index(CUSTOMER_ID).sort_index()


# --- inputs ------------------------------------------------------------------------------


def _checked_scores(scored: object) -> pd.DataFrame:
    if not isinstance(scored, pd.DataFrame):
        raise DataValidationError(
            "scored must be a pandas DataFrame (score_customers' output), got "
            f"{type(scored).__name__}"
        )
    frame = scored
    if CUSTOMER_ID in frame.columns:
        frame = frame.set_index(CUSTOMER_ID)
    elif frame.index.name != CUSTOMER_ID:
        raise DataValidationError(
            f"scored has no customer ids: index it by {CUSTOMER_ID!r} (as score_customers "
            f"does) or give it a {CUSTOMER_ID!r} column; index name {frame.index.name!r}, "
            f"columns {', '.join(map(str, frame.columns[:8]))}"
        )
    if frame.empty:
        raise DataValidationError("scored has no rows: there is nothing to write")
    ids = frame.index.to_series()
    missing = ids.isna()
    if missing.any():
        raise DataValidationError(
            f"scored: {int(missing.sum()):,} row(s) have no customer_id; every row needs one"
        )
    duplicated = frame.index.duplicated()
    if duplicated.any():
        examples = ", ".join(map(repr, frame.index[duplicated].unique()[:3]))
        raise DataValidationError(
            f"scored: {int(duplicated.sum()):,} customer_id value(s) appear more than once "
            f"(e.g. {examples}); the table has one row per customer"
        )
    reserved = [name for name in frame.columns if str(name) == "as_of"]
    if reserved:
        raise DataValidationError(
            "scored has a column named 'as_of', which the database table uses for the run's "
            "date; rename or drop it"
        )
    return frame.rename(columns=str)


def _as_of_date(as_of: object) -> date:
    try:
        # Text must be ISO 8601: pandas would read "June" as the 1st of June this year.
        stamp = pd.Timestamp(datetime.fromisoformat(as_of) if isinstance(as_of, str) else as_of)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp) or stamp != stamp.normalize():
        raise DataValidationError(
            f"as_of={as_of!r} is not a day; pass the run's as-of date, e.g. '2025-06-30'"
        )
    return stamp.date()


def _with_key(frame: pd.DataFrame, day: date) -> pd.DataFrame:
    keyed = frame.reset_index()
    keyed.insert(1, "as_of", day)
    return keyed


def _segment_rows(frame: pd.DataFrame, segments_by: Sequence[str]) -> pd.DataFrame:
    if isinstance(segments_by, str):
        segments_by = [segments_by]
    present = [name for name in segments_by if name in frame.columns]
    if not present or "total_amount" not in frame.columns:
        return pd.DataFrame(columns=["dimension", "segment", *_SEGMENT_MEASURES])
    parts = []
    for dimension in present:
        table = segment_summary(frame, by=dimension).reset_index()
        labels = table.pop(dimension)
        segment = labels.astype(object).where(labels.notna(), _MISSING_SEGMENT).map(str)
        parts.append(table.assign(dimension=dimension, segment=segment.to_numpy()))
    rows = pd.concat(parts, ignore_index=True)
    return rows.reindex(columns=["dimension", "segment", *_SEGMENT_MEASURES])


_SEGMENT_KINDS = {"as_of": "date", "dimension": "text", "segment": "text", **_SEGMENT_MEASURES}


# --- schema ------------------------------------------------------------------------------


def _sa_type(sa: Any, kind: str) -> Any:
    return {
        "boolean": sa.Boolean(),
        "integer": sa.BigInteger(),
        "float": sa.Double(),
        "timestamp": sa.DateTime(),
        "timestamptz": sa.DateTime(timezone=True),
        "date": sa.Date(),
        "text": sa.Text(),
    }[kind]


def _kind_of_type(type_name: str) -> str:
    """The type family of a column type as the database names it (any of the three)."""
    name = type_name.lower()
    if "bool" in name:
        return "boolean"
    if re.match(r"(big|small|tiny|huge|u)?int(eger)?\d*\b", name):
        return "integer"
    if re.match(r"(double|real|float|numeric|decimal)", name):
        return "float"
    if "timestamp" in name or "datetime" in name:
        return "timestamp"
    if name == "date":
        return "date"
    if re.match(r"(text|char|varchar|character|string|clob)", name):
        return "text"
    return name


def _existing_columns(sa: Any, conn: Any, schema: str | None, name: str) -> dict[str, str] | None:
    """Column -> type family of an existing table, or None when there is no such table.

    Read from the catalogue directly: SQLAlchemy's reflection is not available for DuckDB.
    """
    if conn.dialect.name == "sqlite":
        quoted = conn.dialect.identifier_preparer.quote(name)
        found = conn.exec_driver_sql(f"PRAGMA table_info({quoted})").all()
        columns = {row[1]: row[2] for row in found}
    else:
        where_schema = "table_schema = :schema" if schema else "table_schema = current_schema()"
        found = conn.execute(
            sa.text(
                "SELECT column_name, data_type FROM information_schema.columns "
                f"WHERE table_name = :name AND {where_schema}"
            ),
            {"name": name, **({"schema": schema} if schema else {})},
        ).all()
        columns = dict(found)
    return {column: _kind_of_type(kind) for column, kind in columns.items()} or None


def _ensure_tables(
    sa: Any, conn: Any, target: DatabaseTarget, kinds: dict[str, str], lock_timeout: float
) -> tuple[Any, Any, Any]:
    """Create the three tables when absent, add the columns a run brings; return them."""
    _lock(sa, conn, target, 0, lock_timeout)
    metadata = sa.MetaData(schema=target.schema)
    scores = sa.Table(
        target.table,
        metadata,
        sa.Column(CUSTOMER_ID, _sa_type(sa, kinds[CUSTOMER_ID]), primary_key=True),
        sa.Column("as_of", sa.Date(), primary_key=True),
        *(
            sa.Column(name, _sa_type(sa, kind))
            for name, kind in kinds.items()
            if name not in (CUSTOMER_ID, "as_of")
        ),
    )
    sa.Index(f"{target.table}_as_of", scores.c.as_of)
    segments = sa.Table(
        f"{target.table}_segments",
        metadata,
        sa.Column("as_of", sa.Date(), primary_key=True),
        sa.Column("dimension", sa.Text(), primary_key=True),
        sa.Column("segment", sa.Text(), primary_key=True),
        *(sa.Column(name, _sa_type(sa, kind)) for name, kind in _SEGMENT_MEASURES.items()),
    )
    runs = sa.Table(
        f"{target.table}_runs",
        metadata,
        sa.Column("as_of", sa.Date(), primary_key=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n_customers", sa.BigInteger(), nullable=False),
        sa.Column("n_segment_rows", sa.BigInteger(), nullable=False),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.Column("config_hash", sa.Text()),
        sa.Column("library_versions", sa.Text(), nullable=False),
        sa.Column("timings", sa.Text(), nullable=False),
    )
    for table in (scores, segments, runs):
        present = _existing_columns(sa, conn, target.schema, table.name)
        if present is None:
            table.create(conn)
            logger.info("created table %s", table.name)
        elif table is scores:
            _add_columns(conn, scores, kinds, present)
    return scores, segments, runs


def _add_columns(conn: Any, scores: Any, kinds: dict[str, str], present: dict[str, str]) -> None:
    conflicts = []
    for column in scores.columns:
        kind = kinds[column.name]
        if column.name not in present:
            if column.primary_key:
                conflicts.append(f"{column.name!r} (the table has no such key column)")
                continue
            preparer = conn.dialect.identifier_preparer
            conn.exec_driver_sql(
                f"ALTER TABLE {preparer.format_table(scores)} ADD COLUMN "
                f"{preparer.quote(column.name)} {column.type.compile(dialect=conn.dialect)}"
            )
            logger.info("added column %s to %s", column.name, scores.name)
        elif present[column.name] != kind.removesuffix("tz") and not (
            present[column.name] == "float" and kind == "integer"
        ):
            conflicts.append(f"{column.name!r} ({kind}; the table has {present[column.name]})")
    if conflicts:
        raise DataValidationError(
            f"table {scores.name!r} exists with other column types: {', '.join(conflicts)}; "
            "write to a new table (table=...) or migrate the existing one"
        )


def _lock(sa: Any, conn: Any, target: DatabaseTarget, key: int, lock_timeout: float) -> None:
    """PostgreSQL: a transaction-level advisory lock on (table, key); 0 guards the schema."""
    if target.dialect != "postgresql":
        return
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, int(lock_timeout * 1000))}")
    table_key = zlib.crc32(f"crm_analytics:{target.qualified_table}".encode())
    # pg_advisory_xact_lock takes two signed 32-bit keys.
    conn.execute(
        sa.text("SELECT pg_advisory_xact_lock(:table_key, :key)"),
        {"table_key": table_key - (1 << 32) if table_key >= 1 << 31 else table_key, "key": key},
    )


# --- connections and errors --------------------------------------------------------------


def _engine(sa: Any, target: DatabaseTarget, lock_timeout: float) -> Any:
    connect_args: dict[str, Any] = {}
    if target.dialect == "postgresql" and "application_name" not in target.url.query:
        connect_args["application_name"] = "crm_analytics"
    if target.dialect == "sqlite":
        connect_args["timeout"] = lock_timeout
    try:
        engine = sa.create_engine(target.url, poolclass=sa.pool.NullPool, connect_args=connect_args)
    except ImportError as error:
        raise DataValidationError(
            f"writing to {target.display} needs a database driver that is not installed "
            f"({error}); pip install 'crm-analytics[sql]' (psycopg for PostgreSQL, "
            "duckdb-engine for DuckDB)"
        ) from None
    if target.dialect == "sqlite":
        # pysqlite begins transactions lazily and commits DDL on its own: take the database
        # lock at BEGIN so that a run's DDL and rows commit together and writers take turns.
        @sa.event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection: Any, _: Any) -> None:
            dbapi_connection.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextmanager
def _connection(engine: Any, target: DatabaseTarget, lock_timeout: float) -> Iterator[Any]:
    """A connection; for DuckDB, wait while another process holds the file's write lock."""
    deadline = time.monotonic() + lock_timeout
    while True:
        try:
            conn = engine.connect()
            break
        except Exception as error:
            locked = target.dialect == "duckdb" and "lock" in str(error).lower()
            if not locked or time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    with conn:
        yield conn


@contextmanager
def _translated_errors(
    sa: Any, target: DatabaseTarget, engine: Any, *, reading: bool = False
) -> Iterator[None]:
    """Database errors as one masked sentence: never the password, never a driver traceback.

    Both SQLAlchemy's errors and the driver's own (raised by ``COPY`` on the raw connection).
    """
    driver_error = getattr(engine.dialect.dbapi, "Error", sa.exc.SQLAlchemyError)
    action = "read scores from" if reading else "write scores to"
    try:
        yield
    except (sa.exc.SQLAlchemyError, driver_error) as error:
        cause = mask_credentials(str(getattr(error, "orig", None) or error)).strip()
        connecting = (sa.exc.OperationalError, sa.exc.InterfaceError)
        if isinstance(error, connecting):
            raise DataValidationError(
                f"cannot {action} {target.display}: {cause}; check that the server is "
                "running and reachable, the database exists and the user may use it "
                "(password from the URL, password_env, PGPASSWORD or ~/.pgpass)"
            ) from None
        outcome = "" if reading else ", nothing was written"
        raise DataValidationError(
            f"could not {action} {target.display}{outcome}: {cause}"
        ) from None


# --- loading -----------------------------------------------------------------------------


def _bulk_insert(
    sa: Any, conn: Any, table: Any, frame: pd.DataFrame, kinds: Mapping[str, str]
) -> None:
    """All rows of ``frame`` into ``table`` in the current transaction, the dialect's fast way."""
    columns = list(frame.columns)
    if conn.dialect.name == "duckdb":
        typed = pd.DataFrame({name: _typed(frame[name], kinds[name]) for name in columns})
        raw = conn.connection.driver_connection
        raw.register(_FRAME_VIEW, typed)
        try:
            preparer = conn.dialect.identifier_preparer
            names = ", ".join(preparer.quote(name) for name in columns)
            conn.exec_driver_sql(
                f"INSERT INTO {preparer.format_table(table)} ({names}) "
                f"SELECT {names} FROM {_FRAME_VIEW}"
            )
        finally:
            raw.unregister(_FRAME_VIEW)
        return
    arrays = [_python_values(frame[name], kinds[name]) for name in columns]
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        preparer = conn.dialect.identifier_preparer
        statement = (
            f"COPY {preparer.format_table(table)} "
            f"({', '.join(preparer.quote(name) for name in columns)}) FROM STDIN (FORMAT BINARY)"
        )
        # The binary format skips printing and parsing numbers and times: 3 times faster.
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types([_POSTGRES_TYPES[kinds[name]] for name in columns])
            for row in zip(*arrays, strict=True):
                copy.write_row(row)
        return
    insert = table.insert()
    for start in range(0, len(frame), _INSERT_BATCH):
        batch = [array[start : start + _INSERT_BATCH] for array in arrays]
        conn.execute(
            insert, [dict(zip(columns, row, strict=True)) for row in zip(*batch, strict=True)]
        )


def _typed(series: pd.Series, kind: str) -> pd.Series:
    """The column in a pandas type whose missing values a database reads as NULL."""
    if kind in ("text", "date"):
        return pd.Series(_python_values(series, kind), index=series.index, dtype=object)
    if kind in ("timestamp", "timestamptz"):
        return pd.to_datetime(series)
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(series.dtype.categories.dtype)
    return series.astype(_NULLABLE[kind])


def _python_values(series: pd.Series, kind: str) -> np.ndarray:
    """Plain Python values (int, float, str, datetime...) with None for missing ones."""
    missing = series.isna().to_numpy()
    if kind in ("timestamp", "timestamptz"):
        values = pd.DatetimeIndex(pd.to_datetime(series)).to_pydatetime().astype(object)
    elif kind in _NULLABLE:
        values = _typed(series, kind).astype(object).to_numpy(copy=True)
    else:
        values = series.astype(object).to_numpy(copy=True)
        if kind == "text" and pd.api.types.infer_dtype(values, skipna=True) not in _ALL_TEXT:
            present = ~missing
            values[present] = [str(value) for value in values[present]]
    values[missing] = None
    return values
