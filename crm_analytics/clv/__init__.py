"""Customer lifetime value: the BG/NBD family, Pareto/NBD, BG/BB, Gamma-Gamma spend, discounted
CLV and evaluation; contract duration (sBG, BdW) and contractual residual value.

The fitters are drop-ins for lifetimes' classes of the same names: the same ``fit`` call,
``params_`` keys and prediction methods, computed by our own vectorised likelihoods. lifetimes'
helper modules have mirrors under the same names, imported on their own:
`crm_analytics.clv.utils`, `crm_analytics.clv.plotting`, `crm_analytics.clv.generate_data` and
`crm_analytics.clv.datasets`. `crm_analytics.clv.protocols` says what the functions need of a
model.
"""

from __future__ import annotations

from crm_analytics.clv._base import DropoutNotIdentifiedWarning
from crm_analytics.clv.beta_geo import BetaGeoFitter, ModifiedBetaGeoFitter
from crm_analytics.clv.beta_geo_beta_binom import BetaGeoBetaBinomFitter
from crm_analytics.clv.evaluation import (
    compare_models,
    conditional_expectations,
    expected_purchases_matrix,
    holdout_metrics,
    holdout_predictions,
    period_transactions,
    probability_alive_history,
    probability_alive_matrix,
    tracking_transactions,
)
from crm_analytics.clv.gamma_gamma import GammaGammaFitter
from crm_analytics.clv.pareto_nbd import ParetoNBDFitter
from crm_analytics.clv.protocols import AliveModel, Prediction, SpendModel, TransactionModel
from crm_analytics.clv.shifted_beta_geo import BetaDiscreteWeibullFitter, ShiftedBetaGeoFitter
from crm_analytics.clv.value import customer_lifetime_value

__all__ = [
    "AliveModel",
    "BetaDiscreteWeibullFitter",
    "BetaGeoBetaBinomFitter",
    "BetaGeoFitter",
    "DropoutNotIdentifiedWarning",
    "GammaGammaFitter",
    "ModifiedBetaGeoFitter",
    "ParetoNBDFitter",
    "Prediction",
    "ShiftedBetaGeoFitter",
    "SpendModel",
    "TransactionModel",
    "compare_models",
    "conditional_expectations",
    "customer_lifetime_value",
    "expected_purchases_matrix",
    "holdout_metrics",
    "holdout_predictions",
    "period_transactions",
    "probability_alive_history",
    "probability_alive_matrix",
    "tracking_transactions",
]
