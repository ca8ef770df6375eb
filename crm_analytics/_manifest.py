"""Manifests of SHA-256 content hashes: a folder of files (saved models, a run's outputs) is
checked as a whole before anything in it is trusted.

``write_manifest`` records the size and SHA-256 digest of each file; ``verify_manifest``
refuses, naming the file, a folder in which a file was edited, swapped for another, removed
or (when asked) added. The manifest detects accidents and tampering by whoever cannot also
rewrite the manifest; it does not authenticate a folder that an attacker can write whole
(pin :func:`manifest_digest` somewhere they cannot, such as the job's configuration or
run metadata, for that). Loading stays safe either way: the model formats cannot run code.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from crm_analytics.exceptions import DataValidationError

__all__ = [
    "MANIFEST",
    "file_digest",
    "manifest_digest",
    "read_verified",
    "verify_manifest",
    "write_manifest",
]

#: Default file name of a manifest inside the folder it describes.
MANIFEST = "manifest.json"
_FORMAT = "crm_analytics.manifest"
_VERSION = 1
_CHUNK = 1 << 20
_HEX_DIGITS = 64


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, as 64 lowercase hex digits.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "a.txt"
    ...     _ = path.write_bytes(b"abc")
    ...     file_digest(path)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(
    folder: str | os.PathLike[str],
    files: Iterable[str | os.PathLike[str]] | None = None,
    *,
    name: str = MANIFEST,
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write the manifest of ``files`` (default: every file under ``folder``) into ``folder``.

    Parameters
    ----------
    folder : path
        The folder the manifest describes; file paths are recorded relative to it, with
        ``/`` separators.
    files : iterable of paths, optional
        The files to cover, relative to ``folder`` or inside it. Default: every regular file
        under ``folder`` but the manifest itself.
    name : str, default "manifest.json"
        File name of the manifest, in ``folder``.
    metadata : mapping, optional
        JSON-serialisable facts stored with the hashes (what wrote the folder, when).

    Returns
    -------
    pathlib.Path
        The manifest written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = (Path(folder) / "rfm.npz").write_bytes(b"model")
    ...     manifest = write_manifest(folder)
    ...     sorted(json.loads(manifest.read_text())["files"])
    ['rfm.npz']
    """
    root = Path(folder)
    if not root.is_dir():
        raise DataValidationError(f"cannot write a manifest: {str(root)!r} is not a folder")
    if files is None:
        relative = sorted(
            path.relative_to(root).as_posix()
            for path in root.rglob("*")
            if path.is_file() and not path.is_symlink() and path.relative_to(root) != Path(name)
        )
    else:
        relative = sorted({_relative(root, file) for file in files})
    entries = {}
    for item in relative:
        path = root / item
        if not path.is_file():
            raise DataValidationError(
                f"cannot write the manifest of {str(root)!r}: {item!r} is not a file in it"
            )
        entries[item] = {"sha256": file_digest(path), "bytes": path.stat().st_size}
    content = {
        "format": _FORMAT,
        "version": _VERSION,
        "algorithm": "sha256",
        "files": entries,
        "metadata": dict(metadata or {}),
    }
    manifest = root / name
    temporary = manifest.with_name(f".{name}.tmp")
    temporary.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, manifest)
    return manifest


def manifest_digest(folder: str | os.PathLike[str], *, name: str = MANIFEST) -> str:
    """SHA-256 of the manifest file itself: pin it elsewhere to detect a rewritten manifest."""
    return file_digest(Path(folder) / name)


def verify_manifest(
    folder: str | os.PathLike[str],
    *,
    name: str = MANIFEST,
    required: Iterable[str | os.PathLike[str]] = (),
    allow_unlisted: bool = True,
    expected_digest: str | None = None,
) -> dict[str, Any]:
    """Check every file the manifest of ``folder`` lists; return the manifest's content.

    Parameters
    ----------
    folder : path
        The folder holding the files and the manifest.
    name : str, default "manifest.json"
        File name of the manifest.
    required : iterable of paths
        Files the caller is about to read: each must be listed (a file added to the folder
        after the manifest was written is not trusted).
    allow_unlisted : bool, default True
        False refuses any file in the folder that the manifest does not list.
    expected_digest : str, optional
        The manifest's own SHA-256 (:func:`manifest_digest`), recorded where the folder's
        writers cannot change it.

    Returns
    -------
    dict
        The manifest: ``files`` (path -> ``sha256`` and ``bytes``) and ``metadata``.

    Raises
    ------
    DataValidationError
        When the manifest is missing, damaged or not a manifest, or a file is missing,
        edited or swapped (its size or hash differs), not listed though required, or
        present though unlisted (``allow_unlisted=False``); the message names the file.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = (Path(folder) / "rfm.npz").write_bytes(b"model")
    ...     _ = write_manifest(folder)
    ...     _ = (Path(folder) / "rfm.npz").write_bytes(b"other")
    ...     verify_manifest(folder)
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: 'rfm.npz' in ... was changed after its manifest was written (SHA-256 ..., ... expected); ...
    """
    root = Path(folder)
    manifest = root / name
    if not manifest.is_file():
        raise DataValidationError(
            f"{str(root)!r} has no manifest ({name}): its files cannot be checked; write the "
            "folder again with the tool that made it"
        )
    if expected_digest is not None and file_digest(manifest) != expected_digest:
        raise DataValidationError(
            f"the manifest {str(manifest)!r} is not the one recorded (its SHA-256 differs): "
            "the folder was rewritten after it was recorded; write it again"
        )
    content = _read_manifest(manifest)
    files = content["files"]
    for item in required:
        relative = _relative(root, item)
        if relative not in files:
            raise DataValidationError(
                f"{relative!r} in {str(root)!r} is not listed in its manifest, so it is not "
                "trusted (added after the folder was written?); write the folder again"
            )
    for relative, entry in sorted(files.items()):
        path = root / relative
        if not path.is_file():
            raise DataValidationError(
                f"{relative!r} is listed in the manifest of {str(root)!r} but missing; the "
                "folder is incomplete: write it again"
            )
        size = path.stat().st_size
        digest = file_digest(path) if size == entry["bytes"] else None
        if digest != entry["sha256"]:
            found = (
                f"{size:,} bytes, {entry['bytes']:,} expected"
                if digest is None
                else (f"SHA-256 {digest[:12]}..., {entry['sha256'][:12]}... expected")
            )
            raise DataValidationError(
                f"{relative!r} in {str(root)!r} was changed after its manifest was written "
                f"({found}); it was edited or swapped for another file: write the folder again"
            )
    if not allow_unlisted:
        unlisted = sorted(
            path.relative_to(root).as_posix()
            for path in root.rglob("*")
            if path.is_file()
            and path.relative_to(root) != Path(name)
            and path.relative_to(root).as_posix() not in files
        )
        if unlisted:
            shown = ", ".join(repr(item) for item in unlisted[:3])
            raise DataValidationError(
                f"{len(unlisted)} file(s) in {str(root)!r} are not in its manifest (e.g. "
                f"{shown}); remove them or write the folder again"
            )
    return content


def read_verified(
    folder: str | os.PathLike[str],
    relative: str | os.PathLike[str],
    manifest: Mapping[str, Any],
) -> bytes:
    """The bytes of one file, checked against a manifest that :func:`verify_manifest` returned.

    Reading and checking the same bytes leaves no moment in which the file could be swapped
    between the check and the use.
    """
    root = Path(folder)
    item = _relative(root, relative)
    entry = manifest["files"].get(item)
    if entry is None:
        raise DataValidationError(
            f"{item!r} in {str(root)!r} is not listed in its manifest, so it is not trusted"
        )
    data = (root / item).read_bytes()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise DataValidationError(
            f"{item!r} in {str(root)!r} was changed after its manifest was written; it was "
            "edited or swapped for another file: write the folder again"
        )
    return data


def _relative(root: Path, file: str | os.PathLike[str]) -> str:
    """``file`` as a ``/``-separated path inside ``root``; refuses paths that leave it."""
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(root.resolve())
        except ValueError:
            raise DataValidationError(
                f"{str(file)!r} is not inside {str(root)!r}; a manifest lists the folder's own "
                "files"
            ) from None
    posix = PurePosixPath(path.as_posix())
    if posix.is_absolute() or ".." in posix.parts or not posix.parts:
        raise DataValidationError(
            f"{str(file)!r} is not a path inside {str(root)!r}; a manifest lists the folder's "
            "own files"
        )
    return posix.as_posix()


def _read_manifest(manifest: Path) -> dict[str, Any]:
    problem = None
    try:
        content = json.loads(manifest.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        content, problem = None, f"not JSON ({exc})"
    if problem is None and (
        not isinstance(content, dict)
        or content.get("format") != _FORMAT
        or content.get("algorithm") != "sha256"
        or not isinstance(content.get("files"), dict)
    ):
        problem = "not a crm_analytics manifest"
    if problem is None and content.get("version") != _VERSION:
        problem = f"of version {content.get('version')!r}; this library reads version {_VERSION}"
    if problem is None:
        for item, entry in content["files"].items():
            valid_path = isinstance(item, str) and _is_inside(item)
            valid_entry = (
                isinstance(entry, dict)
                and isinstance(entry.get("sha256"), str)
                and len(entry["sha256"]) == _HEX_DIGITS
                and all(digit in "0123456789abcdef" for digit in entry["sha256"])
                and isinstance(entry.get("bytes"), int)
                and not isinstance(entry["bytes"], bool)
                and entry["bytes"] >= 0
            )
            if not (valid_path and valid_entry):
                problem = f"damaged: its entry for {item!r} is not a file path with a hash"
                break
    if problem is not None:
        raise DataValidationError(
            f"the manifest {str(manifest)!r} is {problem}; write the folder again"
        )
    return content


def _is_inside(item: str) -> bool:
    posix = PurePosixPath(item)
    return (
        bool(posix.parts)
        and not posix.is_absolute()
        and ".." not in posix.parts
        and "\\" not in item
        and ":" not in posix.parts[0]
    )
