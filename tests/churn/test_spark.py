"""Churn labels and features on a local Spark session equal the pandas path."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analytics.churn.features import make_churn_dataset
from crm_analytics.churn.labels import non_contractual_labels
from crm_analytics.datasets import make_transactions

CUTOFF = "2024-12-31"


pytestmark = [
    # pyspark 4 warns about pandas 3 on every conversion.
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.xdist_group("spark"),
]


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return make_transactions(60, seed=3)[0].drop(columns="quantity")


def test_labels_on_spark_equal_pandas(spark, log):
    expected = non_contractual_labels(log, cutoff=CUTOFF, horizon=90, lookback=365)
    labels = non_contractual_labels(
        spark.createDataFrame(log), cutoff=CUTOFF, horizon=90, lookback=365
    )
    assert len(labels) > 10 and 0 < labels.mean() < 1
    pd.testing.assert_series_equal(labels, expected)


def test_dataset_on_spark_equals_pandas(spark, log):
    expected_X, expected_y = make_churn_dataset(log, cutoff=CUTOFF, horizon=90)
    X, y = make_churn_dataset(spark.createDataFrame(log), cutoff=CUTOFF, horizon=90)
    pd.testing.assert_frame_equal(X, expected_X)
    pd.testing.assert_series_equal(y, expected_y)
