"""What the run outputs need to know about a scored table's columns: type families, attributes."""

from __future__ import annotations

import re

import pandas as pd

from crm_analytics.scoring.score import SCORE_COLUMNS

_REASON = re.compile(r"reason_\d+")
_SCORE_NAMES = frozenset(name for names in SCORE_COLUMNS.values() for name in names)


def column_kind(series: pd.Series) -> str:
    """The column's type family: boolean, integer, float, timestamp(tz), date or text.

    Examples
    --------
    >>> [column_kind(pd.Series(values)) for values in ([1, 2], [0.5, None], ["a", None])]
    ['integer', 'float', 'text']
    >>> column_kind(pd.Series(pd.to_datetime(["2025-01-31"]))), column_kind(pd.Series([True]))
    ('timestamp', 'boolean')
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        inferred = pd.api.types.infer_dtype(dtype.categories, skipna=True)
        return "integer" if inferred == "integer" else "text"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "timestamptz"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "timestamp"
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    return {
        "integer": "integer",
        "floating": "float",
        "mixed-integer-float": "float",
        "boolean": "boolean",
        "datetime64": "timestamp",
        "date": "date",
    }.get(inferred, "text")


def attribute_columns(scored: pd.DataFrame) -> list[str]:
    """The customer attributes of a scored table: the columns no model gives (region, ...).

    Examples
    --------
    >>> attribute_columns(pd.DataFrame(columns=["region", "n_orders", "reason_1", "p_alive"]))
    ['region']
    """
    return [
        name
        for name in scored.columns
        if name not in _SCORE_NAMES and not _REASON.fullmatch(str(name))
    ]


def reason_columns(scored: pd.DataFrame) -> list[str]:
    """``reason_1``, ``reason_2``, ... in order.

    Examples
    --------
    >>> reason_columns(pd.DataFrame(columns=["reason_2", "region", "reason_1"]))
    ['reason_1', 'reason_2']
    """
    found = [name for name in scored.columns if _REASON.fullmatch(str(name))]
    return sorted(found, key=lambda name: int(str(name).partition("_")[2]))
