"""Churn features and labels in every engine: the same numbers as the pandas path."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics.churn.features import churn_features, make_churn_dataset, make_churn_panel
from crm_analytics.churn.labels import non_contractual_labels
from crm_analytics.exceptions import DataValidationError

CUTOFF = "2024-12-31"
START = pd.Timestamp("2024-01-01")


@pytest.fixture(scope="module")
def log(shop) -> pd.DataFrame:
    return shop[0]


def _engines(log: pd.DataFrame, tmp_path) -> dict[str, object]:
    path = tmp_path / "log.parquet"
    log.to_parquet(path)
    connection = duckdb.connect()
    return {
        "polars": pl.from_pandas(log),
        "polars lazy": pl.from_pandas(log).lazy(),
        "pyarrow": pa.Table.from_pandas(log, preserve_index=False),
        "duckdb": connection.from_arrow(pa.Table.from_pandas(log, preserve_index=False)),
        "parquet": path,
        "parquet (str)": str(path),
    }


def test_dataset_is_the_same_in_every_engine(log, shop, tmp_path):
    customers = shop[1]
    expected = make_churn_dataset(log, customers, cutoff=CUTOFF, horizon=90)
    expected_X, expected_y = expected
    assert len(expected_X) > 500 and 0 < expected_y.mean() < 1
    for engine, source in _engines(log, tmp_path).items():
        dataset = make_churn_dataset(source, customers, cutoff=CUTOFF, horizon=90)
        X, y = dataset
        pd.testing.assert_frame_equal(X, expected_X, obj=f"X from {engine}")
        pd.testing.assert_series_equal(y, expected_y, obj=f"y from {engine}")
        assert dataset.label_definition == expected.label_definition


def test_panel_features_and_labels_are_the_same_in_every_engine(log, tmp_path):
    cutoffs = ["2024-06-30", "2024-12-31"]
    expected_X, expected_y = make_churn_panel(log, cutoffs=cutoffs, horizon=60, lookback=180)
    expected_features = churn_features(log, cutoff=CUTOFF, lookback=90, windows=[7, 45])
    expected_labels = non_contractual_labels(log, cutoff=CUTOFF, horizon=30)
    engines = _engines(log, tmp_path)
    for engine in ("polars lazy", "duckdb", "parquet"):
        source = engines[engine]
        X, y = make_churn_panel(source, cutoffs=cutoffs, horizon=60, lookback=180)
        pd.testing.assert_frame_equal(X, expected_X, obj=f"panel X from {engine}")
        pd.testing.assert_series_equal(y, expected_y, obj=f"panel y from {engine}")
        features = churn_features(source, cutoff=CUTOFF, lookback=90, windows=[7, 45])
        pd.testing.assert_frame_equal(features, expected_features, obj=f"features ({engine})")
        labels = non_contractual_labels(source, cutoff=CUTOFF, horizon=30)
        pd.testing.assert_series_equal(labels, expected_labels, obj=f"labels from {engine}")


def test_contractual_dataset_from_a_lazy_log(log, shop):
    customers = shop[1].assign(
        cancel_date=lambda table: (
            table["signup_date"] + pd.to_timedelta(np.arange(len(table)) * 37 % 500 + 30, unit="D")
        ),
        plan=lambda table: np.where(table.index % 3 == 0, "pro", "basic"),
    )
    # Customers who signed up before the cutoff but bought nothing get zero counts.
    without = log[~log["customer_id"].isin(customers["customer_id"].iloc[::5])]
    expected_X, expected_y = make_churn_dataset(
        without, customers, cutoff="2024-10-31", horizon=60, observation_end="2025-06-29"
    )
    assert (expected_X["n_orders"] == 0).sum() > 10 and 0 < expected_y.mean() < 1
    X, y = make_churn_dataset(
        pl.from_pandas(without).lazy(),
        customers,
        cutoff="2024-10-31",
        horizon=60,
        observation_end="2025-06-29",
    )
    pd.testing.assert_frame_equal(X, expected_X)
    pd.testing.assert_series_equal(y, expected_y)


def test_a_log_without_orders_or_products_in_duckdb():
    log = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 2],
            "date": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-01-21", "2024-01-05", "2024-03-01"]
            ),
            "amount": [1.0, 2.0, 4.0, 8.0, 16.0],
        }
    )
    relation = duckdb.connect().from_arrow(pa.Table.from_pandas(log))
    X = churn_features(relation, cutoff="2024-01-31", windows=[30])
    # Without order ids every line is an order; the last 30 days are (01-01, 01-31].
    assert X.loc[1, ["n_orders", "orders_30d", "amount_30d"]].tolist() == [3, 1, 4.0]
    assert X.loc[1, "interpurchase_mean_days"] == 20 and np.isnan(
        X.loc[1, "interpurchase_std_days"]
    )
    assert list(X.index) == [1, 2] and "n_products" not in X
    pd.testing.assert_frame_equal(X, churn_features(log, cutoff="2024-01-31", windows=[30]))


def test_tz_aware_and_date_columns_count_calendar_days():
    log = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "date": pd.to_datetime(["2024-01-01 23:30", "2024-01-10 00:15", "2024-01-05 00:00"]),
            "amount": [1.0, 2.0, 3.0],
        }
    )
    expected = churn_features(log, cutoff="2024-01-10", windows=[5])
    aware = log.assign(date=log["date"].dt.tz_localize("Europe/Paris"))
    pd.testing.assert_frame_equal(churn_features(aware, cutoff="2024-01-10", windows=[5]), expected)
    dates = pl.from_pandas(log).with_columns(pl.col("date").dt.date())
    pd.testing.assert_frame_equal(churn_features(dates, cutoff="2024-01-10", windows=[5]), expected)


def test_bad_engine_inputs_name_the_problem(tmp_path):
    with pytest.raises(DataValidationError, match="no Parquet file at"):
        churn_features(tmp_path / "missing.parquet")
    with pytest.raises(DataValidationError, match="must be a data frame .* got list"):
        churn_features([1, 2, 3])
    lazy = pl.LazyFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [1.0]})
    with pytest.raises(DataValidationError, match="column 'date' has dtype String"):
        churn_features(lazy)
    empty = pl.LazyFrame(
        {"customer_id": [], "date": [], "amount": []},
        schema={"customer_id": pl.String, "date": pl.Datetime, "amount": pl.Float64},
    )
    with pytest.raises(DataValidationError, match="transactions is empty"):
        churn_features(empty)
    mixed = pd.DataFrame(
        {"customer_id": pd.Series([1, "a"], dtype=object), "date": [START, START], "amount": 1.0}
    )
    with pytest.raises(DataValidationError, match="mixes types.*astype\\(str\\)"):
        churn_features(mixed)
    nan = pl.LazyFrame(
        {"customer_id": ["a", "b"], "date": [START, START], "amount": [1.0, float("nan")]}
    )
    with pytest.raises(DataValidationError, match="'amount' has 1 missing value.* out of 2 rows"):
        churn_features(nan)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), cutoff_day=st.integers(30, 250))
def test_nothing_after_the_cutoff_changes_lazy_features(seed, cutoff_day):
    rng = np.random.default_rng(seed)
    n_rows = 300
    log = pl.DataFrame(
        {
            "customer_id": rng.integers(0, 30, n_rows),
            "date": START + pd.to_timedelta(rng.integers(0, 365 * 86400, n_rows), unit="s"),
            "amount": rng.gamma(2.0, 10.0, n_rows).round(2),
            "order_id": rng.integers(0, n_rows // 2, n_rows),
            "product": rng.choice(list("ABCDEFG"), n_rows),
        }
    )
    cutoff = START + pd.Timedelta(days=cutoff_day)
    X, _ = make_churn_dataset(log.lazy(), cutoff=cutoff, horizon=60)
    after = pl.col("date").dt.date() > cutoff.date()
    n_after = log.filter(after).height
    changed = pl.concat(
        [
            log.filter(~after),
            pl.DataFrame(
                {
                    "customer_id": rng.integers(0, 60, n_after),
                    "date": cutoff
                    + pd.to_timedelta(rng.integers(86400, 200 * 86400, n_after), "s"),
                    "amount": rng.gamma(1.0, 100.0, n_after),
                    "order_id": rng.integers(0, 500, n_after),
                    "product": rng.choice(list("PQRS"), n_after),
                }
            ),
        ],
        how="vertical_relaxed",
    ).sample(fraction=1.0, shuffle=True, seed=seed)
    X_changed, _ = make_churn_dataset(changed.lazy(), cutoff=cutoff, horizon=60)
    pd.testing.assert_frame_equal(X_changed, X)


def test_window_sums_are_exact_whatever_the_row_order(log, tmp_path):
    # Spend is added up as whole numbers, so neither the row order nor the engine's way of
    # adding in parallel changes a bit of the window features.
    features = churn_features(log, cutoff=CUTOFF)
    columns = [c for c in features if c.startswith(("amount_", "orders_", "interpurchase_"))]
    shuffled = log.sample(frac=1.0, random_state=5)
    relation = _engines(shuffled, tmp_path)["duckdb"]
    for source in (shuffled, relation):
        pd.testing.assert_frame_equal(
            churn_features(source, cutoff=CUTOFF)[columns], features[columns], check_exact=True
        )
    a = features.loc[features["amount_90d"] > 0].iloc[0]
    lines = log[log["customer_id"] == a.name]
    days = (pd.Timestamp(CUTOFF) - lines["date"].dt.normalize()).dt.days
    assert a["amount_90d"] == pytest.approx(lines.loc[days < 90, "amount"].sum(), abs=1e-9)
