"""What accurate float32 reductions cost: the engine's reductions now, side by side with the engine
before ``autogradviz/_summation.py`` (NumPy's own sums), on small and on large tensors.

Run:  python benchmarks/bench_reductions.py              (a few minutes)
      python benchmarks/bench_reductions.py --quick      fewer samples
      python benchmarks/bench_reductions.py --before REF the engine of git commit REF as "before"
Prints a table; asserts nothing.

"Before" is the package as it was at the commit that preceded ``_summation.py`` (or ``--before``),
taken from git into a temporary folder. Each side runs in an interpreter of its own, kept open; they
take turns sample by sample (~10 ms each) so that both see the same load, and a figure is the
median of a side's samples. The ratio now/before is what carries. PyTorch (one thread) is beside.

targets: small tensors (a lesson's step: up to (32, 200)) no slower (at most 1.05x: figures move that
much between runs); medium and large tensors at most 1.50x.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET_SMALL, TARGET_LARGE = 1.05, 1.50   # small: no slowdown, within the ~5% figures move between runs

# name: (setup, statement): the setup builds float32 data from a fixed seed under the name `lib`
# (autogradviz or torch); the statement is what is timed.
SMALL = {
    "(4,) sum()": ("x = T(4)", "x.sum()"),
    "(32, 10) sum(0)": ("x = T(32, 10)", "x.sum(0)"),
    "(32, 200) mean(0)": ("x = T(32, 200)", "x.mean(0, keepdim=True)"),
    "(32, 200) var(0)": ("x = T(32, 200)", "x.var(0, keepdim=True)"),
    "(32, 27) softmax(1)": ("x = T(32, 27)", "x.softmax(1)"),
    "(32, 27) cross_entropy": ("x = T(32, 27); y = lib.tensor(R.integers(0, 27, 32))",
                               "lib.nn.functional.cross_entropy(x, y)"),
    "(32, 200) + b, backward": ("x = T(32, 200); b = T(200).requires_grad_()",
                                "(x + b).sum().backward()"),
}
MEDIUM = {
    "(128, 256) sum(0)": ("x = T(128, 256)", "x.sum(0)"),
    "(128, 256) var(0)": ("x = T(128, 256)", "x.var(0)"),
    "(1000, 100) mean(0)": ("x = T(1000, 100)", "x.mean(0)"),
    "(512, 1024) sum(1)": ("x = T(512, 1024)", "x.sum(1)"),
    "(128, 784) + b, backward": ("x = T(128, 784); b = T(784).requires_grad_()", "(x + b).sum().backward()"),
}
LARGE = {
    "(182625, 200) sum(0)": ("x = T(182625, 200)", "x.sum(0)"),
    "(182625, 200) sum(1)": ("x = T(182625, 200)", "x.sum(1)"),
    "(182625, 200) sum()": ("x = T(182625, 200)", "x.sum()"),
    "(182625, 200) mean(0)": ("x = T(182625, 200)", "x.mean(0, keepdim=True)"),
    "(182625, 200) var(0)": ("x = T(182625, 200)", "x.var(0, keepdim=True)"),
    "(182625, 200) var(1)": ("x = T(182625, 200)", "x.var(1)"),
    "(182625, 200) std(0)": ("x = T(182625, 200)", "x.std(0)"),
    "(182625, 200) norm(dim=0)": ("x = T(182625, 200)", "x.norm(dim=0)"),
    "(10**6, 3) sum(0)": ("x = T(10**6, 3)", "x.sum(0)"),
    "(32, 1000, 64) mean((0, 1))": ("x = T(32, 1000, 64)", "x.mean((0, 1))"),
    "(64, 3, 32, 32) var((0, 2, 3))": ("x = T(64, 3, 32, 32)", "x.var((0, 2, 3))"),
    "(182625, 200) logsumexp(0)": ("x = T(182625, 200)", "x.logsumexp(0)"),
    "(182625, 200) softmax(0)": ("x = T(182625, 200)", "x.softmax(0)"),
    "(182625, 200) log_softmax(1)": ("x = T(182625, 200)", "x.log_softmax(1)"),
    "(10**6,) cumsum(0)": ("x = T(10**6)", "x.cumsum(0)"),
    "(100000, 50) cumsum(0)": ("x = T(100000, 50)", "x.cumsum(0)"),
    "(100000, 50) cumprod(0), values ~1": ("x = 1 + T(100000, 50) / 1000", "x.cumprod(0)"),
    "(182625, 200) prod(0), values ~1": ("x = 1 + T(182625, 200) / 1000", "x.prod(0)"),
    "(10**6,) prod(), values ~1": ("x = 1 + T(10**6) / 1000", "x.prod()"),
    "(10**6, 5) cross_entropy": ("x = T(10**6, 5); y = lib.tensor(R.integers(0, 5, 10**6))",
                                 "lib.nn.functional.cross_entropy(x, y)"),
    "(10**6, 3) mse_loss": ("x = T(10**6, 3); y = T(10**6, 3)", "lib.nn.functional.mse_loss(x, y)"),
    "(182625, 200) + b, backward": ("x = T(182625, 200); b = T(200).requires_grad_()",
                                    "(x + b).sum().backward()"),
}


WORKLOADS = {**SMALL, **MEDIUM, **LARGE}


# --- the workers: one interpreter per library, timing one workload at a time on request -------------
def worker(lib_name: str) -> None:
    """Read workload names from stdin; for each, print one timed sample (seconds a call) of it."""
    sys.path.insert(0, str(HERE))
    from _common import single_threaded
    single_threaded()
    import numpy as np
    if lib_name == "torch":
        import torch as lib
        lib.set_num_threads(1)
    else:
        import autogradviz as lib
    ready = {}   # name: (code, scope, calls per sample)
    for line in sys.stdin:
        name = line.strip()
        if name not in ready:
            setup, statement = WORKLOADS[name]
            rng = np.random.default_rng(0)
            scope = {"lib": lib, "R": rng,
                     "T": lambda *shape, r=rng: lib.tensor(r.standard_normal(shape).astype(np.float32))}
            exec(setup, scope)
            code = compile(statement, name, "eval")
            eval(code, scope)                                   # warm-up
            t0 = time.perf_counter()
            eval(code, scope)
            ready[name] = code, scope, max(1, int(0.01 / max(time.perf_counter() - t0, 1e-7)))  # ~10 ms
        code, scope, number = ready[name]
        t0 = time.perf_counter()
        for _ in range(number):
            eval(code, scope)
        print((time.perf_counter() - t0) / number, flush=True)


class Worker:
    """A worker interpreter with ``path`` first on its module path."""

    def __init__(self, lib_name: str, path: Path):
        # glibc's thresholds pinned high, as in a kernel that has been running a while (temporaries
        # come back from the heap, no page faults): otherwise they move with each interpreter's
        # history of frees, and a large temporary costs page faults in one and not in the other
        big = str(1 << 30)
        env = {**os.environ, "PYTHONPATH": str(path), "MALLOC_MMAP_THRESHOLD_": big, "MALLOC_TRIM_THRESHOLD_": big}
        self.process = subprocess.Popen([sys.executable, __file__, "--worker", lib_name], env=env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def sample(self, name: str) -> float:
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def commit_before_kernels() -> str:
    """The commit before the one that added autogradviz/_summation.py."""
    added = subprocess.run(["git", "log", "--diff-filter=A", "--format=%H", "--", "autogradviz/_summation.py"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    if not added:
        sys.exit("autogradviz/_summation.py is not in git's history yet: commit it, or pass --before REF")
    return f"{added[-1]}~1"


def export(ref: str, into: Path) -> None:
    """The package as it was at ``ref``, in ``into``."""
    archive = subprocess.run(["git", "archive", ref, "autogradviz"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    parser.add_argument("--before", help="git commit whose autogradviz is 'before' (default: the one "
                                         "before _summation.py was added)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker)
    sys.path.insert(0, str(HERE))
    from _common import fmt_time, print_table, ratio_cell

    ref = args.before or commit_before_kernels()
    samples = 5 if args.quick else 15
    with tempfile.TemporaryDirectory() as old:
        export(ref, Path(old))
        sides = {"before": Worker("autogradviz", Path(old)), "now": Worker("autogradviz", ROOT)}
        if importlib.util.find_spec("torch") is not None:
            sides["PyTorch"] = Worker("torch", ROOT)
        times = {side: {} for side in sides}
        for name in WORKLOADS:   # the sides take turns, sample by sample: both see the same load
            print(name, file=sys.stderr, flush=True)
            runs = {side: [] for side in sides}
            for _ in range(samples):
                for side, worker_ in sides.items():
                    runs[side].append(worker_.sample(name))
            for side in sides:
                times[side][name] = statistics.median(runs[side])
        for worker_ in sides.values():
            worker_.close()

    tables = (("small tensors (a lesson's step)", SMALL, TARGET_SMALL),
              ("medium tensors (up to 2**19 elements)", MEDIUM, TARGET_LARGE), ("large tensors", LARGE, TARGET_LARGE))
    for title, table, target in tables:
        rows = []
        for name in table:
            t_now, t_before = times["now"][name], times["before"][name]
            cell, goal = ratio_cell(t_now / t_before, target)
            rows.append([name, fmt_time(t_before), fmt_time(t_now), cell, goal,
                         fmt_time(times["PyTorch"][name]) if "PyTorch" in times else "n/a"])
        print_table(f"{title}: autogradviz now vs before ({ref}), medians of {samples} samples taken in turns",
                    ["workload", "before", "now", "now/before", "target", "PyTorch"], rows)


if __name__ == "__main__":
    main()
