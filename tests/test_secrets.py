"""Credentials masked in any text: URLs, connection strings, driver messages."""

from __future__ import annotations

import pytest

from crm_analytics._secrets import mask_credentials


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("postgresql://ana:pw@db/crm", "postgresql://ana:***@db/crm"),
        (
            "postgresql+psycopg://ana:p%40ss:w@db:5433/crm?table=t",
            "postgresql+psycopg://ana:***@db:5433/crm?table=t",
        ),
        # An unencoded "@" in the password: everything up to the host's "@" is hidden.
        ("mysql://ana:p@ss@db/crm", "mysql://ana:***@db/crm"),
        (
            "cannot open 'postgresql://ana:pw@db/crm': refused",
            "cannot open 'postgresql://ana:***@db/crm': refused",
        ),
        ("host=db port=5432 password=pw user=ana", "host=db port=5432 password=*** user=ana"),
        (
            "dbname=crm PASSWORD = 'a b c' sslmode=require",
            "dbname=crm PASSWORD = *** sslmode=require",
        ),
        (
            "postgresql://ana@db/crm?sslmode=require&password=pw",
            "postgresql://ana@db/crm?sslmode=require&password=***",
        ),
        ("token=abc123, api_key=xyz", "token=***, api_key=***"),
        # Nothing secret: unchanged.
        ("sqlite:////srv/crm/scores.db", "sqlite:////srv/crm/scores.db"),
        ("postgresql://ana@db:5432/crm", "postgresql://ana@db:5432/crm"),
        ("wrote 12 rows to customer_scores", "wrote 12 rows to customer_scores"),
    ],
)
def test_mask_credentials(text, masked):
    assert mask_credentials(text) == masked


def test_masking_is_idempotent():
    once = mask_credentials("postgresql://ana:pw@db/crm password=x")
    assert mask_credentials(once) == once
