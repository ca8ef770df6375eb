"""The steps of a scoring run, one module per family, in the order they run.

Each step (see :mod:`crm_analytics.scoring.steps._base`) owns its ``[model]`` settings and
their rules, its output columns, its fit, its scores and its files in a model folder.
Adding a family of scores to scoring is one new module here and one line in :data:`STEPS`.
"""

from __future__ import annotations

from crm_analytics.scoring.steps._base import Run, Setting, SkipStep, Step
from crm_analytics.scoring.steps.churn import ChurnStep
from crm_analytics.scoring.steps.clusters import ClustersStep
from crm_analytics.scoring.steps.clv import TRANSACTION_MODELS, CLVModels, CLVStep
from crm_analytics.scoring.steps.lifecycle import LifecycleStep
from crm_analytics.scoring.steps.rfm import RFMStep
from crm_analytics.scoring.steps.tiers import TiersStep

__all__ = [
    "STEPS",
    "TRANSACTION_MODELS",
    "CLVModels",
    "Run",
    "Setting",
    "SkipStep",
    "Step",
    "step_names",
]

#: Every step, in the order a run fits and scores them (later steps read earlier ones'
#: columns: value tiers read predicted_clv, lifecycle p_alive, churn the CLV model).
STEPS: tuple[Step, ...] = (
    RFMStep(),
    CLVStep(),
    TiersStep(),
    LifecycleStep(),
    ClustersStep(),
    ChurnStep(),
)


def step_names() -> tuple[str, ...]:
    """The names ``[model] models`` can list (steps that always run are not listed)."""
    return tuple(step.name for step in STEPS if not step.always)
