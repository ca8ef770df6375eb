"""The survival view on the IBM Telco customers (tenure in months, Churn), and the same-horizon
comparison with ChurnModel.

Telco is a snapshot: ``Churn`` marks customers who left (at their ``tenure``), the others are
read as right-censored at theirs, as lifelines' own Telco examples do. Figures asserted below
are those of the 75/25 holdout split with random_state 0.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from crm_analytics.churn import ChurnModel
from crm_analytics.churn.evaluation import metrics_table
from crm_analytics.exceptions import DataValidationError
from crm_analytics.io import read_customers
from crm_analytics.survival import (
    ChurnTimeModel,
    brier_scores,
    concordance,
    kaplan_meier,
    logrank_test,
    median_tenure,
    survival_calibration,
    tenure_table,
)

pytestmark = pytest.mark.usefixtures("lifelines")
ATTRIBUTES = [
    "Contract",
    "InternetService",
    "PaymentMethod",
    "PaperlessBilling",
    "SeniorCitizen",
    "Partner",
    "Dependents",
    "MonthlyCharges",
]


@pytest.fixture(scope="module")
def telco(shared_data):
    raw = read_customers(shared_data / "telco_churn.csv", customer_id="customerID", churned="Churn")
    return tenure_table(raw)


@pytest.fixture(scope="module")
def split(telco):
    return train_test_split(telco, test_size=0.25, stratify=telco["churned"], random_state=0)


@pytest.fixture(scope="module")
def cox(split):
    return ChurnTimeModel(attributes=ATTRIBUTES).fit(split[0])


def test_retention_by_contract_type(telco):
    assert len(telco) == 7043 and int(telco["churned"].sum()) == 1869
    medians = median_tenure(telco, by="Contract")
    assert medians.loc["Month-to-month", "median_tenure"] == 35
    assert np.isinf(medians.loc[["One year", "Two year"], "median_tenure"]).all()
    curves = kaplan_meier(telco, by="Contract")
    at_two_years = curves.xs(24, level="period")["survival"]
    assert at_two_years.is_monotonic_increasing  # month-to-month < one year < two year
    assert at_two_years["Month-to-month"] < 0.6 and at_two_years["Two year"] > 0.99
    tests = logrank_test(telco, by="Contract")
    assert (tests["p_value"] < 1e-50).all()


def test_add_on_columns_repeat_internet_service(split):
    with pytest.raises(DataValidationError, match="No internet service"):
        ChurnTimeModel(attributes=["InternetService", "OnlineSecurity"]).fit(split[0])


def test_cox_drivers_and_the_proportional_hazards_check(cox, split):
    ratios = cox.effects()["hazard_ratio"]
    assert ratios["Contract[Two year]"] < ratios["Contract[One year]"] < 0.25
    assert ratios["PaymentMethod[Credit card (automatic)]"] < 0.6
    check = cox.proportional_hazards_test(split[0])
    # The contract-type effect changes with tenure: the PH check flags it.
    assert check.loc["Contract[One year]", "violated"]
    assert check.loc["SeniorCitizen", "p_value"] > 0.05


def test_holdout_concordance_brier_and_calibration(cox, split):
    train, test = split
    assert concordance(cox, test) > 0.84
    scores = brier_scores(cox, test, horizons=[12, 24, 36, 48])
    assert (scores["brier"] < 0.105).all()
    assert (scores["skill"] > 0.25).all()
    calibration = survival_calibration(cox, test, horizon=24)
    assert (calibration["mean_predicted"] - calibration["observed"]).abs().max() < 0.05
    weibull = ChurnTimeModel("weibull", attributes=ATTRIBUTES).fit(train)
    assert concordance(weibull, test) > 0.84
    assert weibull.effects().loc["rho (shape)", "upper"] < 1  # hazard falls with tenure


def test_same_horizon_against_churn_model(cox, split):
    # The one horizon Telco labels: did a customer who reached month tenure - 1 leave by
    # month tenure? The survival model's 1 - S(t) / S(t - 1) against ChurnModel's probability.
    train, test = split
    test = test[test["tenure"] >= 1]
    features = [*ATTRIBUTES, "tenure"]
    classifier = ChurnModel().fit(train[features], train["churned"].astype(int))
    before = test.assign(tenure=test["tenure"] - 1, churned=False)
    survival = 1 - cox.predict_survival(before, horizons=[1])["survival_1"]
    table = metrics_table(
        test["churned"].astype(int),
        {"survival": survival, "ChurnModel": classifier.churn_probability(test[features])},
    )
    assert table.loc["ChurnModel", "roc_auc"] > table.loc["survival", "roc_auc"] > 0.74
    # Read as right-censored lifetimes, Telco's monthly hazards are a few percent, while 26.5%
    # of the snapshot carry the churn flag: the survival probabilities are not calibrated to it.
    assert survival.mean() < 0.05 < 0.25 < test["churned"].mean()
    assert table.loc["ChurnModel", "brier"] < table.loc["survival", "brier"]
