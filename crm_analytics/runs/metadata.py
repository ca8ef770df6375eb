"""Run metadata: what a run read, with checksums, so that its outputs can be traced."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["file_sha256", "files_sha256"]

_CHUNK = 1 << 20


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file, or of a folder's files (sorted by relative path) for a folder.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = path.write_bytes(b"abc")
    >>> file_sha256(path)[:16]
    'ba7816bf8f01cfea'
    """
    path = Path(path)
    digest = hashlib.sha256()
    files = sorted(item for item in path.rglob("*") if item.is_file()) if path.is_dir() else [path]
    for item in files:
        if path.is_dir():
            digest.update(str(item.relative_to(path)).encode())
        with item.open("rb") as stream:
            for block in iter(lambda stream=stream: stream.read(_CHUNK), b""):
                digest.update(block)
    return digest.hexdigest()


def files_sha256(files: Sequence[str | Path]) -> dict[str, Any]:
    """How many files, and one sha256 over their names and contents, in order.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = path.write_bytes(b"abc")
    >>> files_sha256([path])["files"]
    1
    """
    digest = hashlib.sha256()
    for file in files:
        digest.update(f"{Path(file).name}:{file_sha256(file)}\n".encode())
    return {"files": len(files), "sha256": digest.hexdigest()}
