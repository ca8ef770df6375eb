"""``read_customers``: a customer table in, one canonical, validated row per customer out."""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from crm_analytics.exceptions import DataValidationError
from crm_analytics.io._parse import (
    PLAUSIBLE_DATES,
    Parsed,
    column_label,
    examples,
    parse_dates,
    parse_flags,
    parse_ids,
)
from crm_analytics.io._sources import read_source, roles_for
from crm_analytics.io._tally import Tally, check_choice, drop_missing_customer_ids
from crm_analytics.quality import DataQualityReport
from crm_analytics.schema import CANCEL_DATE, CHURNED, CUSTOMER_ID, SIGNUP_DATE

__all__ = ["CustomerTable", "read_customers"]

logger = logging.getLogger(__name__)

_CANONICAL = (CUSTOMER_ID, SIGNUP_DATE, CANCEL_DATE, CHURNED)


@dataclass(frozen=True, eq=False)
class CustomerTable:
    """A checked customer table, one row per customer, with its data-quality report.

    What :func:`read_customers` returns; every function of the library that takes
    ``customers`` takes it (or a plain DataFrame).

    Attributes
    ----------
    frame : pandas.DataFrame
        ``customer_id`` and, when mapped, ``signup_date``, ``cancel_date``, ``churned``,
        then the attribute columns; sorted by ``customer_id``, a fresh RangeIndex.
    report : DataQualityReport
        Rows read, dropped by reason, kept.
    attributes : tuple of str
        The names of the attribute columns.
    """

    frame: pd.DataFrame
    report: DataQualityReport
    attributes: tuple[str, ...] = ()

    def to_pandas(self) -> pd.DataFrame:
        """The table as a pandas DataFrame (the ``frame``; treat it as read-only)."""
        return self.frame

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        return (
            f"<CustomerTable: {len(self.frame):,} customers, columns "
            f"{', '.join(map(str, self.frame.columns))}>"
        )

    def _repr_html_(self) -> str:
        return self.frame._repr_html_()


def read_customers(
    source: Any,
    *,
    customer_id: Hashable,
    signup_date: Hashable | None = None,
    cancel_date: Hashable | None = None,
    churned: Hashable | None = None,
    attributes: Sequence[Hashable] | Mapping[Hashable, str] | None = None,
    missing_customer_id: Literal["drop", "raise"] = "drop",
    duplicates: Literal["raise", "first", "last"] = "raise",
    invalid_rows: Literal["raise", "drop"] = "raise",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    plausible_dates: tuple[Any, Any] | None = PLAUSIBLE_DATES,
    sheet_name: str | int | None = None,
    table: str | None = None,
    query: str | None = None,
    delimiter: str | None = None,
    encoding: str = "utf-8",
) -> CustomerTable:
    """Load a customer table: one row per customer, canonical names, checked values.

    The result is a :class:`CustomerTable`; its ``frame`` has ``customer_id`` and, when mapped, ``signup_date`` and ``cancel_date``
    (tz-naive ``datetime64[ns]``, ``NaT`` for customers who have not cancelled) and
    ``churned`` (bool), followed by the attribute columns under their own names; rows are
    sorted by ``customer_id`` with a fresh RangeIndex. Its ``report`` is a
    :class:`~crm_analytics.quality.DataQualityReport` of what was read, dropped and kept.

    Parameters
    ----------
    source : path, URL, DataFrame or connection
        As for :func:`read_transactions`: CSV/TSV, Excel or Parquet file, pandas or polars
        frame, pyarrow Table, or SQL URL/Engine/Connection with ``table=`` or ``query=``.
    customer_id : column name
        The customer identifier, normalised as by :func:`read_transactions` (whole numbers
        become int64 whether stored as integers, floats or text), so the ids of both
        tables match.
    signup_date : column name, optional
        Date the customer joined (first purchase or contract start). When mapped, a
        missing or unreadable signup date makes the row invalid.
    cancel_date : column name, optional
        Date a contract ended; empty for active customers. Must not precede the signup date.
    churned : column name, optional
        Churn flag: booleans, 1/0, or text yes/no, y/n, true/false, t/f (any case). When only
        ``cancel_date`` is given, ``churned`` is derived as "has a cancel date".
    attributes : list or dict of column names, optional
        Extra columns to keep: a list keeps them under their names, a dict renames
        ``{source name: new name}`` (each new name used once). Default None keeps every
        column not mapped above, unchanged (e.g. the contract type and charges of a telecom
        export), but for true/false columns with gaps, which are pandas' nullable
        ``boolean`` from every kind of source; ``[]`` keeps none.
    missing_customer_id : {"drop", "raise"}, default "drop"
        Rows without a customer id are dropped (counted as ``"missing_customer_id"``) or
        raise.
    duplicates : {"raise", "first", "last"}, default "raise"
        Several rows for one customer id. A customer table should have one row per customer,
        so by default this is an error quoting examples; ``"first"``/``"last"`` keep one row
        and count the others as ``"duplicate_customer_id"``.
    invalid_rows : {"raise", "drop"}, default "raise"
        Rows with an unreadable date or churn flag, a missing signup date or churn flag,
        or a cancel date before the signup date: an error by default, or dropped (counted as
        ``"invalid_date"``, ``"invalid_churned"``, ``"cancel_before_signup"``).
    date_format, dayfirst, plausible_dates, sheet_name, table, query, delimiter, encoding
        As for :func:`read_transactions`: a day-first export is refused unless ``dayfirst``
        (or ``date_format``) says so or a value proves it, and signup or cancel dates before
        1901 or after today are invalid rows.

    Returns
    -------
    CustomerTable
        The checked table (``.frame``) with its quality report (``.report``).

    Raises
    ------
    DataValidationError
        Missing or repeated columns (with close matches suggested), unreadable values,
        duplicate ids, attribute names that clash with canonical ones or with each other,
        argument values that cannot work, or no rows left (and the source problems listed
        for :func:`read_transactions`).

    Examples
    --------
    >>> raw = pd.DataFrame({"id": ["a", "b", "c"], "plan": ["pro", "free", "pro"],
    ...                     "joined": ["2023-01-05", "2023-02-11", "2023-03-20"],
    ...                     "left": [None, "2023-06-30", None]})
    >>> read_customers(raw, customer_id="id", signup_date="joined", cancel_date="left").frame
      customer_id signup_date cancel_date  churned  plan
    0           a  2023-01-05         NaT    False   pro
    1           b  2023-02-11  2023-06-30     True  free
    2           c  2023-03-20         NaT    False   pro
    """
    check_choice("missing_customer_id", missing_customer_id, ("drop", "raise"))
    check_choice("duplicates", duplicates, ("raise", "first", "last"))
    check_choice("invalid_rows", invalid_rows, ("raise", "drop"))
    mapping = {
        CUSTOMER_ID: customer_id,
        SIGNUP_DATE: signup_date,
        CANCEL_DATE: cancel_date,
        CHURNED: churned,
    }
    mapping = {key: column for key, column in mapping.items() if column is not None}
    extra = _attribute_names(attributes)
    roles = roles_for(mapping)
    for column in extra or ():
        roles.setdefault(column, "attributes=")
    raw, description = read_source(
        source,
        roles=roles,
        all_columns=extra is None,
        text_columns=[
            mapping[key] for key in (CUSTOMER_ID, SIGNUP_DATE, CANCEL_DATE) if key in mapping
        ],
        sheet_name=sheet_name,
        table=table,
        query=query,
        delimiter=delimiter,
        encoding=encoding,
    )
    raw = raw.reset_index(drop=True)
    if extra is None:
        extra = {column: column for column in raw.columns if column not in roles}
    _check_attribute_names(extra)
    if raw.empty:
        raise DataValidationError(f"{description} has no rows: there is nothing to load")

    frame, tally, ids = _parse(raw, mapping, invalid_rows, date_format, dayfirst, plausible_dates)
    frame = drop_missing_customer_ids(
        frame,
        tally,
        ids,
        column=customer_id,
        policy=missing_customer_id,
        counted="(counted in the quality report)",
    )
    frame = _drop_duplicate_ids(frame, tally, customer_id, duplicates)
    tally.require_rows_left(frame, description)

    for source_name, new_name in extra.items():
        frame[new_name] = _attribute(raw[source_name])
    frame = frame.sort_values(CUSTOMER_ID).reset_index(drop=True)
    columns = {key: str(column) for key, column in mapping.items()}
    if CHURNED in frame.columns and CHURNED not in mapping:
        columns[CHURNED] = f"{cancel_date} is not empty"
    columns.update({str(new): str(old) for old, new in extra.items()})
    report = tally.report(
        frame,
        table="customers",
        source=description,
        columns=columns,
        date_column=SIGNUP_DATE,
        policies={
            "missing_customer_id": missing_customer_id,
            "duplicates": duplicates,
            "invalid_rows": invalid_rows,
            "date_format": date_format,
            "dayfirst": dayfirst or None,
        },
    )
    logger.info("read %s customers from %s", f"{report.rows_kept:,}", description)
    return CustomerTable(frame, report, tuple(str(name) for name in extra.values()))


def _attribute_names(
    attributes: Sequence[Hashable] | Mapping[Hashable, str] | None,
) -> dict[Hashable, str] | None:
    """Source name -> output name of the attribute columns (None: every unmapped column)."""
    if attributes is None:
        return None
    if isinstance(attributes, Mapping):
        return dict(attributes)
    if isinstance(attributes, (str, bytes)) or not isinstance(attributes, Iterable):
        raise DataValidationError(
            f"attributes={attributes!r} is not a list of column names or a mapping; pass "
            "e.g. attributes=['Region'] to keep columns as they are, or "
            "attributes={'Region': 'region'} to rename them"
        )
    return {column: column for column in attributes}


def _attribute(values: pd.Series) -> pd.Series:
    """An attribute column as read, but for yes/no values with gaps, which become pandas'
    nullable boolean whatever the source: Parquet, Polars, PyArrow and CSV give them as
    objects (True, False and None), a pandas frame usually as boolean already.

    Examples
    --------
    >>> _attribute(pd.Series([True, None, False], dtype=object)).dtype
    BooleanDtype
    """
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) == "boolean":
        return values.astype("boolean")
    return values


def _check_attribute_names(extra: Mapping[Hashable, Hashable]) -> None:
    """Refuse attribute output names that clash with canonical columns or with each other."""
    clashes = [str(new) for new in extra.values() if new in _CANONICAL]
    if clashes:
        raise DataValidationError(
            f"attribute column(s) {examples(clashes)} would clash with the canonical columns "
            f"{', '.join(_CANONICAL)}; map them (e.g. churned=...) or rename them with "
            "attributes={'old name': 'new name'}"
        )
    targets = pd.Series(list(extra.values()), index=list(extra), dtype=object)
    repeated = targets[targets.duplicated(keep=False)]
    if len(repeated):
        cases = "; ".join(
            f"{examples(sources.index)} all become {name!r}"
            for name, sources in repeated.groupby(repeated, sort=False)
        )
        raise DataValidationError(
            f"attributes= gives {repeated.nunique():,} output name(s) to several columns "
            f"({cases}); give each kept column its own name"
        )


def _parse(
    raw: pd.DataFrame,
    mapping: dict[str, Hashable],
    invalid_rows: str,
    date_format: str | None,
    dayfirst: bool | None,
    plausible_dates: tuple[Any, Any] | None,
) -> tuple[pd.DataFrame, Tally, Parsed]:
    """Convert the mapped columns; raise on, or drop, rows whose values cannot be used."""
    ids = parse_ids(raw[mapping[CUSTOMER_ID]])
    frame = pd.DataFrame({CUSTOMER_ID: ids.values})
    dates: dict[str, Parsed] = {}
    for key in (SIGNUP_DATE, CANCEL_DATE):
        if key in mapping:
            dates[key] = parse_dates(
                raw[mapping[key]],
                label=column_label(mapping, key),
                date_format=date_format,
                dayfirst=dayfirst,
                plausible_dates=plausible_dates,
            )
            frame[key] = dates[key].values
    flags = parse_flags(raw[mapping[CHURNED]]) if CHURNED in mapping else None
    if flags is not None:
        frame[CHURNED] = flags.values
    elif CANCEL_DATE in mapping:
        frame[CHURNED] = frame[CANCEL_DATE].notna()

    # A missing cancel date means "still a customer", so only unreadable ones are invalid.
    bad_dates = np.zeros(len(frame), dtype=bool)
    problems = []
    for key, parsed in dates.items():
        optional = key == CANCEL_DATE
        bad_dates |= parsed.invalid if optional else parsed.bad
        problems.append(
            parsed.problem(
                raw[mapping[key]], column_label(mapping, key), "dates", missing_ok=optional
            )
        )
    if flags is not None:
        problems.append(
            flags.problem(raw[mapping[CHURNED]], column_label(mapping, CHURNED), "yes/no flags")
        )
    reversed_dates = np.zeros(len(frame), dtype=bool)
    if len(dates) == 2:
        reversed_dates = (frame[CANCEL_DATE] < frame[SIGNUP_DATE]).to_numpy()
        if reversed_dates.any():
            first = frame.loc[reversed_dates].head(3)
            cases = ", ".join(
                f"customer {examples([cid])} signed up {start.date()}, cancelled {end.date()}"
                for cid, start, end in zip(
                    first[CUSTOMER_ID], first[SIGNUP_DATE], first[CANCEL_DATE], strict=True
                )
            )
            problems.append(
                f"{reversed_dates.sum():,} rows have a cancel date before the signup date "
                f"(e.g. {cases})"
            )
    problems = [problem for problem in problems if problem]
    if problems and invalid_rows == "raise":
        hints = "".join(f" {parsed.hint}," for parsed in dates.values() if parsed.hint)
        raise DataValidationError(
            "; ".join(problems) + f"; fix them in the source,{hints} or pass "
            "invalid_rows='drop' to leave those rows out (counted in the quality report)"
        )
    tally = Tally(frame)
    tally.warnings.extend(parsed.note for parsed in dates.values() if parsed.note)
    frame = tally.drop(frame, bad_dates, "invalid_date")
    frame = tally.drop(frame, reversed_dates[frame.index.to_numpy()], "cancel_before_signup")
    if flags is not None:
        frame = tally.drop(frame, flags.bad[frame.index.to_numpy()], "invalid_churned")
        frame[CHURNED] = frame[CHURNED].astype(bool)
    if flags is not None and CANCEL_DATE in frame.columns:
        conflicting = int((frame[CANCEL_DATE].notna() & ~frame[CHURNED]).sum())
        tally.flag(
            "cancel_date_not_churned",
            conflicting,
            f"{conflicting:,} customers have a cancel date but are not flagged as churned "
            "(a notice period?); both columns were kept as they are",
        )
    return frame, tally, ids


def _drop_duplicate_ids(
    frame: pd.DataFrame, tally: Tally, column: Hashable, policy: str
) -> pd.DataFrame:
    keep = "last" if policy == "last" else "first"
    repeated = frame[CUSTOMER_ID].duplicated(keep=keep).to_numpy()
    if repeated.any() and policy == "raise":
        ids = frame.loc[repeated, CUSTOMER_ID].unique()
        raise DataValidationError(
            f"{repeated.sum():,} rows repeat a customer id already seen in column {column!r} "
            f"(customer_id=), e.g. {examples(ids)}; a customer table needs one row per "
            "customer: fix the source, or pass duplicates='first' or 'last' to keep one row each"
        )
    return tally.drop(frame, repeated, "duplicate_customer_id")
