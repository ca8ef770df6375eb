"""Duplicate customer records: find them and merge them.

The merge is carried into a transaction log by ``read_transactions(..., customer_mapping=...)``
or :func:`crm_analytics.io.apply_customer_mapping`.

>>> from crm_analytics.dedupe import find_duplicate_customers, merge_customers
"""

from __future__ import annotations

from crm_analytics.dedupe.candidates import find_duplicate_customers
from crm_analytics.dedupe.merge import merge_customers
from crm_analytics.dedupe.normalise import (
    normalise_address,
    normalise_email,
    normalise_name,
    normalise_phone,
    normalise_postcode,
)

__all__ = [
    "find_duplicate_customers",
    "merge_customers",
    "normalise_address",
    "normalise_email",
    "normalise_name",
    "normalise_phone",
    "normalise_postcode",
]
