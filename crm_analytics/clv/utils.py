"""lifetimes' ``utils`` under the same names and signatures, on crm_analytics' own summaries.

A lifetimes script changes ``from lifetimes.utils import ...`` to
``from crm_analytics.clv.utils import ...`` and gets the same tables, computed by
`crm_analytics.summary.rfm_summary` and `crm_analytics.summary.calibration_holdout_split`
(which run under pandas 3, where lifetimes' ``calibration_and_holdout_data`` no longer does)
and by `crm_analytics.clv.evaluation`. New code can call those directly: they take keyword
options, validate their inputs and return more columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analytics.clv.evaluation import probability_alive_history, tracking_transactions
from crm_analytics.clv.protocols import AliveModel, TransactionModel
from crm_analytics.exceptions import DataValidationError
from crm_analytics.summary import calibration_holdout_split, rfm_summary

__all__ = [
    "calculate_alive_path",
    "calibration_and_holdout_data",
    "expected_cumulative_transactions",
    "summary_data_from_transaction_data",
]

# lifetimes' numpy-style time units, in the names `rfm_summary` takes.
_FREQUENCIES = {"D": "D", "W": "W", "h": "h", "H": "h", "m": "min", "min": "min", "s": "s"}
_SUMMARY = ["frequency", "recency", "T"]
# A customer id column name that cannot clash with the user's columns.
_ONE_CUSTOMER = "__customer__"


def _frequency(freq: str) -> str:
    if freq not in _FREQUENCIES:
        raise DataValidationError(
            f"freq {freq!r} is not supported; use one of 'D' (days), 'W' (weeks), 'h' (hours), "
            "'m' (minutes) or 's' (seconds)"
        )
    return _FREQUENCIES[freq]


def _with_dates(transactions: pd.DataFrame, datetime_col: str, datetime_format: str | None):
    """``transactions`` with ``datetime_col`` parsed as lifetimes parses it."""
    if not isinstance(transactions, pd.DataFrame):
        raise DataValidationError(
            f"transactions must be a pandas DataFrame, got {type(transactions).__name__}"
        )
    if datetime_col not in transactions.columns:
        raise DataValidationError(
            f"transactions has no column {datetime_col!r}; columns present: "
            f"{', '.join(map(str, transactions.columns[:12]))}"
        )
    if pd.api.types.is_datetime64_any_dtype(transactions[datetime_col]):
        return transactions
    try:
        dates = pd.to_datetime(transactions[datetime_col], format=datetime_format)
    except (TypeError, ValueError) as error:
        raise DataValidationError(
            f"column {datetime_col!r} cannot be read as dates ({error}); give datetime_format, "
            "e.g. datetime_format='%Y-%m-%d'"
        ) from None
    return transactions.assign(**{datetime_col: dates})


def _date(value: object, datetime_format: str | None) -> pd.Timestamp | None:
    return None if value is None else pd.to_datetime(value, format=datetime_format)


def summary_data_from_transaction_data(
    transactions: pd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    datetime_format: str | None = None,
    observation_period_end: object = None,
    freq: str = "D",
    freq_multiplier: float = 1,
    include_first_transaction: bool = False,
) -> pd.DataFrame:
    """One row per customer: frequency, recency, T [, monetary_value], as lifetimes computes them.

    `crm_analytics.summary.rfm_summary` with lifetimes' arguments and columns.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction.
    customer_id_col, datetime_col : str
        Columns of the customer and of the date.
    monetary_value_col : str, optional
        Column of the amount; adds ``monetary_value``, the mean spend of the repeat periods.
    datetime_format : str, optional
        Format of the dates, when they are text.
    observation_period_end : date-like, optional
        The "as of" date; defaults to the last date in the log.
    freq : {"D", "W", "h", "m", "s"}, default "D"
        Time unit; several purchases in one unit count once.
    freq_multiplier : float, default 1
        Divides recency and T (``freq="D", freq_multiplier=7``: weeks counted in days).
    include_first_transaction : bool, default False
        Count the first purchase period in ``frequency`` and ``monetary_value`` (not what the
        models expect).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id_col``, with ``frequency``, ``recency``, ``T`` and
        ``monetary_value`` when a monetary column is given.

    Examples
    --------
    >>> log = pd.DataFrame({"id": [1, 1, 2], "day": ["2024-01-01", "2024-01-11", "2024-01-05"]})
    >>> summary_data_from_transaction_data(log, "id", "day", observation_period_end="2024-01-31")
        frequency  recency     T
    id
    1         1.0     10.0  30.0
    2         0.0      0.0  26.0
    """
    frame = _with_dates(transactions, datetime_col, datetime_format)
    summary = rfm_summary(
        frame,
        observation_end=_date(observation_period_end, datetime_format),
        freq=_frequency(freq),
        freq_multiplier=freq_multiplier,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        monetary_value_col=monetary_value_col,
        order_id_col=None,
    )
    columns = _SUMMARY + (["monetary_value"] if monetary_value_col else [])
    if include_first_transaction:
        summary = summary.assign(frequency=summary["frequency"] + 1)
        if monetary_value_col:
            # The mean over every purchase period, the first included.
            summary["monetary_value"] = summary["total_amount"] / summary["frequency"]
    return summary[columns].rename_axis(customer_id_col)


def calibration_and_holdout_data(
    transactions: pd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    calibration_period_end: object,
    observation_period_end: object = None,
    freq: str = "D",
    freq_multiplier: float = 1,
    datetime_format: str | None = None,
    monetary_value_col: str | None = None,
    include_first_transaction: bool = False,
) -> pd.DataFrame:
    """Calibration-period summary and holdout purchases per customer, as lifetimes makes them.

    `crm_analytics.summary.calibration_holdout_split` with lifetimes' arguments and
    columns; it runs under pandas 3, where lifetimes' own no longer does.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id_col``: ``frequency_cal``, ``recency_cal``, ``T_cal``
        [, ``monetary_value_cal``], ``frequency_holdout`` [, ``monetary_value_holdout``],
        ``duration_holdout``.

    Examples
    --------
    >>> log = pd.DataFrame({"id": [1, 1, 1, 2], "day": pd.to_datetime(
    ...     ["2024-01-01", "2024-01-08", "2024-01-20", "2024-01-03"])})
    >>> calibration_and_holdout_data(log, "id", "day", "2024-01-10", "2024-01-31")
        frequency_cal  recency_cal  T_cal  frequency_holdout  duration_holdout
    id
    1             1.0          7.0    9.0                1.0              21.0
    2             0.0          0.0    7.0                0.0              21.0
    """
    frame = _with_dates(transactions, datetime_col, datetime_format)
    calibration_end = _date(calibration_period_end, datetime_format)
    split = calibration_holdout_split(
        frame,
        calibration_end,
        _date(observation_period_end, datetime_format),
        freq=_frequency(freq),
        freq_multiplier=freq_multiplier,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        monetary_value_col=monetary_value_col,
    )
    if include_first_transaction:
        calibration = summary_data_from_transaction_data(
            frame[frame[datetime_col] <= calibration_end],
            customer_id_col,
            datetime_col,
            monetary_value_col=monetary_value_col,
            observation_period_end=calibration_end,
            freq=freq,
            freq_multiplier=freq_multiplier,
            include_first_transaction=True,
        )
        for name in calibration.columns:
            split[f"{name}_cal"] = calibration[name].reindex(split.index).to_numpy()
    return split.rename_axis(customer_id_col)


def expected_cumulative_transactions(
    model: TransactionModel,
    transactions: pd.DataFrame,
    datetime_col: str,
    customer_id_col: str,
    t: int,
    datetime_format: str | None = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    set_index_date: bool = False,
) -> pd.DataFrame:
    """Actual and expected cumulative repeat transactions, lifetimes' table.

    `crm_analytics.clv.evaluation.tracking_transactions` over the first ``t`` periods
    (``freq``) of the log, one row per model time unit (``freq_multiplier`` periods).

    Returns
    -------
    pandas.DataFrame
        Columns ``actual`` and ``predicted``, indexed 0, 1, ... (or by the period ending
        each time unit with ``set_index_date``).
    """
    frame = _with_dates(transactions, datetime_col, datetime_format)
    unit = _frequency(freq)
    if isinstance(t, bool) or not isinstance(t, int | np.integer) or t < 1:
        raise DataValidationError(f"t must be a whole number of periods >= 1, got {t!r}")
    first = frame[datetime_col].min().to_period(unit)
    tracking = tracking_transactions(
        model,
        frame,
        observation_end=(first + int(t) - 1).start_time,
        freq=unit,
        freq_multiplier=freq_multiplier,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
    )
    index = (
        pd.Index(tracking["period_end"].to_numpy())
        if set_index_date
        else pd.RangeIndex(len(tracking))
    )
    return pd.DataFrame(
        {
            "actual": tracking["actual_cumulative"].to_numpy(),
            "predicted": tracking["predicted_cumulative"].to_numpy(),
        },
        index=index,
    )


def calculate_alive_path(
    model: AliveModel,
    transactions: pd.DataFrame,
    datetime_col: str,
    t: int,
    freq: str = "D",
) -> pd.Series:
    """One customer's P(alive) at the end of each period since their first purchase.

    `crm_analytics.clv.evaluation.probability_alive_history` for the ``t + 1`` periods
    0, 1, ..., t from the first purchase, of a log holding that customer's transactions only.

    Returns
    -------
    pandas.Series
        P(alive), indexed by the periods since the first purchase.
    """
    frame = _with_dates(transactions, datetime_col, None)
    unit = _frequency(freq)
    if isinstance(t, bool) or not isinstance(t, int | np.integer) or t < 0:
        raise DataValidationError(f"t must be a whole number of periods >= 0, got {t!r}")
    birth = frame[datetime_col].min().to_period(unit)
    history = probability_alive_history(
        model,
        frame.assign(**{_ONE_CUSTOMER: 0}),
        0,
        observation_end=(birth + int(t)).start_time,
        freq=unit,
        customer_id_col=_ONE_CUSTOMER,
        datetime_col=datetime_col,
    )
    return pd.Series(history["p_alive"].to_numpy(), index=pd.RangeIndex(len(history)))
