"""Value tiers: the Pareto tiers (high / medium / low) of predicted CLV or past revenue."""

from __future__ import annotations

from typing import Any

import pandas as pd

from crm_analytics.exceptions import DataValidationError
from crm_analytics.scoring.steps._base import Run, Setting, Step
from crm_analytics.segmentation import value_tiers

__all__ = ["TiersStep"]

_BASES = ("clv", "revenue")


class TiersStep(Step):
    """``value_tier``: high / medium / low, the Pareto tiers of ``predicted_clv`` (or of
    ``total_amount`` with ``value_tier_basis = "revenue"``, or when the CLV has no spend model)."""

    name = "tiers"
    always = True
    columns = ("value_tier",)
    settings = (
        Setting("value_tier_basis", "clv", str, "value tiers from predicted clv or past revenue"),
        Setting(
            "value_tier_shares",
            [0.8, 0.95],
            list[float],
            "cumulative value shares closing the high and medium value tiers",
        ),
    )

    def check(self, settings: Any) -> None:
        if settings.value_tier_basis not in _BASES:
            raise DataValidationError(
                f"[model] value_tier_basis = {settings.value_tier_basis!r} is not one of "
                f"{', '.join(map(repr, _BASES))}"
            )
        if settings.value_tier_basis == "clv" and "clv" not in settings.models:
            raise DataValidationError(
                "[model] value_tier_basis = 'clv' needs the clv model; add 'clv' to models or "
                "set value_tier_basis = 'revenue'"
            )
        shares = settings.value_tier_shares
        if len(shares) != 2 or not 0 < shares[0] < shares[1] < 1:
            raise DataValidationError(
                f"[model] value_tier_shares must be two increasing shares in (0, 1), got {shares}"
            )

    def score(self, run: Run, state: Any) -> pd.DataFrame:
        values = run.summary["total_amount"]
        clv = run.column("predicted_clv")
        if run.settings.value_tier_basis == "clv" and clv is not None and clv.notna().all():
            values = clv
        high, medium = run.settings.value_tier_shares
        tiers = value_tiers(values.clip(lower=0), method="pareto", share=high, medium_share=medium)
        return tiers.rename("value_tier").to_frame()
