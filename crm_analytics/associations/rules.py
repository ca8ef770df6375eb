"""Frequent itemsets and association rules over the orders of a transaction log.

An order (``order_id``) is a basket: the set of distinct products bought in it. Itemsets
are mined with FP-growth (or H-Mine) from mlxtend on a sparse one-hot order × product
matrix restricted to the products that are frequent on their own; rules are then derived
from the itemsets' order counts here, so every metric is an exact ratio of counts.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd

from crm_analytics._progress import progress
from crm_analytics.associations._baskets import incidence, purchase_lines
from crm_analytics.exceptions import DataValidationError
from crm_analytics.schema import ORDER_ID, PRODUCT

__all__ = ["association_rules", "frequent_itemsets"]

logger = logging.getLogger(__name__)

ITEMSET_COLUMNS = ["itemsets", "support", "n_orders", "length"]
RULE_COLUMNS = [
    "antecedents",
    "consequents",
    "antecedent_support",
    "consequent_support",
    "support",
    "confidence",
    "lift",
    "leverage",
    "conviction",
    "n_orders",
]
_ALGORITHMS = ("fpgrowth", "hmine")


@dataclass(frozen=True)
class _Itemsets:
    """Frequent itemsets as rows of product codes, ascending and padded with -1."""

    codes: np.ndarray
    counts: np.ndarray
    n_orders: int
    products: list

    @property
    def lengths(self) -> np.ndarray:
        return (self.codes >= 0).sum(axis=1)

    def labelled(self, rows: np.ndarray) -> list[frozenset]:
        """Itemsets (rows of codes) as frozensets of product labels."""
        products = self.products
        return [frozenset(products[code] for code in row if code >= 0) for row in rows.tolist()]


def frequent_itemsets(
    transactions: pd.DataFrame,
    *,
    min_support: float,
    max_len: int | None = None,
    algorithm: str = "fpgrowth",
) -> pd.DataFrame:
    """Sets of products bought together in at least ``min_support`` of the orders.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transaction log with ``order_id`` and ``product``. Lines with a
        negative ``quantity`` or ``amount`` (returns, cancellations) are not purchases
        and are ignored.
    min_support : float
        Smallest share of orders, in (0, 1], that contain the itemset.
    max_len : int, optional
        Largest itemset size; unlimited when None.
    algorithm : {"fpgrowth", "hmine"}, default "fpgrowth"
        mlxtend miner; both give the same itemsets, H-Mine is often faster at high
        support.

    Returns
    -------
    pandas.DataFrame
        Columns ``itemsets`` (frozenset of products), ``support`` (share of orders),
        ``n_orders`` (orders containing the itemset) and ``length``, sorted by support
        (descending), then length, then products. Empty when nothing is frequent enough.

    Raises
    ------
    DataValidationError
        Missing ``order_id``/``product`` columns or values, no purchase lines, or
        arguments out of range.

    Examples
    --------
    >>> baskets = pd.DataFrame({
    ...     "order_id": [1, 1, 2, 2, 3, 3, 3, 4, 5, 5],
    ...     "product": ["bread", "milk", "bread", "butter", "bread", "milk", "butter",
    ...                 "milk", "bread", "milk"],
    ... })
    >>> itemsets = frequent_itemsets(baskets, min_support=0.4)
    >>> itemsets.assign(itemsets=itemsets["itemsets"].map(sorted))
              itemsets  support  n_orders  length
    0          [bread]      0.8         4       1
    1           [milk]      0.8         4       1
    2    [bread, milk]      0.6         3       2
    3         [butter]      0.4         2       1
    4  [bread, butter]      0.4         2       2
    """
    mined = _mine(transactions, min_support=min_support, max_len=max_len, algorithm=algorithm)
    frame = pd.DataFrame(
        {
            "itemsets": pd.Series(mined.labelled(mined.codes), dtype=object),
            "support": mined.counts / mined.n_orders,
            "n_orders": mined.counts,
            "length": mined.lengths,
        },
        columns=ITEMSET_COLUMNS,
    )
    order = np.lexsort((*mined.codes.T[::-1], frame["length"], -frame["n_orders"]))
    return frame.iloc[order].reset_index(drop=True)


def association_rules(
    transactions: pd.DataFrame,
    *,
    min_support: float,
    min_confidence: float = 0.0,
    max_len: int | None = None,
    algorithm: str = "fpgrowth",
) -> pd.DataFrame:
    """Market-basket rules "orders with the antecedents also contain the consequents".

    Every frequent itemset of two or more products is split into each non-empty
    antecedent and its complement as consequent. With ``A`` the antecedents, ``C`` the
    consequents and ``s`` the share of orders containing a set:

    - ``support = s(A ∪ C)``, ``confidence = s(A ∪ C) / s(A)``,
    - ``lift = confidence / s(C)`` (above 1: bought together more than by chance),
    - ``leverage = s(A ∪ C) - s(A) s(C)``,
    - ``conviction = (1 - s(C)) / (1 - confidence)``, infinite when confidence is 1.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transaction log with ``order_id`` and ``product`` (returns ignored, as
        in :func:`frequent_itemsets`).
    min_support : float
        Smallest share of orders, in (0, 1], containing all the rule's products.
    min_confidence : float, default 0.0
        Smallest confidence kept, in [0, 1].
    max_len : int, optional
        Most products in a rule (antecedents and consequents together), at least 2.
    algorithm : {"fpgrowth", "hmine"}, default "fpgrowth"
        Itemset miner, see :func:`frequent_itemsets`.

    Returns
    -------
    pandas.DataFrame
        One row per rule with columns ``antecedents``, ``consequents`` (frozensets of
        products), ``antecedent_support``, ``consequent_support``, ``support``,
        ``confidence``, ``lift``, ``leverage``, ``conviction`` and ``n_orders`` (orders
        containing all its products), sorted by lift, confidence and support, all
        descending. Empty when no itemset of two products is frequent enough.

    Raises
    ------
    DataValidationError
        Missing ``order_id``/``product`` columns or values, no purchase lines, or
        arguments out of range.

    Examples
    --------
    >>> baskets = pd.DataFrame({
    ...     "order_id": [1, 1, 2, 2, 3, 3, 3, 4, 5, 5],
    ...     "product": ["bread", "milk", "bread", "butter", "bread", "milk", "butter",
    ...                 "milk", "bread", "milk"],
    ... })
    >>> rules = association_rules(baskets, min_support=0.4, min_confidence=0.7)
    >>> rules[["antecedents", "consequents", "confidence", "lift"]]
               antecedents         consequents  confidence    lift
    0  frozenset({butter})  frozenset({bread})        1.00  1.2500
    1   frozenset({bread})   frozenset({milk})        0.75  0.9375
    2    frozenset({milk})  frozenset({bread})        0.75  0.9375
    >>> rules.loc[0, ["support", "leverage", "conviction"]].tolist()
    [0.4, 0.08, inf]
    """
    _check_fraction("min_confidence", min_confidence, low_open=False)
    if max_len is not None and (not isinstance(max_len, Integral) or max_len < 2):
        raise DataValidationError(
            f"max_len={max_len!r}: a rule has at least two products; pass an integer "
            ">= 2 or None for no limit"
        )
    mined = _mine(transactions, min_support=min_support, max_len=max_len, algorithm=algorithm)
    lookup = _rows_index(mined.codes)
    width = mined.codes.shape[1]
    lengths = mined.lengths
    antecedents, consequents, joint = [], [], []
    for length in progress(range(2, width + 1), desc="association rules by size"):
        sets = mined.codes[lengths == length, :length]
        if not len(sets):
            continue
        # Bit j of a mask puts the itemset's j-th product in the antecedents.
        masks = np.arange(1, 2**length - 1)
        in_antecedent = (masks[:, None] >> np.arange(length)) & 1 == 1
        for chosen in in_antecedent:
            antecedents.append(_pad(sets[:, chosen], width))
            consequents.append(_pad(sets[:, ~chosen], width))
            joint.append(mined.counts[lengths == length])
    if not joint:
        logger.info("no itemset of two or more products reaches min_support=%s", min_support)
        return pd.DataFrame({column: [] for column in RULE_COLUMNS}).astype(
            {"antecedents": object, "consequents": object, "n_orders": np.int64}
        )
    antecedent_codes = np.concatenate(antecedents)
    consequent_codes = np.concatenate(consequents)
    both = np.concatenate(joint)
    # Every subset of a frequent itemset is frequent, so both lookups always succeed.
    antecedent_count = mined.counts[lookup.get_indexer(_rows_index(antecedent_codes))]
    consequent_count = mined.counts[lookup.get_indexer(_rows_index(consequent_codes))]
    confidence = both / antecedent_count
    keep = confidence >= min_confidence
    n = mined.n_orders
    support = both[keep] / n
    antecedent_support = antecedent_count[keep] / n
    consequent_support = consequent_count[keep] / n
    confidence = confidence[keep]
    certain = both[keep] == antecedent_count[keep]
    conviction = np.full(len(support), np.inf)
    np.divide(1 - consequent_support, 1 - confidence, out=conviction, where=~certain)
    rules = pd.DataFrame(
        {
            "antecedents": pd.Series(mined.labelled(antecedent_codes[keep]), dtype=object),
            "consequents": pd.Series(mined.labelled(consequent_codes[keep]), dtype=object),
            "antecedent_support": antecedent_support,
            "consequent_support": consequent_support,
            "support": support,
            "confidence": confidence,
            "lift": both[keep] * n / (antecedent_count[keep] * consequent_count[keep]),
            "leverage": support - antecedent_support * consequent_support,
            "conviction": conviction,
            "n_orders": both[keep],
        }
    )
    order = np.lexsort((-rules["support"], -rules["confidence"], -rules["lift"]))
    return rules.iloc[order].reset_index(drop=True)


def _mine(
    transactions: pd.DataFrame, *, min_support: float, max_len: int | None, algorithm: str
) -> _Itemsets:
    """Frequent itemsets of product codes with their order counts."""
    _check_fraction("min_support", min_support, low_open=True)
    if max_len is not None and (not isinstance(max_len, Integral) or max_len < 1):
        raise DataValidationError(f"max_len={max_len!r}: pass a positive integer or None")
    if algorithm not in _ALGORITHMS:
        raise DataValidationError(
            f"algorithm={algorithm!r} is not supported; use one of "
            f"{', '.join(map(repr, _ALGORITHMS))}"
        )
    lines = purchase_lines(transactions, [ORDER_ID, PRODUCT], name="transactions")
    if lines.empty:
        raise DataValidationError(
            f"transactions: none of the {len(transactions)} lines is a purchase (all have "
            "a negative quantity or amount); pass a log that contains sales"
        )
    baskets, _, products = incidence(lines[ORDER_ID], lines[PRODUCT])
    n_orders = baskets.shape[0]
    item_counts = np.asarray(baskets.sum(axis=0)).ravel()
    # As a whole number of orders, so that the rounding of min_support * n_orders (0.07 *
    # 100 is 7.000000000000001) does not drop itemsets right at the threshold.
    min_count = max(1, math.ceil(min_support * n_orders * (1 - 1e-12)))
    # Products rarer than min_support cannot be in a frequent itemset; dropping them
    # first keeps the one-hot frame the miner sees small.
    frequent = np.flatnonzero(item_counts >= min_count)
    logger.info(
        "%d orders, %d products, %d frequent on their own", n_orders, len(products), len(frequent)
    )
    if not len(frequent):
        return _Itemsets(np.empty((0, 1), dtype=np.int64), np.empty(0, np.int64), n_orders, [])
    found = _miner(algorithm)(
        pd.DataFrame.sparse.from_spmatrix(
            baskets[:, frequent].tocsc(), columns=range(len(frequent))
        ),
        min_support=(min_count - 0.5) / n_orders,
        use_colnames=True,
        max_len=max_len,
    )
    sets = [sorted(itemset) for itemset in found["itemsets"]]
    width = max(map(len, sets))
    codes = np.full((len(sets), width), -1, dtype=np.int64)
    for row, itemset in enumerate(sets):
        codes[row, : len(itemset)] = frequent[itemset]
    # The miner reports supports as floats; recount exactly from the one-hot columns.
    counts = np.rint(found["support"].to_numpy(dtype=float) * n_orders).astype(np.int64)
    return _Itemsets(codes, counts, n_orders, products.tolist())


def _miner(algorithm: str):
    """The mlxtend mining function, imported only when rules are asked for."""
    try:
        from mlxtend.frequent_patterns import fpgrowth, hmine
    except ImportError as error:
        raise ImportError(
            "association rules need mlxtend: pip install 'crm-analytics[associations]' "
            "(or pip install mlxtend)"
        ) from error
    return {"fpgrowth": fpgrowth, "hmine": hmine}[algorithm]


def _rows_index(codes: np.ndarray) -> pd.MultiIndex:
    """The rows of a code matrix as a MultiIndex, to look itemsets up by their codes."""
    return pd.MultiIndex.from_arrays(list(codes.T))


def _pad(codes: np.ndarray, width: int) -> np.ndarray:
    """Rows of codes right-padded with -1 to ``width`` columns."""
    return np.pad(codes, ((0, 0), (0, width - codes.shape[1])), constant_values=-1)


def _check_fraction(name: str, value: object, *, low_open: bool) -> None:
    """Check that ``value`` is a number in (0, 1] (``low_open``) or [0, 1]."""
    interval = "(0, 1]" if low_open else "[0, 1]"
    valid = (
        isinstance(value, Real)
        and not isinstance(value, bool)
        and (0 < value <= 1 if low_open else 0 <= value <= 1)
    )
    if not valid:
        hint = (
            "e.g. 0.01 for itemsets in 1% of orders (divide a count of orders by the "
            "number of orders)"
            if low_open
            else "e.g. 0.5 for rules right at least half of the time"
        )
        raise DataValidationError(f"{name}={value!r} must be a share in {interval}; {hint}")
