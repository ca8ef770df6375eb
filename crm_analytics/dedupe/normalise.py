"""Normalised forms of the identifying fields of a customer record.

Two records of one person rarely spell their details the same way: case, spaces, accents,
punctuation, e-mail aliases (``John.Smith+shop@gmail.com`` is ``johnsmith@gmail.com``),
phone formats (``020 7946 0018``, ``+44 (0)20-7946-0018``). Each function maps a column
to a canonical form, vectorised with pyarrow, missing values staying missing (``None``),
so that equal forms mean the same detail.

A column is a pandas Series or anything one-dimensional that pandas can turn into one (a
list, a numpy array, a Polars Series); the result is a pandas Series of text. Whole
numbers stored as floats, as pandas reads a CSV column of numbers with gaps, count as
their digits: 447946000018.0 is the phone number 447946000018, 2139.0 the postcode 2139.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crm_analytics.exceptions import DataValidationError

__all__ = [
    "normalise_address",
    "normalise_email",
    "normalise_name",
    "normalise_phone",
    "normalise_postcode",
]

Column = pd.Series | np.ndarray | Sequence[object]
_GMAIL = ("gmail.com", "googlemail.com")
# Floats beyond 2**53 are not all whole numbers that a float can tell apart.
_EXACT_FLOAT = 2.0**53
# Word forms folded to one spelling in addresses (UK and US usage).
_ADDRESS_WORDS = {
    "street": "st",
    "road": "rd",
    "avenue": "ave",
    "av": "ave",
    "lane": "ln",
    "drive": "dr",
    "court": "ct",
    "place": "pl",
    "square": "sq",
    "crescent": "cres",
    "terrace": "ter",
    "boulevard": "blvd",
    "apartment": "apt",
    "flat": "apt",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
}


def normalise_name(values: Column) -> pd.Series:
    """Lower case, accents and punctuation removed, words sorted alphabetically.

    Sorting the words makes "Smith, John" and "john smith" the same name.

    Examples
    --------
    >>> normalise_name(pd.Series(["  José  Müller-Smith ", "SMITH, John", "O'Brien", None]))
    0    jose muller smith
    1           john smith
    2              obrien
    3                 None
    dtype: object
    """
    values = _as_series(values, function="normalise_name")
    words = _plain(values)
    sorted_words = [
        None if name is None else " ".join(sorted(name.split())) for name in words.to_pylist()
    ]
    return _series(pa.array(sorted_words, type=pa.string()), values)


def normalise_address(values: Column) -> pd.Series:
    """Lower case, accents and punctuation removed, usual words abbreviated (street → st).

    Examples
    --------
    >>> normalise_address(pd.Series(["12, High Street", "12 high st.", "Flat 3, 4 Rue de l'Église"]))
    0              12 high st
    1              12 high st
    2    apt 3 4 rue de leglise
    dtype: object
    """
    values = _as_series(values, function="normalise_address")
    plain = _plain(values)
    for word, short in _ADDRESS_WORDS.items():
        plain = pc.replace_substring_regex(plain, rf"\b{word}\b", short)
    return _series(plain, values)


def normalise_email(values: Column) -> pd.Series:
    """Lower case, without plus-tags, and without dots in the user part of Gmail addresses.

    ``name+tag@domain`` delivers to ``name@domain`` at Gmail, Outlook, iCloud, Fastmail
    and most other providers, so the tag is dropped everywhere; Gmail also ignores dots
    in the user name and treats googlemail.com as gmail.com. Values without an ``@`` are
    kept (lower-cased, spaces removed) so that equal ones still match.

    Examples
    --------
    >>> normalise_email(pd.Series([" John.Smith+Shop@GMail.com", "j.smith@example.com",
    ...                            "johnsmith@googlemail.com", None]))
    0    johnsmith@gmail.com
    1    j.smith@example.com
    2    johnsmith@gmail.com
    3                   None
    dtype: object
    """
    values = _as_series(values, function="normalise_email")
    text = pc.replace_substring_regex(pc.utf8_lower(_arrow(values)), r"\s+", "")
    parts = pc.extract_regex(text, r"^(?P<user>[^@]*)@(?P<domain>[^@]*)$")
    user = pc.replace_substring_regex(pc.struct_field(parts, "user"), r"\+.*$", "")
    domain = pc.struct_field(parts, "domain")
    domain = pc.if_else(pc.is_in(domain, pa.array(_GMAIL)), pa.scalar("gmail.com"), domain)
    user = pc.if_else(
        pc.equal(domain, pa.scalar("gmail.com")), pc.replace_substring(user, ".", ""), user
    )
    joined = pc.binary_join_element_wise(user, domain, "@")
    return _series(pc.if_else(pc.is_valid(parts), joined, _blank_to_null(text)), values)


def normalise_phone(values: Column, *, default_region: str | None = "GB") -> pd.Series:
    """Phone numbers in E.164 form (``+442079460018``), parsed with ``phonenumbers``.

    Numbers written without a country code are read as numbers of ``default_region``
    (an ISO 3166 code such as "GB", "US", "FR"). Values phonenumbers cannot parse keep
    their digits (with a leading "+" when written with "+" or "00").

    Examples
    --------
    >>> normalise_phone(pd.Series(["020 7946 0018", "+44 (0)20-7946-0018", "0044 20 79460018",
    ...                            "+999 123", None]))
    0    +442079460018
    1    +442079460018
    2    +442079460018
    3          +999123
    4             None
    dtype: object
    """
    values = _as_series(values, function="normalise_phone")
    _check_region(default_region)
    text = pc.utf8_trim_whitespace(_arrow(values).cast(pa.string()))
    digits = pc.replace_substring_regex(text, r"\D+", "")
    international = pc.or_(pc.starts_with(text, "+"), pc.starts_with(text, "00"))
    digits = pc.if_else(pc.starts_with(text, "00"), pc.utf8_slice_codeunits(digits, 2), digits)
    cleaned = pc.if_else(
        international, pc.binary_join_element_wise(pa.scalar("+"), digits, ""), digits
    )
    cleaned = _blank_to_null(cleaned)
    cleaned, done = _home_numbers(cleaned, digits, international, default_region)
    # Parsing is the slow part (tens of microseconds a number): parse each other value once.
    result = cleaned.to_numpy(zero_copy_only=False).astype(object)
    todo = ~done.to_numpy(zero_copy_only=False) & pd.notna(result)
    codes, uniques = pd.factorize(pd.Series(result[todo], dtype=object))
    parsed = np.array([_e164(number, default_region) for number in uniques], dtype=object)
    result[todo] = parsed[codes]
    return pd.Series(result, index=values.index, name=values.name, dtype=object)


def normalise_postcode(values: Column) -> pd.Series:
    """Upper case letters and digits only ("sw1a 1aa" and "SW1A1AA" are one postcode).

    Examples
    --------
    >>> normalise_postcode(pd.Series(["sw1a 1aa", " SW1A-1AA", None]))
    0    SW1A1AA
    1    SW1A1AA
    2       None
    dtype: object
    """
    values = _as_series(values, function="normalise_postcode")
    text = pc.utf8_upper(_arrow(values).cast(pa.string()))
    return _series(_blank_to_null(pc.replace_substring_regex(text, r"[^\p{L}\p{N}]+", "")), values)


def _home_numbers(
    cleaned: pa.Array, digits: pa.Array, international: pa.Array, region: str | None
) -> tuple[pa.Array, pa.Array]:
    """E.164 forms of the numbers of ``region`` written the usual way, and which those are.

    For a country whose trunk prefix is dropped after the country code (0 in the UK,
    France, Germany...), ``0`` + number is ``+<code>`` + number, and ``+<code>`` + number
    is already E.164 when the number does not start with the trunk prefix. This is what
    phonenumbers returns for them, without its cost; the others go through phonenumbers.
    """
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region) if region else None
    trunk = metadata.national_prefix if metadata is not None else None
    parsing = metadata.national_prefix_for_parsing if metadata is not None else None
    plain_trunk = parsing is None or parsing == trunk or parsing.startswith(f"{trunk}|")
    if not trunk or not plain_trunk or metadata.national_prefix_transform_rule is not None:
        return cleaned, pc.is_null(cleaned)
    home = f"+{metadata.country_code}"
    # Short strings are extensions or fragments: phonenumbers decides what they are.
    long_enough = pc.greater_equal(pc.utf8_length(digits), 8)
    national = pc.and_(
        pc.and_(pc.invert(international), long_enough),
        pc.and_(pc.starts_with(digits, trunk), pc.invert(pc.starts_with(digits, trunk * 2))),
    )
    already = pc.and_(
        pc.and_(international, long_enough),
        pc.and_(pc.starts_with(cleaned, home), pc.invert(pc.starts_with(cleaned, home + trunk))),
    )
    converted = pc.binary_join_element_wise(
        pa.scalar(home), pc.utf8_slice_codeunits(digits, len(trunk)), ""
    )
    cleaned = pc.if_else(national, converted, cleaned)
    done = pc.fill_null(pc.or_(pc.or_(national, already), pc.is_null(cleaned)), True)
    return cleaned, done


def _e164(number: str, region: str | None) -> str:
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _plain(values: pd.Series) -> pa.Array:
    """Lower case, accents stripped, apostrophes dropped, other punctuation as spaces."""
    text = pc.utf8_normalize(pc.utf8_lower(_arrow(values).cast(pa.string())), form="NFKD")
    text = pc.replace_substring_regex(text, r"\p{Mn}+", "")
    text = pc.replace_substring_regex(text, r"['’`]+", "")
    text = pc.replace_substring_regex(text, r"[^\p{L}\p{N}]+", " ")
    return _blank_to_null(pc.utf8_trim_whitespace(text))


def _as_series(values: Column, *, function: str) -> pd.Series:
    """``values`` as a pandas Series, or a clear error when they are not one column."""
    if isinstance(values, pd.Series):
        return values
    shape = getattr(values, "shape", None)
    if isinstance(values, (str, bytes)) or (shape is not None and len(shape) != 1):
        kind = type(values).__name__
        if shape is None:
            got = f"a single {kind}"
        elif len(shape) == 2:
            got = f"a {kind} with {shape[0]} rows and {shape[1]} columns"
        else:
            got = f"a {kind} of shape {tuple(shape)}"
        raise DataValidationError(
            f"{function}: got {got}, not one column; pass one column of values, e.g. "
            "customers['email'] or a list, and call it once per column"
        )
    # Polars and pyarrow columns convert themselves, keeping their name.
    if hasattr(values, "to_pandas"):
        return values.to_pandas()
    return pd.Series(values)


def _check_region(region: str | None) -> None:
    """Check that phonenumbers knows ``region`` (it silently parses nothing otherwise)."""
    import phonenumbers

    if region is not None and region not in phonenumbers.SUPPORTED_REGIONS:
        raise DataValidationError(
            f"default_region={region!r} is not a region phonenumbers knows, so numbers "
            "written without a country code could not be read; pass an ISO 3166 code in "
            "capitals such as 'GB' (the United Kingdom, not 'UK'), 'US' or 'FR', or None "
            "when every number carries its country code"
        )


def _arrow(values: pd.Series) -> pa.Array:
    """A column as an arrow array of strings, missing values as nulls.

    Whole numbers stored as floats are written as integers (2139.0 as "2139"), so that a
    numeric column read with gaps keeps the digits it was written with.
    """
    present = values.notna().to_numpy()
    strings = values.astype(str).to_numpy(dtype=object)
    if pd.api.types.is_float_dtype(values.dtype):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        whole = present & (np.abs(numbers) < _EXACT_FLOAT) & (np.mod(numbers, 1) == 0)
        strings[whole] = numbers[whole].astype(np.int64).astype(str)
    return pa.array(np.where(present, strings, None), type=pa.string())


def _blank_to_null(text: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _series(text: pa.Array, like: pd.Series) -> pd.Series:
    return pd.Series(
        text.to_numpy(zero_copy_only=False), index=like.index, name=like.name, dtype=object
    )
