"""Measuring helpers shared by the benchmark scripts: wall time, peak memory, fresh processes.

Peak memory is read from ``/proc/self/status`` (Linux): `reset_peak_memory` before the
measured call, `peak_memory_growth_mib` after it.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
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


@dataclass(frozen=True)
class Run:
    """One timed call: wall and CPU seconds (the process' own, all threads), the growth of peak
    memory during the call, and what the ``inspect`` function of `interleaved_runs` made of
    its result (None without one)."""

    seconds: float
    cpu: float
    peak_mib: float
    inspected: Any = None


def interleaved_runs(
    prepare: Callable[..., Callable[[], Any]],
    methods: Sequence[str],
    args: tuple[object, ...] = (),
    rounds: int = 3,
    inspect: Callable[[Any], Any] | None = None,
) -> dict[str, list[Run]]:
    """Time each method ``rounds`` times, each in its own process, the methods taking turns.

    Every method gets a spawned process, which calls ``prepare(method, *args)`` to load its
    input and warm up (outside the measurement) and gets back the call to time. Once every
    process is ready, the methods run one after the other, round after round, so that a slow
    spell of a shared machine falls on all of them alike instead of on whichever method ran
    during it; a waiting process does nothing. ``prepare`` and ``inspect`` must be functions
    defined at a module's top level (they are sent to the processes by name).
    """
    context = multiprocessing.get_context("spawn")
    workers = {}
    for method in methods:
        commands, results = context.Queue(), context.Queue()
        process = context.Process(
            target=_serve, args=(prepare, method, args, inspect, commands, results)
        )
        process.start()
        workers[method] = (process, commands, results)
    for _, _, results in workers.values():
        results.get()  # the process has loaded its input and warmed up
    runs: dict[str, list[Run]] = {method: [] for method in methods}
    for _ in range(rounds):
        for method, (_, commands, results) in workers.items():
            commands.put("run")
            runs[method].append(results.get())
    for process, commands, _ in workers.values():
        commands.put(None)
        process.join()
    return runs


def _serve(
    prepare: Callable[..., Callable[[], Any]],
    method: str,
    args: tuple[object, ...],
    inspect: Callable[[Any], Any] | None,
    commands: multiprocessing.Queue,
    results: multiprocessing.Queue,
) -> None:
    """The process of one method in `interleaved_runs`: time the call each time it is asked."""
    call = prepare(method, *args)
    results.put("ready")
    while commands.get() is not None:
        result, run = measured(call)
        results.put(replace(run, inspected=inspect(result)) if inspect else run)
        del result


def measured(call: Callable[[], Any]) -> tuple[Any, Run]:
    """``call()`` and its `Run`: wall and CPU seconds, growth of the peak resident set size."""
    start_rss = reset_peak_memory()
    start, start_cpu = time.perf_counter(), time.process_time()
    result = call()
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return result, Run(seconds, cpu, peak_memory_growth_mib(start_rss))


def fastest(runs: Sequence[Run]) -> Run:
    """The fastest of a method's runs (as ``timeit`` keeps: slower runs measure the machine's
    other work), with the largest peak memory of them all."""
    best = min(runs, key=lambda run: run.seconds)
    return replace(best, peak_mib=max(run.peak_mib for run in runs))


def median_speed_up(baseline: Sequence[Run], method: Sequence[Run]) -> float:
    """The median over rounds of the baseline's seconds over the method's in the same round."""
    return statistics.median(b.seconds / m.seconds for b, m in zip(baseline, method, strict=True))
