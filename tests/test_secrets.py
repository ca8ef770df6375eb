"""No message, log line or description repeats a database password; passwords can come from
the environment or a .pgpass file instead of the URL."""

from __future__ import annotations

import logging
import os

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_analytics._secrets import CredentialFilter, mask_credentials, resolve_url
from crm_analytics.exceptions import DataValidationError

sa = pytest.importorskip("sqlalchemy", reason="SQL URLs need the sql extra")

from crm_analytics.io.transactions import read_transactions  # noqa: E402

SECRET = "S3cr3tPw"
MAPPING = {"customer_id": "c", "date": "d", "amount": "a"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        # a misspelt dialect
        (
            f"postgresq://crm:{SECRET}@localhost:5432/shop",
            r"cannot open the SQL URL 'postgresq://crm:\*\*\*@localhost:5432/shop': Can't load "
            r"plugin: sqlalchemy.dialects:postgresq; check the dialect and driver names",
        ),
        # a misspelt driver
        (
            f"postgresql+psycopgg://crm:{SECRET}@localhost/shop",
            r"cannot open the SQL URL 'postgresql\+psycopgg://crm:\*\*\*@localhost/shop'",
        ),
        # a driver that is not installed
        (
            f"mysql+pymysql://crm:{SECRET}@localhost/shop",
            r"the SQL URL 'mysql\+pymysql://crm:\*\*\*@localhost/shop' needs a database driver "
            r"that is not installed \(No module named 'pymysql'\); install it with: pip install "
            r"PyMySQL",
        ),
        # a port that is not a number
        (
            f"postgresql+psycopg://crm:{SECRET}@localhost:fivefour/shop",
            r"cannot open the SQL URL 'postgresql\+psycopg://crm:\*\*\*@localhost:fivefour/shop'",
        ),
        # the "//" of the scheme mistyped: read as a file path
        (
            f"postgresql:/crm:{SECRET}@localhost/shop",
            r"no such file or folder: 'postgresql:/crm:\*\*\*@localhost/shop'",
        ),
        # an unescaped "@" in the password
        (
            f"postgresql+psycopg://crm:{SECRET[:4]}@{SECRET[4:]}@localhost/shop",
            r"the SQL URL 'postgresql\+psycopg://crm:\*\*\*@localhost/shop' has an '@' in its "
            r"password",
        ),
        # a password in the query string, and a server that refuses the connection
        (
            f"postgresql+psycopg://crm@127.0.0.1:1/shop?password={SECRET}",
            r"the SQL query failed: .*Connection refused \(database "
            r"postgresql\+psycopg://crm@127.0.0.1:1/shop\?password=\*\*\*\)",
        ),
    ],
)
def test_no_url_variant_repeats_the_password(url, message, caplog):
    if "psycopg" in url and "psycopgg" not in url:
        pytest.importorskip("psycopg", reason="the PostgreSQL driver psycopg")
    table = None if url.startswith("postgresql:/crm") else "lines"
    query = "SELECT 1" if "?password" in url else None
    if query:
        table = None
    with caplog.at_level(logging.DEBUG), pytest.raises(DataValidationError, match=message) as info:
        read_transactions(url, table=table, query=query, **MAPPING)
    assert SECRET not in str(info.value)
    assert SECRET[:4] not in str(info.value)
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("postgresql://crm:pw@db/shop", "postgresql://crm:***@db/shop"),
        ("'mssql+pyodbc://sa:p@ss@db/x'", "'mssql+pyodbc://sa:***@db/x'"),
        ("postgresql//crm:pw@db", "postgresql//crm:***@db"),
        ("host=db password='two words' user=crm", "host=db password='***' user=crm"),
        ("Driver={ODBC};Server=db;UID=sa;PWD=pw;", "Driver={ODBC};Server=db;UID=sa;PWD=***;"),
        ("PGPASSWORD=pw psql", "PGPASSWORD=*** psql"),
        ("{'password': 'pw'}", "{'password': '***'}"),
        ("sqlite:///C:/data/shop.db", "sqlite:///C:/data/shop.db"),
        ("read 12 rows from 'lines.csv'", "read 12 rows from 'lines.csv'"),
    ],
)
def test_mask_credentials(text, masked):
    assert mask_credentials(text) == masked


@given(
    password=st.text(
        alphabet=st.characters(codec="ascii", categories=["L", "N", "P", "S"]),
        min_size=6,
        max_size=20,
    ).filter(lambda text: not set(text) & set("'\"")),
    user=st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
)
def test_a_url_password_never_survives_masking(password, user):
    for template in ("{scheme}://{user}:{pw}@db.local:5432/shop", "'{scheme}://{user}:{pw}@db'"):
        text = template.format(scheme="postgresql+psycopg", user=user, pw=password)
        masked = mask_credentials(f"cannot open {text}: failed")
        assert password not in masked
        assert f"{user}:***@" in masked


def test_the_credential_filter_masks_log_records():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Keep()
    handler.addFilter(CredentialFilter())
    logger = logging.getLogger("crm_analytics.tests.secrets")
    logger.addHandler(handler)
    try:
        logger.warning("reading %s", f"postgresql://crm:{SECRET}@db/shop")
    finally:
        logger.removeHandler(handler)
    assert records == ["reading postgresql://crm:***@db/shop"]


def test_resolve_url_takes_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("CRM_DB_PASSWORD", SECRET)
    url = resolve_url("postgresql+psycopg://crm@db.local/shop", password_env="CRM_DB_PASSWORD")
    assert url.password == SECRET
    assert SECRET not in str(url) and SECRET not in repr(url)
    monkeypatch.delenv("CRM_DB_PASSWORD")
    with pytest.raises(
        DataValidationError,
        match=r"password_env='CRM_DB_PASSWORD': the environment variable CRM_DB_PASSWORD is not "
        r"set; set it to the password of 'postgresql\+psycopg://crm@db.local/shop'",
    ):
        resolve_url("postgresql+psycopg://crm@db.local/shop", password_env="CRM_DB_PASSWORD")
    monkeypatch.setenv("CRM_DB_PASSWORD", "")
    with pytest.raises(DataValidationError, match="CRM_DB_PASSWORD is empty"):
        resolve_url("postgresql+psycopg://crm@db.local/shop", password_env="CRM_DB_PASSWORD")


def test_resolve_url_refuses_a_password_given_twice(monkeypatch):
    monkeypatch.setenv("CRM_DB_PASSWORD", SECRET)
    with pytest.raises(DataValidationError, match="give the password one way") as info:
        resolve_url(f"postgresql://crm:{SECRET}@db/shop", password_env="CRM_DB_PASSWORD")
    assert SECRET not in str(info.value)


def test_resolve_url_reads_a_pgpass_file(monkeypatch, tmp_path):
    passfile = tmp_path / "pgpass"
    passfile.write_text(
        "# host:port:database:user:password\n"
        "other.host:5432:*:crm:wrong\n"
        "db.local:5432:shop:analyst:also-wrong\n"
        r"db.local:*:shop:crm:pa\:ss\\word" + "\n"
        "*:*:*:*:fallback\n"
    )
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    assert resolve_url("postgresql://crm@db.local/shop").password == "pa:ss\\word"
    assert resolve_url("postgresql://crm@db.local:6543/shop").password == "pa:ss\\word"
    assert resolve_url("postgresql://someone@elsewhere/x").password == "fallback"
    # libpq's file is PostgreSQL's: another database needs the file named explicitly.
    assert resolve_url("mysql+pymysql://crm@db.local/shop").password is None
    mysql = resolve_url("mysql+pymysql://crm@db.local/shop", passfile=passfile)
    assert mysql.password == "pa:ss\\word"


def test_a_pgpass_file_that_others_can_read_is_used_with_a_warning(monkeypatch, tmp_path):
    if os.name != "posix":
        pytest.skip("file modes are POSIX's")
    passfile = tmp_path / "pgpass"
    passfile.write_text("*:*:*:*:pw\n")
    passfile.chmod(0o644)
    with pytest.warns(UserWarning, match=r"can be read by other users; restrict it with 'chmod"):
        url = resolve_url("postgresql://crm@db/shop", passfile=passfile)
    assert url.password == "pw"


def test_resolve_url_reports_unparseable_urls_without_the_password():
    with pytest.raises(DataValidationError, match=r"cannot parse the SQL URL") as info:
        resolve_url(f"postgresql://crm:{SECRET}@db:port/shop")
    assert SECRET not in str(info.value)
    with pytest.raises(DataValidationError, match=r"passfile='/nonexistent/pgpass' is not a file"):
        resolve_url("postgresql://crm@db/shop", passfile="/nonexistent/pgpass")


def test_a_resolved_url_reads_a_database(tmp_path):
    lines = pd.DataFrame({"c": [1], "d": pd.to_datetime(["2024-01-01"]), "a": [2.0]})
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    lines.to_sql("lines", engine, index=False)
    engine.dispose()
    url = resolve_url(f"sqlite:///{tmp_path / 'shop.db'}")
    frame = read_transactions(url, table="lines", **MAPPING)
    assert frame.to_pandas()["amount"].tolist() == [2.0]
