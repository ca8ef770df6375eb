"""What the CLV functions need of a model: fitted transaction and spend models, as protocols.

Any object with these attributes and methods will do, whichever library fitted it: the fitters
of `crm_analytics.clv`, lifetimes' fitters, or a model of one's own. Predictions come as
lifetimes returns them (`Prediction`): a float for scalar inputs, an array for arrays, a
Series indexed like the customers for a Series or DataFrame.

An unfitted model has no ``params_`` yet, so it is not one:

>>> from crm_analytics.clv import BetaGeoFitter
>>> from crm_analytics.datasets import load_cdnow_summary
>>> isinstance(BetaGeoFitter(), TransactionModel)
False
>>> model = BetaGeoFitter().fit(load_cdnow_summary())
>>> isinstance(model, AliveModel), isinstance(model, SpendModel)
(True, False)
"""

from __future__ import annotations

from typing import Protocol, TypeAlias, runtime_checkable

import numpy as np
import pandas as pd

__all__ = ["AliveModel", "Prediction", "SpendModel", "TransactionModel"]

#: What a prediction method returns: float, array or Series, following its inputs.
Prediction: TypeAlias = float | np.ndarray | pd.Series


@runtime_checkable
class TransactionModel(Protocol):
    """A fitted model of repeat purchases (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB).

    ``params_`` holds its fitted parameters; the two methods give expected repeat purchases
    over a horizon ``t`` (in the model's time unit), given a customer's history or for a new
    customer. BG/BB's ``(m_periods_in_future, frequency, recency, n_periods)`` fits the same
    positions.
    """

    params_: pd.Series

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: object, frequency: object, recency: object, T: object
    ) -> Prediction: ...

    def expected_number_of_purchases_up_to_time(self, t: object) -> Prediction: ...


@runtime_checkable
class AliveModel(TransactionModel, Protocol):
    """A continuous-time transaction model that also gives P(alive) from (frequency, recency, T)."""

    def conditional_probability_alive(
        self, frequency: object, recency: object, T: object
    ) -> Prediction: ...


@runtime_checkable
class SpendModel(Protocol):
    """A fitted model of spend per transaction (Gamma-Gamma)."""

    params_: pd.Series

    def conditional_expected_average_profit(
        self, frequency: object, monetary_value: object
    ) -> Prediction: ...
