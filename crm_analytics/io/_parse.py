"""Vectorised parsing of raw columns into canonical identifiers, dates, numbers and flags.

Each parser returns a :class:`Parsed` holding the converted values and masks of the
values that were missing or could not be converted, so the caller decides (by policy)
whether those rows raise or are dropped, and can quote examples in its message.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types

from crm_analytics._checks import examples
from crm_analytics.exceptions import DataValidationError

__all__ = [
    "PLAUSIBLE_DATES",
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
#: Dates a CRM export can plausibly hold, by default: from 1901 (spreadsheets and databases
#: write 1899-12-30, 1899-12-31 or 1900-01-01 for "no date", and a two-digit year can land in
#: the wrong century) to today (later dates are typos or day/month mix-ups, and scoring as of
#: them would age every customer). "today" allows the end of tomorrow by the machine's clock,
#: for time zones ahead of it.
PLAUSIBLE_DATES = ("1901-01-01", "today")
# d/m/y or m/d/y text (any of / . - as separators, two- or four-digit year, any time after).
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](?:\d{4}|\d{2})(?:$|[\sT])")
_DAY_FIRST_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d.%m.%y", "%d-%m-%Y", "%d-%m-%y")
_MONTH_FIRST_FORMATS = ("%m/%d/%Y", "%m/%d/%y", "%m.%d.%Y", "%m.%d.%y", "%m-%d-%Y", "%m-%d-%y")
_OTHER_FORMATS = (
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%b %d %Y",
    "%b %d, %Y",
    "%B %d, %Y",
)
_TIME_FORMATS = (
    "",
    " %H:%M",
    " %H:%M:%S",
    " %I:%M %p",
    " %I:%M:%S %p",
    "T%H:%M",
    "T%H:%M:%S",
    " %H:%M:%S.%f",
)
# Distinct unparsed values tried when looking for a date_format that reads them.
_FORMAT_SAMPLE = 200
_TRUE = frozenset({"1", "1.0", "true", "t", "yes", "y"})
_FALSE = frozenset({"0", "0.0", "false", "f", "no", "n"})
# "12.0" or "12.": a whole number written out by a float column; group 1 is the integer's text.
_WHOLE_FLOAT_TEXT = r"^(-?\d+)\.0*$"
# Integers without leading zeros (those are text ids), short enough for int64.
_INTEGER_TEXT = r"-?(?:0|[1-9]\d{0,17})"


@dataclass
class Parsed:
    """A converted column with masks of the values that were empty or unconvertible.

    Dates read but outside the plausible ones are part of ``invalid`` and marked in
    ``too_early`` / ``too_late`` (``window`` names the bounds), so that :meth:`problem`
    says why; ``hint`` is a remedy that works for the unreadable values (a ``date_format``
    that reads them), when one does.
    """

    values: pd.Series
    missing: np.ndarray
    invalid: np.ndarray
    note: str | None = None
    too_early: np.ndarray | None = None
    too_late: np.ndarray | None = None
    window: tuple[str, str] | None = None
    hint: str | None = None

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
        none = np.zeros(len(raw), dtype=bool)
        early = none if self.too_early is None else self.too_early
        late = none if self.too_late is None else self.too_late
        unreadable = self.invalid & ~early & ~late
        n_invalid = int(unreadable.sum())
        n_missing = 0 if missing_ok else int(self.missing.sum())
        parts = []
        if n_invalid:
            verb = "value that is" if n_invalid == 1 else "values that are"
            parts.append(
                f"{n_invalid:,} {verb} not {kind} (e.g. {examples(raw[unreadable].unique())})"
            )
        for mask, side, why in (
            (early, "before", "spreadsheets and databases write such dates for a missing one"),
            (late, "after", "a mistyped year, or a day/month mix-up?"),
        ):
            if mask.any():
                bound = self.window[0] if side == "before" else self.window[1]
                rows = ", ".join(
                    f"{examples([raw.iloc[position]])} in row {position + 1}"
                    for position in np.flatnonzero(mask)[:3]
                )
                count = int(mask.sum())
                parts.append(
                    f"{count:,} date{'s' if count > 1 else ''} {side} {bound} (e.g. {rows}: {why})"
                )
        if n_missing:
            parts.append(f"{n_missing:,} missing value" + ("s" if n_missing > 1 else ""))
        if not parts:
            return None
        text = f"{label} has " + " and ".join(parts)
        if early.any() or late.any():
            text += (
                f"; dates from {self.window[0]} to {self.window[1]} are taken as plausible: pass "
                "plausible_dates=(earliest, latest) if the others are real, or "
                "plausible_dates=None to accept any date"
            )
        return text


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


def parse_numbers(raw: pd.Series, *, label: str = "the column") -> Parsed:
    """Finite float64 values; text such as ``' 12.50 '`` is converted, ``'n/a'`` is invalid.

    A column of true/false values is refused: read as 1/0 it would make every line one unit
    or nothing, which is never what a quantity or an amount means (a yes/no flag was mapped
    instead of the numbers).

    Examples
    --------
    >>> parsed = parse_numbers(pd.Series(["12.5", "n/a", None]))
    >>> parsed.values.tolist(), parsed.invalid.tolist(), parsed.missing.tolist()
    ([12.5, nan, nan], [False, True, False], [False, False, True])
    >>> parse_numbers(pd.Series([True, False]), label="column 'Qty' (quantity=)")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: column 'Qty' (quantity=) holds true/false values (e.g. True, False), not numbers; ...
    """
    is_flags = types.is_bool_dtype(raw.dtype) or (
        raw.dtype == object and types.infer_dtype(raw, skipna=True) == "boolean"
    )
    if is_flags:
        raise DataValidationError(
            f"{label} holds true/false values (e.g. {examples(raw.dropna().unique())}), not "
            "numbers; read as 1/0 they would count each line once or not at all: map the "
            "column that holds the numbers"
        )
    if types.is_numeric_dtype(raw.dtype):
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
    raw: pd.Series,
    *,
    label: str,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    plausible_dates: Sequence[object] | None = PLAUSIBLE_DATES,
) -> Parsed:
    """Time-zone-naive ``datetime64[ns]`` values.

    Text is read as ISO 8601 first (unambiguous, and it accepts dates with and without
    times in one column); what that leaves unparsed is retried with pandas' inference.
    ``date_format`` (a strftime pattern, ``"ISO8601"`` or ``"mixed"``) overrides the
    guessing. Time-zone-aware values keep their local wall-clock time (so they stay on the
    customer's calendar day) and lose the zone.

    Day and month: with ``dayfirst`` None (the default) and no ``date_format``, a column of
    d/m/y or m/d/y text is read in the order its values prove (a first number above 12 is a
    day); a column that no value settles (every first and second number at most 12, as in
    a day-first export of the first twelve days of each month) is refused, naming examples,
    rather than guessed. ``dayfirst=True`` / ``False`` says which.

    Dates outside ``plausible_dates`` (default :data:`PLAUSIBLE_DATES`: 1901-01-01 to
    today) are read but marked invalid (``too_early`` / ``too_late``), so the readers'
    ``invalid_rows`` policy refuses or drops them with the reason; None accepts any date.

    Examples
    --------
    >>> raw = pd.Series(["2011-12-09", "2011-12-09 12:50", "29/12/2011", "soon"])
    >>> parsed = parse_dates(raw, label="column 'day'")
    >>> parsed.values.tolist()[:3], int(parsed.invalid.sum())
    ([Timestamp('2011-12-09 00:00:00'), Timestamp('2011-12-09 12:50:00'), Timestamp('2011-12-29 00:00:00')], 1)
    >>> parse_dates(pd.Series(["01/02/2011", "03/04/2011"]), label="column 'day'")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: column 'day': 2 of 2 dates such as '01/02/2011' (row 1), '03/04/2011' (row 2) read both as day/month/year and as month/day/year, ...
    """
    check_date_format(date_format)
    window = _plausible_window(plausible_dates)
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
        return parse_dates(
            whole.astype("str"),
            label=label,
            date_format=date_format,
            plausible_dates=plausible_dates,
        )
    else:
        text = raw if raw.dtype == object and not _is_string_like(raw) else _text(raw)[0]
        missing = text.isna().to_numpy()
        order_note = None
        if date_format is None:
            dayfirst, order_note = _day_month_order(text, missing, label=label, dayfirst=dayfirst)
        values, note = _text_to_dates(
            text, missing, date_format=date_format, dayfirst=bool(dayfirst)
        )
        note = note or order_note
    if getattr(values.dt, "tz", None) is not None:
        note = note or f"{label} had time zone {values.dt.tz}; kept local times, dropped the zone"
        values = values.dt.tz_localize(None)
    out_of_range = (values.notna() & ((values < _EARLIEST) | (values > _LATEST))).to_numpy()
    values = values.mask(out_of_range).astype("datetime64[ns]")
    unreadable = ~missing & values.isna().to_numpy()
    parsed = Parsed(values, missing, unreadable, note)
    if window is not None:
        earliest, after, shown = window
        parsed.too_early = (values < earliest).to_numpy()
        parsed.too_late = (values >= after).to_numpy()
        parsed.window = shown
        parsed.invalid = unreadable | parsed.too_early | parsed.too_late
    if unreadable.any():
        parsed.hint = _format_hint(raw.astype(object), unreadable, dayfirst=dayfirst)
    return parsed


def _plausible_window(
    bounds: Sequence[object] | None,
) -> tuple[pd.Timestamp, pd.Timestamp, tuple[str, str]] | None:
    """(earliest, first instant too late, their texts) of ``plausible_dates``, or None.

    Examples
    --------
    >>> _plausible_window(("1990-01-01", "2024-12-31"))[1:]
    (Timestamp('2025-01-01 00:00:00'), ('1990-01-01', '2024-12-31'))
    """
    if bounds is None:
        return None
    problem = None
    if isinstance(bounds, str) or not isinstance(bounds, Sequence) or len(bounds) != 2:
        problem = "it is not a pair (earliest, latest)"
    else:
        parsed = []
        for bound in bounds:
            if isinstance(bound, str) and bound.strip().lower() == "today":
                today = pd.Timestamp.now().normalize()
                parsed.append((today, today + pd.Timedelta(days=2), f"today ({today.date()})"))
                continue
            try:
                moment = pd.Timestamp(bound)
            except (TypeError, ValueError):
                moment = pd.NaT
            if moment is pd.NaT or isinstance(bound, bool | int | float):
                problem = f"{bound!r} is not a date"
                break
            moment = moment.tz_localize(None) if moment.tz is not None else moment
            shown = str(moment.date()) if moment == moment.normalize() else str(moment)
            after = moment + pd.Timedelta(days=1) if moment == moment.normalize() else moment
            parsed.append((moment, after, shown))
        if problem is None and parsed[0][0] >= parsed[1][1]:
            problem = "the earliest date is not before the latest"
    if problem is not None:
        raise DataValidationError(
            f"plausible_dates={bounds!r}: {problem}; pass two dates such as "
            "('1990-01-01', 'today'), or None to accept any date"
        )
    (earliest, _, first), (_, after, last) = parsed
    return earliest, after, (first, last)


def _day_month_order(
    text: pd.Series, missing: np.ndarray, *, label: str, dayfirst: bool | None
) -> tuple[bool | None, str | None]:
    """Whether d/m/y-or-m/d/y text is day-first: as given, as its values prove, or an error
    naming examples when nothing settles it."""
    if dayfirst is not None:
        return dayfirst, None
    present = text[~missing]
    uniques = pd.Series(pd.unique(present.to_numpy()), dtype=object)
    fields = uniques.astype(str).str.extract(_DAY_MONTH).astype("float64")
    first, second = fields[0].to_numpy(), fields[1].to_numpy()
    day_first = (first > 12) & (first <= 31) & (second <= 12)
    month_first = (second > 12) & (second <= 31) & (first <= 12)
    if day_first.any() and month_first.any():
        raise DataValidationError(
            f"{label} mixes day/month/year dates (e.g. {examples(uniques[day_first])}) with "
            f"month/day/year ones (e.g. {examples(uniques[month_first])}); fix the source so "
            "that one order is used, or pass date_format= for the order of most rows and "
            "invalid_rows='drop'"
        )
    if day_first.any():
        return True, (
            f"{label} was read as day/month/year: dates such as "
            f"{examples(uniques[day_first])} have no other reading"
        )
    if month_first.any():
        return False, None
    ambiguous_values = set(uniques[(first <= 12) & (second <= 12) & (first != second)])
    if not ambiguous_values:
        return None, None
    rows = np.flatnonzero(present.isin(ambiguous_values).to_numpy())
    positions = np.flatnonzero(~missing)[rows]
    shown = ", ".join(
        f"{examples([text.iloc[position]])} (row {position + 1})" for position in positions[:3]
    )
    first_value = str(text.iloc[positions[0]])
    as_day_first = pd.to_datetime(first_value, dayfirst=True)
    as_month_first = pd.to_datetime(first_value, dayfirst=False)
    examples_text = [str(text.iloc[position]) for position in positions[:3]]
    fmt = _working_format(examples_text, dayfirst=True)
    option = f", or date_format={fmt!r}" if fmt else ""
    raise DataValidationError(
        f"{label}: {len(rows):,} of {len(present):,} dates such as {shown} read both as "
        "day/month/year and as month/day/year, and no date in the column settles which (none "
        f"has a day above 12); pass dayfirst=True if {first_value!r} is "
        f"{as_day_first:%d %B %Y}, dayfirst=False if it is {as_month_first:%d %B %Y}{option}"
    )


def _working_format(values: Sequence[str], *, dayfirst: bool | None) -> str | None:
    """The first common strftime pattern that reads every one of ``values``, or None.

    Examples
    --------
    >>> _working_format(["31/12/2011 14:05", "01/12/2011 09:00"], dayfirst=None)
    '%d/%m/%Y %H:%M'
    >>> _working_format(["12/31/2011"], dayfirst=None)
    '%m/%d/%Y'
    """
    orders = (
        (_MONTH_FIRST_FORMATS, _DAY_FIRST_FORMATS)
        if dayfirst is False
        else (_DAY_FIRST_FORMATS, _MONTH_FIRST_FORMATS)
    )
    sample = pd.Series([str(value).strip() for value in values], dtype=object)
    if sample.empty:
        return None
    for dates in (*orders, _OTHER_FORMATS):
        for date in dates:
            for time in _TIME_FORMATS:
                fmt = date + time
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    parsed = pd.to_datetime(sample, format=fmt, errors="coerce")
                if parsed.notna().all():
                    return fmt
    return None


def _format_hint(text: pd.Series, unreadable: np.ndarray, *, dayfirst: bool | None) -> str | None:
    """A ``date_format`` that reads the unreadable values that messages quote, if one does:
    preferably one that reads the column's other dates too, else ``"mixed"`` when reading each
    value on its own works, else one for the quoted values only.

    Examples
    --------
    >>> text = pd.Series(["03/01/2011 09:00", "13/01/2011", "14/01/2011 08:30"])
    >>> _format_hint(text, np.array([False, True, False]), dayfirst=True)
    "pass date_format='mixed', which reads each date on its own ('13/01/2011' too)"
    """
    bad = [str(value) for value in pd.unique(text[unreadable].dropna().to_numpy())]
    if not bad:
        return None
    good = [str(value) for value in pd.unique(text[~unreadable].dropna().to_numpy())]
    quoted = examples(bad)
    sample = bad[:_FORMAT_SAMPLE] + good[:_FORMAT_SAMPLE]
    fmt = _working_format(sample, dayfirst=dayfirst)
    if fmt is not None:
        return f"pass date_format={fmt!r}, which reads {quoted} and the column's other dates"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        mixed = pd.to_datetime(
            pd.Series(sample, dtype=object),
            format="mixed",
            dayfirst=bool(dayfirst),
            errors="coerce",
        )
    if mixed.notna().all():
        return f"pass date_format='mixed', which reads each date on its own ({quoted} too)"
    fmt = _working_format(bad[:3], dayfirst=dayfirst)  # the values examples() quotes
    if fmt is not None:
        return f"pass date_format={fmt!r}, which reads {quoted} (not every date of the column)"
    return None


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
    if not unparsed.any():
        return values, note
    # What ISO 8601 leaves is inferred on its own, so that one ISO value does not impose
    # its format on the rest (and the rest's on it).
    rest, rest_note = _to_datetime(text[unparsed], None, dayfirst)
    if unparsed.sum() == (~missing).sum():
        return rest.reindex(text.index), rest_note
    if rest.notna().any() and rest.dtype == values.dtype:
        values = values.copy()
        values[unparsed] = rest.to_numpy()
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
