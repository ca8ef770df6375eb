"""Cross-sell and up-sell: market-basket rules over orders and rule-based recommendations."""

from __future__ import annotations

from crm_analytics.associations.recommend import (
    evaluate_recommendations,
    recommend_popular,
    recommend_products,
)
from crm_analytics.associations.rules import association_rules, frequent_itemsets

__all__ = [
    "association_rules",
    "evaluate_recommendations",
    "frequent_itemsets",
    "recommend_popular",
    "recommend_products",
]
