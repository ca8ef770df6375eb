"""What every scoring step is: its settings, its columns, its fit and its scores.

A step is one family of scores (RFM, CLV, value tiers, lifecycle, clusters, churn...). It
owns everything about that family: the ``[model]`` keys of the configuration it reads (each
with its default, help text and rule), the columns it adds to the scored table, how it is
fitted on a run, how it scores, and how its fitted state is saved in a model folder. The
pipeline (:mod:`crm_analytics.scoring.models`, :mod:`crm_analytics.scoring.score`) only
loops over the configured steps, so adding a family is one new module and one line in
:data:`crm_analytics.scoring.steps.STEPS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from crm_analytics._params import Rule
from crm_analytics.exceptions import DataValidationError
from crm_analytics.log import TransactionLog

__all__ = ["Run", "Setting", "SkipStep", "Step", "loaded"]


@dataclass(frozen=True)
class Setting:
    """One ``[model]`` key of the configuration: name, default, type, help text and rule."""

    name: str
    default: Any
    annotation: Any
    help: str
    rule: Rule | None = None


class SkipStep(Exception):  # noqa: N818 - a signal, not an error
    """A step (or part of it) cannot be fitted on this data; the message says why, in words
    a user can act on. Its columns are left empty, with a warning."""

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(reason)
        self.part = part
        self.reason = reason


@dataclass
class Run:
    """What the steps of one run share: the log as of the as-of day, the customer table, the
    settings, and what earlier steps fitted and scored.

    The summary is the log's own (:meth:`crm_analytics.log.TransactionLog.summary`), computed
    once for the run whatever the number of steps reading it.
    """

    log: TransactionLog | None
    as_of: pd.Timestamp
    settings: Any
    customers: pd.DataFrame | None = None
    attributes: pd.DataFrame | None = None
    fitted: dict[str, Any] = field(default_factory=dict)
    scores: dict[str, pd.DataFrame] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    part: pd.DataFrame | None = None

    @property
    def summary(self) -> pd.DataFrame:
        """The RFM summary as of the as-of day (days as the time unit); a run that scores a
        large log a part at a time (``crm-analytics batch``) sets the part's summary."""
        return self.log.summary() if self.part is None else self.part

    def column(self, name: str) -> pd.Series | None:
        """A column an earlier step scored, or None."""
        for table in self.scores.values():
            if name in table.columns:
                return table[name]
        return None


class Step:
    """The base of the scoring steps (see the module docstring)."""

    #: The step's name in the config's ``models`` list.
    name: ClassVar[str]
    #: Columns the step adds to the scored table.
    columns: ClassVar[tuple[str, ...]] = ()
    #: The ``[model]`` keys the step reads.
    settings: ClassVar[tuple[Setting, ...]] = ()
    #: Runs in every run, whatever ``models`` says (and is not listed there).
    always: ClassVar[bool] = False
    #: Files of the fitted state in a model folder.
    files: ClassVar[tuple[str, ...]] = ()
    #: Names of the fitted objects of the state (``FittedModels.part`` finds them by name,
    #: and a step skipped on the data records its reason under one of them).
    part_names: ClassVar[tuple[str, ...]] = ()

    def output_columns(self, settings: Any) -> tuple[str, ...]:
        """The columns this step adds with these settings (most steps: :attr:`columns`)."""
        return self.columns

    def check(self, settings: Any) -> None:
        """Rules tying this step's keys to others (each key's own rule is checked already);
        raise a DataValidationError naming the ``[model]`` keys."""

    def fit(self, run: Run) -> Any:
        """The fitted state of the step on this run (None when it fits nothing)."""
        return None

    def score(self, run: Run, state: Any) -> pd.DataFrame:
        """The step's columns, indexed by the customers of ``run.summary`` (a step may add
        rows for customers without purchases, such as prospects)."""
        raise NotImplementedError

    def saved_files(self, state: Any) -> tuple[str, ...]:
        """The files :meth:`save` writes for this state (most steps: :attr:`files`)."""
        return self.files

    def save(self, state: Any, directory: Path) -> None:
        """Write the fitted state into a model folder (as :attr:`files`)."""

    def load(self, directory: Path, settings: Any) -> Any:
        """Read the fitted state saved by :meth:`save`."""
        return None

    def describe(self, state: Any) -> dict[str, Any]:
        """The fitted parameters in plain values, for run metadata."""
        return {}

    def parts(self, state: Any) -> Mapping[str, Any]:
        """The fitted objects of the state by name (:attr:`part_names`)."""
        return {self.part_names[0]: state} if self.part_names else {}


def loaded(path: Path, kind: type, load: Any) -> Any:
    """``load(path)``, checked to be a ``kind``, with a clear error when the file is missing,
    damaged or holds something else."""
    try:
        model = load(path)
    except DataValidationError:
        raise
    except Exception as error:  # a damaged file fails in any of the readers' many ways
        raise DataValidationError(
            f"{path} could not be loaded ({type(error).__name__}: {error}); it is missing, "
            "damaged or not a saved model: refit the models"
        ) from None
    if not isinstance(model, kind):
        raise DataValidationError(
            f"{path} holds a {type(model).__name__}, not a {kind.__name__}; refit the models"
        )
    return model
