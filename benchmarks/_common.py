"""Measuring helpers shared by the benchmark scripts: wall time, peak memory, a fresh process.

Peak memory is read from ``/proc/self/status`` (Linux): `reset_peak_memory` before the
measured call, `peak_memory_growth_mib` after it.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def timed(function: Callable[..., Any], *args: object, **kwargs: object) -> tuple[Any, float]:
    """``function(*args, **kwargs)`` and the wall-clock seconds it took."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def reset_peak_memory() -> int:
    """Reset the process' peak resident set size (Linux) and return the current one in KiB."""
    Path("/proc/self/clear_refs").write_text("5")
    return memory_kib("VmRSS")


def memory_kib(field: str) -> int:
    """A memory figure of this process from ``/proc/self/status`` (``VmRSS``, ``VmHWM``), KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status (the benchmark needs Linux)")


def peak_memory_growth_mib(start_kib: int) -> float:
    """Growth of the peak resident set size since `reset_peak_memory` returned ``start_kib``."""
    return (memory_kib("VmHWM") - start_kib) / 1024


def run_in_process(target: Callable[..., None], *args: object) -> Any:
    """Run ``target(*args, queue)`` in a fresh (spawned) process; return what it puts on queue."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result
