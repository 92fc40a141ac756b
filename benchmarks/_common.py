"""Small helpers shared by the benchmark scripts: timing, RSS, optional PyTorch, a table printer.

Import it from a script in this folder with ``from _common import ...`` (``python benchmarks/X.py``
puts the folder on ``sys.path``). Nothing here asserts: benchmarks report, they never fail.
"""
from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence


def single_threaded() -> None:
    """Pin BLAS/OpenMP to one thread (call before NumPy is imported) so that figures compare like
    with like and do not depend on what else the machine is running."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def median_time(fn: Callable[[], object], *, repeat: int = 5, warmup: int = 1, number: int = 1) -> float:
    """Median wall time of one call of ``fn`` in seconds (``warmup`` untimed calls first; each
    sample times ``number`` calls and divides)."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - t0) / number)
    return statistics.median(samples)


def median_times(fns: dict[str, Callable[[], object] | None], *, repeat: int = 5, warmup: int = 1,
                 number: int = 1) -> dict[str, float | None]:
    """Like ``median_time`` for several functions at once, run in turns (a, b, c, a, b, c, ...) so
    that each sees the same machine load: their ratios stay meaningful on a busy machine.
    ``None`` entries give ``None``."""
    live = {k: f for k, f in fns.items() if f is not None}
    for f in live.values():
        for _ in range(warmup):
            f()
    samples: dict[str, list[float]] = {k: [] for k in live}
    for _ in range(repeat):
        for k, f in live.items():
            gc.collect()
            t0 = time.perf_counter()
            for _ in range(number):
                f()
            samples[k].append((time.perf_counter() - t0) / number)
    return {k: (statistics.median(samples[k]) if k in samples else None) for k in fns}


def median_phases(first: Callable[[], object], second: Callable[[object], object], *, repeat: int = 5,
                  warmup: int = 1) -> tuple[float, float]:
    """Median wall times of two phases run back to back: ``state = first()``, then
    ``second(state)`` (e.g. forward, then backward). Dropping ``state`` afterwards is not timed."""
    t_first, t_second = [], []
    for i in range(warmup + repeat):
        gc.collect()
        t0 = time.perf_counter()
        state = first()
        t1 = time.perf_counter()
        second(state)
        t2 = time.perf_counter()
        del state
        if i >= warmup:
            t_first.append(t1 - t0)
            t_second.append(t2 - t1)
    return statistics.median(t_first), statistics.median(t_second)


def rss_bytes() -> int | None:
    """Resident set size of this process (Linux /proc; ``None`` elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None


def import_torch():
    """Real PyTorch, single-threaded, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def ratio_cell(value: float | None, target: float | None, *, lower_is_better: bool = True) -> tuple[str, str]:
    """``("0.42x", "<= 0.60x  ok")`` style cells for a ratio and its target."""
    if value is None:
        return "n/a", "" if target is None else f"<= {target:.2f}x"
    if target is None:
        return f"{value:.2f}x", ""
    ok = value <= target if lower_is_better else value >= target
    return f"{value:.2f}x", f"{'<=' if lower_is_better else '>='} {target:.2f}x  {'ok' if ok else 'MISS'}"


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A plain, aligned text table."""
    n = len(header)
    cells = [[str(c) for c in header]] + [[("" if c is None else str(c)) for c in r] + [""] * (n - len(r))
                                          for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{title}")
    print(line)
    for k, r in enumerate(cells):
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            print(line)
    print(line)
    sys.stdout.flush()


def fmt_time(seconds: float | None, unit: str = "ms") -> str:
    if seconds is None:
        return "n/a"
    scale = {"s": 1.0, "ms": 1e3, "us": 1e6}[unit]
    return f"{seconds * scale:.3g} {unit}"
