"""Normalised forms of names, e-mails, phones, postcodes and addresses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics.dedupe.normalise import (
    normalise_address,
    normalise_email,
    normalise_name,
    normalise_phone,
    normalise_postcode,
)
from crm_analytics.exceptions import DataValidationError


def _one(function, value, **kwargs):
    return function(pd.Series([value]), **kwargs).iloc[0]


@pytest.mark.parametrize(
    "written",
    ["John.Smith@gmail.com", "johnsmith+shop@gmail.com", " JOHN.SMITH@GOOGLEMAIL.COM ",
     "j.o.h.n.smith+a+b@gmail.com"],
)  # fmt: skip
def test_gmail_aliases_are_one_address(written):
    assert _one(normalise_email, written) == "johnsmith@gmail.com"


def test_dots_matter_outside_gmail_but_tags_do_not():
    assert _one(normalise_email, "John.Smith+news@Outlook.com") == "john.smith@outlook.com"
    assert _one(normalise_email, "johnsmith@outlook.com") == "johnsmith@outlook.com"
    assert _one(normalise_email, "not an email") == "notanemail"
    assert _one(normalise_email, "  ") is None


@pytest.mark.parametrize(
    "written",
    ["020 7946 0018", "(020) 7946-0018", "+44 20 7946 0018", "+44 (0)20 7946 0018",
     "0044 20 7946 0018", "+442079460018", "020.7946.0018"],
)  # fmt: skip
def test_uk_phone_formats_are_one_number(written):
    assert _one(normalise_phone, written) == "+442079460018"


def test_phone_regions():
    assert _one(normalise_phone, "(415) 555-2671", default_region="US") == "+14155552671"
    assert _one(normalise_phone, "1 415 555 2671", default_region="US") == "+14155552671"
    assert _one(normalise_phone, "01 42 68 53 00", default_region="FR") == "+33142685300"
    # Italian numbers keep their leading 0 after the country code.
    assert _one(normalise_phone, "06 6982 0000", default_region="IT") == "+390669820000"
    assert _one(normalise_phone, "+33 1 42 68 53 00") == "+33142685300"
    assert _one(normalise_phone, "n/a") is None
    assert normalise_phone(pd.Series([np.nan, None])).tolist() == [None, None]


@settings(max_examples=40, deadline=None)
@given(
    national=st.from_regex(r"07[1-57-9][0-9]{8}", fullmatch=True),
    style=st.sampled_from(
        [lambda n: n, lambda n: f"{n[:5]} {n[5:]}", lambda n: f"+44 {n[1:5]} {n[5:]}",
         lambda n: f"0044{n[1:]}", lambda n: f"({n[:5]}) {n[5:8]}-{n[8:]}"]
    ),
)  # fmt: skip
def test_phone_matches_phonenumbers_e164(national, style):
    reference = phonenumbers.format_number(
        phonenumbers.parse(national, "GB"), phonenumbers.PhoneNumberFormat.E164
    )
    assert _one(normalise_phone, style(national)) == reference


def test_names_ignore_case_accents_punctuation_and_order():
    names = pd.Series(["José Müller-Smith", "MULLER SMITH, jose", "  jose   muller smith "])
    assert normalise_name(names).nunique() == 1
    assert _one(normalise_name, "Zoë O'Brien") == "obrien zoe"
    assert _one(normalise_name, " , ") is None


def test_postcodes_and_addresses():
    assert normalise_postcode(pd.Series(["sw1a 1aa", "SW1A-1AA", None])).tolist() == [
        "SW1A1AA",
        "SW1A1AA",
        None,
    ]
    addresses = pd.Series(["12 High Street", "12, high st.", "12 HIGH STREET "])
    assert normalise_address(addresses).tolist() == ["12 high st"] * 3
    assert _one(normalise_address, "1 Streetly Road") == "1 streetly rd"


def test_index_and_name_are_kept():
    values = pd.Series(["A@B.COM"], index=[7], name="email")
    result = normalise_email(values)
    assert result.index.tolist() == [7]
    assert result.name == "email"


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("aAéÉ zZ.+@-'1ßø,"), max_size=20))
def test_normalising_twice_changes_nothing(text):
    for function in (normalise_name, normalise_email, normalise_address, normalise_postcode):
        once = function(pd.Series([text]))
        assert function(once).equals(once), function.__name__


def test_whole_floats_keep_their_digits():
    # What pandas gives for a CSV column of numbers with gaps.
    phones = normalise_phone(pd.Series([447946000018.0, np.nan, 2079460018.0]))
    assert phones.tolist() == ["+447946000018", None, "+442079460018"]
    assert normalise_postcode(pd.Series([2139.0, np.nan, 12.5])).tolist() == ["2139", None, "125"]


def test_lists_arrays_and_polars_series_are_columns():
    polars = pytest.importorskip("polars")
    written = ["020 7946 0018", None]
    expected = ["+442079460018", None]
    assert normalise_phone(written).tolist() == expected
    assert normalise_phone(np.array(written, dtype=object)).tolist() == expected
    assert normalise_phone(polars.Series("phone", written)).tolist() == expected
    assert normalise_email(["A@B.com"]).tolist() == ["a@b.com"]
    frame = pd.DataFrame({"first_name": ["Ann", "Bo"], "last_name": ["Lee", "Ng"]})
    with pytest.raises(DataValidationError, match="got a DataFrame with 2 rows and 2 columns"):
        normalise_name(frame)
    with pytest.raises(DataValidationError, match="normalise_email: got a single str"):
        normalise_email("a@b.com")


def test_unknown_phone_region_is_refused():
    with pytest.raises(DataValidationError, match=r"default_region='gb' is not a region"):
        normalise_phone(pd.Series(["020 7946 0018"]), default_region="gb")
    assert _one(normalise_phone, "020 7946 0018", default_region=None) == "02079460018"
