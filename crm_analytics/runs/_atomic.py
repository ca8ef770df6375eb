"""All-or-nothing writing of a set of files into a folder.

Every file is first written in full to a temporary folder inside the target folder (the same
file system), and only when all of them are complete is each moved into place with
``os.replace``, an atomic rename: a reader never sees a half-written file, and a run that
fails while writing leaves the previous files as they were and no temporary files behind.
An output may be a folder (Spark writes a table as a folder of files): an older folder of the
same name is moved aside, the new one renamed into place, then the old one deleted.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from crm_analytics.exceptions import DataValidationError

__all__ = ["check_writable", "write_files"]

logger = logging.getLogger(__name__)

Writer = Callable[[Path], object]


def write_files(directory: str | Path, writers: Mapping[str, Writer]) -> list[Path]:
    """Write ``{file name: writer(path)}`` into ``directory`` all together or not at all.

    Parameters
    ----------
    directory : str or pathlib.Path
        Target folder; created (with its parents) when missing.
    writers : mapping
        File name (relative to ``directory``, sub-folders allowed) to a function that writes
        the file (or a folder of files) at the path it is given.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``writers``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> [path.name for path in write_files(folder, {"a.txt": lambda p: p.write_text("a")})]
    ['a.txt']
    >>> def broken(path):
    ...     path.write_text("half")
    ...     raise OSError("disk full")
    >>> write_files(folder, {"a.txt": lambda p: p.write_text("new"), "b.txt": broken})
    Traceback (most recent call last):
    ...
    OSError: disk full
    >>> sorted(p.name for p in folder.iterdir()), (folder / "a.txt").read_text()
    (['a.txt'], 'a')
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=directory))
    try:
        for name, writer in writers.items():
            staged = staging / name
            staged.parent.mkdir(parents=True, exist_ok=True)
            writer(staged)
            if not staged.exists():
                raise RuntimeError(f"the writer of {name} did not write {staged}")
        written = []
        for name in writers:
            target = directory / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_dir():
                target.rename(staging / f".old-{target.name}")
            os.replace(staging / name, target)
            written.append(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.debug("wrote %s into %s", ", ".join(writers), directory)
    return written


def check_writable(directory: str | Path, *, option: str) -> None:
    """Raise a clear error now if ``directory`` cannot be created or written into.

    A long job checks its output folder before it starts, rather than failing at the end. The
    test is a real one: a temporary file is created (and removed) in the folder, or in its
    nearest existing parent when the folder is still to be made.

    Raises
    ------
    DataValidationError
        When a file stands where the folder (or one of its parents) should be, or the folder
        cannot be written into; the message names ``option``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> check_writable(folder / "new" / "out", option="--output-dir")
    >>> (folder / "file").write_text("x")
    1
    >>> check_writable(folder / "file" / "out", option="--output-dir")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: --output-dir .../file/out: .../file is a file, not a folder; choose another path
    """
    directory = Path(directory)
    existing = directory
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise DataValidationError(
            f"{option} {directory}: {existing} is a file, not a folder; choose another path"
        )
    try:
        tempfile.TemporaryFile(dir=existing).close()
    except OSError as error:
        raise DataValidationError(
            f"{option} {directory}: cannot write into {existing} ({error.strerror}); choose a "
            "folder this user can write to"
        ) from None
