"""Input checks specific to the segmentation modules, on top of :mod:`crm_analytics._checks`.

Each check raises :class:`~crm_analytics.exceptions.DataValidationError` with a message
that names the column, how many customers are affected, a few examples and what to do.
"""

from __future__ import annotations

import difflib
import numbers
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
    unique_ids(frame.index, name=name)
    return frame


def unique_ids(index: pd.Index, *, name: str) -> None:
    """Check that no customer id repeats in ``index`` (one row or value per customer).

    Examples
    --------
    >>> unique_ids(pd.Index(["a", "b", "a"]), name="values")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: values: 1 customer id(s) appear more than once (e.g. 'a'); ...
    """
    duplicated = index.duplicated()
    if duplicated.any():
        raise DataValidationError(
            f"{name}: {int(duplicated.sum())} customer id(s) appear more than once "
            f"(e.g. {_examples(index, duplicated)}); pass one row or value per customer, "
            "e.g. aggregate with .groupby(level=0).sum() or use "
            "crm_analytics.summary.rfm_summary"
        )


def same_id_type(ids: pd.Index, reference: pd.Index, *, name: str, reference_name: str) -> None:
    """Check that two sets of customer ids are of the same kind (numbers or text).

    Integer ids never match string ids, so a mismatch would silently treat every
    customer of one table as absent from the other.

    Examples
    --------
    >>> same_id_type(pd.Index([1, 2]), pd.Index(["1", "2"]), name="customers",
    ...              reference_name="summary")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: customers ids are numbers but summary ids are text; ...
    """
    kinds = [_id_kind(ids), _id_kind(reference)]
    if None not in kinds and kinds[0] != kinds[1]:
        raise DataValidationError(
            f"{name} ids are {kinds[0]} but {reference_name} ids are {kinds[1]}; no "
            f"{name} id can match a {reference_name} id: convert both to one type first, "
            "e.g. customers['customer_id'].astype(str)"
        )


def _id_kind(ids: pd.Index) -> str | None:
    if ids.empty:
        return None
    if pd.api.types.is_numeric_dtype(ids) and not pd.api.types.is_bool_dtype(ids):
        return "numbers"
    inferred = pd.api.types.infer_dtype(ids, skipna=True)
    return {"string": "text", "integer": "numbers", "floating": "numbers"}.get(inferred, inferred)


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
    unique_ids(values.index, name=name)
    frame = values.rename(name).to_frame()
    converted = numeric_values(frame, name, name=name, allow_negative=allow_negative)
    return pd.Series(converted, index=values.index, name=values.name)


def aligned_values(
    values: object,
    index: pd.Index,
    *,
    name: str,
    of: str,
    fix: str,
    allow_negative: bool = False,
) -> pd.Series:
    """:func:`value_series` of ``values`` in the order of ``index``, every customer present.

    Examples
    --------
    >>> aligned_values(pd.Series({"a": 1.0}), pd.Index(["a", "b"]), name="cost", of="value",
    ...                fix="give a cost for every customer")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: cost lacks 1 customer(s) of value (e.g. ['b']); give a cost for every customer
    """
    checked = value_series(values, name=name, allow_negative=allow_negative).reindex(index)
    lacking = checked.isna().to_numpy()
    if lacking.any():
        raise DataValidationError(
            f"{name} lacks {int(lacking.sum())} customer(s) of {of} (e.g. "
            f"{index[lacking][:3].tolist()}); {fix}"
        )
    return checked


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


def is_real(value: object) -> bool:
    """Whether ``value`` is a real number (Python or NumPy), not a bool or text.

    Examples
    --------
    >>> is_real(2.5), is_real("2.5"), is_real(True)
    (True, False, False)
    """
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def finite_number(value: object, *, name: str, example: str) -> float:
    """Check that an argument is a finite real number (not text, not NaN) and return it.

    Examples
    --------
    >>> finite_number(float("nan"), name="low_threshold", example="low_threshold=0")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: low_threshold must be a finite number, got nan; e.g. low_threshold=0
    """
    if not is_real(value) or not np.isfinite(float(value)):
        raise DataValidationError(f"{name} must be a finite number, got {value!r}; e.g. {example}")
    return float(value)


def fraction(value: object, *, name: str, example: str) -> float:
    """Check that an argument is a number strictly between 0 and 1 and return it.

    Examples
    --------
    >>> fraction(80, name="high_quantile", example="high_quantile=0.8")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: high_quantile must be a fraction in (0, 1), got 80; e.g. high_quantile=0.8
    """
    number = finite_number(value, name=name, example=example)
    if not 0 < number < 1:
        raise DataValidationError(
            f"{name} must be a fraction in (0, 1), got {value!r}; e.g. {example}"
        )
    return number
