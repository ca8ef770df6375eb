"""Customers simulated from the CLV models, under the names of ``lifetimes.generate_data``.

Each function draws customers from a model with given parameters (the per-customer rates and
probabilities first, then their purchases), vectorised in numpy: a million customers take
seconds where lifetimes loops over them in Python. ``random_state`` (keyword-only; lifetimes
draws from numpy's global generator) makes a draw reproducible.

Where lifetimes differs: its ``frequency`` counts the distinct whole time units holding a
repeat purchase (the day-truncation of a summary, applied to continuous times); here it is the
number of repeat purchases, the model's own ``x``, whose recency is the time of the last one.
Its transactional simulator dates the first purchase one period before the customer's window
and no longer runs under pandas 2 (``DataFrame.append``); here the first purchase opens the
window of ``T`` periods that ends at ``observation_period_end``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analytics._checks import check_seed
from crm_analytics.clv._checks import to_float
from crm_analytics.exceptions import DataValidationError

__all__ = [
    "beta_geometric_beta_binom_model",
    "beta_geometric_nbd_model",
    "beta_geometric_nbd_model_transactional_data",
    "modified_beta_geometric_nbd_model",
    "pareto_nbd_model",
]


def _generator(random_state: object) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(check_seed(random_state))


def _ages(T: object, size: int, name: str = "T") -> np.ndarray:
    """``T`` for each of ``size`` customers: one value for all, or one per customer."""
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
        raise DataValidationError(f"size must be a whole number of customers >= 1, got {size!r}")
    values = to_float(T, name).reshape(-1)
    if values.size == 1:
        values = np.full(size, values[0])
    elif values.size < size:
        raise DataValidationError(
            f"{name} has {values.size} values for size={size} customers; give one value, or at "
            "least one per customer"
        )
    values = values[:size]
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise DataValidationError(
            f"{name} must be finite and >= 0, got {int(bad.sum())} bad value(s), e.g. "
            f"{values[bad][:3].tolist()}"
        )
    return values


def _positive(**params: float) -> None:
    for name, value in params.items():
        if not np.isfinite(value) or value <= 0:
            raise DataValidationError(f"{name} must be a finite number > 0, got {value!r}")


def _repeat_purchases(rng, rate, age, purchases_before_death):
    """Repeat purchases by ``age`` of a Poisson process cut after ``purchases_before_death``.

    Returns the number made, the time of the last (0 without any) and whether the customer
    is still alive at ``age`` (made fewer purchases than the one after which they leave).
    """
    made = rng.poisson(rate * age)
    frequency = np.minimum(made, purchases_before_death)
    # Given N(age) = n, the purchase times are n uniform order statistics on (0, age]: the
    # k-th of them is age * Beta(k, n - k + 1).
    recency = np.zeros(len(age))
    has = frequency > 0
    recency[has] = age[has] * rng.beta(frequency[has], made[has] - frequency[has] + 1)
    return frequency.astype(np.float64), recency, made < purchases_before_death


def _customers(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    frame.index = pd.RangeIndex(len(frame), name="customer_id")
    return frame


def beta_geometric_nbd_model(
    T: object,
    r: float,
    alpha: float,
    a: float,
    b: float,
    size: int = 1,
    *,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Customers drawn from BG/NBD (Fader, Hardie and Lee 2005).

    Each buys at a Poisson rate ``lambda ~ Gamma(r, alpha)`` and, after each repeat purchase,
    leaves for good with probability ``p ~ Beta(a, b)``.

    Parameters
    ----------
    T : float or array-like
        How long each customer is observed after the first purchase (one value for all, or
        one per customer, of which the first ``size`` are used).
    r, alpha, a, b : float
        The model's parameters.
    size : int, default 1
        Number of customers.
    random_state : int or numpy.random.Generator, optional
        Seed or generator of the draw.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` 0, 1, ..., with ``frequency``, ``recency``, ``T``, the
        customer's ``lambda`` and ``p``, and ``alive`` (at ``T``).

    Examples
    --------
    >>> customers = beta_geometric_nbd_model(52.0, 0.24, 4.41, 0.79, 2.43, size=3, random_state=1)
    >>> customers.columns.tolist()
    ['frequency', 'recency', 'T', 'lambda', 'p', 'alive']
    """
    _positive(r=r, alpha=alpha, a=a, b=b)
    rng = _generator(random_state)
    age = _ages(T, size)
    rate = rng.gamma(r, 1 / alpha, size)
    dropout = rng.beta(a, b, size)
    frequency, recency, alive = _repeat_purchases(rng, rate, age, rng.geometric(dropout))
    return _customers(
        {
            "frequency": frequency,
            "recency": recency,
            "T": age,
            "lambda": rate,
            "p": dropout,
            "alive": alive,
        }
    )


def modified_beta_geometric_nbd_model(
    T: object,
    r: float,
    alpha: float,
    a: float,
    b: float,
    size: int = 1,
    *,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Customers drawn from MBG/NBD (Batislam, Denizel and Filiztekin 2007).

    As `beta_geometric_nbd_model`, except that customers may also leave right after their
    first purchase.

    Examples
    --------
    >>> customers = modified_beta_geometric_nbd_model(52.0, 0.5, 6.2, 0.9, 1.6, size=1000,
    ...                                               random_state=1)
    >>> bool((customers.loc[~customers["alive"], "frequency"] == 0).any())
    True
    """
    _positive(r=r, alpha=alpha, a=a, b=b)
    rng = _generator(random_state)
    age = _ages(T, size)
    rate = rng.gamma(r, 1 / alpha, size)
    dropout = rng.beta(a, b, size)
    frequency, recency, alive = _repeat_purchases(rng, rate, age, rng.geometric(dropout) - 1)
    return _customers(
        {
            "frequency": frequency,
            "recency": recency,
            "T": age,
            "lambda": rate,
            "p": dropout,
            "alive": alive,
        }
    )


def pareto_nbd_model(
    T: object,
    r: float,
    alpha: float,
    s: float,
    beta: float,
    size: int = 1,
    *,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Customers drawn from Pareto/NBD (Schmittlein, Morrison and Colombo 1987).

    Each buys at a Poisson rate ``lambda ~ Gamma(r, alpha)`` for an exponential lifetime of
    rate ``mu ~ Gamma(s, beta)``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``, with ``frequency``, ``recency``, ``T``, ``lambda``,
        ``mu`` and ``alive``.

    Examples
    --------
    >>> pareto_nbd_model([10.0, 20.0], 0.55, 10.6, 0.61, 11.7, size=2, random_state=0)["T"].tolist()
    [10.0, 20.0]
    """
    _positive(r=r, alpha=alpha, s=s, beta=beta)
    rng = _generator(random_state)
    age = _ages(T, size)
    rate = rng.gamma(r, 1 / alpha, size)
    death_rate = rng.gamma(s, 1 / beta, size)
    # A death rate that underflows to 0 is a customer who never leaves.
    with np.errstate(divide="ignore"):
        lifetime = rng.exponential(np.where(death_rate > 0, 1 / death_rate, np.inf))
    active = np.minimum(lifetime, age)
    made = rng.poisson(rate * active)
    recency = np.zeros(size)
    has = made > 0
    recency[has] = active[has] * rng.beta(made[has], 1)
    return _customers(
        {
            "frequency": made.astype(np.float64),
            "recency": recency,
            "T": age,
            "lambda": rate,
            "mu": death_rate,
            "alive": lifetime > age,
        }
    )


def beta_geometric_beta_binom_model(
    N: object,
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    size: int = 1,
    *,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Customers drawn from BG/BB (Fader, Hardie and Shang 2010) over ``N`` opportunities.

    At each opportunity a customer still alive first leaves for good with probability
    ``theta ~ Beta(gamma, delta)``, and otherwise transacts with probability
    ``p ~ Beta(alpha, beta)``; ``alive`` is whether they also stay at opportunity ``N + 1``.

    Returns
    -------
    pandas.DataFrame
        ``frequency`` (opportunities with a transaction), ``recency`` (the last of them,
        counted from 1; 0 without any), ``n_periods`` (``N``), ``p``, ``theta``, ``alive``
        and ``customer_id``, as lifetimes returns them.

    Examples
    --------
    >>> draws = beta_geometric_beta_binom_model(6, 1.2, 0.75, 0.66, 2.78, size=4, random_state=3)
    >>> bool((draws["recency"] <= draws["n_periods"]).all())
    True
    """
    _positive(alpha=alpha, beta=beta, gamma=gamma, delta=delta)
    rng = _generator(random_state)
    periods = _ages(N, size, "N")
    if np.any(periods != np.round(periods)):
        raise DataValidationError("N must count whole transaction opportunities")
    transact = rng.beta(alpha, beta, size)
    dropout = rng.beta(gamma, delta, size)
    # The opportunity (from 0) at which the customer leaves.
    leaves_at = rng.geometric(dropout) - 1
    width = int(periods.max()) if size else 0
    opportunity = np.arange(width)
    active = opportunity < np.minimum(leaves_at, periods)[:, None]
    transacted = active & (rng.random((size, width)) < transact[:, None])
    frequency = transacted.sum(axis=1)
    last = np.where(transacted, opportunity + 1, 0).max(axis=1, initial=0)
    return pd.DataFrame(
        {
            "frequency": frequency.astype(np.float64),
            "recency": last.astype(np.float64),
            "n_periods": periods,
            "p": transact,
            "theta": dropout,
            "alive": leaves_at > periods,
            "customer_id": np.arange(size, dtype=np.float64),
        }
    )


def beta_geometric_nbd_model_transactional_data(
    T: object,
    r: float,
    alpha: float,
    a: float,
    b: float,
    observation_period_end: object = "2019-1-1",
    freq: str = "D",
    size: int = 1,
    *,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """A transaction log drawn from BG/NBD: one row per purchase, first purchases included.

    Customer ``i`` makes a first purchase ``T[i]`` periods (``freq``) before
    ``observation_period_end``, then buys as in `beta_geometric_nbd_model` until that date.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` and ``date``, ordered by customer and date.

    Examples
    --------
    >>> log = beta_geometric_nbd_model_transactional_data(30, 1.0, 5.0, 0.5, 2.0, size=50,
    ...                                                   random_state=2)
    >>> bool(log["date"].max() <= pd.Timestamp("2019-01-01"))
    True
    >>> log.groupby("customer_id")["date"].min().max() == pd.Timestamp("2018-12-02")
    True
    """
    _positive(r=r, alpha=alpha, a=a, b=b)
    rng = _generator(random_state)
    age = _ages(T, size)
    try:
        unit = pd.to_timedelta(1, unit=freq)
    except ValueError:
        raise DataValidationError(
            f"freq must be a fixed period such as 'D', 'W' or 'h', got {freq!r}"
        ) from None
    end = pd.Timestamp(observation_period_end)
    rate = rng.gamma(r, 1 / alpha, size)
    dropout = rng.beta(a, b, size)
    made = rng.poisson(rate * age)
    kept = np.minimum(made, rng.geometric(dropout))
    # The repeat purchases are the first `kept` of `made` uniform times on (0, T]: sort each
    # customer's draws and keep the earliest.
    owner = np.repeat(np.arange(size), made)
    times = rng.random(owner.size) * age[owner]
    order = np.lexsort((times, owner))
    owner, times = owner[order], times[order]
    rank = np.arange(owner.size) - np.repeat(np.cumsum(made) - made, made)
    keep = rank < kept[owner]
    customers = np.concatenate([np.arange(size), owner[keep]])
    offsets = np.concatenate([np.zeros(size), times[keep]])
    first = end - age[customers] * unit
    log = pd.DataFrame(
        {"customer_id": customers, "date": first + pd.to_timedelta(offsets * unit.value, "ns")}
    )
    return log.sort_values(["customer_id", "date"], kind="stable", ignore_index=True)
