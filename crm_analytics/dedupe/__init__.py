"""Duplicate customer records: find them, merge them, and carry the merge into the logs.

>>> from crm_analytics.dedupe import find_duplicate_customers, merge_customers
"""

from __future__ import annotations

from crm_analytics.dedupe.candidates import find_duplicate_customers
from crm_analytics.dedupe.merge import apply_customer_mapping, merge_customers
from crm_analytics.dedupe.normalise import (
    normalise_address,
    normalise_email,
    normalise_name,
    normalise_phone,
    normalise_postcode,
)

__all__ = [
    "apply_customer_mapping",
    "find_duplicate_customers",
    "merge_customers",
    "normalise_address",
    "normalise_email",
    "normalise_name",
    "normalise_phone",
    "normalise_postcode",
]
