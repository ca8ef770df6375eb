"""``score_customers``: one row per customer with every score the models give."""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

from crm_analytics.churn import churn_features
from crm_analytics.clv import customer_lifetime_value
from crm_analytics.exceptions import DataValidationError
from crm_analytics.schema import CUSTOMER_ID
from crm_analytics.scoring import steps
from crm_analytics.scoring.config import ModelConfig, ScoringConfig
from crm_analytics.scoring.models import (
    FittedModels,
    checked_inputs,
    fit_models,
    resolve_as_of,
    summary_as_of,
    up_to,
)

__all__ = ["SCORE_COLUMNS", "customer_attributes", "score_customers"]

logger = logging.getLogger(__name__)

#: Columns of the scored table by the model that gives them (the customer attributes come
#: first, then the activity summary, which every run has).
SCORE_COLUMNS = {
    "summary": [
        "first_purchase",
        "last_purchase",
        "n_orders",
        "total_amount",
        "average_order_value",
        "days_since_last_purchase",
        "cohort",
    ],
    "rfm": ["r_score", "f_score", "m_score", "rfm_cell", "rfm_score", "rfm_segment"],
    "clv": ["p_alive", "expected_purchases", "predicted_clv"],
    "tiers": ["value_tier"],
    "lifecycle": ["lifecycle_stage"],
    "clusters": ["cluster", "cluster_name"],
    "churn": ["churn_probability", "risk_tier"],
}


def score_customers(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    *,
    config: ScoringConfig | None = None,
    models: FittedModels | None = None,
) -> pd.DataFrame:
    """Score every customer who bought up to the as-of date: segments, value and risk.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transaction log (``io.read_transactions``). Rows dated after the as-of
        day are ignored, so an older as-of reproduces an older run on a newer export.
    customers : pandas.DataFrame, optional
        Customer table (``io.read_customers``); its ``customers.attributes`` columns are
        copied into the result and used by the churn model.
    config : ScoringConfig or mapping, optional
        Default ``ScoringConfig()``; a mapping of tables is read by ``ScoringConfig.from_dict``: 90-day horizon, 12-month CLV at 1% a month, margin 1,
        every model. ``config.model.as_of`` defaults to the last transaction day.
    models : FittedModels, optional
        Models from :func:`~crm_analytics.scoring.fit_models` (or ``FittedModels.load``);
        fitted on the data as of the as-of date when not given. They must include every
        model of ``config.model.models``; their own settings (RFM bins, clusters, the churn
        label's horizon, risk tiers) are the ones they were fitted with, while the scoring
        terms (horizon, CLV months, discount rate, margin, value tiers, lifecycle windows)
        come from ``config``.

    Returns
    -------
    pandas.DataFrame
        One row per customer, indexed by ``customer_id`` (sorted), with, when the model is
        in ``config.model.models``:

        - the customer attributes, then ``first_purchase, last_purchase, n_orders,
          total_amount, average_order_value, days_since_last_purchase`` (from
          ``rfm_summary``) and ``cohort``, the month of the first purchase ("2024-01");
        - ``rfm``: ``r_score, f_score, m_score`` (1..rfm_bins, higher is better),
          ``rfm_cell`` ("545"), ``rfm_score`` (their sum) and ``rfm_segment`` (Champions,
          Loyal, ... At risk, Lost);
        - ``clv``: ``p_alive`` (BG/NBD probability the customer is still active),
          ``expected_purchases`` (repeat purchases expected over the next ``horizon_days``)
          and ``predicted_clv`` (discounted expected profit over ``clv_months``);
        - ``value_tier``: high / medium / low, the Pareto tiers of ``predicted_clv`` (or of
          ``total_amount`` with ``value_tier_basis = "revenue"``);
        - ``lifecycle``: ``lifecycle_stage`` (new, active, at risk, reactivated, lost; at
          risk from P(alive) when the CLV model runs). With ``include_prospects = true``
          the customers of ``customers`` signed up by the as-of day who have not bought get
          a row too: stage ``prospect``, ``n_orders`` 0, ``total_amount`` 0, their
          attributes, and no purchase-based scores (whole-number columns then become
          nullable integers);
        - ``clusters``: ``cluster`` and ``cluster_name``;
        - ``churn``: ``churn_probability`` (of no purchase in the next ``horizon_days``),
          ``risk_tier`` and ``reason_1`` ... ``reason_<n_reasons>`` (plain-word reasons the
          risk is high, empty where nothing raises it).

        A model asked for but not fittable on the data (see ``FittedModels.skipped``) leaves
        its columns empty, with a warning. ``attrs`` holds ``as_of``, ``timings`` (seconds
        per step) and ``skipped``.

    Examples
    --------
    >>> from crm_analytics.datasets import make_transactions
    >>> log, _ = make_transactions(500, seed=1)
    >>> config = ScoringConfig.from_dict({"model": {"models": ["rfm", "clv", "lifecycle"]}})
    >>> scored = score_customers(log, config=config)
    >>> len(scored) == log["customer_id"].nunique(), scored.attrs["as_of"]
    (True, '2025-06-29')
    >>> bool(scored["p_alive"].between(0, 1).all() and (scored["predicted_clv"] >= 0).all())
    True
    """
    config, attributes = checked_inputs(transactions, customers, config)
    if models is not None and not isinstance(models, FittedModels):
        raise DataValidationError(
            f"models must be FittedModels, got {type(models).__name__}; load saved ones with "
            "FittedModels.load(folder)"
        )
    timings: dict[str, float] = {}
    as_of = resolve_as_of(transactions, config.model.as_of)
    if models is not None and models.as_of > as_of:
        warnings.warn(
            f"the models were fitted as of {models.as_of.date()}, after the as-of date "
            f"{as_of.date()}: they have seen data the scores should not know; refit them as of "
            f"{as_of.date()} to reproduce a run of that day",
            stacklevel=2,
        )
    transactions = up_to(transactions, as_of)
    given = models is not None
    if not given:
        with _step("fit models", timings):
            models = fit_models(
                transactions, customers, config=config.replace("model", as_of=str(as_of.date()))
            )
    _check_fitted(models, config.model)
    wanted = config.model.models
    with _step("summary", timings):
        summary = summary_as_of(transactions, as_of)
    parts = []
    if attributes is not None:
        parts.append(customer_attributes(attributes, summary.index))
    # The acquisition cohort, so that segments can be sliced by it like any attribute.
    cohort = summary["first_purchase"].dt.to_period("M").astype(str).rename("cohort")
    parts.append(summary[SCORE_COLUMNS["summary"][:-1]].join(cohort))
    if "rfm" in wanted:
        with _step("rfm", timings):
            parts.append(steps.rfm_columns(models.rfm, summary))
    p_alive = None
    if "clv" in wanted:
        with _step("clv", timings):
            clv = _clv_columns(models, summary, config)
            p_alive = clv["p_alive"]
            parts.append(clv)
    with _step("value tiers", timings):
        values = summary["total_amount"]
        if config.model.value_tier_basis == "clv" and models.spend_model is not None:
            values = clv["predicted_clv"]
        parts.append(steps.value_tier_column(values, model=config.model).to_frame())
    prospects = pd.Index([], name=CUSTOMER_ID)
    if "lifecycle" in wanted:
        with _step("lifecycle", timings):
            stage = steps.lifecycle_column(
                summary,
                as_of=as_of,
                transactions=transactions,
                p_alive=p_alive,
                model=config.model,
                customers=customers if config.model.include_prospects else None,
            )
            prospects = stage.index.difference(summary.index)
            parts.append(stage.reindex(summary.index).to_frame())
    if "clusters" in wanted:
        with _step("clusters", timings):
            parts.append(steps.cluster_columns(models.clusterer, summary))
    if "churn" in wanted:
        with _step("churn", timings):
            parts.append(_churn_columns(models, transactions, attributes, summary, config, as_of))
    scored = pd.concat(parts, axis=1)
    if len(prospects):
        scored = _with_prospects(scored, prospects, attributes)
    scored = scored.sort_index()
    scored.index.name = CUSTOMER_ID
    # fit_models has warned already when it ran here.
    for name, reason in models.skipped.items() if given else ():
        warnings.warn(f"{name.replace('_', ' ')} not fitted: {reason}", stacklevel=2)
    scored.attrs = {
        "as_of": str(as_of.date()),
        "timings": timings,
        "skipped": dict(models.skipped),
    }
    logger.info("scored %d customers as of %s", len(scored), as_of.date())
    return scored


def customer_attributes(attributes: pd.DataFrame, buyers: pd.Index) -> pd.DataFrame:
    """The attributes of each buyer, empty (with a warning) for buyers not in the table.

    Raises a DataValidationError when the table repeats a customer id or shares no id with
    the buyers (ids written differently in the two files).
    """
    repeated = attributes[CUSTOMER_ID].duplicated()
    if repeated.any():
        raise DataValidationError(
            f"customers: {int(repeated.sum())} customer id(s) appear more than once (e.g. "
            f"{attributes.loc[repeated, CUSTOMER_ID].head(3).tolist()}); load the table with "
            "crm_analytics.io.read_customers, which reports or resolves duplicates"
        )
    known = buyers.isin(attributes[CUSTOMER_ID])
    if not known.any():
        raise DataValidationError(
            f"none of the {len(buyers):,} customers in the transactions is in the customer table "
            f"(ids such as {buyers[:3].tolist()} in the transactions, "
            f"{attributes[CUSTOMER_ID].head(3).tolist()} in the table); check that both use "
            "the same customer ids, read the same way"
        )
    if not known.all():
        warnings.warn(
            f"{int((~known).sum()):,} of {len(buyers):,} customers in the transactions are not "
            f"in the customer table (e.g. {buyers[~known][:3].tolist()}); their attributes are "
            "left empty",
            stacklevel=3,
        )
    return attributes.set_index(CUSTOMER_ID).reindex(buyers)


def _with_prospects(
    scored: pd.DataFrame, prospects: pd.Index, attributes: pd.DataFrame | None
) -> pd.DataFrame:
    """Buyers and prospects: prospects have no orders and no purchase-based scores."""
    rows = pd.DataFrame(index=prospects)
    if attributes is not None:
        rows = rows.join(attributes.set_index(CUSTOMER_ID))
    rows = rows.assign(n_orders=0, total_amount=0.0, lifecycle_stage="prospect")
    # Whole-number columns become nullable integers, so that prospects' missing scores
    # leave the buyers' scores whole numbers.
    dtypes = {
        column: "Int64" if pd.api.types.is_integer_dtype(dtype) else dtype
        for column, dtype in scored.dtypes.items()
    }
    rows = rows.reindex(columns=scored.columns).astype(dtypes)
    return pd.concat([scored.astype(dtypes), rows])


def _clv_columns(
    models: FittedModels, summary: pd.DataFrame, config: ScoringConfig
) -> pd.DataFrame:
    model = models.transaction_model
    columns = pd.DataFrame(
        {
            "p_alive": model.conditional_probability_alive(summary),
            "expected_purchases": model.conditional_expected_number_of_purchases_up_to_time(
                config.model.horizon_days, summary
            ),
        },
        index=summary.index,
    )
    if models.spend_model is None:
        columns["predicted_clv"] = float("nan")
        return columns
    columns["predicted_clv"] = customer_lifetime_value(
        model,
        models.spend_model,
        summary,
        horizon=config.model.clv_months,
        discount_rate=config.model.discount_rate,
        margin=config.model.margin,
    )
    return columns


def _churn_columns(
    models: FittedModels,
    transactions: pd.DataFrame,
    attributes: pd.DataFrame | None,
    summary: pd.DataFrame,
    config: ScoringConfig,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    reasons = [f"reason_{position}" for position in range(1, config.model.n_reasons + 1)]
    churn_model = models.churn_model
    if churn_model is None:
        empty = pd.DataFrame(index=summary.index, columns=SCORE_COLUMNS["churn"] + reasons)
        return empty.astype({"churn_probability": "float64"})
    features = churn_features(transactions, attributes, cutoff=as_of).reindex(summary.index)
    return churn_model.score_customers(features, n_reasons=len(reasons))


# The fitted object each model of config.model.models needs (lifecycle needs none).
_NEEDS = {
    "rfm": "rfm",
    "clusters": "clusterer",
    "clv": "transaction_model",
    "churn": "churn_model",
}


def _check_fitted(models: FittedModels, settings: ModelConfig) -> None:
    """Refuse models that lack one the configuration asks for, or are of another kind."""
    absent = [
        name
        for name in settings.models
        if name in _NEEDS
        and getattr(models, _NEEDS[name]) is None
        and _NEEDS[name] not in models.skipped
    ]
    if absent:
        raise DataValidationError(
            f"the models given were not fitted for {', '.join(map(repr, absent))} (fitted as of "
            f"{models.as_of.date()} with models = {models.model.models}); refit them with those "
            "models, or leave them out of the config's models"
        )
    fitted_kind = models.model.transaction_model
    if models.transaction_model is not None and fitted_kind != settings.transaction_model:
        raise DataValidationError(
            f"the models given hold a {fitted_kind!r} transaction model, but the configuration "
            f"asks for transaction_model = {settings.transaction_model!r}; refit the models "
            f"with it, or set transaction_model = {fitted_kind!r}"
        )


@contextmanager
def _step(name: str, timings: dict[str, float]) -> Iterator[None]:
    """Log a step's start (the command line shows it as progress) and time it."""
    logger.info("step: %s", name)
    start = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - start, 3)
