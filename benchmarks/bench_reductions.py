"""What accurate float32 reductions cost: the engine's reductions now, side by side with the engine
before ``autogradviz/_summation.py`` (NumPy's own sums), on small and on large tensors.

Run:  python benchmarks/bench_reductions.py              (a few minutes)
      python benchmarks/bench_reductions.py --quick      fewer rounds
      python benchmarks/bench_reductions.py --before REF the engine of git commit REF as "before"
Prints a table; asserts nothing.

"Before" is the package as it was at the commit that preceded ``_summation.py`` (or ``--before``),
taken from git into a temporary folder. Each side runs in its own interpreter, the two taking turns
for several rounds so that both see the same load; a figure is the median over the rounds of each
side's median time, and the ratio now/before is what carries. PyTorch (one thread) is shown beside.

targets: small tensors no slower (at most 1.05x: figures move that much between runs); large
tensors at most 1.50x.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
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
    "(128, 256) sum(0)": ("x = T(128, 256)", "x.sum(0)"),
    "(32, 27) softmax(1)": ("x = T(32, 27)", "x.softmax(1)"),
    "(32, 27) cross_entropy": ("x = T(32, 27); y = lib.tensor(R.integers(0, 27, 32))",
                               "lib.nn.functional.cross_entropy(x, y)"),
    "(32, 200) + b, backward": ("x = T(32, 200); b = T(200).requires_grad_()",
                                "(x + b).sum().backward()"),
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
    "(182625, 200) prod(0), values ~1": ("x = 1 + T(182625, 200) / 1000", "x.prod(0)"),
    "(10**6,) prod(), values ~1": ("x = 1 + T(10**6) / 1000", "x.prod()"),
    "(10**6, 5) cross_entropy": ("x = T(10**6, 5); y = lib.tensor(R.integers(0, 5, 10**6))",
                                 "lib.nn.functional.cross_entropy(x, y)"),
    "(10**6, 3) mse_loss": ("x = T(10**6, 3); y = T(10**6, 3)", "lib.nn.functional.mse_loss(x, y)"),
    "(182625, 200) + b, backward": ("x = T(182625, 200); b = T(200).requires_grad_()",
                                    "(x + b).sum().backward()"),
}


# --- the worker: one interpreter, one library, every workload ---------------------------------------
def worker(lib_name: str, quick: bool) -> None:
    """Time every workload with ``lib_name`` and print {name: median seconds} as JSON."""
    sys.path.insert(0, str(HERE))
    from _common import single_threaded
    single_threaded()
    import numpy as np
    if lib_name == "torch":
        import torch as lib
        lib.set_num_threads(1)
    else:
        import autogradviz as lib
    times = {}
    for name, (setup, statement) in {**SMALL, **LARGE}.items():
        rng = np.random.default_rng(0)
        scope = {"lib": lib, "R": rng, "T": lambda *shape, r=rng: lib.tensor(r.standard_normal(shape).astype(np.float32))}
        exec(setup, scope)
        code = compile(statement, name, "eval")
        eval(code, scope)                                   # warm-up
        t0 = time.perf_counter()
        eval(code, scope)
        once = time.perf_counter() - t0
        number = max(1, int(0.02 / max(once, 1e-7)))        # ~20 ms a sample
        samples = []
        for _ in range(3 if quick else 7):
            t0 = time.perf_counter()
            for _ in range(number):
                eval(code, scope)
            samples.append((time.perf_counter() - t0) / number)
        times[name] = statistics.median(samples)
    print(json.dumps(times))


def run_worker(lib_name: str, path: Path, quick: bool) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(path)}
    out = subprocess.run([sys.executable, __file__, "--worker", lib_name] + (["--quick"] if quick else []),
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


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
    parser.add_argument("--quick", action="store_true", help="fewer rounds and repeats")
    parser.add_argument("--before", help="git commit whose autogradviz is 'before' (default: the one "
                                         "before _summation.py was added)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.quick)
    sys.path.insert(0, str(HERE))
    from _common import fmt_time, print_table, ratio_cell

    ref = args.before or commit_before_kernels()
    rounds = 3 if args.quick else 5
    now, before, torch = [], [], None
    with tempfile.TemporaryDirectory() as old:
        export(ref, Path(old))
        for i in range(rounds):
            print(f"round {i + 1} of {rounds}", file=sys.stderr, flush=True)
            before.append(run_worker("autogradviz", Path(old), args.quick))
            now.append(run_worker("autogradviz", ROOT, args.quick))
        if importlib.util.find_spec("torch") is not None:
            torch = run_worker("torch", ROOT, args.quick)

    def median(runs, name):
        return statistics.median(r[name] for r in runs)

    for title, table, target in (("small tensors", SMALL, TARGET_SMALL), ("large tensors", LARGE, TARGET_LARGE)):
        rows = []
        for name in table:
            t_now, t_before = median(now, name), median(before, name)
            cell, goal = ratio_cell(t_now / t_before, target)
            rows.append([name, fmt_time(t_before), fmt_time(t_now), cell, goal,
                         fmt_time(torch[name]) if torch else "n/a"])
        print_table(f"{title}: autogradviz now vs before ({ref}), medians of {rounds} alternating rounds",
                    ["workload", "before", "now", "now/before", "target", "PyTorch"], rows)


if __name__ == "__main__":
    main()
