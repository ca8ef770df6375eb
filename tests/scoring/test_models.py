"""fit_models and the model folder: what is fitted, saved, loaded and refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.scoring import FittedModels, ScoringConfig, fit_models, score_customers


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


def test_save_load_round_trip_gives_the_same_scores(models, shop, config, tmp_path):
    transactions, customers = shop
    models.save(tmp_path / "models")
    files = sorted(path.name for path in (tmp_path / "models").iterdir())
    assert files == [
        "bgnbd.json",
        "churn.joblib",
        "clusterer.joblib",
        "config.toml",
        "gamma_gamma.json",
        "metadata.json",
        "rfm.joblib",
    ]
    metadata = json.loads((tmp_path / "models" / "metadata.json").read_text())
    assert metadata["as_of"] == str(models.as_of.date())
    assert metadata["params"]["bgnbd"] == pytest.approx(models.params()["bgnbd"])
    loaded = FittedModels.load(tmp_path / "models")
    assert loaded.model == models.model and loaded.as_of == models.as_of
    pd.testing.assert_frame_equal(
        score_customers(transactions, customers, config=config, models=loaded),
        score_customers(transactions, customers, config=config, models=models),
        check_exact=True,
    )


def test_saved_with_other_versions_warns(models, tmp_path):
    folder = models.save(tmp_path / "models")
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["versions"]["scikit-learn"] = "0.1"
    (folder / "metadata.json").write_text(json.dumps(metadata))
    with pytest.warns(UserWarning, match=r"scikit-learn 0.1 -> "):
        FittedModels.load(folder)


def test_loading_an_empty_folder(tmp_path):
    with pytest.raises(DataValidationError, match="no saved models in .*metadata.json"):
        FittedModels.load(tmp_path)


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


def test_a_damaged_model_folder_is_reported(models, tmp_path):
    folder = models.save(tmp_path / "models")
    (folder / "metadata.json").write_text('{"as_of": "2025-06-28"}')
    with pytest.raises(DataValidationError, match="not written by FittedModels.save"):
        FittedModels.load(folder)
    (folder / "metadata.json").write_text("{")
    with pytest.raises(DataValidationError, match="is not valid JSON"):
        FittedModels.load(folder)
