"""ScoringConfig: defaults, TOML in and out, and errors that name the key."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.scoring.config import MODELS, ScoringConfig, load_config, tomllib


def test_defaults_are_the_documented_ones():
    config = ScoringConfig()
    assert config.model.horizon_days == 90
    assert config.model.clv_months == 12
    assert config.model.discount_rate == 0.01
    assert config.model.margin == 1.0
    assert config.model.models == list(MODELS)
    assert config.model.risk_tiers == {"high": 0.1, "medium": 0.3}
    assert config.output.formats == ["parquet", "csv"]
    assert config.transactions.reader_arguments()["amount"] == "amount"


def test_defaults_are_not_shared_between_configs():
    first, second = ScoringConfig(), ScoringConfig()
    first.model.models.append("rfm")
    assert second.model.models == list(MODELS)


def test_toml_file_round_trip(tmp_path):
    path = tmp_path / "scoring.toml"
    path.write_text(
        '[transactions]\ncustomer_id = "CustomerID"\nquantity = "Qty"\nunit_price = "Price"\n'
        "[model]\nas_of = 2011-12-09\nhorizon_days = 30\ndiscount_rate = 0\n"
        "risk_tiers = { high = 0.05 }\n"
    )
    config = load_config(path)
    assert config.model.as_of == "2011-12-09"
    assert config.model.discount_rate == 0.0 and isinstance(config.model.discount_rate, float)
    assert config.model.risk_tiers == {"high": 0.05}
    arguments = config.transactions.reader_arguments()
    assert (arguments["amount"], arguments["quantity"], arguments["unit_price"]) == (
        None,
        "Qty",
        "Price",
    )
    assert ScoringConfig.from_dict(tomllib.loads(config.to_toml())) == config


def test_toml_date_becomes_iso_text():
    config = ScoringConfig.from_dict({"model": {"as_of": dt.date(2024, 2, 29)}})
    assert config.model.as_of == "2024-02-29"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"modle": {}}, r"unknown table \[modle\].*did you mean 'model'"),
        ({"model": {"horizon": 30}}, r"unknown key 'horizon' in \[model\].*'horizon_days'"),
        ({"model": {"horizon_days": "90"}}, r"\[model\] horizon_days must be a whole number"),
        (
            {"model": {"horizon_days": 0}},
            r"\[model\] horizon_days must be a whole number of at least 1",
        ),
        ({"model": {"margin": 1.5}}, r"\[model\] margin must be a fraction of spend in \(0, 1\]"),
        (
            {"model": {"discount_rate": 0.1 * 12}},
            r"discount_rate must be a number in \[0, 1\).*a monthly",
        ),
        ({"model": {"models": ["rfm", "clvv"]}}, r"models = 'clvv' is not one of"),
        ({"model": {"as_of": "yesterday"}}, r"\[model\] as_of='yesterday' is not a date"),
        ({"model": {"value_tier_shares": [0.9, 0.8]}}, r"two increasing shares"),
        ({"model": {"models": ["rfm"]}}, r"value_tier_basis = 'clv' needs the clv model"),
        ({"transactions": {"returns": "ignore"}}, r"returns = 'ignore' is not one of"),
        ({"transactions": {"unit_price": "Price"}}, r"unit_price but no quantity"),
        ({"output": {"formats": ["xlsx"]}}, r"formats = 'xlsx' is not one of"),
        ({"transactions": {"cancellation_prefix": "C"}}, r"cancellation_prefix .* needs order_id"),
        ({"customers": {"attributes": "region"}}, r"attributes must be a list"),
        ({"model": {"as_of": "2999-01-01"}}, r"as_of = '2999-01-01' is in the future"),
        (
            {"model": {"as_of": "01/02/2011"}},
            r"as_of='01/02/2011' is not a date written year first",
        ),
        ({"model": {"new_days": 400}}, r"\[model\] new_days \(400\) must not exceed lost_days"),
        (
            {"model": {"clv_months": 100_000_000}},
            r"clv_months must be a whole number in \[1, 1200\]",
        ),
        (
            {"model": {"random_state": -1}},
            r"random_state must be a whole number in \[0, 4294967296\)",
        ),
        (
            {"model": {"risk_tiers": {"high": 0.5, "medium": 0.2}}},
            r"\[model\] risk_tiers = .*from the most to the least risky, with growing shares",
        ),
        (
            {"model": {"risk_tiers": {"high": 0.2, "medium": 0.5}, "risk_tier_by": "probability"}},
            r"falling probability thresholds",
        ),
        ({"model": {"risk_tiers": {"high": 1.5}}}, r"risk_tiers = \{'high': 1.5\}"),
    ],
)
def test_bad_values_name_the_key(data, message):
    with pytest.raises(DataValidationError, match=message):
        ScoringConfig.from_dict(data)


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(DataValidationError, match="configuration file .* not found"):
        load_config(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[model\nhorizon_days = 3")
    with pytest.raises(DataValidationError, match="is not valid TOML"):
        load_config(broken)
    with pytest.raises(DataValidationError, match="is a folder; pass the path of a .toml file"):
        load_config(tmp_path)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(DataValidationError, match="is not a text file"):
        load_config(binary)


def test_replace_validates():
    config = ScoringConfig()
    assert config.replace("model", horizon_days=7).model.horizon_days == 7
    assert config.model.horizon_days == 90
    with pytest.raises(DataValidationError, match="horizon_days must be a whole number of at"):
        config.replace("model", horizon_days=-1)


def test_toml_round_trip_of_awkward_names():
    config = ScoringConfig.from_dict(
        {
            "transactions": {"customer_id": 'Cust "ID"\\x\n\té', "date": "Date (UTC)"},
            "model": {"risk_tiers": {"very high": 0.05, "high": 0.2}},
        }
    )
    assert ScoringConfig.from_dict(tomllib.loads(config.to_toml())) == config
