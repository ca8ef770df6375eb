"""Credentials kept out of messages, logs and saved files: one masking rule for the package."""

from __future__ import annotations

import re

__all__ = ["mask_credentials"]

_MASK = "***"
# The password of a URL's user information: scheme://user:password@host. The password runs
# to the last "@" before the host, since an unencoded "@" or ":" may sit inside it.
_URL_PASSWORD = re.compile(r"""(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/?#@\s]*:)[^\s'"]*@""")
# key=value settings that carry a secret: libpq conninfo strings ("password=x host=y"), URL
# query parameters ("?password=x&port=5432") and options echoed in driver errors.
_KEY_VALUE = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|secret|token|api_key|apikey|access_key|secret_key)"
    r"\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s&;,)]+)",
    re.IGNORECASE,
)


def mask_credentials(text: str) -> str:
    """``text`` with every password of a URL or ``key=value`` setting replaced by ``***``.

    Apply it to anything that may hold a database URL or a driver's error message before it
    reaches a log, an exception, a saved configuration or run metadata.

    Parameters
    ----------
    text : str
        A URL, a libpq connection string, an error message or any text containing them.

    Returns
    -------
    str
        The same text with the secrets masked; user names, hosts, ports and database names
        are kept, since they say where the data went.

    Examples
    --------
    >>> mask_credentials("postgresql://ana:s3cr%40t@db.example/crm?table=scores")
    'postgresql://ana:***@db.example/crm?table=scores'
    >>> mask_credentials("host=/run/postgresql port=5433 password='a b' dbname=crm")
    'host=/run/postgresql port=5433 password=*** dbname=crm'
    >>> mask_credentials("postgresql://ana@db/crm?password=hunter2&port=5433")
    'postgresql://ana@db/crm?password=***&port=5433'
    >>> mask_credentials("sqlite:///scores.db")
    'sqlite:///scores.db'
    """
    masked = _URL_PASSWORD.sub(lambda match: f"{match['head']}{_MASK}@", text)
    return _KEY_VALUE.sub(lambda match: f"{match['key']}{_MASK}", masked)
