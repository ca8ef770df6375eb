"""Model files that cannot run code when they are loaded.

A model file is a NumPy ``.npz`` archive read with ``allow_pickle=False``: it holds the
model's parameters and settings as one JSON document, its fitted arrays as plain numeric or
text arrays, and the fitted scikit-learn parts (a pipeline, a calibrated classifier) as
``skops.io`` payloads that are loaded with an explicit list of trusted types. Nothing in it
is unpickled, so a crafted file can at worst be refused: NumPy refuses object arrays,
skops refuses types outside the list, and each model checks the types, shapes and ranges
of what it reads before using it.

The models call :func:`save_model` and :func:`load_model`; tables (a profile, labels per
customer) travel through :func:`frame_arrays` and :func:`frame_from_arrays`.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_analytics._version import library_versions
from crm_analytics.exceptions import DataValidationError

__all__ = [
    "FORMAT",
    "Archive",
    "frame_arrays",
    "frame_from_arrays",
    "load_model",
    "require",
    "save_model",
]

FORMAT = "crm_analytics.model"
_VERSION = 1
_STATE = "state"
_ESTIMATOR = "estimator."
# No model of ours comes near this; a larger declared member is a damaged or hostile file.
_MAX_MEMBER_BYTES = 8 << 30
_ARRAY_KINDS = "biufUM"


@dataclass
class Archive:
    """What a model file holds, as :func:`load_model` read and checked it."""

    path: Path
    kind: str
    state: dict[str, Any]
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    estimators: dict[str, Any] = field(default_factory=dict)

    def damaged(self, problem: str) -> DataValidationError:
        """The error for a file whose content does not make a valid model."""
        return DataValidationError(
            f"{self.path} could not be loaded: it is damaged or was not written by "
            f"{self.kind}.save ({problem}); retrain and save it again"
        )

    def array(
        self,
        name: str,
        *,
        kind: str,
        shape: tuple[int | None, ...],
        check: Callable[[np.ndarray], bool] | None = None,
        what: str = "",
    ) -> np.ndarray:
        """The array ``name``, checked: its dtype kind (``"f"``, ``"i"``, ``"U"``...),
        its shape (None matches any length) and, optionally, its values."""
        values = self.arrays.get(name)
        if values is None:
            raise self.damaged(f"the array {name!r} is missing")
        matches = len(values.shape) == len(shape) and all(
            want is None or want == got for want, got in zip(shape, values.shape, strict=True)
        )
        if values.dtype.kind not in kind or not matches:
            raise self.damaged(
                f"the array {name!r} has dtype {values.dtype} and shape {values.shape}, "
                f"expected kind {kind!r} and shape {shape}"
            )
        if check is not None and not check(values):
            raise self.damaged(f"the array {name!r} holds invalid values ({what})")
        return values


def require(archive: Archive, condition: bool, problem: str) -> None:
    """Raise the archive's "damaged" error unless ``condition`` holds."""
    if not condition:
        raise archive.damaged(problem)


def save_model(
    path: str | os.PathLike[str],
    *,
    kind: str,
    state: Mapping[str, Any],
    arrays: Mapping[str, np.ndarray] | None = None,
    estimators: Mapping[str, Any] | None = None,
    trusted: Sequence[str] = (),
) -> Path:
    """Write a model file: ``state`` as JSON, ``arrays`` as arrays, ``estimators`` with skops.

    Refuses, before writing anything, state that is not plain JSON, arrays of Python objects,
    and estimators that need a type outside ``trusted`` (and skops' own defaults) to load:
    a file that could not be loaded safely is never written. The file is written to a
    temporary name beside ``path`` and renamed, so a crash leaves no half-written model.
    """
    path = Path(path)
    arrays = dict(arrays or {})
    payloads = {
        name: _dumped(kind, name, value, trusted) for name, value in (estimators or {}).items()
    }
    document = {
        "format": FORMAT,
        "version": _VERSION,
        "kind": kind,
        "versions": library_versions(),
        "arrays": sorted(arrays),
        "estimators": sorted(payloads),
        "state": state,
    }
    try:
        text = json.dumps(document, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise DataValidationError(
            f"{kind} cannot be saved: a setting is not plain data ({exc}); settings must be "
            "numbers, text, lists and dicts"
        ) from None
    members = {_STATE: np.frombuffer(text.encode("utf-8"), dtype=np.uint8)}
    for name, values in arrays.items():
        values = np.asarray(values)
        if values.dtype.kind not in _ARRAY_KINDS:
            raise DataValidationError(
                f"{kind} cannot be saved: the array {name!r} holds {values.dtype} values, "
                "which only a pickle could store"
            )
        members[f"array.{name}"] = values
    for name, payload in payloads.items():
        members[f"{_ESTIMATOR}{name}"] = np.frombuffer(payload, dtype=np.uint8)
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as handle:
        np.savez(handle, **members)
    os.replace(temporary, path)
    return path


def load_model(
    path: str | os.PathLike[str] | io.BytesIO,
    *,
    kind: str,
    trusted: Sequence[str] = (),
) -> Archive:
    """Read a model file written by :func:`save_model` for ``kind``, without running code.

    Raises
    ------
    DataValidationError
        When the file is missing, is not a model file (a pickle from an older version, say,
        which is never unpickled), holds another kind of model, or is damaged.
    """
    shown = Path(path) if not isinstance(path, io.BytesIO) else Path("<bytes>")
    if not isinstance(path, io.BytesIO) and not shown.is_file():
        raise DataValidationError(
            f"no saved {kind} at {shown}; fit one and save it with {kind}.save(path)"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ValueError("a single array, not a model archive")
            _check_sizes(archive)
            members = {name: archive[name] for name in archive.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise DataValidationError(
            f"{shown} could not be loaded: it is not a {kind} model file "
            f"({_plain_reason(exc)}); model files are read without unpickling, so the "
            "joblib/pickle files of earlier versions are refused: retrain and save it again"
        ) from None
    document = _document(shown, kind, members)
    found = document["kind"]
    if found != kind:
        raise DataValidationError(
            f"{shown} holds a {found}, not a {kind}; load it with {found}.load"
        )
    archive = Archive(path=shown, kind=kind, state=document["state"])
    for name in document["arrays"]:
        values = members.get(f"array.{name}")
        require(archive, values is not None, f"the array {name!r} is missing")
        archive.arrays[name] = values
    for name in document["estimators"]:
        payload = members.get(f"{_ESTIMATOR}{name}")
        require(
            archive,
            payload is not None and payload.dtype == np.uint8 and payload.ndim == 1,
            f"the estimator {name!r} is missing",
        )
        archive.estimators[name] = _loaded(archive, name, payload.tobytes(), trusted)
    expected = {_STATE} | {f"array.{name}" for name in document["arrays"]}
    expected |= {f"{_ESTIMATOR}{name}" for name in document["estimators"]}
    require(archive, set(members) == expected, "it holds members no model file has")
    archive.state["versions"] = document["versions"]
    return archive


def _plain_reason(exc: BaseException) -> str:
    text = str(exc)
    if "pickle" in text:
        return "it holds pickled data, which could run code when loaded"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _check_sizes(archive: Any) -> None:
    for info in archive.zip.infolist():
        if info.file_size > _MAX_MEMBER_BYTES:
            raise ValueError(f"member {info.filename!r} declares {info.file_size:,} bytes")


def _document(path: Path, kind: str, members: Mapping[str, np.ndarray]) -> dict[str, Any]:
    raw = members.get(_STATE)
    problem = None
    document: Any = None
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        problem = "it has no model settings"
    else:
        try:
            document = json.loads(raw.tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problem = f"its settings are not JSON ({exc})"
    if problem is None and (
        not isinstance(document, dict)
        or document.get("format") != FORMAT
        or not isinstance(document.get("kind"), str)
        or not isinstance(document.get("state"), dict)
        or not isinstance(document.get("versions"), dict)
        or not _names(document.get("arrays"))
        or not _names(document.get("estimators"))
    ):
        problem = "it is not a crm_analytics model file"
    if problem is None and document.get("version") != _VERSION:
        problem = (
            f"it has format version {document.get('version')!r}; this version of the library "
            f"reads version {_VERSION}"
        )
    if problem is not None:
        raise DataValidationError(
            f"{path} could not be loaded: it is not a {kind} model file ({problem}); retrain "
            "and save it again"
        )
    return document


def _names(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(name, str) for name in value)


def _dumped(kind: str, name: str, estimator: Any, trusted: Sequence[str]) -> bytes:
    import skops.io

    payload = skops.io.dumps(estimator)
    untrusted = sorted(set(skops.io.get_untrusted_types(data=payload)) - set(trusted))
    if untrusted:
        raise DataValidationError(
            f"{kind} cannot be saved safely: its {name} ({type(estimator).__name__}) uses "
            f"types that loading would have to trust ({', '.join(untrusted)}); use the "
            "default estimator or one of scikit-learn's standard classifiers"
        )
    return payload


def _loaded(archive: Archive, name: str, payload: bytes, trusted: Sequence[str]) -> Any:
    import skops.io
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        return skops.io.loads(payload, trusted=list(trusted))
    except UntrustedTypesFoundException as exc:
        raise archive.damaged(
            f"its {name} needs types that are not trusted ({exc}); such a file could run "
            "code, so it is not loaded"
        ) from None
    except Exception as exc:  # a damaged payload fails in any of skops' many ways
        raise archive.damaged(f"its {name} cannot be read ({type(exc).__name__}: {exc})") from None


def frame_arrays(
    prefix: str, frame: pd.DataFrame | pd.Series
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A table (or series) as a JSON-able description and plain arrays, for a model file.

    Columns and the index may hold numbers, booleans, dates or text (missing text kept
    through a mask); anything else cannot be stored without a pickle and is refused.
    """
    series = isinstance(frame, pd.Series)
    table = frame.to_frame() if series else frame
    spec: dict[str, Any] = {
        "series": series,
        "name": _label(frame.name, prefix) if series else None,
        "columns": [_label(column, prefix) for column in table.columns],
        "dtypes": [],
        "index_name": _label(table.index.name, prefix),
    }
    arrays: dict[str, np.ndarray] = {}
    for position in range(table.shape[1]):
        spec["dtypes"].append(
            _store(arrays, f"{prefix}.{position}", table.iloc[:, position], prefix)
        )
    spec["index_dtype"] = _store(arrays, f"{prefix}.index", pd.Series(table.index), prefix)
    return spec, arrays


def frame_from_arrays(archive: Archive, prefix: str, spec: object) -> pd.DataFrame | pd.Series:
    """The table that :func:`frame_arrays` stored, checked against its description."""
    require(
        archive,
        isinstance(spec, dict)
        and isinstance(spec.get("columns"), list)
        and isinstance(spec.get("dtypes"), list)
        and len(spec["columns"]) == len(spec["dtypes"]),
        f"the description of {prefix} is damaged",
    )
    index = _restore(archive, f"{prefix}.index", spec.get("index_dtype"), length=None)
    columns = [
        _restore(archive, f"{prefix}.{position}", dtype, length=len(index)).set_axis(index)
        for position, dtype in enumerate(spec["dtypes"])
    ]
    table = pd.concat(columns, axis=1) if columns else pd.DataFrame(index=index)
    table.index = pd.Index(index, name=spec.get("index_name"))
    table.columns = spec["columns"]
    if spec.get("series"):
        require(archive, table.shape[1] == 1, f"{prefix} is not one column")
        return table.iloc[:, 0].rename(spec.get("name"))
    return table


def _label(label: object, prefix: str) -> object:
    if label is None or isinstance(label, (str, int, float, bool)):
        return label
    if isinstance(label, np.generic):
        return label.item()
    raise DataValidationError(
        f"{prefix} cannot be saved: the name {label!r} is not text or a number"
    )


# dtypes a stored column may have: plain numpy ones as they are, text ones as text arrays.
_NUMERIC_DTYPES = {"bool": "b", "int64": "i", "float64": "f", "datetime64[ns]": "M"}
_TEXT_DTYPES = ("object", "str", "string")


def _store(arrays: dict[str, np.ndarray], name: str, values: pd.Series, prefix: str) -> str:
    """Put ``values`` in ``arrays`` under ``name``; return the dtype that restores them."""
    dtype = str(values.dtype)
    if dtype in _NUMERIC_DTYPES and not (dtype in ("bool", "int64") and values.isna().any()):
        arrays[name] = values.to_numpy(dtype=dtype)
        return dtype
    present = values.dropna()
    if dtype in _TEXT_DTYPES and all(isinstance(value, str) for value in present):
        missing = values.isna().to_numpy()
        arrays[name] = np.array(
            [value if isinstance(value, str) else "" for value in values], dtype=str
        )
        arrays[f"{name}.missing"] = missing
        return dtype
    raise DataValidationError(
        f"{prefix} cannot be saved: {name} holds {dtype} values (e.g. "
        f"{present.iloc[:3].tolist()}); only numbers, dates and text can be stored"
    )


def _restore(archive: Archive, name: str, dtype: object, *, length: int | None) -> pd.Series:
    if dtype in _NUMERIC_DTYPES:
        values = archive.array(name, kind=_NUMERIC_DTYPES[dtype], shape=(length,))
        return pd.Series(values.astype(dtype, copy=False))
    require(archive, dtype in _TEXT_DTYPES, f"{name} has an unknown dtype {dtype!r}")
    text = archive.array(name, kind="U", shape=(length,))
    missing = archive.array(f"{name}.missing", kind="b", shape=(len(text),))
    values = text.astype(object)
    values[missing] = None
    return pd.Series(values, dtype=dtype)
