"""read_survey: scale ranges, missing answers, duplicates and unknown customers, all counted."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.io import read_survey, read_transactions


@pytest.fixture
def export() -> pd.DataFrame:
    """Seven responses; each row's comment says what it tests."""
    return pd.DataFrame(
        {
            "RespID": ["r1", "r2", "r2", "r3", "r4", "r5", "r6"],
            "Customer": ["17850", "17850", "17850", "13047.0", None, "99999", "12583"],
            "Submitted": [
                "2011-01-05",
                "2011-02-05",
                "2011-02-05",  # r2 exported twice
                "2011-02-07",
                "2011-02-08",  # no customer id
                "2011-02-09",  # a customer the CRM does not know
                "2011-02-10",
            ],
            "Speed": [4, 5, 5, 7, 3, 2, None],  # 7 is off the 1..5 scale
            "Staff": [4, 4, 4, 3, 3, None, None],  # r6 answered nothing
            "Overall": [4, 5, 5, 3, 3, 2, None],
            "NPS": [9, 10, 10, 6, 8, 11, None],  # 11 is off the 0..10 scale
            "Complaint": ["no", "no", "no", "yes", "no", "no", None],
        }
    )


OPTIONS = dict(
    customer_id="Customer",
    date="Submitted",
    items={"Speed": "delivery", "Staff": "service"},
    overall="Overall",
    recommend="NPS",
    complaint="Complaint",
    response_id="RespID",
)


def test_off_scale_answers_raise_with_examples(export):
    with pytest.raises(DataValidationError) as error:
        read_survey(export, **OPTIONS)
    message = str(error.value)
    assert (
        "column 'Speed' (items['Speed']=) has 1 value that is not whole numbers from 1 to 5 (e.g. 7.0)"
        in message
    )
    assert (
        "column 'NPS' (recommend=) has 1 value that is not whole numbers from 0 to 10 (e.g. 11.0)"
        in message
    )
    assert "invalid_answers='missing'" in message


def test_every_row_is_counted(export):
    survey = read_survey(
        export,
        **OPTIONS,
        invalid_answers="missing",
        duplicates="first",
        customers=pd.DataFrame({"customer_id": [17850, 13047, 12583]}),
    )
    report = survey.report
    assert report.rows_dropped == {
        "missing_customer_id": 1,
        "no_answers": 1,
        "duplicate_response": 1,
    }
    assert report.rows_read == report.rows_kept + sum(report.rows_dropped.values()) == 7
    assert report.flagged == {"invalid_answer": 2, "missing_answer": 2, "unknown_customer": 1}
    assert survey.unknown_customers.tolist() == [99999]
    responses = survey.responses
    # Ids normalised as read_transactions does: "13047.0" and 13047 are one customer.
    assert responses["customer_id"].tolist() == [13047, 17850, 17850, 99999]
    assert responses["Speed"].isna().tolist() == [True, False, False, False]
    assert responses["Complaint"].tolist() == [True, False, False, False]
    assert str(responses["Complaint"].dtype) == "boolean"
    assert survey.items == {"Speed": "delivery", "Staff": "service"}
    assert "dates: 2011-01-05 00:00:00 to 2011-02-09 00:00:00" in str(report)
    assert report.table == "surveys"


def test_ids_match_the_transaction_log(export):
    log = read_transactions(
        pd.DataFrame({"c": [17850.0, 13047.0], "d": ["2011-01-01", "2011-01-02"], "a": [1, 2]}),
        customer_id="c",
        date="d",
        amount="a",
    )
    survey = read_survey(
        export,
        **OPTIONS,
        invalid_answers="drop",
        duplicates="last",
        customers=log.to_pandas()["customer_id"],
    )
    assert set(survey.responses["customer_id"]) <= set(log.to_pandas()["customer_id"]) | {99999}
    assert survey.report.rows_dropped["invalid_answer"] == 2


def test_policies_drop_and_raise(export):
    clean = export.assign(Speed=export["Speed"].replace(7, 5), NPS=export["NPS"].replace(11, 10))
    with pytest.raises(DataValidationError, match="1 responses repeat the response id"):
        read_survey(clean, **OPTIONS)
    with pytest.raises(DataValidationError, match=r"customers not in customers= \(e.g. 99999"):
        read_survey(
            clean,
            **OPTIONS,
            duplicates="last",
            customers=[17850, 13047, 12583],
            unknown_customers="raise",
        )
    survey = read_survey(
        clean,
        **OPTIONS,
        duplicates="last",
        missing_answers="drop",
        customers=[17850, 13047, 12583],
        unknown_customers="drop",
    )
    assert survey.report.rows_dropped == {
        "missing_customer_id": 1,
        "no_answers": 1,
        "missing_answer": 1,
        "duplicate_response": 1,
    }
    assert survey.responses["customer_id"].tolist() == [13047, 17850, 17850]


def test_without_a_response_id_duplicates_are_one_customer_at_one_time(export):
    clean = export.assign(Speed=export["Speed"].replace(7, 5), NPS=export["NPS"].replace(11, 10))
    options = {key: value for key, value in OPTIONS.items() if key != "response_id"}
    with pytest.raises(DataValidationError, match="customer 17850 on 2011-02-05"):
        read_survey(clean, **options)


def test_reads_a_csv_file(tmp_path, export):
    path = tmp_path / "survey.csv"
    export.to_csv(path, index=False)
    survey = read_survey(
        path, **OPTIONS, invalid_answers="missing", duplicates="first", scale=(1, 7)
    )
    assert survey.report.flagged["invalid_answer"] == 1  # only the 11 on the 0..10 scale
    assert "CSV file" in survey.report.source


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"items": ["Speed", "Customer"]}, "both as an answer and as an id"),
        ({"items": ["Speed", "Overall"]}, r"two roles \(items\['Overall'\]= and overall=\)"),
        ({"items": ["Sped"]}, "column 'Sped' .* not found; did you mean 'Speed'"),
        ({"scale": (5, 1)}, "scale="),
        ({"expectations": {"Overall": "Speed"}}, "not in items="),
        ({"duplicates": "drop"}, "duplicates= must be one of"),
    ],
)
def test_refuses_unusable_arguments(export, options, message):
    with pytest.raises(DataValidationError, match=message):
        read_survey(export, **{**OPTIONS, "items": ["Speed"], **options})
