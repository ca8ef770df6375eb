"""read_transactions: canonical output, each policy's counts, and each error message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.io.transactions import read_transactions
from crm_analytics.quality import quality_report

from .conftest import COLUMNS


def _read(lines: pd.DataFrame, **options) -> pd.DataFrame:
    return read_transactions(lines, **{**COLUMNS, **options})


def test_canonical_columns_dtypes_and_order(invoice_lines):
    result = _read(invoice_lines)
    assert list(result.to_pandas().columns) == [
        "customer_id",
        "date",
        "amount",
        "order_id",
        "product",
    ] + ["quantity"]
    assert result.to_pandas().dtypes.astype(str).tolist() == [
        "int64",  # 17850.0 (a float because of the missing id) comes back as 17850
        "datetime64[ns]",
        "float64",
        "str",
        "str",
        "int64",
    ]
    assert isinstance(result.to_pandas().index, pd.RangeIndex)
    # Sorted by customer then date; 13047's free line (2011-01-20) follows their 2011-01-10 order.
    assert result.to_pandas()["customer_id"].tolist() == [12583, 13047, 13047, 17850, 17850, 17850]
    assert result.to_pandas()["amount"].tolist() == [1.5, 7.5, 0.0, 3.0, 4.0, 4.0]
    assert result.to_pandas()["order_id"].tolist() == [
        "1007",
        "1002",
        "1005",
        "1001",
        "1001",
        "1001",
    ]
    assert result.to_pandas().loc[0, "date"] == pd.Timestamp("2011-02-01 10:00")


def test_amount_given_directly_equals_amount_derived(invoice_lines):
    with_amount = invoice_lines.assign(Value=invoice_lines["Quantity"] * invoice_lines["UnitPrice"])
    derived = _read(invoice_lines)
    direct = read_transactions(
        with_amount,
        customer_id="CustomerID",
        date="InvoiceDate",
        amount="Value",
        quantity="Quantity",
        order_id="InvoiceNo",
        product="StockCode",
    )
    pd.testing.assert_frame_equal(direct.to_pandas(), derived.to_pandas())
    assert quality_report(derived).columns["amount"] == "Quantity * UnitPrice"
    assert quality_report(direct).columns["amount"] == "Value"


def test_minimal_mapping_has_only_the_required_columns(invoice_lines):
    lines = invoice_lines.assign(Value=invoice_lines["Quantity"] * invoice_lines["UnitPrice"])
    result = read_transactions(lines, customer_id="CustomerID", date="InvoiceDate", amount="Value")
    assert list(result.to_pandas().columns) == ["customer_id", "date", "amount"]
    assert quality_report(result).n_orders is None


# Line values: 3, 4, 4 (repeat), 7.5, -1.5 (return), 6 (no id), 0 (free), -3 (return), 1.5.
@pytest.mark.parametrize(
    ("options", "dropped", "amount_dropped", "flagged", "amount_kept"),
    [
        (
            {},
            {"missing_customer_id": 1, "return": 2},
            {"missing_customer_id": 6.0, "return": -4.5},
            {"duplicate": 1, "zero_amount": 1},
            20.0,
        ),
        (
            {"returns": "keep"},
            {"missing_customer_id": 1},
            {"missing_customer_id": 6.0},
            {"duplicate": 1, "return": 2, "zero_amount": 1},
            15.5,
        ),
        (
            {"returns": "net"},
            {"missing_customer_id": 1, "unmatched_return": 1},
            {"missing_customer_id": 6.0, "unmatched_return": -3.0},
            {"duplicate": 1, "return_netted": 1, "zero_amount": 1},
            18.5,
        ),
        (
            {"duplicates": "drop", "zero_amounts": "drop"},
            {"missing_customer_id": 1, "duplicate": 1, "return": 2, "zero_amount": 1},
            {"missing_customer_id": 6.0, "duplicate": 4.0, "return": -4.5, "zero_amount": 0.0},
            {},
            16.0,
        ),
    ],
)
def test_policy_counts_add_up(
    invoice_lines, options, dropped, amount_dropped, flagged, amount_kept
):
    result = _read(invoice_lines, **options)
    report = quality_report(result)
    assert report.rows_dropped == dropped
    assert report.amount_dropped == pytest.approx(amount_dropped)
    assert report.flagged == flagged
    assert report.rows_read == 9
    assert report.rows_kept == len(result) == 9 - sum(dropped.values())
    assert report.amount_read == pytest.approx(21.5)
    assert (
        report.amount_kept
        == pytest.approx(amount_kept)
        == pytest.approx(result.to_pandas()["amount"].sum())
    )
    assert len(report.warnings) == len(flagged)


def test_returns_drop_leaves_no_negative_lines(invoice_lines):
    result = _read(invoice_lines)
    assert (result.to_pandas()["amount"] >= 0).all() and (result.to_pandas()["quantity"] >= 0).all()
    assert not result.to_pandas()["order_id"].str.startswith("C").any()


def test_returns_net_takes_the_date_and_order_of_the_latest_earlier_purchase(invoice_lines):
    result = _read(invoice_lines, returns="net")
    netted = result.to_pandas()[result.to_pandas()["amount"] < 0]
    assert len(netted) == 1
    assert netted.iloc[0].to_dict() == {
        "customer_id": 17850,
        "date": pd.Timestamp("2011-01-03 09:00"),  # was 2011-01-12 15:00 on invoice C1003
        "amount": -1.5,
        "order_id": "1001",
        "product": "A",
        "quantity": -1,
    }
    # 17850 still has one purchase day, worth 3 + 4 + 4 - 1.5.
    days = result.to_pandas()[result.to_pandas()["customer_id"] == 17850].groupby(
        result.to_pandas()["date"].dt.normalize()
    )
    assert days["amount"].sum().tolist() == [9.5]


def test_returns_net_counts_days_that_go_negative():
    lines = pd.DataFrame(
        {
            "customer": ["a", "a", "a", "b"],
            "day": ["2024-01-01", "2024-01-05", "2024-01-09", "2024-01-02"],
            "value": [50.0, 10.0, -30.0, 20.0],
        }
    )
    result = read_transactions(
        lines, customer_id="customer", date="day", amount="value", returns="net"
    )
    report = quality_report(result)
    assert report.flagged == {"return_netted": 1, "negative_net_day": 1}
    # The return of 30 lands on a's latest purchase day (10 on 2024-01-05): net -20.
    assert result.to_pandas()["date"].tolist()[1:3] == [pd.Timestamp("2024-01-05")] * 2
    assert "1 customer-days have a negative net amount" in report.warnings[1]


def test_cancellation_prefix_marks_lines_whatever_their_sign():
    lines = pd.DataFrame(
        {
            "customer": [1, 1, 2],
            "invoice": ["100", "C101", "102"],
            "day": ["2024-01-01", "2024-01-02", "2024-01-03"],
            "value": [10.0, 10.0, 5.0],  # this export records cancellations as positive values
        }
    )
    mapping = {"customer_id": "customer", "date": "day", "amount": "value", "order_id": "invoice"}
    assert quality_report(read_transactions(lines, **mapping)).rows_dropped == {}
    result = read_transactions(lines, cancellation_prefix="C", **mapping)
    assert result.to_pandas()["order_id"].tolist() == ["100", "102"]
    assert quality_report(result).rows_dropped == {"return": 1}


def test_duplicates_raise_quotes_an_example(invoice_lines):
    with pytest.raises(
        DataValidationError,
        match=r"1 rows repeat an earlier row exactly in the columns read, e\.g\. customer 17850 "
        r"on 2011-01-03 09:00:00 for 4; pass duplicates='keep' .* or duplicates='drop'",
    ):
        _read(invoice_lines, duplicates="raise")


def test_missing_customer_id_raise(invoice_lines):
    with pytest.raises(
        DataValidationError,
        match=r"^1 rows have no customer id in column 'CustomerID' \(customer_id=\), e\.g\. rows 5 "
        r"\(counting from 0\); fill them in the source, or pass missing_customer_id='drop'",
    ):
        _read(invoice_lines, missing_customer_id="raise")


def test_blank_text_ids_count_as_missing_and_ids_are_stripped():
    lines = pd.DataFrame(
        {"who": [" 007", "  ", None, "007 "], "day": ["2024-01-01"] * 4, "value": [1.0] * 4}
    )
    result = read_transactions(lines, customer_id="who", date="day", amount="value")
    assert result.to_pandas()["customer_id"].tolist() == ["007", "007"]
    assert quality_report(result).rows_dropped == {"missing_customer_id": 2}


def test_unparseable_dates(invoice_lines):
    lines = invoice_lines.copy()
    lines.loc[[1, 4, 6], "InvoiceDate"] = ["31/02/2011", "soon", None]
    with pytest.raises(
        DataValidationError,
        match=r"^column 'InvoiceDate' \(date=\) has 2 values that are not dates \(e\.g\. "
        r"'31/02/2011', 'soon'\) and 1 missing value; fix them in the source, or pass "
        r"invalid_rows='drop'",
    ):
        _read(lines)
    report = quality_report(_read(lines, invalid_rows="drop"))
    assert report.rows_dropped == {"invalid_date": 3, "missing_customer_id": 1, "return": 1}
    assert report.amount_dropped["invalid_date"] == pytest.approx(4.0 - 1.5 + 0.0)


def test_non_numeric_amounts_quantities_and_prices(invoice_lines):
    lines = invoice_lines.astype({"Quantity": object, "UnitPrice": object})
    lines.loc[[0, 1], "Quantity"] = ["two", "1 box"]
    lines.loc[[3, 8], "UnitPrice"] = ["£1.50", np.inf]
    with pytest.raises(
        DataValidationError,
        match=r"^column 'Quantity' \(quantity=\) has 2 values that are not numbers \(e\.g\. "
        r"'two', '1 box'\); column 'UnitPrice' \(unit_price=\) has 2 values that are not "
        r"numbers \(e\.g\. '£1\.50', inf\); fix them in the source, or pass invalid_rows='drop'",
    ):
        _read(lines)
    report = quality_report(_read(lines, invalid_rows="drop"))
    assert report.rows_dropped["invalid_amount"] == 4
    # Values that could not be read count as 0 in the totals, so the totals still add up.
    assert report.amount_read == pytest.approx(21.5 - 3 - 4 - 7.5 - 1.5)
    assert report.amount_dropped["invalid_amount"] == 0.0


def test_text_numbers_with_spaces_are_read(invoice_lines):
    lines = invoice_lines.assign(UnitPrice=[f" {price} " for price in invoice_lines["UnitPrice"]])
    pd.testing.assert_frame_equal(_read(lines).to_pandas(), _read(invoice_lines).to_pandas())


def test_missing_amount(invoice_lines):
    lines = invoice_lines.assign(Value=[1.0, None, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    with pytest.raises(
        DataValidationError, match=r"column 'Value' \(amount=\) has 1 missing value;"
    ):
        read_transactions(lines, customer_id="CustomerID", date="InvoiceDate", amount="Value")


def test_numeric_dates_need_a_format():
    lines = pd.DataFrame({"c": [1, 2], "d": [20110103, 20110204], "v": [1.0, 2.0]})
    with pytest.raises(
        DataValidationError,
        match=r"column 'd' \(date=\) holds numbers \(e\.g\. 20110103, 20110204\), not dates; "
        r"pass date_format=",
    ):
        read_transactions(lines, customer_id="c", date="d", amount="v")
    result = read_transactions(lines, customer_id="c", date="d", amount="v", date_format="%Y%m%d")
    assert result.to_pandas()["date"].tolist() == [
        pd.Timestamp("2011-01-03"),
        pd.Timestamp("2011-02-04"),
    ]


def test_day_first_and_explicit_formats():
    lines = pd.DataFrame({"c": [1, 1], "d": ["03/01/2011 09:00", "13/01/2011 10:00"], "v": [1, 2]})
    result = read_transactions(lines, customer_id="c", date="d", amount="v", dayfirst=True)
    assert result.to_pandas()["date"].tolist() == [
        pd.Timestamp("2011-01-03 09:00"),
        pd.Timestamp("2011-01-13 10:00"),
    ]
    # One column mixing two layouts: the format is inferred from the first value, so the
    # other is reported, and date_format="mixed" reads each value on its own.
    lines.loc[1, "d"] = "13/01/2011"
    with pytest.raises(
        DataValidationError,
        match=r"has 1 value that is not dates \(e\.g\. '13/01/2011'\); fix them in the source, "
        r"pass date_format='mixed', which reads each date on its own \('13/01/2011' too\), or "
        r"pass invalid_rows='drop'",
    ):
        read_transactions(lines, customer_id="c", date="d", amount="v", dayfirst=True)
    result = read_transactions(
        lines, customer_id="c", date="d", amount="v", date_format="mixed", dayfirst=True
    )
    assert result.to_pandas()["date"].tolist() == [
        pd.Timestamp("2011-01-03 09:00"),
        pd.Timestamp("2011-01-13"),
    ]


def test_iso_dates_with_and_without_times_in_one_column():
    lines = pd.DataFrame({"c": [1, 1], "d": ["2011-01-03", "2011-01-04T10:30"], "v": [1.0, 2.0]})
    result = read_transactions(lines, customer_id="c", date="d", amount="v")
    assert result.to_pandas()["date"].tolist() == [
        pd.Timestamp("2011-01-03"),
        pd.Timestamp("2011-01-04 10:30"),
    ]


def test_dates_out_of_range_are_invalid():
    lines = pd.DataFrame({"c": [1, 1], "d": ["2011-01-03", "9999-12-31"], "v": [1.0, 2.0]})
    with pytest.raises(DataValidationError, match=r"1 value that is not dates \(e\.g\. '9999-12"):
        read_transactions(lines, customer_id="c", date="d", amount="v")


def test_time_zones_keep_local_time_and_are_reported():
    days = pd.Series(pd.to_datetime(["2024-03-01 23:30", "2024-03-02 08:00"])).dt.tz_localize(
        "Europe/Paris"
    )
    lines = pd.DataFrame({"c": [1, 1], "d": days, "v": [1.0, 2.0]})
    result = read_transactions(lines, customer_id="c", date="d", amount="v")
    assert str(result.to_pandas()["date"].dtype) == "datetime64[ns]"
    assert result.to_pandas()["date"].tolist()[0] == pd.Timestamp("2024-03-01 23:30")
    assert "had time zone Europe/Paris; kept local times" in quality_report(result).warnings[0]

    mixed = lines.assign(d=["2024-03-01T23:30:00+01:00", "2024-03-02T08:00:00+02:00"])
    result = read_transactions(mixed, customer_id="c", date="d", amount="v")
    assert result.to_pandas()["date"].tolist() == [
        pd.Timestamp("2024-03-01 22:30"),
        pd.Timestamp("2024-03-02 06:00"),
    ]
    assert "several UTC offsets; converted to UTC" in quality_report(result).warnings[0]


def test_observation_end_includes_its_whole_day(invoice_lines):
    result = _read(invoice_lines, observation_end="2011-02-01")
    assert result.to_pandas()["date"].max() == pd.Timestamp("2011-02-01 10:00")
    assert quality_report(result).observation_end == pd.Timestamp("2011-02-01")


def test_dates_after_observation_end(invoice_lines):
    with pytest.raises(
        DataValidationError,
        match=r"^2 rows are dated after observation_end 2011-01-15 \(the last on 2011-02-01 "
        r"10:00:00\), e\.g\. customer 13047 on 2011-01-20 11:00:00, customer 12583 on "
        r"2011-02-01 10:00:00; pass a later observation_end=, .* after_observation_end='drop'",
    ):
        _read(invoice_lines, observation_end=pd.Timestamp("2011-01-15 08:00"))
    result = _read(invoice_lines, observation_end="2011-01-15", after_observation_end="drop")
    report = quality_report(result)
    assert report.rows_dropped == {"missing_customer_id": 1, "after_observation_end": 2} | {
        "return": 2
    }
    assert report.last_date == pd.Timestamp("2011-01-10 12:00")
    with pytest.raises(
        DataValidationError,
        match=r"observation_end 2010-06-30 is before the first transaction \(2011-01-0.*\): "
        r"all \d+ rows are after it",
    ):
        _read(invoice_lines, observation_end="2010-06-30", after_observation_end="drop")


def test_empty_source_and_empty_after_dropping(invoice_lines):
    with pytest.raises(DataValidationError, match=r"pandas DataFrame \(0 rows\) has no rows"):
        _read(invoice_lines.iloc[:0])
    returns_only = invoice_lines[invoice_lines["Quantity"] < 0]
    with pytest.raises(
        DataValidationError,
        match=r"no rows left to load: all 2 rows of pandas DataFrame \(2 rows\) were dropped "
        r"\(return: 2\); check the column mapping and the policies",
    ):
        _read(returns_only)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"returns": "ignore"}, "returns= must be one of 'drop', 'net', 'keep', not 'ignore'"),
        ({"duplicates": "first"}, "duplicates= must be one of 'keep', 'drop', 'raise'"),
        ({"unit_price": None}, r"give amount=, or both quantity= and unit_price="),
        ({"amount": "Quantity"}, r"give either amount= or unit_price= \(with quantity=\)"),
        ({"order_id": None, "cancellation_prefix": "C"}, "cancellation_prefix= .* needs order_id="),
        ({"observation_end": "someday"}, "observation_end='someday' is not a date"),
        (
            {"observation_end": "31/31/2024"},
            r"is not a date written year first; write it as YYYY-MM-DD",
        ),
        ({"encoding": "utf-99"}, "encoding='utf-99' is not a text encoding Python knows"),
        ({"date_format": "%Q"}, r"date_format='%Q' is not a date pattern \('Q' is a bad"),
    ],
)
def test_argument_errors(invoice_lines, options, message):
    # A DataValidationError is a ValueError, so callers catching ValueError still work.
    with pytest.raises(DataValidationError, match=message):
        _read(invoice_lines, **options)


def test_csv_dates_with_a_utc_offset_keep_local_time_like_a_frame(tmp_path):
    text = "c,d,v\n1,2024-01-02T00:30:00+02:00,1.0\n1,2024-01-05T00:30:00+02:00,2.0\n"
    path = tmp_path / "lines.csv"
    path.write_text(text)
    from_csv = read_transactions(path, customer_id="c", date="d", amount="v")
    from_frame = read_transactions(
        pd.read_csv(path, dtype="str"), customer_id="c", date="d", amount="v"
    )
    # The customer's calendar day, not UTC's (which would be 1 and 4 January).
    expected = [pd.Timestamp("2024-01-02 00:30"), pd.Timestamp("2024-01-05 00:30")]
    assert (
        from_csv.to_pandas()["date"].tolist() == from_frame.to_pandas()["date"].tolist() == expected
    )


def test_date_format_is_honoured_by_every_source(tmp_path):
    lines = pd.DataFrame({"c": ["a", "b"], "d": ["2024-02-01", "2024-05-01"], "v": [1.0, 2.0]})
    path = tmp_path / "lines.csv"
    lines.to_csv(path, index=False)
    options = {"customer_id": "c", "date": "d", "amount": "v", "date_format": "%Y-%d-%m"}
    expected = [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-05")]
    for source in (lines, path, str(path)):
        assert read_transactions(source, **options).to_pandas()["date"].tolist() == expected
    with pytest.raises(DataValidationError, match=r"date_format='%Q' is not a date pattern"):
        read_transactions(path, **{**options, "date_format": "%Q"})
    # Checked even where every value is already a date and the pattern would go unused.
    as_dates = lines.assign(d=pd.to_datetime(lines["d"]))
    with pytest.raises(DataValidationError, match=r"date_format=5 is not a date pattern"):
        read_transactions(as_dates, **{**options, "date_format": 5})


def test_report_is_a_field_kept_by_the_log_as_of_a_date(invoice_lines):
    result = _read(invoice_lines)
    assert quality_report(result) is result.report
    snapshot = result.as_of(result.first_date)
    assert snapshot.report is result.report
    assert len(snapshot) < len(result)
    with pytest.raises(DataValidationError, match="DataFrame carries no data-quality report"):
        quality_report(result.to_pandas())


def test_customer_mapping_moves_lines_of_merged_duplicates():
    raw = pd.DataFrame(
        {
            "cust": ["a", "b", "c", "b"],
            "day": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
            "value": [10.0, 5.0, 2.0, 1.0],
        }
    )
    log = read_transactions(
        raw, customer_id="cust", date="day", amount="value", customer_mapping=pd.Series({"b": "a"})
    )
    assert log.to_pandas()["customer_id"].tolist() == ["a", "a", "a", "c"]
    assert log.to_pandas().groupby("customer_id")["amount"].sum().to_dict() == {"a": 16.0, "c": 2.0}
    report = log.report
    assert report.flagged == {"merged_customer_id": 2}
    assert report.n_customers == 2
    assert "2 lines moved to surviving customer ids" in str(report)
    with pytest.raises(DataValidationError, match="surviving id.*themselves mapped"):
        read_transactions(
            raw,
            customer_id="cust",
            date="day",
            amount="value",
            customer_mapping=pd.Series({"b": "a", "a": "c"}),
        )
