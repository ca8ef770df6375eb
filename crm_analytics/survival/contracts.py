"""Per-customer contract scores as of a date: survival over chosen horizons, expected remaining
periods and contractual lifetime value, from a shifted-beta-geometric retention model.

This is the library side of a contractual scoring step: a customer table with contract start
and end dates goes in, one row per customer comes out (indexed by ``customer_id``). The
retention model is the sBG of Fader and Hardie (2007) or its beta-discrete-Weibull
extension, fitted on every customer's tenure as of the date (one model per segment when
asked, as Fader and Hardie fit their segments), and the value is the expected residual
lifetime value of Fader and Hardie (2010): ``margin * DERL``.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from crm_analytics._checks import check_discount_rate
from crm_analytics._periods import check_period
from crm_analytics.clv.shifted_beta_geo import BetaDiscreteWeibullFitter, ShiftedBetaGeoFitter
from crm_analytics.exceptions import ConvergenceError, DataValidationError
from crm_analytics.schema import CANCEL_DATE, CHURNED, SIGNUP_DATE
from crm_analytics.survival._inputs import groups, margin_column, whole_periods
from crm_analytics.survival.tenure import TENURE, check_tenure_table, contract_tenure

__all__ = ["MODELS", "contract_scores", "fit_retention_models", "retention_scores"]

logger = logging.getLogger(__name__)

MODELS = {"sbg": ShiftedBetaGeoFitter, "bdw": BetaDiscreteWeibullFitter}
# Default span of expected remaining periods: ten years of renewal periods.
_YEARS = 10
_DAYS_PER_YEAR = 365.25
_PER_YEAR = {"M": 12, "Q": 4, "Y": 1}
_DAYS = {"W": 7, "D": 1}


def fit_retention_models(
    table: pd.DataFrame, *, model: str = "sbg", segment: str | None = None
) -> dict[Hashable, ShiftedBetaGeoFitter | BetaDiscreteWeibullFitter]:
    """Fit a contract retention model to a tenure table, one per segment when asked.

    Parameters
    ----------
    table : pandas.DataFrame
        A tenure table (`contract_tenure`, `tenure_table`).
    model : {"sbg", "bdw"}, default "sbg"
        Shifted-beta-geometric or beta-discrete-Weibull.
    segment : str, optional
        Column whose values get a model each (e.g. the contract type or plan).

    Returns
    -------
    dict
        Segment value (``"all"`` without ``segment``) to fitted model.

    Raises
    ------
    ConvergenceError
        If a segment's customers cannot identify the model (nobody left, too few renewals),
        naming the segment.

    Examples
    --------
    >>> from crm_analytics.datasets import make_contracts
    >>> customers = make_contracts(20_000, seed=2, effects={})
    >>> models = fit_retention_models(contract_tenure(customers, as_of="2024-01-01"))
    >>> models["all"].params_.round(1).to_dict()  # simulated with alpha 1.2, beta 12
    {'alpha': 1.2, 'beta': 11.8}
    """
    frame = check_tenure_table(table)
    if model not in MODELS:
        raise DataValidationError(
            f"model must be one of {', '.join(map(repr, MODELS))}, got {model!r}"
        )
    fitted = {}
    for name, rows in groups(frame, segment):
        try:
            fitted[name] = MODELS[model]().fit(rows[TENURE], rows[CHURNED])
        except ConvergenceError as error:
            if segment is None:
                raise
            raise ConvergenceError(
                f"segment {segment}={name!r} ({len(rows)} customers): {error}; merge it with "
                "another segment or score without segment="
            ) from None
    return fitted


def contract_scores(
    customers: pd.DataFrame,
    *,
    as_of: object,
    margin: float | str,
    period: str | int = "M",
    horizons: Sequence[int] = (1, 3, 12),
    discount_rate: float = 0.01,
    model: str = "sbg",
    segment: str | None = None,
    max_periods: int | None = None,
    start: str = SIGNUP_DATE,
    end: str = CANCEL_DATE,
) -> pd.DataFrame:
    """Survival, expected remaining periods and contractual CLV of each customer as of a date.

    The customers' tenures as of ``as_of`` (`contract_tenure`) are scored by
    `retention_scores`: see there for the columns.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer table with ``customer_id``, start and end dates (end missing while active)
        and attributes, e.g. from `crm_analytics.io.read_customers`.
    as_of : date-like
        The scoring date.
    margin : float or str
        Margin (or revenue) per period: one number, or a column of ``customers`` (a monthly
        fee).
    period : {"M", "Q", "Y", "W", "D"} or int, default "M"
        Renewal period (see `contract_tenure`); horizons, tenure and discounting count it.
    horizons : sequence of int, default (1, 3, 12)
        Renewal points ahead for the ``survival_<h>`` columns.
    discount_rate : float, default 0.01
        Discount rate per renewal period.
    model : {"sbg", "bdw"}, default "sbg"
        Retention model (see `fit_retention_models`).
    segment : str, optional
        Column whose values each get their own retention model.
    max_periods : int, optional
        Periods ahead counted by ``expected_remaining_periods``; default ten years of renewal
        periods (120 months, 40 quarters, 10 years, 522 weeks).
    start, end : str, default "signup_date", "cancel_date"
        The columns of the contract dates.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``: ``tenure``, ``churned``, ``survival_<h>`` for each
        horizon, ``expected_remaining_periods``, ``contract_clv``.

    Raises
    ------
    DataValidationError
        If the dates, margin or an argument cannot be used (see `contract_tenure`).
    ConvergenceError
        If the retention model cannot be fitted (nobody left yet, too few renewals).

    Examples
    --------
    >>> from crm_analytics.datasets import make_contracts
    >>> customers = make_contracts(5_000, seed=4)
    >>> scores = contract_scores(customers, as_of="2024-01-01", margin="fee", horizons=[1, 12])
    >>> scores.columns.tolist()
    ['tenure', 'churned', 'survival_1', 'survival_12', 'expected_remaining_periods', 'contract_clv']
    >>> scores.loc[~scores["churned"], ["tenure", "survival_12", "contract_clv"]].head(3).round(2)
                 tenure  survival_12  contract_clv
    customer_id
    K0000001         36          0.8       2663.72
    K0000002         36          0.8        760.80
    K0000003         35          0.8       2208.79
    """
    period = check_period(period)
    table = contract_tenure(customers, as_of=as_of, period=period, start=start, end=end)
    return retention_scores(
        table,
        margin=margin,
        horizons=horizons,
        discount_rate=discount_rate,
        model=model,
        segment=segment,
        max_periods=_ten_years(period) if max_periods is None else max_periods,
    )


def retention_scores(
    table: pd.DataFrame,
    *,
    margin: float | str,
    horizons: Sequence[int] = (1, 3, 12),
    discount_rate: float = 0.01,
    model: str = "sbg",
    segment: str | None = None,
    max_periods: int = 120,
) -> pd.DataFrame:
    """Survival, expected remaining periods and contractual CLV of the customers of a tenure
    table, from a retention model fitted on all of them.

    The retention model (`fit_retention_models`) is fitted on every customer's tenure; then,
    for a customer active with tenure ``n`` (renewals made):

    - ``survival_<h>`` = ``S(n + h) / S(n)``, the probability of still being a customer
      ``h`` renewal points from now;
    - ``expected_remaining_periods`` = ``sum_{j=1..max_periods} S(n + j) / S(n)``, the further
      periods expected to be paid for (capped: the sBG mean lifetime is infinite when
      ``alpha <= 1``, common in practice);
    - ``contract_clv`` = ``margin * DERL(discount_rate | n)`` (Fader and Hardie 2010), the
      discounted value of all further payments, the next one undiscounted (over
      ``max_periods`` when ``discount_rate`` is 0).

    Customers who have left score 0 everywhere.

    Parameters
    ----------
    table : pandas.DataFrame
        A tenure table (`contract_tenure`, `tenure_table`).
    margin : float or str
        Margin per period: one number or a column of ``table``.
    horizons, discount_rate, model, segment
        As for `contract_scores`.
    max_periods : int, default 120
        Periods ahead counted by ``expected_remaining_periods``.

    Returns
    -------
    pandas.DataFrame
        As `contract_scores`.

    Examples
    --------
    >>> from crm_analytics.survival import tenure_table
    >>> table = tenure_table(pd.DataFrame({"customer_id": range(6), "tenure": [1, 1, 2, 3, 4, 5],
    ...                                    "churned": [1, 1, 1, 0, 0, 0]}))
    >>> scores = retention_scores(table, margin=10.0, horizons=[1])
    >>> scores[["churned", "survival_1", "contract_clv"]].round(2)
                 churned  survival_1  contract_clv
    customer_id
    0               True        0.00          0.00
    1               True        0.00          0.00
    2               True        0.00          0.00
    3              False        0.94        547.10
    4              False        0.95        576.40
    5              False        0.96        599.67
    """
    frame = check_tenure_table(table)
    rate = check_discount_rate(discount_rate, per="per-period")
    ahead = whole_periods(horizons, "horizons", minimum=1)
    span = int(whole_periods([max_periods], "max_periods", minimum=1)[0])
    per_period = margin_column(frame, margin)
    models = fit_retention_models(frame, model=model, segment=segment)
    scores = pd.DataFrame(
        0.0,
        index=frame.index,
        columns=[*(f"survival_{h}" for h in ahead), "expected_remaining_periods", "contract_clv"],
    )
    for name, rows in groups(frame, segment):
        fitted = models[name]
        active = rows.index[~rows[CHURNED].to_numpy()]
        if not len(active):
            continue
        reached = rows.loc[active, TENURE].to_numpy(dtype=np.float64)
        for h in ahead:
            scores.loc[active, f"survival_{h}"] = fitted.conditional_survival(h, reached)
        scores.loc[active, "expected_remaining_periods"] = fitted.expected_remaining_lifetime(
            reached, max_periods=span
        )
        derl = fitted.discounted_expected_residual_lifetime(
            reached, discount_rate=rate, max_periods=span if rate == 0 else None
        )
        scores.loc[active, "contract_clv"] = per_period.loc[active].to_numpy() * derl
    logger.info(
        "contract scores: %d customers (%d active), %s model(s): %s",
        len(frame),
        int((~frame[CHURNED]).sum()),
        model,
        {name: fitted.params_.round(4).to_dict() for name, fitted in models.items()},
    )
    return pd.concat([frame[[TENURE, CHURNED]], scores], axis=1)


def _ten_years(period: str | int) -> int:
    if isinstance(period, str) and period in _PER_YEAR:
        return _YEARS * _PER_YEAR[period]
    days = _DAYS[period] if isinstance(period, str) else period
    return max(1, round(_YEARS * _DAYS_PER_YEAR / days))
