"""The data-quality report of a loaded table: rows read, dropped by reason, kept.

:func:`crm_analytics.io.read_transactions` gives it as the ``report`` of the
:class:`~crm_analytics.log.TransactionLog` it returns, :func:`crm_analytics.io.read_customers`
as the ``report`` of its :class:`~crm_analytics.io.CustomerTable`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_analytics.exceptions import DataValidationError

__all__ = ["DataQualityReport", "quality_report"]


@dataclass
class DataQualityReport:
    """What happened to a table on its way in: rows read, dropped (by reason) and kept.

    ``rows_read == rows_kept + sum(rows_dropped.values())`` always holds, and for
    transactions ``amount_read == amount_kept + sum(amount_dropped.values())`` up to
    float rounding: nothing leaves the table without being counted here.

    Attributes
    ----------
    table : str
        ``"transactions"``, ``"customers"`` or ``"surveys"``.
    source : str
        Where the table came from (file, frame or SQL, passwords hidden).
    columns : dict
        Canonical column -> the source column (or expression) it was read from.
    rows_read, rows_kept : int
        Rows in the source, and rows in the returned table.
    rows_dropped : dict
        Reason -> rows removed for it (reasons with no rows are left out).
    flagged : dict
        Kept rows (or customer-days) worth knowing about, e.g. ``"duplicate"`` rows kept,
        ``"return"`` lines kept or ``"return_netted"``; see ``read_transactions``.
    first_date, last_date : pandas.Timestamp or None
        Range of ``date`` (transactions, surveys) or ``signup_date`` (customers) in the kept
        rows.
    n_customers : int
        Distinct customer ids kept.
    n_orders : int or None
        Distinct order ids kept, when an order column was mapped.
    amount_read, amount_kept : float or None
        Sum of ``amount`` over the rows read (values that were not numbers count as 0)
        and over the rows kept; None for customer tables.
    amount_dropped : dict
        Reason -> sum of ``amount`` over the rows dropped for it.
    observation_end : pandas.Timestamp or None
        The observation end the dates were checked against.
    policies : dict
        The policy arguments in force (returns, duplicates, ...).
    warnings : list of str
        Sentences about anything else worth a look (time zones dropped, net-negative days...).

    Examples
    --------
    >>> report = DataQualityReport(
    ...     table="transactions", source="pandas DataFrame (3 rows)",
    ...     columns={"customer_id": "cust", "date": "day", "amount": "value"},
    ...     rows_read=3, rows_kept=2, rows_dropped={"missing_customer_id": 1},
    ...     n_customers=2, amount_read=30.0, amount_kept=25.0,
    ...     amount_dropped={"missing_customer_id": 5.0})
    >>> report.rows_read == report.rows_kept + sum(report.rows_dropped.values())
    True
    >>> print(report)  # doctest: +NORMALIZE_WHITESPACE
    Data-quality report: transactions from pandas DataFrame (3 rows)
      columns: customer_id <- cust, date <- day, amount <- value
      rows read: 3
      rows dropped: 1
        missing customer id: 1 (amount 5.00)
      rows kept: 2
      customers: 2
      amount: 30.00 read, 25.00 kept
    """

    table: str
    source: str
    columns: dict[str, str]
    rows_read: int
    rows_kept: int
    rows_dropped: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    first_date: pd.Timestamp | None = None
    last_date: pd.Timestamp | None = None
    n_customers: int = 0
    n_orders: int | None = None
    amount_read: float | None = None
    amount_kept: float | None = None
    amount_dropped: dict[str, float] = field(default_factory=dict)
    observation_end: pd.Timestamp | None = None
    policies: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable values (timestamps as ISO 8601 text).

        Examples
        --------
        >>> import json
        >>> report = DataQualityReport("customers", "pandas DataFrame (1 rows)",
        ...                            {"customer_id": "id"}, rows_read=1, rows_kept=1,
        ...                            first_date=pd.Timestamp("2024-01-31"))
        >>> json.loads(json.dumps(report.to_dict()))["first_date"]
        '2024-01-31T00:00:00'
        """
        return {name: _plain(getattr(self, name)) for name in self.__dataclass_fields__}

    def __str__(self) -> str:
        dated = "signup dates" if self.table == "customers" else "dates"
        lines = [
            f"Data-quality report: {self.table} from {self.source}",
            "  columns: " + ", ".join(f"{key} <- {value}" for key, value in self.columns.items()),
            f"  rows read: {self.rows_read:,}",
            f"  rows dropped: {sum(self.rows_dropped.values()):,}",
        ]
        for reason, count in self.rows_dropped.items():
            amount = self.amount_dropped.get(reason)
            value = "" if amount is None else f" (amount {amount:,.2f})"
            lines.append(f"    {reason.replace('_', ' ')}: {count:,}{value}")
        lines.append(f"  rows kept: {self.rows_kept:,}")
        if self.flagged:
            flagged = ", ".join(f"{key.replace('_', ' ')} {n:,}" for key, n in self.flagged.items())
            lines.append(f"  flagged (kept): {flagged}")
        if self.first_date is not None:
            lines.append(f"  {dated}: {self.first_date} to {self.last_date}")
        if self.observation_end is not None:
            lines.append(f"  observation end: {self.observation_end}")
        lines.append(f"  customers: {self.n_customers:,}")
        if self.n_orders is not None:
            lines.append(f"  orders: {self.n_orders:,}")
        if self.amount_read is not None:
            lines.append(f"  amount: {self.amount_read:,.2f} read, {self.amount_kept:,.2f} kept")
        if self.policies:
            policies = ", ".join(f"{key}={value!r}" for key, value in self.policies.items())
            lines.append(f"  policies: {policies}")
        lines.extend(f"  warning: {warning}" for warning in self.warnings)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(str(self))}</pre>"


def quality_report(table: object) -> DataQualityReport:
    """The data-quality report of a table loaded by ``read_transactions`` or ``read_customers``.

    The same as ``table.report``.

    Parameters
    ----------
    table : TransactionLog or CustomerTable
        What one of the readers returned (or a log derived from one, e.g. by ``as_of``).

    Returns
    -------
    DataQualityReport

    Raises
    ------
    DataValidationError
        When the table carries no report (it was not loaded by a reader).

    Examples
    --------
    >>> quality_report(pd.DataFrame({"customer_id": [1]}))
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: this DataFrame carries no data-quality report: ...
    """
    report = getattr(table, "report", None)
    if not isinstance(report, DataQualityReport):
        raise DataValidationError(
            f"this {type(table).__name__} carries no data-quality report: load the table with "
            "crm_analytics.io.read_transactions or read_customers, whose results have it as "
            "their .report"
        )
    return report


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value
