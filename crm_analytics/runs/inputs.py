"""A run's inputs, read as configured: customers, their duplicates merged, then transactions.

The command line and notebooks alike read their inputs with :func:`load_inputs`: the customer
table first (when configured), its duplicate records merged (``[customers] dedupe_on``), then
the transactions, with the lines of merged records moved to the surviving ids as they are
read, so that the quality report counts them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crm_analytics.exceptions import DataValidationError
from crm_analytics.io import CustomerTable, read_customers, read_transactions
from crm_analytics.log import TransactionLog
from crm_analytics.quality import DataQualityReport
from crm_analytics.runs.metadata import file_sha256
from crm_analytics.scoring import ScoringConfig, merge_duplicate_customers

__all__ = ["Inputs", "load_inputs"]

logger = logging.getLogger(__name__)

#: The prefix of the log messages that a terminal shows as the current step.
STEP = "step: "


@dataclass
class Inputs:
    """The loaded inputs of a run, their quality reports and where they came from.

    Attributes
    ----------
    transactions : TransactionLog
        The checked log (as of the configured as-of day, later rows dropped and counted).
    customers : pandas.DataFrame or None
        The customer table, duplicates merged.
    dedupe_audit : pandas.DataFrame or None
        The merged records (see :func:`crm_analytics.scoring.merge_duplicate_customers`).
    reports : dict
        Table name to its :class:`~crm_analytics.quality.DataQualityReport`.
    files : dict
        Table name to the file it was read from.
    """

    transactions: TransactionLog
    customers: pd.DataFrame | None = None
    dedupe_audit: pd.DataFrame | None = None
    reports: dict[str, DataQualityReport] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def describe(self) -> dict[str, dict[str, Any]]:
        """Path, sha256, rows read and kept of each input file."""
        return {
            name: {
                "path": path,
                "sha256": file_sha256(path),
                "rows_read": self.reports[name].rows_read,
                "rows_kept": self.reports[name].rows_kept,
            }
            for name, path in self.files.items()
        }


def load_inputs(config: ScoringConfig) -> Inputs:
    """Read the customer table (merging its duplicate records) and the transactions.

    Parameters
    ----------
    config : ScoringConfig
        ``[transactions]`` and ``[customers]`` say what to read and how; ``[model] as_of``
        leaves out later transactions (counted in the report).

    Raises
    ------
    DataValidationError
        When no transaction file is configured, or the inputs cannot be read (see
        :func:`crm_analytics.io.read_transactions` and
        :func:`crm_analytics.io.read_customers`).
    """
    if config.transactions.path is None:
        raise DataValidationError(
            "no transaction file given: pass --transactions PATH or set path in the "
            "[transactions] table of the --config file"
        )
    if config.customers.dedupe_on and config.customers.path is None:
        raise DataValidationError(
            "[customers] dedupe_on merges duplicate records of the customer table, but no "
            "customer table is given: set path in [customers] (--customers PATH) or remove "
            "dedupe_on"
        )
    reports: dict[str, DataQualityReport] = {}
    files: dict[str, str] = {}
    customers = audit = mapping = None
    if config.customers.path is not None:
        logger.info(STEP + "reading %s", config.customers.path)
        table: CustomerTable = read_customers(
            config.customers.path, **config.customers.reader_arguments()
        )
        customers, reports["customers"] = table.frame, table.report
        files["customers"] = config.customers.path
        if config.customers.dedupe_on:
            logger.info(STEP + "merging duplicate customers")
            customers, mapping, audit = merge_duplicate_customers(customers, config=config)
    logger.info(STEP + "reading %s", config.transactions.path)
    transactions = read_transactions(
        config.transactions.path,
        **config.transactions.reader_arguments(),
        observation_end=config.model.as_of,
        after_observation_end="drop",
        customer_mapping=mapping,
    )
    # Transactions first in the reports, as in the files written.
    reports = {"transactions": transactions.report, **reports}
    files = {"transactions": str(Path(config.transactions.path)), **files}
    return Inputs(transactions, customers, audit, reports, files)
