"""Simulated shop data from a BG/NBD purchase process with Gamma-Gamma spend.

Because the parameters are known, a model fitted to the simulated log can be checked for
parameter recovery; because the log has orders, products, regions and channels, every part of
the toolkit (segmentation, churn, baskets, the batch job) can run on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_analytics.schema import AMOUNT, CUSTOMER_ID, DATE, ORDER_ID, PRODUCT, QUANTITY, SIGNUP_DATE

__all__ = ["make_transactions"]

_REGIONS = (["North", "South", "East", "West"], [0.35, 0.25, 0.25, 0.15])
_CHANNELS = (["web", "store", "app"], [0.5, 0.3, 0.2])
# Extra lines per order (Poisson mean), chance that an order also holds the partner of its first
# product (so baskets have associations to find), and extra units per line (Poisson mean).
_EXTRA_LINES = 0.5
_PARTNER_SHARE = 0.3
_EXTRA_UNITS = 0.3


def make_transactions(
    n_customers: int,
    *,
    seed: int,
    start: str = "2024-01-01",
    n_days: int = 546,
    acquisition_days: int = 91,
    r: float = 0.243,
    alpha: float = 30.9,
    a: float = 0.793,
    b: float = 2.426,
    p: float = 6.25,
    q: float = 3.74,
    gamma: float = 15.44,
    n_products: int = 40,
    prospect_share: float = 0.05,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate a shop's transaction log and customer table from known model parameters.

    Each customer makes a first purchase when they sign up, at times spread uniformly over the first
    ``acquisition_days`` of the window. Then, as in the BG/NBD model (Fader, Hardie and Lee
    2005), they buy at a Poisson rate ``lambda ~ Gamma(r, alpha)`` (per day) and, after each
    repeat purchase, drop out for good with probability ``p_drop ~ Beta(a, b)``. Each purchase
    is worth ``z ~ Gamma(p, nu)`` with ``nu ~ Gamma(q, gamma)`` per customer (the Gamma-Gamma
    spend model, Fader, Hardie and Lee 2005b). The defaults are the CDNOW estimates rescaled
    from weeks to days, so the log looks like CDNOW's.

    Parameters
    ----------
    n_customers : int
        Number of buying customers.
    seed : int
        Seed of the random generator; the same seed gives the same data.
    start : str, default "2024-01-01"
        First day of the window.
    n_days : int, default 546
        Length of the window in days (78 weeks, as CDNOW).
    acquisition_days : int, default 91
        Customers sign up during the first ``acquisition_days`` days.
    r, alpha, a, b : float
        BG/NBD parameters, with ``r`` and ``alpha`` in days.
    p, q, gamma : float
        Gamma-Gamma spend parameters.
    n_products : int, default 40
        Size of the catalogue; product popularity follows Zipf's law.
    prospect_share : float, default 0.05
        Prospects (signed up, never bought) added to the customer table, as a share of
        ``n_customers``.

    Returns
    -------
    transactions : pandas.DataFrame
        One row per order line: ``customer_id, date, amount, order_id, product, quantity``,
        sorted by date and order.
    customers : pandas.DataFrame
        One row per customer (buyers and prospects): ``customer_id, signup_date, region,
        channel`` and the true state at the end of the window: ``alive`` (nullable boolean, NA
        for prospects) and ``dropout_date`` (time of the purchase after which the customer left;
        NaT while alive).

    Examples
    --------
    >>> transactions, customers = make_transactions(1_000, seed=1)
    >>> transactions.columns.tolist()
    ['customer_id', 'date', 'amount', 'order_id', 'product', 'quantity']
    >>> customers["customer_id"].nunique(), transactions["customer_id"].nunique()
    (1050, 1000)
    >>> transactions["date"].min() >= pd.Timestamp("2024-01-01")
    True
    >>> transactions["date"].max() < pd.Timestamp("2024-01-01") + pd.Timedelta(days=546)
    True
    """
    transactions, customers, _ = simulate(
        n_customers,
        seed=seed,
        start=start,
        n_days=n_days,
        acquisition_days=acquisition_days,
        r=r,
        alpha=alpha,
        a=a,
        b=b,
        p=p,
        q=q,
        gamma=gamma,
        n_products=n_products,
        prospect_share=prospect_share,
    )
    return transactions, customers


@dataclass
class Purchases:
    """Every purchase occasion of a simulation: whose (index into the buyers) and when.

    ``time`` is in days since ``first_day``; first purchases come first, then each round of
    repeat purchases, in the order :func:`_purchase_times` simulates them.
    """

    buyer: np.ndarray
    time: np.ndarray
    customer_ids: np.ndarray
    first_day: pd.Timestamp
    n_days: int


#: A dropout rule: (buyers purchasing in this round, their uniform draws) -> who leaves.
Dropout = Callable[[np.ndarray, np.ndarray], np.ndarray]


def simulate(
    n_customers: int,
    *,
    seed: int,
    start: str = "2024-01-01",
    n_days: int = 546,
    acquisition_days: int = 91,
    r: float = 0.243,
    alpha: float = 30.9,
    a: float = 0.793,
    b: float = 2.426,
    p: float = 6.25,
    q: float = 3.74,
    gamma: float = 15.44,
    n_products: int = 40,
    prospect_share: float = 0.05,
    dropout: Callable[[np.ndarray], Dropout] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, Purchases]:
    """:func:`make_transactions`, with the purchase occasions and an optional dropout rule.

    ``dropout`` receives the customers' BG/NBD dropout probabilities and returns the rule
    that decides, after each repeat purchase, who leaves (default: a uniform draw below the
    probability, which is what :func:`make_transactions` does). The rule gets the same
    uniform draws from the simulation's generator either way, so a rule that reproduces
    the default gives the same data for the same seed.
    """
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, got {n_customers}")
    if not 0 < acquisition_days <= n_days:
        raise ValueError(
            f"acquisition_days must be between 1 and n_days={n_days}, got {acquisition_days}"
        )
    rng = np.random.default_rng(seed)
    first_day = pd.Timestamp(start).normalize()
    # Signup times in days since ``start``, with a time of day.
    signup = rng.uniform(0, acquisition_days, size=n_customers)
    rate = rng.gamma(r, 1 / alpha, size=n_customers)
    dropout_probability = rng.beta(a, b, size=n_customers)
    spend_rate = rng.gamma(q, 1 / gamma, size=n_customers)

    leaves = None if dropout is None else dropout(dropout_probability)
    buyer, time, dropout_time = _purchase_times(
        rng, rate, dropout_probability, horizon=n_days - signup, leaves=leaves
    )
    order_value = rng.gamma(p, 1 / spend_rate[buyer])
    ids = _customer_ids(round(n_customers * (1 + prospect_share)))
    transactions = _order_lines(
        rng, ids[buyer], _timestamps(first_day, signup[buyer] + time), order_value, n_products
    )

    n_prospects = len(ids) - n_customers
    signup = np.concatenate([signup, rng.uniform(0, n_days, size=n_prospects)])
    unknown = np.full(n_prospects, np.nan)
    alive = pd.array(np.concatenate([np.isnan(dropout_time), unknown == 0]), dtype="boolean")
    alive[n_customers:] = pd.NA
    dropout = np.concatenate([signup[:n_customers] + dropout_time, unknown])
    customers = pd.DataFrame(
        {
            CUSTOMER_ID: ids,
            SIGNUP_DATE: _timestamps(first_day, signup),
            "region": rng.choice(_REGIONS[0], p=_REGIONS[1], size=len(ids)),
            "channel": rng.choice(_CHANNELS[0], p=_CHANNELS[1], size=len(ids)),
            "alive": alive,
            "dropout_date": _timestamps(first_day, dropout),
        }
    )
    purchases = Purchases(buyer, signup[buyer] + time, ids[:n_customers], first_day, n_days)
    return transactions, customers, purchases


def _purchase_times(
    rng: np.random.Generator,
    rate: np.ndarray,
    dropout_probability: np.ndarray,
    *,
    horizon: np.ndarray,
    leaves: Dropout | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate the BG/NBD process for every customer at once, one purchase round at a time.

    Returns the customer index and time since signup (days) of every purchase, first purchases
    included, and each customer's dropout time (NaN while alive). ``leaves`` replaces the
    BG/NBD dropout draw (see :func:`simulate`).
    """
    n_customers = rate.size
    buyers = [np.arange(n_customers)]
    times = [np.zeros(n_customers)]
    dropout_time = np.full(n_customers, np.nan)
    clock = np.zeros(n_customers)
    active = np.arange(n_customers)
    while active.size:
        next_time = clock[active] + rng.exponential(1 / rate[active])
        in_window = next_time < horizon[active]
        active, next_time = active[in_window], next_time[in_window]
        clock[active] = next_time
        buyers.append(active)
        times.append(next_time)
        uniform = rng.random(active.size)
        left = uniform < dropout_probability[active] if leaves is None else leaves(active, uniform)
        dropout_time[active[left]] = next_time[left]
        active = active[~left]
    return np.concatenate(buyers), np.concatenate(times), dropout_time


def _timestamps(first_day: pd.Timestamp, days: np.ndarray) -> pd.DatetimeIndex:
    """Timestamps ``days`` (fractional, NaN for none) after ``first_day``, to the second."""
    return (first_day + pd.to_timedelta(days, "D")).floor("s")


def _customer_ids(count: int) -> np.ndarray:
    """Ids such as ``C0000042``, wide enough for ``count`` customers."""
    width = max(7, len(str(count)))
    return np.char.add("C", np.char.zfill(np.arange(1, count + 1).astype(str), width)).astype(
        object
    )


def _order_lines(
    rng: np.random.Generator,
    customer_ids: np.ndarray,
    dates: pd.DatetimeIndex,
    order_value: np.ndarray,
    n_products: int,
) -> pd.DataFrame:
    """Split each order into product lines whose amounts add up to the order's value."""
    order = np.lexsort((customer_ids, dates.values))
    customer_ids, dates, order_value = customer_ids[order], dates[order], order_value[order]
    n_orders = order_value.size
    popularity = 1 / np.arange(1, n_products + 1)
    lines_per_order = 1 + rng.poisson(_EXTRA_LINES, size=n_orders)
    line_order = np.repeat(np.arange(n_orders), lines_per_order)
    product = rng.choice(n_products, p=popularity / popularity.sum(), size=line_order.size)
    # Orders whose first product has a "partner" (its neighbour in the catalogue) also hold it.
    first_line = np.cumsum(lines_per_order) - lines_per_order
    with_partner = np.flatnonzero(rng.random(n_orders) < _PARTNER_SHARE)
    line_order = np.concatenate([line_order, with_partner])
    product = np.concatenate([product, product[first_line[with_partner]] ^ 1])
    product = np.minimum(product, n_products - 1)
    line_sort = np.argsort(line_order, kind="stable")
    line_order, product = line_order[line_sort], product[line_sort]

    weight = rng.gamma(1.0, size=line_order.size)
    share = weight / np.bincount(line_order, weights=weight)[line_order]
    amount = np.maximum(np.round(order_value[line_order] * share, 2), 0.01)
    return pd.DataFrame(
        {
            CUSTOMER_ID: customer_ids[line_order],
            DATE: dates[line_order],
            AMOUNT: amount,
            ORDER_ID: line_order + 1,
            PRODUCT: np.char.add("P", np.char.zfill((product + 1).astype(str), 3)),
            QUANTITY: 1 + rng.poisson(_EXTRA_UNITS, size=line_order.size),
        }
    )
