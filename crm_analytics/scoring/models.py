"""Fitting the scoring models as of a date, and saving them to (and loading them from) a folder.

A model folder holds one file per model, in each model's own format (``bgnbd.json`` and
``gamma_gamma.json`` from the CLV fitters' ``save`` (``bgnbd.json`` holds the MBG/NBD model
when that one is configured), ``churn.joblib`` from ``ChurnModel.save``,
``rfm.joblib`` and ``clusterer.joblib`` for the scikit-learn style segmentation estimators),
``config.toml`` (the model settings used) and ``metadata.json`` (as-of date, customers, the
fitted parameters, library versions, and why a model was left out).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

from crm_analytics._checks import require_columns, require_datetime, require_frame
from crm_analytics._version import library_versions
from crm_analytics.churn import ChurnModel, make_churn_dataset
from crm_analytics.clv import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter
from crm_analytics.exceptions import DataValidationError
from crm_analytics.schema import AMOUNT, CUSTOMER_ID, DATE
from crm_analytics.scoring import steps
from crm_analytics.scoring._atomic import write_files
from crm_analytics.scoring.config import ModelConfig, ScoringConfig, load_config
from crm_analytics.segmentation import CustomerClusterer, RFMScorer
from crm_analytics.summary import rfm_summary

__all__ = [
    "FittedModels",
    "fit_models",
    "resolve_as_of",
    "summary_as_of",
    "up_to",
]

logger = logging.getLogger(__name__)

_FORMAT = 1
_METADATA = "metadata.json"
# Fewest repeat buyers the Gamma-Gamma spend model is fitted on.
_MIN_REPEAT_BUYERS = 10


@dataclass
class FittedModels:
    """The models one scoring run applies, fitted as of one date.

    Attributes
    ----------
    as_of : pandas.Timestamp
        The day the models were fitted as of (data after it was not used).
    model : ModelConfig
        The model settings they were fitted with.
    n_customers : int
        Customers with a purchase up to ``as_of``.
    rfm, clusterer, transaction_model, spend_model, churn_model : fitted model or None
        ``RFMScorer``, ``CustomerClusterer``, ``BetaGeoFitter`` (or ``ModifiedBetaGeoFitter``),
        ``GammaGammaFitter`` and
        ``ChurnModel``; None when not asked for (``model.models``) or not fittable.
    skipped : dict
        Model name to the reason it was asked for but not fitted (too little data).
    """

    as_of: pd.Timestamp
    model: ModelConfig
    n_customers: int
    rfm: Any = None
    clusterer: Any = None
    transaction_model: BetaGeoFitter | ModifiedBetaGeoFitter | None = None
    spend_model: GammaGammaFitter | None = None
    churn_model: ChurnModel | None = None
    skipped: dict[str, str] = field(default_factory=dict)

    def params(self) -> dict[str, Any]:
        """The fitted parameters in plain values (for run metadata)."""
        params: dict[str, Any] = {}
        if self.rfm is not None:
            params["rfm_edges"] = {
                name: [float(value) for value in values] for name, values in self.rfm.edges_.items()
            }
        if self.transaction_model is not None:
            params[self.model.transaction_model] = _plain(self.transaction_model.params_)
        if self.spend_model is not None:
            params["gamma_gamma"] = _plain(self.spend_model.params_)
        if self.clusterer is not None:
            params["clusterer"] = {
                key: repr(value) for key, value in self.clusterer.get_params().items()
            }
        if self.churn_model is not None:
            params["churn"] = {
                "base_rate": self.churn_model.base_rate_,
                "features": list(self.churn_model.feature_names_),
                "label": None
                if self.churn_model.label_definition_ is None
                else self.churn_model.label_definition_.describe(),
            }
        return params

    def metadata(self) -> dict[str, Any]:
        """What ``save`` writes to ``metadata.json``."""
        return {
            "format": _FORMAT,
            "as_of": self.as_of.date().isoformat(),
            "n_customers": self.n_customers,
            "models": self.fitted(),
            "skipped": dict(self.skipped),
            "params": self.params(),
            "versions": library_versions(),
        }

    def save(
        self,
        directory: str | Path,
        *,
        config: ScoringConfig | None = None,
        inputs: dict[str, Any] | None = None,
    ) -> Path:
        """Write every fitted model, ``config.toml`` and ``metadata.json`` into ``directory``.

        The files are written to a temporary folder inside ``directory`` and moved into place
        only once all of them are complete, so a failure leaves the previous models intact.

        Parameters
        ----------
        directory : str or pathlib.Path
            The model folder, created when missing.
        config : ScoringConfig, optional
            The whole configuration of the fit (inputs and column mapping), saved as
            ``config.toml`` with the models' own settings; default: those settings only.
        inputs : dict, optional
            A description of the data fitted on (files, checksums), kept in the metadata.
        """
        saved_config = ScoringConfig() if config is None else config
        saved_config = dataclasses.replace(saved_config, model=self.model)
        metadata = self.metadata()
        if inputs is not None:
            metadata["inputs"] = inputs
        writers = dict(self._files_savers())
        writers["config.toml"] = lambda path: path.write_text(
            saved_config.to_toml(), encoding="utf-8"
        )
        writers[_METADATA] = lambda path: path.write_text(
            json.dumps(metadata, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        directory = Path(directory)
        write_files(directory, writers)
        logger.info("models saved to %s", directory)
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> FittedModels:
        """Models saved by :meth:`save`.

        Raises
        ------
        DataValidationError
            When ``directory`` holds no saved models. Like any pickle, the joblib files can
            run code when loaded: only load folders you trust.
        """
        directory = Path(directory)
        try:
            metadata = json.loads((directory / _METADATA).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataValidationError(
                f"no saved models in {directory} (no {_METADATA}); fit them first with "
                "'crm-analytics fit --model-dir DIR' or scoring.fit_models(...).save(DIR)"
            ) from None
        except json.JSONDecodeError as error:
            raise DataValidationError(
                f"{directory / _METADATA} is not valid JSON ({error}); refit the models"
            ) from None
        config = load_config(directory / "config.toml")
        try:
            loaded = cls(
                as_of=pd.Timestamp(metadata["as_of"]),
                model=config.model,
                n_customers=int(metadata["n_customers"]),
                skipped=dict(metadata["skipped"]),
            )
            names, saved = list(metadata["models"]), dict(metadata["versions"])
        except (KeyError, TypeError, ValueError) as error:
            raise DataValidationError(
                f"{directory / _METADATA} was not written by FittedModels.save (bad or missing "
                f"{error}); refit the models"
            ) from None
        kinds = {
            "rfm": RFMScorer,
            "clusterer": CustomerClusterer,
            "transaction_model": _TRANSACTION_MODELS[config.model.transaction_model],
            "spend_model": GammaGammaFitter,
            "churn_model": ChurnModel,
        }
        for name in names:
            setattr(loaded, name, _load_model(directory / _FILES[name], kinds[name]))
        changed = [
            f"{name} {saved.get(name)} -> {version}"
            for name, version in library_versions().items()
            if saved.get(name) != version
        ]
        if changed:
            warnings.warn(
                f"the models in {directory} were saved with other library versions "
                f"({'; '.join(changed)}); scores may differ, refit to be sure",
                stacklevel=2,
            )
        return loaded

    def fitted(self) -> list[str]:
        """Names of the models present (``rfm``, ``clusterer``, ``transaction_model``, ...)."""
        return [name for name, _ in self._files()]

    def _files(self) -> list[tuple[str, Any]]:
        return [(name, getattr(self, name)) for name in _FILES if getattr(self, name) is not None]

    def _files_savers(self) -> list[tuple[str, Any]]:
        savers = []
        for name, fitted in self._files():
            if name in ("rfm", "clusterer"):
                savers.append((_FILES[name], lambda path, fitted=fitted: joblib.dump(fitted, path)))
            else:
                savers.append((_FILES[name], fitted.save))
        return savers


def _load_model(path: Path, kind: type) -> Any:
    """The model of class ``kind`` saved at ``path``, or a clear error when the file is damaged,
    missing or holds something else."""
    try:
        model = kind.load(path) if hasattr(kind, "load") else joblib.load(path)
    except DataValidationError:
        raise
    except Exception as error:  # a damaged file fails in any of the unpicklers' many ways
        raise DataValidationError(
            f"{path} could not be loaded ({type(error).__name__}: {error}); it is missing, "
            "damaged or not a saved model: refit the models"
        ) from None
    if not isinstance(model, kind):
        raise DataValidationError(
            f"{path} holds a {type(model).__name__}, not a {kind.__name__}; refit the models"
        )
    return model


_TRANSACTION_MODELS = {"bgnbd": BetaGeoFitter, "mbgnbd": ModifiedBetaGeoFitter}
_FILES = {
    "rfm": "rfm.joblib",
    "clusterer": "clusterer.joblib",
    "transaction_model": "bgnbd.json",
    "spend_model": "gamma_gamma.json",
    "churn_model": "churn.joblib",
}


def resolve_as_of(transactions: pd.DataFrame, as_of: object = None) -> pd.Timestamp:
    """The as-of day: ``as_of`` (a date) or the day of the last transaction.

    Examples
    --------
    >>> log = pd.DataFrame({"date": pd.to_datetime(["2024-01-05 10:00", "2024-02-01 17:30"])})
    >>> resolve_as_of(log), resolve_as_of(log, "2024-01-31")
    (Timestamp('2024-02-01 00:00:00'), Timestamp('2024-01-31 00:00:00'))
    """
    day = transactions[DATE].max() if as_of is None else pd.Timestamp(as_of)
    first = transactions[DATE].min().normalize()
    if day.normalize() < first:
        raise DataValidationError(
            f"as_of {day.date()} is before the first transaction ({first.date()}): nobody has "
            "bought yet; choose a later as_of"
        )
    return day.normalize()


def up_to(transactions: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The transactions dated on or before the as-of day (the whole day counts)."""
    return transactions[transactions[DATE] < as_of + pd.Timedelta(days=1)]


def summary_as_of(transactions: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The per-customer RFM summary from the transactions up to (and on) ``as_of``."""
    return rfm_summary(transactions, observation_end=as_of)


def fit_models(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    *,
    config: ScoringConfig | None = None,
) -> FittedModels:
    """Fit the models ``config.model.models`` asks for, as of ``config.model.as_of``.

    - ``rfm``: RFM score edges (``RFMScorer``) on the customers' summaries;
    - ``clusters``: a ``CustomerClusterer`` on the same summaries;
    - ``clv``: BG/NBD (or MBG/NBD with ``transaction_model = "mbgnbd"``) on every customer
      (daily time unit) and Gamma-Gamma on the repeat
      buyers with positive spend;
    - ``churn``: a ``ChurnModel`` trained on the customers' features ``horizon_days`` before
      ``as_of``, labelled churned when they did not buy in the ``horizon_days`` that followed
      (so the model learns from outcomes already seen by ``as_of``); with the customer
      ``attributes`` as extra features; gradient boosting, or a logistic regression with
      ``churn_estimator = "logistic"``. It is skipped, with a warning, when the history is
      shorter than that or has fewer than ``ChurnModel().min_positives`` churned or retained
      customers.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transaction log (``io.read_transactions``); rows after ``as_of`` are ignored.
    customers : pandas.DataFrame, optional
        Customer table (``io.read_customers``) with the ``customers.attributes`` columns.
    config : ScoringConfig or mapping, optional
        Default: ``ScoringConfig()``; a mapping of tables is read by ``ScoringConfig.from_dict``.

    Returns
    -------
    FittedModels
    """
    config, attributes = checked_inputs(transactions, customers, config)
    model = config.model
    as_of = resolve_as_of(transactions, model.as_of)
    transactions = up_to(transactions, as_of)
    summary = summary_as_of(transactions, as_of)
    fitted = FittedModels(as_of=as_of, model=model, n_customers=len(summary))
    logger.info("fitting %s on %d customers as of %s", model.models, len(summary), as_of.date())
    if "rfm" in model.models:
        fitted.rfm = steps.fit_rfm(summary, model=model)
    if "clusters" in model.models:
        fitted.clusterer = steps.fit_clusterer(summary, model=model)
    if "clv" in model.models:
        _fit_clv(fitted, summary)
    if "churn" in model.models:
        _fit_churn(fitted, transactions, attributes, as_of)
    for name, reason in fitted.skipped.items():
        warnings.warn(f"{name.replace('_', ' ')} not fitted: {reason}", stacklevel=2)
    return fitted


def checked_inputs(
    transactions: object, customers: object, config: object
) -> tuple[ScoringConfig, pd.DataFrame | None]:
    """The configuration (a :class:`ScoringConfig`, from a mapping too) and the customer
    attributes, after checking the transaction log and the customer table."""
    if config is None:
        config = ScoringConfig()
    elif isinstance(config, Mapping):
        config = ScoringConfig.from_dict(config)
    elif not isinstance(config, ScoringConfig):
        raise DataValidationError(
            f"config must be a ScoringConfig or a mapping of its tables, got "
            f"{type(config).__name__}; e.g. load_config('scoring.toml')"
        )
    require_frame(transactions, name="transactions")
    require_columns(
        transactions,
        [CUSTOMER_ID, DATE, AMOUNT],
        name="transactions",
        fix="load it with crm_analytics.io.read_transactions",
    )
    require_datetime(transactions, DATE, name="transactions")
    return config, attributes_of(customers, config)


def attributes_of(customers: object, config: ScoringConfig) -> pd.DataFrame | None:
    """The customer id and the configured attribute columns of the customer table."""
    if customers is None:
        return None
    customers = require_frame(customers, name="customers")
    if CUSTOMER_ID not in customers.columns and customers.index.name == CUSTOMER_ID:
        customers = customers.reset_index()
    require_columns(
        customers,
        [CUSTOMER_ID],
        name="customers",
        fix="load the table with crm_analytics.io.read_customers(..., customer_id=...)",
    )
    attributes = list(config.customers.attributes)
    missing = [name for name in attributes if name not in customers.columns]
    if missing:
        raise DataValidationError(
            f"customer attribute column(s) {', '.join(map(repr, missing))} (customers.attributes) "
            f"not in the customer table; its columns are {', '.join(map(str, customers.columns))}"
        )
    return customers[[CUSTOMER_ID, *attributes]]


def _fit_clv(fitted: FittedModels, summary: pd.DataFrame) -> None:
    penalizer = fitted.model.penalizer_coef
    transaction_model = _TRANSACTION_MODELS[fitted.model.transaction_model]
    fitted.transaction_model = transaction_model(penalizer_coef=penalizer).fit(summary)
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    if len(repeat) < _MIN_REPEAT_BUYERS:
        fitted.skipped["spend_model"] = (
            f"only {len(repeat)} repeat buyers with positive spend (at least "
            f"{_MIN_REPEAT_BUYERS} needed for Gamma-Gamma); predicted_clv is left empty and "
            "value tiers use past revenue"
        )
        return
    fitted.spend_model = GammaGammaFitter(penalizer_coef=penalizer).fit(repeat)


def _fit_churn(
    fitted: FittedModels,
    transactions: pd.DataFrame,
    attributes: pd.DataFrame | None,
    as_of: pd.Timestamp,
) -> None:
    horizon = fitted.model.horizon_days
    cutoff = as_of - pd.Timedelta(days=horizon)
    first = transactions[DATE].min().normalize()
    if cutoff < first:
        fitted.skipped["churn_model"] = (
            f"the history ({first.date()} to {as_of.date()}) is shorter than horizon_days = "
            f"{horizon} days, so no churn outcome can be observed yet; churn columns are empty"
        )
        return
    X, y = make_churn_dataset(
        transactions,
        attributes,
        cutoff=cutoff,
        horizon=horizon,
        label="non_contractual",
        observation_end=as_of,
    )
    estimator = None
    if fitted.model.churn_estimator == "logistic":
        estimator = LogisticRegression(max_iter=1000)
    churn_model = ChurnModel(
        estimator,
        risk_tiers=fitted.model.risk_tiers,
        tier_by=fitted.model.risk_tier_by,
        unknown_categories="missing",
        random_state=fitted.model.random_state,
    )
    churned = int(y.sum())
    fewest = min(churned, len(y) - churned)
    if fewest < churn_model.min_positives:
        fitted.skipped["churn_model"] = (
            f"{churned} of {len(y)} customers churned in the {horizon} days after "
            f"{cutoff.date()}; at least {churn_model.min_positives} churned and retained "
            "customers are needed; churn columns are empty"
        )
        return
    fitted.churn_model = churn_model.fit(X, y)


def _plain(params: pd.Series) -> dict[str, float]:
    return {str(key): float(value) for key, value in params.items()}
