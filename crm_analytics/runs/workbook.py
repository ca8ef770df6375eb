"""The Excel workbook for account managers: every customer's scores and the lists they act on.

Written with XlsxWriter (streaming, in constant memory) as one ``.xlsx`` file with four
sheets, each with a bold frozen header, filters on every column, column widths fitted to the
content and number formats by column (money ``#,##0.00``, probabilities and shares
``0.0%``, whole numbers ``#,##0``, dates ``yyyy-mm-dd``):

- **Scores**: one row per customer, every column of the scored table;
- **Segment summary**: :func:`~crm_analytics.scoring.segment_summary` by RFM segment;
- **Top customers**: :func:`~crm_analytics.runs.views.top_customers` by predicted CLV;
- **At-risk valuable**: :func:`~crm_analytics.runs.views.at_risk_customers`.

Text is always written as text, never as a formula: a customer name, product or attribute
beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (a formula-injection
attempt, or an innocent "-5% club") is stored as a text cell with Excel's quote prefix, so
that Excel neither evaluates it on opening nor after the cell is edited; its value is kept as
it was (no apostrophe is added to the text). Numbers stay numbers.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_analytics._checks import require_frame, whole_number
from crm_analytics._optional import import_optional
from crm_analytics._spreadsheet import FORMULA_STARTS
from crm_analytics.exceptions import DataValidationError
from crm_analytics.runs._columns import column_kind
from crm_analytics.runs.views import at_risk_customers, top_customers
from crm_analytics.schema import CUSTOMER_ID
from crm_analytics.scoring.tables import segment_summary

__all__ = ["SHEETS", "write_workbook"]

SHEETS = ("Scores", "Segment summary", "Top customers", "At-risk valuable")
#: First characters that make a spreadsheet read a text cell as a formula.
# Excel's limits: rows per sheet (with the header) and characters per cell.
_MAX_ROWS = 1_048_576
_MAX_CELL_TEXT = 32_767
# Characters XML 1.0 cannot hold (every control character but tab, newline and return).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MONEY = re.compile(r"(amount|value|clv|revenue|spend)", re.IGNORECASE)
_RATIO = re.compile(r"(p_alive|probability|share|rate)", re.IGNORECASE)
_MAX_WIDTH = 50


def write_workbook(
    scored: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    top_n: int = 100,
    value_tiers: Sequence[str] = ("high",),
    risk_tiers: Sequence[str] = ("high", "medium"),
) -> Path:
    """Write the scores workbook (four sheets, see the module docstring) to ``path``.

    Parameters
    ----------
    scored : pandas.DataFrame
        The scored table (:func:`~crm_analytics.scoring.score_customers`), one row per
        customer, indexed by ``customer_id``.
    path : str or path-like
        The ``.xlsx`` file to write; replaced in one step (written beside it, then renamed),
        so a reader never sees half a workbook.
    top_n : int, default 100
        Customers on the "Top customers" sheet.
    value_tiers, risk_tiers : sequence of str
        Which value tiers count as valuable and which churn risk tiers as at risk on the
        "At-risk valuable" sheet (default: high value, high or medium risk).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    DataValidationError
        An empty table, more customers than an Excel sheet holds (1,048,575), a path that
        does not end in ``.xlsx`` or whose folder does not exist.

    Notes
    -----
    Sheets whose columns the table lacks are left out: "Segment summary" needs
    ``rfm_segment`` and ``total_amount``, "Top customers" ``predicted_clv`` (else it ranks by
    ``total_amount``), "At-risk valuable" the value and risk tiers, ``predicted_clv`` and
    ``churn_probability``. Time-zone aware times are written in UTC (Excel has no time
    zones); infinite numbers as empty cells.

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import load_workbook
    >>> scored = pd.DataFrame(
    ...     {"name": ["=HYPERLINK(\\"http://x\\")", "Ada"], "total_amount": [120.0, 35.5],
    ...      "predicted_clv": [80.0, 12.5]},
    ...     index=pd.Index(["C1", "C2"], name="customer_id"))
    >>> path = write_workbook(scored, f"{tempfile.mkdtemp()}/scores.xlsx")
    >>> book = load_workbook(path)
    >>> book.sheetnames
    ['Scores', 'Top customers']
    >>> cell = book["Scores"]["B2"]
    >>> cell.value, cell.data_type
    ('=HYPERLINK("http://x")', 's')
    """
    frame = require_frame(scored, name="scored")
    count = whole_number(top_n, name="top_n", example="top_n=100")
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise DataValidationError(
            f"the workbook path {str(target)!r} must end in .xlsx (Excel's format)"
        )
    if not target.parent.is_dir():
        raise DataValidationError(
            f"cannot write {str(target)!r}: the folder {str(target.parent)!r} does not exist"
        )
    if len(frame) >= _MAX_ROWS:
        raise DataValidationError(
            f"scored has {len(frame):,} customers, more than an Excel sheet holds "
            f"({_MAX_ROWS - 1:,}); write the scores to a database or Parquet instead"
        )
    sheets = _sheets(frame, top_n=count, value_tiers=value_tiers, risk_tiers=risk_tiers)
    xlsxwriter = import_optional("xlsxwriter", "excel", "writing Excel workbooks")
    # A name of its own beside the target (the rename stays on one file system), created by
    # XlsxWriter with the usual permissions.
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        options = {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        }
        workbook = xlsxwriter.Workbook(temporary, options)
        formats = _Formats(workbook)
        for name, table in sheets.items():
            _write_sheet(workbook.add_worksheet(name), table, formats)
        workbook.close()
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


def _sheets(
    frame: pd.DataFrame, *, top_n: int, value_tiers: Sequence[str], risk_tiers: Sequence[str]
) -> dict[str, pd.DataFrame]:
    """The sheets' tables, each with its row labels as the first column."""
    sheets = {"Scores": _with_ids(frame)}
    if {"rfm_segment", "total_amount"} <= set(frame.columns):
        sheets["Segment summary"] = segment_summary(frame, by="rfm_segment").reset_index()
    by = "predicted_clv" if "predicted_clv" in frame.columns else "total_amount"
    if by in frame.columns:
        sheets["Top customers"] = _with_ids(top_customers(frame, n=top_n, by=by))
    needed = {"value_tier", "risk_tier", "predicted_clv", "churn_probability"}
    if needed <= set(frame.columns):
        at_risk = at_risk_customers(frame, value_tiers=value_tiers, risk_tiers=risk_tiers)
        sheets["At-risk valuable"] = _with_ids(at_risk)
    return sheets


def _with_ids(frame: pd.DataFrame) -> pd.DataFrame:
    named = frame.rename_axis(frame.index.name or CUSTOMER_ID)
    return named.reset_index()


class _Formats:
    """The workbook's cell formats, made once and shared by every sheet."""

    def __init__(self, workbook: Any) -> None:
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#E8EEF4", "bottom": 1, "text_wrap": True, "valign": "top"}
        )
        self.text = workbook.add_format({"num_format": "@"})
        # Excel's quote prefix: the cell stays text even after someone edits it.
        self.guarded_text = workbook.add_format({"num_format": "@", "quote_prefix": True})
        self.by_pattern = {
            pattern: workbook.add_format({"num_format": pattern})
            for pattern in (
                "#,##0",
                "0",
                "#,##0.00",
                "0.0%",
                "0.000",
                "yyyy-mm-dd",
                "yyyy-mm-dd hh:mm",
            )
        }


def _write_sheet(sheet: Any, table: pd.DataFrame, formats: _Formats) -> None:
    columns = [str(name) for name in table.columns]
    writers = [_column_writer(sheet, table[name], name, formats) for name in table.columns]
    sheet.set_row(0, None, formats.header)
    for position, name in enumerate(columns):
        sheet.write_string(0, position, name, formats.header)
    values = [_cell_values(table[name]) for name in table.columns]
    for row, cells in enumerate(zip(*values, strict=True), start=1):
        for position, value in enumerate(cells):
            if value is not None:
                writers[position](row, position, value)
    for position, name in enumerate(columns):
        sheet.set_column(position, position, _width(name, values[position]))
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, len(table), max(len(columns) - 1, 0))


def _column_writer(
    sheet: Any, column: pd.Series, name: str, formats: _Formats
) -> Callable[[int, int, Any], None]:
    kind = column_kind(column)
    if kind in ("integer", "float"):
        cell_format = formats.by_pattern[_number_pattern(name, kind)]
        return lambda row, position, value: sheet.write_number(row, position, value, cell_format)
    if kind == "boolean":
        return lambda row, position, value: sheet.write_boolean(row, position, value)
    if kind in ("timestamp", "timestamptz", "date"):
        times = pd.to_datetime(column.dropna())
        has_time = bool((times != times.dt.normalize()).any())
        cell_format = formats.by_pattern["yyyy-mm-dd hh:mm" if has_time else "yyyy-mm-dd"]
        return lambda row, position, value: sheet.write_datetime(row, position, value, cell_format)

    def write_text(row: int, position: int, value: str) -> None:
        guarded = value.startswith(FORMULA_STARTS)
        sheet.write_string(row, position, value, formats.guarded_text if guarded else formats.text)

    return write_text


def _number_pattern(name: str, kind: str) -> str:
    if _RATIO.search(name):
        return "0.0%"
    if _MONEY.search(name):
        return "#,##0.00"
    if kind == "integer":
        return "0" if name == CUSTOMER_ID or name.endswith("_score") or name == "rank" else "#,##0"
    return "0.000"


def _cell_values(column: pd.Series) -> list[Any]:
    """Plain values for the writer: None for missing (and infinite) ones, text cleaned."""
    kind = column_kind(column)
    missing = column.isna().to_numpy(copy=True)
    if kind in ("timestamp", "timestamptz", "date"):
        times = pd.to_datetime(column)
        if kind == "timestamptz":
            times = times.dt.tz_convert("UTC").dt.tz_localize(None)
        values = pd.DatetimeIndex(times).to_pydatetime().astype(object)
    elif kind in ("integer", "float"):
        numbers = pd.to_numeric(
            column.astype(column.dtype.categories.dtype)
            if isinstance(column.dtype, pd.CategoricalDtype)
            else column
        ).astype("Float64")
        values = numbers.astype(object).to_numpy(copy=True)
        missing |= ~np.isfinite(numbers.fillna(0).to_numpy(dtype=float))
    elif kind == "boolean":
        values = column.astype(object).to_numpy(copy=True)
    else:
        values = column.astype(object).to_numpy(copy=True)
        present = ~missing
        values[present] = [_clean_text(value) for value in values[present]]
    values[missing] = None
    return values.tolist()


def _clean_text(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    if _ILLEGAL_XML.search(text):
        text = _ILLEGAL_XML.sub("\ufffd", text)
    return text[:_MAX_CELL_TEXT]


def _width(name: str, values: list[Any]) -> float:
    """Characters to show the header and the widest of the first values, within a bound."""
    shown = [_shown_length(value) for value in values[:2_000] if value is not None]
    return float(min(_MAX_WIDTH, max([len(name), *shown]) + 2))


def _shown_length(value: object) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, float):
        return len(f"{value:,.2f}")
    return len(str(value))
