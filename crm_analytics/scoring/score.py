"""Scoring: one row per customer with every score the configured steps give."""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from crm_analytics.exceptions import DataValidationError
from crm_analytics.schema import CUSTOMER_ID
from crm_analytics.scoring.config import ScoringConfig
from crm_analytics.scoring.models import (
    FittedModels,
    active_steps,
    check_fitted_for,
    fit_steps,
    prepare_run,
)
from crm_analytics.scoring.steps import STEPS, Run

__all__ = ["SCORE_COLUMNS", "ScoringResult", "customer_attributes", "score", "score_customers"]

logger = logging.getLogger(__name__)

#: Columns of the scored table by the step that gives them (the customer attributes come
#: first, then the activity summary, which every run has); the churn reasons follow
#: ``churn`` (``reason_1`` ... ``reason_<n_reasons>``).
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
    **{step.name: list(step.columns) for step in STEPS},
}


@dataclass
class ScoringResult:
    """A scoring run: the scored table and what a report or a run folder says about it.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per customer (see :func:`score_customers`).
    as_of : pandas.Timestamp
        The as-of day.
    models : FittedModels
        The models applied (fitted by the run, or given).
    fitted_here : bool
        Whether the run fitted the models itself.
    timings : dict
        Seconds per step.
    skipped : dict
        Model name to the reason it was not fitted (its columns are empty).
    run : Run
        The run's shared state: the log as of the as-of day, its summary, the customer table.
    """

    scores: pd.DataFrame
    as_of: pd.Timestamp
    models: FittedModels
    fitted_here: bool
    timings: dict[str, float] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    run: Run | None = None


def score_customers(
    transactions: Any,
    customers: Any = None,
    *,
    config: ScoringConfig | Mapping[str, Any] | None = None,
    models: FittedModels | None = None,
) -> pd.DataFrame:
    """Score every customer who bought up to the as-of date: segments, value and risk.

    Parameters
    ----------
    transactions : TransactionLog or DataFrame
        The transaction log (:func:`crm_analytics.io.read_transactions`). Rows dated after the
        as-of day are ignored, so an older as-of reproduces an older run on a newer export.
    customers : CustomerTable or DataFrame, optional
        Customer table (:func:`crm_analytics.io.read_customers`); its ``customers.attributes``
        columns are copied into the result and used by the churn model.
    config : ScoringConfig or mapping, optional
        Default ``ScoringConfig()`` (a mapping of tables is read by
        ``ScoringConfig.from_dict``): 90-day horizon, 12-month CLV at 1% a month, margin 1,
        every model. ``config.model.as_of`` defaults to the last transaction day.
    models : FittedModels, optional
        Models from :func:`~crm_analytics.scoring.fit_models` (or
        :func:`crm_analytics.runs.load_models`); fitted on the data as of the as-of date when
        not given. They must include every model of ``config.model.models``; their own
        settings (RFM bins, clusters, the churn label's horizon, risk tiers) are the ones they
        were fitted with, while the scoring terms (horizon, CLV months, discount rate, margin,
        value tiers, lifecycle windows) come from ``config``.

    Returns
    -------
    pandas.DataFrame
        One row per customer, indexed by ``customer_id`` (sorted), with, when the step is
        in ``config.model.models``:

        - the customer attributes, then ``first_purchase, last_purchase, n_orders,
          total_amount, average_order_value, days_since_last_purchase`` (from
          ``rfm_summary``) and ``cohort``, the month of the first purchase ("2024-01");
        - ``rfm``: ``r_score, f_score, m_score`` (1..rfm_bins, higher is better),
          ``rfm_cell`` ("545"), ``rfm_score`` (their sum) and ``rfm_segment`` (Champions,
          Loyal, ... At risk, Lost);
        - ``clv``: ``p_alive`` (probability the customer is still active),
          ``expected_purchases`` (repeat purchases expected over the next ``horizon_days``)
          and ``predicted_clv`` (discounted expected profit over ``clv_months``), the one
          CLV definition of :func:`crm_analytics.clv.scores.clv_columns`;
        - ``value_tier``: high / medium / low, the Pareto tiers of ``predicted_clv`` (or of
          ``total_amount`` with ``value_tier_basis = "revenue"``);
        - ``lifecycle``: ``lifecycle_stage`` (new, active, at risk, reactivated, lost; at
          risk from P(alive) when the CLV step runs). With ``include_prospects = true``
          the customers of ``customers`` signed up by the as-of day who have not bought get
          a row too: stage ``prospect``, ``n_orders`` 0, ``total_amount`` 0, their
          attributes, and no purchase-based scores (whole-number columns then become
          nullable integers);
        - ``clusters``: ``cluster`` and ``cluster_name``;
        - ``churn``: ``churn_probability`` (of no purchase in the next ``horizon_days``),
          ``risk_tier`` and ``reason_1`` ... ``reason_<n_reasons>`` (plain-word reasons the
          risk is high, empty where nothing raises it).

        A model asked for but not fittable on the data leaves its columns empty, with a
        warning. :func:`score` gives the same table with the as-of date, timings and models.

    Examples
    --------
    >>> from crm_analytics.datasets import make_transactions
    >>> log, _ = make_transactions(500, seed=1)
    >>> config = ScoringConfig.from_dict({"model": {"models": ["rfm", "clv", "lifecycle"]}})
    >>> scored = score_customers(log, config=config)
    >>> len(scored) == log["customer_id"].nunique()
    True
    >>> bool(scored["p_alive"].between(0, 1).all() and (scored["predicted_clv"] >= 0).all())
    True
    """
    return score(transactions, customers, config=config, models=models).scores


def score(
    transactions: Any,
    customers: Any = None,
    *,
    config: ScoringConfig | Mapping[str, Any] | None = None,
    models: FittedModels | None = None,
) -> ScoringResult:
    """:func:`score_customers`, with what the run knows beside the table: the as-of day,
    the models applied, the time each step took, the models skipped.

    Examples
    --------
    >>> from crm_analytics.datasets import make_transactions
    >>> log, _ = make_transactions(500, seed=1)
    >>> result = score(log, config={"model": {"models": ["rfm"], "value_tier_basis": "revenue"}})
    >>> str(result.as_of.date()), sorted(result.timings)[:2]
    ('2025-06-29', ['fit models', 'rfm'])
    """
    if models is not None and not isinstance(models, FittedModels):
        raise DataValidationError(
            f"models must be FittedModels, got {type(models).__name__}; load saved ones with "
            "crm_analytics.runs.load_models(folder)"
        )
    config, run = prepare_run(transactions, customers, config)
    settings = config.model
    if models is not None and models.as_of > run.as_of:
        warnings.warn(
            f"the models were fitted as of {models.as_of.date()}, after the as-of date "
            f"{run.as_of.date()}: they have seen data the scores should not know; refit them as "
            f"of {run.as_of.date()} to reproduce a run of that day",
            stacklevel=2,
        )
    timings: dict[str, float] = {}
    fitted_here = models is None
    if fitted_here:
        with _step("fit models", timings):
            models = fit_steps(run)
    else:
        check_fitted_for(models, settings)
        run.fitted.update(models.states)
        run.skipped.update(models.skipped)
    with _step("summary", timings):
        summary = run.summary
    parts = []
    if run.attributes is not None:
        parts.append(customer_attributes(run.attributes, summary.index))
    # The acquisition cohort, so that segments can be sliced by it like any attribute.
    cohort = summary["first_purchase"].dt.to_period("M").astype(str).rename("cohort")
    parts.append(summary[SCORE_COLUMNS["summary"][:-1]].join(cohort))
    extra_rows = pd.Index([], name=CUSTOMER_ID)
    for step in active_steps(settings):
        with _step(step.name, timings):
            columns = _step_columns(step, run, settings)
        run.scores[step.name] = columns
        extra_rows = extra_rows.union(columns.index.difference(summary.index))
        parts.append(columns.reindex(summary.index))
    scored = pd.concat(parts, axis=1)
    if len(extra_rows):
        prospects = run.scores["lifecycle"].reindex(extra_rows)
        scored = _with_prospects(scored, prospects, run.attributes)
    scored = scored.sort_index()
    scored.index.name = CUSTOMER_ID
    for name, reason in run.skipped.items():
        warnings.warn(f"{name.replace('_', ' ')} not fitted: {reason}", stacklevel=2)
    logger.info("scored %d customers as of %s", len(scored), run.as_of.date())
    return ScoringResult(
        scores=scored,
        as_of=run.as_of,
        models=models,
        fitted_here=fitted_here,
        timings=timings,
        skipped=dict(run.skipped),
        run=run,
    )


def _step_columns(step: Any, run: Run, settings: Any) -> pd.DataFrame:
    """The step's columns; empty ones (all missing) when it has no fitted state."""
    if step.files and step.name not in run.fitted:
        empty = pd.DataFrame(index=run.summary.index, columns=list(step.output_columns(settings)))
        numeric = [name for name in empty.columns if name in ("churn_probability", "cluster")]
        return empty.astype({name: "float64" for name in numeric})
    return step.score(run, run.fitted.get(step.name))


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
    scored: pd.DataFrame, prospects: pd.DataFrame, attributes: pd.DataFrame | None
) -> pd.DataFrame:
    """Buyers and prospects: prospects have no orders and no purchase-based scores."""
    rows = pd.DataFrame(index=prospects.index)
    if attributes is not None:
        rows = rows.join(attributes.set_index(CUSTOMER_ID))
    rows = rows.assign(n_orders=0, total_amount=0.0).join(prospects)
    # Whole-number columns become nullable integers, so that prospects' missing scores
    # leave the buyers' scores whole numbers.
    dtypes = {
        column: "Int64" if pd.api.types.is_integer_dtype(dtype) else dtype
        for column, dtype in scored.dtypes.items()
    }
    rows = rows.reindex(columns=scored.columns).astype(dtypes)
    return pd.concat([scored.astype(dtypes), rows])


@contextmanager
def _step(name: str, timings: dict[str, float]) -> Iterator[None]:
    """Log a step's start (the command line shows it as progress) and time it."""
    logger.info("step: %s", name)
    start = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - start, 3)
