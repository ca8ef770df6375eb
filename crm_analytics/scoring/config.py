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

from crm_analytics._dates import to_timestamp
from crm_analytics._params import Rule
from crm_analytics.clv.value import CLV_RULES
from crm_analytics.exceptions import DataValidationError
from crm_analytics.scoring.steps import STEPS, Setting, step_names

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

#: The models ``fit_models`` can fit and ``score_customers`` can apply: the scoring steps
#: (:data:`crm_analytics.scoring.steps.STEPS`) a configuration can list.
MODELS = step_names()
_FORMATS = ("parquet", "csv")
#: The customer-knowledge outputs ``[output] extras`` can ask for.
EXTRAS = ("cohorts", "loyalty", "rules", "recommendations")
_PERIODS = ("D", "W", "M", "Q", "Y")


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
    dayfirst: bool | None = _option(
        None, "true: 01/02/2011 is 1 February; false: 2 January; default: what the dates prove"
    )
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


#: The ``[model]`` keys of the run itself; every other key belongs to a step.
RUN_SETTINGS = (
    Setting(
        "as_of",
        None,
        str | None,
        "score as of this date (YYYY-MM-DD); later rows are ignored; default: last date",
    ),
    Setting(
        "horizon_days",
        90,
        int,
        "days ahead for expected purchases and the churn label",
        CLV_RULES.rules["horizon_days"],
    ),
    Setting("models", list(MODELS), list[str], f"models to fit, among {', '.join(MODELS)}"),
    Setting(
        "random_state",
        0,
        int,
        "seed of the clusterer and the churn model",
        Rule(int, low=0, high=2**32, closed="left", example="0"),
    ),
)
_MODEL_SETTINGS = (*RUN_SETTINGS, *(setting for step in STEPS for setting in step.settings))
ModelConfig = dataclasses.make_dataclass(
    "ModelConfig",
    [
        (setting.name, setting.annotation, _option(setting.default, setting.help))
        for setting in _MODEL_SETTINGS
    ],
)
ModelConfig.__module__ = __name__
ModelConfig.__doc__ = """The as-of date, the horizon, which models to run and each step's settings.

Its fields are the run's own (:data:`RUN_SETTINGS`) and those every scoring step declares
(:data:`crm_analytics.scoring.steps.STEPS`), each with its default and help text.
"""


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
        transactions, customers, output = self.transactions, self.customers, self.output
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
        self._validate_model()
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

    def _validate_model(self) -> None:
        """The [model] keys: each by its rule, then the steps' rules that tie keys together."""
        model = self.model
        if model.as_of is not None:
            try:
                as_of = to_timestamp(model.as_of, name="as_of")
            except DataValidationError as error:
                raise DataValidationError(f"[model] {error}") from None
            if as_of.normalize() > pd.Timestamp.today().normalize():
                raise DataValidationError(
                    f"[model] as_of = {model.as_of!r} is in the future; score as of today or "
                    "an earlier day (leave as_of out for the last day of the log)"
                )
        for name in model.models:
            _check_choice("model", "models", name, MODELS)
        for setting in _MODEL_SETTINGS:
            if setting.rule is not None:
                value = getattr(model, setting.name)
                try:
                    setting.rule.check(setting.name, value)
                except DataValidationError as error:
                    raise DataValidationError(f"[model] {error}") from None
        for step in STEPS:
            step.check(model)

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
    return ScoringConfig.from_dict(read_config_file(path), source=f"configuration file {path}")


def read_config_file(path: str | Path) -> dict[str, dict[str, Any]]:
    """The tables and keys a TOML configuration file sets, checked as :func:`load_config`
    checks them (the keys it leaves out are absent, not filled with defaults).

    Raises
    ------
    DataValidationError
        When the file is missing, is not valid TOML, or has unknown keys or bad values.
    """
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
    config = ScoringConfig.from_dict(data, source=f"configuration file {path}")
    given = config.to_dict()
    return {
        section: {key: given[section][key] for key in values if key in given[section]}
        for section, values in data.items()
    }


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
