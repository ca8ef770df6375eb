"""Distributed scoring on Spark: the fitted models broadcast, customers scored per partition.

Fitting needs only the collapsed summary (:func:`crm_analytics.scale.models.fit_collapsed`
collects a few hundred thousand distinct histories at most), so on Spark the heavy steps are
the summary, which :func:`crm_analytics.summary.rfm_summary` runs in Spark with
``native=True``, and the scoring of every customer, which :func:`score_spark` runs with
``mapInPandas``: each executor gets the models once (a broadcast variable) and scores its
partitions with :func:`crm_analytics.scale.models.clv_scores`, the code the pandas path
runs.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pandas as pd

from crm_analytics.exceptions import DataValidationError
from crm_analytics.scale.models import SCORE_COLUMNS, clv_scores
from crm_analytics.schema import CUSTOMER_ID

__all__ = ["score_spark"]

_NEEDED = [CUSTOMER_ID, "frequency", "recency", "T", "monetary_value"]


def score_spark(
    summary: Any,
    transaction_model: Any,
    spend_model: Any,
    *,
    horizon: int = 12,
    discount_rate: float = 0.01,
    freq: str = "D",
    freq_multiplier: int = 1,
    margin: float = 1.0,
) -> Any:
    """Score every customer of a Spark summary where it lies, with broadcast fitted models.

    Parameters
    ----------
    summary : pyspark.sql.DataFrame
        One row per customer with ``customer_id, frequency, recency, T, monetary_value``, such
        as ``rfm_summary(spark_log, native=True)``. Cache it first when it also served the
        fit, or Spark computes it twice.
    transaction_model, spend_model : fitted models
        From :func:`crm_analytics.scale.models.fit_collapsed` or fitted by hand.
    horizon, discount_rate, freq, freq_multiplier, margin
        As in :func:`crm_analytics.scale.models.clv_scores`.

    Returns
    -------
    pyspark.sql.DataFrame
        Lazy, one row per customer: ``customer_id`` and the columns
        :data:`~crm_analytics.scale.models.SCORE_COLUMNS` (doubles), as
        ``clv_scores`` computes them on pandas.

    Raises
    ------
    DataValidationError
        When ``summary`` lacks one of the columns.

    Examples
    --------
    Needs a Spark session, so not run as a doctest:

    >>> from crm_analytics.scale import scan_parquet
    >>> from crm_analytics.scale.models import fit_collapsed
    >>> from crm_analytics.summary import rfm_summary
    >>> log = scan_parquet("s3://shop/transactions/", engine="spark")  # doctest: +SKIP
    >>> summary = rfm_summary(log, native=True).cache()  # doctest: +SKIP
    >>> models = fit_collapsed(summary)  # doctest: +SKIP
    >>> score_spark(summary, *models).write.parquet("s3://shop/scores/")  # doctest: +SKIP
    """
    missing = [column for column in _NEEDED if column not in summary.columns]
    if missing:
        raise DataValidationError(
            f"summary: column {missing[0]!r} not found; columns present: "
            f"{', '.join(summary.columns)}; build it with "
            "crm_analytics.summary.rfm_summary(spark_log, native=True)"
        )
    options = {
        "horizon": horizon,
        "discount_rate": discount_rate,
        "freq": freq,
        "freq_multiplier": freq_multiplier,
        "margin": margin,
    }
    models = summary.sparkSession.sparkContext.broadcast(
        (_without_data(transaction_model), _without_data(spend_model))
    )

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        transaction, spend = models.value
        for batch in batches:
            scores = clv_scores(batch.set_index(CUSTOMER_ID), transaction, spend, **options)
            yield scores.reset_index()

    id_type = summary.schema[CUSTOMER_ID].dataType.simpleString()
    schema = ", ".join([f"{CUSTOMER_ID} {id_type}", *(f"{name} double" for name in SCORE_COLUMNS)])
    return summary.select(*_NEEDED).mapInPandas(score, schema)


def _without_data(model: Any) -> Any:
    """A copy of a fitted model without the data it was fitted on, which scoring never reads
    and which can be as large as the summary."""
    light = copy.copy(model)
    light.data = None
    return light
