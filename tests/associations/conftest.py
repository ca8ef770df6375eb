"""Basket fixtures for the association tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def five_orders() -> pd.DataFrame:
    """Five orders whose supports are easy to count by hand.

    Orders: {bread, milk}, {bread, butter}, {bread, milk, butter}, {milk}, {bread, milk}.
    Shares of orders: bread 4/5, milk 4/5, butter 2/5, bread+milk 3/5, bread+butter 2/5,
    milk+butter 1/5, all three 1/5.
    """
    return pd.DataFrame(
        {
            "order_id": [1, 1, 2, 2, 3, 3, 3, 4, 5, 5],
            "product": [
                "bread", "milk", "bread", "butter", "bread", "milk", "butter", "milk",
                "bread", "milk",
            ],
        }
    )  # fmt: skip


def random_baskets(n_orders: int, n_products: int, *, seed: int) -> pd.DataFrame:
    """Orders of products drawn with uneven popularity, plus planted co-purchases."""
    rng = np.random.default_rng(seed)
    popularity = rng.uniform(0.02, 0.5, n_products)
    chosen = rng.random((n_orders, n_products)) < popularity
    # Product 1 mostly comes with product 0, so that some rules have high lift.
    chosen[:, 1] |= chosen[:, 0] & (rng.random(n_orders) < 0.7)
    order, product = np.nonzero(chosen)
    return pd.DataFrame({"order_id": order, "product": [f"p{code:02d}" for code in product]})
