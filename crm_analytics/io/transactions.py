"""``read_transactions``: a transaction export in, a canonical, validated transaction log out."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import Any, Literal

import numpy as np
import pandas as pd

from crm_analytics._dates import to_timestamp
from crm_analytics.exceptions import DataValidationError
from crm_analytics.io._lazy import read_lazy
from crm_analytics.io._parse import (
    PLAUSIBLE_DATES,
    Parsed,
    column_label,
    examples,
    finish_ids,
    parse_dates,
    parse_ids,
    parse_numbers,
)
from crm_analytics.io._sources import read_source, roles_for
from crm_analytics.io._tally import Tally, check_choice, drop_missing_customer_ids
from crm_analytics.io.mapping import mapped_customer_ids
from crm_analytics.log import TransactionLog
from crm_analytics.schema import AMOUNT, CUSTOMER_ID, DATE, ORDER_ID, PRODUCT, QUANTITY

__all__ = ["read_transactions"]

logger = logging.getLogger(__name__)

_UNIT_PRICE = "unit_price"
_HOW_TO_DROP = "(they are counted in the quality report)"


def read_transactions(
    source: Any,
    *,
    customer_id: Hashable,
    date: Hashable,
    amount: Hashable | None = None,
    quantity: Hashable | None = None,
    unit_price: Hashable | None = None,
    order_id: Hashable | None = None,
    product: Hashable | None = None,
    observation_end: Any = None,
    returns: Literal["drop", "net", "keep"] = "drop",
    cancellation_prefix: str | None = None,
    missing_customer_id: Literal["drop", "raise"] = "drop",
    duplicates: Literal["keep", "drop", "raise"] = "keep",
    zero_amounts: Literal["keep", "drop"] = "keep",
    invalid_rows: Literal["raise", "drop"] = "raise",
    after_observation_end: Literal["raise", "drop"] = "raise",
    customer_mapping: pd.Series | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    plausible_dates: tuple[Any, Any] | None = PLAUSIBLE_DATES,
    sheet_name: str | int | None = None,
    table: str | None = None,
    query: str | None = None,
    delimiter: str | None = None,
    encoding: str = "utf-8",
    engine: str | None = None,
    memory_limit: str | None = None,
    spark: Any = None,
) -> TransactionLog:
    """Load a transaction log: read, check and clean once, into the log every layer takes.

    The result is a :class:`~crm_analytics.log.TransactionLog` whose ``report`` is a
    :class:`~crm_analytics.quality.DataQualityReport` counting every row read, dropped (by
    reason) and kept. Its ``to_pandas()`` has columns ``customer_id``, ``date`` (tz-naive
    ``datetime64``), ``amount`` (float64) and, when mapped, ``order_id``, ``product`` and
    ``quantity``; rows are sorted by customer then date, with a fresh RangeIndex.

    Rows are checked in this order, each step counting what it drops: unusable values
    (``invalid_rows``), missing customer ids, dates after ``observation_end``, exact
    duplicates, returns, zero amounts.

    Parameters
    ----------
    source : path, URL, DataFrame or connection
        A file path (``.csv``/``.txt`` with the delimiter sniffed, ``.tsv``/``.tab``, either
        optionally compressed; ``.xlsx``/``.xlsm``; ``.parquet`` or a folder of Parquet files),
        a pandas or polars DataFrame, a polars LazyFrame, a pyarrow Table, or a SQL database
        given as a SQLAlchemy URL string (``"sqlite:///shop.db"``) or Engine/Connection,
        together with ``table=`` or ``query=``. URLs of files (``https://``, ``s3://``...)
        are refused: download the file and pass its path. A SQLite URL must name an existing
        database file (it is never created).
    customer_id, date : column name
        Source columns holding the customer identifier and the transaction date/time.
        Identifiers are whole numbers (int64) whenever every id is one, whether the source
        stores them as integers, floats (a column with gaps) or text (``"17850"``,
        ``"17850.0"``), so the same ids match across files and sources; otherwise text,
        stripped, with leading zeros kept. Dates in text files are read as text and parsed
        like text in a data frame.
    amount : column name, optional
        Source column with the value of each line. Give either ``amount`` or both
        ``quantity`` and ``unit_price``, from which ``amount = quantity * unit_price``.
    quantity, unit_price : column name, optional
        Units and price per unit. ``quantity`` is kept in the output (int64 when every value
        is whole, else float64); ``unit_price`` only serves to derive ``amount``.
    order_id, product : column name, optional
        Order (invoice) number and product code, kept in the output when given.
    observation_end : date-like, optional
        End of the observation window. Transactions on a later calendar day than this are
        handled by ``after_observation_end``; the whole end day itself is inside the window.
    returns : {"drop", "net", "keep"}, default "drop"
        What to do with return or cancellation lines: lines with a negative amount or
        quantity, or whose ``order_id`` starts with ``cancellation_prefix``.

        - ``"drop"`` removes them (counted as ``"return"``). The default, because the
          purchase models downstream (BG/NBD, Gamma-Gamma) describe purchase occasions
          and positive spend.
        - ``"net"`` keeps them so they offset purchases: each return line takes the date
          (and order id) of the same customer's latest purchase line at or before it, so it
          lowers that customer's spend without creating a purchase day of its own (not
          matched by product). Returns with no earlier purchase in the data (the purchase
          predates the export) are dropped as ``"unmatched_return"``. A purchase day can
          end up with a negative net amount; such days are kept as they are and counted
          as ``flagged["negative_net_day"]`` with a warning.
        - ``"keep"`` leaves them untouched, as negative lines on the day they happened
          (for audits; summaries will see those days as purchase days).
    cancellation_prefix : str, optional
        Order ids starting with this text mark cancellation lines (``"C"`` in the UCI Online
        Retail data). Needs ``order_id``. Default None: only negative values mark returns.
    missing_customer_id : {"drop", "raise"}, default "drop"
        Rows without a customer id (empty or blank) cannot be attributed to anyone; by
        default they are dropped and counted as ``"missing_customer_id"`` (guest checkouts
        are common in shop exports).
    duplicates : {"keep", "drop", "raise"}, default "keep"
        Rows identical to an earlier row in every column read. Kept by default (and counted
        in ``flagged``) because real logs hold genuine repeated lines: the same product
        scanned twice on one invoice (the Online Retail data has 5,268 such lines). Use
        ``"drop"`` for double exports, ``"raise"`` to stop and look.
    zero_amounts : {"keep", "drop"}, default "keep"
        Lines with an amount of exactly 0 (free items, samples). Kept by default, since the
        customer did order, and counted in ``flagged``.
    invalid_rows : {"raise", "drop"}, default "raise"
        Rows whose date, amount, quantity or unit price is missing or cannot be read.
        By default loading stops with a message quoting examples; ``"drop"`` leaves them
        out, counted as ``"invalid_date"`` or ``"invalid_amount"``.
    after_observation_end : {"raise", "drop"}, default "raise"
        Rows dated after ``observation_end``: by default an error (they usually mean a
        wrong end date or a wrong date format); ``"drop"`` leaves them out.
    customer_mapping : pandas.Series, optional
        Old customer id -> surviving id, from
        :func:`crm_analytics.dedupe.merge_customers`: the lines of merged duplicate
        records move to the surviving customer (counted in the report as
        ``merged_customer_id``).
    date_format : str, optional
        strftime pattern of text dates (``"%d/%m/%Y %H:%M"``), or ``"ISO8601"`` or
        ``"mixed"``, honoured for every kind of source. Default: ISO 8601 first, then
        pandas' inference.
    dayfirst : bool, optional
        Order of day and month in text dates such as 01/02/2011: True reads 1 February,
        False 2 January. Default None: the order the column's values prove (a first number
        above 12 is a day); a column that none settles (every first and second number at
        most 12) is refused with examples rather than guessed.
    plausible_dates : (date, date) or None, default ("1901-01-01", "today")
        Dates outside this range are invalid rows (see ``invalid_rows``), with the reason:
        dates before 1901 are placeholders for "no date" (1899-12-30, 1900-01-01) or
        two-digit years in the wrong century, dates after today (the end of tomorrow by the
        machine's clock, for time zones ahead of it) are typos or day/month mix-ups. Give
        other bounds if such dates are real, or None to accept any date.
    sheet_name : str or int, optional
        Excel sheet to read; default the first.
    table, query : str, optional
        For SQL sources, exactly one: a table name, or a SELECT statement.
    delimiter : str, optional
        Field separator of a text file; default sniffed from its first lines (tab for
        ``.tsv``/``.tab``).
    encoding : str, default "utf-8"
        Encoding of a text file (a name Python knows, e.g. ``"latin-1"``).
    engine : {"duckdb", "polars", "spark"}, optional
        Read a Parquet file, folder or glob where it lies instead of loading it: the log stays
        lazy in that engine (DuckDB out of core within ``memory_limit``, Polars streaming,
        Spark on its cluster), the column mapping and the policies become parts of its query,
        and one aggregation counts the report. Parquet columns are typed: dates must be
        timestamps and amounts numbers. ``returns="net"`` and ``customer_mapping`` need the
        log in memory and are refused; exact duplicates are kept uncounted unless
        ``duplicates`` is "drop" or "raise". Default: read into memory.
    memory_limit : str, optional
        DuckDB's memory limit, such as ``"2GB"`` (``engine="duckdb"``).
    spark : pyspark.sql.SparkSession, optional
        The session for ``engine="spark"``.

    Returns
    -------
    TransactionLog
        The checked log, with the quality report as its ``report``.

    Raises
    ------
    DataValidationError
        Missing or repeated columns (with close matches suggested), unusable dates or
        numbers, missing ids (``missing_customer_id="raise"``), dates after the observation
        end, duplicates (``duplicates="raise"``), or no rows left; also a missing,
        corrupt or unreadable file or database, a missing database driver, and argument
        values that cannot work (a policy, ``observation_end``, ``date_format``,
        ``encoding``). It is a ``ValueError``.
    ImportError
        When an optional dependency is missing (``pip install crm-analytics[excel]`` or
        ``crm-analytics[sql]``).

    Examples
    --------
    >>> raw = pd.DataFrame({
    ...     "Invoice": ["1001", "1001", "C1002", "1003"],
    ...     "Customer": [" 17 ", " 17 ", " 17 ", None],
    ...     "When": ["2011-01-05 10:00", "2011-01-05 10:00", "2011-01-09", "2011-01-10"],
    ...     "Qty": [2, 1, -1, 3], "Price": [1.5, 4.0, 4.0, 2.0]})
    >>> log = read_transactions(raw, customer_id="Customer", date="When", quantity="Qty",
    ...                         unit_price="Price", order_id="Invoice")
    >>> log.to_pandas()
      customer_id                date  amount order_id  quantity
    0          17 2011-01-05 10:00:00     3.0     1001         2
    1          17 2011-01-05 10:00:00     4.0     1001         1
    >>> log.report.rows_dropped
    {'missing_customer_id': 1, 'return': 1}
    """
    check_choice("returns", returns, ("drop", "net", "keep"))
    check_choice("missing_customer_id", missing_customer_id, ("drop", "raise"))
    check_choice("duplicates", duplicates, ("keep", "drop", "raise"))
    check_choice("zero_amounts", zero_amounts, ("keep", "drop"))
    check_choice("invalid_rows", invalid_rows, ("raise", "drop"))
    check_choice("after_observation_end", after_observation_end, ("raise", "drop"))
    if amount is None and (quantity is None or unit_price is None):
        raise DataValidationError("give amount=, or both quantity= and unit_price= to derive it")
    if amount is not None and unit_price is not None:
        raise DataValidationError("give either amount= or unit_price= (with quantity=), not both")
    if cancellation_prefix is not None and order_id is None:
        raise DataValidationError("cancellation_prefix= marks order ids, so it needs order_id=")
    end = _observation_end(observation_end)
    policies = {
        "returns": returns,
        "cancellation_prefix": cancellation_prefix,
        "missing_customer_id": missing_customer_id,
        "duplicates": duplicates,
        "zero_amounts": zero_amounts,
        "invalid_rows": invalid_rows,
        "after_observation_end": after_observation_end if end is not None else None,
        "customer_mapping": None if customer_mapping is None else len(customer_mapping),
        "date_format": date_format,
        "dayfirst": dayfirst or None,
    }
    mapping = {
        CUSTOMER_ID: customer_id,
        DATE: date,
        AMOUNT: amount,
        QUANTITY: quantity,
        _UNIT_PRICE: unit_price,
        ORDER_ID: order_id,
        PRODUCT: product,
    }
    mapping = {key: column for key, column in mapping.items() if column is not None}
    if engine is not None:
        return read_lazy(
            source,
            engine=engine,
            memory_limit=memory_limit,
            spark=spark,
            mapping=mapping,
            observation_end=end,
            policies=policies,
        )
    raw, description = read_source(
        source,
        roles=roles_for(mapping),
        text_columns=[
            mapping[key] for key in (CUSTOMER_ID, DATE, ORDER_ID, PRODUCT) if key in mapping
        ],
        sheet_name=sheet_name,
        table=table,
        query=query,
        delimiter=delimiter,
        encoding=encoding,
    )
    raw = raw.reset_index(drop=True)
    if raw.empty:
        raise DataValidationError(f"{description} has no rows: there is nothing to load")

    frame, tally, ids = _parse(raw, mapping, invalid_rows, date_format, dayfirst, plausible_dates)
    frame = drop_missing_customer_ids(
        frame,
        tally,
        ids,
        column=mapping[CUSTOMER_ID],
        policy=missing_customer_id,
        counted=_HOW_TO_DROP,
    )
    if end is not None:
        frame = _drop_after_end(frame, tally, end, after_observation_end)
    frame = _handle_duplicates(frame, tally, duplicates)
    frame = _handle_returns(frame, tally, returns, cancellation_prefix)
    zero = (frame[AMOUNT] == 0).to_numpy()
    if zero_amounts == "drop":
        frame = tally.drop(frame, zero, "zero_amount")
    else:
        tally.flag("zero_amount", zero.sum(), f"{zero.sum():,} lines with amount 0 were kept")
    tally.require_rows_left(
        frame,
        description,
        "; check the column mapping and the policies (missing_customer_id=, returns=, "
        "zero_amounts=, ...)",
    )

    if customer_mapping is not None:
        frame, moved = mapped_customer_ids(frame, customer_mapping)
        tally.flag("merged_customer_id", moved, f"{moved:,} lines moved to surviving customer ids")
    if QUANTITY in frame.columns and np.all(np.mod(frame[QUANTITY].to_numpy(), 1) == 0):
        frame[QUANTITY] = frame[QUANTITY].astype("int64")
    for key in (ORDER_ID, PRODUCT):
        if key in frame.columns:
            frame[key] = finish_ids(frame[key])
    frame = frame.sort_values([CUSTOMER_ID, DATE]).reset_index(drop=True)
    columns = {key: str(mapping[key]) for key in mapping if key != _UNIT_PRICE}
    if AMOUNT not in mapping:
        columns[AMOUNT] = f"{mapping[QUANTITY]} * {mapping[_UNIT_PRICE]}"
    report = tally.report(
        frame,
        table="transactions",
        source=description,
        columns={key: columns[key] for key in frame.columns},
        date_column=DATE,
        observation_end=end,
        policies=policies,
    )
    logger.debug("io: %s rows read and checked", f"{report.rows_read:,}")
    logger.info(
        "read %s transactions of %s customers from %s (%s rows read, %s dropped)",
        f"{report.rows_kept:,}",
        f"{report.n_customers:,}",
        description,
        f"{report.rows_read:,}",
        f"{report.rows_read - report.rows_kept:,}",
    )
    return TransactionLog(
        None,
        first_date=report.first_date,
        last_date=report.last_date,
        in_memory=True,
        report=report,
        pandas_frame=frame,
    )


def _observation_end(value: Any) -> pd.Timestamp | None:
    return None if value is None else to_timestamp(value, name="observation_end")


def _parse(
    raw: pd.DataFrame,
    mapping: dict[str, Hashable],
    invalid_rows: str,
    date_format: str | None,
    dayfirst: bool | None,
    plausible_dates: tuple[Any, Any] | None,
) -> tuple[pd.DataFrame, Tally, Parsed]:
    """Convert the raw columns; raise on, or drop, rows whose values cannot be used."""
    ids = parse_ids(raw[mapping[CUSTOMER_ID]])
    dates = parse_dates(
        raw[mapping[DATE]],
        label=column_label(mapping, DATE),
        date_format=date_format,
        dayfirst=dayfirst,
        plausible_dates=plausible_dates,
    )
    numbers = {
        key: parse_numbers(raw[mapping[key]], label=column_label(mapping, key))
        for key in (AMOUNT, QUANTITY, _UNIT_PRICE)
        if key in mapping
    }
    amounts = (
        numbers[AMOUNT].values
        if AMOUNT in numbers
        else numbers[QUANTITY].values * numbers[_UNIT_PRICE].values
    )
    frame = pd.DataFrame({CUSTOMER_ID: ids.values, DATE: dates.values, AMOUNT: amounts})
    for key in (ORDER_ID, PRODUCT):
        if key in mapping:
            frame[key] = parse_ids(raw[mapping[key]]).values
    if QUANTITY in numbers:
        frame[QUANTITY] = numbers[QUANTITY].values

    problems = [dates.problem(raw[mapping[DATE]], column_label(mapping, DATE), "dates")]
    problems += [
        parsed.problem(raw[mapping[key]], column_label(mapping, key), "numbers")
        for key, parsed in numbers.items()
    ]
    problems = [problem for problem in problems if problem]
    if problems and invalid_rows == "raise":
        hint = f" {dates.hint}," if dates.hint else ""
        raise DataValidationError(
            "; ".join(problems) + f"; fix them in the source,{hint} or pass "
            f"invalid_rows='drop' to leave those rows out {_HOW_TO_DROP}"
        )
    tally = Tally(frame)
    if dates.note:
        tally.warnings.append(dates.note)
    bad_numbers = np.logical_or.reduce([parsed.bad for parsed in numbers.values()])
    frame = tally.drop(frame, dates.bad, "invalid_date")
    frame = tally.drop(frame, bad_numbers[frame.index.to_numpy()], "invalid_amount")
    return frame, tally, ids


def _drop_after_end(
    frame: pd.DataFrame, tally: Tally, end: pd.Timestamp, policy: str
) -> pd.DataFrame:
    late = (frame[DATE] >= end.normalize() + pd.Timedelta(days=1)).to_numpy()
    if late.any() and policy == "raise":
        first = frame.loc[late].head(3)
        cases = ", ".join(
            f"customer {examples([cid])} on {day}"
            for cid, day in zip(first[CUSTOMER_ID], first[DATE], strict=True)
        )
        raise DataValidationError(
            f"{late.sum():,} rows are dated after observation_end {end.date()} "
            f"(the last on {frame[DATE].max()}), e.g. {cases}; pass a later observation_end=, "
            f"check date_format=/dayfirst=, or pass after_observation_end='drop' to leave them "
            f"out {_HOW_TO_DROP}"
        )
    if late.all():
        raise DataValidationError(
            f"observation_end {end.date()} is before the first transaction "
            f"({frame[DATE].min()}): all {len(frame):,} rows are after it; pass an "
            "observation_end (as_of) inside the log"
        )
    return tally.drop(frame, late, "after_observation_end")


def _handle_duplicates(frame: pd.DataFrame, tally: Tally, policy: str) -> pd.DataFrame:
    repeated = frame.duplicated(keep="first").to_numpy()
    count = int(repeated.sum())
    if count and policy == "raise":
        first = frame.loc[repeated].head(3)
        cases = ", ".join(
            f"customer {examples([cid])} on {day} for {value:g}"
            for cid, day, value in zip(first[CUSTOMER_ID], first[DATE], first[AMOUNT], strict=True)
        )
        raise DataValidationError(
            f"{count:,} rows repeat an earlier row exactly in the columns read, e.g. {cases}; "
            "pass duplicates='keep' if they are genuine repeated lines (the same item entered "
            "twice on an order), or duplicates='drop' if they are double exports"
        )
    if policy == "drop":
        return tally.drop(frame, repeated, "duplicate")
    tally.flag(
        "duplicate",
        count,
        f"{count:,} rows repeat an earlier row exactly and were kept as genuine repeated lines; "
        "pass duplicates='drop' if they are double exports",
    )
    return frame


def _handle_returns(
    frame: pd.DataFrame, tally: Tally, policy: str, cancellation_prefix: str | None
) -> pd.DataFrame:
    is_return = (frame[AMOUNT] < 0).to_numpy()
    if QUANTITY in frame.columns:
        is_return = is_return | (frame[QUANTITY] < 0).to_numpy()
    if cancellation_prefix is not None:
        orders = frame[ORDER_ID].astype("str").str.startswith(cancellation_prefix)
        is_return = is_return | orders.fillna(False).to_numpy(dtype=bool)
    if policy == "drop":
        return tally.drop(frame, is_return, "return")
    if policy == "keep":
        tally.flag(
            "return",
            is_return.sum(),
            f"{is_return.sum():,} return or cancellation lines were kept as they are "
            "(returns='keep'); days with only returns will look like purchase days",
        )
        return frame
    return _net_returns(frame, tally, is_return)


def _net_returns(frame: pd.DataFrame, tally: Tally, is_return: np.ndarray) -> pd.DataFrame:
    """Re-date each return to the customer's latest purchase at or before it."""
    if not is_return.any():
        return frame
    anchored = [DATE, ORDER_ID] if ORDER_ID in frame.columns else [DATE]
    positions = np.flatnonzero(is_return)
    returned = frame.iloc[positions][[CUSTOMER_ID, DATE]].assign(_row=positions)
    purchases = frame.loc[~is_return, [CUSTOMER_ID, *anchored]]
    purchases = purchases.rename(columns={column: f"_{column}" for column in anchored})
    matched = pd.merge_asof(
        returned.sort_values(DATE),
        purchases.sort_values(f"_{DATE}"),
        left_on=DATE,
        right_on=f"_{DATE}",
        by=CUSTOMER_ID,
        direction="backward",
    )
    rows = matched["_row"].to_numpy()
    frame = frame.copy()
    for column in anchored:
        frame.iloc[rows, frame.columns.get_loc(column)] = matched[f"_{column}"].to_numpy()
    unmatched = np.zeros(len(frame), dtype=bool)
    unmatched[rows] = matched[f"_{DATE}"].isna().to_numpy()
    frame = tally.drop(frame, unmatched, "unmatched_return")
    netted = int(is_return.sum() - unmatched.sum())
    tally.flag(
        "return_netted",
        netted,
        f"{netted:,} return lines were netted against the customer's latest earlier purchase "
        "(taking its date and order id)",
    )
    daily = frame.groupby([frame[CUSTOMER_ID], frame[DATE].dt.normalize()])[AMOUNT].sum()
    negative = int((daily.round(6) < 0).sum())
    tally.flag(
        "negative_net_day",
        negative,
        f"{negative:,} customer-days have a negative net amount after netting returns; they are "
        "kept, so exclude those customers from models that need positive spend (Gamma-Gamma) "
        "or use returns='drop'",
    )
    return frame
