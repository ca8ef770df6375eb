"""Input checks shared by CLV evaluation and valuation: clear errors before any arithmetic."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_analytics.exceptions import DataValidationError, NotFittedError

_MAX_EXAMPLES = 3


def check_fitted(model: object, *, role: str = "model") -> None:
    """Raise `NotFittedError` unless ``model`` carries fitted ``params_``.

    Examples
    --------
    >>> class Unfitted:
    ...     pass
    >>> check_fitted(Unfitted(), role="transaction_model")
    Traceback (most recent call last):
    ...
    sklearn.exceptions.NotFittedError: transaction_model Unfitted is not fitted yet; call its fit(...) first
    """
    if getattr(model, "params_", None) is None:
        raise NotFittedError(
            f"{role} {type(model).__name__} is not fitted yet; call its fit(...) first"
        )


def require_columns(
    frame: object, columns: Sequence[str], *, name: str, remedy: str
) -> pd.DataFrame:
    """Check ``frame`` is a non-empty DataFrame whose ``columns`` are finite, non-negative numbers.

    Parameters
    ----------
    frame : object
        What the caller passed.
    columns : sequence of str
        Columns that must be present, numeric, finite and non-negative.
    name : str
        How the error message calls the frame (the argument name).
    remedy : str
        The sentence telling the user how to build a valid frame.

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"x": [1.0, np.nan]}), ["x"], name="summary", remedy="")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: column 'x' of summary has 1 row(s) with NaN or infinite values (e.g. index 1); ...
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(
            f"{name} must be a pandas DataFrame, got {type(frame).__name__}; {remedy}"
        )
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        present = ", ".join(map(str, frame.columns[:12]))
        raise DataValidationError(
            f"{name} lacks column(s) {', '.join(map(repr, missing))}; "
            f"columns present: {present}; {remedy}"
        )
    if frame.empty:
        raise DataValidationError(f"{name} has no rows; {remedy}")
    for column in columns:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise DataValidationError(
                f"column {column!r} of {name} must be numeric, got dtype {values.dtype}; {remedy}"
            )
        array = values.to_numpy(dtype=np.float64, na_value=np.nan)
        for problem, bad in (
            ("NaN or infinite values", ~np.isfinite(array)),
            ("negative values", array < 0),
        ):
            if bad.any():
                examples = ", ".join(map(str, frame.index[bad][:_MAX_EXAMPLES]))
                raise DataValidationError(
                    f"column {column!r} of {name} has {int(bad.sum())} row(s) with {problem} "
                    f"(e.g. index {examples}); drop or repair those customers first. {remedy}"
                )
    return frame
