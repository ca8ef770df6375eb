"""Each customer's latest satisfaction and its trend as of a cutoff: churn features."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from crm_analytics._checks import (
    require_columns,
    require_datetime,
    require_frame,
)
from crm_analytics._dates import to_timestamp, wall_clock
from crm_analytics.exceptions import DataValidationError
from crm_analytics.io.surveys import Survey
from crm_analytics.satisfaction.index import OVERALL, satisfaction_index
from crm_analytics.schema import CUSTOMER_ID, DATE

__all__ = ["satisfaction_features"]

_DAY = pd.Timedelta(days=1)


def satisfaction_features(
    responses: pd.DataFrame | Survey,
    *,
    cutoff: object,
    items: Sequence[Hashable] | Mapping[Hashable, str] | None = None,
    expectations: Mapping[Hashable, Hashable] | None = None,
    importance: str | Mapping[Hashable, object] | None = None,
    overall: Hashable | None = None,
    recommend: Hashable | None = None,
    complaint: Hashable | None = None,
    form: str | None = None,
    scale: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Per customer, the latest satisfaction scores and their trend, as known on ``cutoff``.

    Only responses dated on or before the cutoff day count, so the features are as free of
    leaks as :func:`crm_analytics.churn.churn_features`: join them to the churn features as
    customer attributes (``make_churn_dataset(transactions, customers=features, ...)``).
    Each response's index is :func:`satisfaction_index` at ``level="response"``.

    Parameters
    ----------
    responses : pandas.DataFrame or Survey
        Survey responses with ``customer_id`` and ``date``; a :class:`Survey` from
        :func:`read_survey` also gives the defaults of the column roles below.
    cutoff : date-like
        The "as of" day; responses on that day count.
    items, expectations, importance, form, scale
        As for :func:`satisfaction_index` (``items`` required with a plain DataFrame;
        ``scale`` defaults to (1, 5) there).
    overall, recommend, complaint : column name, optional
        Overall-satisfaction answer, 0-10 likelihood to recommend and complaint flag.

    Returns
    -------
    pandas.DataFrame
        One row per customer with a response by the cutoff, indexed by ``customer_id``
        (customers without one have no row, so a join leaves their features missing, which
        the churn model reads as "never surveyed"):

        - ``satisfaction_latest``: the overall index of the latest response (that answered
          any item);
        - ``satisfaction_{dimension}_latest``: each dimension's, when there are several;
        - ``satisfaction_mean``: the mean overall index of all the responses so far;
        - ``satisfaction_change``: latest minus the previous response's overall index
          (missing with a single response: no trend is known);
        - ``satisfaction_n_surveys`` and ``satisfaction_days_since`` (days from the latest
          response to the cutoff);
        - ``satisfaction_overall_latest``, ``satisfaction_recommend_latest`` (the latest
          answers) and ``satisfaction_complaints`` (complaints so far), when those columns
          are given.

        These are the columns a scoring step adds.

    Raises
    ------
    DataValidationError
        Missing columns, dates that are not dates, a cutoff that is not a date, or no
        response on or before the cutoff.

    Examples
    --------
    >>> responses = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "a"],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-02-10", "2024-06-01"]),
    ...     "speed": [5, 3, 4, 1], "staff": [5, 2, 4, 1]})
    >>> features = satisfaction_features(responses, cutoff="2024-03-31",
    ...                                  items=["speed", "staff"])
    >>> features[["satisfaction_latest", "satisfaction_change", "satisfaction_n_surveys"]]
                 satisfaction_latest  satisfaction_change  satisfaction_n_surveys
    customer_id
    a                           37.5                -62.5                       2
    b                           75.0                  NaN                       1
    """
    if isinstance(responses, Survey):
        survey = responses
        responses = survey.responses
        items = survey.items if items is None else items
        expectations = (survey.expectations or None) if expectations is None else expectations
        overall = survey.overall if overall is None else overall
        recommend = survey.recommend if recommend is None else recommend
        complaint = survey.complaint if complaint is None else complaint
        scale = survey.scale if scale is None else scale
    if items is None:
        raise DataValidationError(
            "items= is needed with a DataFrame of responses (the satisfaction questions); "
            "or pass the Survey returned by read_survey"
        )
    responses = require_frame(responses, name="responses")
    require_columns(
        responses,
        [CUSTOMER_ID, DATE],
        name="responses",
        fix="load the survey with crm_analytics.satisfaction.read_survey",
    )
    require_datetime(responses, DATE, name="responses")
    cutoff = to_timestamp(cutoff, name="cutoff").normalize()
    responses = responses.assign(**{DATE: wall_clock(responses[DATE])})
    known = responses[(responses[DATE] < cutoff + _DAY).to_numpy()]
    if known.empty:
        raise DataValidationError(
            f"no response is dated on or before cutoff {cutoff.date()} (the first is on "
            f"{responses[DATE].min()}); choose a later cutoff"
        )
    known = known.sort_values([CUSTOMER_ID, DATE], kind="stable")
    indices = satisfaction_index(
        known,
        items=items,
        expectations=expectations,
        importance=importance,
        overall=overall,
        form=form,
        scale=(1, 5) if scale is None else scale,
        level="response",
    )
    customer = known[CUSTOMER_ID]
    score = indices[OVERALL]
    by_customer = score.groupby(customer, sort=True)
    features = pd.DataFrame(
        {
            "satisfaction_latest": by_customer.last(),
            "satisfaction_mean": by_customer.mean(),
        }
    )
    previous = score.groupby(customer).shift(1)
    change = (score - previous).groupby(customer).last()
    features["satisfaction_change"] = change.where(by_customer.count() > 1)
    if indices.shape[1] > 2:
        for dimension in indices.columns.drop(OVERALL):
            features[f"satisfaction_{dimension}_latest"] = (
                indices[dimension].groupby(customer).last()
            )
    features["satisfaction_n_surveys"] = customer.groupby(customer).size().astype("int64")
    last_date = known[DATE].groupby(customer).max()
    features["satisfaction_days_since"] = (cutoff - last_date.dt.normalize()).dt.days.astype(
        np.float64
    )
    latest_rows = known.groupby(CUSTOMER_ID, sort=True).tail(1).set_index(CUSTOMER_ID)
    for name, column in (("overall", overall), ("recommend", recommend)):
        if column is not None:
            features[f"satisfaction_{name}_latest"] = latest_rows[column].astype(np.float64)
    if complaint is not None:
        flags = known[complaint].astype("boolean").fillna(False).astype(np.int64)
        features["satisfaction_complaints"] = flags.groupby(customer).sum().astype(np.float64)
    features.index.name = CUSTOMER_ID
    return features
