"""Spark: summaries through narwhals equal the pandas path; distributed scoring equals pandas'.

The session fixture ``spark`` (tests/conftest.py) serves the module; everything skips with the
reason when Java or pyspark is missing (install the ``spark`` extra).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crm_analytics.datasets import make_transactions
from crm_analytics.scoring import ScoringConfig
from crm_analytics.summary import calibration_holdout_split, rfm_summary
from tests.scale.test_engines import in_memory_scores

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


def test_batch_job_on_spark_writes_the_scores_score_gives(
    spark, log: pd.DataFrame, tmp_path: Path
) -> None:
    from crm_analytics.scale import score_batch

    # Spark reads microsecond timestamps, not pandas' default nanoseconds.
    log.to_parquet(tmp_path / "log.parquet", coerce_timestamps="us")
    config = ScoringConfig.from_dict(
        {"transactions": {"order_id": "order_id"}, "model": {"models": ["clv"], "clv_months": 6}}
    )
    score_batch(
        tmp_path / "log.parquet", tmp_path / "scores", config=config, engine="spark", spark=spark
    )
    written = pd.read_parquet(tmp_path / "scores").set_index("customer_id").sort_index()
    expected = in_memory_scores(log, clv_months=6)
    pd.testing.assert_frame_equal(
        written[expected.columns], expected, check_dtype=False, check_names=False, rtol=1e-9
    )


def test_cli_batch_on_spark_writes_a_folder_of_the_scores_score_gives(
    spark, log: pd.DataFrame, tmp_path: Path
) -> None:
    from crm_analytics import cli

    log.to_parquet(tmp_path / "log.parquet", coerce_timestamps="us")
    arguments = ["batch", "--transactions", tmp_path / "log.parquet", "--engine", "spark"]
    arguments += ["--transactions-order-id", "order_id"]
    code = cli.main([str(a) for a in [*arguments, "--output-dir", tmp_path / "out"]])
    assert code == 0
    written = pd.read_parquet(tmp_path / "out" / "scores.parquet")
    expected = in_memory_scores(log)
    pd.testing.assert_frame_equal(
        written.set_index("customer_id").sort_index()[expected.columns],
        expected,
        check_dtype=False,
        check_names=False,
        rtol=1e-9,
    )
