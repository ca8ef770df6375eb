"""read_customers: canonical customer tables, churn flags, policies and the quality report."""

from __future__ import annotations

import sqlite3

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.io import read_customers, read_transactions


@pytest.fixture
def contracts() -> pd.DataFrame:
    """A telecom-style export: ids as numbers stored as floats, yes/no flags, a blank id."""
    return pd.DataFrame(
        {
            "CustID": [3.0, 1.0, 2.0, None, 4.0],
            "Joined": ["2023-01-05", "2023-02-11", "2023-03-20", "2023-04-01", "2023-05-02"],
            "Left": [None, "2023-06-30", None, None, "2023-07-01"],
            "Churn": ["No", "Yes", "no", "yes", "YES"],
            "Contract": ["Month-to-month", "One year", "Two year", "One year", "Month-to-month"],
            "MonthlyCharges": [29.85, 56.95, 53.85, 42.30, 70.70],
        }
    )


def test_canonical_table(contracts: pd.DataFrame) -> None:
    customers = read_customers(
        contracts, customer_id="CustID", signup_date="Joined", cancel_date="Left", churned="Churn"
    )
    assert customers.frame.columns.tolist() == [
        "customer_id",
        "signup_date",
        "cancel_date",
        "churned",
        "Contract",
        "MonthlyCharges",
    ]
    # Whole-number float ids become integers; rows are sorted by id; the blank id is dropped.
    assert customers.frame["customer_id"].tolist() == [1, 2, 3, 4]
    assert customers.frame["churned"].tolist() == [True, False, False, True]
    assert customers.frame.loc[0, "cancel_date"] == pd.Timestamp("2023-06-30")
    assert customers.frame["cancel_date"].isna().tolist() == [False, True, True, False]
    report = customers.report
    assert (report.rows_read, report.rows_kept) == (5, 4)
    assert report.rows_dropped == {"missing_customer_id": 1}
    assert report.n_customers == 4
    assert report.first_date == pd.Timestamp("2023-01-05")


def test_churned_is_derived_from_cancel_date(contracts: pd.DataFrame) -> None:
    customers = read_customers(contracts, customer_id="CustID", cancel_date="Left", attributes=[])
    assert customers.frame.columns.tolist() == ["customer_id", "cancel_date", "churned"]
    assert customers.frame["churned"].tolist() == [True, False, False, True]
    assert customers.report.columns["churned"] == "Left is not empty"


def test_attributes_can_be_renamed(contracts: pd.DataFrame) -> None:
    customers = read_customers(contracts, customer_id="CustID", attributes={"Contract": "plan"})
    assert customers.frame.columns.tolist() == ["customer_id", "plan"]


def test_cancel_date_without_churn_flag_is_flagged(contracts: pd.DataFrame) -> None:
    contracts.loc[1, "Churn"] = "No"
    customers = read_customers(contracts, customer_id="CustID", cancel_date="Left", churned="Churn")
    assert customers.report.flagged == {"cancel_date_not_churned": 1}


def test_duplicate_ids(contracts: pd.DataFrame) -> None:
    contracts.loc[4, "CustID"] = 3.0
    with pytest.raises(DataValidationError, match=r"1 rows repeat a customer id .*'CustID'.*3"):
        read_customers(contracts, customer_id="CustID")
    last = read_customers(contracts, customer_id="CustID", signup_date="Joined", duplicates="last")
    assert last.frame.loc[last.frame["customer_id"] == 3, "signup_date"].item() == pd.Timestamp(
        "2023-05-02"
    )
    assert last.report.rows_dropped["duplicate_customer_id"] == 1


def test_invalid_values_raise_or_drop(contracts: pd.DataFrame) -> None:
    contracts.loc[0, "Joined"] = "not a date"
    contracts.loc[2, "Churn"] = "maybe"
    contracts.loc[4, "Left"] = "2023-01-01"  # before signing up
    with pytest.raises(DataValidationError) as raised:
        read_customers(
            contracts,
            customer_id="CustID",
            signup_date="Joined",
            cancel_date="Left",
            churned="Churn",
        )
    message = str(raised.value)
    assert "column 'Joined' (signup_date=)" in message
    assert "'maybe'" in message
    assert "1 rows have a cancel date before the signup date" in message
    assert "invalid_rows='drop'" in message
    kept = read_customers(
        contracts,
        customer_id="CustID",
        signup_date="Joined",
        cancel_date="Left",
        churned="Churn",
        invalid_rows="drop",
    )
    assert kept.frame["customer_id"].tolist() == [1]
    assert kept.report.rows_dropped == {
        "invalid_date": 1,
        "cancel_before_signup": 1,
        "invalid_churned": 1,
        "missing_customer_id": 1,
    }


def test_missing_column_and_missing_ids(contracts: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError, match="'Joind'.*did you mean 'Joined'"):
        read_customers(contracts, customer_id="CustID", signup_date="Joind")
    with pytest.raises(DataValidationError, match="1 rows have no customer id in column 'CustID'"):
        read_customers(contracts, customer_id="CustID", missing_customer_id="raise")


def test_attribute_that_clashes_with_a_canonical_name(contracts: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError, match="would clash with the canonical columns"):
        read_customers(contracts, customer_id="CustID", attributes={"Churn": "churned"})


def test_sql_and_csv_sources_give_the_same_table(contracts: pd.DataFrame, tmp_path) -> None:
    options = {
        "customer_id": "CustID",
        "signup_date": "Joined",
        "cancel_date": "Left",
        "churned": "Churn",
    }
    expected = read_customers(contracts, **options)
    database = tmp_path / "crm.sqlite"
    with sqlite3.connect(database) as connection:
        contracts.to_sql("customers", connection, index=False)
    from_sql = read_customers(f"sqlite:///{database}", table="customers", **options)
    contracts.to_csv(tmp_path / "customers.csv", index=False)
    from_csv = read_customers(tmp_path / "customers.csv", **options)
    for table in (from_sql, from_csv):
        pd.testing.assert_frame_equal(table.frame, expected.frame, check_dtype=False)


def test_yes_no_attribute_with_gaps_is_boolean_from_every_source(tmp_path) -> None:
    export = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "joined": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
            "vip": pd.array([True, None, False], dtype="boolean"),
            "plan": ["basic", None, "pro"],
        }
    )
    export.to_csv(tmp_path / "customers.csv", index=False)
    export.to_parquet(tmp_path / "customers.parquet")
    sources = [
        export,
        pl.from_pandas(export),
        pa.Table.from_pandas(export),
        tmp_path / "customers.csv",
        tmp_path / "customers.parquet",
    ]
    for source in sources:
        table = read_customers(source, customer_id="id", signup_date="joined")
        assert table.frame["vip"].dtype == "boolean", type(source)
        assert table.frame["vip"].tolist() == [True, pd.NA, False]
        assert table.frame["plan"].tolist()[::2] == ["basic", "pro"]


def test_real_telco_export(shared_data) -> None:
    customers = read_customers(
        shared_data / "telco_churn.csv", customer_id="customerID", churned="Churn"
    )
    assert len(customers.frame) == 7_043
    assert customers.frame["churned"].sum() == 1_869  # IBM's published churn count (26.5%)


def test_numeric_ids_match_whether_or_not_a_file_has_gaps(tmp_path) -> None:
    # pandas writes a column of integer ids with a gap as floats: "10855.0".
    pd.DataFrame(
        {"CustomerID": [10855.0, None, 10000.0], "Day": ["2024-01-01"] * 3, "Value": [1.0] * 3}
    ).to_csv(tmp_path / "orders.csv", index=False)
    pd.DataFrame({"CustomerID": [10855, 10000], "Joined": ["2023-01-01"] * 2}).to_csv(
        tmp_path / "customers.csv", index=False
    )
    assert "10855.0" in (tmp_path / "orders.csv").read_text()
    orders = read_transactions(
        tmp_path / "orders.csv", customer_id="CustomerID", date="Day", amount="Value"
    )
    customers = read_customers(tmp_path / "customers.csv", customer_id="CustomerID")
    assert (
        orders.to_pandas()["customer_id"].tolist()
        == customers.frame["customer_id"].tolist()
        == [10000, 10855]
    )
    assert (
        orders.to_pandas()["customer_id"].dtype == customers.frame["customer_id"].dtype == "int64"
    )
    # The same ids given as text, as numbers or as a frame come back the same.
    as_text = pd.DataFrame({"CustomerID": ["10855", "10000"]})
    assert read_customers(as_text, customer_id="CustomerID").frame["customer_id"].tolist() == [
        10000,
        10855,
    ]
    # Leading zeros make an id text, so they survive.
    zeros = pd.DataFrame({"CustomerID": ["0042", "12.0", "7"]})
    assert read_customers(zeros, customer_id="CustomerID").frame["customer_id"].tolist() == [
        "0042",
        "12",
        "7",
    ]


def test_attribute_arguments_that_cannot_work(contracts: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError, match="attributes='Contract' is not a list of column"):
        read_customers(contracts, customer_id="CustID", attributes="Contract")
    with pytest.raises(
        DataValidationError,
        match=r"attributes= gives 1 output name\(s\) to several columns \('Contract', "
        r"'MonthlyCharges' all become 'x'\); give each kept column its own name",
    ):
        read_customers(
            contracts, customer_id="CustID", attributes={"Contract": "x", "MonthlyCharges": "x"}
        )
    with pytest.raises(DataValidationError, match="duplicates= must be one of 'raise', 'first'"):
        read_customers(contracts, customer_id="CustID", duplicates="frist")


def test_repeated_header_is_refused_when_every_column_is_kept(tmp_path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("CustID,Region,Region\n1,East,West\n")
    with pytest.raises(DataValidationError, match="column 'Region' appears 2 times in the source"):
        read_customers(path, customer_id="CustID")
    kept = read_customers(path, customer_id="CustID", attributes=[])
    assert kept.frame["customer_id"].tolist() == [1]
