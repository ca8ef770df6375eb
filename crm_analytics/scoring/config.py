"""The scoring configuration: inputs, column mapping, as-of date, horizons and model choices.

A :class:`ScoringConfig` is read from a TOML file with four tables, every key optional
(the defaults below apply)::

    [transactions]               # the transaction export (read by io.read_transactions)
    path = "exports/orders.csv"
    customer_id = "CustomerID"
    date = "InvoiceDate"
    quantity = "Quantity"        # amount = quantity * unit_price, or give amount = "..."
    unit_price = "UnitPrice"
    order_id = "InvoiceNo"
    returns = "drop"
    cancellation_prefix = "C"

    [customers]                  # optional customer table (read by io.read_customers)
    path = "exports/customers.csv"
    customer_id = "CustomerID"
    attributes = ["region", "channel"]
    dedupe_on = ["name", "email", "phone"]   # merge duplicate records before scoring
    dedupe_threshold = 0.9

    [model]
    as_of = 2011-12-09           # default: the last transaction date
    horizon_days = 90
    clv_months = 12
    discount_rate = 0.01         # per month
    margin = 0.3
    models = ["rfm", "clusters", "clv", "churn", "lifecycle"]

    [output]
    formats = ["parquet", "csv"]
    report_by = ["region"]
    extras = ["cohorts", "loyalty", "rules", "recommendations"]   # default: none
    cohort_period = "M"
    min_support = 0.01
    min_confidence = 0.1
    n_recommendations = 5

The customer-knowledge ``extras`` are written by ``crm-analytics score`` beside the scores
(see :mod:`crm_analytics.scoring.knowledge`); "rules" and "recommendations" mine the products
bought together in each order, so they need ``order_id`` and ``product`` mapped in
``[transactions]``. With ``dedupe_on``, the customer table's duplicate records (scored at least
``dedupe_threshold`` by ``dedupe.find_duplicate_customers``) are merged before fitting and
scoring, and their transactions move to the surviving customer id.

Unknown tables or keys raise a :class:`~crm_analytics.exceptions.DataValidationError` naming
them (with the closest known key), so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import sys
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from crm_analytics.churn.model import check_risk_tiers
from crm_analytics.exceptions import DataValidationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "EXTRAS",
    "MODELS",
    "CustomersConfig",
    "ModelConfig",
    "OutputConfig",
    "ScoringConfig",
    "TransactionsConfig",
    "load_config",
]

#: The models ``fit_models`` can fit and ``score_customers`` can apply.
MODELS = ("rfm", "clusters", "clv", "churn", "lifecycle")
_FORMATS = ("parquet", "csv")
#: The customer-knowledge outputs ``[output] extras`` can ask for.
EXTRAS = ("cohorts", "loyalty", "rules", "recommendations")
_PERIODS = ("D", "W", "M", "Q", "Y")
# A century: the discounted value of later months no longer moves the CLV.
_MAX_CLV_MONTHS = 1200


def _option(default: Any, help: str) -> Any:
    """A dataclass field carrying its command-line help text."""
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass
class TransactionsConfig:
    """Where the transaction export is and how to read it (see ``io.read_transactions``)."""

    path: str | None = _option(None, "transaction file (CSV, TSV, Excel, Parquet)")
    customer_id: str = _option("customer_id", "column with the customer id")
    date: str = _option("date", "column with the transaction date")
    amount: str | None = _option(
        None, "column with the line value (default: 'amount', or quantity * unit_price)"
    )
    quantity: str | None = _option(None, "column with the units bought")
    unit_price: str | None = _option(None, "column with the price per unit")
    order_id: str | None = _option(None, "column with the order (invoice) number")
    product: str | None = _option(None, "column with the product code")
    returns: str = _option("drop", "return lines: drop, net or keep")
    cancellation_prefix: str | None = _option(None, "order ids starting with it are returns")
    missing_customer_id: str = _option("drop", "rows without a customer id: drop or raise")
    duplicates: str = _option("keep", "repeated rows: keep, drop or raise")
    invalid_rows: str = _option("raise", "unreadable dates or numbers: raise or drop")
    date_format: str | None = _option(None, "strftime pattern of text dates")
    dayfirst: bool = _option(False, "read 01/02/2011 as 1 February")
    delimiter: str | None = _option(None, "field separator of a text file (default sniffed)")

    def reader_arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``io.read_transactions``, all but the source."""
        arguments = {key: value for key, value in dataclasses.asdict(self).items() if key != "path"}
        if self.amount is None and self.unit_price is None:
            arguments["amount"] = "amount"
        return arguments


@dataclass
class CustomersConfig:
    """The optional customer table (see ``io.read_customers``)."""

    path: str | None = _option(None, "customer table file (optional)")
    customer_id: str = _option("customer_id", "column with the customer id")
    signup_date: str | None = _option(None, "column with the signup date")
    attributes: list[str] = _option(
        [], "customer attribute columns kept in the scores and used by the churn model"
    )
    date_format: str | None = _option(None, "strftime pattern of text dates")
    delimiter: str | None = _option(None, "field separator of a text file (default sniffed)")
    dedupe_on: list[str] = _option(
        [], "columns (name, email, phone, address, postcode...) to find and merge duplicate records"
    )
    dedupe_threshold: float = _option(0.9, "duplicate pairs scoring at least this are merged")

    def reader_arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``io.read_customers``, all but the source (the ``dedupe_on``
        columns are read as attributes too)."""
        arguments = {
            key: value
            for key, value in dataclasses.asdict(self).items()
            if key not in ("path", "dedupe_on", "dedupe_threshold")
        }
        extra = [name for name in self.dedupe_on if name not in self.attributes]
        arguments["attributes"] = [*self.attributes, *extra]
        return arguments


@dataclass
class ModelConfig:
    """The as-of date, horizons, money terms and which models to fit."""

    as_of: str | None = _option(
        None, "score as of this date (YYYY-MM-DD); later rows are ignored; default: last date"
    )
    horizon_days: int = _option(90, "days ahead for expected purchases and the churn label")
    clv_months: int = _option(12, "months of predicted customer lifetime value")
    discount_rate: float = _option(0.01, "monthly discount rate of the CLV")
    margin: float = _option(1.0, "share of spend that is profit (1 values revenue)")
    models: list[str] = _option(list(MODELS), f"models to fit, among {', '.join(MODELS)}")
    transaction_model: str = _option(
        "bgnbd", "purchase model of the CLV: bgnbd, or mbgnbd (one-time buyers may have left)"
    )
    rfm_bins: int = _option(5, "RFM score levels")
    value_tier_basis: str = _option("clv", "value tiers from predicted clv or past revenue")
    value_tier_shares: list[float] = _option(
        [0.8, 0.95], "cumulative value shares closing the high and medium value tiers"
    )
    risk_tiers: dict[str, float] = _option(
        {"high": 0.1, "medium": 0.3}, "churn risk tiers, name=share of customers (or threshold)"
    )
    risk_tier_by: str = _option("share", "risk tiers by share of customers or probability")
    churn_estimator: str = _option(
        "boosting", "churn classifier: boosting (gradient boosting) or logistic (faster)"
    )
    n_reasons: int = _option(3, "churn reasons per customer")
    n_clusters: int | None = _option(None, "customer clusters (default: chosen from the data)")
    new_days: int = _option(90, "lifecycle: first purchase within this many days is new")
    lost_days: int = _option(365, "lifecycle: no purchase for this many days is lost")
    p_alive_threshold: float = _option(0.5, "lifecycle: P(alive) below this is at risk")
    include_prospects: bool = _option(
        False, "add customers of the customer table who have not bought yet (stage prospect)"
    )
    penalizer_coef: float = _option(0.0, "L2 penalty of the BG/NBD and Gamma-Gamma fits")
    random_state: int = _option(0, "seed of the clusterer and the churn model")


@dataclass
class OutputConfig:
    """What the command-line tool writes."""

    formats: list[str] = _option(["parquet", "csv"], "score table formats: parquet, csv")
    report_by: list[str] = _option([], "customer attributes the report slices segments by")
    extras: list[str] = _option(
        [], f"customer-knowledge files score writes too, among {', '.join(EXTRAS)}"
    )
    cohort_period: str = _option("M", "period of the cohorts and loyalty metrics: D, W, M, Q, Y")
    min_support: float = _option(0.01, "rules: smallest share of orders with all the products")
    min_confidence: float = _option(0.1, "rules: smallest confidence kept")
    n_recommendations: int = _option(5, "recommendations: products per customer, at most")


_SECTIONS = {
    "transactions": TransactionsConfig,
    "customers": CustomersConfig,
    "model": ModelConfig,
    "output": OutputConfig,
}


@dataclass
class ScoringConfig:
    """Everything a scoring run depends on; the same config gives the same scores.

    Build one with :func:`load_config` from a TOML file, :meth:`from_dict`, or directly;
    ``ScoringConfig()`` holds the documented defaults.

    Examples
    --------
    >>> config = ScoringConfig.from_dict({"model": {"horizon_days": 30, "margin": 0.25}})
    >>> config.model.horizon_days, config.model.clv_months, config.transactions.customer_id
    (30, 12, 'customer_id')
    >>> ScoringConfig.from_dict({"model": {"horizon": 30}})
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: unknown key 'horizon' in [model] of the ...
    """

    transactions: TransactionsConfig = field(default_factory=TransactionsConfig)
    customers: CustomersConfig = field(default_factory=CustomersConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    output: OutputConfig = field(default_factory=OutputConfig)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "configuration") -> ScoringConfig:
        """A config from nested mappings (TOML tables); unknown keys are an error."""
        if not isinstance(data, Mapping):
            raise DataValidationError(f"the {source} must be a table of tables, got {data!r}")
        unknown = [str(key) for key in data if key not in _SECTIONS]
        if unknown:
            raise DataValidationError(
                f"unknown table [{unknown[0]}] in the {source}{_did_you_mean(unknown[0], _SECTIONS)}"
                f"; the tables are {', '.join(f'[{name}]' for name in _SECTIONS)}"
            )
        sections = {}
        for name, section_class in _SECTIONS.items():
            values = data.get(name, {})
            if not isinstance(values, Mapping):
                raise DataValidationError(
                    f"[{name}] in the {source} must be a table of keys, got {values!r}"
                )
            sections[name] = _section(section_class, name, values, source)
        config = cls(**sections)
        config.validate()
        return config

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Nested plain values (the TOML tables), None values left out."""
        return {
            name: {
                key: value
                for key, value in dataclasses.asdict(getattr(self, name)).items()
                if value is not None
            }
            for name in _SECTIONS
        }

    def to_toml(self) -> str:
        """The config as TOML text that :func:`load_config` reads back to an equal config.

        Examples
        --------
        >>> config = ScoringConfig.from_dict({"model": {"as_of": "2024-06-30"}})
        >>> ScoringConfig.from_dict(tomllib.loads(config.to_toml())) == config
        True
        """
        lines = []
        for name, values in self.to_dict().items():
            lines.append(f"[{name}]")
            lines.extend(f"{key} = {_toml_value(value)}" for key, value in values.items())
            lines.append("")
        return "\n".join(lines)

    def replace(self, section: str, **changes: Any) -> ScoringConfig:
        """A copy with some keys of one section changed (and the result validated)."""
        data = self.to_dict()
        data[section] = {**data[section], **changes}
        return ScoringConfig.from_dict(data)

    def validate(self) -> None:
        """Check values and ranges; raise DataValidationError naming the key and the fix."""
        transactions, customers, model, output = (
            self.transactions, self.customers, self.model, self.output
        )  # fmt: skip
        if transactions.unit_price is not None and transactions.quantity is None:
            raise DataValidationError(
                "[transactions] gives unit_price but no quantity; map quantity too, so that "
                "amount = quantity * unit_price, or map amount instead of unit_price"
            )
        if transactions.amount is not None and transactions.unit_price is not None:
            raise DataValidationError(
                "[transactions] gives both amount and unit_price; keep one of them"
            )
        if transactions.cancellation_prefix is not None and transactions.order_id is None:
            raise DataValidationError(
                "[transactions] cancellation_prefix marks order ids, so it needs order_id = "
                "'<column>' too"
            )
        _check_choice("transactions", "returns", transactions.returns, ("drop", "net", "keep"))
        _check_choice(
            "transactions", "missing_customer_id", transactions.missing_customer_id,
            ("drop", "raise"),
        )  # fmt: skip
        _check_choice(
            "transactions", "duplicates", transactions.duplicates, ("keep", "drop", "raise")
        )
        _check_choice("transactions", "invalid_rows", transactions.invalid_rows, ("raise", "drop"))
        if model.as_of is not None:
            try:
                as_of = pd.Timestamp(model.as_of)
            except (TypeError, ValueError):
                as_of = pd.NaT
            if as_of is pd.NaT or as_of.tzinfo is not None:
                raise DataValidationError(
                    f"[model] as_of = {model.as_of!r} is not a date; write it as YYYY-MM-DD"
                )
            if as_of.normalize() > pd.Timestamp.today().normalize():
                raise DataValidationError(
                    f"[model] as_of = {model.as_of!r} is in the future; score as of today or "
                    "an earlier day (leave as_of out for the last day of the log)"
                )
        for key in ("horizon_days", "clv_months", "rfm_bins", "n_clusters", "new_days"):
            if getattr(model, key) is not None and getattr(model, key) < 1:
                raise DataValidationError(
                    f"[model] {key} must be at least 1, got {getattr(model, key)}"
                )
        if model.clv_months > _MAX_CLV_MONTHS:
            raise DataValidationError(
                f"[model] clv_months = {model.clv_months} is more than {_MAX_CLV_MONTHS} months "
                "(100 years); the discounted value has long converged: use a shorter horizon"
            )
        if not 0 <= model.random_state < 2**32:
            raise DataValidationError(
                f"[model] random_state must be a whole number in [0, 2**32), got "
                f"{model.random_state}"
            )
        if model.lost_days <= model.new_days:
            raise DataValidationError(
                f"[model] lost_days ({model.lost_days}) must exceed new_days ({model.new_days})"
            )
        if not 0 <= model.discount_rate < 1:
            raise DataValidationError(
                f"[model] discount_rate is a monthly rate in [0, 1), got {model.discount_rate}; "
                "an annual rate R is (1 + R) ** (1 / 12) - 1 a month"
            )
        if not 0 < model.margin <= 1:
            raise DataValidationError(f"[model] margin must be in (0, 1], got {model.margin}")
        if model.n_reasons < 0:
            raise DataValidationError(f"[model] n_reasons must be >= 0, got {model.n_reasons}")
        for name in model.models:
            _check_choice("model", "models", name, MODELS)
        _check_choice("model", "value_tier_basis", model.value_tier_basis, ("clv", "revenue"))
        if model.value_tier_basis == "clv" and "clv" not in model.models:
            raise DataValidationError(
                "[model] value_tier_basis = 'clv' needs the clv model; add 'clv' to models or "
                "set value_tier_basis = 'revenue'"
            )
        _check_choice("model", "transaction_model", model.transaction_model, ("bgnbd", "mbgnbd"))
        _check_choice("model", "churn_estimator", model.churn_estimator, ("boosting", "logistic"))
        _check_choice("model", "risk_tier_by", model.risk_tier_by, ("share", "probability"))
        shares = model.value_tier_shares
        if len(shares) != 2 or not 0 < shares[0] < shares[1] < 1:
            raise DataValidationError(
                f"[model] value_tier_shares must be two increasing shares in (0, 1), got {shares}"
            )
        try:
            check_risk_tiers(model.risk_tiers, model.risk_tier_by)
        except DataValidationError as error:
            raise DataValidationError(f"[model] {error}") from None
        if model.include_prospects and "lifecycle" not in model.models:
            raise DataValidationError(
                "[model] include_prospects needs the lifecycle model, which finds them; add "
                "'lifecycle' to models"
            )
        if not 0 < model.p_alive_threshold < 1:
            raise DataValidationError(
                f"[model] p_alive_threshold must be in (0, 1), got {model.p_alive_threshold}"
            )
        if not output.formats:
            raise DataValidationError("[output] formats is empty; use ['parquet'], ['csv'] or both")
        for name in output.formats:
            _check_choice("output", "formats", name, _FORMATS)
        if not 0 <= customers.dedupe_threshold <= 1:
            raise DataValidationError(
                f"[customers] dedupe_threshold is a match score in [0, 1], got "
                f"{customers.dedupe_threshold}"
            )
        self._validate_extras()

    def _validate_extras(self) -> None:
        output = self.output
        for name in output.extras:
            _check_choice("output", "extras", name, EXTRAS)
        _check_choice("output", "cohort_period", output.cohort_period, _PERIODS)
        if not 0 < output.min_support <= 1:
            raise DataValidationError(
                f"[output] min_support is a share of orders in (0, 1], got {output.min_support}; "
                "e.g. 0.01 for products bought together in 1% of the orders"
            )
        if not 0 <= output.min_confidence <= 1:
            raise DataValidationError(
                f"[output] min_confidence must be in [0, 1], got {output.min_confidence}"
            )
        if output.n_recommendations < 1:
            raise DataValidationError(
                f"[output] n_recommendations must be at least 1, got {output.n_recommendations}"
            )
        basket = [name for name in output.extras if name in ("rules", "recommendations")]
        missing = [
            key for key in ("order_id", "product") if getattr(self.transactions, key) is None
        ]
        if basket and missing:
            mappings = " and ".join(f"{key} = '<column>'" for key in missing)
            raise DataValidationError(
                f"[output] extras {', '.join(map(repr, basket))} need the products of each "
                f"order, but [transactions] maps no {' and no '.join(missing)}; "
                f"add {mappings} to [transactions] (--transactions-"
                f"{missing[0].replace('_', '-')}), or remove {' and '.join(map(repr, basket))} "
                "from extras"
            )


def load_config(path: str | Path | None = None) -> ScoringConfig:
    """Read a :class:`ScoringConfig` from a TOML file (None: the defaults).

    Raises
    ------
    DataValidationError
        When the file is missing, is not valid TOML, or has unknown keys or bad values.
    """
    if path is None:
        return ScoringConfig()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataValidationError(f"configuration file {path} not found") from None
    except IsADirectoryError:
        raise DataValidationError(
            f"configuration file {path} is a folder; pass the path of a .toml file"
        ) from None
    except UnicodeDecodeError:
        raise DataValidationError(
            f"configuration file {path} is not a text file (not UTF-8); pass a .toml file"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise DataValidationError(f"configuration file {path} is not valid TOML: {error}") from None
    return ScoringConfig.from_dict(data, source=f"configuration file {path}")


def section_fields(name: str) -> list[dataclasses.Field]:
    """The fields of one config table, with their types resolved."""
    section_class = _SECTIONS[name]
    hints = typing.get_type_hints(section_class)
    resolved = []
    for item in fields(section_class):
        item.type = hints[item.name]
        resolved.append(item)
    return resolved


def section_names() -> tuple[str, ...]:
    """The config tables, in file order."""
    return tuple(_SECTIONS)


def _section(section_class: type, name: str, values: Mapping[str, Any], source: str) -> Any:
    known = {item.name: item for item in section_fields(name)}
    for key in values:
        if key not in known:
            raise DataValidationError(
                f"unknown key {key!r} in [{name}] of the {source}{_did_you_mean(key, known)}; "
                f"the keys of [{name}] are {', '.join(known)}"
            )
    converted = {
        key: _convert(value, known[key].type, f"[{name}] {key}") for key, value in values.items()
    }
    return section_class(**converted)


def _convert(value: Any, annotation: Any, label: str) -> Any:
    """Check a TOML value against the field's type; dates become ISO text, '' becomes None."""
    optional = type(None) in typing.get_args(annotation)
    if value is None and not optional:
        raise DataValidationError(f"{label} cannot be empty")
    if optional:
        (annotation,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if value is None or value == "":
            return None
    if isinstance(value, dt.date) and annotation is str:
        return value.isoformat()[:10] if not isinstance(value, dt.datetime) else value.isoformat()
    origin = typing.get_origin(annotation)
    if origin is list:
        (item_type,) = typing.get_args(annotation)
        if not isinstance(value, list):
            raise DataValidationError(f"{label} must be a list, got {value!r}")
        return [_convert(item, item_type, label) for item in value]
    if origin is dict:
        _, item_type = typing.get_args(annotation)
        if not isinstance(value, Mapping):
            raise DataValidationError(f"{label} must be a table (name = value), got {value!r}")
        return {str(key): _convert(item, item_type, label) for key, item in value.items()}
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if annotation is bool and isinstance(value, bool):
        return value
    if isinstance(value, annotation) and not isinstance(value, bool):
        return value
    raise DataValidationError(
        f"{label} must be {_type_name(annotation, optional)}, got {value!r} "
        f"({type(value).__name__})"
    )


def _type_name(annotation: Any, optional: bool) -> str:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
    return names.get(annotation, str(annotation)) + (" (or empty)" if optional else "")


def _did_you_mean(key: str, known: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_choice(section: str, key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise DataValidationError(
            f"[{section}] {key} = {value!r} is not one of {', '.join(map(repr, choices))}"
        )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # JSON's string escapes are TOML's basic-string escapes.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        items = ", ".join(f"{_toml_key(key)} = {_toml_value(item)}" for key, item in value.items())
        return "{" + items + "}"
    raise TypeError(f"cannot write {value!r} as TOML")


def _toml_key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else _toml_value(key)
