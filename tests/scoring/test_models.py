"""fit_models: what is fitted and refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.scoring import ScoringConfig, fit_models, score_customers


def test_fitted_models_and_their_as_of(models, shop):
    transactions, _ = shop
    assert models.as_of == transactions["date"].max().normalize()
    assert models.n_customers == transactions["customer_id"].nunique()
    assert models.skipped == {}
    assert models.clusterer.n_clusters_ == 3
    label = models.churn_model.label_definition_
    assert label.horizon_days == 90
    assert label.cutoffs == (str((models.as_of - pd.Timedelta(days=90)).date()),)
    assert set(models.churn_model.feature_names_) >= {"region", "channel", "n_orders"}


def test_simulation_parameters_are_recovered_roughly(models):
    """The shop is simulated with BG/NBD r=0.243, alpha=30.9 and Gamma-Gamma p=6.25."""
    params = models.params()
    assert params["bgnbd"]["r"] == pytest.approx(0.243, rel=0.25)
    assert params["bgnbd"]["alpha"] == pytest.approx(30.9, rel=0.3)
    assert params["gamma_gamma"]["p"] == pytest.approx(6.25, rel=0.3)


def test_models_left_out_are_not_fitted(shop, config):
    transactions, customers = shop
    only = config.replace("model", models=["rfm", "clv"])
    fitted = fit_models(transactions, customers, config=only)
    assert fitted.clusterer is None and fitted.churn_model is None
    with pytest.raises(DataValidationError, match="not fitted for 'clusters', 'churn'"):
        score_customers(transactions, customers, config=config, models=fitted)


def test_mbgnbd_lets_one_time_buyers_leave(shop, config):
    transactions, _ = shop
    modified = config.replace("model", models=["rfm", "clv"], transaction_model="mbgnbd")
    scored = score_customers(transactions, config=modified)
    one_time = scored["n_orders"] == 1
    assert (scored.loc[one_time, "p_alive"] < 1).all()
    bgnbd = score_customers(
        transactions, config=modified.replace("model", transaction_model="bgnbd")
    )
    assert np.allclose(bgnbd.loc[one_time, "p_alive"], 1.0)


def test_too_few_churners_skips_the_churn_model(shop):
    transactions, _ = shop
    few = transactions[transactions["customer_id"].isin(transactions["customer_id"].unique()[:30])]
    config = ScoringConfig.from_dict(
        {"model": {"models": ["churn"], "value_tier_basis": "revenue", "n_reasons": 1}}
    )
    with pytest.warns(
        UserWarning,
        match="churn model not fitted: 26 of 30 customers churned.* at least 20 churned",
    ):
        fitted = fit_models(few, config=config)
    assert fitted.churn_model is None
