"""Churn labels for both kinds of business, and the definition stored with a model.

Non-contractual (shops): nobody cancels, customers just stop buying. At a cutoff date, a
customer who bought in the lookback window before it is labelled churned (1) when they make
no purchase in the following horizon, else retained (0). Dates are calendar days: a purchase
on the cutoff day belongs to the history, the horizon is the days after it.

Contractual (subscriptions, telecom, banks): the customer table says who left, either as a
cancel date (churned when it falls within the horizon after the cutoff, among customers still
active at the cutoff) or as a ``churned`` flag recorded at a snapshot.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from crm_analytics._dates import day_number, day_numbers, day_text, to_whole_days
from crm_analytics.churn._inputs import check_customers, churn_flag, transaction_log
from crm_analytics.exceptions import DataValidationError
from crm_analytics.log import TransactionLog
from crm_analytics.schema import CANCEL_DATE, CHURNED, CUSTOMER_ID, SIGNUP_DATE

__all__ = ["LabelDefinition", "contractual_labels", "non_contractual_labels"]

LABEL = "churned"


@dataclass(frozen=True)
class LabelDefinition:
    """What "churned" meant when a dataset was built: stored with every model trained on it.

    Parameters
    ----------
    kind : {"non_contractual", "contractual"}
        The kind of business the label describes.
    source : {"transactions", "cancel_date", "churned"}
        Where the label comes from: absence of purchases, the cancel date, or the churn flag.
    cutoffs : tuple of str
        The cutoff dates (ISO) the labels were taken at; empty for a snapshot flag.
    horizon_days : int or None
        Days after the cutoff in which a purchase (or a cancellation) is looked for.
    lookback_days : int or None
        Days before the cutoff in which a customer must have bought to be labelled;
        None means any purchase up to the cutoff.

    Examples
    --------
    >>> definition = LabelDefinition("non_contractual", "transactions", ("2011-09-01",), 90, 180)
    >>> print(definition.describe())
    churned = no purchase in the 90 days after the cutoff (2011-09-01), among customers who bought in the 180 days up to it
    >>> LabelDefinition.from_dict(definition.to_dict()) == definition
    True
    """

    kind: str
    source: str
    cutoffs: tuple[str, ...] = ()
    horizon_days: int | None = None
    lookback_days: int | None = None

    def describe(self) -> str:
        """The definition in one plain sentence."""
        when = f"the cutoff ({', '.join(self.cutoffs)})" if self.cutoffs else "the snapshot"
        if self.source == "transactions":
            among = (
                f"customers who bought in the {self.lookback_days} days up to it"
                if self.lookback_days is not None
                else "customers who bought at any time up to it"
            )
            return (
                f"churned = no purchase in the {self.horizon_days} days after {when}, among {among}"
            )
        if self.source == "cancel_date":
            return (
                f"churned = cancelled within the {self.horizon_days} days after {when}, "
                "among customers active at it"
            )
        return f"churned = the customer table's 'churned' flag at {when}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = asdict(self)
        data["cutoffs"] = list(self.cutoffs)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabelDefinition:
        """Rebuild a definition saved with :meth:`to_dict`."""
        return cls(**{**data, "cutoffs": tuple(data.get("cutoffs", ()))})


def non_contractual_labels(
    transactions: Any,
    *,
    cutoff: object,
    horizon: int | str | pd.Timedelta,
    lookback: int | str | pd.Timedelta | None = None,
    observation_end: object = None,
) -> pd.Series:
    """Label customers churned when they make no purchase in the horizon after the cutoff.

    Parameters
    ----------
    transactions : DataFrame or path
        Canonical transaction log (``customer_id``, ``date``, ``amount``), e.g. from
        :func:`crm_analytics.io.read_transactions`: pandas, Polars (eager or lazy), PyArrow,
        a DuckDB relation, a PySpark DataFrame or a Parquet path; the work runs in its engine.
        Every row counts as activity.
    cutoff : date-like
        The day the prediction is made; its purchases belong to the history.
    horizon : int, str or pandas.Timedelta
        Days after the cutoff in which a purchase keeps a customer "retained".
    lookback : int, str or pandas.Timedelta, optional
        Only customers who bought in this many days up to the cutoff are labelled;
        default: everyone who bought at any time up to the cutoff.
    observation_end : date-like, optional
        Last day the log is complete for; default: the last date in the log.
        The horizon must end on or before it, otherwise customers would look churned
        only because the log stops.

    Returns
    -------
    pandas.Series
        ``churned`` (int8, 1 = churned) indexed by ``customer_id``.
        :func:`~crm_analytics.churn.make_churn_dataset` also gives the
        :class:`LabelDefinition` to store with a model.

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c"],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-01-20", "2024-04-15"]),
    ...     "amount": [10.0, 12.0, 8.0, 5.0],
    ... })
    >>> non_contractual_labels(log, cutoff="2024-01-31", horizon=60).to_dict()
    {'a': 0, 'b': 1}
    """
    log = transaction_log(transactions)
    cutoff_day = day_number(cutoff, name="cutoff")
    horizon_days = to_whole_days(horizon, name="horizon")
    lookback_days = None if lookback is None else to_whole_days(lookback, name="lookback")
    end_day = (
        log.last_day
        if observation_end is None
        else day_number(observation_end, name="observation_end")
    )
    population, churned = labels_from_log(
        log,
        cutoff_day=cutoff_day,
        horizon_days=horizon_days,
        lookback_days=lookback_days,
        end_day=end_day,
    )
    return label_series(churned, population)


def contractual_labels(
    customers: pd.DataFrame,
    *,
    cutoff: object = None,
    horizon: int | str | pd.Timedelta | None = None,
    observation_end: object = None,
) -> pd.Series:
    """Label customers of a contract business from their cancel date or churn flag.

    With a ``cancel_date`` column and a cutoff, the customers active at the cutoff (signed up
    on or before it when ``signup_date`` is given, not cancelled on or before it) are labelled
    churned when they cancel within ``horizon`` days after it. Otherwise the ``churned``
    column is the label (a snapshot: the flag as recorded when the table was exported), for
    the customers signed up by the cutoff when both are given.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer table with ``customer_id`` (column or index) and ``cancel_date`` and/or
        ``churned``, e.g. from :func:`crm_analytics.io.read_customers`.
    cutoff : date-like, optional
        The day the prediction is made. Required for cancel-date labels.
    horizon : int, str or pandas.Timedelta, optional
        Days after the cutoff in which a cancellation counts. Required for cancel-date labels;
        not allowed with the snapshot flag.
    observation_end : date-like, optional
        Last day the table is complete for; default: its latest signup or cancel date.

    Returns
    -------
    pandas.Series
        ``churned`` (int8) indexed by ``customer_id``.

    Examples
    --------
    >>> table = pd.DataFrame({
    ...     "customer_id": [1, 2, 3, 4],
    ...     "signup_date": pd.to_datetime(["2023-01-01", "2023-06-01", "2024-02-01", "2023-03-01"]),
    ...     "cancel_date": pd.to_datetime(["2024-02-15", None, None, "2023-12-01"]),
    ... })
    >>> contractual_labels(table, cutoff="2024-01-01", horizon=90, observation_end="2024-06-30").to_dict()
    {1: 1, 2: 0}
    """
    table = check_customers(customers)
    cutoff_day = None if cutoff is None else day_number(cutoff, name="cutoff")
    horizon_days = None if horizon is None else to_whole_days(horizon, name="horizon")
    end_day = (
        None if observation_end is None else day_number(observation_end, name="observation_end")
    )
    ids, churned, _ = contractual_from_table(
        table, cutoff_day=cutoff_day, horizon_days=horizon_days, end_day=end_day
    )
    return label_series(churned, ids)


def label_series(churned: np.ndarray, ids: pd.Index) -> pd.Series:
    """The label vector as a named Series."""
    return pd.Series(churned.astype(np.int8), index=pd.Index(ids, name=CUSTOMER_ID), name=LABEL)


def check_window(
    *, cutoff_day: int, horizon_days: int | None, first_day: int | None, end_day: int, what: str
) -> None:
    """Raise unless the cutoff lies inside the data and the horizon ends by ``end_day``."""
    latest = end_day - (horizon_days or 0)
    choose = (
        f"choose a cutoff between {day_text(first_day)} and {day_text(latest)}"
        if first_day is not None and latest >= first_day
        else f"choose a cutoff on or before {day_text(latest)}"
    )
    if horizon_days is not None:
        choose += f" (the last date minus the {horizon_days}-day horizon)"
    if first_day is not None and cutoff_day < first_day:
        raise DataValidationError(
            f"cutoff {day_text(cutoff_day)} is outside the data range: it is before the first "
            f"date in the {what} ({day_text(first_day)}), so nobody has any history; {choose}"
        )
    if cutoff_day >= end_day:
        raise DataValidationError(
            f"cutoff {day_text(cutoff_day)} is outside the data range: it is not before the last "
            f"date in the {what} ({day_text(end_day)}), so there is no future to label; {choose}"
        )
    if horizon_days is not None and cutoff_day + horizon_days > end_day:
        raise DataValidationError(
            f"the {horizon_days}-day horizon from cutoff {day_text(cutoff_day)} runs to "
            f"{day_text(cutoff_day + horizon_days)}, past the last date in the {what} "
            f"({day_text(end_day)}): customers would be labelled churned only because the data "
            f"ends; use a cutoff on or before {day_text(latest)} or a horizon of at most "
            f"{end_day - cutoff_day} days"
        )


def labels_from_log(
    log: TransactionLog,
    *,
    cutoff_day: int,
    horizon_days: int,
    lookback_days: int | None,
    end_day: int,
) -> tuple[pd.Index, np.ndarray]:
    """Population ids (sorted) and their non-contractual labels (checked window)."""
    check_window(
        cutoff_day=cutoff_day,
        horizon_days=horizon_days,
        first_day=log.first_day,
        end_day=end_day,
        what="transaction log",
    )
    if cutoff_day + horizon_days > log.last_day:
        warnings.warn(
            f"the churn horizon ends on {day_text(cutoff_day + horizon_days)}, after the last "
            f"purchase in the log ({day_text(log.last_day)}): customers look churned if the "
            "log is incomplete there; check observation_end or choose an earlier cutoff",
            stacklevel=3,
        )
    # Within the window, a customer bought up to the cutoff when their first day is on or
    # before it, and bought in the horizon when their last day is after it.
    after = None if lookback_days is None else cutoff_day - lookback_days
    days = log.customer_days(after=after, until=cutoff_day + horizon_days)
    population = days[days["first"] <= cutoff_day]
    return population.index, (population["last"] <= cutoff_day).to_numpy()


def contractual_from_table(
    table: pd.DataFrame,
    *,
    cutoff_day: int | None,
    horizon_days: int | None,
    end_day: int | None,
) -> tuple[pd.Index, np.ndarray, LabelDefinition]:
    """Population ids, labels and definition from a checked customer table."""
    cutoffs = () if cutoff_day is None else (day_text(cutoff_day),)
    signup = _days(table, SIGNUP_DATE)
    if CANCEL_DATE in table.columns and cutoff_day is not None:
        if horizon_days is None:
            raise DataValidationError(
                "cancel-date labels need a horizon: pass horizon= (days after the cutoff in "
                "which a cancellation counts as churn)"
            )
        cancel = _days(table, CANCEL_DATE)
        if end_day is None:
            end_day = int(np.nanmax(np.concatenate([signup, cancel])))
        first_day = None if np.isnan(signup).all() else int(np.nanmin(signup))
        check_window(
            cutoff_day=cutoff_day,
            horizon_days=horizon_days,
            first_day=first_day,
            end_day=end_day,
            what="customer table",
        )
        active = table_members(table, cutoff_day)
        churned = cancel[active] <= cutoff_day + horizon_days
        definition = LabelDefinition("contractual", "cancel_date", cutoffs, horizon_days)
        return table.index[active], churned, definition
    if CHURNED not in table.columns:
        need = "a cutoff for 'cancel_date' or " if CANCEL_DATE in table.columns else ""
        raise DataValidationError(
            f"customers: contractual labels need {need}a 'cancel_date' or 'churned' column; "
            f"columns present: {', '.join(map(str, table.columns))}; load the table with "
            "crm_analytics.io.read_customers(..., cancel_date=... or churned=...), or label from "
            "purchases with label='non_contractual'"
        )
    if horizon_days is not None:
        raise DataValidationError(
            "the 'churned' flag is a snapshot label, so a horizon cannot be applied to it; "
            "drop horizon=, or give the table a 'cancel_date' column and a cutoff"
        )
    flag = churn_flag(table).to_numpy()
    member = np.ones(len(table), dtype=bool) if cutoff_day is None else ~(signup > cutoff_day)
    definition = LabelDefinition("contractual", "churned", cutoffs)
    return table.index[member], flag[member].astype(bool), definition


def table_members(table: pd.DataFrame, cutoff_day: int | None) -> np.ndarray:
    """Mask of the customers signed up by the cutoff and not cancelled on or before it."""
    if cutoff_day is None:
        return np.ones(len(table), dtype=bool)
    # NaN comparisons are False: no signup date counts as signed up, no cancel date as active.
    return ~(_days(table, SIGNUP_DATE) > cutoff_day) & ~(_days(table, CANCEL_DATE) <= cutoff_day)


def _days(table: pd.DataFrame, column: str) -> np.ndarray:
    """A date column as float days (NaN where missing or absent)."""
    if column not in table.columns:
        return np.full(len(table), np.nan)
    days = day_numbers(table[column]).astype(np.float64)
    days[table[column].isna().to_numpy()] = np.nan
    return days
