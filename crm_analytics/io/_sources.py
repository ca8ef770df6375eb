"""Read a tabular source (file, data frame or SQL) into pandas, keeping only the columns asked for.

Every reader first learns which columns the source has, checks the requested ones
against them (so a typo is reported with suggestions before any data is read), and
then reads just those columns.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import difflib
import importlib
import os
import re
import sqlite3
import urllib.parse
import zipfile
from collections.abc import Hashable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from crm_analytics._optional import import_optional
from crm_analytics._secrets import mask_credentials
from crm_analytics.exceptions import DataValidationError

__all__ = ["read_source", "require_columns", "roles_for"]

_SQL_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
# URLs that name a file rather than a database: not downloaded, so refused before they
# are mistaken for SQLAlchemy URLs.
_FILE_URL = re.compile(r"^(?:https?|ftps?|s3a?|gs|gcs|az|abfss?|file)://", re.IGNORECASE)
# Import name of a database driver -> the package that installs it, where they differ.
_DRIVER_PACKAGES = {
    "psycopg": "psycopg[binary]",
    "psycopg2": "psycopg2-binary",
    "MySQLdb": "mysqlclient",
    "pymysql": "PyMySQL",
    "cx_Oracle": "oracledb",
}
_COMPRESSIONS = {".gz", ".bz2", ".zip", ".xz", ".zst"}
_TAB_SUFFIXES = {".tsv", ".tab"}
_DELIMITED_SUFFIXES = {".csv", ".txt"} | _TAB_SUFFIXES
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}
_SNIFF_BYTES = 64 * 1024
_MAX_COLUMNS_LISTED = 30


def read_source(
    source: Any,
    *,
    roles: Mapping[Hashable, str],
    all_columns: bool = False,
    text_columns: Sequence[Hashable] = (),
    sheet_name: str | int | None = None,
    table: str | None = None,
    query: str | None = None,
    delimiter: str | None = None,
    encoding: str = "utf-8",
) -> tuple[pd.DataFrame, str]:
    """Read the columns named in ``roles`` (or all columns) from ``source``.

    Parameters
    ----------
    source : path, SQL URL, DataFrame, polars frame, pyarrow Table or SQLAlchemy connectable
        Where the table lives. URLs of files (``https://``...) are refused.
    roles : mapping
        Source column name -> the argument that named it (e.g. ``"customer_id="``), used in
        error messages.
    all_columns : bool
        Read every column, not only those in ``roles``.
    text_columns : sequence
        Columns that delimited files must read as text: identifiers keep leading zeros,
        and dates reach the date parser as written (the pyarrow CSV parser would turn
        ``"2024-01-02T00:30+02:00"`` into UTC and ignore ``date_format``).
    sheet_name, table, query, delimiter, encoding
        Source-specific options, documented on ``read_transactions``.

    Returns
    -------
    (pandas.DataFrame, str)
        The columns read, in the order of ``roles`` (or of the source), and a description
        of the source for the quality report.
    """
    kind = _source_kind(source)
    _check_options(kind, sheet_name=sheet_name, table=table, query=query, delimiter=delimiter)
    _check_encoding(encoding)
    wanted = None if all_columns else list(roles)
    if kind == "sql":
        return _read_sql(source, roles=roles, wanted=wanted, table=table, query=query)
    if kind == "path":
        return _read_path(
            Path(source),
            roles=roles,
            wanted=wanted,
            text_columns=text_columns,
            sheet_name=sheet_name,
            delimiter=delimiter,
            encoding=encoding,
        )
    if kind == "polars":
        return _read_polars(source, roles=roles, wanted=wanted)
    if kind == "arrow":
        require_columns(roles, source.column_names, every_column=wanted is None)
        frame = source if wanted is None else source.select(wanted)
        return frame.to_pandas(), f"pyarrow Table ({source.num_rows:,} rows)"
    require_columns(roles, list(source.columns), every_column=wanted is None)
    frame = source.copy() if wanted is None else source.loc[:, wanted].copy()
    return frame, f"pandas DataFrame ({len(source):,} rows)"


def roles_for(mapping: Mapping[str, Hashable | None]) -> dict[Hashable, str]:
    """Source column -> the argument(s) naming it, for the columns that were mapped.

    Examples
    --------
    >>> roles_for({"customer_id": "id", "order_id": "id", "product": None})
    {'id': 'customer_id=, order_id='}
    """
    roles: dict[Hashable, str] = {}
    for argument, column in mapping.items():
        if column is not None:
            roles[column] = f"{roles[column]}, {argument}=" if column in roles else f"{argument}="
    return roles


def require_columns(
    roles: Mapping[Hashable, str], present: Sequence[Hashable], *, every_column: bool = False
) -> None:
    """Raise a ``DataValidationError`` naming every requested column missing or repeated.

    ``present`` lists the source's column names as written, repeats included; with
    ``every_column`` (every column is read) a repeated name is refused even when no
    argument asked for it.

    Examples
    --------
    >>> try:
    ...     require_columns({"CustomerID": "customer_id="}, ["InvoiceNo", "Customer ID"])
    ... except DataValidationError as exc:
    ...     print(exc)
    column 'CustomerID' (customer_id=) not found; did you mean 'Customer ID'? columns present: 'InvoiceNo', 'Customer ID'
    """
    present = list(present)
    checked = dict(roles)
    if every_column:
        checked.update({name: "" for name in present if name not in checked})
    problems = []
    for name, role in checked.items():
        count = present.count(name)
        named = f"column {name!r} ({role})" if role else f"column {name!r}"
        if count == 0:
            problems.append(f"{named} not found{_suggestion(name, present)}")
        elif count > 1:
            problems.append(
                f"{named} appears {count} times in the source; "
                "rename the duplicates so each column name is unique"
            )
    if problems:
        text = "; ".join(problems)
        separator = " " if text.endswith("?") else "; "
        raise DataValidationError(f"{text}{separator}columns present: {_listing(present)}")


def _suggestion(name: Hashable, present: list) -> str:
    """'; did you mean ...?' for a missing column, matching case- and punctuation-blind first."""

    def squash(value: Hashable) -> str:
        return re.sub(r"[\W_]+", "", str(value)).lower()

    matches = [column for column in present if squash(column) == squash(name)]
    if not matches:
        by_text = {str(column): column for column in present}
        close = difflib.get_close_matches(str(name), list(by_text), n=3, cutoff=0.6)
        matches = [by_text[text] for text in close]
    if not matches:
        return ""
    return "; did you mean " + " or ".join(repr(match) for match in matches) + "?"


def _listing(columns: list) -> str:
    shown = ", ".join(repr(column) for column in columns[:_MAX_COLUMNS_LISTED])
    if len(columns) > _MAX_COLUMNS_LISTED:
        shown += f", ... ({len(columns) - _MAX_COLUMNS_LISTED} more)"
    return shown or "(none)"


def _source_kind(source: Any) -> str:
    if isinstance(source, pd.DataFrame):
        return "pandas"
    if isinstance(source, str) and _FILE_URL.match(source):
        raise DataValidationError(
            f"cannot read {mask_credentials(repr(source))}: URLs of files are not downloaded; "
            "download the file "
            "and pass its local path (CSV, TSV, Excel or Parquet)"
        )
    if isinstance(source, str) and _SQL_URL.match(source):
        return "sql"
    if isinstance(source, (str, os.PathLike)):
        return "path"
    module = type(source).__module__.split(".")[0]
    if module == "polars":
        return "polars"
    if module == "pyarrow" and hasattr(source, "column_names"):
        return "arrow"
    if module == "sqlalchemy":
        return "sql"
    raise TypeError(
        f"cannot read a {type(source).__name__}: pass a file path (CSV, TSV, Excel, Parquet), "
        "a pandas or polars DataFrame, a polars LazyFrame, a pyarrow Table, a SQLAlchemy URL "
        "string, or a SQLAlchemy Engine/Connection"
    )


def _check_options(kind: str, **options: Any) -> None:
    """Reject options that the kind of source would silently ignore."""
    applicable = {
        "sql": {"table", "query"},
        "path": {"sheet_name", "delimiter"},
    }.get(kind, set())
    for option, value in options.items():
        if value is not None and option not in applicable:
            raise DataValidationError(f"{option}= does not apply to a {kind} source; remove it")
    if kind == "sql" and (options["table"] is None) == (options["query"] is None):
        raise DataValidationError(
            "a SQL source needs exactly one of table= (a table name) or query="
        )


def _check_encoding(encoding: Any) -> None:
    """Refuse an encoding name Python does not know before any file is opened."""
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError) as exc:
        raise DataValidationError(
            f"encoding={encoding!r} is not a text encoding Python knows; pass e.g. "
            "'utf-8', 'utf-8-sig', 'latin-1' or 'cp1252'"
        ) from exc


def _read_path(
    path: Path,
    *,
    roles: Mapping[Hashable, str],
    wanted: list | None,
    text_columns: Sequence[Hashable],
    sheet_name: str | int | None,
    delimiter: str | None,
    encoding: str,
) -> tuple[pd.DataFrame, str]:
    if not path.exists():
        start = "" if path.is_absolute() else f" (relative to the working folder {os.getcwd()!r})"
        raise DataValidationError(
            f"no such file or folder: {mask_credentials(repr(str(path)))}{start}; check the path "
            "and the file name (a SQL URL starts with dialect://, e.g. postgresql://)"
        )
    suffixes = [suffix.lower() for suffix in path.suffixes]
    compression = suffixes[-1] if suffixes and suffixes[-1] in _COMPRESSIONS else None
    suffix = (suffixes[:-1] if compression else suffixes)[-1:] or [""]
    suffix = suffix[0]
    if path.is_dir() or suffix in _PARQUET_SUFFIXES:
        return _read_parquet(path, roles=roles, wanted=wanted), f"Parquet file {str(path)!r}"
    if sheet_name is not None and suffix not in _EXCEL_SUFFIXES:
        raise DataValidationError(f"sheet_name= applies to Excel files only, not {path.name!r}")
    if suffix in _EXCEL_SUFFIXES:
        frame, sheet = _read_excel(path, roles=roles, wanted=wanted, sheet_name=sheet_name)
        return frame, f"Excel file {str(path)!r}, sheet {sheet!r}"
    if suffix in _DELIMITED_SUFFIXES:
        if delimiter is None:
            delimiter = "\t" if suffix in _TAB_SUFFIXES else _sniff(path, compression, encoding)
        frame = _read_delimited(
            path,
            roles=roles,
            wanted=wanted,
            text_columns=text_columns,
            delimiter=delimiter,
            encoding=encoding,
        )
        label = "TSV" if delimiter == "\t" else "CSV"
        return frame, f"{label} file {str(path)!r} (delimiter {delimiter!r})"
    raise DataValidationError(
        f"cannot tell the format of {path.name!r} from its extension; supported: "
        ".csv, .txt, .tsv, .tab (optionally compressed: .gz, .bz2, .zip, .xz, .zst), "
        ".xlsx, .xlsm, .parquet, .pq or a folder of Parquet files"
    )


def _sniff(path: Path, compression: str | None, encoding: str) -> str:
    """Guess the delimiter of a text file from its first lines (comma when unsure)."""
    if compression is not None:
        return ","
    with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(_SNIFF_BYTES)
    lines = sample.splitlines()
    if len(sample) == _SNIFF_BYTES and len(lines) > 1:
        # The last line may be cut mid-field, which would confuse the sniffer.
        lines = lines[:-1]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _read_delimited(
    path: Path,
    *,
    roles: Mapping[Hashable, str],
    wanted: list | None,
    text_columns: Sequence[Hashable],
    delimiter: str,
    encoding: str,
) -> pd.DataFrame:
    options: dict[str, Any] = {"sep": delimiter, "encoding": encoding}
    try:
        header = _as_written(
            list(pd.read_csv(path, nrows=0, **options).columns),
            pd.read_csv(path, header=None, nrows=1, dtype="str", **options).iloc[0].tolist(),
        )
    except UnicodeDecodeError as exc:
        raise _encoding_error(path, encoding) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataValidationError(f"{path.name!r} is empty: it has no header row") from exc
    require_columns(roles, header, every_column=wanted is None)
    options["usecols"] = wanted
    options["dtype"] = {column: "str" for column in text_columns if column in header}
    try:
        # The pyarrow parser is several times faster; it refuses some files that the C parser
        # reads (quoted line breaks, ragged rows), so those fall back.
        frame = pd.read_csv(path, engine="pyarrow", **options)
    except Exception:
        try:
            frame = pd.read_csv(path, engine="c", **options)
        except UnicodeDecodeError as exc:
            raise _encoding_error(path, encoding) from exc
        except pd.errors.ParserError as exc:
            raise DataValidationError(
                f"could not parse {path.name!r} with delimiter {delimiter!r}: {exc}; "
                "pass delimiter= if the guess is wrong"
            ) from exc
    return frame if wanted is None else frame.loc[:, wanted]


def _as_written(named: list, first_row: list) -> list:
    """Column names as the header row spells them, repeats included.

    pandas renames a repeated header (the second ``CustomerID`` becomes ``CustomerID.1``),
    which would hide the repeat; ``first_row`` is the header row read as data. Blank header
    cells keep pandas' ``Unnamed: n`` names.

    Examples
    --------
    >>> _as_written(["id", "id.1", "Unnamed: 2"], ["id", "id", float("nan")])
    ['id', 'id', 'Unnamed: 2']
    """
    if len(first_row) != len(named):
        return named
    return [
        written if isinstance(written, str) else name
        for name, written in zip(named, first_row, strict=True)
    ]


def _encoding_error(path: Path, encoding: str) -> DataValidationError:
    return DataValidationError(
        f"{path.name!r} is not valid {encoding} text; pass the file's encoding, "
        "e.g. encoding='latin-1' or encoding='cp1252' for many spreadsheet exports"
    )


def _read_parquet(
    path: Path, *, roles: Mapping[Hashable, str], wanted: list | None
) -> pd.DataFrame:
    import pyarrow.dataset

    try:
        schema = pyarrow.dataset.dataset(path, format="parquet").schema
    except pyarrow.ArrowInvalid as exc:
        raise DataValidationError(f"{path.name!r} is not a readable Parquet file: {exc}") from exc
    present = [name for name in schema.names if not name.startswith("__index_level_")]
    require_columns(roles, present, every_column=wanted is None)
    return pd.read_parquet(path, columns=present if wanted is None else wanted)


def _read_excel(
    path: Path, *, roles: Mapping[Hashable, str], wanted: list | None, sheet_name: str | int | None
) -> tuple[pd.DataFrame, str | int]:
    import_optional("openpyxl", "excel", "reading Excel files")
    try:
        workbook = pd.ExcelFile(path, engine="openpyxl")
    except (zipfile.BadZipFile, KeyError) as exc:
        # .xlsx files are zip archives of XML parts: a file that is no zip, or lacks the
        # parts, is not a workbook (often an old .xls or a CSV renamed).
        raise DataValidationError(
            f"{str(path)!r} is not a readable Excel workbook ({exc}); open it in a spreadsheet "
            "program and save it as .xlsx, or export it as CSV"
        ) from exc
    with workbook:
        sheets = workbook.sheet_names
        sheet = sheets[0] if sheet_name is None else sheet_name
        if isinstance(sheet, int) and not 0 <= sheet < len(sheets):
            raise DataValidationError(
                f"{path.name!r} has {len(sheets)} sheet(s), so sheet_name={sheet} does not "
                f"exist; sheets: {_listing(sheets)}"
            )
        if isinstance(sheet, str) and sheet not in sheets:
            raise DataValidationError(
                f"sheet {sheet!r} not found in {path.name!r}{_suggestion(sheet, sheets)}; "
                f"sheets: {_listing(sheets)}"
            )
        frame = pd.read_excel(workbook, sheet_name=sheet)
        first_row = pd.read_excel(workbook, sheet_name=sheet, header=None, nrows=1)
    header = _as_written(list(frame.columns), first_row.iloc[0].tolist() if len(first_row) else [])
    require_columns(roles, header, every_column=wanted is None)
    return (frame if wanted is None else frame.loc[:, wanted]), sheet


def _read_polars(
    source: Any, *, roles: Mapping[Hashable, str], wanted: list | None
) -> tuple[pd.DataFrame, str]:
    import polars

    if isinstance(source, polars.LazyFrame):
        require_columns(roles, source.collect_schema().names())
        frame = (source if wanted is None else source.select(wanted)).collect()
        return frame.to_pandas(), "polars LazyFrame"
    require_columns(roles, source.columns)
    frame = source if wanted is None else source.select(wanted)
    return frame.to_pandas(), f"polars DataFrame ({source.height:,} rows)"


def _read_sql(
    source: Any,
    *,
    roles: Mapping[Hashable, str],
    wanted: list | None,
    table: str | None,
    query: str | None,
) -> tuple[pd.DataFrame, str]:
    """Read a table or the result of a query, never writing: see ``_read_only``."""
    sa = import_optional("sqlalchemy", "sql", "reading from a SQL database")
    if isinstance(source, (str, sa.engine.URL)):
        engine = _create_engine(sa, source)
    elif isinstance(source, (sa.engine.Engine, sa.engine.Connection)):
        engine = source.engine if isinstance(source, sa.engine.Connection) else source
    else:
        raise TypeError(
            f"cannot read SQL from a {type(source).__name__}; pass a URL, an Engine or a Connection"
        )
    password = engine.url.password
    where = _scrubbed(engine.url.render_as_string(hide_password=True), password)
    if query is not None:
        _require_read_only_query(query, backend=engine.url.get_backend_name())
    what = f"reading the SQL table {table!r}" if table is not None else "the SQL query"
    try:
        if isinstance(source, sa.engine.Connection):
            with _read_only(sa, source):
                frame = _query_sql(sa, source, roles=roles, wanted=wanted, table=table, query=query)
        else:
            with engine.connect() as connection, _read_only(sa, connection):
                frame = _query_sql(
                    sa, connection, roles=roles, wanted=wanted, table=table, query=query
                )
    except (sa.exc.SQLAlchemyError, pd.errors.DatabaseError) as exc:
        # pandas wraps the driver's error; the driver's own message is the useful part.
        cause = exc.__cause__ if isinstance(exc.__cause__, sa.exc.DBAPIError) else exc
        reason = _scrubbed(str(getattr(cause, "orig", None) or cause).split("\n")[0], password)
        raise DataValidationError(
            f"{what} failed: {reason} (database {where}); check the URL, that the file or "
            "server is a database you can reach, and the SQL"
        ) from None
    finally:
        if isinstance(source, (str, sa.engine.URL)):
            engine.dispose()
    if table is not None:
        return frame, f"SQL table {table!r} at {where}"
    shown = " ".join(query.split())
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return frame, f"SQL query {_scrubbed(shown, password)!r} at {where}"


def _scrubbed(text: str, password: str | None) -> str:
    """``text`` with the URL's own password masked wherever it appears, URL or not."""
    if password:
        for form in dict.fromkeys((password, urllib.parse.quote(password, safe=""))):
            text = text.replace(form, "***")
    return mask_credentials(text)


def _create_engine(sa: Any, source: Any) -> Any:
    """A read-only SQLAlchemy engine for a URL, or an error naming what is wrong with it.

    SQLite and DuckDB database files are opened read-only (and must exist: connecting would
    otherwise create an empty one); DuckDB without access to other files, so a query cannot
    read the machine's files or attach another database. No message repeats the password.
    """
    try:
        url = source if isinstance(source, sa.engine.URL) else sa.engine.make_url(source)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise DataValidationError(
            f"cannot open the SQL URL {mask_credentials(str(source))!r}: "
            f"{mask_credentials(str(exc))}; write it as dialect+driver://user@host:port/"
            "database, e.g. postgresql+psycopg://crm@db.local:5432/shop or "
            "sqlite:///path/to/file.db"
        ) from None
    if url.host and "@" in url.host:
        # SQLAlchemy ends the password at its first "@": the rest became part of the host.
        raise DataValidationError(
            f"the SQL URL {_scrubbed(str(source), url.host.rpartition('@')[0])!r} has an '@' "
            "in its password, which URLs reserve for ending it: write it as %40 (as "
            "urllib.parse.quote_plus does), or take the password from an environment variable "
            "with crm_analytics.io.resolve_url(url, password_env=...)"
        )
    shown = _scrubbed(url.render_as_string(hide_password=True), url.password)
    options: dict[str, Any] = {}
    backend = _backend(url)
    if backend in ("sqlite", "duckdb"):
        database = _database_file(url, shown)
        if database is not None and backend == "sqlite":
            uri = f"{database.resolve().as_uri()}?mode=ro"
            options["creator"] = lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
        elif database is not None:
            options["connect_args"] = {
                "read_only": True,
                "config": {"enable_external_access": False},
            }
    try:
        return sa.create_engine(url, **options)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ValueError) as exc:
        raise DataValidationError(
            f"cannot open the SQL URL {shown!r}: {_scrubbed(str(exc), url.password)}; check "
            "the dialect and driver names (e.g. postgresql+psycopg, mysql+pymysql, sqlite, "
            "duckdb)"
        ) from None
    except ImportError as exc:
        # The dialect is known but its database driver (DBAPI module) is not installed.
        if exc.name is None:
            remedy = "install the database driver that the URL's dialect names"
        else:
            remedy = f"install it with: pip install {_DRIVER_PACKAGES.get(exc.name, exc.name)}"
        raise DataValidationError(
            f"the SQL URL {shown!r} needs a database driver that is not installed "
            f"({_scrubbed(str(exc), url.password)}); {remedy}"
        ) from None


def _backend(url: Any) -> str:
    """The URL's database name (``postgresql``, ``sqlite``...), or its text when unknown."""
    return url.drivername.partition("+")[0]


def _database_file(url: Any, shown: str) -> Path | None:
    """The database file of a SQLite or DuckDB URL; None for an in-memory database or a
    SQLite URI (opened as written). A missing file is refused: connecting would create it."""
    database = url.database
    if not database or database == ":memory:" or url.query.get("uri"):
        return None
    path = Path(database)
    if not path.is_file():
        raise DataValidationError(
            f"no such database file: {database!r} (from {shown}); check the path: "
            f"{_backend(url)}:///relative/path.db is relative to the working folder "
            f"({os.getcwd()!r}), {_backend(url)}:////absolute/path.db is absolute"
        )
    return path


# SQLAlchemy backend -> sqlglot dialect, for reading the query as the database would.
_SQLGLOT_DIALECTS = {
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "duckdb": "duckdb",
    "mssql": "tsql",
    "oracle": "oracle",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "redshift": "redshift",
    "trino": "trino",
    "databricks": "databricks",
    "clickhouse": "clickhouse",
}
# Databases whose transactions can be made read-only with this statement; SQLite gets
# PRAGMA query_only instead.
_READ_ONLY_TRANSACTIONS = {"postgresql", "mysql", "mariadb", "oracle", "redshift"}


def _require_read_only_query(query: str, *, backend: str) -> None:
    """Refuse anything but one SELECT (``WITH ... SELECT``, set operations, ``VALUES``)
    that writes nowhere, as the database's SQL dialect parses it.

    Examples
    --------
    >>> _require_read_only_query("WITH recent AS (SELECT * FROM lines) SELECT * FROM recent",
    ...                          backend="sqlite")
    >>> _require_read_only_query("SELECT 1; DROP TABLE lines", backend="sqlite")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: query= holds 2 statements (SELECT, DROP); ...
    """
    sqlglot = import_optional("sqlglot", "sql", "checking a SQL query")
    expressions = importlib.import_module("sqlglot.expressions")
    dialect = _SQLGLOT_DIALECTS.get(backend)
    advice = (
        "the library only reads: give one SELECT statement (WITH ... SELECT and UNION are "
        "fine), or create a view in the database and pass table='the_view'"
    )
    if not isinstance(query, str):
        raise DataValidationError(f"query= must be SQL text, got {type(query).__name__}")
    try:
        statements = [
            statement for statement in sqlglot.parse(query, read=dialect) if statement is not None
        ]
    except sqlglot.errors.SqlglotError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataValidationError(
            f"query= could not be read as {dialect or 'standard'} SQL ({first}); {advice}"
        ) from None
    if not statements:
        raise DataValidationError(f"query= holds no SQL statement; {advice}")
    if len(statements) > 1:
        kinds = ", ".join(_statement_kind(statement) for statement in statements)
        raise DataValidationError(f"query= holds {len(statements)} statements ({kinds}); {advice}")
    statement = statements[0]
    if not isinstance(statement, (expressions.Query, expressions.Values)):
        raise DataValidationError(
            f"query= is a {_statement_kind(statement)} statement, not a SELECT; {advice}"
        )
    forbidden = tuple(
        getattr(expressions, name) for name in _WRITING_EXPRESSIONS if hasattr(expressions, name)
    )
    for node in statement.walk():
        if isinstance(node, forbidden):
            raise DataValidationError(
                f"query= would change the database: it contains {_statement_kind(node)} "
                f"({' '.join(node.sql(dialect=dialect).split())[:60]!r}); {advice}"
            )


# sqlglot expressions that write, lock or change the session: refused anywhere in a query
# (a PostgreSQL WITH clause may hold an INSERT, UPDATE or DELETE; SELECT ... INTO creates a
# table; FOR UPDATE takes locks).
_WRITING_EXPRESSIONS = (
    "DML",
    "DDL",
    "Into",
    "Lock",
    "Command",
    "Drop",
    "Alter",
    "TruncateTable",
    "Attach",
    "Detach",
    "Pragma",
    "Set",
    "Use",
    "Transaction",
    "Commit",
    "Rollback",
    "Grant",
    "Revoke",
    "LoadData",
    "Install",
    "Export",
)


def _statement_kind(statement: Any) -> str:
    """The SQL keyword of a parsed statement: SELECT, DROP, ATTACH, INTO..."""
    key = getattr(statement, "key", "") or type(statement).__name__
    if key == "command":
        return str(statement.this).upper()
    return {"truncatetable": "TRUNCATE", "lock": "FOR UPDATE / FOR SHARE"}.get(key, key.upper())


@contextlib.contextmanager
def _read_only(sa: Any, connection: Any) -> Iterator[None]:
    """Run the block in a transaction that the database keeps read-only where it can, and
    always roll it back.

    PostgreSQL, MySQL, MariaDB, Oracle and Redshift get ``SET TRANSACTION READ ONLY``,
    SQLite ``PRAGMA query_only`` (restored after); files opened from a URL are read-only
    already (see ``_create_engine``). A connection already inside a transaction of the
    caller's is used as it is: its transaction is the caller's to end.
    """
    if connection.in_transaction():
        yield
        return
    backend = _backend(connection.engine.url)
    transaction = connection.begin()
    restore = None
    try:
        if backend in _READ_ONLY_TRANSACTIONS:
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        elif backend == "sqlite":
            restore = connection.exec_driver_sql("PRAGMA query_only").scalar()
            connection.exec_driver_sql("PRAGMA query_only = ON")
        yield
    finally:
        transaction.rollback()
        if restore is not None and not restore:
            connection.exec_driver_sql("PRAGMA query_only = OFF")
            connection.rollback()


def _query_sql(
    sa: Any,
    connection: Any,
    *,
    roles: Mapping[Hashable, str],
    wanted: list | None,
    table: str | None,
    query: str | None,
) -> pd.DataFrame:
    if table is not None:
        try:
            reflected = sa.Table(table, sa.MetaData(), autoload_with=connection)
        except sa.exc.NoSuchTableError as exc:
            tables = sa.inspect(connection).get_table_names()
            raise DataValidationError(
                f"table {table!r} not found{_suggestion(table, tables)}; tables: {_listing(tables)}"
            ) from exc
        present = [column.name for column in reflected.columns]
        require_columns(roles, present, every_column=wanted is None)
        statement = sa.select(*(reflected.c[name] for name in (wanted or present)))
        return pd.read_sql(statement, connection)
    frame = pd.read_sql(sa.text(query), connection)
    require_columns(roles, list(frame.columns), every_column=wanted is None)
    return frame if wanted is None else frame.loc[:, wanted]
