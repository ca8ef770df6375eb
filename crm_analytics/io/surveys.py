"""``read_survey``: survey responses exported from a CRM or survey tool, checked once."""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from crm_analytics._answers import check_scale, dimension_map
from crm_analytics.exceptions import DataValidationError
from crm_analytics.io._parse import (
    Parsed,
    column_label,
    examples,
    finish_ids,
    parse_dates,
    parse_flags,
    parse_ids,
    parse_numbers,
)
from crm_analytics.io._sources import read_source, roles_for
from crm_analytics.io._tally import Tally, check_choice, drop_missing_customer_ids
from crm_analytics.quality import DataQualityReport
from crm_analytics.schema import CUSTOMER_ID, DATE

__all__ = ["RESPONSE_ID", "Survey", "read_survey"]

logger = logging.getLogger(__name__)

RESPONSE_ID = "response_id"
#: The 0-10 scale of the likelihood-to-recommend question behind the NPS.
RECOMMEND_SCALE = (0.0, 10.0)
_HOW_TO_DROP = "(they are counted in the quality report)"


@dataclass
class Survey:
    """Checked survey responses and what each column is.

    Attributes
    ----------
    responses : pandas.DataFrame
        One row per response: ``customer_id``, ``date``, ``response_id`` (when mapped), then
        the answer columns under their source names (float64, missing answers NaN; the
        complaint flag as nullable boolean), sorted by customer and date.
    report : DataQualityReport
        Rows read, dropped (by reason) and kept; ``flagged`` counts kept responses worth a
        look (``missing_answer``, ``invalid_answer`` blanked, ``unknown_customer``).
    items : dict
        Perceived-performance item -> dimension.
    scale : (float, float)
        Lowest and highest answer of the items, expectations, importance and overall
        questions.
    overall, recommend, complaint : str or None
        The overall-satisfaction, likelihood-to-recommend (0-10) and complaint-flag columns.
    expectations, importance : dict
        Item -> its expectation column, item -> its stated-importance column.
    unknown_customers : pandas.Index
        Ids of kept responses whose customer is not in the ``customers=`` given (empty when
        none was given).
    """

    responses: pd.DataFrame
    report: DataQualityReport
    items: dict[Hashable, str]
    scale: tuple[float, float]
    overall: Hashable | None = None
    recommend: Hashable | None = None
    complaint: Hashable | None = None
    expectations: dict[Hashable, Hashable] = field(default_factory=dict)
    importance: dict[Hashable, Hashable] = field(default_factory=dict)
    unknown_customers: pd.Index = field(default_factory=lambda: pd.Index([]))


def read_survey(
    source: Any,
    *,
    customer_id: Hashable,
    date: Hashable,
    items: Sequence[Hashable] | Mapping[Hashable, str],
    scale: tuple[float, float] = (1, 5),
    overall: Hashable | None = None,
    expectations: Mapping[Hashable, Hashable] | None = None,
    importance: Mapping[Hashable, Hashable] | None = None,
    recommend: Hashable | None = None,
    complaint: Hashable | None = None,
    response_id: Hashable | None = None,
    customers: pd.DataFrame | pd.Series | pd.Index | Iterable[Hashable] | None = None,
    unknown_customers: Literal["keep", "drop", "raise"] = "keep",
    duplicates: Literal["raise", "first", "last"] = "raise",
    invalid_answers: Literal["raise", "missing", "drop"] = "raise",
    missing_answers: Literal["keep", "drop"] = "keep",
    missing_customer_id: Literal["drop", "raise"] = "drop",
    invalid_rows: Literal["raise", "drop"] = "raise",
    date_format: str | None = None,
    dayfirst: bool = False,
    sheet_name: str | int | None = None,
    table: str | None = None,
    query: str | None = None,
    delimiter: str | None = None,
    encoding: str = "utf-8",
) -> Survey:
    """Load survey responses (one row per response) and check them like the other readers.

    Rows are checked in this order, each step counting what it drops in the report:
    unreadable dates (``invalid_rows``), answers that are not numbers or lie off the scale
    (``invalid_answers``), missing customer ids, responses without any answer (always
    dropped, as ``"no_answers"``), missing answers (``missing_answers``), repeated responses
    (``duplicates``), customers not in ``customers`` (``unknown_customers``).

    Parameters
    ----------
    source : path, URL, DataFrame or connection
        As for :func:`crm_analytics.io.read_transactions` (CSV/TSV, Excel, Parquet, pandas
        or polars frame, pyarrow Table, SQL).
    customer_id, date : column name
        Who answered and when; ids are normalised as the transaction reader does, so they
        match the transaction log's.
    items : list or dict of column names
        The satisfaction (perceived performance) questions; a dict maps each to its
        dimension (``{"q_speed": "delivery", "q_fee": "price"}``), a list puts them all in
        one dimension, ``"satisfaction"``.
    scale : (low, high), default (1, 5)
        Lowest and highest answer of the items, expectation, importance and overall
        questions (a Likert scale: whole numbers).
    overall : column name, optional
        An overall-satisfaction question on the same scale.
    expectations, importance : dict, optional
        Item -> the column holding the expectation, or the stated importance, for that item
        (same scale).
    recommend : column name, optional
        Likelihood to recommend, 0-10 (for the NPS).
    complaint : column name, optional
        A complaint flag (true/false, 1/0, yes/no).
    response_id : column name, optional
        A response identifier; when given, it defines duplicates.
    customers : DataFrame, Series, Index or list, optional
        The known customer ids (a customer table with a ``customer_id`` column or index, or
        the ids themselves), to report responses from customers not in it.
    unknown_customers : {"keep", "drop", "raise"}, default "keep"
        Responses whose customer is not in ``customers``: kept and counted in
        ``report.flagged`` with a warning (their ids in ``Survey.unknown_customers``),
        dropped (``"unknown_customer"``), or an error.
    duplicates : {"raise", "first", "last"}, default "raise"
        Several rows with one ``response_id`` (or, without one, one customer at one
        timestamp): an error quoting examples, or keep the first/last and count the others
        as ``"duplicate_response"``.
    invalid_answers : {"raise", "missing", "drop"}, default "raise"
        Answers that are not numbers, not whole, or outside the scale (0-10 for
        ``recommend``), and complaint flags that cannot be read: an error quoting
        examples, blanked (counted as ``flagged["invalid_answer"]``), or the row dropped.
    missing_answers : {"keep", "drop"}, default "keep"
        Responses that skipped some questions: kept (NaN answers, counted as
        ``flagged["missing_answer"]``; the measures use the answers given) or dropped.
    missing_customer_id : {"drop", "raise"}, default "drop"
        As for :func:`crm_analytics.io.read_transactions`.
    invalid_rows : {"raise", "drop"}, default "raise"
        Rows whose date is missing or unreadable.
    date_format, dayfirst, sheet_name, table, query, delimiter, encoding
        As for :func:`crm_analytics.io.read_transactions`.

    Returns
    -------
    Survey
        ``responses`` (the checked table), ``report`` (a :class:`DataQualityReport`) and the
        roles of the columns.

    Raises
    ------
    DataValidationError
        Missing or repeated columns (close matches suggested), unusable values under the
        ``"raise"`` policies, a column given two roles, or no rows left.

    Examples
    --------
    >>> raw = pd.DataFrame({"cust": ["17", "17", "18", "19"],
    ...                     "when": ["2024-03-01", "2024-03-01", "2024-03-02", "2024-03-05"],
    ...                     "speed": [4, 4, 9, 2], "staff": [5, 5, 3, None]})
    >>> survey = read_survey(raw, customer_id="cust", date="when", items=["speed", "staff"],
    ...                      duplicates="first", invalid_answers="missing", customers=[17, 18])
    >>> survey.responses
       customer_id       date  speed  staff
    0           17 2024-03-01    4.0    5.0
    1           18 2024-03-02    NaN    3.0
    2           19 2024-03-05    2.0    NaN
    >>> survey.report.rows_dropped, survey.report.flagged
    ({'duplicate_response': 1}, {'invalid_answer': 1, 'missing_answer': 2, 'unknown_customer': 1})
    """
    for name, value, allowed in (
        ("unknown_customers", unknown_customers, ("keep", "drop", "raise")),
        ("duplicates", duplicates, ("raise", "first", "last")),
        ("invalid_answers", invalid_answers, ("raise", "missing", "drop")),
        ("missing_answers", missing_answers, ("keep", "drop")),
        ("missing_customer_id", missing_customer_id, ("drop", "raise")),
        ("invalid_rows", invalid_rows, ("raise", "drop")),
    ):
        check_choice(name, value, allowed)
    dimensions = dimension_map(items, name="items")
    low, high = check_scale(scale)
    expectations = dict(expectations or {})
    importance = dict(importance or {})
    for name, mapping in (("expectations", expectations), ("importance", importance)):
        unknown = [item for item in mapping if item not in dimensions]
        if unknown:
            raise DataValidationError(
                f"{name}= names item(s) {examples(unknown)} that are not in items=; map each "
                "expectation or importance column to one of the items"
            )
    roles_given = [(item, f"items[{item!r}]") for item in dimensions]
    roles_given += [(column, f"expectations[{item!r}]") for item, column in expectations.items()]
    roles_given += [(column, f"importance[{item!r}]") for item, column in importance.items()]
    roles_given += [
        (column, role)
        for column, role in (
            (overall, "overall"),
            (recommend, "recommend"),
            (complaint, "complaint"),
        )
        if column is not None
    ]
    answer_roles: dict[Hashable, str] = {}
    for column, role in roles_given:
        if column in answer_roles:
            raise DataValidationError(
                f"column {column!r} is given two roles ({answer_roles[column]}= and {role}=); "
                "give each question its own column"
            )
        answer_roles[column] = role
    mapping = {CUSTOMER_ID: customer_id, DATE: date, RESPONSE_ID: response_id}
    mapping = {key: column for key, column in mapping.items() if column is not None}
    _refuse_shared_columns(mapping, answer_roles)
    roles = roles_for(mapping)
    roles.update({column: f"{role}=" for column, role in answer_roles.items()})
    raw, description = read_source(
        source,
        roles=roles,
        text_columns=[mapping[key] for key in mapping],
        sheet_name=sheet_name,
        table=table,
        query=query,
        delimiter=delimiter,
        encoding=encoding,
    )
    raw = raw.reset_index(drop=True)
    if raw.empty:
        raise DataValidationError(f"{description} has no rows: there is nothing to load")

    ids = parse_ids(raw[customer_id])
    dates = parse_dates(
        raw[date], label=column_label(mapping, DATE), date_format=date_format, dayfirst=dayfirst
    )
    frame = pd.DataFrame({CUSTOMER_ID: ids.values, DATE: dates.values})
    if response_id is not None:
        frame[RESPONSE_ID] = parse_ids(raw[response_id]).values
    problem = dates.problem(raw[date], column_label(mapping, DATE), "dates")
    if problem and invalid_rows == "raise":
        raise DataValidationError(
            f"{problem}; fix them in the source, pass date_format= (e.g. '%d/%m/%Y'), or pass "
            f"invalid_rows='drop' to leave those rows out {_HOW_TO_DROP}"
        )
    tally = Tally(frame)
    if dates.note:
        tally.warnings.append(dates.note)

    bad_answers = np.zeros(len(raw), dtype=bool)
    problems = []
    for column, role in answer_roles.items():
        if role == "complaint":
            parsed = parse_flags(raw[column])
            kind = "yes/no flags"
        else:
            bounds = RECOMMEND_SCALE if role == "recommend" else (low, high)
            parsed = _answers(raw[column], bounds)
            kind = f"whole numbers from {bounds[0]:g} to {bounds[1]:g}"
        frame[column] = (
            parsed.values.mask(parsed.invalid) if role != "complaint" else (parsed.values)
        )
        bad_answers |= parsed.invalid
        text = parsed.problem(raw[column], f"column {column!r} ({role}=)", kind, missing_ok=True)
        if text:
            problems.append(text)
    if problems and invalid_answers == "raise":
        raise DataValidationError(
            "; ".join(problems) + f"; check scale={(low, high)!r}, fix the answers, or pass "
            "invalid_answers='missing' to blank them or 'drop' to leave those responses out "
            f"{_HOW_TO_DROP}"
        )
    frame = tally.drop(frame, dates.bad, "invalid_date")
    if invalid_answers == "drop":
        frame = tally.drop(frame, bad_answers[frame.index.to_numpy()], "invalid_answer")
    else:
        count = int(bad_answers[frame.index.to_numpy()].sum())
        tally.flag(
            "invalid_answer",
            count,
            f"{count:,} responses had answers off the scale or unreadable; those answers were "
            "blanked (missing)",
        )
    frame = drop_missing_customer_ids(
        frame, tally, ids, column=customer_id, policy=missing_customer_id, counted=_HOW_TO_DROP
    )
    answered = frame[list(answer_roles)].notna()
    frame = tally.drop(frame, ~answered.any(axis=1).to_numpy(), "no_answers")
    incomplete = ~frame[list(answer_roles)].notna().all(axis=1).to_numpy()
    if missing_answers == "drop":
        frame = tally.drop(frame, incomplete, "missing_answer")
    else:
        tally.flag(
            "missing_answer",
            incomplete.sum(),
            f"{incomplete.sum():,} responses skipped some questions and were kept; the "
            "measures use the answers given",
        )
    frame = _drop_duplicates(frame, tally, duplicates, response_id is not None)
    unknown_ids = pd.Index([])
    if customers is not None:
        frame, unknown_ids = _check_known(frame, tally, customers, unknown_customers)
    tally.require_rows_left(
        frame, description, "; check the column mapping, the scale and the policies"
    )
    frame = frame.sort_values([CUSTOMER_ID, DATE], kind="stable").reset_index(drop=True)
    if complaint is not None:
        frame[complaint] = frame[complaint].astype("boolean")
    report = tally.report(
        frame,
        table="surveys",
        source=description,
        columns={
            **{key: str(column) for key, column in mapping.items()},
            **{str(column): str(column) for column in answer_roles},
        },
        date_column=DATE,
        policies={
            "scale": f"{low:g}..{high:g}",
            "unknown_customers": unknown_customers if customers is not None else None,
            "duplicates": duplicates,
            "invalid_answers": invalid_answers,
            "missing_answers": missing_answers,
            "missing_customer_id": missing_customer_id,
            "invalid_rows": invalid_rows,
            "date_format": date_format,
            "dayfirst": dayfirst or None,
        },
    )
    logger.info("read %s survey responses from %s", f"{report.rows_kept:,}", description)
    return Survey(
        responses=frame,
        report=report,
        items=dimensions,
        scale=(low, high),
        overall=overall,
        recommend=recommend,
        complaint=complaint,
        expectations=expectations,
        importance=importance,
        unknown_customers=unknown_ids,
    )


def _refuse_shared_columns(mapping: dict, answer_roles: dict) -> None:
    shared = [column for column in answer_roles if column in mapping.values()]
    if shared:
        raise DataValidationError(
            f"column(s) {examples(shared)} are given both as an answer and as an id or date; "
            "give each column one role"
        )


def _answers(raw: pd.Series, bounds: tuple[float, float]) -> Parsed:
    """Answers as float64; text, fractions and values off the scale count as invalid."""
    parsed = parse_numbers(raw)
    values = parsed.values.to_numpy()
    with np.errstate(invalid="ignore"):
        off = ~np.isnan(values) & (
            (values < bounds[0]) | (values > bounds[1]) | (values != np.round(values))
        )
    return Parsed(parsed.values, parsed.missing, parsed.invalid | off)


def _drop_duplicates(
    frame: pd.DataFrame, tally: Tally, policy: str, by_response_id: bool
) -> pd.DataFrame:
    key = [RESPONSE_ID] if by_response_id else [CUSTOMER_ID, DATE]
    keep = "last" if policy == "last" else "first"
    repeated = frame.duplicated(subset=key, keep=keep).to_numpy()
    if repeated.any() and policy == "raise":
        first = frame.loc[repeated].head(3)
        what = "response id" if by_response_id else "customer and date"
        cases = ", ".join(
            f"{examples([row[RESPONSE_ID]])}"
            if by_response_id
            else f"customer {examples([row[CUSTOMER_ID]])} on {row[DATE]}"
            for _, row in first.iterrows()
        )
        raise DataValidationError(
            f"{repeated.sum():,} responses repeat the {what} of an earlier one (e.g. {cases}); "
            "fix the export, or pass duplicates='first' or 'last' to keep one of each"
        )
    return tally.drop(frame, repeated, "duplicate_response")


def _check_known(
    frame: pd.DataFrame, tally: Tally, customers: Any, policy: str
) -> tuple[pd.DataFrame, pd.Index]:
    if isinstance(customers, pd.DataFrame):
        if CUSTOMER_ID in customers.columns:
            known = customers[CUSTOMER_ID]
        elif customers.index.name == CUSTOMER_ID:
            known = customers.index.to_series()
        else:
            raise DataValidationError(
                "customers= is a table without a 'customer_id' column or index; pass the "
                "customer table from read_customers, or the known ids"
            )
    else:
        known = pd.Series(list(customers))
    known_ids = finish_ids(parse_ids(pd.Series(known.to_numpy())).values.dropna())
    unknown = ~frame[CUSTOMER_ID].isin(set(known_ids)).to_numpy()
    ids = pd.Index(frame.loc[unknown, CUSTOMER_ID].unique())
    if unknown.any() and policy == "raise":
        raise DataValidationError(
            f"{unknown.sum():,} responses come from {len(ids):,} customers not in customers= "
            f"(e.g. {examples(ids)}); check that both use the same ids, or pass "
            "unknown_customers='keep' or 'drop'"
        )
    if policy == "drop":
        return tally.drop(frame, unknown, "unknown_customer"), ids
    tally.flag(
        "unknown_customer",
        unknown.sum(),
        f"{unknown.sum():,} responses come from {len(ids):,} customers not in the customer "
        f"table (e.g. {examples(ids)}); kept",
    )
    return frame, ids
