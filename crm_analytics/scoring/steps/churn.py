"""Churn risk: a calibrated churn model trained on outcomes already seen, with reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.linear_model import LogisticRegression

from crm_analytics._params import Rule
from crm_analytics.churn import ChurnModel, churn_features, make_churn_dataset
from crm_analytics.churn.model import check_risk_tiers
from crm_analytics.exceptions import DataValidationError
from crm_analytics.scoring.steps._base import Run, Setting, SkipStep, Step, loaded
from crm_analytics.scoring.steps.clv import CLVStep

__all__ = ["ChurnStep"]


class ChurnStep(Step):
    """``churn_probability`` (of no purchase in the next ``horizon_days``), ``risk_tier`` and
    ``reason_1`` ... ``reason_<n_reasons>`` (plain-word reasons the risk is high).

    The model learns from outcomes already seen by the as-of day: features ``horizon_days``
    before it, labelled churned when the customer did not buy in the ``horizon_days`` that
    followed, with the customer attributes as extra features. Its P(alive) features come from
    the run's transaction model: fitted afresh at the training cutoff, and at the as-of day
    the CLV step's model itself, so each customer has one P(alive) in the scored table.
    """

    name = "churn"
    columns = ("churn_probability", "risk_tier")
    settings = (
        Setting(
            "risk_tiers",
            {"high": 0.1, "medium": 0.3},
            dict[str, float],
            "churn risk tiers, name=share of customers (or threshold)",
        ),
        Setting(
            "risk_tier_by",
            "share",
            str,
            "risk tiers by share of customers or probability",
            Rule(str, choices=("share", "probability")),
        ),
        Setting(
            "churn_estimator",
            "boosting",
            str,
            "churn classifier: boosting (gradient boosting) or logistic (faster)",
            Rule(str, choices=("boosting", "logistic")),
        ),
        Setting("n_reasons", 3, int, "churn reasons per customer", Rule(int, low=0, example="3")),
    )
    part_names = ("churn_model",)
    files = ("churn.npz",)

    def output_columns(self, settings: Any) -> tuple[str, ...]:
        reasons = tuple(f"reason_{number}" for number in range(1, settings.n_reasons + 1))
        return self.columns + reasons

    def check(self, settings: Any) -> None:
        try:
            check_risk_tiers(settings.risk_tiers, settings.risk_tier_by)
        except DataValidationError as error:
            raise DataValidationError(f"[model] {error}") from None

    def fit(self, run: Run) -> ChurnModel:
        settings = run.settings
        horizon = settings.horizon_days
        cutoff = run.as_of - pd.Timedelta(days=horizon)
        first = run.log.first_date.normalize()
        if cutoff < first:
            raise SkipStep(
                "churn_model",
                f"the history ({first.date()} to {run.as_of.date()}) is shorter than "
                f"horizon_days = {horizon} days, so no churn outcome can be observed yet; churn "
                "columns are empty",
            )
        dataset = make_churn_dataset(
            run.log,
            run.attributes,
            cutoff=cutoff,
            horizon=horizon,
            label="non_contractual",
            observation_end=run.as_of,
            transaction_model=CLVStep.unfitted(settings),
        )
        X, y = dataset
        estimator = (
            LogisticRegression(max_iter=1000) if settings.churn_estimator == "logistic" else None
        )
        model = ChurnModel(
            estimator,
            risk_tiers=settings.risk_tiers,
            tier_by=settings.risk_tier_by,
            unknown_categories="missing",
            random_state=settings.random_state,
        )
        churned = int(y.sum())
        if min(churned, len(y) - churned) < model.min_positives:
            raise SkipStep(
                "churn_model",
                f"{churned} of {len(y)} customers churned in the {horizon} days after "
                f"{cutoff.date()}; at least {model.min_positives} churned and retained customers "
                "are needed; churn columns are empty",
            )
        return model.fit(X, y, label_definition=dataset.label_definition)

    def score(self, run: Run, state: ChurnModel) -> pd.DataFrame:
        clv = run.fitted.get("clv")
        features = churn_features(
            run.log,
            run.attributes,
            cutoff=run.as_of,
            transaction_model=CLVStep.unfitted(run.settings) if clv is None else clv.transaction,
        ).reindex(run.summary.index)
        return state.score_customers(features, n_reasons=run.settings.n_reasons)

    def save(self, state: ChurnModel, directory: Path) -> None:
        state.save(directory / self.files[0])

    def load(self, directory: Path, settings: Any) -> ChurnModel:
        return loaded(directory / self.files[0], ChurnModel, ChurnModel.load)

    def describe(self, state: ChurnModel) -> dict[str, Any]:
        label = state.label_definition_
        return {
            "churn": {
                "base_rate": state.base_rate_,
                "features": list(state.feature_names_),
                "label": None if label is None else label.describe(),
            }
        }
