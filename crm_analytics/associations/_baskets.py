"""Purchase lines and their sparse order × product and customer × product encodings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from crm_analytics._checks import require_columns, require_frame, require_no_missing
from crm_analytics.exceptions import DataValidationError
from crm_analytics.io._parse import parse_numbers
from crm_analytics.schema import AMOUNT, QUANTITY

_FIX = (
    "load the log with crm_analytics.io.read_transactions(..., {mapping}) so that the "
    "source columns are mapped to the canonical names"
)


def purchase_lines(transactions: pd.DataFrame, columns: list[str], *, name: str) -> pd.DataFrame:
    """The lines of ``transactions`` that are purchases, restricted to ``columns``.

    Returns and cancellations (negative ``quantity`` or ``amount``) are not purchases, so
    they are dropped; duplicated (key, product) lines collapse to one.
    """
    frame = require_frame(transactions, name=name)
    mapping = ", ".join(f"{column}=..." for column in columns)
    require_columns(frame, columns, name=name, fix=_FIX.format(mapping=mapping))
    require_no_missing(frame, columns, name=name)
    purchase = np.ones(len(frame), dtype=bool)
    for column in (QUANTITY, AMOUNT):
        if column in frame.columns:
            purchase &= ~(_numbers(frame, column, name=name) < 0)
    return frame.loc[purchase, columns].drop_duplicates()


def _numbers(frame: pd.DataFrame, column: str, *, name: str) -> np.ndarray:
    """The values of ``column`` as floats (NaN where missing), or an error naming bad ones."""
    raw = frame[column]
    label = f"{name}: column {column!r}"
    parsed = parse_numbers(raw, label=label)
    problem = parsed.problem(raw, label, "numbers", missing_ok=True)
    if problem:
        raise DataValidationError(
            f"{problem}, out of {len(frame)} rows; correct or drop those rows (a negative "
            f"{column} marks a return), or load the log with "
            "crm_analytics.io.read_transactions"
        )
    return parsed.values.to_numpy(dtype=float)


def incidence(rows: pd.Series, columns: pd.Series) -> tuple[sp.csr_matrix, pd.Index, pd.Index]:
    """Boolean sparse matrix with a True at each (row label, column label) pair.

    Returns the matrix and the row and column labels, each sorted, so that results do not
    depend on the order of the lines.
    """
    row_codes, row_labels = pd.factorize(rows, sort=True)
    column_codes, column_labels = pd.factorize(columns, sort=True)
    matrix = sp.csr_matrix(
        (np.ones(len(row_codes), dtype=bool), (row_codes, column_codes)),
        shape=(len(row_labels), len(column_labels)),
    )
    return matrix, pd.Index(row_labels), pd.Index(column_labels)
