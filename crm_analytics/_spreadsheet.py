"""Tables written for people who open them in a spreadsheet: no cell may start a formula.

A spreadsheet program reads a CSV cell that begins with ``=``, ``+``, ``-`` or ``@`` as a
formula, and one beginning with a tab or a carriage return can hide one (the OWASP "CSV
injection" list). Customer ids, product codes, descriptions and attribute values come
from the data, so anyone who can name a product or edit a customer record could make a
business user's spreadsheet run ``=HYPERLINK(...)`` or worse. ``neutralise_formulas``
prefixes such text with an apostrophe, which spreadsheets read as "this is text" and do not
display. Every CSV or Excel file meant for people goes through it; files read by programs
can opt out.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["FORMULA_STARTS", "neutralise_formulas"]

#: First characters that make a spreadsheet read a cell as a formula (or hide one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE = "'"
# Text that is a plain decimal number ("-12.5", "+3", "1e-3"): a spreadsheet reads it as that
# number, which is harmless, so it is left as it is (a negative amount stays a number).
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise_formulas(frame: pd.DataFrame, *, for_spreadsheets: bool = True) -> pd.DataFrame:
    """A copy of ``frame`` in which no text cell can start a spreadsheet formula.

    Text cells (in the columns, the index and the column names) that begin with ``=``,
    ``+``, ``-``, ``@``, a tab or a carriage return get a leading apostrophe:
    ``=HYPERLINK("http://x")`` is written ``'=HYPERLINK("http://x")``. Numbers stay numbers,
    negative ones included, whether stored as numbers or as text that is only a number
    (``"-12.5"``); dates, booleans and missing values are untouched.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table about to be written.
    for_spreadsheets : bool, default True
        False returns ``frame`` unchanged: the opt-out for files that programs read (a
        loader would otherwise see the apostrophes). Writers expose it as a setting so that
        people get safe files by default.

    Returns
    -------
    pandas.DataFrame
        A new frame (``frame`` itself when nothing needed escaping or ``for_spreadsheets``
        is False).

    Examples
    --------
    >>> table = pd.DataFrame({"product": ["=1+2", "mug", "-", "@SUM(A1)"],
    ...                       "change": [-3.5, 2.0, 0.0, 1.0],
    ...                       "note": ["-3.5", "+cmd|' /C calc'!A0", "", "ok"]},
    ...                      index=pd.Index(["a", "+b", "c", "d"], name="customer_id"))
    >>> neutralise_formulas(table)
                     product  change                 note
    customer_id
    a                  '=1+2    -3.5                 -3.5
    '+b                  mug     2.0  '+cmd|' /C calc'!A0
    c                     '-     0.0
    d              '@SUM(A1)     1.0                   ok
    >>> neutralise_formulas(table, for_spreadsheets=False) is table
    True
    """
    if not for_spreadsheets:
        return frame
    columns = {
        position: _escaped_values(frame.iloc[:, position])
        for position in range(frame.shape[1])
        if _may_hold_text(frame.dtypes.iloc[position])
    }
    columns = {position: values for position, values in columns.items() if values is not None}
    index = _escaped_index(frame.index)
    labels = _escaped_index(frame.columns)
    if not columns and index is None and labels is None:
        return frame
    result = frame.copy(deep=False)
    for position, values in columns.items():
        result.isetitem(position, values)
    if index is not None:
        result.index = index
    if labels is not None:
        result.columns = labels
    return result


def _may_hold_text(dtype: object) -> bool:
    return (
        pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    )


def _needs_escape(value: object) -> bool:
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and _PLAIN_NUMBER.fullmatch(value) is None
    )


def _escaped(value: object) -> object:
    return _ESCAPE + value if _needs_escape(value) else value


def _escaped_values(values: pd.Series) -> pd.Series | None:
    """The column with its dangerous text escaped, or None when it has none."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories
        renamed = [_escaped(category) for category in categories]
        if renamed == list(categories):
            return None
        if len(set(renamed)) == len(renamed):
            return values.cat.rename_categories(renamed)
        values = values.astype(object)
    flags = np.fromiter((_needs_escape(value) for value in values), dtype=bool, count=len(values))
    if not flags.any():
        return None
    escaped = values.copy()
    escaped.iloc[np.flatnonzero(flags)] = [_ESCAPE + value for value in values[flags]]
    return escaped


def _escaped_index(index: pd.Index) -> pd.Index | None:
    """The index (or column labels) with dangerous text escaped, names included."""
    if isinstance(index, pd.MultiIndex):
        levels = [_escaped_index(level) for level in index.levels]
        names = [_escaped(name) for name in index.names]
        if all(level is None for level in levels) and names == list(index.names):
            return None
        return index.set_levels(
            [level if new is None else new for level, new in zip(index.levels, levels, strict=True)]
        ).set_names(names)
    name = _escaped(index.name)
    values = None
    if _may_hold_text(index.dtype):
        values = _escaped_values(pd.Series(index, dtype=index.dtype))
    if values is None and name == index.name:
        return None
    result = index if values is None else pd.Index(values, dtype=values.dtype)
    return result.rename(name)
