"""crm_analytics: analytical-CRM data mining for customer and transaction tables."""

from __future__ import annotations

from crm_analytics.exceptions import ConvergenceError, DataValidationError, NotFittedError

__version__ = "0.1.0"

__all__ = ["ConvergenceError", "DataValidationError", "NotFittedError", "__version__"]
