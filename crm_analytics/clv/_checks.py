"""Input checks of the CLV fitters, evaluation and valuation: clear errors before any arithmetic."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from crm_analytics.exceptions import DataValidationError, NotFittedError

_EXAMPLES = 3
SUMMARY_REMEDY = "build the summary with crm_analytics.summary.rfm_summary(transactions)"
_SAME_UNIT = "both must be measured in the same time unit from the first purchase"
#: Columns of a continuous-time history: repeat purchases, time of the last one, age.
TRANSACTION_HISTORY = ("frequency", "recency", "T")


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


def _examples(index: pd.Index | None, bad: np.ndarray) -> str:
    positions = np.flatnonzero(bad)[:_EXAMPLES]
    if index is None:
        return "rows " + ", ".join(map(str, positions))
    name = index.name or "index"
    return f"{name} " + ", ".join(map(str, index[positions]))


def to_float(values: object, name: str, remedy: str = SUMMARY_REMEDY) -> np.ndarray:
    """``values`` (a number, array or Series) as float64, or a clear error naming ``name``."""
    if isinstance(values, pd.Series | pd.Index):
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise DataValidationError(f"{name} must be numeric, got dtype {values.dtype}; {remedy}")
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise DataValidationError(
            f"{name} must be numeric (a number, array or Series); got {type(values).__name__}: "
            f"{error}"
        ) from None


def resolve_inputs(
    values: Sequence[object],
    names: Sequence[str],
    *,
    remedy: str = SUMMARY_REMEDY,
    aligned: Mapping[str, object] | None = None,
) -> tuple[list[np.ndarray], pd.Index | None]:
    """The user's columns as float arrays, and the customer index if they came with one.

    Parameters
    ----------
    values : sequence
        The arguments as passed, in the order of ``names``. The first may be a DataFrame
        holding every column of ``names`` (the ``rfm_summary`` output), the others then None.
    names : sequence of str
        Column names, used to read a DataFrame and in error messages.
    remedy : str, optional
        How to build valid inputs, appended to error messages.
    aligned : mapping of str to object, optional
        Other arguments read row by row with the columns (a horizon, weights), by name: those
        given as pandas objects must carry the same index too (see `shared_index`).

    Returns
    -------
    arrays : list of numpy.ndarray
        One float64 array per name (scalars stay 0-d).
    index : pandas.Index or None
        The DataFrame's or the Series' index.

    Examples
    --------
    >>> frame = pd.DataFrame({"frequency": [1, 0], "recency": [2.0, 0.0]},
    ...                      index=pd.Index(["a", "b"], name="customer_id"))
    >>> arrays, index = resolve_inputs([frame, None], ["frequency", "recency"])
    >>> [a.tolist() for a in arrays], index.tolist()
    ([[1.0, 0.0], [2.0, 0.0]], ['a', 'b'])
    """
    first = values[0]
    if isinstance(first, pd.DataFrame):
        given = [
            name for name, value in zip(names[1:], values[1:], strict=True) if value is not None
        ]
        if given:
            raise DataValidationError(
                f"pass either one summary DataFrame or the columns {', '.join(names)} separately, "
                f"not both (got a DataFrame and {', '.join(given)})"
            )
        require_present(first, names, name="the summary", remedy=remedy)
        index = shared_index({"the summary DataFrame": first, **(aligned or {})})
        return [to_float(first[name], repr(name), remedy) for name in names], index
    missing = [name for name, value in zip(names, values, strict=True) if value is None]
    if missing:
        raise DataValidationError(
            f"{', '.join(missing)} not given; pass {', '.join(names)} (arrays or Series) or the "
            "rfm_summary DataFrame as the first argument"
        )
    index = shared_index({**dict(zip(names, values, strict=True)), **(aligned or {})})
    arrays = [to_float(value, name, remedy) for name, value in zip(names, values, strict=True)]
    return arrays, index


def shared_index(values: Mapping[str, object]) -> pd.Index | None:
    """The index of the pandas objects among ``values``, which must all carry the same one.

    Series become arrays whose rows are then paired by position: Series sorted or labelled
    differently would silently mix customers, so they are refused rather than guessed at.

    Parameters
    ----------
    values : mapping of str to object
        Arguments by name; Series and DataFrames among them are compared, others ignored.

    Returns
    -------
    pandas.Index or None
        The first pandas object's index, or None when there is none.

    Examples
    --------
    >>> frequency = pd.Series([1, 0], index=pd.Index(["a", "b"], name="customer_id"))
    >>> shared_index({"frequency": frequency, "recency": [2.0, 0.0]}).tolist()
    ['a', 'b']
    >>> shared_index({"frequency": frequency, "recency": frequency.sort_values()})
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: the indexes of frequency and recency differ (recency: 2 of 2 rows labelled differently); ...
    """
    indexes = {
        name: value.index
        for name, value in values.items()
        if isinstance(value, pd.Series | pd.DataFrame)
    }
    if not indexes:
        return None
    (first_name, first), *others = indexes.items()
    differing = {name: index for name, index in others if not index.equals(first)}
    if differing:
        counts = "; ".join(
            f"{name}: {int((index != first).sum())} of {len(first)} rows labelled differently"
            if len(index) == len(first)
            else f"{name}: {len(index)} rows against {len(first)}"
            for name, index in differing.items()
        )
        raise DataValidationError(
            f"the indexes of {first_name} and {', '.join(differing)} differ ({counts}); rows are "
            "paired by position, so this would mix customers up: pass the summary DataFrame, or "
            f"Series sharing one index (e.g. reindex them like {first_name})"
        )
    return first


def transaction_checks(names: Sequence[str] = TRANSACTION_HISTORY) -> dict[str, object]:
    """Keyword arguments of `check_histories` for continuous-time histories, fit and predict alike.

    ``names`` are the columns of the frequency, the recency and the age: the frequency counts
    whole purchases, the recency cannot exceed the age and is 0 without a repeat purchase.

    Examples
    --------
    >>> transaction_checks()
    {'integer': ['frequency'], 'ordered': [('recency', 'T')], 'zero_when_no_repeat': 'recency'}
    """
    frequency, recency, age = names
    return {"integer": [frequency], "ordered": [(recency, age)], "zero_when_no_repeat": recency}


def check_summary(
    frame: pd.DataFrame, names: Sequence[str] = TRANSACTION_HISTORY, *, remedy: str
) -> None:
    """Check the continuous-time histories in columns ``names`` of ``frame``, as a fit would.

    Errors name customers by the frame's index, before any collapse into distinct histories
    loses it.

    Examples
    --------
    >>> summary = pd.DataFrame({"frequency": [1, 2], "recency": [3.0, 9.0], "T": [5.0, 8.0]},
    ...                        index=pd.Index(["a", "b"], name="customer_id"))
    >>> check_summary(summary, remedy="fix it")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: 1 row(s) have recency > T (customer_id b); ...
    """
    columns = {name: to_float(frame[name], f"column {name!r}", remedy) for name in names}
    check_histories(columns, frame.index, remedy=remedy, **transaction_checks(names))


def check_histories(
    columns: dict[str, np.ndarray],
    index: pd.Index | None,
    *,
    integer: Sequence[str] = (),
    ordered: Sequence[tuple[str, str] | tuple[str, str, str]] = (),
    zero_when_no_repeat: str | None = "recency",
    remedy: str = SUMMARY_REMEDY,
) -> None:
    """Raise `DataValidationError` unless the histories can be used by a model.

    Checks each column is finite and non-negative, the ``integer`` columns hold whole numbers,
    ``small <= large`` for each pair in ``ordered`` (an optional third item says why, in the
    message), and ``zero_when_no_repeat`` is 0 when the first column (the frequency) is 0.
    Messages name the column, the number of rows and a few customers, and end with ``remedy``.

    Examples
    --------
    >>> check_histories({"frequency": np.array([1.0, 2.0]), "recency": np.array([5.0, 9.0]),
    ...                  "T": np.array([6.0, 8.0])}, None, ordered=[("recency", "T")])
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: 1 row(s) have recency > T (rows 1); ...
    """
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        sizes = ", ".join(f"{name}: {len(values)}" for name, values in columns.items())
        raise DataValidationError(f"the columns have different lengths ({sizes}); align them first")
    if lengths == {0}:
        raise DataValidationError(f"no customers given ({', '.join(columns)} are empty); {remedy}")
    for name, values in columns.items():
        unusable = _unusable_rows(values)
        if unusable is not None:
            problem, bad = unusable
            raise DataValidationError(
                f"column {name!r} has {int(bad.sum())} row(s) with {problem} "
                f"({_examples(index, bad)}); drop or repair those customers first"
            )
    for name in integer:
        values = columns[name]
        bad = values != np.round(values)
        if bad.any():
            raise DataValidationError(
                f"column {name!r} must count whole periods or purchases but has "
                f"{int(bad.sum())} non-integer row(s) ({_examples(index, bad)}); {remedy}"
            )
    for small, large, *why in ordered:
        bad = columns[small] > columns[large]
        if bad.any():
            reason = why[0] if why else _SAME_UNIT
            raise DataValidationError(
                f"{int(bad.sum())} row(s) have {small} > {large} ({_examples(index, bad)}); "
                f"{small} cannot exceed {large}: {reason} ({remedy})"
            )
    if zero_when_no_repeat is not None:
        frequency = next(iter(columns))
        bad = (columns[frequency] == 0) & (columns[zero_when_no_repeat] != 0)
        if bad.any():
            raise DataValidationError(
                f"{int(bad.sum())} row(s) have {frequency} 0 but {zero_when_no_repeat} != 0 "
                f"({_examples(index, bad)}); a customer without repeat purchases has "
                f"{zero_when_no_repeat} 0 ({remedy})"
            )


def check_weights(weights: object, n_rows: int) -> np.ndarray:
    """The weights as a float array of ones when None, after checking them.

    Examples
    --------
    >>> check_weights(None, 2)
    array([1., 1.])
    >>> check_weights([1, -2], 2)
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: weights must be finite and >= 0; ...
    """
    if weights is None:
        return np.ones(n_rows)
    values = to_float(weights, "weights").reshape(-1)
    if len(values) != n_rows:
        raise DataValidationError(
            f"weights has {len(values)} values for {n_rows} customers; give one count per row"
        )
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise DataValidationError(
            f"weights must be finite and >= 0; {int(bad.sum())} are not ({_examples(None, bad)})"
        )
    if values.sum() <= 0:
        raise DataValidationError("weights sum to 0; at least one customer must count")
    return values


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
    require_present(frame, columns, name=name, remedy=remedy)
    if frame.empty:
        raise DataValidationError(f"{name} has no rows; {remedy}")
    for column in columns:
        array = to_float(frame[column], f"column {column!r} of {name}", remedy)
        unusable = _unusable_rows(array)
        if unusable is not None:
            problem, bad = unusable
            examples = ", ".join(map(str, frame.index[bad][:_EXAMPLES]))
            raise DataValidationError(
                f"column {column!r} of {name} has {int(bad.sum())} row(s) with {problem} "
                f"(e.g. index {examples}); drop or repair those customers first. {remedy}"
            )
    return frame


def require_present(frame: pd.DataFrame, columns: Sequence[str], *, name: str, remedy: str) -> None:
    """Raise unless ``frame`` has every one of ``columns``, listing those it has.

    Examples
    --------
    >>> require_present(pd.DataFrame({"x": [1]}), ["T"], name="summary", remedy="add it")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: summary lacks column(s) 'T'; columns present: x; add it
    """
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        present = ", ".join(map(str, frame.columns[:12]))
        raise DataValidationError(
            f"{name} lacks column(s) {', '.join(map(repr, missing))}; "
            f"columns present: {present}; {remedy}"
        )


def _unusable_rows(values: np.ndarray) -> tuple[str, np.ndarray] | None:
    """The first reason some ``values`` are unusable as counts or times, and those rows.

    ``"NaN or infinite values"``, else ``"negative values"``, with the mask of the rows
    concerned; None when every value is usable.
    """
    for problem, bad in (
        ("NaN or infinite values", ~np.isfinite(values)),
        ("negative values", values < 0),
    ):
        if bad.any():
            return problem, bad
    return None
