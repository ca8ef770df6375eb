"""Runs: reading a run's inputs, and writing its folders all together or not at all.

The run layer sits between the library and its users' jobs (the ``crm-analytics`` command,
notebooks, schedulers): :func:`load_inputs` reads customers and transactions as configured,
:func:`save_models` / :func:`load_models` keep fitted models in a folder, and
:func:`write_scores` / :func:`write_report` write a scoring run's tables, metadata and figures.
It is the only layer that writes files or draws figures; scoring and the models below it
read and write nothing.
"""

from __future__ import annotations

from crm_analytics.runs._atomic import check_writable, write_files
from crm_analytics.runs.inputs import STEP, Inputs, load_inputs
from crm_analytics.runs.metadata import file_sha256, files_sha256
from crm_analytics.runs.models import load_models, save_models
from crm_analytics.runs.outputs import RUN_METADATA, read_scores, write_report, write_scores

__all__ = [
    "RUN_METADATA",
    "STEP",
    "Inputs",
    "check_writable",
    "file_sha256",
    "files_sha256",
    "load_inputs",
    "load_models",
    "read_scores",
    "save_models",
    "write_files",
    "write_report",
    "write_scores",
]
