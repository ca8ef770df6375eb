"""Simulated customer summaries with planted clusters (tests and benchmarks)."""

from __future__ import annotations

import numpy as np
import pandas as pd

# (days since last purchase, orders, average order value, share of customers)
PLANTED = {
    "recent frequent high spenders": (10, 20, 200.0, 0.15),
    "lapsed one-time low spenders": (300, 1, 20.0, 0.45),
    "recent one-time buyers": (15, 1, 60.0, 0.25),
    "lapsed frequent high spenders": (400, 8, 250.0, 0.15),
}


def planted_mixture(n_customers: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Skewed (log-normal) RFM features around four well-separated cluster centres."""
    rng = np.random.default_rng(seed)
    shares = np.array([centre[3] for centre in PLANTED.values()])
    truth = rng.choice(len(PLANTED), n_customers, p=shares)
    centres = np.array([centre[:3] for centre in PLANTED.values()])[truth]
    days = np.round(centres[:, 0] * rng.lognormal(0, 0.25, n_customers))
    repeat = centres[:, 1] > 1
    orders = np.where(
        repeat, np.maximum(2, np.round(centres[:, 1] * rng.lognormal(0, 0.2, n_customers))), 1
    )
    order_value = centres[:, 2] * rng.lognormal(0, 0.2, n_customers)
    summary = pd.DataFrame(
        {
            "days_since_last_purchase": days.astype(int),
            "n_orders": orders.astype(int),
            "average_order_value": order_value,
            "total_amount": orders * order_value,
        },
        index=pd.Index([f"c{i}" for i in range(n_customers)], name="customer_id"),
    )
    return summary, truth
