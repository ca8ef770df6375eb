"""Keeping database credentials out of messages, logs and saved files, and out of URLs.

``mask_credentials`` replaces the password of every URL (``scheme://user:password@host``)
and every ``password=...`` setting in a text by ``***``; every message, log line and saved
description that can quote a database URL goes through it. ``resolve_url`` builds a SQL URL
whose password comes from an environment variable or a PostgreSQL password file
(``.pgpass``), so that no password has to be written in a configuration file or a command
line. ``CredentialFilter`` masks the log records of a handler.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import warnings
from pathlib import Path
from typing import Any

from crm_analytics.exceptions import DataValidationError

__all__ = ["MASK", "CredentialFilter", "mask_credentials", "resolve_url"]

MASK = "***"

# The user information of a URL: "//user:password@". The password runs to the last "@" before
# the host (an unescaped "@" in a password is a common mistake, and SQLAlchemy's parser stops
# at the first one, so both readings are masked); it never crosses white space or a quote,
# which end a URL quoted in a message.
_URL_PASSWORD = re.compile(r"(?P<head>//[^\s:/@'\"]*:)(?P<password>[^\s'\"]*)@")
# The same without the "//" of a misspelt URL ("postgresql:/user:password@host"): a token of
# its own, and no "/" in the password, so that the scheme of a URL is not taken for a user.
_BARE_PASSWORD = re.compile(r"(?P<head>(?:^|(?<=[\s'\"/(=]))[^\s:/@'\"]+:)[^\s'\"/]*@")
# Settings that carry a password: libpq keyword strings, ODBC strings, URL query parameters,
# environment assignments and JSON or Python mappings.
_SETTING_PASSWORD = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|pgpassword|secret|api_?key|access_?token)"
    r"(?P<quote>['\"]?)\s*[:=]\s*)"
    r"(?P<value>'[^']*'|\"[^\"]*\"|[^\s&;,)}'\"]+)",
    re.IGNORECASE,
)
_PASSFILE_FIELDS = 5


def mask_credentials(text: str) -> str:
    """``text`` with every password it quotes replaced by ``***``.

    Masks the password of URLs (``postgresql://user:password@host/db``, also when the
    scheme is misspelt or missing) and the value of ``password=``, ``pwd=``, ``passwd=``,
    ``PGPASSWORD=``, ``secret=``, ``api_key=`` and ``access_token=`` settings, whether
    written ``key=value``, ``key: value`` or ``"key": "value"``. User names, hosts and
    database names are kept: they help find the problem and are not secrets.

    Parameters
    ----------
    text : str
        A message, log line or description.

    Returns
    -------
    str
        The text with the passwords masked.

    Examples
    --------
    >>> mask_credentials("cannot open 'postgresq://crm:S3cr3t@db.local:5432/shop'")
    "cannot open 'postgresq://crm:***@db.local:5432/shop'"
    >>> mask_credentials("host=db.local user=crm password=S3cr3t dbname=shop")
    'host=db.local user=crm password=*** dbname=shop'
    >>> mask_credentials('{"user": "crm", "password": "S3cr3t"}')
    '{"user": "crm", "password": "***"}'
    """
    masked = str(text)
    for pattern in (_URL_PASSWORD, _BARE_PASSWORD):
        masked = pattern.sub(lambda match: f"{match['head']}{MASK}@", masked)
    return _SETTING_PASSWORD.sub(_masked_setting, masked)


def _masked_setting(match: re.Match[str]) -> str:
    value = match["value"]
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match['key']}{quote}{MASK}{quote}"


class CredentialFilter(logging.Filter):
    """A logging filter that masks credentials in every record it passes.

    Attach it to a handler (``handler.addFilter(CredentialFilter())``): a filter on a
    handler sees the records of every logger that reaches the handler, whereas a filter on
    a logger sees only the records logged on that very logger.

    Examples
    --------
    >>> record = logging.LogRecord("crm", logging.INFO, __file__, 1, "reading %s",
    ...                            ("postgresql://crm:S3cr3t@db/shop",), None)
    >>> CredentialFilter().filter(record), record.getMessage()
    (True, 'reading postgresql://crm:***@db/shop')
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record's message (arguments merged in) and return True."""
        message = record.getMessage()
        masked = mask_credentials(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def resolve_url(
    url: Any,
    *,
    password_env: str | None = None,
    passfile: str | os.PathLike[str] | None = None,
) -> Any:
    """A SQLAlchemy URL with its password taken from the environment or a password file.

    A scheduled job should not hold the database password in its configuration or on its
    command line (both end up in logs, shell histories and backups). Give the URL without a
    password and say where the password is:

    - ``password_env``: the name of an environment variable holding it;
    - else a password file in PostgreSQL's ``.pgpass`` format
      (``hostname:port:database:username:password``, ``*`` matching anything, the first
      matching line winning): ``passfile``, else for ``postgresql`` URLs the file named by
      ``PGPASSFILE`` or ``~/.pgpass``, as libpq reads them. A file that others can read is
      used with a warning (libpq ignores it).

    A URL that already holds a password is returned as it is (giving a password twice is
    refused). The result is a ``sqlalchemy.engine.URL``, whose text form hides the
    password: pass it to ``read_transactions`` or ``read_customers`` as the source.

    Parameters
    ----------
    url : str or sqlalchemy.engine.URL
        The database URL, e.g. ``"postgresql+psycopg://crm@db.local:5432/shop"``.
    password_env : str, optional
        Name of the environment variable that holds the password.
    passfile : path, optional
        A password file in ``.pgpass`` format, for any kind of database.

    Returns
    -------
    sqlalchemy.engine.URL
        The URL with the password set (or as given when none is found).

    Raises
    ------
    DataValidationError
        When the URL cannot be parsed, the environment variable is unset or empty, the
        password is given twice, or the password file is unreadable. No message quotes a
        password.
    ImportError
        When SQLAlchemy is not installed (``pip install crm-analytics[sql]``).

    Examples
    --------
    >>> os.environ["CRM_DB_PASSWORD"] = "S3cr3t"
    >>> url = resolve_url("postgresql://crm@db.local/shop", password_env="CRM_DB_PASSWORD")
    >>> url.password, str(url)
    ('S3cr3t', 'postgresql://crm:***@db.local/shop')
    """
    try:
        import sqlalchemy as sa
    except ImportError as exc:
        raise ImportError(
            "SQL sources need the optional dependency 'sqlalchemy'; install it with: "
            "pip install crm-analytics[sql]"
        ) from exc
    parsed = _parsed_url(sa, url)
    if password_env is not None:
        if parsed.password is not None:
            raise DataValidationError(
                f"the URL {_shown(parsed)} holds a password and password_env={password_env!r} "
                "names another: give the password one way, preferably the environment variable"
            )
        password = os.environ.get(password_env)
        if not password:
            raise DataValidationError(
                f"password_env={password_env!r}: the environment variable {password_env} is "
                f"{'empty' if password == '' else 'not set'}; set it to the password of "
                f"{_shown(parsed)} in the environment of the job"
            )
        return parsed.set(password=password)
    if parsed.password is not None:
        return parsed
    path = _passfile(parsed, passfile)
    if path is None:
        return parsed
    password = _password_from_file(path, parsed)
    return parsed if password is None else parsed.set(password=password)


def _parsed_url(sa: Any, url: Any) -> Any:
    if isinstance(url, sa.engine.URL):
        return url
    if not isinstance(url, str):
        raise DataValidationError(
            f"a SQL URL must be text or a sqlalchemy URL, got {type(url).__name__}"
        )
    try:
        return sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise DataValidationError(
            f"cannot parse the SQL URL {mask_credentials(url)!r} "
            f"({mask_credentials(str(exc))}); write it as "
            "dialect+driver://user@host:port/database, e.g. "
            "postgresql+psycopg://crm@db.local:5432/shop"
        ) from None


def _shown(url: Any) -> str:
    return repr(url.render_as_string(hide_password=True))


def _passfile(url: Any, passfile: str | os.PathLike[str] | None) -> Path | None:
    """The password file to read: the one given, or libpq's for a PostgreSQL URL."""
    if passfile is not None:
        path = Path(passfile).expanduser()
        if not path.is_file():
            raise DataValidationError(
                f"passfile={str(passfile)!r} is not a file; give the path of a password file "
                "with lines hostname:port:database:username:password"
            )
        return path
    if url.get_backend_name() != "postgresql":
        return None
    named = os.environ.get("PGPASSFILE")
    path = Path(named).expanduser() if named else Path.home() / ".pgpass"
    return path if path.is_file() else None


def _password_from_file(path: Path, url: Any) -> str | None:
    """The password of the first line of a ``.pgpass`` file that matches ``url``."""
    if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.warn(
            f"the password file {str(path)!r} can be read by other users; restrict it with "
            f"'chmod 600 {path}' (libpq ignores such a file)",
            stacklevel=3,
        )
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataValidationError(
            f"cannot read the password file {str(path)!r} ({type(exc).__name__}); check its "
            "permissions and that it is UTF-8 text"
        ) from None
    wanted = (
        url.host or "localhost",
        str(url.port or _default_port(url)),
        url.database or "",
        url.username or "",
    )
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = _passfile_fields(line)
        if len(fields) != _PASSFILE_FIELDS:
            continue
        if all(field in ("*", value) for field, value in zip(fields[:4], wanted, strict=True)):
            return fields[4]
    return None


def _passfile_fields(line: str) -> list[str]:
    r"""The fields of a ``.pgpass`` line: ``:`` separates them, ``\:`` and ``\\`` escape.

    Examples
    --------
    >>> _passfile_fields(r"db.local:5432:*:crm:pa\:ss\\word")
    ['db.local', '5432', '*', 'crm', 'pa:ss\\word']
    """
    fields, current, escaped = [], [], False
    for character in line:
        if escaped:
            current.append(character)
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == ":" and len(fields) < _PASSFILE_FIELDS - 1:
            fields.append("".join(current))
            current = []
        else:
            current.append(character)
    fields.append("".join(current))
    return fields


def _default_port(url: Any) -> int | str:
    return {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "mssql": 1433}.get(
        url.get_backend_name(), "*"
    )
