"""Exceptions raised by crm_analytics.

Every foreseeable problem with the user's data or a model fit is reported with one
of these, carrying a message that says what is wrong, where, how many rows are
affected and what to do about it.
"""

from __future__ import annotations

from sklearn.exceptions import NotFittedError

__all__ = ["ConvergenceError", "DataValidationError", "NotFittedError"]


class DataValidationError(ValueError):
    """The input data cannot be used as given.

    Examples
    --------
    >>> raise DataValidationError("column 'CustomerID' not found")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: column 'CustomerID' not found
    """


class ConvergenceError(RuntimeError):
    """A model could not be fitted: the optimiser failed or the data cannot identify it."""
