"""Every kind of source gives the same canonical table; source-level problems get clear errors."""

from __future__ import annotations

import sys

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
import sqlalchemy as sa

from crm_analytics.exceptions import DataValidationError
from crm_analytics.io.transactions import read_transactions
from crm_analytics.log import TransactionLog

MAPPING = {
    "customer_id": "Customer ID",
    "date": "InvoiceDate",
    "quantity": "Quantity",
    "unit_price": "UnitPrice",
    "order_id": "InvoiceNo",
    "product": "StockCode",
}


@pytest.fixture
def expected(text_lines: pd.DataFrame) -> pd.DataFrame:
    """The canonical table written out by hand: the C5004 return is dropped by default."""
    return pd.DataFrame(
        {
            "customer_id": ["0042", "A-17", "A-17", "A-17"],
            "date": pd.to_datetime(
                [
                    "2011-03-02 10:00:00",
                    "2011-03-01 08:26:00",
                    "2011-03-01 08:26:00",
                    "2011-03-05 17:45:00",
                ]
            ).astype("datetime64[ns]"),
            "amount": [5.10, 15.30, 20.34, 12.75],
            "order_id": ["5002", "5001", "5001", "5003"],
            "product": ["85123A", "85123A", "71053", "22423"],
            "quantity": [2, 6, 6, 1],
        }
    )


def _check(result: TransactionLog, expected: pd.DataFrame, source_word: str) -> None:
    pd.testing.assert_frame_equal(result.to_pandas(), expected, check_exact=False, rtol=1e-12)
    report = result.report
    assert (report.rows_read, report.rows_kept, report.rows_dropped) == (5, 4, {"return": 1})
    assert source_word in report.source


def test_pandas(text_lines, expected):
    _check(read_transactions(text_lines, **MAPPING), expected, "pandas DataFrame")


def test_pandas_source_is_not_modified(text_lines):
    before = text_lines.copy()
    read_transactions(text_lines, **MAPPING)
    pd.testing.assert_frame_equal(text_lines, before)


@pytest.mark.parametrize(
    ("name", "separator"),
    [("lines.csv", ","), ("lines.csv", ";"), ("lines.txt", "|"), ("lines.tsv", "\t")],
)
def test_delimited_text(tmp_path, text_lines, expected, name, separator):
    path = tmp_path / name
    text_lines.to_csv(path, sep=separator, index=False)
    result = read_transactions(path, **MAPPING)
    _check(result, expected, repr(str(path)))
    assert repr(separator) in result.report.source


def test_compressed_csv_and_string_path(tmp_path, text_lines, expected):
    path = tmp_path / "lines.csv.gz"
    text_lines.to_csv(path, index=False)
    _check(read_transactions(str(path), **MAPPING), expected, "CSV file")


def test_csv_with_quoted_line_breaks_falls_back_to_the_c_parser(tmp_path, text_lines, expected):
    path = tmp_path / "lines.csv"
    text_lines.assign(Description="two\nlines").to_csv(path, index=False)
    _check(read_transactions(path, **MAPPING), expected, "CSV file")


def test_explicit_delimiter_overrides_the_sniffer(tmp_path, text_lines):
    path = tmp_path / "lines.csv"
    text_lines.to_csv(path, sep=";", index=False)
    with pytest.raises(DataValidationError, match=r"column 'Customer ID' \(customer_id=\) not"):
        read_transactions(path, delimiter=",", **MAPPING)


def test_csv_in_another_encoding(tmp_path, text_lines, expected):
    path = tmp_path / "lines.csv"
    text_lines.rename(columns={"StockCode": "Stöck"}).to_csv(path, index=False, encoding="latin-1")
    mapping = {**MAPPING, "product": "Stöck"}
    with pytest.raises(DataValidationError, match="not valid utf-8 text.*encoding='latin-1'"):
        read_transactions(path, **mapping)
    _check(read_transactions(path, encoding="latin-1", **mapping), expected, "CSV file")


def test_excel_sheets(tmp_path, text_lines, expected):
    path = tmp_path / "lines.xlsx"
    as_dates = text_lines.assign(InvoiceDate=pd.to_datetime(text_lines["InvoiceDate"]))
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(writer, sheet_name="About", index=False)
        as_dates.to_excel(writer, sheet_name="Lines", index=False)
    _check(read_transactions(path, sheet_name="Lines", **MAPPING), expected, "sheet 'Lines'")
    _check(read_transactions(path, sheet_name=1, **MAPPING), expected, "Excel file")
    with pytest.raises(DataValidationError, match="column 'Customer ID'.*columns present: 'note'"):
        read_transactions(path, **MAPPING)
    with pytest.raises(DataValidationError, match="sheet 'lines' not found.*did you mean 'Lines'"):
        read_transactions(path, sheet_name="lines", **MAPPING)
    with pytest.raises(DataValidationError, match="has 2 sheet.*sheet_name=5 does not exist"):
        read_transactions(path, sheet_name=5, **MAPPING)


def test_parquet_file_and_folder(tmp_path, text_lines, expected):
    path = tmp_path / "lines.parquet"
    text_lines.to_parquet(path)
    _check(read_transactions(path, **MAPPING), expected, "Parquet file")
    folder = tmp_path / "parts"
    folder.mkdir()
    text_lines.iloc[:2].to_parquet(folder / "part-0.parquet")
    text_lines.iloc[2:].to_parquet(folder / "part-1.parquet")
    _check(read_transactions(folder, **MAPPING), expected, "Parquet")


def test_polars_frames_and_arrow_table(text_lines, expected):
    frame = pl.from_pandas(text_lines)
    _check(read_transactions(frame, **MAPPING), expected, "polars DataFrame")
    _check(read_transactions(frame.lazy(), **MAPPING), expected, "polars LazyFrame")
    _check(read_transactions(pa.Table.from_pandas(text_lines), **MAPPING), expected, "pyarrow")


@pytest.fixture
def sqlite_url(tmp_path, text_lines) -> str:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = sa.create_engine(url)
    as_dates = text_lines.assign(InvoiceDate=pd.to_datetime(text_lines["InvoiceDate"]))
    as_dates.to_sql("invoice_lines", engine, index=False)
    engine.dispose()
    return url


def test_sql_table_and_query_by_url(sqlite_url, expected):
    _check(read_transactions(sqlite_url, table="invoice_lines", **MAPPING), expected, "SQL table")
    query = 'SELECT * FROM invoice_lines WHERE "Customer ID" IS NOT NULL'
    _check(read_transactions(sqlite_url, query=query, **MAPPING), expected, "SQL query")


def test_sql_engine_and_connection(sqlite_url, expected):
    engine = sa.create_engine(sqlite_url)
    _check(read_transactions(engine, table="invoice_lines", **MAPPING), expected, "sqlite")
    with engine.connect() as connection:
        result = read_transactions(connection, query="SELECT * FROM invoice_lines", **MAPPING)
        assert not connection.closed
    _check(result, expected, "SQL query")
    engine.dispose()


def test_sql_errors(sqlite_url):
    with pytest.raises(DataValidationError, match="table 'invoice_line' not found; did you mean"):
        read_transactions(sqlite_url, table="invoice_line", **MAPPING)
    with pytest.raises(DataValidationError, match="'Customer ID'.*columns present: 'InvoiceNo'$"):
        read_transactions(sqlite_url, query="SELECT InvoiceNo FROM invoice_lines", **MAPPING)
    with pytest.raises(DataValidationError, match="the SQL query failed: no such table: nope"):
        read_transactions(sqlite_url, query="SELECT * FROM nope", **MAPPING)
    with pytest.raises(ValueError, match="exactly one of table= .* or query="):
        read_transactions(sqlite_url, **MAPPING)
    with pytest.raises(ValueError, match="exactly one of table="):
        read_transactions(sqlite_url, table="invoice_lines", query="SELECT 1", **MAPPING)


def test_missing_column_suggests_close_names(text_lines):
    message = (
        r"column 'CustomerID' \(customer_id=\) not found; did you mean 'Customer ID'\? "
        r"columns present: 'InvoiceNo', 'StockCode', 'Quantity', 'InvoiceDate', 'UnitPrice', "
        r"'Customer ID'$"
    )
    with pytest.raises(DataValidationError, match=message):
        read_transactions(text_lines, **{**MAPPING, "customer_id": "CustomerID"})


def test_every_missing_column_is_named_at_once(text_lines):
    message = (
        r"column 'Invoice Date' \(date=\) not found; did you mean 'InvoiceDate'\?; "
        r"column 'Price' \(unit_price=\) not found; did you mean 'UnitPrice'\? columns present"
    )
    with pytest.raises(DataValidationError, match=message):
        read_transactions(text_lines, **{**MAPPING, "date": "Invoice Date", "unit_price": "Price"})


def test_missing_column_without_a_close_match(tmp_path, text_lines):
    path = tmp_path / "lines.parquet"
    text_lines.to_parquet(path)
    with pytest.raises(DataValidationError, match=r"column 'zzz' \(amount=\) not found; columns"):
        read_transactions(path, customer_id="Customer ID", date="InvoiceDate", amount="zzz")


def test_repeated_column_name_is_refused(text_lines):
    doubled = pd.concat([text_lines, text_lines[["Quantity"]]], axis=1)
    with pytest.raises(DataValidationError, match=r"column 'Quantity' \(quantity=\) appears 2 "):
        read_transactions(doubled, **MAPPING)


def test_file_problems(tmp_path, text_lines):
    with pytest.raises(DataValidationError, match="no such file or folder: .*absent.csv'; check"):
        read_transactions(tmp_path / "absent.csv", **MAPPING)
    (tmp_path / "lines.json").write_text("{}")
    with pytest.raises(DataValidationError, match="cannot tell the format of 'lines.json'"):
        read_transactions(tmp_path / "lines.json", **MAPPING)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataValidationError, match="'empty.csv' is empty: it has no header row"):
        read_transactions(tmp_path / "empty.csv", **MAPPING)
    (tmp_path / "broken.parquet").write_text("not parquet")
    with pytest.raises(DataValidationError, match="'broken.parquet' is not a readable Parquet"):
        read_transactions(tmp_path / "broken.parquet", **MAPPING)


def test_options_that_do_not_apply_are_refused(tmp_path, text_lines):
    with pytest.raises(ValueError, match="table= does not apply to a pandas source"):
        read_transactions(text_lines, table="lines", **MAPPING)
    with pytest.raises(ValueError, match="delimiter= does not apply to a polars source"):
        read_transactions(pl.from_pandas(text_lines), delimiter=";", **MAPPING)
    path = tmp_path / "lines.csv"
    text_lines.to_csv(path, index=False)
    with pytest.raises(ValueError, match="sheet_name= applies to Excel files only"):
        read_transactions(path, sheet_name="Lines", **MAPPING)
    with pytest.raises(TypeError, match="cannot read a list: pass a file path"):
        read_transactions([1, 2], **MAPPING)


@pytest.mark.parametrize(
    ("module", "extra", "source_kind"),
    [("openpyxl", "excel", "xlsx"), ("sqlalchemy", "sql", "sqlite")],
)
def test_missing_optional_dependency_names_the_extra(
    monkeypatch, tmp_path, text_lines, module, extra, source_kind
):
    if source_kind == "xlsx":
        source = tmp_path / "lines.xlsx"
        text_lines.to_excel(source, index=False)
    else:
        source = f"sqlite:///{tmp_path / 'shop.db'}"
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=rf"pip install crm-analytics\[{extra}\]"):
        read_transactions(source, table="t" if extra == "sql" else None, **MAPPING)


def test_corrupt_excel_file_is_named(tmp_path):
    path = tmp_path / "lines.xlsx"
    path.write_bytes(b"not a zip archive")
    with pytest.raises(DataValidationError, match=r"lines.xlsx' is not a readable Excel workbook"):
        read_transactions(path, **MAPPING)


@pytest.mark.parametrize("name", ["lines.csv", "lines.tsv", "lines.xlsx"])
def test_repeated_header_in_a_file_is_refused_like_in_a_frame(tmp_path, text_lines, name):
    doubled = pd.concat([text_lines, text_lines[["Customer ID"]]], axis=1)
    path = tmp_path / name
    if name.endswith(".xlsx"):
        doubled.to_excel(path, index=False)
    else:
        doubled.to_csv(path, sep="\t" if name.endswith(".tsv") else ",", index=False)
    message = r"column 'Customer ID' \(customer_id=\) appears 2 times in the source; rename"
    with pytest.raises(DataValidationError, match=message):
        read_transactions(path, **MAPPING)
    with pytest.raises(DataValidationError, match=message):
        read_transactions(doubled, **MAPPING)


def test_urls_of_files_are_refused_not_taken_for_sql():
    with pytest.raises(DataValidationError, match="URLs of files are not downloaded; download"):
        read_transactions("https://example.com/orders.csv", **MAPPING)


def test_unknown_encoding_names_the_argument(tmp_path, text_lines):
    path = tmp_path / "lines.csv"
    text_lines.to_csv(path, index=False)
    with pytest.raises(DataValidationError, match="encoding='utf-99' is not a text encoding"):
        read_transactions(path, encoding="utf-99", **MAPPING)


def test_sql_sources_that_are_not_databases(tmp_path, text_lines):
    absent = tmp_path / "absent.db"
    with pytest.raises(DataValidationError, match="no such database file: .*absent.db"):
        read_transactions(f"sqlite:///{absent}", table="invoice_lines", **MAPPING)
    assert not absent.exists()
    text_file = tmp_path / "lines.db"
    text_lines.to_csv(text_file, index=False)
    with pytest.raises(
        DataValidationError,
        match="reading the SQL table 'invoice_lines' failed: file is not a database",
    ):
        read_transactions(f"sqlite:///{text_file}", table="invoice_lines", **MAPPING)


def test_missing_database_driver_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg2", None)
    with pytest.raises(
        DataValidationError,
        match=r"'postgresql\+psycopg2://user:\*\*\*@localhost/shop' needs a database driver "
        r"that is not installed .*pip install psycopg2-binary",
    ):
        read_transactions(
            "postgresql+psycopg2://user:secret@localhost/shop", table="lines", **MAPPING
        )
