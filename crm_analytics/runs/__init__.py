"""Runs: a run's inputs read, and what it leaves behind written all together or not at all.

The run layer sits between the library and its users' jobs (the ``crm-analytics`` command,
notebooks, schedulers): :func:`load_inputs` reads customers and transactions as configured,
:func:`save_models` / :func:`load_models` keep fitted models in a folder,
:func:`write_scores` / :func:`write_report` write a scoring run's tables, metadata and figures,
:func:`write_scores_to_database` writes the scored table to PostgreSQL, SQLite or DuckDB (one
transaction per as-of date) and :func:`write_workbook` the Excel workbook for account
managers. It is the only layer that writes files, tables or figures; scoring and the models
below it read and write nothing.
"""

from __future__ import annotations

from crm_analytics.runs._atomic import check_writable, write_files
from crm_analytics.runs.database import (
    DatabaseWrite,
    is_database_url,
    read_scores_from_database,
    write_scores_to_database,
)
from crm_analytics.runs.inputs import STEP, Inputs, load_inputs
from crm_analytics.runs.metadata import file_sha256, files_sha256
from crm_analytics.runs.models import load_models, save_models
from crm_analytics.runs.outputs import RUN_METADATA, read_scores, write_report, write_scores
from crm_analytics.runs.workbook import write_workbook

__all__ = [
    "RUN_METADATA",
    "STEP",
    "DatabaseWrite",
    "Inputs",
    "check_writable",
    "file_sha256",
    "files_sha256",
    "is_database_url",
    "load_inputs",
    "load_models",
    "read_scores",
    "read_scores_from_database",
    "save_models",
    "write_files",
    "write_report",
    "write_scores",
    "write_scores_to_database",
    "write_workbook",
]
