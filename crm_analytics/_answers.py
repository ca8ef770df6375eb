"""Checks of survey answers shared by the survey reader and the satisfaction measures: the scale,
the item -> dimension mapping, and answer columns present, numeric and on their scale."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from crm_analytics._checks import examples, require_columns, require_frame
from crm_analytics.exceptions import DataValidationError


def check_scale(scale: object, *, name: str = "scale") -> tuple[float, float]:
    """``scale`` as ``(low, high)`` with ``low < high``, or a clear error.

    Examples
    --------
    >>> check_scale((1, 5))
    (1.0, 5.0)
    """
    try:
        low, high = (float(value) for value in scale)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        low = high = np.nan
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise DataValidationError(
            f"{name}={scale!r} is not a (lowest, highest) pair of answers; pass e.g. "
            f"{name}=(1, 5) for a five-point scale or (1, 7) for a seven-point one"
        )
    return low, high


def dimension_map(items: Sequence[Hashable] | Mapping[Hashable, str], *, name: str) -> dict:
    """Item column -> dimension; a plain list puts every item in one dimension, ``"satisfaction"``.

    Examples
    --------
    >>> dimension_map(["q1", "q2"], name="items")
    {'q1': 'satisfaction', 'q2': 'satisfaction'}
    """
    if isinstance(items, Mapping):
        mapping = dict(items)
    elif isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise DataValidationError(
            f"{name}={items!r} is not a list of answer columns or a mapping; pass e.g. "
            f"{name}=['q1', 'q2'] or {name}={{'q1': 'delivery', 'q2': 'delivery'}}"
        )
    else:
        mapping = dict.fromkeys(items, "satisfaction")
    if not mapping:
        raise DataValidationError(f"{name} is empty; name at least one answer column")
    return mapping


def answers(
    frame: object,
    columns: Iterable[Hashable],
    *,
    name: str,
    scale: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """The answer ``columns`` of ``frame`` as float64 (missing answers NaN), checked.

    Raises a ``DataValidationError`` naming the column, the rows and what to do when a
    column is absent, holds text, or (with ``scale``) holds answers outside the scale.

    Examples
    --------
    >>> answers(pd.DataFrame({"q1": [1, 5, None]}), ["q1"], name="responses",
    ...         scale=(1, 5))["q1"].tolist()
    [1.0, 5.0, nan]
    """
    frame = require_frame(frame, name=name)
    columns = list(columns)
    require_columns(
        frame, columns, name=name, fix="name the answer columns as they are in the table"
    )
    values = {}
    for column in columns:
        raw = frame[column]
        if pd.api.types.is_bool_dtype(raw) or not pd.api.types.is_numeric_dtype(raw):
            numbers = pd.to_numeric(raw, errors="coerce")
            bad = numbers.isna() & raw.notna()
            if bad.any() or pd.api.types.is_bool_dtype(raw):
                raise DataValidationError(
                    f"{name}: column {column!r} holds answers that are not numbers "
                    f"(e.g. {examples(raw[bad].unique()) if bad.any() else 'True/False'}); "
                    "code the answers as numbers on the scale (load the survey with "
                    "crm_analytics.satisfaction.read_survey)"
                )
            raw = numbers
        values[column] = raw.astype("float64")
    result = pd.DataFrame(values, index=frame.index)
    if scale is not None:
        low, high = scale
        outside = (result < low) | (result > high)
        if outside.to_numpy().any():
            column = outside.any().idxmax()
            rows = result.index[outside[column].to_numpy()]
            raise DataValidationError(
                f"{name}: {int(outside.to_numpy().sum()):,} answers lie outside the scale "
                f"{low:g}..{high:g}, e.g. column {column!r} rows {examples(rows)} "
                f"({examples(result.loc[rows, column])}); pass the survey's scale= or fix "
                "the answers"
            )
    return result
