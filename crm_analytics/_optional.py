"""Optional dependencies, imported where they are used, with an error naming the extra."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["import_optional"]


def import_optional(module: str, extra: str, purpose: str) -> Any:
    """Import an optional dependency, or raise an ImportError naming the extra that installs it.

    Examples
    --------
    >>> import_optional("json", "dev", "reading JSON").__name__
    'json'
    >>> import_optional("no_such_module", "sql", "writing to a database")
    Traceback (most recent call last):
    ...
    ImportError: writing to a database needs the optional dependency 'no_such_module'; install it with: pip install crm-analytics[sql]
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{purpose} needs the optional dependency {module!r}; "
            f"install it with: pip install crm-analytics[{extra}]"
        ) from exc
