"""contract_scores: survival, remaining periods and value by hand and against the truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

from crm_analytics.datasets import make_contracts
from crm_analytics.exceptions import ConvergenceError, DataValidationError
from crm_analytics.survival import (
    contract_scores,
    contract_tenure,
    fit_retention_models,
    retention_scores,
)
from tests.survival.conftest import AS_OF


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return make_contracts(8_000, seed=31, effects={})


@pytest.fixture(scope="module")
def scores(customers) -> pd.DataFrame:
    return contract_scores(
        customers, as_of=AS_OF, margin="fee", horizons=[1, 6, 12], discount_rate=0.01
    )


def test_columns_and_customers_who_left(scores, customers):
    assert scores.columns.tolist() == [
        "tenure",
        "churned",
        "survival_1",
        "survival_6",
        "survival_12",
        "expected_remaining_periods",
        "contract_clv",
    ]
    assert scores.index.name == "customer_id" and len(scores) == len(customers)
    left = scores[scores["churned"]]
    assert (left.iloc[:, 2:] == 0).all().all()
    assert (scores.loc[~scores["churned"], "survival_1"] > 0.5).all()


def test_scores_are_the_fitted_sbg_formulas(scores, customers):
    model = fit_retention_models(contract_tenure(customers, as_of=AS_OF))["all"]
    alpha, beta = model.params_
    row = scores[~scores["churned"]].iloc[0]
    n = row["tenure"]
    assert row["survival_12"] == pytest.approx(
        np.exp(betaln(alpha, beta + n + 12) - betaln(alpha, beta + n))
    )
    assert row["expected_remaining_periods"] == pytest.approx(
        model.expected_remaining_lifetime(n, max_periods=120)
    )
    fee = customers.set_index("customer_id").loc[row.name, "fee"]
    assert row["contract_clv"] == pytest.approx(
        fee * model.discounted_expected_residual_lifetime(n, discount_rate=0.01)
    )


def test_survival_is_close_to_the_truth(scores):
    active = scores[~scores["churned"]]
    n = active["tenure"].to_numpy()
    truth = np.exp(betaln(1.2, 12.0 + n + 12) - betaln(1.2, 12.0 + n))
    assert np.abs(active["survival_12"] - truth).max() < 0.03


def test_segments_get_their_own_model(customers):
    by_plan = make_contracts(8_000, seed=32)
    scores = contract_scores(by_plan, as_of=AS_OF, margin=20.0, segment="plan", horizons=[12])
    models = fit_retention_models(contract_tenure(by_plan, as_of=AS_OF), segment="plan")
    assert list(models) == ["basic", "plus", "premium"]
    # Premium customers (log hazard ratio -0.8) keep more of their customers.
    assert models["premium"].survival_function(12) > models["basic"].survival_function(12)
    tenure = contract_tenure(by_plan, as_of=AS_OF)
    premium = tenure.index[(tenure["plan"] == "premium") & ~tenure["churned"]][0]
    n = tenure.loc[premium, "tenure"]
    assert scores.loc[premium, "survival_12"] == pytest.approx(
        models["premium"].conditional_survival(12, n)
    )


def test_caps_and_an_undiscounted_value():
    customers = make_contracts(3_000, seed=33, effects={})
    table = contract_tenure(customers, as_of=AS_OF)
    model = fit_retention_models(table)["all"]
    capped = contract_scores(customers, as_of=AS_OF, margin=1.0, max_periods=6, horizons=[1])
    active = capped[~capped["churned"]].iloc[0]
    assert active["expected_remaining_periods"] == pytest.approx(
        sum(model.conditional_survival(j, active["tenure"]) for j in range(1, 7))
    )
    assert active["contract_clv"] == pytest.approx(
        model.discounted_expected_residual_lifetime(active["tenure"], discount_rate=0.01)
    )
    flat = contract_scores(customers, as_of=AS_OF, margin=1.0, discount_rate=0.0, horizons=[1])
    first = flat[~flat["churned"]].iloc[0]
    assert first["contract_clv"] == pytest.approx(first["expected_remaining_periods"])
    assert first["expected_remaining_periods"] == pytest.approx(
        model.expected_remaining_lifetime(first["tenure"], max_periods=120)
    )
    assert retention_scores(table, margin=1.0, horizons=[1]).equals(
        contract_scores(customers, as_of=AS_OF, margin=1.0, horizons=[1])
    )


def test_bdw_model_and_yearly_periods():
    customers = make_contracts(4_000, seed=34, effects={}, period="Y", n_periods=10, c=0.8)
    scores = contract_scores(
        customers, as_of="2031-01-01", margin=100.0, period="Y", model="bdw", horizons=[1, 5],
        discount_rate=0.1,
    )  # fmt: skip
    assert scores["tenure"].max() <= 10
    active = scores[~scores["churned"]]
    assert (active["survival_5"] < active["survival_1"]).all()


def test_errors_are_explained(customers):
    with pytest.raises(DataValidationError, match="model must be one of"):
        contract_scores(customers, as_of=AS_OF, margin=1.0, model="cox")
    with pytest.raises(DataValidationError, match="'tier' is not a column"):
        contract_scores(customers, as_of=AS_OF, margin=1.0, segment="tier")
    with pytest.raises(DataValidationError, match="margin='price' is not a column"):
        contract_scores(customers, as_of=AS_OF, margin="price")
    with pytest.raises(DataValidationError, match="per-period rate"):
        contract_scores(customers, as_of=AS_OF, margin=1.0, discount_rate=-1)
    early = make_contracts(500, seed=35)
    with pytest.raises(
        ConvergenceError, match=r"segment plan='basic' \(9 customers\): .* nobody left"
    ):
        contract_scores(early, as_of="2021-02-10", margin=1.0, segment="plan")
