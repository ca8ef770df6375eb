"""RFM scores and named segments: score edges learned on the run's customers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from crm_analytics._params import Rule
from crm_analytics.scoring.steps._base import Run, Setting, Step, loaded
from crm_analytics.segmentation import RFMScorer, rfm_segments

__all__ = ["RFMStep"]


class RFMStep(Step):
    """``r_score, f_score, m_score`` (1..rfm_bins, higher is better), ``rfm_cell`` ("545"),
    ``rfm_score`` (their sum) and ``rfm_segment`` (Champions, Loyal, ... At risk, Lost)."""

    name = "rfm"
    columns = ("r_score", "f_score", "m_score", "rfm_cell", "rfm_score", "rfm_segment")
    settings = (Setting("rfm_bins", 5, int, "RFM score levels", Rule(int, low=2, example="5")),)
    part_names = ("rfm",)
    files = ("rfm.npz",)

    def fit(self, run: Run) -> RFMScorer:
        return RFMScorer(bins=run.settings.rfm_bins).fit(run.summary)

    def score(self, run: Run, state: RFMScorer) -> pd.DataFrame:
        scores = state.transform(run.summary)
        return scores[list(self.columns[:-1])].assign(
            rfm_segment=rfm_segments(scores, bins=state.bins)
        )

    def save(self, state: RFMScorer, directory: Path) -> None:
        state.save(directory / self.files[0])

    def load(self, directory: Path, settings: Any) -> RFMScorer:
        return loaded(directory / self.files[0], RFMScorer, RFMScorer.load)

    def describe(self, state: RFMScorer) -> dict[str, Any]:
        return {
            "rfm_edges": {
                name: [float(value) for value in values] for name, values in state.edges_.items()
            }
        }
