"""Simulated satisfaction surveys whose answers drive dropout with a stated strength."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from crm_analytics.datasets.simulate import simulate
from crm_analytics.schema import CUSTOMER_ID, DATE

__all__ = ["SURVEY_ITEMS", "make_survey_data"]

#: The generated survey's satisfaction items and their dimensions (answers 1-5).
SURVEY_ITEMS = {
    "product_quality": "product",
    "product_range": "product",
    "delivery_speed": "delivery",
    "delivery_condition": "delivery",
    "service_staff": "service",
    "service_resolution": "service",
}
# How strongly a purchase's experience shows in each dimension (the rest is the dimension's
# own noise), how well the dimension performs (a shift of its answers), and the spread of an
# item around its dimension, on the latent scale. Delivery matters most and performs worst,
# so an importance-performance analysis has something to find.
_DIMENSION_LOADING = {"product": 0.7, "delivery": 0.9, "service": 0.5}
_DIMENSION_SHIFT = {"product": 0.3, "delivery": -0.4, "service": 0.2}
_ITEM_NOISE = 0.5
# Each customer's experiences share a trait: the correlation of two experiences of one
# customer is _TRAIT_SHARE.
_TRAIT_SHARE = 0.5


def make_survey_data(
    n_customers: int,
    *,
    seed: int,
    satisfaction_effect: float = 1.0,
    response_rate: float = 0.4,
    **transaction_options: Any,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A shop's transactions, customers and post-purchase surveys, satisfaction driving churn.

    The purchases follow :func:`~crm_analytics.datasets.make_transactions` (BG/NBD with
    Gamma-Gamma spend), except for dropout: every purchase ``j`` of customer ``i`` is an
    experience ``e_ij ~ N(0, 1)`` (correlated within a customer: ``e_ij = sqrt(rho) t_i +
    sqrt(1 - rho) u_ij`` with a trait ``t_i`` and ``rho = 0.5``), and after a repeat
    purchase the customer leaves with probability

    .. math:: p_{ij} = \\operatorname{logistic}(\\operatorname{logit}(p_i) - \\beta\\, e_{ij})

    where ``p_i ~ Beta(a, b)`` is the BG/NBD dropout probability and ``beta`` is
    ``satisfaction_effect``: each standard deviation of a worse experience adds ``beta`` to
    the log-odds of leaving. With ``satisfaction_effect=0`` satisfaction is pure noise and
    the transactions and customers are exactly those of ``make_transactions`` with the same
    seed and options (the experiences and surveys come from a generator of their own).

    After each purchase the customer answers a survey with probability ``response_rate``,
    0-7 days later (while the window lasts): six items on a 1-5 scale in three dimensions
    (:data:`SURVEY_ITEMS`: each dimension loads on the experience, each item adds noise),
    an overall-satisfaction answer (1-5), likelihood to recommend (0-10) and a complaint
    flag (more likely after a bad experience).

    Parameters
    ----------
    n_customers : int
        Number of buying customers.
    seed : int
        Seed; the same seed and options give the same data.
    satisfaction_effect : float, default 1.0
        ``beta`` above, the log-odds of leaving added per standard deviation of worse
        experience (0: no effect; negative values make unhappy customers stay).
    response_rate : float, default 0.4
        Chance that a purchase is followed by a survey response, in [0, 1].
    **transaction_options
        Any other argument of :func:`~crm_analytics.datasets.make_transactions` (``r``,
        ``alpha``, ``a``, ``b``, ``n_days``...).

    Returns
    -------
    transactions : pandas.DataFrame
        As from ``make_transactions``.
    customers : pandas.DataFrame
        As from ``make_transactions`` plus the true trait, ``satisfaction_trait`` (missing
        for prospects).
    responses : pandas.DataFrame
        One row per response: ``response_id, customer_id, date``, the items of
        :data:`SURVEY_ITEMS`, ``overall_satisfaction``, ``likelihood_to_recommend`` and
        ``complaint``, sorted by date; answers are whole numbers as floats.

    Examples
    --------
    >>> transactions, customers, responses = make_survey_data(500, seed=3)
    >>> responses.columns[:4].tolist()
    ['response_id', 'customer_id', 'date', 'product_quality']
    >>> bool(responses["customer_id"].isin(transactions["customer_id"]).all())
    True
    >>> from crm_analytics.datasets import make_transactions
    >>> same = make_transactions(500, seed=3)[0]
    >>> make_survey_data(500, seed=3, satisfaction_effect=0)[0].equals(same)
    True
    """
    if not (isinstance(satisfaction_effect, (int, float)) and np.isfinite(satisfaction_effect)):
        raise ValueError(
            f"satisfaction_effect must be a finite number, got {satisfaction_effect!r}"
        )
    if not (isinstance(response_rate, (int, float)) and 0 <= response_rate <= 1):
        raise ValueError(f"response_rate must be in [0, 1], got {response_rate!r}")
    survey_rng = np.random.default_rng([seed, 23])
    trait = survey_rng.standard_normal(n_customers)
    repeat_experiences: list[np.ndarray] = []

    def dropout(probability: np.ndarray):
        base = logit(np.clip(probability, 1e-12, 1 - 1e-12))

        def leaves(active: np.ndarray, uniform: np.ndarray) -> np.ndarray:
            experience = _experience(survey_rng, trait[active])
            repeat_experiences.append(experience)
            if satisfaction_effect == 0:
                return uniform < probability[active]
            return uniform < expit(base[active] - satisfaction_effect * experience)

        return leaves

    transactions, customers, purchases = simulate(
        n_customers, seed=seed, dropout=dropout, **transaction_options
    )
    first_experiences = _experience(survey_rng, trait)
    experience = np.concatenate([first_experiences, *repeat_experiences])
    customers["satisfaction_trait"] = np.concatenate(
        [trait, np.full(len(customers) - n_customers, np.nan)]
    )
    responses = _responses(survey_rng, purchases, experience, response_rate)
    return transactions, customers, responses


def _experience(rng: np.random.Generator, trait: np.ndarray) -> np.ndarray:
    return np.sqrt(_TRAIT_SHARE) * trait + np.sqrt(1 - _TRAIT_SHARE) * rng.standard_normal(
        trait.size
    )


def _likert(
    rng: np.random.Generator,
    latent: np.ndarray,
    scale: tuple[int, int],
    centre: float,
    spread: float,
) -> np.ndarray:
    """Answers on the ``scale``: ``centre + spread * latent`` plus noise, rounded and clipped."""
    noisy = centre + spread * latent + 0.4 * rng.standard_normal(latent.size)
    return np.clip(np.round(noisy), *scale)


def _responses(
    rng: np.random.Generator, purchases: Any, experience: np.ndarray, response_rate: float
) -> pd.DataFrame:
    answered = rng.random(experience.size) < response_rate
    delay = rng.uniform(0, 7, size=experience.size)
    when = purchases.time + delay
    keep = answered & (when < purchases.n_days)
    e = experience[keep]
    columns: dict[str, Any] = {
        CUSTOMER_ID: purchases.customer_ids[purchases.buyer[keep]],
        DATE: (purchases.first_day + pd.to_timedelta(when[keep], "D")).floor("s"),
    }
    for dimension, loading in _DIMENSION_LOADING.items():
        latent = loading * e + np.sqrt(1 - loading**2) * rng.standard_normal(e.size)
        for item, item_dimension in SURVEY_ITEMS.items():
            if item_dimension == dimension:
                item_latent = latent + _ITEM_NOISE * rng.standard_normal(e.size)
                centre = 3.5 + _DIMENSION_SHIFT[dimension]
                columns[item] = _likert(rng, item_latent, (1, 5), centre, 1.1)
    # Satisfied-leaning centres, as real surveys are.
    columns["overall_satisfaction"] = _likert(rng, e, (1, 5), 3.6, 1.2)
    columns["likelihood_to_recommend"] = _likert(rng, e, (0, 10), 7.8, 2.0)
    columns["complaint"] = rng.random(e.size) < expit(-3.0 - 2.0 * e)
    responses = pd.DataFrame(columns).sort_values([DATE, CUSTOMER_ID], kind="stable")
    responses.insert(0, "response_id", np.arange(1, len(responses) + 1))
    return responses.reset_index(drop=True)
