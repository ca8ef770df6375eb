"""Bookkeeping shared by the readers: policy checks, and every row removed counted by reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crm_analytics.exceptions import DataValidationError
from crm_analytics.io._parse import Parsed, finish_ids
from crm_analytics.quality import DataQualityReport
from crm_analytics.schema import AMOUNT, CUSTOMER_ID, ORDER_ID

__all__ = ["Tally", "check_choice", "drop_missing_customer_ids"]


def check_choice(name: str, value: Any, allowed: Sequence[str]) -> None:
    """Raise a ``DataValidationError`` when a policy argument is not one of its allowed values.

    Examples
    --------
    >>> try:
    ...     check_choice("returns", "dorp", ("drop", "net", "keep"))
    ... except DataValidationError as exc:
    ...     print(exc)
    returns= must be one of 'drop', 'net', 'keep', not 'dorp'
    """
    if not isinstance(value, str) or value not in allowed:
        options = ", ".join(repr(option) for option in allowed)
        raise DataValidationError(f"{name}= must be one of {options}, not {value!r}")


class Tally:
    """Counts rows (and their amount) as they are dropped or flagged, then writes the report."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.rows_read = len(frame)
        self.has_amount = AMOUNT in frame.columns
        self.amount_read = float(np.nansum(frame[AMOUNT])) if self.has_amount else None
        self.rows_dropped: dict[str, int] = {}
        self.amount_dropped: dict[str, float] = {}
        self.flagged: dict[str, int] = {}
        self.warnings: list[str] = []

    def drop(self, frame: pd.DataFrame, mask: np.ndarray, reason: str) -> pd.DataFrame:
        """``frame`` without the rows in ``mask``, counted under ``reason``."""
        count = int(mask.sum())
        if not count:
            return frame
        self.rows_dropped[reason] = self.rows_dropped.get(reason, 0) + count
        if self.has_amount:
            dropped = float(np.nansum(frame[AMOUNT].to_numpy()[mask]))
            self.amount_dropped[reason] = self.amount_dropped.get(reason, 0.0) + dropped
        return frame.loc[~mask]

    def flag(self, reason: str, count: int, warning: str) -> None:
        """Record ``count`` kept rows worth knowing about, with a sentence for the user."""
        if count:
            self.flagged[reason] = self.flagged.get(reason, 0) + int(count)
            self.warnings.append(warning)

    def require_rows_left(self, frame: pd.DataFrame, description: str, advice: str = "") -> None:
        """Raise when every row read has been dropped, listing the reasons (and ``advice``)."""
        if frame.empty:
            reasons = ", ".join(f"{key}: {n:,}" for key, n in self.rows_dropped.items())
            raise DataValidationError(
                f"no rows left to load: all {self.rows_read:,} rows of {description} were "
                f"dropped ({reasons}){advice}"
            )

    def report(
        self,
        frame: pd.DataFrame,
        *,
        table: str,
        source: str,
        columns: dict[str, str],
        date_column: str | None,
        observation_end: pd.Timestamp | None = None,
        policies: dict[str, Any],
    ) -> DataQualityReport:
        """The report for the final ``frame``."""
        dates = frame[date_column].dropna() if date_column in frame.columns else pd.Series([])
        return DataQualityReport(
            table=table,
            source=source,
            columns=columns,
            rows_read=self.rows_read,
            rows_kept=len(frame),
            rows_dropped=dict(self.rows_dropped),
            flagged=dict(self.flagged),
            first_date=dates.min() if len(dates) else None,
            last_date=dates.max() if len(dates) else None,
            n_customers=int(frame[CUSTOMER_ID].nunique()),
            n_orders=int(frame[ORDER_ID].nunique()) if ORDER_ID in frame.columns else None,
            amount_read=self.amount_read,
            amount_kept=float(frame[AMOUNT].sum()) if self.has_amount else None,
            amount_dropped=dict(self.amount_dropped),
            observation_end=observation_end,
            policies={key: value for key, value in policies.items() if value is not None},
            warnings=list(self.warnings),
        )


def drop_missing_customer_ids(
    frame: pd.DataFrame,
    tally: Tally,
    ids: Parsed,
    *,
    column: object,
    policy: str,
    counted: str,
) -> pd.DataFrame:
    """Apply the ``missing_customer_id=`` policy: raise on, or drop, rows without an id.

    ``ids`` is the parsed id column of the raw rows; ``counted`` ends the error message,
    saying that dropped rows are counted in the quality report. Once no id is missing,
    integer ids become plain int64, so both readers return the same ids the same way.
    """
    missing = ids.missing[frame.index.to_numpy()]
    if missing.any() and policy == "raise":
        rows = ", ".join(str(row) for row in frame.index[missing][:3])
        raise DataValidationError(
            f"{missing.sum():,} rows have no customer id in column {column!r} (customer_id=), "
            f"e.g. rows {rows} (counting from 0); fill them in the source, or pass "
            f"missing_customer_id='drop' to leave them out {counted}"
        )
    frame = tally.drop(frame, missing, "missing_customer_id")
    return frame.assign(**{CUSTOMER_ID: finish_ids(frame[CUSTOMER_ID])})
