"""Customer lifetime value: a transaction model and a spend model, and the CLV columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from crm_analytics._checks import check_margin
from crm_analytics._params import Rule
from crm_analytics.clv import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter
from crm_analytics.clv.scores import CLV_COLUMNS, clv_columns
from crm_analytics.clv.value import CLV_RULES
from crm_analytics.exceptions import DataValidationError
from crm_analytics.scoring.steps._base import Run, Setting, Step, loaded
from crm_analytics.summary import distinct_rows

__all__ = ["TRANSACTION_MODELS", "CLVModels", "CLVStep"]

#: The transaction models of ``transaction_model``.
TRANSACTION_MODELS = {"bgnbd": BetaGeoFitter, "mbgnbd": ModifiedBetaGeoFitter}
# Fewest repeat buyers the Gamma-Gamma spend model is fitted on.
_MIN_REPEAT_BUYERS = 10


class CLVModels(NamedTuple):
    """The fitted transaction model, and the spend model (None when too few repeat buyers)."""

    transaction: Any
    spend: Any | None


class CLVStep(Step):
    """``p_alive``, ``expected_purchases`` (next ``horizon_days``) and ``predicted_clv``
    (discounted profit of the next ``clv_months``): :func:`crm_analytics.clv.scores.clv_columns`,
    the one CLV definition of every command and engine."""

    name = "clv"
    columns = CLV_COLUMNS
    settings = (
        Setting(
            "clv_months",
            12,
            int,
            "months of predicted customer lifetime value",
            CLV_RULES.rules["clv_months"],
        ),
        Setting(
            "discount_rate",
            0.01,
            float,
            "monthly discount rate of the CLV",
            CLV_RULES.rules["discount_rate"],
        ),  # fmt: skip
        Setting("margin", 1.0, float, "share of spend that is profit (1 values revenue)"),
        Setting(
            "transaction_model",
            "bgnbd",
            str,
            "purchase model of the CLV: bgnbd, or mbgnbd (one-time buyers may have left)",
            Rule(str, choices=tuple(TRANSACTION_MODELS)),
        ),
        Setting(
            "penalizer_coef",
            0.0,
            float,
            "L2 penalty of the BG/NBD and Gamma-Gamma fits",
            Rule(float, low=0, example="0.001"),
        ),
    )
    part_names = ("transaction_model", "spend_model")
    files = ("bgnbd.json", "gamma_gamma.json")

    def check(self, settings: Any) -> None:
        try:
            check_margin(settings.margin)
        except DataValidationError as error:
            raise DataValidationError(f"[model] {error}") from None

    @staticmethod
    def unfitted(settings: Any) -> Any:
        """A transaction model of the configured kind and penalty, not fitted."""
        kind = TRANSACTION_MODELS[settings.transaction_model]
        return kind(penalizer_coef=settings.penalizer_coef)

    def fit(self, run: Run) -> CLVModels:
        return self.fit_summary(run.summary, run.settings, run.skipped)

    def fit_summary(self, summary: Any, settings: Any, skipped: dict[str, str]) -> CLVModels:
        """The models fitted on the distinct histories of a summary (pandas, or the engine's
        own for logs larger than memory): the likelihoods depend on them alone, so a model
        fitted on the weighted distinct rows is the one fitted on every customer."""
        histories = distinct_rows(summary, ["frequency", "recency", "T"])
        transaction = self.unfitted(settings).fit(
            histories["frequency"],
            histories["recency"],
            histories["T"],
            weights=histories["weight"],
        )
        spends = distinct_rows(summary, ["frequency", "monetary_value"], positive="monetary_value")
        buyers = int(spends["weight"].sum())
        if buyers < _MIN_REPEAT_BUYERS:
            skipped["spend_model"] = (
                f"only {buyers} repeat buyers with positive spend (at least "
                f"{_MIN_REPEAT_BUYERS} needed for Gamma-Gamma); predicted_clv is left empty and "
                "value tiers use past revenue"
            )
            return CLVModels(transaction, None)
        spend = GammaGammaFitter(penalizer_coef=settings.penalizer_coef).fit(
            spends["frequency"], spends["monetary_value"], weights=spends["weight"]
        )
        return CLVModels(transaction, spend)

    def score(self, run: Run, state: CLVModels) -> pd.DataFrame:
        settings = run.settings
        return clv_columns(
            run.summary,
            state.transaction,
            state.spend,
            horizon_days=settings.horizon_days,
            clv_months=settings.clv_months,
            discount_rate=settings.discount_rate,
            margin=settings.margin,
        )

    def saved_files(self, state: CLVModels) -> tuple[str, ...]:
        return self.files if state.spend is not None else self.files[:1]

    def save(self, state: CLVModels, directory: Path) -> None:
        state.transaction.save(directory / self.files[0])
        if state.spend is not None:
            state.spend.save(directory / self.files[1])

    def load(self, directory: Path, settings: Any) -> CLVModels:
        kind = TRANSACTION_MODELS[settings.transaction_model]
        transaction = loaded(directory / self.files[0], kind, kind.load)
        spend_path = directory / self.files[1]
        spend = (
            loaded(spend_path, GammaGammaFitter, GammaGammaFitter.load)
            if spend_path.is_file()
            else None
        )
        return CLVModels(transaction, spend)

    def describe(self, state: CLVModels) -> dict[str, Any]:
        kind = next(
            (name for name, kind in TRANSACTION_MODELS.items() if type(state.transaction) is kind),
            type(state.transaction).__name__,
        )
        params = {kind: _plain(state.transaction.params_)}
        if state.spend is not None:
            params["gamma_gamma"] = _plain(state.spend.params_)
        return params

    def parts(self, state: CLVModels) -> dict[str, Any]:
        return {"transaction_model": state.transaction, "spend_model": state.spend}


def _plain(params: pd.Series) -> dict[str, float]:
    return {str(key): float(value) for key, value in params.items()}
