"""Leak-free churn features at a cutoff date, and the (X, y) datasets and panels built from them.

Every feature is computed from the transactions dated on or before the cutoff day only, so a
model trained on them sees exactly what it would have seen on that day. The per-customer RFM
block comes from :func:`crm_analytics.summary.rfm_summary` "as of" the cutoff, and a BG/NBD
model fitted on it gives each customer's P(alive) and expected purchases; the rest
(activity windows, their trends, the rhythm of purchases, basket diversity) is one narwhals
query per cutoff, and the labels one more, that run in the engine of the log:

- pandas, PyArrow and eager Polars logs go through Polars (in memory);
- Polars LazyFrames, DuckDB relations and PySpark DataFrames stay lazy where they are, and a
  Parquet path is opened lazily as :func:`~crm_analytics.summary.rfm_summary` opens one
  (:func:`crm_analytics.scale.scan_parquet`, DuckDB);
- only the per-customer results (one row per customer) are collected, into pandas, where the
  customer attributes are joined and means, spreads and ratios are taken.

The engine adds up whole numbers only (order counts, days, and spend in millionths of the
currency unit, as :func:`~crm_analytics.summary.rfm_summary` adds it), so the activity features
are the same bits in every engine and at every run, whatever order a parallel engine adds its
rows in. The gaps between purchase days use a window function (``diff`` over each customer's
days in order), which all of narwhals' lazy engines run; the customer table stays a pandas
DataFrame.

Customer attributes (the free columns of the customer table) are taken as given: they must
describe the customer as known at the cutoff (a plan, a region, an acquisition channel), not
something recorded later. Date attributes become "days since" the date, unknown when the date
falls after the cutoff.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from crm_analytics._checks import examples
from crm_analytics._dates import (
    day_number,
    day_numbers,
    day_text,
    from_day_number,
    to_whole_days,
)
from crm_analytics._engines import MONEY_UNITS
from crm_analytics.churn._inputs import check_customers, transaction_log
from crm_analytics.churn.labels import (
    LABEL,
    LabelDefinition,
    contractual_from_table,
    labels_from_log,
    table_members,
)
from crm_analytics.clv import BetaGeoFitter
from crm_analytics.exceptions import ConvergenceError, DataValidationError
from crm_analytics.log import TransactionLog
from crm_analytics.schema import CANCEL_DATE, CHURNED, CUSTOMER_ID

__all__ = ["ChurnDataset", "churn_features", "make_churn_dataset", "make_churn_panel"]

logger = logging.getLogger(__name__)

WINDOWS = (30, 90, 180)
#: Features from a BG/NBD model fitted at the cutoff (see _bgnbd_features).
BGNBD_FEATURES = ("bgnbd_p_alive", "bgnbd_expected_purchases_90d")
CUTOFF = "cutoff"
# The default transaction model of the features: BG/NBD with a small penalty, which steadies
# the fit on the few customers of an early cutoff.
_DEFAULT_MODEL = BetaGeoFitter(penalizer_coef=0.001)
_RFM_COLUMNS = [
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "n_orders",
    "total_amount",
    "average_order_value",
    "days_since_last_purchase",
]
# Columns that are zero, not unknown, for a customer without purchases before the cutoff.
_ZERO_WITHOUT_HISTORY = ("frequency", "n_orders", "total_amount", "n_products")


class ChurnDataset(tuple):
    """``(X, y)`` of :func:`make_churn_dataset` and :func:`make_churn_panel`, with
    ``label_definition``, the :class:`~crm_analytics.churn.labels.LabelDefinition` of ``y``.

    It unpacks as a pair (``X, y = make_churn_dataset(...)``) and also names its parts
    (``dataset.X``, ``dataset.y``).
    """

    label_definition: LabelDefinition

    def __new__(cls, X: pd.DataFrame, y: pd.Series, label_definition: LabelDefinition):
        dataset = super().__new__(cls, (X, y))
        dataset.label_definition = label_definition
        return dataset

    @property
    def X(self) -> pd.DataFrame:  # noqa: N802 - scikit-learn's name for the features
        return self[0]

    @property
    def y(self) -> pd.Series:
        return self[1]


def _model_features(rfm: pd.DataFrame, transaction_model: Any) -> pd.DataFrame:
    """P(alive) and the expected purchases in the next 90 days of every customer from the
    transaction model (the CLV model's view of each customer, as features beside the raw
    history): the model given when it is fitted, else that model (default BG/NBD) fitted here
    on all the customers' histories up to the cutoff (no labels needed, so no leak).

    When it cannot be fitted (no repeat purchase at all, too few customers), both are left
    unknown with a warning; the classifier handles missing values.
    """
    features = pd.DataFrame(np.nan, index=rfm.index, columns=list(BGNBD_FEATURES))
    model = _DEFAULT_MODEL if transaction_model is None else transaction_model
    if not hasattr(model, "params_"):
        model = clone(model)
        try:
            model.fit(rfm)
        except ConvergenceError as error:
            warnings.warn(
                f"{type(model).__name__} could not be fitted on the histories of the "
                f"{len(rfm):,} customers at this cutoff ({error.__cause__ or error}); "
                f"{' and '.join(BGNBD_FEATURES)} are left unknown",
                category=RuntimeWarning,
                stacklevel=4,
            )
            return features
    histories = rfm[["frequency", "recency", "T"]]
    features["bgnbd_p_alive"] = model.conditional_probability_alive(histories)
    features["bgnbd_expected_purchases_90d"] = (
        model.conditional_expected_number_of_purchases_up_to_time(90, histories)
    )
    return features


def _transaction_features(
    log: TransactionLog, cutoff_day: int, windows: Sequence[int], transaction_model: Any
) -> pd.DataFrame:
    """Features of every customer with a purchase on or before the cutoff day."""
    activity = _activity_features(log.activity(until=cutoff_day, windows=windows), windows)
    rfm = log.as_of(from_day_number(cutoff_day)).summary().reindex(activity.index)
    features = pd.concat(
        [rfm[_RFM_COLUMNS], activity, _model_features(rfm, transaction_model)], axis=1
    )
    features["recency_to_rhythm"] = (
        features["days_since_last_purchase"] / features["interpurchase_mean_days"]
    )
    if "n_products" in features:
        features["products_per_order"] = features["n_products"] / features["n_orders"]
    return features


def _amount(millionths: pd.Series) -> pd.Series:
    """Spend summed in whole millionths (see :func:`crm_analytics._engines.money`) back in
    currency units, in numpy, whose division is correctly rounded: the same float from every
    engine (an engine may divide by a constant through its inexact reciprocal)."""
    return millionths.astype(np.float64) / MONEY_UNITS


def _activity_features(sums: pd.DataFrame, windows: Sequence[int]) -> pd.DataFrame:
    """The activity features from the per-customer whole-number sums of :func:`_activity`."""
    columns = {}
    for window in windows:

        def value(name: str, span: str, window: int = window) -> pd.Series:
            return sums[f"{name}_{span}_{window}"]

        columns[f"orders_{window}d"] = value("orders", "last").astype(np.float64)
        columns[f"amount_{window}d"] = _amount(value("spend", "last"))
        columns[f"orders_trend_{window}d"] = (
            value("orders", "last") - value("orders", "previous")
        ).astype(np.float64)
        columns[f"amount_trend_{window}d"] = _amount(
            value("spend", "last") - value("spend", "previous")
        )
    gaps = sums["gaps"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(gaps > 0, sums["gap_sum"] / gaps, np.nan)
        spread = np.sqrt(np.maximum(sums["gap_squares"] / gaps - mean**2, 0.0))
    columns["interpurchase_mean_days"] = mean
    # The spread of fewer than two gaps is unknown, not zero.
    columns["interpurchase_std_days"] = np.where(gaps >= 2, spread, np.nan)
    if "n_products" in sums:
        columns["n_products"] = sums["n_products"].astype(np.float64)
    return pd.DataFrame(columns, index=sums.index)


def _attributes(table: pd.DataFrame, cutoff_day: int | None) -> pd.DataFrame:
    """The customer table's free columns as features (dates as days before the cutoff)."""
    attributes = table.drop(columns=[CANCEL_DATE, CHURNED], errors="ignore")
    for column in attributes.columns:
        values = attributes[column]
        if not pd.api.types.is_datetime64_any_dtype(values):
            continue
        if cutoff_day is None:
            raise DataValidationError(
                f"customers: date column {column!r} needs a cutoff to become a feature "
                "(days since the date); pass cutoff= or drop the column"
            )
        days = cutoff_day - day_numbers(values).astype(np.float64)
        days[values.isna().to_numpy() | (days < 0)] = np.nan
        attributes = attributes.drop(columns=column)
        attributes[f"days_since_{column}"] = days
    return attributes


def _join_attributes(features: pd.DataFrame, attributes: pd.DataFrame) -> pd.DataFrame:
    """Attach customer attributes to transaction features; refuse a join that matches no one."""
    clash = sorted(set(features.columns) & set(attributes.columns))
    if clash:
        raise DataValidationError(
            f"customers: column(s) {', '.join(map(repr, clash))} have the names of computed "
            "features; rename them in the customer table"
        )
    matched = features.index.isin(attributes.index)
    if not matched.any():
        raise DataValidationError(
            f"customers: none of the {len(features)} customers in the transactions is in the "
            f"customer table (e.g. transactions {examples(features.index)} vs table "
            f"{examples(attributes.index)}); check that both use the same customer_id type"
        )
    if not matched.all():
        warnings.warn(
            f"{int((~matched).sum())} of {len(features)} customers (e.g. "
            f"{examples(features.index[~matched])}) are not in the customer table; "
            "their attributes are left missing",
            stacklevel=3,
        )
    return features.join(attributes, how="left")


def _features_for(
    log: TransactionLog | None,
    table: pd.DataFrame | None,
    ids: pd.Index,
    cutoff_day: int | None,
    windows: Sequence[int],
    transaction_model: Any = None,
) -> pd.DataFrame:
    """The feature rows of ``ids`` at the cutoff, from the log and/or the customer table."""
    if log is None:
        features = pd.DataFrame(index=ids)
    else:
        features = _transaction_features(log, cutoff_day, windows, transaction_model)
        features = features.reindex(ids)
        for column in features.columns:
            if column in _ZERO_WITHOUT_HISTORY or column.startswith(("orders_", "amount_")):
                features[column] = features[column].fillna(0.0)
    if table is not None:
        features = _join_attributes(features, _attributes(table, cutoff_day))
    features.index.name = CUSTOMER_ID
    return features


def _inputs(
    transactions: Any,
    customers: pd.DataFrame | None,
    windows: Sequence[int],
) -> tuple[TransactionLog | None, pd.DataFrame | None, tuple[int, ...]]:
    if transactions is None and customers is None:
        raise DataValidationError("pass transactions, a customer table, or both")
    log = None if transactions is None else transaction_log(transactions)
    table = None if customers is None else check_customers(customers)
    windows = tuple(dict.fromkeys(to_whole_days(window, name="windows") for window in windows))
    if not windows:
        raise DataValidationError(
            f"windows={windows!r} is empty; pass at least one window in days, e.g. (30, 90, 180)"
        )
    return log, table, windows


def churn_features(
    transactions: Any = None,
    customers: pd.DataFrame | None = None,
    *,
    cutoff: object = None,
    lookback: int | str | pd.Timedelta | None = None,
    windows: Sequence[int] = WINDOWS,
    transaction_model: Any = None,
) -> pd.DataFrame:
    """Churn features as of a cutoff, for scoring (no labels needed, no horizon checked).

    The customers scored are those who bought in the lookback window up to the cutoff when a
    transaction log is given, else the rows of the customer table signed up by the cutoff and
    not cancelled before it.

    Parameters
    ----------
    transactions : DataFrame or path, optional
        Canonical transaction log (``customer_id``, ``date``, ``amount``; ``order_id`` and
        ``product`` used when present): pandas, Polars (eager or lazy), PyArrow, a DuckDB
        relation, a PySpark DataFrame or the path of a Parquet file or folder. The per-customer
        aggregates run in its engine (see the module notes).
    customers : pandas.DataFrame, optional
        Customer table (``customer_id`` column or index); its free columns become features.
    cutoff : date-like, optional
        The "as of" day; its purchases count. Default: the last date in the log (required for
        a customer table with dates and no log).
    lookback : int, str or pandas.Timedelta, optional
        Only customers who bought within this many days up to the cutoff are scored.
    windows : sequence of int, default (30, 90, 180)
        Lengths in days of the recent-activity windows.
    transaction_model : BG/NBD-family fitter, optional
        Where ``bgnbd_p_alive`` and ``bgnbd_expected_purchases_90d`` come from. A fitted
        model (one fitted on the customers' daily histories at this cutoff, such as the CLV
        model of a scoring run) is used as it is; an unfitted one is fitted here on those
        histories (a copy, so the same object serves every cutoff). Default:
        ``BetaGeoFitter(penalizer_coef=0.001)``.

    Returns
    -------
    pandas.DataFrame
        One row per customer indexed by ``customer_id``: the RFM columns of
        :func:`~crm_analytics.summary.rfm_summary` (``frequency, recency, T, monetary_value,
        n_orders, total_amount, average_order_value, days_since_last_purchase``), for each
        window ``w`` the orders and spend in the last ``w`` days (``orders_{w}d``,
        ``amount_{w}d``) and their change from the ``w`` days before (``orders_trend_{w}d``,
        ``amount_trend_{w}d``), ``interpurchase_mean_days`` and ``interpurchase_std_days``
        (days between distinct purchase days), ``recency_to_rhythm`` (days since the last
        purchase over the customer's mean gap), ``bgnbd_p_alive`` and
        ``bgnbd_expected_purchases_90d`` (P(alive) and expected purchases in the next 90 days
        from ``transaction_model``; unknown, with a warning, when it cannot be fitted),
        ``n_products`` and ``products_per_order`` when
        products are given, then the customer attributes.

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-31", "2024-01-20"]),
    ...     "amount": [10.0, 20.0, 30.0, 5.0],
    ... })
    >>> features = churn_features(log, cutoff="2024-02-15", windows=[30])
    >>> features.loc["a", ["n_orders", "orders_30d", "orders_trend_30d", "recency_to_rhythm"]]
    n_orders             3.0
    orders_30d           1.0
    orders_trend_30d    -1.0
    recency_to_rhythm    1.0
    Name: a, dtype: float64
    """
    log, table, windows = _inputs(transactions, customers, windows)
    if log is not None:
        if cutoff is None:
            cutoff_day = log.last_day
        else:
            cutoff_day = day_number(cutoff, name="cutoff")
            _check_history(log, cutoff_day)
        after = None if lookback is None else cutoff_day - to_whole_days(lookback, name="lookback")
        ids = log.buyers(after=after, until=cutoff_day)
    else:
        cutoff_day = None if cutoff is None else day_number(cutoff, name="cutoff")
        ids = table.index[table_members(table, cutoff_day)]
    return _features_for(log, table, ids, cutoff_day, windows, transaction_model)


def _check_history(log: TransactionLog, cutoff_day: int) -> None:
    if cutoff_day < log.first_day:
        raise DataValidationError(
            f"cutoff {day_text(cutoff_day)} is outside the data range: it is before the first "
            f"date in the transaction log ({day_text(log.first_day)}), so nobody has any "
            "history; choose a later cutoff"
        )


def _label_kind(label: str, table: pd.DataFrame | None, log: TransactionLog | None) -> str:
    kinds = ("auto", "non_contractual", "contractual")
    if label not in kinds:
        raise DataValidationError(f"label={label!r} is not one of {', '.join(map(repr, kinds))}")
    if label == "auto":
        contract = table is not None and (CHURNED in table.columns or CANCEL_DATE in table.columns)
        label = "contractual" if contract or log is None else "non_contractual"
    if label == "non_contractual" and log is None:
        raise DataValidationError(
            "non-contractual labels come from purchases: pass the transaction log, or use "
            "label='contractual' with a customer table that has 'cancel_date' or 'churned'"
        )
    if label == "contractual" and table is None:
        raise DataValidationError(
            "contractual labels come from the customer table: pass customers= with a "
            "'cancel_date' or 'churned' column, or use label='non_contractual'"
        )
    return label


def _dataset_at(
    log: TransactionLog | None,
    table: pd.DataFrame | None,
    *,
    kind: str,
    cutoff: object,
    horizon: int | str | pd.Timedelta | None,
    lookback: int | str | pd.Timedelta | None,
    observation_end: object,
    windows: tuple[int, ...],
    transaction_model: Any,
) -> tuple[pd.DataFrame, pd.Series, LabelDefinition]:
    cutoff_day = None if cutoff is None else day_number(cutoff, name="cutoff")
    horizon_days = None if horizon is None else to_whole_days(horizon, name="horizon")
    end_day = (
        None if observation_end is None else day_number(observation_end, name="observation_end")
    )
    if kind == "non_contractual":
        if cutoff_day is None or horizon_days is None:
            raise DataValidationError(
                "non-contractual labels need cutoff= and horizon= (e.g. cutoff='2011-09-01', "
                "horizon=90: churned = no purchase in the 90 days after the cutoff)"
            )
        lookback_days = None if lookback is None else to_whole_days(lookback, name="lookback")
        ids, churned = labels_from_log(
            log,
            cutoff_day=cutoff_day,
            horizon_days=horizon_days,
            lookback_days=lookback_days,
            end_day=log.last_day if end_day is None else end_day,
        )
        definition = LabelDefinition(
            kind, "transactions", (day_text(cutoff_day),), horizon_days, lookback_days
        )
    else:
        ids, churned, definition = contractual_from_table(
            table, cutoff_day=cutoff_day, horizon_days=horizon_days, end_day=end_day
        )
        if log is not None and cutoff_day is None:
            raise DataValidationError(
                "features from transactions need a cutoff: pass cutoff= (the day the "
                "contractual label is taken at)"
            )
        if log is not None:
            _check_history(log, cutoff_day)
    X = _features_for(log, table, pd.Index(ids), cutoff_day, windows, transaction_model)
    y = pd.Series(churned.astype(np.int8), index=X.index, name=LABEL)
    return X, y, definition


def make_churn_dataset(
    transactions: Any = None,
    customers: pd.DataFrame | None = None,
    *,
    cutoff: object = None,
    horizon: int | str | pd.Timedelta | None = None,
    lookback: int | str | pd.Timedelta | None = None,
    label: str = "auto",
    observation_end: object = None,
    windows: Sequence[int] = WINDOWS,
    transaction_model: Any = None,
) -> ChurnDataset:
    """Features as of a cutoff and churn labels after it: one training or test set.

    Parameters
    ----------
    transactions : DataFrame or path, optional
        Canonical transaction log, in any engine :func:`churn_features` takes; needed for
        non-contractual labels and purchase features.
    customers : pandas.DataFrame, optional
        Customer table: attributes become features; ``cancel_date`` / ``churned`` give
        contractual labels.
    cutoff : date-like
        The day the prediction is made. Features use data up to and including it only.
        Optional for a snapshot ``churned`` flag without transactions.
    horizon : int, str or pandas.Timedelta
        Days after the cutoff the label looks at (not used with a snapshot flag).
    lookback : int, str or pandas.Timedelta, optional
        Non-contractual: only customers who bought within this many days up to the cutoff.
    label : {"auto", "non_contractual", "contractual"}, default "auto"
        Where labels come from; "auto" is contractual when the customer table has
        ``cancel_date`` or ``churned`` (or there is no log), else non-contractual.
    observation_end : date-like, optional
        Last day the data is complete for; the horizon must end by it.
    windows : sequence of int, default (30, 90, 180)
        Recent-activity windows in days (see :func:`churn_features`).
    transaction_model : unfitted BG/NBD-family fitter, optional
        Fitted at the cutoff for ``bgnbd_p_alive`` and ``bgnbd_expected_purchases_90d`` (see
        :func:`churn_features`); default ``BetaGeoFitter(penalizer_coef=0.001)``.

    Returns
    -------
    ChurnDataset
        ``(X, y)``: ``X`` the features indexed by ``customer_id`` (see
        :func:`churn_features`), ``y`` the labels ``churned`` (int8, 1 = churned), same index;
        its ``label_definition`` says what "churned" meant (pass it to ``ChurnModel.fit``
        to keep it with the model).

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "b", "c"],
    ...     "date": pd.to_datetime(
    ...         ["2024-01-05", "2024-03-01", "2024-01-20", "2024-01-25", "2024-04-30"]),
    ...     "amount": [10.0, 12.0, 8.0, 9.0, 5.0],
    ... })
    >>> dataset = make_churn_dataset(log, cutoff="2024-01-31", horizon=60)
    >>> X, y = dataset
    >>> y.to_dict()
    {'a': 0, 'b': 1}
    >>> X.loc["b", ["n_orders", "days_since_last_purchase", "interpurchase_mean_days"]].tolist()
    [2.0, 6.0, 5.0]
    >>> print(dataset.label_definition.describe())
    churned = no purchase in the 60 days after the cutoff (2024-01-31), among customers who bought at any time up to it
    """
    log, table, windows = _inputs(transactions, customers, windows)
    kind = _label_kind(label, table, log)
    X, y, definition = _dataset_at(
        log,
        table,
        kind=kind,
        cutoff=cutoff,
        horizon=horizon,
        lookback=lookback,
        observation_end=observation_end,
        windows=windows,
        transaction_model=transaction_model,
    )
    logger.info("churn dataset: %d customers, %d churned (%s)", len(y), int(y.sum()), definition)
    return ChurnDataset(X, y, definition)


def make_churn_panel(
    transactions: Any = None,
    customers: pd.DataFrame | None = None,
    *,
    cutoffs: Sequence[object],
    horizon: int | str | pd.Timedelta,
    lookback: int | str | pd.Timedelta | None = None,
    label: str = "auto",
    observation_end: object = None,
    windows: Sequence[int] = WINDOWS,
    transaction_model: Any = None,
) -> ChurnDataset:
    """Datasets at several cutoffs stacked into one training panel.

    A customer appears once per cutoff at which they are labelled, with the features and the
    label of that cutoff; the log is reduced once for all of them.

    Parameters
    ----------
    transactions, customers, horizon, lookback, label, observation_end, windows
        As in :func:`make_churn_dataset`.
    transaction_model : unfitted BG/NBD-family fitter, optional
        Fitted anew at each cutoff (see :func:`churn_features`).
    cutoffs : sequence of date-like
        Distinct cutoff dates.

    Returns
    -------
    ChurnDataset
        ``(X, y)`` indexed by (``cutoff``, ``customer_id``); its ``label_definition`` lists
        every cutoff.

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "a", "b"],
    ...     "date": pd.to_datetime(
    ...         ["2024-01-05", "2024-02-01", "2024-01-20", "2024-03-01", "2024-04-30"]),
    ...     "amount": [10.0, 12.0, 8.0, 9.0, 5.0],
    ... })
    >>> X, y = make_churn_panel(log, cutoffs=["2024-01-10", "2024-01-31"], horizon=30)
    >>> y.reset_index().astype({"cutoff": str}).values.tolist()
    [['2024-01-10', 'a', 0], ['2024-01-31', 'a', 0], ['2024-01-31', 'b', 1]]
    """
    log, table, windows = _inputs(transactions, customers, windows)
    kind = _label_kind(label, table, log)
    days = [day_number(cutoff, name="cutoffs") for cutoff in cutoffs]
    if not days:
        raise DataValidationError("cutoffs is empty; pass at least one cutoff date")
    if len(set(days)) != len(days):
        raise DataValidationError(f"cutoffs repeat a date ({', '.join(map(day_text, days))})")
    parts_X, parts_y, definitions = [], [], []
    for day in sorted(days):
        X, y, definition = _dataset_at(
            log,
            table,
            kind=kind,
            cutoff=from_day_number(day),
            horizon=horizon,
            lookback=lookback,
            observation_end=observation_end,
            windows=windows,
            transaction_model=transaction_model,
        )
        parts_X.append(X)
        parts_y.append(y)
        definitions.append(definition)
    keys = [from_day_number(day) for day in sorted(days)]
    X = pd.concat(parts_X, keys=keys, names=[CUTOFF, CUSTOMER_ID])
    y = pd.concat(parts_y, keys=keys, names=[CUTOFF, CUSTOMER_ID]).rename(LABEL)
    first = definitions[0]
    definition = LabelDefinition(
        first.kind,
        first.source,
        tuple(cutoff for definition in definitions for cutoff in definition.cutoffs),
        first.horizon_days,
        first.lookback_days,
    )
    return ChurnDataset(X, y, definition)
