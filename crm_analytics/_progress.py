"""Progress bars for long computations: shown to someone watching, silent in cron jobs and tests.

A bar appears when standard error is a terminal or the code runs in a Jupyter kernel (a
notebook widget when ipywidgets is installed, text otherwise); piped, logged or captured
output (a scheduled job, pytest) gets none. tqdm draws the bars.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["interactive", "progress", "progress_bar"]

Item = TypeVar("Item")


def interactive() -> bool:
    """Whether someone is watching: a terminal on standard error, or a Jupyter kernel.

    Examples
    --------
    >>> interactive()  # doctests run with standard error captured
    False
    """
    stream = sys.stderr
    if stream is not None and getattr(stream, "isatty", lambda: False)():
        return True
    return _in_kernel()


def _in_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (a notebook), not merely beside one."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def progress_bar(*, total: int | None = None, desc: str, unit: str = "it", enabled: bool = True):
    """A tqdm bar to update by hand, disabled when nobody is watching (see `interactive`).

    ``enabled=False`` disables it whoever watches (for the quick cases of a computation).

    Examples
    --------
    >>> with progress_bar(desc="fit") as bar:
    ...     bar.update(1)
    >>> bar.disable
    True
    """
    return _bar_class()(
        total=total, desc=desc, unit=unit, leave=False, disable=not (enabled and interactive())
    )


def progress(
    items: Iterable[Item], *, desc: str, total: int | None = None, unit: str = "it"
) -> Iterator[Item]:
    """``items``, with a progress bar when someone is watching.

    Examples
    --------
    >>> list(progress(range(3), desc="steps"))
    [0, 1, 2]
    """
    if not interactive():
        yield from items
        return
    if total is None and hasattr(items, "__len__"):
        total = len(items)
    with progress_bar(total=total, desc=desc, unit=unit) as bar:
        for item in items:
            yield item
            bar.update(1)


def _bar_class() -> type:
    """tqdm's notebook widget in a Jupyter kernel with ipywidgets, its text bar otherwise."""
    if _in_kernel():
        try:
            import ipywidgets  # noqa: F401  (the notebook bar needs it)
            from tqdm.notebook import tqdm
        except ImportError:
            pass
        else:
            return tqdm
    from tqdm.std import tqdm

    return tqdm
