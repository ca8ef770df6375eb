"""Spark: summaries through narwhals equal the pandas path; distributed scoring equals pandas'.

The session fixture ``spark`` (tests/conftest.py) serves the module; everything skips with the
reason when Java or pyspark is missing (install the ``spark`` extra).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crm_analytics.datasets import make_transactions
from crm_analytics.scale.models import clv_scores, fit_collapsed
from crm_analytics.summary import calibration_holdout_split, rfm_summary

pytestmark = [
    # pyspark 4 warns about pandas 3 on every conversion.
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
    # With pytest-xdist's --dist loadgroup, one worker runs them all: one Spark session.
    pytest.mark.xdist_group("spark"),
]


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    transactions, _ = make_transactions(300, seed=5)
    return transactions[["customer_id", "date", "amount", "order_id"]]


@pytest.fixture(scope="module")
def spark_log(spark, log: pd.DataFrame):
    return spark.createDataFrame(log).cache()


def test_summary_on_spark_equals_the_pandas_path(log: pd.DataFrame, spark_log) -> None:
    for freq in ("D", "W"):
        expected = rfm_summary(log, freq=freq, observation_end="2025-03-31")
        result = rfm_summary(spark_log, freq=freq, observation_end="2025-03-31")
        pd.testing.assert_frame_equal(result, expected, check_dtype=False)


def test_split_on_spark_equals_the_pandas_path(log: pd.DataFrame, spark_log) -> None:
    expected = calibration_holdout_split(log, "2024-09-30")
    result = calibration_holdout_split(spark_log, "2024-09-30")
    pd.testing.assert_frame_equal(result, expected, check_dtype=False)


def test_distributed_scoring_equals_pandas_scoring(log: pd.DataFrame, spark_log) -> None:
    from crm_analytics.scale.spark import score_spark

    summary = rfm_summary(spark_log, native=True).cache()
    transaction_model, spend_model = fit_collapsed(summary)
    expected_models = fit_collapsed(rfm_summary(log))
    pd.testing.assert_series_equal(transaction_model.params_, expected_models[0].params_, rtol=1e-6)
    scores = score_spark(summary, transaction_model, spend_model, horizon=6).toPandas()
    expected = clv_scores(rfm_summary(log), *expected_models, horizon=6)
    pd.testing.assert_frame_equal(
        scores.set_index("customer_id").sort_index(), expected, check_names=False, rtol=1e-6
    )
    assert expected["clv"].gt(0).all()


def test_batch_job_on_spark_writes_the_pandas_scores(
    spark, log: pd.DataFrame, tmp_path: Path
) -> None:
    from crm_analytics.scale.batch import clv_batch

    # Spark reads microsecond timestamps, not pandas' default nanoseconds.
    log.to_parquet(tmp_path / "log.parquet", coerce_timestamps="us")
    clv_batch(tmp_path / "log.parquet", tmp_path / "scores", engine="spark", horizon=6, spark=spark)
    written = pd.read_parquet(tmp_path / "scores").set_index("customer_id").sort_index()
    summary = rfm_summary(log)
    expected = summary.join(clv_scores(summary, *fit_collapsed(summary), horizon=6))
    pd.testing.assert_frame_equal(
        written[expected.columns], expected, check_dtype=False, check_names=False, rtol=1e-6
    )


def test_cli_batch_on_spark_writes_a_folder_of_the_pandas_scores(
    spark, log: pd.DataFrame, tmp_path: Path
) -> None:
    from crm_analytics import cli

    log.to_parquet(tmp_path / "log.parquet", coerce_timestamps="us")
    arguments = ["batch", "--transactions", tmp_path / "log.parquet", "--engine", "spark"]
    code = cli.main([str(a) for a in [*arguments, "--output-dir", tmp_path / "out"]])
    assert code == 0
    written = pd.read_parquet(tmp_path / "out" / "scores.parquet")
    summary = rfm_summary(log)
    expected = summary.join(clv_scores(summary, *fit_collapsed(summary)))
    pd.testing.assert_frame_equal(
        written.set_index("customer_id").sort_index()[expected.columns],
        expected,
        check_dtype=False,
        check_names=False,
        rtol=1e-6,
    )
