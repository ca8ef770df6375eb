"""Next-product recommendations from association rules, a popularity baseline, and their
evaluation on a time split."""

from __future__ import annotations

import logging
from itertools import chain
from numbers import Integral

import numpy as np
import pandas as pd
import scipy.sparse as sp

from crm_analytics._checks import (
    require_columns,
    require_datetime,
    require_frame,
)
from crm_analytics._dates import to_timestamp, wall_clock
from crm_analytics._runs import position_in_run, run_starts
from crm_analytics.associations._baskets import incidence, purchase_lines
from crm_analytics.associations.rules import association_rules
from crm_analytics.exceptions import DataValidationError
from crm_analytics.schema import CUSTOMER_ID, DATE, ORDER_ID, PRODUCT

__all__ = ["evaluate_recommendations", "recommend_popular", "recommend_products"]

logger = logging.getLogger(__name__)

_METRICS = ("confidence", "lift", "conviction", "leverage", "support")
# Bounds the customer × rule overlap matrix held in memory at once.
_CELLS_PER_CHUNK = 4_000_000


def recommend_products(
    customer_history: pd.DataFrame,
    rules: pd.DataFrame,
    *,
    k: int = 5,
    metric: str = "confidence",
) -> pd.DataFrame:
    """Products each customer has not bought yet, ranked by the strongest rule proposing them.

    A rule fires for a customer who has bought all its antecedents; each of its consequents
    the customer has not bought becomes a candidate, scored by the best ``metric`` among
    the rules proposing it (ties broken by lift, then by product).

    Parameters
    ----------
    customer_history : pandas.DataFrame
        Canonical transactions with ``customer_id`` and ``product`` (returns ignored).
    rules : pandas.DataFrame
        Output of :func:`crm_analytics.associations.association_rules`: its
        ``antecedents`` and ``consequents`` are sets of products (text, as a CSV file
        gives back, is refused).
    k : int, default 5
        Recommendations per customer, at most.
    metric : {"confidence", "lift", "conviction", "leverage", "support"}
        Rule strength used to rank.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (one row per recommendation, customers sorted) with
        columns ``rank`` (1 = best), ``product``, ``score`` (the metric of the best rule)
        and ``antecedents`` (that rule's antecedents: "because you bought ...").
        Customers for whom no rule fires are absent.

    Examples
    --------
    >>> baskets = pd.DataFrame({
    ...     "order_id": [1, 1, 2, 2, 3, 3, 3, 4, 5, 5],
    ...     "product": ["bread", "milk", "bread", "butter", "bread", "milk", "butter",
    ...                 "milk", "bread", "milk"],
    ... })
    >>> rules = association_rules(baskets, min_support=0.4)
    >>> history = pd.DataFrame({"customer_id": ["ann", "bob"], "product": ["butter", "milk"]})
    >>> recommend_products(history, rules, k=2)
                 rank product  score          antecedents
    customer_id
    ann             1   bread   1.00  frozenset({butter})
    bob             1   bread   0.75    frozenset({milk})
    """
    _check_k(k)
    if metric not in _METRICS:
        raise DataValidationError(
            f"metric={metric!r} is not a rule metric; use one of {', '.join(map(repr, _METRICS))}"
        )
    if not isinstance(rules, pd.DataFrame):
        raise DataValidationError(
            f"rules must be a DataFrame, got {type(rules).__name__}; pass the output of "
            "crm_analytics.associations.association_rules"
        )
    require_columns(
        rules,
        ["antecedents", "consequents", metric, "lift"],
        name="rules",
        fix="pass the output of crm_analytics.associations.association_rules",
    )
    for column in ("antecedents", "consequents"):
        _check_itemsets(rules, column)
    lines = purchase_lines(customer_history, [CUSTOMER_ID, PRODUCT], name="customer_history")
    bought, customers, products = incidence(lines[CUSTOMER_ID], lines[PRODUCT])
    vocabulary = products.append(
        pd.Index(_flatten(rules["antecedents"]) + _flatten(rules["consequents"]))
        .unique()
        .difference(products, sort=False)
    )
    bought.resize((bought.shape[0], len(vocabulary)))
    antecedents = _rule_matrix(rules["antecedents"], vocabulary)
    consequents = _rule_matrix(rules["consequents"], vocabulary)
    antecedent_size = np.diff(antecedents.indptr)
    score = rules[metric].to_numpy(dtype=float)
    lift = rules["lift"].to_numpy(dtype=float)

    chunk = max(1, _CELLS_PER_CHUNK // max(len(rules), 1))
    bought_keys = _entry_keys(bought)
    counts = bought.astype(np.int32)
    overlap_with = antecedents.T.astype(np.int32).tocsc()
    found = []
    for start in range(0, bought.shape[0], chunk):
        overlap = (counts[start : start + chunk] @ overlap_with).tocoo()
        fires = overlap.data == antecedent_size[overlap.col]
        customer, rule = overlap.row[fires] + start, overlap.col[fires]
        customer, product, rule = _expand(customer, rule, consequents)
        fresh = ~_contains(bought_keys, bought.shape[1], customer, product)
        found.append((customer[fresh], product[fresh], rule[fresh]))
    customer, product, rule = (np.concatenate(parts) for parts in zip(*found, strict=True))
    # Best rule per (customer, product): the earliest in the ranking order below.
    order = np.lexsort((rule, -lift[rule], -score[rule], product, customer))
    customer, product, rule = customer[order], product[order], rule[order]
    first = run_starts(customer, product)
    customer, product, rule = customer[first], product[first], rule[first]
    order = np.lexsort((product, -lift[rule], -score[rule], customer))
    customer, product, rule = customer[order], product[order], rule[order]
    return _top_k_per_customer(
        customer,
        customers,
        k,
        product=vocabulary[product],
        score=score[rule],
        antecedents=rules["antecedents"].to_numpy()[rule],
    )


def recommend_popular(customer_history: pd.DataFrame, *, k: int = 5) -> pd.DataFrame:
    """The baseline: the most popular products each customer has not bought yet.

    Popularity is the share of customers in ``customer_history`` who bought the product
    (ties broken by product).

    Parameters
    ----------
    customer_history : pandas.DataFrame
        Canonical transactions with ``customer_id`` and ``product`` (returns ignored).
    k : int, default 5
        Recommendations per customer, at most.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` with columns ``rank``, ``product`` and ``score`` (the
        product's popularity), like :func:`recommend_products`.

    Examples
    --------
    >>> history = pd.DataFrame({"customer_id": ["ann", "ann", "bob", "cy"],
    ...                         "product": ["tea", "jam", "tea", "cup"]})
    >>> recommend_popular(history, k=1)
                 rank product     score
    customer_id
    ann             1     cup  0.333333
    bob             1     cup  0.333333
    cy              1     tea  0.666667
    """
    _check_k(k)
    lines = purchase_lines(customer_history, [CUSTOMER_ID, PRODUCT], name="customer_history")
    bought, customers, products = incidence(lines[CUSTOMER_ID], lines[PRODUCT])
    popularity = np.asarray(bought.sum(axis=0)).ravel() / bought.shape[0]
    ranking = np.lexsort((np.arange(len(products)), -popularity))
    # A customer's top k unbought products lie among the first k + (bought) of the ranking.
    needed = np.minimum(k + np.diff(bought.indptr), len(products))
    customer = np.repeat(np.arange(bought.shape[0]), needed)
    product = ranking[position_in_run(customer)]
    fresh = ~_contains(_entry_keys(bought), bought.shape[1], customer, product)
    customer, product = customer[fresh], product[fresh]
    return _top_k_per_customer(
        customer, customers, k, product=products[product], score=popularity[product]
    )


def evaluate_recommendations(
    transactions: pd.DataFrame,
    *,
    split_date: str | pd.Timestamp,
    min_support: float,
    min_confidence: float = 0.0,
    max_len: int | None = None,
    k: int = 5,
    metric: str = "confidence",
) -> pd.DataFrame:
    """Hit rate at k of rule-based recommendations against the popularity baseline.

    Rules are mined from the orders before ``split_date`` and both methods recommend from
    each customer's purchases before it. The customers evaluated are those who, from
    ``split_date`` on, buy at least one product they had not bought before; those new
    products are the targets. A customer without any recommendation counts as a miss.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical log with ``customer_id``, ``date``, ``order_id`` and ``product``.
    split_date : str or pandas.Timestamp
        First instant of the test period; with a time zone exactly when ``date`` has one.
    min_support, min_confidence, max_len
        Passed to :func:`crm_analytics.associations.association_rules`.
    k : int, default 5
        Recommendations per customer.
    metric : str, default "confidence"
        Rule strength used to rank, see :func:`recommend_products`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``method`` (``association_rules``, ``popularity``) with columns
        ``hit_rate`` (share of evaluated customers with at least one target in their top
        k), ``precision`` (mean share of the k slots that are targets), ``recall`` (mean
        share of a customer's targets recommended), ``coverage`` (share of evaluated
        customers who got any recommendation), ``customers`` (number evaluated) and
        ``n_rules`` (rules mined from the history and used, 0 for popularity).

    Examples
    --------
    Before February, tea goes with cups and jam with scones; then e (tea only) buys a cup
    and f (jam only) a scone. Popularity proposes jam to e and tea to f instead.

    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "b", "c", "c", "d", "d", "e", "f", "e", "f"],
    ...     "order_id": [1, 1, 2, 2, 3, 3, 4, 4, 5, 6, 7, 8],
    ...     "product": ["tea", "cup", "tea", "cup", "jam", "scone", "jam", "scone",
    ...                 "tea", "jam", "cup", "scone"],
    ...     "date": pd.to_datetime(["2024-01-01"] * 10 + ["2024-03-01"] * 2),
    ... })
    >>> evaluate_recommendations(log, split_date="2024-02-01", min_support=0.3, k=1)
                       hit_rate  precision  recall  coverage  customers  n_rules
    method
    association_rules       1.0        1.0     1.0       1.0          2        4
    popularity              0.0        0.0     0.0       1.0          2        0
    """
    frame = require_frame(transactions, name="transactions")
    require_columns(
        frame,
        [CUSTOMER_ID, DATE, ORDER_ID, PRODUCT],
        name="transactions",
        fix="load the log with crm_analytics.io.read_transactions(..., order_id=..., product=...)",
    )
    require_datetime(frame, DATE, name="transactions")
    split = to_timestamp(split_date, name="split_date")
    frame = frame.assign(**{DATE: wall_clock(frame[DATE])})
    before = frame[DATE] < split
    if before.all() or not before.any():
        raise DataValidationError(
            f"split_date={split_date!r} leaves no transactions "
            f"{'after' if before.all() else 'before'} it; choose a date between "
            f"{frame[DATE].min()} and {frame[DATE].max()}"
        )
    train, test = frame[before], frame[~before]
    rules = association_rules(
        train, min_support=min_support, min_confidence=min_confidence, max_len=max_len
    )
    history = purchase_lines(train, [CUSTOMER_ID, PRODUCT], name="transactions")
    later = purchase_lines(test, [CUSTOMER_ID, PRODUCT], name="transactions")
    known = later[CUSTOMER_ID].isin(history[CUSTOMER_ID])
    targets = later[known].merge(history, how="left", indicator=True)
    targets = targets.loc[targets["_merge"] == "left_only", [CUSTOMER_ID, PRODUCT]]
    target_count = targets.groupby(CUSTOMER_ID).size()
    if target_count.empty:
        raise DataValidationError(
            f"split_date={split_date!r}: no customer seen before it buys a product new to "
            f"them from it on ({len(later)} later purchase lines, all repeats or by new "
            "customers), so there is nothing to evaluate; choose an earlier split_date"
        )
    logger.info("%d rules; %d customers buy new products", len(rules), len(target_count))
    recommendations = {
        "association_rules": recommend_products(history, rules, k=k, metric=metric),
        "popularity": recommend_popular(history, k=k),
    }
    rows = {}
    for method, recommended in recommendations.items():
        hits = recommended.reset_index()[[CUSTOMER_ID, PRODUCT]].merge(targets)
        hit_count = hits.groupby(CUSTOMER_ID).size().reindex(target_count.index, fill_value=0)
        rows[method] = {
            "hit_rate": (hit_count > 0).mean(),
            "precision": (hit_count / k).mean(),
            "recall": (hit_count / target_count).mean(),
            "coverage": target_count.index.isin(recommended.index).mean(),
            "customers": len(target_count),
            "n_rules": len(rules) if method == "association_rules" else 0,
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("method")


def _top_k_per_customer(
    customer: np.ndarray, customers: pd.Index, k: int, **columns: object
) -> pd.DataFrame:
    """The first ``k`` candidates of each customer, ranked from 1, indexed by customer_id.

    ``customer`` holds the customer code (a position in ``customers``) of each candidate,
    the candidates grouped by customer and best first; ``columns`` are the candidates'
    values to show, one array each.
    """
    rank = position_in_run(customer) + 1
    top = rank <= k
    return pd.DataFrame(
        {"rank": rank[top], **{name: values[top] for name, values in columns.items()}},
        index=pd.Index(customers[customer[top]], name=CUSTOMER_ID),
    )


def _check_k(k: object) -> None:
    if not isinstance(k, Integral) or isinstance(k, bool) or k < 1:
        raise DataValidationError(f"k={k!r}: pass a positive integer (recommendations each)")


def _check_itemsets(rules: pd.DataFrame, column: str) -> None:
    """Check that each rule's ``column`` holds a collection of products, not text.

    Rules read back from a CSV file hold their itemsets as text ("frozenset({'P006'})"),
    and text iterated as a collection gives its characters, not products.
    """
    itemsets = rules[column]
    is_collection = itemsets.map(lambda items: isinstance(items, (set, frozenset, list, tuple)))
    wrong = ~is_collection.to_numpy(dtype=bool)
    if wrong.any():
        examples = ", ".join(repr(items) for items in itemsets[wrong].iloc[:3])
        raise DataValidationError(
            f"rules: column {column!r} has {int(wrong.sum())} of {len(rules)} rows that are "
            f"not sets of products (e.g. {examples}); pass the rules as association_rules "
            "returns them (frozensets of products): save them with DataFrame.to_pickle, or "
            "turn the values read back from text into frozensets"
        )


def _flatten(itemsets: pd.Series) -> list:
    return list(chain.from_iterable(itemsets))


def _rule_matrix(itemsets: pd.Series, vocabulary: pd.Index) -> sp.csr_matrix:
    """Rules × products boolean matrix of the products in each rule's ``itemsets``."""
    sizes = itemsets.map(len).to_numpy(dtype=np.int64)
    return sp.csr_matrix(
        (
            np.ones(sizes.sum(), dtype=bool),
            (
                np.repeat(np.arange(len(itemsets)), sizes),
                vocabulary.get_indexer(_flatten(itemsets)),
            ),
        ),
        shape=(len(itemsets), len(vocabulary)),
    )


def _expand(
    customer: np.ndarray, rule: np.ndarray, consequents: sp.csr_matrix
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One (customer, product, rule) row per consequent product of each fired rule."""
    sizes = np.diff(consequents.indptr)[rule]
    positions = np.repeat(consequents.indptr[rule], sizes) + position_in_run(
        np.repeat(np.arange(len(rule)), sizes)
    )
    return np.repeat(customer, sizes), consequents.indices[positions], np.repeat(rule, sizes)


def _entry_keys(matrix: sp.csr_matrix) -> np.ndarray:
    """Sorted ``row * width + column`` keys of the stored entries of ``matrix``."""
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    return np.sort(rows * matrix.shape[1] + matrix.indices)


def _contains(keys: np.ndarray, width: int, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Whether each (row, column) pair is among the entry ``keys`` of a matrix."""
    wanted = rows.astype(np.int64) * width + columns
    if not len(keys):
        return np.zeros(len(wanted), dtype=bool)
    found = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return keys[found] == wanted
