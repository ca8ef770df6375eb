"""Edges of reading real exports: implausible dates, day/month order, date formats that the
messages suggest, true/false numbers and ids written as integers or floats."""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.io import read_customers, read_transactions
from crm_analytics.io._parse import parse_dates, parse_ids
from crm_analytics.quality import quality_report

MAPPING = {"customer_id": "c", "date": "d", "amount": "v"}


def _lines(dates, **columns) -> pd.DataFrame:
    return pd.DataFrame({"c": range(1, len(dates) + 1), "d": dates, "v": 1.0, **columns})


# ---- dates in the future and around 1900 ----------------------------------------------


def test_dates_in_the_future_are_refused_with_the_reason():
    today = pd.Timestamp.now().normalize()
    with pytest.raises(
        DataValidationError,
        match=rf"^column 'd' \(date=\) has 1 date after today \({today.date()}\) \(e\.g\. "
        r"'2250-06-01' in row 2: a mistyped year, or a day/month mix-up\?\); dates from "
        rf"1901-01-01 to today \({today.date()}\) are taken as plausible: pass "
        r"plausible_dates=\(earliest, latest\) if the others are real, or plausible_dates=None "
        r"to accept any date; fix them in the source, or pass invalid_rows='drop'",
    ):
        read_transactions(_lines(["2011-01-03", "2250-06-01"]), **MAPPING)
    dropped = read_transactions(
        _lines(["2011-01-03", "2250-06-01"]), invalid_rows="drop", **MAPPING
    )
    assert quality_report(dropped).rows_dropped == {"invalid_date": 1}
    accepted = read_transactions(
        _lines(["2011-01-03", "2250-06-01"]), plausible_dates=None, **MAPPING
    )
    assert accepted.to_pandas()["date"].max() == pd.Timestamp("2250-06-01")


def test_today_allows_the_end_of_tomorrow_for_time_zones_ahead():
    today = pd.Timestamp.now().normalize()
    tomorrow_evening = str(today + pd.Timedelta(hours=47))
    read_transactions(_lines([str(today), tomorrow_evening]), **MAPPING)
    with pytest.raises(DataValidationError, match=r"has 1 date after today"):
        read_transactions(_lines([str(today + pd.Timedelta(days=2))]), **MAPPING)


def test_placeholder_dates_around_1900_are_refused():
    with pytest.raises(
        DataValidationError,
        match=r"^column 'd' \(date=\) has 2 dates before 1901-01-01 \(e\.g\. '1899-12-30' in row "
        r"1, '1900-01-01' in row 3: spreadsheets and databases write such dates for a missing "
        r"one\);",
    ):
        read_transactions(_lines(["1899-12-30", "2011-01-03", "1900-01-01"]), **MAPPING)


def test_other_plausible_bounds_and_bad_bounds():
    lines = _lines(["1950-06-01", "2011-01-03"])
    result = read_transactions(lines, plausible_dates=("1940-01-01", "2011-01-03"), **MAPPING)
    assert len(result) == 2
    with pytest.raises(
        DataValidationError, match=r"has 1 date after 2011-01-02 \(e\.g\. '2011-01-03' in row 2"
    ):
        read_transactions(lines, plausible_dates=("1940-01-01", "2011-01-02"), **MAPPING)
    with pytest.raises(
        DataValidationError,
        match=r"plausible_dates=\('2020-01-01', '2010-01-01'\): the earliest date is not before "
        r"the latest; pass two dates such as \('1990-01-01', 'today'\), or None",
    ):
        read_transactions(lines, plausible_dates=("2020-01-01", "2010-01-01"), **MAPPING)
    with pytest.raises(DataValidationError, match=r"plausible_dates='today': it is not a pair"):
        read_transactions(lines, plausible_dates="today", **MAPPING)


def test_customer_dates_are_checked_too():
    customers = pd.DataFrame(
        {"id": [1, 2], "joined": ["1900-01-01", "2020-05-01"], "left": [None, "2250-01-01"]}
    )
    with pytest.raises(
        DataValidationError,
        match=r"column 'joined' \(signup_date=\) has 1 date before 1901-01-01 \(e\.g\. "
        r"'1900-01-01' in row 1: .*column 'left' \(cancel_date=\) has 1 date after today",
    ):
        read_customers(customers, customer_id="id", signup_date="joined", cancel_date="left")


# ---- day / month order -----------------------------------------------------------------


def test_a_day_first_export_without_a_day_above_12_is_refused_naming_rows():
    dates = ["01/02/2011", "05/02/2011", "05/02/2011", "03/04/2011"]
    with pytest.raises(
        DataValidationError,
        match=r"^column 'd' \(date=\): 4 of 4 dates such as '01/02/2011' \(row 1\), "
        r"'05/02/2011' \(row 2\), '05/02/2011' \(row 3\) read both as day/month/year and as "
        r"month/day/year, and no date in the column settles which \(none has a day above 12\); "
        r"pass dayfirst=True if '01/02/2011' is 01 February 2011, dayfirst=False if it is 02 "
        r"January 2011, or date_format='%d/%m/%Y'$",
    ):
        read_transactions(_lines(dates), **MAPPING)
    day_first = read_transactions(_lines(dates), dayfirst=True, **MAPPING)
    assert day_first.to_pandas()["date"].min() == pd.Timestamp("2011-02-01")
    month_first = read_transactions(_lines(dates), dayfirst=False, **MAPPING)
    assert month_first.to_pandas()["date"].min() == pd.Timestamp("2011-01-02")
    formatted = read_transactions(_lines(dates), date_format="%d/%m/%Y", **MAPPING)
    pd.testing.assert_series_equal(formatted.to_pandas()["date"], day_first.to_pandas()["date"])


def test_the_suggested_format_reads_dates_with_times():
    dates = ["01/02/2011 10:30", "05/02/2011 17:45"]
    with pytest.raises(
        DataValidationError, match=r"dayfirst=False if it is 02 January 2011, or date_format="
    ) as info:
        read_transactions(_lines(dates), **MAPPING)
    fmt = re.search(r"date_format='([^']+)'", str(info.value)).group(1)
    assert fmt == "%d/%m/%Y %H:%M"
    assert pd.to_datetime(pd.Series(dates), format=fmt).tolist() == [
        pd.Timestamp("2011-02-01 10:30"),
        pd.Timestamp("2011-02-05 17:45"),
    ]


@pytest.mark.parametrize(
    ("dates", "proved"),
    [
        (["01/02/2011", "13/02/2011"], "day"),
        (["01.02.2011 08:00", "25.12.2011 09:30"], "day"),
        (["01/02/2011", "02/13/2011"], "month"),
        (["01/01/2011", "02/02/2011"], "either"),
    ],
)
def test_a_value_that_proves_the_order_settles_the_column(dates, proved):
    result = read_transactions(_lines(dates), **MAPPING)
    first = result.to_pandas().sort_values("customer_id")["date"].iloc[0]
    expected = {"day": "2011-02-01", "month": "2011-01-02", "either": "2011-01-01"}[proved]
    assert first.normalize() == pd.Timestamp(expected)
    warnings = quality_report(result).warnings
    if proved == "day":
        assert any("was read as day/month/year: dates such as" in text for text in warnings)


def test_a_column_mixing_both_orders_is_refused():
    with pytest.raises(
        DataValidationError,
        match=r"column 'd' \(date=\) mixes day/month/year dates \(e\.g\. '13/02/2011'\) with "
        r"month/day/year ones \(e\.g\. '02/14/2011'\)",
    ):
        read_transactions(_lines(["01/02/2011", "13/02/2011", "02/14/2011"]), **MAPPING)


# ---- every example format in a message reads the values it quotes -----------------------


@pytest.mark.parametrize(
    ("dates", "dayfirst", "suggested"),
    [
        (["03/01/2011 09:00", "13/01/2011 10:00"], False, "%d/%m/%Y %H:%M"),
        (["03/01/2011 09:00:05", "13/01/2011 10:00:00"], False, "%d/%m/%Y %H:%M:%S"),
        (["01/12/2011 14:05", "12/31/2011 14:05"], True, "%m/%d/%Y %H:%M"),
        (["03/01/2011 09:00", "13/01/2011 10:00:30", "14/01/2011"], False, "mixed"),
    ],
)
def test_the_date_format_a_message_suggests_reads_the_quoted_values(dates, dayfirst, suggested):
    with pytest.raises(DataValidationError) as info:
        read_transactions(_lines(dates), dayfirst=dayfirst, **MAPPING)
    message = str(info.value)
    quoted = re.search(r"not dates \(e\.g\. ([^)]*)\)", message).group(1)
    values = re.findall(r"'([^']*)'", quoted)
    assert re.search(r"date_format='([^']+)'", message).group(1) == suggested
    options = {} if suggested != "mixed" else {"dayfirst": dayfirst}
    assert pd.to_datetime(pd.Series(values), format=suggested, **options).notna().all()
    # the whole column reads with it, as the message says
    assert pd.to_datetime(pd.Series(dates), format=suggested, **options).notna().all()


def test_no_example_format_when_none_reads_the_values():
    with pytest.raises(DataValidationError) as info:
        read_transactions(_lines(["31/02/2011", "soon"]), **MAPPING)
    assert "date_format=" not in str(info.value)


def test_iso_values_do_not_impose_their_format_on_the_others():
    parsed = parse_dates(
        pd.Series(["2011-12-09", "2011-12-09 12:50", "29/12/2011", "soon"]), label="day"
    )
    assert parsed.values.tolist()[2] == pd.Timestamp("2011-12-29")
    assert parsed.invalid.tolist() == [False, False, False, True]


# ---- true/false quantities and amounts ----------------------------------------------------


@pytest.mark.parametrize("column", ["quantity", "amount"])
def test_a_boolean_quantity_or_amount_is_refused(column):
    lines = pd.DataFrame(
        {"c": [1, 2], "d": ["2011-01-03", "2011-01-04"], "flag": [True, False], "p": [2.0, 3.0]}
    )
    mapping = {"customer_id": "c", "date": "d"}
    mapping |= (
        {"quantity": "flag", "unit_price": "p"} if column == "quantity" else {"amount": "flag"}
    )
    with pytest.raises(
        DataValidationError,
        match=rf"^column 'flag' \({column}=\) holds true/false values \(e\.g\. True, False\), not "
        r"numbers; read as 1/0 they would count each line once or not at all: map the column "
        r"that holds the numbers$",
    ):
        read_transactions(lines, **mapping)


def test_a_boolean_quantity_from_a_csv_file_is_refused(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text("c,d,qty,p\n1,2011-01-03,TRUE,2.0\n2,2011-01-04,FALSE,3.0\n")
    with pytest.raises(DataValidationError, match=r"column 'qty' \(quantity=\) holds true/false"):
        read_transactions(path, customer_id="c", date="d", quantity="qty", unit_price="p")
    objects = pd.DataFrame({"c": [1], "d": ["2011-01-03"], "v": pd.Series([True], dtype=object)})
    with pytest.raises(DataValidationError, match=r"column 'v' \(amount=\) holds true/false"):
        read_transactions(objects, **MAPPING)


# ---- 856 and 856.0 are one customer -------------------------------------------------------


@pytest.mark.parametrize(
    "ids",
    [
        pd.Series([856, 856.0], dtype=object),
        pd.Series([856, "856.0"], dtype=object),
        pd.Series([856.0, "856"], dtype=object),
        pd.Series(["856", "856.0"]),
        pd.Series(["856", "856.", " 856.00 "]),
        pd.Series([Decimal("856"), Decimal("856.0")], dtype=object),
        pd.Series([np.int64(856), np.float64(856.0)], dtype=object),
        pd.Series(["856", "856.0"], dtype="category"),
        pd.Series(["856", "856.0"], dtype="string"),
    ],
    ids=["int-float", "int-text", "float-text", "text", "text-dots", "decimal", "numpy",
         "category", "string"],
)  # fmt: skip
def test_856_and_856_0_are_one_id(ids):
    values = parse_ids(ids).values
    assert values.tolist() == [856] * len(ids)


def test_856_and_856_0_are_one_customer_among_text_ids(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text(
        "c,d,v\n856,2011-01-03,1\n856.0,2011-01-04,2\nA-17,2011-01-05,3\n0042,2011-01-06,4\n"
    )
    result = read_transactions(path, **MAPPING)
    assert sorted(result.to_pandas()["customer_id"].unique().tolist()) == ["0042", "856", "A-17"]
    assert result.to_pandas().groupby("customer_id")["amount"].sum()["856"] == 3.0
    path.write_text("c,d,v\n856,2011-01-03,1\n856.0,2011-01-04,2\n")
    assert read_transactions(path, **MAPPING).to_pandas()["customer_id"].tolist() == [856, 856]
