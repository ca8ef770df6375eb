"""Customer knowledge beside the scores: cohorts, loyalty, cross-sell rules, recommendations,
and the merging of duplicate customer records before scoring.

Both functions only call the library (``cohorts``, ``associations``, ``dedupe``) with the
settings of a :class:`~crm_analytics.scoring.config.ScoringConfig`; they read and write
nothing. ``crm-analytics score`` writes their tables (see ``outputs.write_scores``).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import pandas as pd

from crm_analytics.associations import association_rules, recommend_products
from crm_analytics.cohorts import cohort_table, loyalty_metrics
from crm_analytics.dedupe import find_duplicate_customers, merge_customers
from crm_analytics.log import as_log
from crm_analytics.schema import CUSTOMER_ID
from crm_analytics.scoring.config import ScoringConfig
from crm_analytics.scoring.models import resolve_as_of

__all__ = ["knowledge_tables", "merge_duplicate_customers"]

logger = logging.getLogger(__name__)


def knowledge_tables(transactions: Any, *, config: ScoringConfig) -> dict[str, pd.DataFrame]:
    """The customer-knowledge tables ``config.output.extras`` asks for, as of the as-of day.

    Parameters
    ----------
    transactions : TransactionLog or DataFrame
        The transaction log (``io.read_transactions``); rows after the as-of day
        (``config.model.as_of``, default the last transaction day) are ignored, as in
        :func:`~crm_analytics.scoring.score_customers`. "rules" and "recommendations" need
        its ``order_id`` and ``product`` columns.
    config : ScoringConfig
        ``config.output``: ``extras``, ``cohort_period``, ``min_support``,
        ``min_confidence`` and ``n_recommendations``.

    Returns
    -------
    dict of str to pandas.DataFrame
        For each extra asked for:

        - "cohorts": ``cohort_customers`` and ``cohort_retention``, the
          :func:`~crm_analytics.cohorts.cohort_table` of customers per acquisition cohort
          and period since first purchase, as counts and as retention rates;
        - "loyalty": ``loyalty_metrics`` (:func:`~crm_analytics.cohorts.loyalty_metrics`);
        - "rules": ``association_rules``
          (:func:`~crm_analytics.associations.association_rules`);
        - "recommendations": ``recommendations``, the
          :func:`~crm_analytics.associations.recommend_products` of every customer from
          those rules (customers no rule fires for are absent).

    Examples
    --------
    >>> from crm_analytics.datasets import make_transactions
    >>> log, _ = make_transactions(300, seed=1)
    >>> config = ScoringConfig.from_dict({"output": {"extras": ["cohorts", "loyalty"]}})
    >>> tables = knowledge_tables(log, config=config)
    >>> sorted(tables)
    ['cohort_customers', 'cohort_retention', 'loyalty_metrics']
    >>> tables["cohort_retention"][0].eq(1).all()
    np.True_
    """
    output = config.output
    if not output.extras:
        return {}
    log = as_log(transactions)
    transactions = log.as_of(resolve_as_of(log, config.model.as_of)).to_pandas()
    period = output.cohort_period
    tables: dict[str, pd.DataFrame] = {}
    if "cohorts" in output.extras:
        tables["cohort_customers"] = cohort_table(transactions, period=period)
        tables["cohort_retention"] = cohort_table(transactions, period=period, normalize=True)
    if "loyalty" in output.extras:
        tables["loyalty_metrics"] = loyalty_metrics(transactions, period=period)
    if "rules" in output.extras or "recommendations" in output.extras:
        rules = association_rules(
            transactions, min_support=output.min_support, min_confidence=output.min_confidence
        )
        if rules.empty:
            warnings.warn(
                f"no products are bought together in at least min_support = "
                f"{output.min_support} of the orders with confidence >= "
                f"{output.min_confidence}: no rules and no recommendations; lower "
                "min_support or min_confidence",
                stacklevel=2,
            )
        logger.info("%d association rules", len(rules))
        if "rules" in output.extras:
            tables["association_rules"] = rules
        if "recommendations" in output.extras:
            tables["recommendations"] = recommend_products(
                transactions, rules, k=output.n_recommendations
            )
    return tables


def merge_duplicate_customers(
    customers: pd.DataFrame, *, config: ScoringConfig
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Merge the duplicate records of a customer table on ``config.customers.dedupe_on``.

    Pairs found by :func:`~crm_analytics.dedupe.find_duplicate_customers` on the
    ``dedupe_on`` columns that score at least ``dedupe_threshold`` are merged by
    :func:`~crm_analytics.dedupe.merge_customers` (the earliest signup survives).

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer table (``io.read_customers``) with the ``dedupe_on`` columns.
    config : ScoringConfig
        ``config.customers.dedupe_on`` and ``dedupe_threshold``.

    Returns
    -------
    customers : pandas.DataFrame
        The table without the merged-away records.
    mapping : pandas.Series
        Merged-away id → surviving id: pass it to ``io.read_transactions(...,
        customer_mapping=mapping)`` or ``dedupe.apply_customer_mapping``.
    audit : pandas.DataFrame
        The records of every merged group with their surviving id, score and reasons
        (see :func:`~crm_analytics.dedupe.merge_customers`).

    Examples
    --------
    >>> table = pd.DataFrame({
    ...     "customer_id": ["a", "b", "c"],
    ...     "name": ["Ann Lee", "LEE, Ann", "Bob Day"],
    ...     "email": ["ann.lee@x.org", "ann.lee@x.org", "bob@y.org"],
    ... })
    >>> config = ScoringConfig.from_dict({"customers": {"dedupe_on": ["name", "email"]}})
    >>> kept, mapping, audit = merge_duplicate_customers(table, config=config)
    >>> kept["customer_id"].tolist(), mapping.to_dict()
    (['a', 'c'], {'b': 'a'})
    """
    settings = config.customers
    pairs = find_duplicate_customers(
        customers, on=settings.dedupe_on, min_score=settings.dedupe_threshold
    )
    mapping, audit = merge_customers(customers, pairs, threshold=settings.dedupe_threshold)
    kept = customers[~customers[CUSTOMER_ID].isin(mapping.index)].reset_index(drop=True)
    logger.info(
        "merged %d duplicate records into %d customers", len(mapping), int(audit["survivor"].sum())
    )
    return kept, mapping, audit
