"""Customers simulated from the BG/NBD, MBG/NBD and Pareto/NBD processes, vectorised in numpy.

Written from the models' definitions, independently of the fitters, so parameter recovery
checks the fitters against the process itself. With ``whole_periods=True`` recency and T are
reported in whole periods as ``rfm_summary`` reports them (differences of period numbers, the
first purchase falling at a uniform moment of its period), which keeps them unbiased.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _observed(rng, rate, age, purchases_before_death):
    """Frequency and recency from a Poisson process cut at ``min(N(age), purchases_before_death)``."""
    made = rng.poisson(rate * age)
    frequency = np.minimum(made, purchases_before_death)
    # Given N(age) = n, the purchase times are n uniform order statistics on (0, age]; the
    # k-th of them is age * Beta(k, n - k + 1).
    has = frequency > 0
    recency = np.zeros(len(age))
    recency[has] = age[has] * rng.beta(frequency[has], made[has] - frequency[has] + 1)
    return frequency, recency


def _summary(rng, frequency, recency, age, whole_periods):
    if whole_periods:
        offset = rng.uniform(size=len(age))
        recency = np.where(frequency > 0, np.floor(offset + recency), 0.0)
        age = np.floor(offset + age)
    return pd.DataFrame({"frequency": frequency, "recency": recency, "T": age})


def bgnbd_customers(n, *, r, alpha, a, b, seed, max_age=52.0, whole_periods=False):
    """``rfm``-like frame (frequency, recency, T) of ``n`` BG/NBD customers."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(max_age / 3, max_age, n)
    rate = rng.gamma(r, 1 / alpha, n)
    dropout = rng.beta(a, b, n)
    # Dropout is tried after each repeat purchase: the last purchase is the k-th, k ~ Geometric.
    frequency, recency = _observed(rng, rate, age, rng.geometric(dropout))
    return _summary(rng, frequency, recency, age, whole_periods)


def mbgnbd_customers(n, *, r, alpha, a, b, seed, max_age=52.0, whole_periods=False):
    """``rfm``-like frame of ``n`` MBG/NBD customers (dropout tried at the first purchase too)."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(max_age / 3, max_age, n)
    rate = rng.gamma(r, 1 / alpha, n)
    dropout = rng.beta(a, b, n)
    frequency, recency = _observed(rng, rate, age, rng.geometric(dropout) - 1)
    return _summary(rng, frequency, recency, age, whole_periods)


def paretonbd_customers(n, *, r, alpha, s, beta, seed, max_age=52.0, whole_periods=False):
    """``rfm``-like frame of ``n`` Pareto/NBD customers (exponential lifetimes)."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(max_age / 3, max_age, n)
    rate = rng.gamma(r, 1 / alpha, n)
    lifetime = rng.exponential(1 / rng.gamma(s, 1 / beta, n))
    active = np.minimum(lifetime, age)
    made = rng.poisson(rate * active)
    has = made > 0
    recency = np.zeros(n)
    recency[has] = active[has] * rng.beta(made[has], 1)
    return _summary(rng, made, recency, age, whole_periods)


def nbd_customers(n, *, r, alpha, seed, max_age=52.0, whole_periods=False):
    """``rfm``-like frame of ``n`` NBD customers: Poisson purchases, nobody ever leaves."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(max_age / 3, max_age, n)
    rate = rng.gamma(r, 1 / alpha, n)
    frequency, recency = _observed(rng, rate, age, np.iinfo(np.int64).max)
    return _summary(rng, frequency, recency, age, whole_periods)
