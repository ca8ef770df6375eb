"""Vectorised parsing of raw columns into canonical identifiers, dates, numbers and flags.

Each parser returns a :class:`Parsed` holding the converted values and masks of the
values that were missing or could not be converted, so the caller decides (by policy)
whether those rows raise or are dropped, and can quote examples in its message.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types

from crm_analytics._checks import examples
from crm_analytics.exceptions import DataValidationError

__all__ = [
    "Parsed",
    "check_date_format",
    "column_label",
    "examples",
    "finish_ids",
    "parse_dates",
    "parse_flags",
    "parse_ids",
    "parse_numbers",
]

_EARLIEST = pd.Timestamp("1677-09-22")
_LATEST = pd.Timestamp("2262-04-11")
_TRUE = frozenset({"1", "1.0", "true", "t", "yes", "y"})
_FALSE = frozenset({"0", "0.0", "false", "f", "no", "n"})
# "12.0": a whole number written out by a float column; group 1 is the integer's text.
_WHOLE_FLOAT_TEXT = r"^(-?\d+)\.0+$"
# Integers without leading zeros (those are text ids), short enough for int64.
_INTEGER_TEXT = r"-?(?:0|[1-9]\d{0,17})"


@dataclass
class Parsed:
    """A converted column with masks of the values that were empty or unconvertible."""

    values: pd.Series
    missing: np.ndarray
    invalid: np.ndarray
    note: str | None = None

    @property
    def bad(self) -> np.ndarray:
        """Rows whose value is unusable, whether empty or unconvertible."""
        return self.missing | self.invalid

    def problem(
        self, raw: pd.Series, label: str, kind: str, *, missing_ok: bool = False
    ) -> str | None:
        """Describe the unusable values in words (empty ones too unless ``missing_ok``).

        Examples
        --------
        >>> raw = pd.Series(["3", "x", None])
        >>> parse_numbers(raw).problem(raw, "column 'Qty' (quantity=)", "numbers")
        "column 'Qty' (quantity=) has 1 value that is not numbers (e.g. 'x') and 1 missing value"
        """
        n_invalid = int(self.invalid.sum())
        n_missing = 0 if missing_ok else int(self.missing.sum())
        if not n_invalid and not n_missing:
            return None
        parts = []
        if n_invalid:
            verb = "value that is" if n_invalid == 1 else "values that are"
            parts.append(
                f"{n_invalid:,} {verb} not {kind} (e.g. {examples(raw[self.invalid].unique())})"
            )
        if n_missing:
            parts.append(f"{n_missing:,} missing value" + ("s" if n_missing > 1 else ""))
        return f"{label} has " + " and ".join(parts)


def column_label(mapping: Mapping[str, Hashable], key: str) -> str:
    """How messages name a mapped column: its source name and the argument that mapped it.

    Examples
    --------
    >>> column_label({"date": "When"}, "date")
    "column 'When' (date=)"
    """
    return f"column {mapping[key]!r} ({key}=)"


def _text(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Values as stripped strings, with blanks counted as missing."""
    if isinstance(raw.dtype, pd.CategoricalDtype):
        raw = raw.astype(object)
    text = raw.astype("str").str.strip()
    missing = (text.isna() | (text == "")).to_numpy()
    return text.mask(missing), missing


def _is_string_like(raw: pd.Series) -> bool:
    return types.is_string_dtype(raw.dtype) or isinstance(raw.dtype, pd.CategoricalDtype)


def parse_ids(raw: pd.Series) -> Parsed:
    """Identifiers: whole numbers as integers whatever their storage, other text stripped.

    The same id must come back the same from every source: ``10855`` stored as an integer,
    as a float (as pandas and spreadsheets store a column of integers with gaps), as the
    text ``"10855"`` or as the text ``"10855.0"`` (a CSV written from such a float column)
    becomes the integer 10855. Text ids stay text when any of them is not a whole number or
    has a leading zero (``"0042"`` keeps its zeros), with whole floats among them written
    as the integer's text (``12.0`` -> ``"12"``).

    Examples
    --------
    >>> parse_ids(pd.Series([17850.0, None])).values.tolist()
    [17850, <NA>]
    >>> parse_ids(pd.Series([" 007 ", ""])).missing.tolist()
    [False, True]
    >>> parse_ids(pd.Series(["17850.0", "13047", None])).values.tolist()
    [17850, 13047, <NA>]
    >>> parse_ids(pd.Series(["0042", "12.0", "A-17"])).values.tolist()
    ['0042', '12', 'A-17']
    """
    if types.is_bool_dtype(raw.dtype):
        return parse_ids(raw.astype(object).astype("str"))
    if types.is_integer_dtype(raw.dtype):
        return Parsed(raw.astype("Int64"), raw.isna().to_numpy(), np.zeros(len(raw), bool))
    if types.is_float_dtype(raw.dtype):
        return _numeric_ids(raw.astype("float64"))
    if raw.dtype == object:
        inferred = types.infer_dtype(raw, skipna=True)
        if inferred == "integer":
            return parse_ids(raw.astype("Int64"))
        if inferred in ("floating", "mixed-integer-float", "decimal"):
            return _numeric_ids(raw.astype("float64"))
    text, missing = _text(raw)
    text = text.str.replace(_WHOLE_FLOAT_TEXT, r"\1", regex=True)
    present = text[~missing]
    if len(present) and present.str.fullmatch(_INTEGER_TEXT).all():
        return Parsed(text.astype("Int64"), missing, np.zeros(len(raw), bool))
    return Parsed(text, missing, np.zeros(len(raw), bool))


def _numeric_ids(raw: pd.Series) -> Parsed:
    missing = raw.isna().to_numpy()
    present = raw.to_numpy()[~missing]
    whole = np.all(np.mod(present, 1) == 0) and np.all(np.abs(present) < 2**53)
    values = raw.astype("Int64") if whole else raw
    return Parsed(values, missing, np.zeros(len(raw), bool))


def finish_ids(values: pd.Series) -> pd.Series:
    """Plain int64 for integer ids once no id is missing any more (nullable otherwise)."""
    if isinstance(values.dtype, pd.Int64Dtype) and not values.isna().any():
        return values.astype("int64")
    return values


def parse_numbers(raw: pd.Series) -> Parsed:
    """Finite float64 values; text such as ``' 12.50 '`` is converted, ``'n/a'`` is invalid.

    Examples
    --------
    >>> parsed = parse_numbers(pd.Series(["12.5", "n/a", None]))
    >>> parsed.values.tolist(), parsed.invalid.tolist(), parsed.missing.tolist()
    ([12.5, nan, nan], [False, True, False], [False, False, True])
    """
    if types.is_bool_dtype(raw.dtype) or types.is_numeric_dtype(raw.dtype):
        missing = raw.isna().to_numpy()
        values = raw.to_numpy(dtype="float64", na_value=np.nan)
    else:
        text, missing = _text(raw)
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    invalid = ~missing & ~np.isfinite(values)
    values = np.where(invalid, np.nan, values)
    return Parsed(pd.Series(values, index=raw.index), missing, invalid)


def parse_flags(raw: pd.Series) -> Parsed:
    """Booleans from True/False, 1/0, yes/no, y/n, t/f (any case).

    Examples
    --------
    >>> parse_flags(pd.Series(["Yes", "no", "maybe"])).values.tolist()
    [True, False, <NA>]
    """
    if types.is_bool_dtype(raw.dtype):
        return Parsed(raw.astype("boolean"), raw.isna().to_numpy(), np.zeros(len(raw), bool))
    text, missing = _text(raw)
    lowered = text.str.lower()
    is_true, is_false = lowered.isin(_TRUE).to_numpy(), lowered.isin(_FALSE).to_numpy()
    values = pd.Series(pd.array(np.where(is_true, True, False), dtype="boolean"), index=raw.index)
    unknown = ~(is_true | is_false)
    values[unknown] = pd.NA
    return Parsed(values, missing, unknown & ~missing)


def parse_dates(
    raw: pd.Series, *, label: str, date_format: str | None = None, dayfirst: bool = False
) -> Parsed:
    """Time-zone-naive ``datetime64[ns]`` values.

    Text is read as ISO 8601 first (unambiguous, and it accepts dates with and without
    times in one column); what that leaves unparsed is retried with pandas' inference,
    honouring ``dayfirst``. ``date_format`` (a strftime pattern, ``"ISO8601"`` or
    ``"mixed"``) overrides the guessing. Time-zone-aware values keep their local
    wall-clock time (so they stay on the customer's calendar day) and lose the zone.

    Examples
    --------
    >>> raw = pd.Series(["2011-12-09", "2011-12-09 12:50", "9/12/2011", "soon"])
    >>> parsed = parse_dates(raw, label="column 'day'", dayfirst=True)
    >>> parsed.values.tolist()[:2], int(parsed.invalid.sum())
    ([Timestamp('2011-12-09 00:00:00'), Timestamp('2011-12-09 12:50:00')], 2)
    """
    check_date_format(date_format)
    note = None
    if types.is_datetime64_any_dtype(raw.dtype):
        values, missing = raw, raw.isna().to_numpy()
    elif types.is_numeric_dtype(raw.dtype) and not types.is_bool_dtype(raw.dtype):
        if date_format is None:
            sample = examples(raw.dropna().unique())
            raise DataValidationError(
                f"{label} holds numbers (e.g. {sample}), not dates; pass date_format= "
                "(e.g. date_format='%Y%m%d') if they spell dates, or convert them to dates first"
            )
        whole = parse_ids(raw).values
        return parse_dates(whole.astype("str"), label=label, date_format=date_format)
    else:
        text = raw if raw.dtype == object and not _is_string_like(raw) else _text(raw)[0]
        missing = text.isna().to_numpy()
        values, note = _text_to_dates(text, missing, date_format=date_format, dayfirst=dayfirst)
    if getattr(values.dt, "tz", None) is not None:
        note = note or f"{label} had time zone {values.dt.tz}; kept local times, dropped the zone"
        values = values.dt.tz_localize(None)
    out_of_range = (values.notna() & ((values < _EARLIEST) | (values > _LATEST))).to_numpy()
    values = values.mask(out_of_range).astype("datetime64[ns]")
    invalid = ~missing & values.isna().to_numpy()
    return Parsed(values, missing, invalid, note)


def check_date_format(date_format: str | None) -> None:
    """Raise a ``DataValidationError`` when ``date_format`` is not a usable strptime pattern.

    Checked whatever the source holds, so a typo is reported even when every date is
    already a date (an Excel date cell, a database timestamp) and the pattern goes unused.

    Examples
    --------
    >>> check_date_format("%d/%m/%Y")
    >>> try:
    ...     check_date_format("%Q")
    ... except DataValidationError as exc:
    ...     print(exc)
    date_format='%Q' is not a date pattern ('Q' is a bad directive in format '%Q'); pass strptime codes such as '%d/%m/%Y %H:%M', or 'ISO8601' or 'mixed'
    """
    if date_format is None:
        return
    problem = None
    if not isinstance(date_format, str):
        problem = f"it is a {type(date_format).__name__}, not text"
    else:
        try:
            pd.to_datetime(pd.Series(["2000-01-01"]), format=date_format, errors="coerce")
        except ValueError as exc:
            problem = str(exc)
    if problem is not None:
        raise DataValidationError(
            f"date_format={date_format!r} is not a date pattern ({problem}); pass strptime "
            "codes such as '%d/%m/%Y %H:%M', or 'ISO8601' or 'mixed'"
        )


def _text_to_dates(
    text: pd.Series, missing: np.ndarray, *, date_format: str | None, dayfirst: bool
) -> tuple[pd.Series, str | None]:
    if date_format is not None:
        return _to_datetime(text, date_format, dayfirst)
    values, note = _to_datetime(text, "ISO8601", dayfirst)
    unparsed = values.isna().to_numpy() & ~missing
    if unparsed.any():
        inferred, inferred_note = _to_datetime(text, None, dayfirst)
        if (inferred.isna().to_numpy() & ~missing).sum() < unparsed.sum():
            return inferred, inferred_note
    return values, note


def _to_datetime(text: pd.Series, fmt: str | None, dayfirst: bool) -> tuple[pd.Series, str | None]:
    # A fixed format parses a million dates in a third of a second; pandas' cache of the
    # distinct values pays off only where each value is parsed on its own (no format, "mixed").
    options = {
        "format": fmt,
        "dayfirst": dayfirst,
        "errors": "coerce",
        "cache": fmt in (None, "mixed"),
    }
    with warnings.catch_warnings():
        # pandas warns when it falls back to per-element parsing; the caller counts failures.
        warnings.simplefilter("ignore", UserWarning)
        try:
            return pd.to_datetime(text, **options), None
        except ValueError:
            values = pd.to_datetime(text, **options, utc=True)
            return values, "dates carried several UTC offsets; converted to UTC, dropped the zone"
