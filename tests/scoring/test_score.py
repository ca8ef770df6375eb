"""score_customers on a simulated shop: every column, values checked against references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.scoring import (
    SCORE_COLUMNS,
    ScoringConfig,
    fit_models,
    score,
    score_customers,
)
from crm_analytics.segmentation import LIFECYCLE_STAGES
from crm_analytics.summary import rfm_summary


@pytest.fixture(scope="module")
def scored(shop, config, models):
    transactions, customers = shop
    return score_customers(transactions, customers, config=config, models=models)


def test_one_row_per_buyer_with_every_column(scored, shop):
    transactions, _ = shop
    assert len(scored) == transactions["customer_id"].nunique()
    assert scored.index.name == "customer_id"
    assert scored.index.is_monotonic_increasing and scored.index.is_unique
    expected = ["region", "channel"] + [
        column for columns in SCORE_COLUMNS.values() for column in columns
    ]
    expected = [c for c in expected if c != "value_tier"]
    expected.insert(expected.index("lifecycle_stage"), "value_tier")
    assert list(scored.columns) == [*expected, "reason_1", "reason_2"]


def test_the_run_says_its_as_of_date_timings_and_models(shop, config, models):
    transactions, customers = shop
    result = score(transactions, customers, config=config, models=models)
    assert str(result.as_of.date()) == str(transactions["date"].max().date())
    assert set(result.timings) >= {"rfm", "clv", "churn", "clusters"}
    assert result.models is models and not result.fitted_here and result.skipped == {}


def test_values_in_range(scored):
    for column in ("r_score", "f_score", "m_score"):
        assert scored[column].between(1, 5).all()
    assert (scored["rfm_score"] == scored[["r_score", "f_score", "m_score"]].sum(axis=1)).all()
    assert scored["p_alive"].between(0, 1).all()
    assert (scored["expected_purchases"] >= 0).all()
    assert (scored["predicted_clv"] >= 0).all()
    assert scored["churn_probability"].between(0, 1).all()
    assert set(scored["cluster"]) == {0, 1, 2}
    assert scored["cluster_name"].notna().all() and scored["rfm_segment"].notna().all()
    assert set(scored["lifecycle_stage"]) <= set(LIFECYCLE_STAGES) - {"prospect"}
    assert set(scored["value_tier"]) == {"high", "medium", "low"}
    # Reasons are written for the risk tiers above "low" (the customers a team acts on).
    at_risk = scored["risk_tier"] != "low"
    assert scored.loc[at_risk, "reason_1"].notna().mean() > 0.5
    assert scored.loc[~at_risk, "reason_1"].isna().all()


def test_summary_columns_match_the_log(scored, shop):
    transactions, customers = shop
    by_customer = transactions.groupby("customer_id")
    # Exactly the float nearest the sum in cents: no 66.25999999999999 for 66.26.
    cents = (transactions["amount"] * 100).round().astype("int64")
    exact = cents.groupby(transactions["customer_id"]).sum().sort_index() / 100
    assert (scored["total_amount"] == exact).all()
    assert (scored["n_orders"] == by_customer["order_id"].nunique().sort_index()).all()
    assert (scored["last_purchase"] == by_customer["date"].max().sort_index()).all()
    regions = customers.set_index("customer_id")["region"]
    assert (scored["region"] == regions.reindex(scored.index)).all()


def test_recency_score_falls_as_days_since_last_purchase_grow(scored):
    ordered = scored.sort_values("days_since_last_purchase", kind="stable")
    assert (np.diff(ordered["r_score"].to_numpy()) <= 0).all()


def test_clv_columns_equal_lifetimes_with_the_same_parameters(lifetimes, scored, shop, models):
    """The pipeline's horizon, units, discounting and margin wiring, checked by lifetimes."""
    transactions, _ = shop
    summary = rfm_summary(transactions)
    reference = lifetimes.BetaGeoFitter()
    reference.params_ = models.transaction_model.params_.copy()
    # lifetimes binds predict in fit; the parameters are set here instead.
    reference.predict = reference.conditional_expected_number_of_purchases_up_to_time
    spend = lifetimes.GammaGammaFitter()
    spend.params_ = models.spend_model.params_.copy()
    args = (summary["frequency"], summary["recency"], summary["T"])
    np.testing.assert_allclose(
        scored["p_alive"], reference.conditional_probability_alive(*args), rtol=1e-9
    )
    np.testing.assert_allclose(
        scored["expected_purchases"],
        reference.conditional_expected_number_of_purchases_up_to_time(90, *args),
        rtol=1e-9,
    )
    clv = spend.customer_lifetime_value(
        reference, *args, summary["monetary_value"], time=12, discount_rate=0.01, freq="D"
    )
    np.testing.assert_allclose(scored["predicted_clv"], clv, rtol=1e-6)


def test_margin_scales_clv_and_horizon_sets_expected_purchases(scored, shop, config, models):
    transactions, customers = shop
    changed = config.replace("model", margin=0.25, horizon_days=30, models=["rfm", "clv"])
    rescored = score_customers(transactions, customers, config=changed, models=models)
    np.testing.assert_allclose(rescored["predicted_clv"], 0.25 * scored["predicted_clv"])
    assert (rescored["expected_purchases"] < scored["expected_purchases"]).all()
    assert "churn_probability" not in rescored.columns


def test_risk_tiers_hold_the_configured_shares(scored):
    counts = scored["risk_tier"].value_counts()
    n = len(scored)
    assert counts["high"] == int(np.ceil(0.1 * n))
    assert counts["high"] + counts["medium"] == int(np.ceil(0.3 * n))
    high = scored.loc[scored["risk_tier"] == "high", "churn_probability"]
    rest = scored.loc[scored["risk_tier"] != "high", "churn_probability"]
    assert high.min() >= rest.max()


def test_high_value_tier_is_the_fewest_customers_with_80_percent_of_clv(scored):
    clv = scored["predicted_clv"]
    high = clv[scored["value_tier"] == "high"]
    assert high.sum() >= 0.8 * clv.sum()
    assert high.sum() - high.min() < 0.8 * clv.sum()
    assert high.min() >= clv[scored["value_tier"] != "high"].max()


def test_lifecycle_at_risk_follows_p_alive(scored):
    at_risk = scored["lifecycle_stage"] == "at risk"
    active = scored["lifecycle_stage"] == "active"
    assert at_risk.any() and active.any()
    assert (scored.loc[at_risk, "p_alive"] < 0.5).all()
    assert (scored.loc[active, "p_alive"] >= 0.5).all()


def test_as_of_reproduces_a_run_on_an_older_export(shop, config):
    transactions, customers = shop
    as_of = pd.Timestamp("2024-03-15")
    older = transactions[transactions["date"] < as_of + pd.Timedelta(days=1)]
    fast = config.replace("model", models=["rfm", "clv", "lifecycle", "churn"], horizon_days=30)
    then = score(older, customers, config=fast)
    now = score(transactions, customers, config=fast.replace("model", as_of="2024-03-15"))
    assert str(now.as_of.date()) == str(then.as_of.date()) == "2024-03-15"
    assert now.skipped == {}
    now, then = now.scores, then.scores
    pd.testing.assert_frame_equal(now, then, check_exact=True)
    assert len(now) == older["customer_id"].nunique() < transactions["customer_id"].nunique()


def test_churn_left_empty_with_a_warning_when_history_is_too_short(shop, config):
    transactions, customers = shop
    short = config.replace("model", models=["rfm", "clv", "churn"], horizon_days=600)
    with pytest.warns(
        UserWarning, match="churn model not fitted: .*shorter than horizon_days = 600"
    ):
        result = score(transactions, customers, config=short)
    assert result.scores["churn_probability"].isna().all()
    assert "churn_model" in result.skipped


def test_transactions_without_amount_name_the_column(shop):
    transactions, _ = shop
    with pytest.raises(DataValidationError, match="column 'amount' not found"):
        score_customers(transactions.drop(columns="amount"))


def test_inputs_given_in_other_shapes(shop, config, models):
    transactions, customers = shop
    head = transactions[transactions["customer_id"].isin(customers["customer_id"].head(300))]
    config = config.replace("model", as_of=str(models.as_of.date()))
    expected = score_customers(head, customers, config=config, models=models)
    by_index = score_customers(
        head, customers.set_index("customer_id"), config=config.to_dict(), models=models
    )
    pd.testing.assert_frame_equal(by_index, expected)
    with pytest.raises(DataValidationError, match="config must be a ScoringConfig or a mapping"):
        score_customers(head, config="scoring.toml")
    with pytest.raises(
        DataValidationError, match=r"models must be FittedModels.*load_models\(folder\)"
    ):
        score_customers(head, config=config, models="models")
    with pytest.raises(DataValidationError, match="column 'date' has dtype String, not a datetime"):
        fit_models(head.assign(date=head["date"].astype(str)), config=config)
    # A log in another engine is checked into a TransactionLog like a pandas one.
    fast = config.replace("model", models=["rfm", "clv"])
    from_polars = score_customers(pl.from_pandas(head), config=fast)
    pd.testing.assert_frame_equal(from_polars, score_customers(head, config=fast))


def test_as_of_before_the_first_transaction(shop):
    transactions, _ = shop
    config = ScoringConfig.from_dict({"model": {"as_of": "2023-01-01"}})
    with pytest.raises(DataValidationError, match="before the first transaction"):
        score_customers(transactions, config=config)


def test_unknown_attribute_names_the_column(shop, config):
    transactions, customers = shop
    bad = ScoringConfig.from_dict({"customers": {"attributes": ["segment"]}})
    with pytest.raises(DataValidationError, match="'segment' .* not in the customer table"):
        score_customers(transactions, customers, config=bad)


def test_models_fitted_after_the_as_of_date_warn(shop, config, models):
    transactions, customers = shop
    earlier = config.replace("model", as_of="2025-01-31", models=["rfm", "clv"])
    with pytest.warns(
        UserWarning, match="fitted as of 2025-06-28, after the as-of date 2025-01-31"
    ):
        score_customers(transactions, customers, config=earlier, models=models)


def test_buyers_missing_from_the_customer_table(shop, config, models):
    transactions, customers = shop
    fewer = customers.iloc[10:]
    fast = config.replace("model", models=["rfm", "clv"])
    with pytest.warns(UserWarning, match="10 of 2,000 customers in the transactions are not in"):
        scored = score_customers(transactions, fewer, config=fast, models=models)
    assert scored["region"].isna().sum() == 10
    other_ids = customers.assign(customer_id=customers["customer_id"].str.lower())
    with pytest.raises(DataValidationError, match="none of the 2,000 customers .* is in the"):
        score_customers(transactions, other_ids, config=fast, models=models)
    doubled = pd.concat([customers, customers.head(2)])
    with pytest.raises(DataValidationError, match="2 customer id.* appear more than once"):
        score_customers(transactions, doubled, config=fast, models=models)


def test_prospects_get_a_row_when_asked(shop, config, models):
    transactions, customers = shop
    with_prospects = config.replace("model", include_prospects=True)
    scored = score_customers(transactions, customers, config=with_prospects, models=models)
    buyers = transactions["customer_id"].unique()
    prospects = customers[~customers["customer_id"].isin(buyers)]
    assert len(prospects) == 100  # make_transactions adds 5% prospects
    assert len(scored) == len(buyers) + len(prospects) == len(customers)
    rows = scored.loc[prospects["customer_id"]]
    assert (rows["lifecycle_stage"] == "prospect").all()
    assert (rows["n_orders"] == 0).all() and (rows["total_amount"] == 0).all()
    assert rows[["r_score", "p_alive", "churn_probability", "value_tier"]].isna().all().all()
    assert (rows["region"] == prospects.set_index("customer_id")["region"]).all()
    assert str(scored["r_score"].dtype) == "Int64" and scored["r_score"].notna().sum() == 2000
    buyers_only = score_customers(transactions, customers, config=config, models=models)
    pd.testing.assert_frame_equal(
        scored.drop(index=prospects["customer_id"]).astype(buyers_only.dtypes), buyers_only
    )


def test_prospects_need_the_lifecycle_model():
    with pytest.raises(DataValidationError, match="include_prospects needs the lifecycle"):
        ScoringConfig.from_dict({"model": {"include_prospects": True, "models": ["rfm", "clv"]}})


def test_documented_defaults_score_every_buyer(shop):
    # no configuration and no models: automatic k, gradient-boosted churn, three reasons
    transactions, customers = shop
    scored = score_customers(transactions, customers)
    assert len(scored) == transactions["customer_id"].nunique()
    defaults = [column for columns in SCORE_COLUMNS.values() for column in columns]
    assert set(defaults) | {"reason_1", "reason_2", "reason_3"} <= set(scored.columns)
    assert scored["churn_probability"].between(0, 1).all()
    assert scored["cluster_name"].notna().all() and scored["rfm_segment"].notna().all()
    assert (scored["predicted_clv"] >= 0).all() and scored["p_alive"].between(0, 1).all()
    high = scored["risk_tier"] == "high"
    assert high.mean() == pytest.approx(0.1, abs=0.01)
    assert scored.loc[high, "reason_1"].notna().all()
