"""Checks and conversions for the inputs of the churn modules.

A transaction log is taken as a :class:`crm_analytics.log.TransactionLog` (a frame is checked
into one once, by :func:`transaction_log`), so labels and features at any cutoff are
aggregations that run in its engine and only per-customer results reach pandas. Dates and
durations are read by :mod:`crm_analytics._dates`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_analytics._checks import examples, require_datetime, require_frame
from crm_analytics.exceptions import DataValidationError
from crm_analytics.log import TransactionLog, as_log
from crm_analytics.schema import AMOUNT, CANCEL_DATE, CHURNED, CUSTOMER_ID, SIGNUP_DATE


def transaction_log(transactions: Any) -> TransactionLog:
    """``transactions`` as a checked log with amounts (a log is taken as it is)."""
    log = as_log(transactions)
    if not log.has_amount:
        raise DataValidationError(
            f"transactions: column {AMOUNT!r} not found; columns present: "
            f"{', '.join(log.columns)}; load the log with "
            "crm_analytics.io.read_transactions(..., customer_id=..., date=..., amount=...)"
        )
    return log


def check_customers(customers: object) -> pd.DataFrame:
    """Check a customer table and return it with ``customer_id`` as its (unique) index."""
    customers = require_frame(customers, name="customers")
    if CUSTOMER_ID in customers.columns:
        customers = customers.set_index(CUSTOMER_ID)
    elif customers.index.name != CUSTOMER_ID:
        raise DataValidationError(
            "customers: no 'customer_id' column or index; columns present: "
            f"{', '.join(map(str, customers.columns))}; load the table with "
            "crm_analytics.io.read_customers(..., customer_id=...)"
        )
    duplicated = customers.index.duplicated()
    if duplicated.any():
        raise DataValidationError(
            f"customers: {int(duplicated.sum())} duplicated customer_id value(s) (e.g. "
            f"{examples(customers.index[duplicated])}); keep one row per customer"
        )
    for column in (SIGNUP_DATE, CANCEL_DATE):
        if column in customers.columns:
            require_datetime(customers, column, name="customers")
    return customers


def churn_flag(customers: pd.DataFrame) -> pd.Series:
    """The customer table's ``churned`` column as 0/1 integers, checked."""
    flag = customers[CHURNED]
    missing = flag.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"customers: column 'churned' has {int(missing.sum())} missing value(s) (customers "
            f"{examples(customers.index[missing])}); fill or drop them before labelling"
        )
    if pd.api.types.is_bool_dtype(flag):
        return flag.astype(np.int8)
    if pd.api.types.is_numeric_dtype(flag):
        bad = ~flag.isin([0, 1]).to_numpy()
        if not bad.any():
            return flag.astype(np.int8)
    else:
        bad = np.ones(len(flag), dtype=bool)
    raise DataValidationError(
        f"customers: column 'churned' must hold booleans or 0/1; {int(bad.sum())} value(s) do not "
        f"(e.g. {examples(flag[bad].unique())}); map them to True/False first, or load the table "
        "with crm_analytics.io.read_customers(..., churned=...)"
    )
