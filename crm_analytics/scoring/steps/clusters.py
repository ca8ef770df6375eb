"""Customer clusters: a clusterer learned on the run's customers, with a name per cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from crm_analytics._params import Rule
from crm_analytics.scoring.steps._base import Run, Setting, Step, loaded
from crm_analytics.segmentation import CustomerClusterer

__all__ = ["ClustersStep"]


class ClustersStep(Step):
    """``cluster`` (number) and ``cluster_name`` (a short description of the cluster)."""

    name = "clusters"
    columns = ("cluster", "cluster_name")
    settings = (
        Setting(
            "n_clusters",
            None,
            int | None,
            "customer clusters (default: chosen from the data)",
            Rule(int, low=2, optional=True, example="4"),
        ),
    )
    part_names = ("clusterer",)
    files = ("clusterer.npz",)

    def fit(self, run: Run) -> CustomerClusterer:
        n_clusters = run.settings.n_clusters
        return CustomerClusterer(
            n_clusters="auto" if n_clusters is None else n_clusters,
            random_state=run.settings.random_state,
        ).fit(run.summary)

    def score(self, run: Run, state: CustomerClusterer) -> pd.DataFrame:
        cluster = state.predict(run.summary).rename("cluster")
        return pd.DataFrame({"cluster": cluster, "cluster_name": cluster.map(state.cluster_names_)})

    def save(self, state: CustomerClusterer, directory: Path) -> None:
        state.save(directory / self.files[0])

    def load(self, directory: Path, settings: Any) -> CustomerClusterer:
        return loaded(directory / self.files[0], CustomerClusterer, CustomerClusterer.load)

    def describe(self, state: CustomerClusterer) -> dict[str, Any]:
        return {"clusterer": {key: repr(value) for key, value in state.get_params().items()}}
