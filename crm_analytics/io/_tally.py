"""Bookkeeping shared by the readers: policy checks, and every row removed counted by reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crm_analytics.io.report import DataQualityReport
from crm_analytics.schema import AMOUNT, CUSTOMER_ID, ORDER_ID

__all__ = ["Tally", "check_choice"]


def check_choice(name: str, value: Any, allowed: Sequence[str]) -> None:
    """Raise a ValueError when a policy argument is not one of its allowed values."""
    if value not in allowed:
        options = ", ".join(repr(option) for option in allowed)
        raise ValueError(f"{name}= must be one of {options}, not {value!r}")


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
