"""Example data: the real CDNOW log and a simulator with known BG/NBD and Gamma-Gamma parameters."""

from __future__ import annotations

from crm_analytics.datasets.cdnow import load_cdnow
from crm_analytics.datasets.simulate import make_transactions

__all__ = ["load_cdnow", "make_transactions"]
