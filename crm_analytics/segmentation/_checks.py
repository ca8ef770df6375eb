"""Input checks specific to the segmentation modules, on top of :mod:`crm_analytics._checks`.

Each check raises :class:`~crm_analytics.exceptions.DataValidationError` with a message
that names the column, how many customers are affected, a few examples and what to do.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np
import pandas as pd

from crm_analytics import _checks
from crm_analytics.exceptions import DataValidationError
from crm_analytics.schema import CUSTOMER_ID

_EXAMPLES = 3
SUMMARY_FIX = (
    "build the table with crm_analytics.summary.rfm_summary, or name your own columns "
    "with the *_col arguments"
)


def _examples(index: pd.Index, mask: np.ndarray) -> str:
    return ", ".join(repr(label) for label in index[mask][:_EXAMPLES].tolist())


def customer_frame(data: object, columns: Iterable[str] = (), *, name: str) -> pd.DataFrame:
    """Check ``data`` is a per-customer table holding ``columns`` and return it by customer.

    A ``customer_id`` column, when present, becomes the index; the index must be unique.

    Examples
    --------
    >>> customer_frame(pd.DataFrame({"n_order": [1]}), ["n_orders"], name="summary")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: summary: column 'n_orders' not found; ...
    """
    frame = _checks.require_frame(data, name=name)
    if CUSTOMER_ID in frame.columns and frame.index.name != CUSTOMER_ID:
        frame = frame.set_index(CUSTOMER_ID)
    columns = list(columns)
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        present = [str(column) for column in frame.columns]
        close = difflib.get_close_matches(str(missing[0]), present, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        _checks.require_columns(frame, columns, name=name, fix=hint + SUMMARY_FIX)
    duplicated = frame.index.duplicated()
    if duplicated.any():
        raise DataValidationError(
            f"{name}: {int(duplicated.sum())} customer id(s) appear more than once "
            f"(e.g. {_examples(frame.index, duplicated)}); pass one row per customer, "
            "e.g. the output of crm_analytics.summary.rfm_summary"
        )
    return frame


def numeric_values(
    frame: pd.DataFrame, column: str, *, name: str, allow_negative: bool = False
) -> np.ndarray:
    """Return ``frame[column]`` as float64 after checking it is numeric, finite and signed right.

    Examples
    --------
    >>> summary = pd.DataFrame({"n_orders": [1, -2, 3]}, index=["a", "b", "c"])
    >>> numeric_values(summary, "n_orders", name="summary")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: summary: column 'n_orders' has 1 negative value(s) (customers 'b'); these are usually ...
    """
    series = frame[column]
    if not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)):
        raise DataValidationError(
            f"{name}: column {column!r} has dtype {series.dtype}, not a number; "
            "convert it with pandas.to_numeric or pick another column"
        )
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        raise DataValidationError(
            f"{name}: column {column!r} has {int(bad.sum())} missing or infinite value(s) "
            f"(customers {_examples(frame.index, bad)}); drop or fill those customers first"
        )
    if not allow_negative:
        negative = values < 0
        if negative.any():
            raise DataValidationError(
                f"{name}: column {column!r} has {int(negative.sum())} negative value(s) "
                f"(customers {_examples(frame.index, negative)}); these are usually net "
                "returns or data errors: drop those customers or clip the column at 0 "
                f"(frame.assign({column}=frame[{column!r}].clip(lower=0)))"
            )
    return values


def value_series(values: object, *, name: str, allow_negative: bool = False) -> pd.Series:
    """Check a per-customer value Series (numeric, finite, signed right) and return it as float.

    Examples
    --------
    >>> value_series(pd.Series([1.0, None]), name="values")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: values: column 'values' has 1 missing ...
    """
    if not isinstance(values, pd.Series):
        raise DataValidationError(
            f"{name} must be a pandas Series indexed by customer_id, got "
            f"{type(values).__name__}; e.g. summary['total_amount']"
        )
    if values.empty:
        raise DataValidationError(f"{name} is empty (0 customers); pass at least one customer")
    frame = values.rename(name).to_frame()
    converted = numeric_values(frame, name, name=name, allow_negative=allow_negative)
    return pd.Series(converted, index=values.index, name=values.name)


def require_min_customers(n_customers: int, minimum: int, *, what: str, fix: str) -> None:
    """Check there are enough customers for the bins or clusters asked for.

    Examples
    --------
    >>> require_min_customers(3, 5, what="bins=5", fix="lower bins")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: too few customers for bins=5: got 3, need at least 5; lower bins
    """
    if n_customers < minimum:
        raise DataValidationError(
            f"too few customers for {what}: got {n_customers}, need at least {minimum}; {fix}"
        )
