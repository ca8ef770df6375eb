"""Model folders: the fitted steps of a scoring run, saved and loaded.

A model folder holds the files of each fitted step (:data:`crm_analytics.scoring.steps.STEPS`:
``rfm.npz``, ``clusterer.npz``, ``bgnbd.json`` and ``gamma_gamma.json`` for the CLV models
(``bgnbd.json`` holds the MBG/NBD model when that one is configured), ``churn.npz``),
``config.toml`` (the model settings used), ``metadata.json`` (as-of date, customers, the
fitted parameters, library versions, the training period, and why a model was left out) and
``manifest.json``, the SHA-256 of every other file.

No file of a model folder can run code when it is loaded: the models are JSON or NumPy
archives read without pickle (scikit-learn parts through ``skops`` with an explicit list of
trusted types), checked as they are read. The manifest is written last at ``fit`` and checked
first at ``score``: a file edited, swapped, removed or added since is refused, naming it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from crm_analytics._manifest import MANIFEST, verify_manifest, write_manifest
from crm_analytics._version import library_versions
from crm_analytics.exceptions import DataValidationError
from crm_analytics.runs._atomic import write_files
from crm_analytics.scoring import FittedModels, ScoringConfig, load_config
from crm_analytics.scoring.steps import STEPS

__all__ = ["load_models", "save_models"]

logger = logging.getLogger(__name__)

_FORMAT = 2
_METADATA = "metadata.json"
_CONFIG = "config.toml"


def save_models(
    models: FittedModels,
    directory: str | Path,
    *,
    config: ScoringConfig | None = None,
    inputs: dict[str, Any] | None = None,
) -> Path:
    """Write every fitted step, ``config.toml`` and ``metadata.json`` into ``directory``.

    The files are written to a temporary folder inside ``directory`` and moved into place
    only once all of them are complete, so a failure leaves the previous models intact.

    Parameters
    ----------
    models : FittedModels
        From :func:`crm_analytics.scoring.fit_models`.
    directory : str or pathlib.Path
        The model folder, created when missing.
    config : ScoringConfig, optional
        The whole configuration of the fit (inputs and column mapping), saved as
        ``config.toml`` with the models' own settings; default: those settings only.
    inputs : dict, optional
        A description of the data fitted on (files, checksums), kept in the metadata.

    Returns
    -------
    pathlib.Path
        ``directory``.
    """
    saved_config = dataclasses.replace(config or ScoringConfig(), model=models.model)
    metadata = {"format": _FORMAT, **models.metadata()}
    if inputs is not None:
        metadata["inputs"] = inputs

    writers: dict[str, Any] = {}
    for step in STEPS:
        if step.name not in models.states:
            continue
        state = models.states[step.name]
        first, *others = step.saved_files(state)
        # A step writes all its files at once, into the staging folder of the first one.
        writers[first] = lambda path, step=step, state=state: step.save(state, path.parent)
        writers.update({name: _written_with(first) for name in others})
    writers[_CONFIG] = lambda path: path.write_text(saved_config.to_toml(), encoding="utf-8")
    writers[_METADATA] = lambda path: path.write_text(
        json.dumps(metadata, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    covered = list(writers)
    # Written last, over the staged files: what score will check before trusting any of them.
    writers[MANIFEST] = lambda path: write_manifest(path.parent, covered, name=path.name)
    directory = Path(directory)
    write_files(directory, writers)
    # Files of a step no longer fitted belong to older models: removed, so the folder holds
    # one consistent set.
    for name in {name for step in STEPS for name in step.files} - set(writers) | {
        "rfm.joblib",
        "clusterer.joblib",
        "churn.joblib",
    }:
        (directory / name).unlink(missing_ok=True)
    logger.info("models saved to %s", directory)
    return directory


def _written_with(first: str) -> Any:
    """The writer of a file that the step's save wrote with ``first``: nothing to do."""

    def written(path: Path) -> None:
        logger.debug("%s written with %s", path.name, first)

    return written


def load_models(directory: str | Path) -> FittedModels:
    """The models saved by :func:`save_models`.

    Raises
    ------
    DataValidationError
        When ``directory`` holds no saved models, or a file is damaged or of another model.
        Also when the folder's manifest does not match its files (a file edited, swapped,
        removed or added after ``save_models``).
    """
    directory = Path(directory)
    if not (directory / _METADATA).is_file():
        raise DataValidationError(
            f"no saved models in {directory} (no {_METADATA}); fit them first with "
            "'crm-analytics fit --model-dir DIR' or crm_analytics.runs.save_models(...)"
        )
    verify_manifest(directory, required=[_METADATA, _CONFIG])
    try:
        metadata = json.loads((directory / _METADATA).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataValidationError(
            f"no saved models in {directory} (no {_METADATA}); fit them first with "
            "'crm-analytics fit --model-dir DIR' or crm_analytics.runs.save_models(...)"
        ) from None
    except json.JSONDecodeError as error:
        raise DataValidationError(
            f"{directory / _METADATA} is not valid JSON ({error}); refit the models"
        ) from None
    settings = load_config(directory / _CONFIG).model
    try:
        if metadata.get("format") != _FORMAT:
            raise KeyError("format")
        models = FittedModels(
            as_of=pd.Timestamp(metadata["as_of"]),
            model=settings,
            n_customers=int(metadata["n_customers"]),
            skipped=dict(metadata["skipped"]),
            training_period=tuple(metadata["training_period"]) or None,
        )
        steps, saved = list(metadata["steps"]), dict(metadata["versions"])
    except (KeyError, TypeError, ValueError) as error:
        raise DataValidationError(
            f"{directory / _METADATA} was not written by save_models of this version (bad or "
            f"missing {error}); refit the models"
        ) from None
    for step in STEPS:
        if step.name in steps:
            verify_manifest(directory, required=step.files[:1])
            models.states[step.name] = step.load(directory, settings)
    changed = [
        f"{name} {saved.get(name)} -> {version}"
        for name, version in library_versions().items()
        if saved.get(name) != version
    ]
    if changed:
        warnings.warn(
            f"the models in {directory} were saved with other library versions "
            f"({'; '.join(changed)}); scores may differ, refit to be sure",
            stacklevel=2,
        )
    return models
