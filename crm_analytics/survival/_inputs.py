"""Argument checks shared by the survival modules: whole periods, margins, groups."""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Iterator, Sequence

import numpy as np
import pandas as pd

from crm_analytics._checks import examples
from crm_analytics.exceptions import DataValidationError

ALL = "all"


def whole_periods(values: Sequence[int], name: str, *, minimum: int = 0) -> np.ndarray:
    array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if (
        array.size == 0
        or not np.all(np.isfinite(array))
        or np.any(array != np.round(array))
        or np.any(array < minimum)
    ):
        raise DataValidationError(
            f"{name} must be whole numbers of periods >= {minimum}, got {values!r}"
        )
    return array.astype(np.int64)


def margin_column(frame: pd.DataFrame, margin: object) -> pd.Series:
    if isinstance(margin, str):
        if margin not in frame.columns:
            raise DataValidationError(
                f"margin={margin!r} is not a column of the table; pass a number or one of "
                f"{', '.join(map(str, frame.columns))}"
            )
        values = pd.to_numeric(frame[margin], errors="coerce")
    elif isinstance(margin, numbers.Real) and not isinstance(margin, bool):
        values = pd.Series(float(margin), index=frame.index)
    else:
        raise DataValidationError(
            f"margin must be a number per period or a column name, got {margin!r}"
        )
    bad = (values.isna() | (values < 0)).to_numpy()
    if bad.any():
        raise DataValidationError(
            f"margin {margin!r} is missing, not a number or negative for {int(bad.sum())} "
            f"customer(s) ({examples(frame.index[bad])}); fill or repair those values"
        )
    return values.astype(np.float64)


def groups(frame: pd.DataFrame, by: str | None) -> Iterator[tuple[Hashable, pd.DataFrame]]:
    """The rows of each value of column ``by`` (sorted), or all rows as group "all"."""
    if by is None:
        yield ALL, frame
        return
    labels = group_labels(frame, by)
    for name in sorted(labels.unique(), key=str):
        yield name, frame[(labels == name).to_numpy()]


def group_labels(frame: pd.DataFrame, by: str) -> pd.Series:
    """Column ``by`` of ``frame``, checked present and complete."""
    if by not in frame.columns:
        raise DataValidationError(
            f"{by!r} is not a column of the table; columns present: "
            f"{', '.join(map(str, frame.columns))}"
        )
    labels = frame[by]
    missing = labels.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"column {by!r} has {int(missing.sum())} missing value(s) (customers "
            f"{examples(frame.index[missing])}); fill them (e.g. with 'unknown') to make them a "
            "group of their own, or drop those customers"
        )
    return labels
