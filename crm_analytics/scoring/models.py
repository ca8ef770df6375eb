"""Fitting the scoring steps as of a date: the models one scoring run applies.

:func:`fit_models` fits every configured step (:data:`crm_analytics.scoring.steps.STEPS`) on
the transaction log as of the as-of day, and returns them as :class:`FittedModels`. A model
folder (``crm-analytics fit --model-dir``) holds them: :func:`crm_analytics.runs.save_models`
writes one and :func:`crm_analytics.runs.load_models` reads it back.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from crm_analytics._checks import require_columns, require_frame
from crm_analytics._dates import to_timestamp
from crm_analytics._version import library_versions
from crm_analytics.exceptions import DataValidationError
from crm_analytics.log import as_log
from crm_analytics.schema import CUSTOMER_ID
from crm_analytics.scoring.config import ModelConfig, ScoringConfig
from crm_analytics.scoring.steps import STEPS, Run, SkipStep, Step

__all__ = [
    "FittedModels",
    "active_steps",
    "check_fitted_for",
    "fit_models",
    "prepare_run",
    "resolve_as_of",
]

logger = logging.getLogger(__name__)


@dataclass
class FittedModels:
    """The fitted steps of one scoring run, fitted as of one date.

    Attributes
    ----------
    as_of : pandas.Timestamp
        The day the models were fitted as of (data after it was not used).
    model : ModelConfig
        The model settings they were fitted with.
    n_customers : int
        Customers with a purchase up to ``as_of``.
    states : dict
        Step name to its fitted state (see :data:`crm_analytics.scoring.steps.STEPS`); a
        step asked for but not fittable is absent, with its reason in ``skipped``.
    skipped : dict
        Model name to the reason it was asked for but not fitted (too little data).
    training_period : tuple of str
        The first purchase and the as-of day of the data the models were fitted on (ISO).
    """

    as_of: pd.Timestamp
    model: ModelConfig
    n_customers: int
    states: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    training_period: tuple[str, str] | None = None

    def part(self, name: str) -> Any:
        """A fitted object by name (``rfm``, ``clusterer``, ``transaction_model``,
        ``spend_model``, ``churn_model``), or None."""
        for step in STEPS:
            if step.name in self.states:
                parts = step.parts(self.states[step.name])
                if name in parts:
                    return parts[name]
        return None

    @property
    def rfm(self) -> Any:
        return self.part("rfm")

    @property
    def clusterer(self) -> Any:
        return self.part("clusterer")

    @property
    def transaction_model(self) -> Any:
        return self.part("transaction_model")

    @property
    def spend_model(self) -> Any:
        return self.part("spend_model")

    @property
    def churn_model(self) -> Any:
        return self.part("churn_model")

    def fitted(self) -> list[str]:
        """Names of the fitted objects present (``rfm``, ``transaction_model``, ...)."""
        return [
            name
            for step in STEPS
            if step.name in self.states
            for name, part in step.parts(self.states[step.name]).items()
            if part is not None
        ]

    def params(self) -> dict[str, Any]:
        """The fitted parameters in plain values (for run metadata)."""
        params: dict[str, Any] = {}
        for step in STEPS:
            if step.name in self.states:
                params.update(step.describe(self.states[step.name]))
        return params

    def metadata(self) -> dict[str, Any]:
        """What a model folder's ``metadata.json`` holds."""
        return {
            "as_of": self.as_of.date().isoformat(),
            "n_customers": self.n_customers,
            "steps": sorted(self.states),
            "models": self.fitted(),
            "skipped": dict(self.skipped),
            "training_period": list(self.training_period or ()),
            "params": self.params(),
            "versions": library_versions(),
        }


def resolve_as_of(transactions: Any, as_of: object = None) -> pd.Timestamp:
    """The as-of day: ``as_of`` (a date, ISO text) or the day of the last transaction.

    Raises
    ------
    DataValidationError
        When ``as_of`` is not a date written year first, or is before the first transaction.

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": [1, 2],
    ...                     "date": pd.to_datetime(["2024-01-05 10:00", "2024-02-01 17:30"])})
    >>> resolve_as_of(log), resolve_as_of(log, "2024-01-31")
    (Timestamp('2024-02-01 00:00:00'), Timestamp('2024-01-31 00:00:00'))
    >>> resolve_as_of(log, "yesterday")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: as_of='yesterday' is not a date written year first; ...
    """
    log = as_log(transactions, amount=None, order_id=None, product=None, quantity=None)
    day = log.last_date if as_of is None else to_timestamp(as_of, name="as_of")
    if day.normalize() < log.first_date.normalize():
        raise DataValidationError(
            f"as_of {day.date()} is before the first transaction ({log.first_date.date()}): "
            "nobody has bought yet; choose a later as_of"
        )
    return day.normalize()


def active_steps(settings: ModelConfig) -> list[Step]:
    """The steps a run with these settings runs, in order."""
    return [step for step in STEPS if step.always or step.name in settings.models]


def prepare_run(
    transactions: Any, customers: Any, config: Any, *, as_of: object = None
) -> tuple[ScoringConfig, Run]:
    """The configuration and the :class:`~crm_analytics.scoring.steps.Run` of a fit or score:
    the log checked once and taken as of the as-of day, the customer attributes."""
    config = checked_config(config)
    log = as_log(transactions)
    if not log.has_amount:
        raise DataValidationError(
            "transactions: column 'amount' not found; columns present: "
            f"{', '.join(log.columns)}; load it with crm_analytics.io.read_transactions"
        )
    day = resolve_as_of(log, config.model.as_of if as_of is None else as_of)
    table = None if customers is None else customer_table(customers)
    run = Run(
        log=log.as_of(day),
        as_of=day,
        settings=config.model,
        customers=table,
        attributes=attributes_of(table, config),
    )
    return config, run


def fit_models(
    transactions: Any,
    customers: Any = None,
    *,
    config: ScoringConfig | Mapping[str, Any] | None = None,
) -> FittedModels:
    """Fit the models ``config.model.models`` asks for, as of ``config.model.as_of``.

    Each configured step (:data:`crm_analytics.scoring.steps.STEPS`) is fitted on the log as
    of the as-of day: RFM score edges and customer clusters on the customers' summaries,
    BG/NBD (or MBG/NBD) and Gamma-Gamma on their histories, and a churn model trained on the
    customers' features ``horizon_days`` before the as-of day, labelled churned when they did
    not buy in the ``horizon_days`` that followed (so the model learns from outcomes already
    seen). A step that cannot be fitted on the data (a history shorter than the horizon, too
    few churned customers or repeat buyers) is skipped with a warning saying why.

    Parameters
    ----------
    transactions : TransactionLog or DataFrame
        The transaction log (:func:`crm_analytics.io.read_transactions`); rows after the as-of
        day are ignored.
    customers : CustomerTable or DataFrame, optional
        Customer table (:func:`crm_analytics.io.read_customers`) with the
        ``customers.attributes`` columns.
    config : ScoringConfig or mapping, optional
        Default: ``ScoringConfig()``; a mapping of tables is read by ``ScoringConfig.from_dict``.

    Returns
    -------
    FittedModels
    """
    config, run = prepare_run(transactions, customers, config)
    fitted = fit_steps(run)
    for name, reason in fitted.skipped.items():
        warnings.warn(f"{name.replace('_', ' ')} not fitted: {reason}", stacklevel=2)
    return fitted


def fit_steps(run: Run) -> FittedModels:
    """Fit every step of ``run.settings`` on the run (skipped steps recorded, not warned)."""
    settings = run.settings
    logger.info(
        "fitting %s on %d customers as of %s",
        settings.models,
        len(run.summary),
        run.as_of.date(),
    )
    for step in active_steps(settings):
        try:
            state = step.fit(run)
        except SkipStep as skip:
            run.skipped[skip.part] = skip.reason
            continue
        if state is not None:
            run.fitted[step.name] = state
    return FittedModels(
        as_of=run.as_of,
        model=settings,
        n_customers=len(run.summary),
        states=dict(run.fitted),
        skipped=dict(run.skipped),
        training_period=(str(run.log.first_date.date()), str(run.as_of.date())),
    )


def checked_config(config: object) -> ScoringConfig:
    """A :class:`ScoringConfig` from a config or a mapping of its tables (None: defaults)."""
    if config is None:
        return ScoringConfig()
    if isinstance(config, Mapping):
        return ScoringConfig.from_dict(config)
    if not isinstance(config, ScoringConfig):
        raise DataValidationError(
            f"config must be a ScoringConfig or a mapping of its tables, got "
            f"{type(config).__name__}; e.g. load_config('scoring.toml')"
        )
    return config


def customer_table(customers: object) -> pd.DataFrame:
    """The customer table as a DataFrame with a ``customer_id`` column (an index named so is
    taken as one)."""
    table = require_frame(customers, name="customers")
    if CUSTOMER_ID not in table.columns and table.index.name == CUSTOMER_ID:
        table = table.reset_index()
    require_columns(
        table,
        [CUSTOMER_ID],
        name="customers",
        fix="load the table with crm_analytics.io.read_customers(..., customer_id=...)",
    )
    return table


def attributes_of(customers: pd.DataFrame | None, config: ScoringConfig) -> pd.DataFrame | None:
    """The customer id and the configured attribute columns of the customer table."""
    if customers is None:
        return None
    attributes = list(config.customers.attributes)
    missing = [name for name in attributes if name not in customers.columns]
    if missing:
        raise DataValidationError(
            f"customer attribute column(s) {', '.join(map(repr, missing))} (customers.attributes) "
            f"not in the customer table; its columns are {', '.join(map(str, customers.columns))}"
        )
    return customers[[CUSTOMER_ID, *attributes]]


def check_fitted_for(models: FittedModels, settings: ModelConfig) -> None:
    """Refuse models that lack a step the configuration asks for, or hold another kind of
    transaction model."""
    absent = [
        step.name
        for step in active_steps(settings)
        if step.files
        and step.name not in models.states
        and not any(part in models.skipped for part in step.part_names)
    ]
    if absent:
        raise DataValidationError(
            f"the models given were not fitted for {', '.join(map(repr, absent))} (fitted as of "
            f"{models.as_of.date()} with models = {models.model.models}); refit them with those "
            "models, or leave them out of the config's models"
        )
    fitted_kind = models.model.transaction_model
    if "clv" in models.states and fitted_kind != settings.transaction_model:
        raise DataValidationError(
            f"the models given hold a {fitted_kind!r} transaction model, but the configuration "
            f"asks for transaction_model = {settings.transaction_model!r}; refit the models "
            f"with it, or set transaction_model = {fitted_kind!r}"
        )
