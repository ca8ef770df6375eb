"""Input checks shared by the customer-knowledge modules (cohorts, associations, dedupe).

Each check raises :class:`~crm_analytics.exceptions.DataValidationError` with a message
that names the column, how many rows are affected, a few examples and what to do.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Iterable

import numpy as np
import pandas as pd

from crm_analytics._params import Rule
from crm_analytics.exceptions import DataValidationError

_EXAMPLES = 3


def require_frame(data: object, *, name: str) -> pd.DataFrame:
    """Check that ``data`` is a non-empty pandas DataFrame and return it.

    The library's own tables (a :class:`~crm_analytics.log.TransactionLog`, a
    :class:`~crm_analytics.io.CustomerTable`) are taken as their ``to_pandas()``.

    Examples
    --------
    >>> require_frame(pd.DataFrame(), name="transactions")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: transactions is empty (0 rows); ...
    """
    if type(data).__module__.startswith("crm_analytics.") and hasattr(data, "to_pandas"):
        data = data.to_pandas()
    if not isinstance(data, pd.DataFrame):
        kind = f"{type(data).__module__.partition('.')[0]}.{type(data).__name__}"
        convert = "convert it with .to_pandas(), or " if hasattr(data, "to_pandas") else ""
        raise DataValidationError(
            f"{name} must be a pandas DataFrame, got {kind}; {convert}load it with "
            f"crm_analytics.io.{_loader(name)}"
        )
    if data.empty:
        raise DataValidationError(
            f"{name} is empty (0 rows); pass a table with at least one row "
            "(check the filters applied before this call)"
        )
    return data


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, name: str, fix: str) -> None:
    """Check that every column in ``columns`` is present in ``frame``.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"a": [1]}), ["order_id"], name="transactions",
    ...                 fix="map it with read_transactions(..., order_id=...)")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: transactions: column 'order_id' not found...
    """
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        listed = ", ".join(repr(column) for column in missing)
        present = ", ".join(str(column) for column in frame.columns)
        plural = "s" if len(missing) > 1 else ""
        raise DataValidationError(
            f"{name}: column{plural} {listed} not found; columns present: {present}; {fix}"
        )


def require_no_missing(frame: pd.DataFrame, columns: Iterable[str], *, name: str) -> None:
    """Check that ``columns`` hold no missing values (NaN, None, NaT).

    Examples
    --------
    >>> require_no_missing(pd.DataFrame({"order_id": [1, None]}), ["order_id"],
    ...                    name="transactions")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: transactions: column 'order_id' has 1 missing ...
    """
    for column in columns:
        missing = frame[column].isna()
        if missing.any():
            examples = ", ".join(str(label) for label in frame.index[missing][:_EXAMPLES])
            raise DataValidationError(
                f"{name}: column {column!r} has {int(missing.sum())} missing value(s) "
                f"(rows {examples}, ...); drop or fill those rows before this call"
            )


def require_datetime(frame: pd.DataFrame, column: str, *, name: str) -> None:
    """Check that ``column`` has a datetime64 dtype.

    Examples
    --------
    >>> require_datetime(pd.DataFrame({"date": ["2024-01-01"]}), "date", name="transactions")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: transactions: column 'date' has dtype str, ...
    """
    if not pd.api.types.is_datetime64_any_dtype(frame[column]):
        raise DataValidationError(
            f"{name}: column {column!r} has dtype {frame[column].dtype}, not datetime64; "
            f"load the table with crm_analytics.io.{_loader(name)} or convert it "
            "with pandas.to_datetime"
        )


def _loader(name: str) -> str:
    """The reader of the table called ``name`` in messages."""
    return "read_customers" if name.startswith("customers") else "read_transactions"


def check_margin(margin: object) -> float:
    """``margin`` as a float, or a clear error unless it is a fraction of spend in (0, 1].

    A margin typed as a percentage (30 for 30%) would multiply every value by 100.

    Examples
    --------
    >>> check_margin(0.3)
    0.3
    >>> check_margin(30)
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: margin must be a fraction of spend in (0, 1], got 30; for a 30% margin pass margin=0.3 (1 values revenue, or a value that is already profit)
    """
    if (
        isinstance(margin, bool)
        or not isinstance(margin, numbers.Real)
        or not np.isfinite(margin)
        or not 0 < margin <= 1
    ):
        as_percent = (
            f"for a {margin:g}% margin pass margin={margin / 100:g}"
            if isinstance(margin, numbers.Real) and 1 < margin <= 100
            else "e.g. margin=0.3 for 30%"
        )
        raise DataValidationError(
            f"margin must be a fraction of spend in (0, 1], got {margin!r}; {as_percent} "
            "(1 values revenue, or a value that is already profit)"
        )
    return float(margin)


#: The rule of a discount rate: a monthly rate in [0, 1) (an annual 12% is about 0.0095).
MONTHLY_DISCOUNT_RATE = Rule(
    float,
    low=0,
    high=1,
    closed="left",
    example="0.01",
    note="a monthly rate; an annual rate R is (1 + R) ** (1 / 12) - 1 a month",
)


def check_discount_rate(discount_rate: object, *, per: str = "monthly") -> float:
    """``discount_rate`` as a float, or a clear error unless it is a rate in [0, 1).

    ``per`` says which period the rate is for, in the message ("monthly" for the CLV of
    transactions, "per-period" for a contract's renewal period). A rate of 1 or more is
    a percentage typed as a number, or an annual rate given where a monthly one is due.

    Examples
    --------
    >>> check_discount_rate(0.01)
    0.01
    >>> check_discount_rate(-0.1, per="per-period")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: discount_rate must be a number in [0, 1), got -0.1 (a per-period rate, e.g. 0.1 for 10% a period); e.g. discount_rate=0.01
    """
    rule = (
        MONTHLY_DISCOUNT_RATE
        if per == "monthly"
        else dataclasses.replace(
            MONTHLY_DISCOUNT_RATE, note=f"a {per} rate, e.g. 0.1 for 10% a period"
        )
    )
    return float(rule.check("discount_rate", discount_rate))


def whole_number(value: object, *, name: str, minimum: int = 1, example: str) -> int:
    """``value`` as an int, or a clear error unless it is a whole number of at least
    ``minimum`` (``7`` or ``7.0``; not ``True``, ``2.5`` or ``"7"``).

    Examples
    --------
    >>> whole_number(7.0, name="horizon", example="horizon=12, whole months to value")
    7
    >>> whole_number(1, name="bins", minimum=2, example="bins=5")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: bins must be a whole number of at least 2, got 1; e.g. bins=5
    """
    if (
        isinstance(value, bool | np.bool_)
        or not isinstance(value, numbers.Real)
        or not np.isfinite(value)
        or value != np.round(value)
        or value < minimum
    ):
        raise DataValidationError(
            f"{name} must be a whole number of at least {minimum}, got {value!r}; e.g. {example}"
        )
    return int(value)


def check_seed(value: object, *, name: str = "random_state") -> int | None:
    """``value`` as a seed (None, or a whole number in [0, 2**32), as numpy and scikit-learn
    take), or a clear error.

    Examples
    --------
    >>> check_seed(7)
    7
    >>> check_seed("a")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: random_state must be None or a whole number in [0, 2**32), got 'a'; e.g. random_state=0
    """
    if value is None:
        return None
    if (
        isinstance(value, bool | np.bool_)
        or not isinstance(value, numbers.Integral)
        or not 0 <= value < 2**32
    ):
        raise DataValidationError(
            f"{name} must be None or a whole number in [0, 2**32), got {value!r}; e.g. {name}=0"
        )
    return int(value)


def examples(values: object) -> str:
    """The first few values, quoted, for an error message.

    Examples
    --------
    >>> examples(["x", 2.5, "y", "z"])
    "'x', 2.5, 'y'"
    """
    return ", ".join(repr(_plain(value)) for value in list(values)[:_EXAMPLES])


def _plain(value: object) -> object:
    """numpy / pandas scalars shown as the Python values users recognise."""
    if isinstance(value, pd.Timestamp):
        return str(value)
    return value.item() if isinstance(value, np.generic) else value
