"""``read_transactions`` on an engine: a Parquet log read where it lies, with the same policies.

A log too large for memory (``read_transactions(path, engine="duckdb" | "polars" | "spark")``)
is not loaded: the column mapping and the row policies of :func:`read_transactions` become
expressions of a lazy query in the engine, and one aggregation counts what each policy drops,
so the log comes with the same :class:`~crm_analytics.quality.DataQualityReport` as one read
in memory. Parquet columns are typed already, so there is no text to parse: dates must be
timestamps and amounts numbers (a text column is refused with what to do).

The policies that need the whole log at hand are refused with a clear message rather than run
differently: netting returns against purchases (``returns="net"``), mapping merged customer
ids (``customer_mapping``) and showing example rows of exact duplicates.
"""

from __future__ import annotations

import logging
from typing import Any

import narwhals as nw
import pandas as pd

from crm_analytics._dates import from_day_number
from crm_analytics._engines import collect, scan_parquet
from crm_analytics.exceptions import DataValidationError
from crm_analytics.io._sources import require_columns, roles_for
from crm_analytics.log import TransactionLog
from crm_analytics.quality import DataQualityReport
from crm_analytics.schema import AMOUNT, CUSTOMER_ID, DATE, ORDER_ID, PRODUCT, QUANTITY

__all__ = ["read_lazy"]

logger = logging.getLogger(__name__)

_UNIT_PRICE = "unit_price"
# The policies' reasons, in the order read_transactions applies them.
_REASONS = (
    "missing_customer_id",
    "invalid_date",
    "invalid_amount",
    "after_observation_end",
    "return",
    "zero_amount",
)


def read_lazy(
    source: Any,
    *,
    engine: str,
    memory_limit: str | None,
    spark: Any,
    mapping: dict[str, Any],
    observation_end: pd.Timestamp | None,
    policies: dict[str, Any],
) -> TransactionLog:
    """The checked, lazy log of a Parquet dataset (see the module docstring)."""
    for policy, refused in (("returns", "net"),):
        if policies[policy] == refused:
            raise DataValidationError(
                f"{policy}={refused!r} needs the whole log at hand and is not run on "
                f"engine={engine!r}; read the log in memory (leave engine out) or use "
                f"returns='drop'"
            )
    if policies["customer_mapping"] is not None:
        raise DataValidationError(
            f"customer_mapping= is not applied on engine={engine!r}; read the log in memory "
            "(leave engine out), or map the ids in the Parquet files first"
        )
    native = scan_parquet(source, engine=engine, memory_limit=memory_limit, spark=spark)
    frame = nw.from_native(native)
    schema = frame.collect_schema()
    require_columns(roles_for(mapping), list(schema.names()))
    columns = {key: nw.col(name) for key, name in mapping.items()}
    date_type = schema[mapping[DATE]]
    if date_type not in (nw.Datetime, nw.Date):
        raise DataValidationError(
            f"column {mapping[DATE]!r} (date=) of {source} has type {date_type}, not a "
            "timestamp; write the Parquet files with a timestamp column, or read the log in "
            "memory (leave engine out), where text dates are parsed"
        )
    for key in (AMOUNT, QUANTITY, _UNIT_PRICE):
        if key in mapping and not schema[mapping[key]].is_numeric():
            raise DataValidationError(
                f"column {mapping[key]!r} ({key}=) of {source} has type "
                f"{schema[mapping[key]]}, not numbers; write the Parquet files with a numeric "
                "column, or read the log in memory (leave engine out), where text is parsed"
            )
    date = columns[DATE]
    if date_type == nw.Date:
        date = date.cast(nw.Datetime("us"))
    elif date_type.time_zone is not None:
        date = date.dt.replace_time_zone(None)
    amount = columns[AMOUNT] if AMOUNT in columns else columns[QUANTITY] * columns[_UNIT_PRICE]
    kept_columns = [
        columns[CUSTOMER_ID].alias(CUSTOMER_ID),
        date.alias(DATE),
        amount.cast(nw.Float64).alias(AMOUNT),
        *[columns[key].alias(key) for key in (ORDER_ID, PRODUCT, QUANTITY) if key in columns],
    ]
    frame = frame.select(*kept_columns)
    reason = _reason(frame, observation_end, policies)
    frame = frame.with_columns(reason.alias("__reason__"))
    counts = _counts(frame)
    report_counts = _apply_raise_policies(frame, counts, mapping, observation_end, policies)
    dropped_reasons = [name for name in _REASONS if name in report_counts["dropped"]]
    kept = frame.filter(~nw.col("__reason__").is_in(dropped_reasons)).drop("__reason__")
    if policies["duplicates"] == "drop":
        kept = kept.unique()
    summary = collect(
        kept.select(
            nw.len().alias("rows"),
            nw.col(DATE).min().alias("first"),
            nw.col(DATE).max().alias("last"),
            nw.col(CUSTOMER_ID).n_unique().alias("customers"),
            *([nw.col(ORDER_ID).n_unique().alias("orders")] if ORDER_ID in mapping else []),
            nw.col(AMOUNT).sum().alias("amount"),
        )
    ).rows(named=True)[0]
    if policies["duplicates"] == "drop":
        before = counts["rows"] - sum(report_counts["dropped"].values())
        if before > summary["rows"]:
            report_counts["dropped"]["duplicate"] = before - summary["rows"]
    if not summary["rows"]:
        reasons = ", ".join(f"{key}: {n:,}" for key, n in report_counts["dropped"].items())
        raise DataValidationError(
            f"no rows left to load: all {counts['rows']:,} rows of {source} were dropped "
            f"({reasons}); check the column mapping and the policies"
        )
    report = DataQualityReport(
        table="transactions",
        source=f"Parquet {source} ({engine})",
        columns={key: str(name) for key, name in mapping.items() if key != _UNIT_PRICE}
        | ({} if AMOUNT in mapping else {AMOUNT: f"{mapping[QUANTITY]} * {mapping[_UNIT_PRICE]}"}),
        rows_read=counts["rows"],
        rows_kept=summary["rows"],
        rows_dropped=report_counts["dropped"],
        flagged=report_counts["flagged"],
        first_date=pd.Timestamp(summary["first"]),
        last_date=pd.Timestamp(summary["last"]),
        n_customers=int(summary["customers"]),
        n_orders=None if ORDER_ID not in mapping else int(summary["orders"]),
        amount_read=counts["amount"],
        amount_kept=float(summary["amount"] or 0.0),
        amount_dropped=report_counts["amount_dropped"],
        observation_end=observation_end,
        policies={key: value for key, value in policies.items() if value is not None},
        warnings=report_counts["warnings"],
    )
    logger.info(
        "read %s transactions of %s customers from %s with %s (%s rows read, %s dropped)",
        f"{report.rows_kept:,}",
        f"{report.n_customers:,}",
        source,
        engine,
        f"{report.rows_read:,}",
        f"{report.rows_read - report.rows_kept:,}",
    )
    return TransactionLog(
        kept,
        first_date=report.first_date,
        last_date=report.last_date,
        in_memory=False,
        report=report,
    )


def _reason(frame: nw.LazyFrame, end: pd.Timestamp | None, policies: dict[str, Any]) -> nw.Expr:
    """The first policy each row falls under (in read_transactions' order), or "" for none."""
    amount = nw.col(AMOUNT)
    schema = frame.collect_schema()
    is_return = amount < 0
    if QUANTITY in schema:
        is_return = is_return | (nw.col(QUANTITY) < 0)
    prefix = policies["cancellation_prefix"]
    if prefix is not None:
        is_return = is_return | nw.col(ORDER_ID).cast(nw.String).str.starts_with(prefix).fill_null(
            False
        )
    conditions = [
        ("missing_customer_id", nw.col(CUSTOMER_ID).is_null()),
        ("invalid_date", nw.col(DATE).is_null()),
        ("invalid_amount", amount.is_null() | amount.is_nan() | (amount.abs() == float("inf"))),
    ]
    if end is not None:
        next_day = from_day_number(int((end.normalize() - pd.Timestamp("1970-01-01")).days) + 1)
        conditions.append(("after_observation_end", nw.col(DATE) >= nw.lit(next_day)))
    conditions += [("return", is_return), ("zero_amount", amount == 0)]
    reason = nw.lit("")
    for name, condition in reversed(conditions):
        reason = nw.when(condition.fill_null(False)).then(nw.lit(name)).otherwise(reason)
    return reason


def _counts(frame: nw.LazyFrame) -> dict[str, Any]:
    """Rows and amount read, and the rows and amount of each reason, in one query."""
    amount = nw.col(AMOUNT)
    finite = nw.when(amount.is_nan() | (amount.abs() == float("inf"))).then(0.0).otherwise(amount)
    aggregates = [nw.len().alias("rows"), finite.fill_null(0.0).sum().alias("amount")]
    for name in _REASONS:
        mask = nw.col("__reason__") == name
        aggregates += [
            mask.cast(nw.Int64).sum().alias(f"rows:{name}"),
            nw.when(mask).then(finite).otherwise(0.0).fill_null(0.0).sum().alias(f"amount:{name}"),
        ]
    row = collect(frame.select(*aggregates)).rows(named=True)[0]
    return {key: (value or 0) for key, value in row.items()}


def _apply_raise_policies(
    frame: nw.LazyFrame,
    counts: dict[str, Any],
    mapping: dict[str, Any],
    end: pd.Timestamp | None,
    policies: dict[str, Any],
) -> dict[str, Any]:
    """Raise where a policy says so; the dropped and flagged counts of the report."""
    invalid = counts["rows:invalid_date"] + counts["rows:invalid_amount"]
    problems = {
        "missing_customer_id": (
            policies["missing_customer_id"] == "raise",
            f"{counts['rows:missing_customer_id']:,} rows have no customer id in column "
            f"{mapping[CUSTOMER_ID]!r} (customer_id=); pass missing_customer_id='drop' to "
            "leave them out (they are counted in the quality report)",
        ),
        "invalid": (
            policies["invalid_rows"] == "raise" and invalid > 0,
            f"{invalid:,} rows have a missing date or a missing or non-finite amount; pass "
            "invalid_rows='drop' to leave them out (they are counted in the quality report)",
        ),
        "after_observation_end": (
            policies["after_observation_end"] == "raise",
            f"{counts['rows:after_observation_end']:,} rows are dated after observation_end "
            f"{None if end is None else end.date()}; pass a later observation_end= or "
            "after_observation_end='drop'",
        ),
    }
    for name, (raise_it, message) in problems.items():
        count = invalid if name == "invalid" else counts[f"rows:{name}"]
        if raise_it and count:
            raise DataValidationError(message)
    dropped: dict[str, int] = {}
    amount_dropped: dict[str, float] = {}
    flagged: dict[str, int] = {}
    warnings: list[str] = []
    drops = {
        "missing_customer_id": True,
        "invalid_date": True,
        "invalid_amount": True,
        "after_observation_end": True,
        "return": policies["returns"] == "drop",
        "zero_amount": policies["zero_amounts"] == "drop",
    }
    for name in _REASONS:
        count = int(counts[f"rows:{name}"])
        if not count:
            continue
        if drops[name]:
            dropped[name] = count
            amount_dropped[name] = float(counts[f"amount:{name}"])
        else:
            flagged[name] = count
    if policies["duplicates"] == "raise":
        duplicates = (
            collect(frame.select(nw.len())).item() - collect(frame.unique().select(nw.len())).item()
        )
        if duplicates:
            raise DataValidationError(
                f"{duplicates:,} rows repeat an earlier row exactly in the columns read; pass "
                "duplicates='keep' if they are genuine repeated lines, or duplicates='drop' if "
                "they are double exports"
            )
    elif policies["duplicates"] == "keep":
        warnings.append(
            "exact duplicate lines were kept and not counted (counting them on an engine takes "
            "a pass over every column); pass duplicates='drop' or 'raise' to check them"
        )
    return {
        "dropped": dropped,
        "amount_dropped": amount_dropped,
        "flagged": flagged,
        "warnings": warnings,
    }
