"""lifelines, imported when a survival estimate is first needed.

lifelines is an optional dependency (the ``survival`` extra): the contract scores and the
tenure table work without it, the Kaplan-Meier curves and the churn-time models need it.
"""

from __future__ import annotations

from types import ModuleType


def lifelines() -> ModuleType:
    """The lifelines package, or an ImportError saying which extra installs it."""
    try:
        import lifelines as package
    except ImportError as error:
        raise ImportError(
            "crm_analytics.survival needs lifelines for Kaplan-Meier curves, log-rank tests and "
            "churn-time models: pip install 'crm-analytics[survival]' && pip install --no-deps "
            "'lifelines>=0.30' (lifelines declares pandas<3 but runs on pandas 3)"
        ) from error
    return package
