"""What the report is built from, beside the scored table: optional pieces, passed explicitly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from crm_analytics.exceptions import DataValidationError
from crm_analytics.quality import DataQualityReport

__all__ = ["ModelHealth", "ReportInputs", "RunInfo"]


@dataclass(frozen=True)
class ModelHealth:
    """How far to trust the models: their checks on data they were not fitted on.

    Attributes
    ----------
    holdout : pandas.Series or pandas.DataFrame, optional
        :func:`crm_analytics.clv.evaluation.holdout_metrics` of the transaction model (a
        Series), or :func:`crm_analytics.clv.compare_models` (a table, best model first).
    calibration : pandas.DataFrame, optional
        :func:`crm_analytics.churn.evaluation.calibration_curve` of the churn model on
        held-out customers.
    auc : float, optional
        The churn model's ROC AUC on held-out customers.
    """

    holdout: pd.Series | pd.DataFrame | None = None
    calibration: pd.DataFrame | None = None
    auc: float | None = None


@dataclass(frozen=True)
class RunInfo:
    """What the run was: shown in the report's header and footer.

    Attributes
    ----------
    as_of : str, date or Timestamp, optional
        The day the scores describe (default: the last purchase in the table).
    models : sequence of str
        The models the run used (``rfm``, ``clv``, ``churn``...).
    horizon_days : int, optional
        The churn horizon: churn is no purchase within this many days.
    clv_months : int, optional
        The horizon of the predicted CLV.
    title : str, default "Customer report"
    details : mapping
        Anything else for the footer (a configuration hash, library versions...); values
        are shown as text, with credentials masked.
    """

    as_of: str | date | pd.Timestamp | None = None
    models: Sequence[str] = ()
    horizon_days: int | None = None
    clv_months: int | None = None
    title: str = "Customer report"
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportInputs:
    """The optional pieces of the report; a section whose input is absent is left out.

    Attributes
    ----------
    quality : sequence of DataQualityReport or mapping
        The data-quality reports of the tables read (or their ``to_dict()``).
    cohorts : pandas.DataFrame, optional
        :func:`crm_analytics.cohorts.cohort_table` (``normalize=True`` for retention rates).
    previous : pandas.DataFrame, optional
        The previous run's scored table, for the moves between lifecycle stages.
    previous_as_of : str, date or Timestamp, optional
        The previous run's as-of date, to name it.
    model_health : ModelHealth, optional
    run : RunInfo
    """

    quality: Sequence[DataQualityReport | Mapping[str, Any]] = ()
    cohorts: pd.DataFrame | None = None
    previous: pd.DataFrame | None = None
    previous_as_of: str | date | pd.Timestamp | None = None
    model_health: ModelHealth | None = None
    run: RunInfo = field(default_factory=RunInfo)


def checked_inputs(inputs: object) -> ReportInputs:
    """``inputs`` (None for none), each piece of the type the report reads."""
    if inputs is None:
        return ReportInputs()
    if not isinstance(inputs, ReportInputs):
        raise DataValidationError(
            f"inputs must be a crm_analytics.report.ReportInputs, got {type(inputs).__name__}"
        )
    if isinstance(inputs.quality, (DataQualityReport, Mapping)):
        raise DataValidationError("inputs.quality is a sequence of reports: wrap one in a list")
    for report in inputs.quality:
        if not isinstance(report, (DataQualityReport, Mapping)):
            raise DataValidationError(
                "inputs.quality holds DataQualityReport objects or their to_dict(), got "
                f"{type(report).__name__}"
            )
    for name in ("cohorts", "previous"):
        value = getattr(inputs, name)
        if value is not None and not isinstance(value, pd.DataFrame):
            raise DataValidationError(
                f"inputs.{name} must be a pandas DataFrame, got {type(value).__name__}"
            )
    health = inputs.model_health
    if health is not None and not isinstance(health, ModelHealth):
        raise DataValidationError(
            f"inputs.model_health must be a ModelHealth, got {type(health).__name__}"
        )
    if not isinstance(inputs.run, RunInfo):
        raise DataValidationError(f"inputs.run must be a RunInfo, got {type(inputs.run).__name__}")
    return inputs


def quality_dict(report: DataQualityReport | Mapping[str, Any]) -> dict[str, Any]:
    """A data-quality report as plain values."""
    return report.to_dict() if isinstance(report, DataQualityReport) else dict(report)
