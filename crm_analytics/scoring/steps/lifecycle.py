"""Lifecycle stages: new, active, at risk, reactivated, lost (and prospects)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from crm_analytics.exceptions import DataValidationError
from crm_analytics.scoring.steps._base import Run, Setting, Step
from crm_analytics.segmentation import lifecycle_stages
from crm_analytics.segmentation.lifecycle import LIFECYCLE_RULES

__all__ = ["LifecycleStep"]


class LifecycleStep(Step):
    """``lifecycle_stage`` (new, active, at risk, reactivated, lost; at risk from P(alive) when
    the CLV step runs); with ``include_prospects``, the customers of the customer table signed
    up by the as-of day who have not bought get a row too (stage ``prospect``)."""

    name = "lifecycle"
    columns = ("lifecycle_stage",)
    settings = (
        Setting(
            "new_days",
            90,
            int,
            "lifecycle: first purchase within this many days is new",
            LIFECYCLE_RULES.rules["new_days"],
        ),
        Setting(
            "lost_days",
            365,
            int,
            "lifecycle: no purchase for this many days is lost",
            LIFECYCLE_RULES.rules["lost_days"],
        ),
        Setting(
            "p_alive_threshold",
            0.5,
            float,
            "lifecycle: P(alive) below this is at risk",
            LIFECYCLE_RULES.rules["p_alive_threshold"],
        ),
        Setting(
            "include_prospects",
            False,
            bool,
            "add customers of the customer table who have not bought yet (stage prospect)",
        ),
    )

    def check(self, settings: Any) -> None:
        LIFECYCLE_RULES.check(
            {"new_days": settings.new_days, "lost_days": settings.lost_days}, prefix="[model] "
        )
        if settings.include_prospects and self.name not in settings.models:
            raise DataValidationError(
                "[model] include_prospects needs the lifecycle model, which finds them; add "
                "'lifecycle' to models"
            )

    def score(self, run: Run, state: Any) -> pd.DataFrame:
        settings = run.settings
        # The whole as-of day is observed: its purchases count, so the stages are taken at its
        # end.
        stages = lifecycle_stages(
            run.summary,
            run.customers if settings.include_prospects else None,
            as_of=run.as_of + pd.Timedelta(days=1),
            transactions=run.log,
            p_alive=run.column("p_alive"),
            new_days=settings.new_days,
            lost_days=settings.lost_days,
            p_alive_threshold=settings.p_alive_threshold,
        )
        return stages["stage"].rename("lifecycle_stage").to_frame()
