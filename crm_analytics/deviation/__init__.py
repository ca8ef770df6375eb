"""Deviation detection: order lines far outside their usual range (and, later, customers who
depart from their own purchase pattern)."""

from __future__ import annotations

from crm_analytics.deviation.unusual import CHECKS, unusual_transactions

__all__ = ["CHECKS", "unusual_transactions"]
