"""ChurnTimeModel: recovery of known effects, predictions by hand, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.datasets import make_contracts
from crm_analytics.exceptions import ConvergenceError, DataValidationError, NotFittedError
from crm_analytics.survival import ChurnTimeModel, contract_tenure
from tests.survival.conftest import AS_OF, TRUE_EFFECTS

pytestmark = pytest.mark.usefixtures("lifelines")
ATTRIBUTES = ["plan", "payment", "region"]


@pytest.fixture(scope="module")
def cox(proportional) -> ChurnTimeModel:
    return ChurnTimeModel(attributes=ATTRIBUTES).fit(proportional)


@pytest.fixture(scope="module")
def weibull() -> tuple[ChurnTimeModel, pd.DataFrame]:
    customers = make_contracts(10_000, seed=8, alpha=400, beta=3600, c=1.4)
    table = contract_tenure(customers, as_of=AS_OF)
    return ChurnTimeModel("weibull", attributes=ATTRIBUTES).fit(table), table


def test_cox_recovers_the_simulated_log_hazard_ratios(cox):
    summary = cox.summary_
    for name, truth in {**TRUE_EFFECTS, "region[East]": 0.0, "region[South]": 0.0}.items():
        assert abs(summary.loc[name, "coef"] - truth) < 3 * summary.loc[name, "se(coef)"]
    ratios = cox.effects()
    assert ratios.columns.tolist() == ["hazard_ratio", "lower", "upper", "p_value"]
    assert ratios.loc["plan[premium]", "upper"] < 1 < ratios.loc["payment[invoice]", "lower"]
    assert cox.references_ == {"plan": "basic", "payment": "card", "region": "North"}


def test_weibull_recovers_shape_and_time_ratios(weibull):
    model, _ = weibull
    ratios = model.effects()
    # Hazard (1 - theta) ** (t ** c exp(x b)) is Weibull with shape c; time ratio exp(-b / c).
    assert ratios.loc["rho (shape)", "lower"] < 1.4 < ratios.loc["rho (shape)", "upper"]
    for name, truth in TRUE_EFFECTS.items():
        expected = np.exp(-truth / 1.4)
        assert ratios.loc[name, "lower"] < expected < ratios.loc[name, "upper"]


def test_cox_survival_grid_equals_lifelines_at_event_times(cox, proportional):
    sample = proportional.head(5)
    times = np.array([1, 5, 17, 30])
    ours = cox.survival_function(sample, times).to_numpy()
    design = cox._design(sample)
    theirs = cox.lifelines_model_.predict_survival_function(design, times=times).to_numpy().T
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_conditional_predictions_by_hand(weibull):
    model, table = weibull
    active = table[~table["churned"]].head(4)
    tenure = active["tenure"].to_numpy()
    grid = model.survival_function(active, np.arange(tenure.max() + 40))
    values = grid.to_numpy()
    rows = np.arange(len(active))
    base = values[rows, tenure]
    survival = model.predict_survival(active, horizons=[1, 12])
    np.testing.assert_allclose(survival["survival_12"], values[rows, tenure + 12] / base)
    ahead = values[rows[:, None], tenure[:, None] + np.arange(1, 31)] / base[:, None]
    np.testing.assert_allclose(
        model.expected_remaining_periods(active, max_periods=30), ahead.sum(axis=1)
    )
    discounts = 1.02 ** -np.arange(30)
    np.testing.assert_allclose(
        model.expected_remaining_value(active, margin="fee", discount_rate=0.02, max_periods=30),
        active["fee"].to_numpy() * (ahead @ discounts),
    )
    medians = model.median_remaining_lifetime(active)
    full = values[rows[:, None], tenure[:, None] + np.arange(1, 40)] / base[:, None]
    np.testing.assert_array_equal(medians, (full <= 0.5).argmax(axis=1) + 1.0)


def test_customers_who_left_score_zero(cox, proportional):
    left = proportional[proportional["churned"]].head(3)
    assert (cox.predict_survival(left, horizons=[1, 6]).to_numpy() == 0).all()
    assert (cox.median_remaining_lifetime(left) == 0).all()
    assert (cox.expected_remaining_value(left, margin=10.0, discount_rate=0.01) == 0).all()


def test_cox_warns_when_projecting_past_the_longest_tenure(cox, proportional):
    longest = proportional[~proportional["churned"]].nlargest(2, "tenure")
    with pytest.warns(UserWarning, match="beyond the longest tenure"):
        cox.predict_survival(longest, horizons=[3])


def test_proportional_hazards_hold_on_proportional_data(cox, proportional):
    test = cox.proportional_hazards_test(proportional)
    assert test.columns.tolist() == ["statistic", "p_value", "violated"]
    assert set(test.index) == set(cox.feature_names_)
    assert test["p_value"].min() > 0.001


def test_risk_score_ranks_like_the_hazard(cox, proportional):
    risk = cox.risk_score(proportional.head(200))
    design = cox._design(proportional.head(200))
    linear = design.to_numpy() @ cox.summary_.loc[cox.feature_names_, "coef"].to_numpy()
    assert np.corrcoef(risk, linear)[0, 1] == pytest.approx(1.0)
    assert 0.5 < cox.concordance_index_ < 1


def test_errors_are_explained(proportional):
    with pytest.raises(NotFittedError, match="not fitted"):
        ChurnTimeModel().predict_survival(proportional, horizons=[1])
    with pytest.raises(DataValidationError, match="model must be one of"):
        ChurnTimeModel("aft").fit(proportional)
    with pytest.raises(DataValidationError, match="not columns of the table"):
        ChurnTimeModel(attributes=["colour"]).fit(proportional)
    with pytest.raises(DataValidationError, match="missing value"):
        ChurnTimeModel(attributes=["fee"]).fit(proportional.assign(fee=np.nan))
    with pytest.raises(DataValidationError, match="repeat another covariate"):
        ChurnTimeModel(attributes=["plan", "copy"]).fit(
            proportional.assign(copy=proportional["plan"])
        )
    with pytest.raises(DataValidationError, match="single value"):
        ChurnTimeModel(attributes=["plan", "one"]).fit(proportional.assign(one=1.0))
    with pytest.raises(ConvergenceError, match="nobody in the table has left"):
        ChurnTimeModel(attributes=["plan"]).fit(proportional.assign(churned=False))
    model = ChurnTimeModel(attributes=["plan"]).fit(proportional)
    with pytest.raises(DataValidationError, match="unseen in training"):
        model.predict_survival(proportional.head(2).assign(plan="gold"), horizons=[1])
    with pytest.raises(DataValidationError, match="whole numbers of periods >= 1"):
        model.predict_survival(proportional.head(2), horizons=[0])
    with pytest.raises(DataValidationError, match="margin='cost' is not a column"):
        model.expected_remaining_value(proportional.head(2), margin="cost", discount_rate=0.01)
    with pytest.raises(DataValidationError, match="negative for 1 customer"):
        model.expected_remaining_value(
            proportional.head(2).assign(fee=[1.0, -2.0]), margin="fee", discount_rate=0.01
        )
    weibull = ChurnTimeModel("weibull", attributes=["plan"]).fit(proportional.head(3000))
    with pytest.raises(DataValidationError, match="applies to model='cox'"):
        weibull.proportional_hazards_test(proportional)
