"""Customer lifecycle stages: prospect, new, active, at risk, reactivated, lost."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from crm_analytics import _checks as shared_checks
from crm_analytics._dates import day_number, to_timestamp, wall_clock
from crm_analytics._params import Rule, Rules
from crm_analytics.exceptions import DataValidationError
from crm_analytics.log import as_log
from crm_analytics.schema import CUSTOMER_ID, SIGNUP_DATE
from crm_analytics.segmentation import _checks

__all__ = ["LIFECYCLE_RULES", "LIFECYCLE_STAGES", "lifecycle_stages"]

logger = logging.getLogger(__name__)

LIFECYCLE_STAGES = ("prospect", "new", "active", "at risk", "reactivated", "lost")
#: The rules of the lifecycle parameters (the scoring configuration checks its keys with them).
LIFECYCLE_RULES = Rules(
    {
        "new_days": Rule(float, low=0, closed="neither", example="90"),
        "lost_days": Rule(float, low=0, closed="neither", example="365"),
        "at_risk_multiplier": Rule(float, low=0, closed="neither", example="2.0"),
        "min_repeats": Rule(int, low=1, example="2"),
        "p_alive_threshold": Rule(float, low=0, high=1, closed="neither", example="0.5"),
    },
    joint=(
        lambda values: (
            None
            if values["new_days"] <= values["lost_days"]
            else f"new_days ({values['new_days']}) must not exceed lost_days "
            f"({values['lost_days']}); a customer cannot be new and lost at once"
        ),
    ),
)
_DAY = pd.Timedelta(days=1)


def lifecycle_stages(
    summary: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    *,
    as_of: object = None,
    transactions: Any = None,
    previous_stages: pd.Series | pd.DataFrame | None = None,
    new_days: float = 90,
    lost_days: float = 365,
    at_risk_multiplier: float = 2.0,
    min_repeats: int = 2,
    clv_model: Any = None,
    p_alive: pd.Series | None = None,
    p_alive_threshold: float = 0.5,
) -> pd.DataFrame:
    """Place every customer in one lifecycle stage as of a date.

    Rules, first match wins (days are calendar days before ``as_of``):

    1. ``prospect``: in ``customers`` (signed up by ``as_of``) but no purchase.
    2. ``lost`` (churned): no purchase for more than ``lost_days``.
    3. ``new``: first purchase within the last ``new_days``.
    4. ``reactivated``: came back after a lapse, and the return is recent. Detecting a
       return needs history the summary does not keep, so give either ``transactions``
       (a purchase within the last ``new_days`` that followed a gap of more than
       ``lost_days``) or ``previous_stages`` (the customer was ``lost`` at the previous
       run and is not lost now); with neither, nobody is reactivated.
    5. ``at risk``: with ``clv_model`` or ``p_alive``, P(alive) below ``p_alive_threshold``;
       otherwise the days since the last purchase exceed ``at_risk_multiplier`` times the
       customer's typical inter-purchase time: their own mean gap between purchase
       periods, ``(last_purchase - first_purchase) / frequency``, once they have at least
       ``min_repeats`` repeat purchases, else the median of those own gaps across
       customers (a population default for one-time and young customers).
    6. ``active``: everyone else.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``rfm_summary`` output: ``first_purchase``, ``last_purchase`` and ``frequency``
        (plus ``recency`` and ``T`` with ``clv_model``).
    customers : pandas.DataFrame, optional
        Customer table (``customer_id`` column or index; ``signup_date`` optional); those
        without purchases become prospects.
    as_of : date-like, optional
        Reference date; defaults to the summary's observation end (``last_purchase +
        days_since_last_purchase``, or the latest purchase). Later purchases are ignored.
    transactions : TransactionLog or DataFrame, optional
        Transaction log (``customer_id``, ``date``) to detect reactivation.
    previous_stages : pandas.Series or pandas.DataFrame, optional
        ``stage`` of an earlier run of this function, indexed by customer_id.
    new_days, lost_days : float, default 90 and 365
        Windows for new and lost (and for a recent return).
    at_risk_multiplier : float, default 2.0
        How many typical gaps of silence make a customer at risk.
    min_repeats : int, default 2
        Repeat purchases needed before a customer's own mean gap is trusted.
    clv_model : object, optional
        Fitted model with lifetimes' ``conditional_probability_alive(frequency, recency,
        T)`` (lifetimes or crm_analytics.clv fitters), fitted in the summary's time unit.
    p_alive : pandas.Series, optional
        P(alive) per customer instead of ``clv_model``.
    p_alive_threshold : float, default 0.5

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id: ``stage`` (categorical, ordered as LIFECYCLE_STAGES),
        ``days_since_first_purchase``, ``days_since_last_purchase`` and the at-risk
        evidence, ``typical_gap_days`` or ``p_alive`` (NaN for prospects, who have no
        purchase).

    Examples
    --------
    >>> summary = pd.DataFrame(
    ...     {"first_purchase": pd.to_datetime(["2024-01-01", "2024-11-20", "2023-01-01",
    ...                                        "2023-06-01", "2022-01-01"]),
    ...      "last_purchase": pd.to_datetime(["2024-12-01", "2024-11-20", "2024-12-20",
    ...                                       "2024-06-01", "2023-01-01"]),
    ...      "frequency": [11, 0, 23, 12, 3]},
    ...     index=pd.Index(["a", "b", "c", "d", "e"], name="customer_id"))
    >>> customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e", "f"]})
    >>> lifecycle_stages(summary, customers, as_of="2024-12-31")["stage"].tolist()
    ['active', 'new', 'active', 'at risk', 'lost', 'prospect']
    """
    frame = _checks.customer_frame(
        summary, ["first_purchase", "last_purchase", "frequency"], name="summary"
    )
    _check_parameters(new_days, lost_days, at_risk_multiplier, min_repeats, p_alive_threshold)
    as_of_date = _as_of(frame, as_of)
    # Days are counted on the wall clock (see crm_analytics._dates).
    frame = frame.assign(
        first_purchase=wall_clock(frame["first_purchase"]),
        last_purchase=wall_clock(frame["last_purchase"]),
    )
    days_since_first = (as_of_date - frame["first_purchase"]) / _DAY
    days_since_last = (as_of_date - frame["last_purchase"]) / _DAY
    evidence = pd.DataFrame(
        {"days_since_first_purchase": days_since_first, "days_since_last_purchase": days_since_last}
    )
    alive = _p_alive(frame, clv_model, p_alive)
    if alive is None:
        typical_gap = _typical_gap_days(frame, min_repeats, new_days)
        evidence["typical_gap_days"] = typical_gap
        at_risk = days_since_last > at_risk_multiplier * typical_gap
    else:
        evidence["p_alive"] = alive
        at_risk = alive < p_alive_threshold
    returned = _reactivated(frame, as_of_date, transactions, previous_stages, new_days, lost_days)
    lost = days_since_last > lost_days
    conditions = [lost, days_since_first <= new_days, returned & ~lost, at_risk]
    stage_names = ["lost", "new", "reactivated", "at risk"]
    codes = np.select(
        [np.asarray(condition, dtype=bool) for condition in conditions],
        [LIFECYCLE_STAGES.index(name) for name in stage_names],
        default=LIFECYCLE_STAGES.index("active"),
    )
    evidence.insert(0, "stage", _stage_categorical(codes))
    prospects = _prospects(customers, frame.index, as_of_date)
    if len(prospects):
        prospect_rows = pd.DataFrame(
            {"stage": _stage_categorical(np.zeros(len(prospects), dtype=np.int64))},
            index=prospects,
        )
        evidence = pd.concat([evidence, prospect_rows])
    evidence.index.name = CUSTOMER_ID
    logger.debug("lifecycle stages as of %s: %s", as_of_date, evidence["stage"].value_counts())
    return evidence


def _stage_categorical(codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=list(LIFECYCLE_STAGES), ordered=True)


def _check_parameters(
    new_days: float,
    lost_days: float,
    at_risk_multiplier: float,
    min_repeats: int,
    p_alive_threshold: float,
) -> None:
    LIFECYCLE_RULES.check(
        {
            "new_days": new_days,
            "lost_days": lost_days,
            "at_risk_multiplier": at_risk_multiplier,
            "min_repeats": min_repeats,
            "p_alive_threshold": p_alive_threshold,
        }
    )


def _as_of(frame: pd.DataFrame, as_of: object) -> pd.Timestamp:
    for column in ("first_purchase", "last_purchase"):
        shared_checks.require_datetime(frame, column, name="summary")
    shared_checks.require_no_missing(frame, ["first_purchase", "last_purchase"], name="summary")
    reversed_dates = (frame["last_purchase"] < frame["first_purchase"]).to_numpy()
    if reversed_dates.any():
        raise DataValidationError(
            f"summary: {int(reversed_dates.sum())} customer(s) have last_purchase before "
            f"first_purchase (e.g. {frame.index[reversed_dates][:3].tolist()}); the two "
            "columns are probably swapped or corrupt: rebuild the summary with "
            "crm_analytics.summary.rfm_summary"
        )
    if as_of is None:
        end = wall_clock(frame["last_purchase"])
        if "days_since_last_purchase" in frame.columns:
            end = end + pd.to_timedelta(frame["days_since_last_purchase"], unit="D")
        return end.max()
    as_of_date = to_timestamp(as_of, name="as_of")
    early = (wall_clock(frame["first_purchase"]) > as_of_date).to_numpy()
    if early.any():
        raise DataValidationError(
            f"summary: {int(early.sum())} customer(s) first bought after as_of={as_of_date.date()} "
            f"(e.g. {frame.index[early][:3].tolist()}); build the summary with "
            "observation_end=as_of or pass a later as_of"
        )
    later = (wall_clock(frame["last_purchase"]) > as_of_date).to_numpy()
    if later.any():
        raise DataValidationError(
            f"summary: {int(later.sum())} customer(s) bought after as_of={as_of_date.date()} "
            f"(e.g. {frame.index[later][:3].tolist()}); rebuild the summary with "
            "rfm_summary(..., observation_end=as_of) so it holds only purchases up to as_of"
        )
    return as_of_date


def _typical_gap_days(frame: pd.DataFrame, min_repeats: int, new_days: float) -> pd.Series:
    frequency = _checks.numeric_values(frame, "frequency", name="summary")
    span_days = ((frame["last_purchase"] - frame["first_purchase"]) / _DAY).to_numpy()
    trusted = frequency >= min_repeats
    own_gap = np.divide(span_days, frequency, out=np.full(frequency.size, np.nan), where=trusted)
    if trusted.any():
        fallback = float(np.median(own_gap[trusted]))
    else:
        fallback = float(new_days)
        warnings.warn(
            f"no customer has {min_repeats} or more repeat purchases, so the typical gap "
            f"between purchases falls back to new_days={new_days}; lower min_repeats or "
            "pass a clv_model for a better at-risk rule",
            stacklevel=3,
        )
    return pd.Series(np.where(trusted, own_gap, fallback), index=frame.index)


def _p_alive(frame: pd.DataFrame, clv_model: Any, p_alive: pd.Series | None) -> pd.Series | None:
    if clv_model is not None and p_alive is not None:
        raise DataValidationError("give clv_model or p_alive, not both")
    if clv_model is not None:
        if not callable(getattr(clv_model, "conditional_probability_alive", None)):
            raise DataValidationError(
                f"clv_model ({type(clv_model).__name__}) has no conditional_probability_alive"
                "(frequency, recency, T) method; pass a fitted BetaGeoFitter-like model or "
                "p_alive"
            )
        _checks.customer_frame(frame, ["frequency", "recency", "T"], name="summary")
        arguments = [
            _checks.numeric_values(frame, column, name="summary")
            for column in ("frequency", "recency", "T")
        ]
        values = np.asarray(clv_model.conditional_probability_alive(*arguments), dtype="float64")
        p_alive = (
            pd.Series(values.reshape(-1), index=frame.index) if values.size == len(frame) else None
        )
        if p_alive is None:
            raise DataValidationError(
                f"clv_model.conditional_probability_alive returned {values.size} values for "
                f"{len(frame)} customers"
            )
    if p_alive is None:
        return None
    checked = _checks.aligned_values(
        p_alive,
        frame.index,
        name="p_alive",
        of="the summary",
        fix="give P(alive) for every customer",
        allow_negative=True,
    )
    outside = ((checked < 0) | (checked > 1)).to_numpy()
    if outside.any():
        raise DataValidationError(
            f"p_alive has {int(outside.sum())} value(s) outside [0, 1] (customers "
            f"{checked.index[outside][:3].tolist()}); pass probabilities of being alive, "
            "e.g. a fitted model's conditional_probability_alive"
        )
    return checked


def _reactivated(
    frame: pd.DataFrame,
    as_of_date: pd.Timestamp,
    transactions: Any,
    previous_stages: pd.Series | pd.DataFrame | None,
    new_days: float,
    lost_days: float,
) -> np.ndarray:
    returned = np.zeros(len(frame), dtype=bool)
    if transactions is not None:
        returned |= frame.index.isin(_recent_returns(transactions, as_of_date, new_days, lost_days))
    if previous_stages is not None:
        previous = _previous_stage_series(previous_stages)
        returned |= (previous.reindex(frame.index) == "lost").to_numpy()
    return returned


def _previous_stage_series(previous_stages: object) -> pd.Series:
    if isinstance(previous_stages, pd.DataFrame):
        frame = _checks.customer_frame(previous_stages, ["stage"], name="previous_stages")
        previous = frame["stage"]
    else:
        previous = previous_stages
    if not isinstance(previous, pd.Series):
        raise DataValidationError(
            "previous_stages must be the stage Series (or frame) of an earlier "
            f"lifecycle_stages call, got {type(previous_stages).__name__}"
        )
    _checks.unique_ids(previous.index, name="previous_stages")
    return previous


def _recent_returns(
    transactions: object, as_of_date: pd.Timestamp, new_days: float, lost_days: float
) -> pd.Index:
    """Customers whose latest return after a gap of more than ``lost_days`` is recent."""
    log = as_log(transactions, amount=None, order_id=None, product=None, quantity=None)
    return log.recent_returns(
        until=day_number(as_of_date, name="as_of"), gap_days=lost_days, within_days=new_days
    )


def _prospects(
    customers: pd.DataFrame | None, buyers: pd.Index, as_of_date: pd.Timestamp
) -> pd.Index:
    if customers is None:
        return pd.Index([], name=CUSTOMER_ID)
    table = _checks.customer_frame(customers, name="customers")
    if table.index.name != CUSTOMER_ID:
        raise DataValidationError(
            f"customers: column {CUSTOMER_ID!r} not found and the index is not named "
            f"{CUSTOMER_ID!r} ({len(table)} rows); without ids every row would be a "
            f"prospect: add the ids, e.g. customers.rename(columns={{'id': {CUSTOMER_ID!r}}}) "
            f"or customers.rename_axis({CUSTOMER_ID!r})"
        )
    _checks.same_id_type(table.index, buyers, name="customers", reference_name="summary")
    if SIGNUP_DATE in table.columns:
        signup = _signup_dates(table)
        table = table.loc[~(signup > as_of_date)]
    return table.index[~table.index.isin(buyers)]


def _signup_dates(table: pd.DataFrame) -> pd.Series:
    try:
        signup = wall_clock(pd.to_datetime(table[SIGNUP_DATE]))
    except (TypeError, ValueError) as error:
        raise DataValidationError(
            f"customers: column {SIGNUP_DATE!r} holds values that are not dates ({error}); "
            "convert it with pandas.to_datetime(..., errors='coerce') first"
        ) from None
    return signup
