"""Evaluate fitted purchase models the way CLV analysts check them.

Every function takes a fitted transaction model with lifetimes' prediction methods
(`BetaGeoFitter`, `ModifiedBetaGeoFitter`, `ParetoNBDFitter`, `BetaGeoBetaBinomFitter`)
and compares its predictions with what customers actually did:

- `holdout_predictions` / `holdout_metrics`: per-customer predicted vs actual holdout
  purchases and their errors (MAE, RMSE, correlation, aggregate error);
- `conditional_expectations`: the classic table of mean holdout purchases, actual and
  predicted, by number of calibration-period repeat purchases (Fader, Hardie & Lee 2005,
  figure 4);
- `tracking_transactions`: actual vs expected repeat transactions per period and cumulated
  over the whole log (FHL 2005, figure 3);
- `period_transactions`: how many customers made 0, 1, 2, ... repeat purchases, actual vs
  expected (FHL 2005, figure 1);
- `compare_models`: one table of fit and holdout accuracy across models;
- `expected_purchases_matrix`, `probability_alive_matrix`, `probability_alive_history`: the
  model's view of customers by (frequency, recency), and of one customer over time.

Time is measured in the model's unit: the ``freq`` / ``freq_multiplier`` the summary was
built with (days by default).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from crm_analytics._checks import whole_number
from crm_analytics.clv._base import DROPOUT_NOT_IDENTIFIED
from crm_analytics.clv._checks import (
    check_fitted,
    check_histories,
    check_summary,
    require_columns,
    require_present,
    to_float,
)
from crm_analytics.clv._collapse import evaluate_on_unique_rows
from crm_analytics.clv.protocols import AliveModel, TransactionModel
from crm_analytics.exceptions import DataValidationError
from crm_analytics.schema import CUSTOMER_ID, DATE

__all__ = [
    "compare_models",
    "conditional_expectations",
    "expected_purchases_matrix",
    "holdout_metrics",
    "holdout_predictions",
    "period_transactions",
    "probability_alive_history",
    "probability_alive_matrix",
    "tracking_transactions",
]

logger = logging.getLogger(__name__)

_HOLDOUT_COLUMNS = (
    "frequency_cal",
    "recency_cal",
    "T_cal",
    "frequency_holdout",
    "duration_holdout",
)
_HOLDOUT_REMEDY = (
    "build it with crm_analytics.summary.calibration_holdout_split(transactions, calibration_end)"
)
_SUMMARY_REMEDY = "build it with crm_analytics.summary.rfm_summary(transactions)"
# Criteria where larger is better; every other criterion is sorted ascending.
_LARGER_IS_BETTER = frozenset({"log_likelihood", "correlation"})
_DISCRETE_PARAMS = frozenset({"alpha", "beta", "gamma", "delta"})
# Relative difference of the recommendation metric within which models are tied.
_TIE = 1e-3


def holdout_predictions(model: TransactionModel, calibration_holdout: pd.DataFrame) -> pd.DataFrame:
    """Predicted vs actual holdout-period repeat purchases, one row per customer.

    The prediction is the model's ``conditional_expected_number_of_purchases_up_to_time``
    over each customer's ``duration_holdout``, given the calibration-period history.

    Parameters
    ----------
    model : fitted transaction model
        Fitted on the calibration columns (``frequency_cal``, ``recency_cal``, ``T_cal``).
    calibration_holdout : pandas.DataFrame
        Output of `crm_analytics.summary.calibration_holdout_split`, indexed by customer_id.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``calibration_holdout``, with columns ``frequency_cal``, ``actual``
        (``frequency_holdout``) and ``predicted``.
    """
    check_fitted(model)
    frame = _checked_calibration_holdout(calibration_holdout)
    predicted = evaluate_on_unique_rows(
        model.conditional_expected_number_of_purchases_up_to_time,
        frame["duration_holdout"].to_numpy(),
        frame["frequency_cal"].to_numpy(),
        frame["recency_cal"].to_numpy(),
        frame["T_cal"].to_numpy(),
    )
    return pd.DataFrame(
        {
            "frequency_cal": frame["frequency_cal"].to_numpy(),
            "actual": frame["frequency_holdout"].to_numpy(dtype=np.float64),
            "predicted": predicted,
        },
        index=frame.index,
    )


def _checked_calibration_holdout(calibration_holdout: object) -> pd.DataFrame:
    """The frame, its columns checked and its calibration histories checked as a fit would.

    Customers are named by the frame's index, before predictions collapse distinct histories.
    """
    frame = require_columns(
        calibration_holdout, _HOLDOUT_COLUMNS, name="calibration_holdout", remedy=_HOLDOUT_REMEDY
    )
    check_summary(frame, ("frequency_cal", "recency_cal", "T_cal"), remedy=_HOLDOUT_REMEDY)
    return frame


def holdout_metrics(model: TransactionModel, calibration_holdout: pd.DataFrame) -> pd.Series:
    """Accuracy of the model's holdout-period purchase predictions.

    Parameters
    ----------
    model : fitted transaction model
        Fitted on the calibration columns of ``calibration_holdout``.
    calibration_holdout : pandas.DataFrame
        Output of `crm_analytics.summary.calibration_holdout_split`.

    Returns
    -------
    pandas.Series
        ``n_customers``; ``mae`` and ``rmse`` of predicted minus actual purchases per
        customer; ``correlation`` (Pearson) between them; ``actual_total`` and
        ``predicted_total`` purchases; ``aggregate_pct_error``
        = 100 * (predicted_total - actual_total) / actual_total.
    """
    return _metrics(holdout_predictions(model, calibration_holdout))


def _metrics(predictions: pd.DataFrame) -> pd.Series:
    actual = predictions["actual"].to_numpy()
    predicted = predictions["predicted"].to_numpy()
    error = predicted - actual
    actual_total, predicted_total = actual.sum(), predicted.sum()
    if actual.std() == 0 or predicted.std() == 0:
        warnings.warn(
            "correlation is undefined (NaN) because the actual or predicted holdout purchases "
            "are the same for every customer; use a longer holdout period",
            RuntimeWarning,
            stacklevel=3,
        )
        correlation = np.nan
    else:
        correlation = float(np.corrcoef(actual, predicted)[0, 1])
    if actual_total == 0:
        warnings.warn(
            "aggregate_pct_error is undefined (NaN) because no customer purchased in the "
            "holdout period; use a longer holdout period",
            RuntimeWarning,
            stacklevel=3,
        )
        aggregate_pct_error = np.nan
    else:
        aggregate_pct_error = 100.0 * (predicted_total - actual_total) / actual_total
    return pd.Series(
        {
            "n_customers": float(len(actual)),
            "mae": float(np.abs(error).mean()),
            "rmse": float(np.sqrt(np.mean(error**2))),
            "correlation": correlation,
            "actual_total": float(actual_total),
            "predicted_total": float(predicted_total),
            "aggregate_pct_error": float(aggregate_pct_error),
        },
        name="holdout",
    )


def conditional_expectations(
    model: TransactionModel, calibration_holdout: pd.DataFrame, *, censor: int | None = 7
) -> pd.DataFrame:
    """Mean holdout purchases, actual and predicted, by calibration-period frequency.

    The "conditional expectations" check of Fader, Hardie & Lee (2005, figure 4): customers
    are grouped by how many repeat purchases they made in the calibration period, and the
    model should track the group means of their holdout purchases.

    Parameters
    ----------
    model : fitted transaction model
        Fitted on the calibration columns of ``calibration_holdout``.
    calibration_holdout : pandas.DataFrame
        Output of `crm_analytics.summary.calibration_holdout_split`.
    censor : int or None, default 7
        Customers with ``frequency_cal >= censor`` are pooled in the row labelled ``censor``
        (read it as "7+"); None keeps every frequency apart. A positive whole number.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``frequency_cal`` (ascending), with columns ``n_customers``, ``actual``
        and ``predicted`` (group means of holdout purchases).
    """
    if censor is not None:
        censor = whole_number(
            censor,
            name="censor",
            example="censor=7, the frequency whose row pools the higher ones, or None",
        )
    predictions = holdout_predictions(model, calibration_holdout)
    frequency = predictions["frequency_cal"].to_numpy()
    if censor is not None:
        frequency = np.minimum(frequency, censor)
    table = predictions.groupby(pd.Index(frequency, name="frequency_cal")).agg(
        n_customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
    )
    return table.sort_index()


def period_transactions(
    model: TransactionModel, summary: pd.DataFrame, *, max_frequency: int = 7
) -> pd.DataFrame:
    """Number of customers by repeat purchases made, actual vs expected by the model.

    The in-sample fit check of Fader, Hardie & Lee (2005, figure 1). The expected number
    of customers with ``n`` repeat purchases is ``sum_i P(X(T_i) = n)`` over customers
    ``i``, from the model's ``probability_of_n_purchases_up_to_time`` at each customer's
    own age ``T_i``: exact, where lifetimes simulates.

    Parameters
    ----------
    model : fitted transaction model
        Must offer ``probability_of_n_purchases_up_to_time(t, n)`` (BG/NBD, MBG/NBD).
    summary : pandas.DataFrame
        The data the model was fitted on, with ``frequency`` and ``T`` columns (the output
        of `crm_analytics.summary.rfm_summary`).
    max_frequency : int, default 7
        Customers with ``frequency >= max_frequency`` are pooled in the last row; a positive
        whole number.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``frequency`` 0 .. ``max_frequency`` (the last row meaning
        ``max_frequency`` or more), with columns ``actual`` and ``predicted`` numbers of
        customers; each column sums to the number of customers.
    """
    check_fitted(model)
    if not hasattr(model, "probability_of_n_purchases_up_to_time"):
        raise TypeError(
            f"{type(model).__name__} has no probability_of_n_purchases_up_to_time(t, n), "
            "which the expected frequency counts need; use a BG/NBD or MBG/NBD model"
        )
    max_frequency = whole_number(
        max_frequency,
        name="max_frequency",
        example="max_frequency=7, the frequency whose row pools the higher ones",
    )
    frame = require_columns(summary, ("frequency", "T"), name="summary", remedy=_SUMMARY_REMEDY)
    check_histories(
        {"frequency": to_float(frame["frequency"], "column 'frequency'", _SUMMARY_REMEDY)},
        frame.index,
        integer=["frequency"],
        zero_when_no_repeat=None,
        remedy=_SUMMARY_REMEDY,
    )
    ages, customers_per_age = np.unique(frame["T"].to_numpy(dtype=np.float64), return_counts=True)
    predicted = np.empty(max_frequency + 1)
    for n_purchases in range(max_frequency):
        probabilities = np.asarray(
            model.probability_of_n_purchases_up_to_time(ages, n_purchases), dtype=np.float64
        )
        predicted[n_purchases] = customers_per_age @ probabilities
    predicted[max_frequency] = len(frame) - predicted[:max_frequency].sum()
    actual = np.bincount(
        np.minimum(frame["frequency"].to_numpy(dtype=np.int64), max_frequency),
        minlength=max_frequency + 1,
    )
    return pd.DataFrame(
        {"actual": actual, "predicted": predicted},
        index=pd.RangeIndex(max_frequency + 1, name="frequency"),
    )


def tracking_transactions(
    model: TransactionModel,
    transactions: pd.DataFrame,
    *,
    observation_end: object = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    customer_id_col: str = CUSTOMER_ID,
    datetime_col: str = DATE,
) -> pd.DataFrame:
    """Actual vs expected repeat transactions over time, per period and cumulated.

    Periods are counted from the period (``freq``) of the first transaction in the log.
    A customer born (first purchase) in period ``s`` is expected to have made
    ``E[X(t)]`` repeat purchases ``t`` periods later, from the model's
    ``expected_number_of_purchases_up_to_time``; the expected cumulative repeat
    transactions at time ``t`` sum this over all customers born before ``t`` (Fader, Hardie &
    Lee 2005, figure 3). Repeat transactions are counted as in the summary: at most one per
    customer and period, the first period excluded.

    The cumulative columns equal lifetimes'
    ``expected_cumulative_transactions(model, transactions, datetime_col, customer_id_col,
    t, freq=freq, freq_multiplier=freq_multiplier)`` with ``t`` the number of ``freq``
    periods up to and including ``observation_end``.

    Parameters
    ----------
    model : fitted transaction model
        Fitted in units of ``freq * freq_multiplier``.
    transactions : pandas.DataFrame
        Canonical transaction log (one row per transaction), including the holdout period.
    observation_end : date-like, optional
        Last date to track; defaults to the last transaction date.
    freq : str, default "D"
        Pandas period frequency the model's time unit is built on ("D", "W", "M", ...).
    freq_multiplier : int, default 1
        Number of ``freq`` periods in one model time unit (7 with ``freq="D"`` for weeks).
    customer_id_col, datetime_col : str
        Column names in ``transactions``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``t`` = 1, 2, ... (model time units since the start of the log), with
        columns ``period_end`` (the last ``freq`` period covered), ``actual`` and
        ``predicted`` repeat transactions in the time unit ending at ``t``, and
        ``actual_cumulative`` and ``predicted_cumulative`` up to ``t``.
    """
    check_fitted(model)
    freq_multiplier = _time_unit(freq, freq_multiplier)
    periods, customer_codes = _transaction_periods(
        transactions, freq=freq, customer_id_col=customer_id_col, datetime_col=datetime_col
    )
    start = int(periods.min())
    end = _period_ordinal(observation_end, freq) if observation_end is not None else periods.max()
    offsets = periods - start
    keep = offsets <= end - start
    n_base_periods = int(end - start) + 1
    n_units = n_base_periods // freq_multiplier
    if n_units < 1:
        raise DataValidationError(
            f"observation_end {observation_end} leaves less than one model time unit "
            f"({freq_multiplier} x {freq!r}) after the first transaction; choose a later date"
        )
    births, repeats = _births_and_repeats(customer_codes[keep], offsets[keep], n_base_periods)
    lags = np.arange(1, n_base_periods + 1, dtype=np.float64) / freq_multiplier
    expected_by_age = np.concatenate(
        ([0.0], np.asarray(model.expected_number_of_purchases_up_to_time(lags), dtype=np.float64))
    )
    # Customers born in period s have age p - s at the start of period p: a convolution.
    expected_at_start = np.convolve(births, expected_by_age)[: n_base_periods + 1]
    unit_ends = np.arange(1, n_units + 1) * freq_multiplier
    predicted_cumulative = expected_at_start[unit_ends]
    actual_cumulative = np.cumsum(repeats)[unit_ends - 1].astype(np.float64)
    return pd.DataFrame(
        {
            "period_end": pd.PeriodIndex.from_ordinals(start + unit_ends - 1, freq=freq),
            "actual": np.diff(actual_cumulative, prepend=0.0),
            "predicted": np.diff(predicted_cumulative, prepend=0.0),
            "actual_cumulative": actual_cumulative,
            "predicted_cumulative": predicted_cumulative,
        },
        index=pd.RangeIndex(1, n_units + 1, name="t"),
    )


def _time_unit(freq: object, freq_multiplier: object) -> int:
    """Check ``freq`` is a pandas period frequency; ``freq_multiplier`` as a positive int."""
    try:
        pd.Timestamp("2000-01-01").to_period(freq)
    except (TypeError, ValueError):
        raise DataValidationError(
            f"freq must be a pandas period frequency such as 'D', 'W' or 'M' (the period the "
            f"model's time unit is built on), got {freq!r}"
        ) from None
    return whole_number(
        freq_multiplier,
        name="freq_multiplier",
        example=f"freq_multiplier=7, {freq!r} periods in one model time unit",
    )


def _transaction_periods(
    transactions: pd.DataFrame, *, freq: str, customer_id_col: str, datetime_col: str
) -> tuple[np.ndarray, np.ndarray]:
    """Period ordinals of the transactions and integer codes of their customers."""
    if not isinstance(transactions, pd.DataFrame):
        raise DataValidationError(
            f"transactions must be a pandas DataFrame, got {type(transactions).__name__}"
        )
    require_present(
        transactions,
        (customer_id_col, datetime_col),
        name="transactions",
        remedy="pass customer_id_col= / datetime_col= or read the log with "
        "crm_analytics.io.read_transactions",
    )
    if transactions.empty:
        raise DataValidationError("transactions has no rows")
    dates = transactions[datetime_col]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        raise DataValidationError(
            f"column {datetime_col!r} must hold datetimes, got dtype {dates.dtype}; "
            "read the log with crm_analytics.io.read_transactions or convert it with pd.to_datetime"
        )
    for column, bad in (
        (datetime_col, dates.isna()),
        (customer_id_col, transactions[customer_id_col].isna()),
    ):
        if bad.any():
            examples = ", ".join(map(str, transactions.index[bad.to_numpy()][:3]))
            raise DataValidationError(
                f"column {column!r} has {int(bad.sum())} missing value(s) (e.g. rows {examples}); "
                "drop those transactions first"
            )
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)
    periods = pd.PeriodIndex(dates, freq=freq).asi8
    customer_codes, _ = pd.factorize(transactions[customer_id_col])
    return periods, customer_codes


def _period_ordinal(date: object, freq: str) -> int:
    """Ordinal of the ``freq`` period holding ``date``."""
    try:
        return pd.Timestamp(date).to_period(freq).ordinal
    except (TypeError, ValueError) as error:
        raise DataValidationError(f"cannot read {date!r} as a date: {error}") from error


def _births_and_repeats(
    customer_codes: np.ndarray, offsets: np.ndarray, n_periods: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per period: customers making their first purchase, and repeat purchase periods."""
    # One key per (customer, period): several purchases in a period count once.
    keys = np.unique(customer_codes.astype(np.int64) * n_periods + offsets)
    customers, periods = np.divmod(keys, n_periods)
    # keys are sorted by customer then period, so a customer's first key is its birth.
    is_birth = np.r_[True, customers[1:] != customers[:-1]]
    births = np.bincount(periods[is_birth], minlength=n_periods).astype(np.float64)
    repeats = np.bincount(periods[~is_birth], minlength=n_periods)
    return births, repeats


def compare_models(
    models: Iterable[TransactionModel | type] | Mapping[str, TransactionModel | type],
    calibration_holdout: pd.DataFrame,
    *,
    criterion: str = "bic",
    recommend_by: str = "rmse",
) -> pd.DataFrame:
    """One table of in-sample fit and holdout accuracy across transaction models, with a pick.

    Each model is fitted on the calibration columns (``frequency_cal``, ``recency_cal``,
    ``T_cal``) unless it is already fitted, then scored on the holdout purchases. The row
    marked ``recommended`` is the model whose predictions the holdout supports best (by
    ``recommend_by``), and ``verdict`` says why in a sentence, including whether the model
    could see customers leave at all (its ``dropout_identified_``).

    Parameters
    ----------
    models : iterable or mapping
        Model classes (instantiated with their defaults), unfitted instances, or instances
        already fitted on these calibration columns; a mapping gives the row labels,
        otherwise rows are labelled by class name. Fitted models must expose
        ``log_likelihood_`` and ``params_``.
    calibration_holdout : pandas.DataFrame
        Output of `crm_analytics.summary.calibration_holdout_split`. For the discrete-time
        BG/BB model, frequency/recency/T must count transaction opportunities.
    criterion : str, default "bic"
        Column to sort by, best first: ``log_likelihood`` and ``correlation`` descending,
        ``aggregate_pct_error`` by absolute value, any other ascending.
    recommend_by : str, default "rmse"
        Holdout column that picks the recommended model, best as for ``criterion``: the
        root mean squared error of each customer's holdout purchases weighs the heavy
        buyers, who carry most of the value, more than ``mae`` does.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``model``, with columns ``n_params``, ``log_likelihood``,
        ``aic`` = 2k - 2LL, ``bic`` = k ln(n) - 2LL (n customers), the
        `holdout_metrics` columns ``mae``, ``rmse``, ``correlation``, ``actual_total``,
        ``predicted_total``, ``aggregate_pct_error``, then ``dropout_identified`` (the
        model's ``dropout_identified_``, missing for models without one), ``recommended``
        (True on one row) and ``verdict``.

    Notes
    -----
    Log-likelihoods of the discrete-time BG/BB (a probability) and of the continuous-time
    models (a density) are not on the same scale: compare those on holdout errors only.

    Examples
    --------
    >>> from crm_analytics.clv import BetaGeoFitter, ParetoNBDFitter
    >>> from crm_analytics.datasets import load_cdnow
    >>> from crm_analytics.summary import calibration_holdout_split
    >>> split = calibration_holdout_split(
    ...     load_cdnow(sample=True), "1997-09-30", "1998-06-30", freq="D", freq_multiplier=7
    ... )
    >>> table = compare_models([BetaGeoFitter, ParetoNBDFitter], split)
    >>> table.loc[table["recommended"], "verdict"].item()
    'recommended: lowest holdout rmse (1.603; next BetaGeoFitter 1.608); dropout identified'
    """
    frame = _checked_calibration_holdout(calibration_holdout)
    named = _labelled(models)
    rows = {}
    identified = {}
    for label, model in named.items():
        fitted = _fitted_on_calibration(model, frame)
        if getattr(fitted, "log_likelihood_", None) is None:
            raise TypeError(
                f"model {label!r} ({type(fitted).__name__}) exposes no log_likelihood_; "
                "use the fitters in crm_analytics.clv"
            )
        n_params = len(fitted.params_)
        log_likelihood = float(fitted.log_likelihood_)
        fit_row = {
            "n_params": n_params,
            "log_likelihood": log_likelihood,
            "aic": 2 * n_params - 2 * log_likelihood,
            "bic": n_params * np.log(len(frame)) - 2 * log_likelihood,
        }
        rows[label] = {
            **fit_row,
            **_metrics(holdout_predictions(fitted, frame)).drop("n_customers"),
        }
        identified[label] = getattr(fitted, "dropout_identified_", None)
        logger.info("compare_models: %s LL=%.3f", label, log_likelihood)
    discrete = {label for label, model in named.items() if _is_discrete(model)}
    if discrete and len(discrete) < len(named):
        warnings.warn(
            f"log-likelihoods of the discrete-time model(s) {sorted(discrete)} and of the "
            "continuous-time models are not comparable; compare them on holdout errors",
            UserWarning,
            stacklevel=2,
        )
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("model")
    for name, value in (("criterion", criterion), ("recommend_by", recommend_by)):
        if value not in table.columns:
            raise DataValidationError(
                f"{name} {value!r} is not a column of the comparison; "
                f"choose one of {', '.join(table.columns)}"
            )
    table["dropout_identified"] = pd.array(
        [identified[label] for label in table.index], dtype="boolean"
    )
    best, tied = _recommended(table, recommend_by)
    table["recommended"] = table.index == best
    table["verdict"] = _verdicts(table, best, tied, recommend_by)
    return _sorted_best_first(table, criterion)


def _sorted_best_first(table: pd.DataFrame, column: str) -> pd.DataFrame:
    if column == "aggregate_pct_error":
        return table.sort_values(column, key=np.abs, kind="stable")
    return table.sort_values(column, ascending=column not in _LARGER_IS_BETTER, kind="stable")


def _recommended(table: pd.DataFrame, column: str) -> tuple[str, list[str]]:
    """The model the holdout supports best by ``column``, and those tied with it.

    Models within 0.1% of the best are tied; among them one whose dropout is identified is
    preferred, since its P(alive) carries information.
    """
    best_first = _sorted_best_first(table, column).index
    best_value = table.loc[best_first[0], column]
    tied = [
        label
        for label in best_first
        if abs(table.loc[label, column] - best_value) <= _TIE * abs(best_value)
    ]
    identified = [label for label in tied if table.loc[label, "dropout_identified"] is True]
    best = identified[0] if identified else tied[0]
    return best, [label for label in tied if label != best]


def _verdicts(table: pd.DataFrame, best: str, tied: list[str], column: str) -> list[str]:
    """One sentence per model: the pick and its margin, or how far from the pick it is."""
    others = _sorted_best_first(table.drop(index=best), column).index
    verdicts = []
    for label in table.index:
        value = table.loc[label, column]
        if label == best:
            if tied:
                margin = f"; tied within 0.1% with {', '.join(tied)}"
            elif len(others):
                margin = f"; next {others[0]} {table.loc[others[0], column]:.4g}"
            else:
                margin = ""
            sentence = f"recommended: {_best_word(column)} holdout {column} ({value:.4g}{margin})"
        else:
            sentence = (
                f"holdout {column} {value:.4g} against {table.loc[best, column]:.4g} for {best}"
            )
        dropout = table.loc[label, "dropout_identified"]
        if dropout is pd.NA:
            verdicts.append(sentence)
        elif dropout:
            verdicts.append(f"{sentence}; dropout identified")
        else:
            verdicts.append(f"{sentence}; dropout not identified: {DROPOUT_NOT_IDENTIFIED}")
    return verdicts


def _best_word(column: str) -> str:
    if column in _LARGER_IS_BETTER:
        return "highest"
    return "smallest absolute" if column == "aggregate_pct_error" else "lowest"


def _labelled(models: Iterable[object] | Mapping[str, object]) -> dict[str, object]:
    if isinstance(models, Mapping):
        named = dict(models)
    else:
        named = {}
        for model in models:
            name = model.__name__ if isinstance(model, type) else type(model).__name__
            label, copy_number = name, 1
            while label in named:
                copy_number += 1
                label = f"{name} ({copy_number})"
            named[label] = model
    if not named:
        raise DataValidationError("models is empty; pass at least one model class or instance")
    return named


def _fitted_on_calibration(model: object, frame: pd.DataFrame) -> object:
    if isinstance(model, type):
        model = model()
    if getattr(model, "params_", None) is None:
        model.fit(
            frame["frequency_cal"].to_numpy(),
            frame["recency_cal"].to_numpy(),
            frame["T_cal"].to_numpy(),
        )
    return model


def _is_discrete(model: object) -> bool:
    params = getattr(model, "params_", None)
    return params is not None and set(params.index) == _DISCRETE_PARAMS


def expected_purchases_matrix(
    model: TransactionModel,
    *,
    t: float = 1.0,
    max_frequency: int,
    max_recency: int,
    T: float | None = None,
) -> pd.DataFrame:
    """Expected purchases in the next ``t`` time units by frequency and recency.

    Parameters
    ----------
    model : fitted transaction model
    t : float, default 1.0
        Prediction horizon, in model time units.
    max_frequency, max_recency : int
        Largest frequency (columns 0 .. max_frequency) and recency (rows 0 .. max_recency).
    T : float, optional
        Customer age used for every cell; defaults to ``max_recency`` as in lifetimes.

    Returns
    -------
    pandas.DataFrame
        Index ``recency``, columns ``frequency``; cells that no history can produce
        (frequency 0 with recency > 0) are NaN.
    """
    return _frequency_recency_grid(
        lambda f, r, age: model.conditional_expected_number_of_purchases_up_to_time(t, f, r, age),
        model,
        max_frequency=max_frequency,
        max_recency=max_recency,
        T=T,
    )


def probability_alive_matrix(
    model: AliveModel, *, max_frequency: int, max_recency: int, T: float | None = None
) -> pd.DataFrame:
    """Probability that a customer is still alive by frequency and recency.

    Parameters
    ----------
    model : fitted continuous-time transaction model
    max_frequency, max_recency : int
        Largest frequency (columns 0 .. max_frequency) and recency (rows 0 .. max_recency).
    T : float, optional
        Customer age used for every cell; defaults to ``max_recency`` as in lifetimes.

    Returns
    -------
    pandas.DataFrame
        Index ``recency``, columns ``frequency``; cells that no history can produce
        (frequency 0 with recency > 0) are NaN.
    """
    return _frequency_recency_grid(
        model.conditional_probability_alive,
        model,
        max_frequency=max_frequency,
        max_recency=max_recency,
        T=T,
    )


def _frequency_recency_grid(
    function, model: object, *, max_frequency: int, max_recency: int, T: float | None
) -> pd.DataFrame:
    check_fitted(model)
    if max_frequency < 0 or max_recency < 0:
        raise DataValidationError(
            f"max_frequency and max_recency must be non-negative, got {max_frequency} and "
            f"{max_recency}"
        )
    age = float(max_recency if T is None else T)
    if age < max_recency:
        raise DataValidationError(f"T ({age}) must be at least max_recency ({max_recency})")
    recency, frequency = np.meshgrid(
        np.arange(max_recency + 1, dtype=np.float64), np.arange(max_frequency + 1), indexing="ij"
    )
    # Models refuse the impossible histories (no repeat purchase but a positive recency).
    possible = (frequency > 0) | (recency == 0)
    values = np.full(frequency.shape, np.nan)
    values[possible] = np.asarray(
        function(frequency[possible], recency[possible], np.full(possible.sum(), age)),
        dtype=np.float64,
    ).reshape(-1)
    return pd.DataFrame(
        values,
        index=pd.RangeIndex(max_recency + 1, name="recency"),
        columns=pd.RangeIndex(max_frequency + 1, name="frequency"),
    )


def probability_alive_history(
    model: AliveModel,
    transactions: pd.DataFrame,
    customer_id: object,
    *,
    observation_end: object = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    customer_id_col: str = CUSTOMER_ID,
    datetime_col: str = DATE,
) -> pd.DataFrame:
    """One customer's probability of being alive, period by period since their first purchase.

    At the end of each ``freq`` period the customer's history so far (frequency, recency, T
    in model time units, several purchases in a period counting once) is fed to the model's
    ``conditional_probability_alive``: P(alive) jumps up at each purchase and decays between
    them.

    Parameters
    ----------
    model : fitted continuous-time transaction model
        Fitted in units of ``freq * freq_multiplier``.
    transactions : pandas.DataFrame
        Transaction log holding the customer's purchases (others are ignored).
    customer_id : object
        The customer to follow.
    observation_end : date-like, optional
        Last date of the history; defaults to the last date in ``transactions``.
    freq : str, default "D"
        Pandas period frequency the model's time unit is built on.
    freq_multiplier : int, default 1
        Number of ``freq`` periods in one model time unit.
    customer_id_col, datetime_col : str
        Column names in ``transactions``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``date`` (start of each period from the first purchase to
        ``observation_end``), with columns ``purchased`` (bool), ``frequency``,
        ``recency``, ``T`` and ``p_alive``.
    """
    check_fitted(model)
    freq_multiplier = _time_unit(freq, freq_multiplier)
    periods, _ = _transaction_periods(
        transactions, freq=freq, customer_id_col=customer_id_col, datetime_col=datetime_col
    )
    mine = (transactions[customer_id_col] == customer_id).to_numpy()
    if not mine.any():
        raise DataValidationError(
            f"customer_id {customer_id!r} has no transactions in column {customer_id_col!r}"
        )
    birth = int(periods[mine].min())
    end = _period_ordinal(observation_end, freq) if observation_end is not None else periods.max()
    if end < birth:
        raise DataValidationError(
            f"observation_end {observation_end} is before customer {customer_id!r}'s first "
            "purchase; choose a later date"
        )
    offsets = periods[mine] - birth
    steps = np.arange(end - birth + 1)
    purchased = np.zeros(steps.size, dtype=bool)
    purchased[offsets[offsets <= end - birth]] = True
    frequency = np.cumsum(purchased) - 1
    recency = np.maximum.accumulate(np.where(purchased, steps, 0)) / freq_multiplier
    age = steps / freq_multiplier
    p_alive = np.asarray(model.conditional_probability_alive(frequency, recency, age), dtype=float)
    dates = pd.PeriodIndex.from_ordinals(birth + steps, freq=freq).to_timestamp()
    return pd.DataFrame(
        {
            "purchased": purchased,
            "frequency": frequency,
            "recency": recency,
            "T": age,
            "p_alive": p_alive.reshape(-1),
        },
        index=pd.Index(dates, name="date"),
    )
