"""Engine overhead against its targets (issue 20), every figure side by side in one run, as ratios.

Run:  python benchmarks/bench_engine.py               every figure (a few minutes)
      python benchmarks/bench_engine.py --quick       fewer samples
      python benchmarks/bench_engine.py --before REF  also the engine of git commit REF, beside the
                                                      current one: what the changes since REF bought
      python benchmarks/bench_engine.py --profile [W ...]  cProfile of autogradviz on workloads W
                                                      (default: tiny scalar), top functions by self time
Prints tables; asserts nothing.

Each library runs in an interpreter of its own that imports only it (importing PyTorch adds ~150,000
objects that every pass of Python's cyclic garbage collector would also walk), kept open; the
interpreters take turns sample by sample, so that every side sees the same load on a shared machine,
and a figure is the median of a side's samples. A sample is the CPU time the interpreter spent (time
it waited for a core on a busy machine is left out; ``--wall`` takes wall-clock time instead). BLAS
and OpenMP run one thread, as PyTorch does.

(a) tiny:   a 1000-op chain on shape-(4,) tensors (* c, + d, exp, log, repeated; the gradient stays
            near 1), forward + backward, per op.            target: autogradviz / PyTorch <= 0.6x
(b) scalar: a 1000-op chain of 0-d scalars (* c, + d, relu, * 1.0001: ops micrograd has), forward +
            backward, per op.                               target: autogradviz / micrograd <= 1.0x
(c) chain:  y = y * 1.0001, 100,000 times on a scalar, then backward.
                                                            target: autogradviz / PyTorch <= 0.5x
            and, in a fresh interpreter at a recursion limit of 200 (so nothing may recurse), the
            RSS still held once backward has run (y alive: the nodes stay, what they saved goes) and
            after ``del y`` (no gc.collect(): reference counting alone must free the graph).
(d) hessian: second derivative of sum(sin x), n = 1000, float64: grad with create_graph=True, then
            grad of its sum.                                target: autogradviz / PyTorch <= 1.0x
(e) mlp:    one training step of an MLP 784-256-256-10 (batch 128, float32, relu, softmax cross-
            entropy from primitives, SGD).                  target: autogradviz / NumPy by hand <= 1.10x
(f) memory: RSS growth over 200 training steps that keep their loss tensors alive (fresh process).
                                                            target: <= 1 MiB
micrograd (a pure-Python scalar engine) is an optional benchmark dependency: ``pip install -e
'.[bench]'``; without it, figure (b) says so and reads n/a.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import itertools
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
sys.path.insert(0, str(HERE))

from _common import fmt_time, print_table, ratio_cell, rss_bytes, single_threaded

single_threaded()                              # before NumPy loads: BLAS on one thread, like PyTorch

import numpy as np

TARGETS = {"tiny": 0.6, "scalar": 1.0, "chain": 0.5, "hessian": 1.0, "mlp": 1.10}
TARGET_MEMORY_MIB = 1.0
TINY_OPS = 1000
SCALAR_OPS = 1000
CHAIN_OPS = 100_000
HESSIAN_N = 1000
MiB = 1024 * 1024


# ---------------------------------------------------------------------------------------------
# The workloads: each builds, for one library, a callable that runs it once
# ---------------------------------------------------------------------------------------------
def tiny_chain(T, no_grad: bool = False):
    """(a) TINY_OPS ops on shape (4,), then sum().backward(); written once for autogradviz and PyTorch."""
    x = T.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
    c = T.tensor([1.0001, 0.9999, 1.0002, 0.9998])
    d = T.tensor([0.01, -0.01, 0.02, -0.02])

    def forward():
        y = x
        for _ in range(TINY_OPS // 4):
            y = y * c
            y = y + d
            y = y.exp()
            y = y.log()
        return y.sum()

    def run():
        x.grad = None
        forward().backward()
        return x.grad

    def run_no_grad():
        with T.no_grad():
            return forward()
    return run_no_grad if no_grad else run


def tiny_chain_numpy():
    """(a) The same forward ops on NumPy arrays and their backward written by hand (the floor)."""
    x = np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32)
    c = np.array([1.0001, 0.9999, 1.0002, 0.9998], dtype=np.float32)
    d = np.array([0.01, -0.01, 0.02, -0.02], dtype=np.float32)

    def run():
        saved = []
        y = x
        for _ in range(TINY_OPS // 4):
            y = y * c
            y = y + d
            y = np.exp(y)
            saved.append(y)
            y = np.log(y)
        y.sum()
        g = np.ones_like(x)
        for e in reversed(saved):
            g = g / e          # log: g / input
            g = g * e          # exp: g * output
            g = g * c          # (the add passes g through unchanged)
        return g
    return run


def scalar_chain(T):
    """(b) SCALAR_OPS ops on 0-d scalars with the operators micrograd has, then backward.

    ``T`` is autogradviz or PyTorch (0-d float32 tensors), or micrograd's ``Value`` class.
    """
    if isinstance(T, type):                         # micrograd: Value(data)
        def make(v, grad=False):
            return T(v)
    else:
        def make(v, grad=False):
            return T.tensor(v, requires_grad=grad)
    x, c, d = make(0.5, True), make(1.0001), make(0.01)

    def run():
        x.grad = None if not isinstance(T, type) else 0
        y = x
        for _ in range(SCALAR_OPS // 4):
            y = y * c
            y = y + d
            y = y.relu()
            y = y * 1.0001
        y.backward()
        return x.grad
    return run


def long_chain(T):
    """(c) y = y * 1.0001, CHAIN_OPS times on a scalar, then backward."""
    x = T.tensor(1.0, requires_grad=True)

    def run():
        x.grad = None
        y = x
        for _ in range(CHAIN_OPS):
            y = y * 1.0001
        y.backward()
        return x.grad
    return run


def hessian(T):
    """(d) d²/dx² of sum(sin x), n = HESSIAN_N, float64: grad(create_graph=True), then grad again."""
    x = T.tensor(np.linspace(-3, 3, HESSIAN_N), dtype=T.float64, requires_grad=True)

    def run():
        (g,) = T.autograd.grad(T.sin(x).sum(), x, create_graph=True)
        (h,) = T.autograd.grad(g.sum(), x)
        return h
    return run


SIZES = (784, 256, 256, 10)
BATCH = 128
LR = 0.01


def mlp_arrays(seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in itertools.pairwise(SIZES):
        params.append((rng.standard_normal((n_in, n_out)) * np.sqrt(2 / n_in)).astype(np.float32))
        params.append(np.zeros(n_out, dtype=np.float32))
    X = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH).astype(np.int64)
    return params, X, y


def mlp_step(T):
    """(e) One training step with the library's autograd: forward, loss, backward, SGD in place."""
    arrays, X_np, y_np = mlp_arrays()
    params = [T.tensor(a, requires_grad=True) for a in arrays]
    W1, b1, W2, b2, W3, b3 = params
    X, y = T.tensor(X_np), T.tensor(y_np)
    rows = T.arange(BATCH)

    def run():
        h1 = (X @ W1 + b1).relu()
        h2 = (h1 @ W2 + b2).relu()
        z = h2 @ W3 + b3
        log_p = z - z.exp().sum(1, keepdim=True).log()
        loss = -log_p[rows, y].mean()
        loss.backward()
        with T.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad.zero_()
        return loss
    return run


def mlp_step_numpy():
    """(e) The same step with forward, backward and update written by hand in NumPy."""
    params, X, y = mlp_arrays()
    W1, b1, W2, b2, W3, b3 = params
    rows = np.arange(BATCH)
    lr = np.float32(LR)

    def run():
        a1 = X @ W1 + b1
        h1 = np.maximum(a1, 0)
        a2 = h1 @ W2 + b2
        h2 = np.maximum(a2, 0)
        z = h2 @ W3 + b3
        e = np.exp(z)
        s = e.sum(1, keepdims=True)
        loss = -(z - np.log(s))[rows, y].mean()
        dz = e / s
        dz[rows, y] -= 1
        dz /= BATCH
        gW3, gb3 = h2.T @ dz, dz.sum(0)
        dh = dz @ W3.T
        dh *= a2 > 0
        gW2, gb2 = h1.T @ dh, dh.sum(0)
        dh = dh @ W2.T
        dh *= a1 > 0
        gW1, gb1 = X.T @ dh, dh.sum(0)
        for p, g in zip(params, (gW1, gb1, gW2, gb2, gW3, gb3)):
            p -= lr * g
        return loss
    return run


# workload: (title, {library: builder(module) -> callable}); "numpy" builders take no module
WORKLOADS = {
    "tiny": {"autogradviz": tiny_chain, "torch": tiny_chain, "numpy": lambda _: tiny_chain_numpy()},
    "tiny_no_grad": {"autogradviz": lambda T: tiny_chain(T, no_grad=True),
                     "torch": lambda T: tiny_chain(T, no_grad=True)},
    "scalar": {"autogradviz": scalar_chain, "torch": scalar_chain, "micrograd": scalar_chain},
    "chain": {"autogradviz": long_chain, "torch": long_chain},
    "hessian": {"autogradviz": hessian, "torch": hessian},
    "mlp": {"autogradviz": mlp_step, "torch": mlp_step, "numpy": lambda _: mlp_step_numpy()},
}


def import_library(lib: str):
    if lib == "torch":
        import torch
        torch.set_num_threads(1)
        return torch
    if lib == "micrograd":
        from micrograd.engine import Value
        sys.setrecursionlimit(100_000)   # its backward sorts the graph recursively: one frame per op
        return Value
    if lib == "numpy":
        return np
    import autogradviz
    return autogradviz


# ---------------------------------------------------------------------------------------------
# The workers: one interpreter per side, timing one workload at a time on request
# ---------------------------------------------------------------------------------------------
def worker(lib: str) -> None:
    """Read workload names from stdin; for each, print one timed sample (seconds a call)."""
    T = import_library(lib)
    clock = time.perf_counter if os.environ.get("BENCH_CLOCK") == "wall" else time.process_time
    ready = {}   # name: (callable, calls per sample)
    for line in sys.stdin:
        name = line.strip()
        if name not in ready:
            fn = WORKLOADS[name][lib](T)
            fn()                                    # warm-up
            gc.collect()
            t0 = time.perf_counter()
            fn()
            ready[name] = fn, max(1, int(0.01 / max(time.perf_counter() - t0, 1e-7)))  # ~10 ms a sample
        fn, number = ready[name]
        gc.collect()
        t0 = clock()
        for _ in range(number):
            fn()
        print((clock() - t0) / number, flush=True)


class Worker:
    """A worker interpreter for ``lib`` with ``path`` first on its module path."""

    def __init__(self, lib: str, path: Path):
        env = {**os.environ, "PYTHONPATH": str(path)}
        self.process = subprocess.Popen([sys.executable, __file__, "--worker", lib], env=env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def sample(self, name: str) -> float | None:
        if self.process.poll() is not None:
            return None
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        return float(line) if line else None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait()


def export(ref: str, into: Path) -> None:
    """The package as it was at git commit ``ref``, in ``into``."""
    archive = subprocess.run(["git", "archive", ref, "autogradviz"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


def take_samples(sides: dict[str, tuple[str, Worker]], samples: dict[str, int]) -> dict:
    """{workload: {side: median seconds}}; the sides that have the workload take turns."""
    times: dict[str, dict[str, float]] = {}
    for name, count in samples.items():
        print(f"  {name} ...", file=sys.stderr, flush=True)
        runs: dict[str, list[float]] = {side: [] for side, (lib, _) in sides.items() if lib in WORKLOADS[name]}
        for _ in range(count):
            for side in runs:
                t = sides[side][1].sample(name)
                if t is not None:
                    runs[side].append(t)
        times[name] = {side: statistics.median(r) for side, r in runs.items() if r}
    return times


# ---------------------------------------------------------------------------------------------
# Fresh interpreters: memory after the 100k chain, memory growth over training steps
# ---------------------------------------------------------------------------------------------
def chain_memory(T) -> dict:
    """RSS held by the 100k chain: before backward, after it (y alive), after ``del y``."""
    sys.setrecursionlimit(200)   # nothing may recurse: forward, backward and freeing are loops
    x = T.tensor(1.0, requires_grad=True)
    gc.collect()
    base, objects = rss_bytes(), len(gc.get_objects())
    y = x
    for _ in range(CHAIN_OPS):
        y = y * 1.0001
    built = rss_bytes()
    y.backward()
    after_backward = rss_bytes()
    del y
    freed = rss_bytes()
    return {"graph": (built - base) / MiB, "after_backward": (after_backward - base) / MiB,
            "after_del": (freed - base) / MiB, "objects_left": len(gc.get_objects()) - objects}


def memory_growth(T, steps=200, warmup=20, retain_graph=False) -> float:
    """RSS growth in MiB over ``steps`` steps (after ``warmup``), every loss tensor kept alive.

    Each step makes two 1-MiB intermediates from a (512, 512) float32 weight; if backward did
    not free what the graph saved, each kept loss would hold ~2 MiB.
    """
    T.manual_seed(0)
    W = T.randn(512, 512, requires_grad=True)
    x = T.randn(512, 512)
    v = T.randn(512)
    kept = []

    def step():
        a = (W * x).tanh()
        loss = T.matmul(a, v).pow(2).mean()
        loss.backward(retain_graph=retain_graph)
        with T.no_grad():
            W.sub_(1e-6 * W.grad)
            W.grad.zero_()
        kept.append(loss)

    for _ in range(warmup):
        step()
    gc.collect()
    before = rss_bytes()
    for _ in range(steps):
        step()
    gc.collect()
    after = rss_bytes()
    if before is None or after is None:
        return float("nan")
    return (after - before) / MiB


def _child(kind: str, lib: str) -> None:
    """Entry point of the fresh interpreters: print one JSON result for ``kind`` on ``lib``."""
    T = import_library(lib)
    if kind == "memory":
        out = {"flat": memory_growth(T), "retained": memory_growth(T, steps=20, warmup=2, retain_graph=True)}
    else:
        out = chain_memory(T)
    print(json.dumps(out))


def in_fresh_process(kind: str, lib: str, path: Path, env_extra: dict | None = None):
    """Run ``_child(kind, lib)`` in a new interpreter that imports only ``lib``."""
    env = {**os.environ, "PYTHONPATH": str(path)}
    env.pop("MALLOC_MMAP_THRESHOLD_", None)
    env.update(env_extra or {})
    proc = subprocess.run([sys.executable, __file__, "--child", kind, lib], capture_output=True,
                          text=True, env=env, check=False)
    if proc.returncode != 0:
        print(f"{kind} run for {lib} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------------------------
def profile(names: list[str], top: int = 18) -> None:
    """cProfile of autogradviz on each workload; the functions that spend the most self time."""
    import cProfile
    import pstats
    T = import_library("autogradviz")
    for name in names:
        run = WORKLOADS[name]["autogradviz"](T)
        run()
        repeat = 1 if name == "chain" else 10
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(repeat):
            run()
        prof.disable()
        stats = pstats.Stats(prof)
        total = sum(v[2] for v in stats.stats.values())
        rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
        table = []
        for (filename, line, func), (_cc, nc, tt, ct, _) in rows:
            where = os.path.basename(filename)
            for marker in ("autogradviz" + os.sep, "numpy" + os.sep):
                if marker in filename:
                    where = marker + filename.split(marker, 1)[1]
                    break
            table.append((f"{func}  ({where}:{line})", nc, f"{tt * 1e3:.1f}", f"{100 * tt / total:.1f}%",
                          f"{ct * 1e3:.1f}"))
        print_table(f"cProfile, {repeat} x {name}, top {top} by self time (total {total * 1e3:.0f} ms, "
                    "profiler overhead included)", ("function", "calls", "self ms", "self %", "cumulative ms"),
                    table)


# ---------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    parser.add_argument("--before", metavar="REF", help="also time the engine of git commit REF")
    parser.add_argument("--profile", nargs="*", metavar="WORKLOAD",
                        help=f"cProfile of autogradviz on these workloads ({', '.join(WORKLOADS)}; default: tiny scalar)")
    parser.add_argument("--only", nargs="*", metavar="WORKLOAD", help="time only these workloads")
    parser.add_argument("--wall", action="store_true", help="wall-clock time instead of the process's CPU time")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker)
    if args.child:
        return _child(*args.child)
    if args.profile is not None:
        return profile(args.profile or ["tiny", "scalar"])

    have = {lib: importlib.util.find_spec(lib) is not None for lib in ("torch", "micrograd")}
    import autogradviz
    print(f"autogradviz {autogradviz.__version__}, NumPy {np.__version__}, Python {sys.version.split()[0]}; "
          f"PyTorch {'installed' if have['torch'] else 'NOT INSTALLED (its columns read n/a)'}; micrograd "
          f"{'installed' if have['micrograd'] else 'NOT INSTALLED (figure (b) reads n/a): pip install -e .[bench]'}; "
          f"BLAS/OpenMP threads: {os.environ.get('OPENBLAS_NUM_THREADS')}")
    fast, slow = (7, 3) if args.quick else (21, 5)
    samples = {"tiny": fast, "tiny_no_grad": fast, "scalar": fast, "hessian": fast, "mlp": fast, "chain": slow}
    if args.only:
        samples = {k: v for k, v in samples.items() if k in args.only}

    if args.wall:
        os.environ["BENCH_CLOCK"] = "wall"
    with tempfile.TemporaryDirectory() as old:
        sides: dict[str, tuple[str, Worker]] = {"now": ("autogradviz", Worker("autogradviz", ROOT))}
        if args.before:
            export(args.before, Path(old))
            sides["before"] = ("autogradviz", Worker("autogradviz", Path(old)))
        sides["numpy"] = ("numpy", Worker("numpy", ROOT))
        for lib in ("torch", "micrograd"):
            if have[lib]:
                sides[lib] = (lib, Worker(lib, ROOT))
        print(f"sides: {', '.join(sides)}; medians of {fast} samples ({slow} for the 100k chain) taken in turns; "
              f"{'wall-clock time' if args.wall else 'CPU time of each process (--wall: wall-clock time)'}",
              flush=True)
        try:
            times = take_samples(sides, samples)
        finally:
            for _, w in sides.values():
                w.close()
        memory = {}
        if "chain" in samples:
            paths = {"now": ROOT, **({"before": Path(old)} if args.before else {})}
            for side, path in paths.items():
                memory[side] = in_fresh_process("chain_memory", "autogradviz", path)
            if have["torch"]:
                memory["torch"] = in_fresh_process("chain_memory", "torch", ROOT)
        growth = {}
        if not args.only:
            for lib in ("autogradviz", "torch") if have["torch"] else ("autogradviz",):
                growth[lib] = (in_fresh_process("memory", lib, ROOT),
                               in_fresh_process("memory", lib, ROOT, {"MALLOC_MMAP_THRESHOLD_": str(128 * 1024)}))

    report(times, memory, growth, args.before)


def report(times: dict, memory: dict, growth: dict, before: str | None) -> None:
    per_op = {"tiny": TINY_OPS, "tiny_no_grad": TINY_OPS, "scalar": SCALAR_OPS, "chain": CHAIN_OPS}
    names = {"now": "autogradviz", "before": f"autogradviz at {before}", "numpy": "NumPy by hand",
             "torch": "PyTorch", "micrograd": "micrograd"}
    titles = {"tiny": f"(a) {TINY_OPS}-op chain on shape (4,), forward + backward",
              "tiny_no_grad": f"(a') the same {TINY_OPS} ops' forward under no_grad (nothing recorded)",
              "scalar": f"(b) {SCALAR_OPS}-op chain of 0-d scalars (* c, + d, relu, * 1.0001), forward + backward",
              "chain": f"(c) {CHAIN_OPS:,}-op scalar chain (y = y * 1.0001), forward + backward",
              "hessian": f"(d) second derivative of sum(sin x), n = {HESSIAN_N}, float64 (grad with create_graph, "
                         "then grad)",
              "mlp": "(e) MLP 784-256-256-10 training step, batch 128, float32"}
    reference = {"tiny": "torch", "tiny_no_grad": "torch", "scalar": "micrograd", "chain": "torch",
                 "hessian": "torch", "mlp": "numpy"}
    summary = []
    for name, t in times.items():
        unit = "us" if name in per_op else "ms"
        n = per_op.get(name, 1)
        ref = t.get(reference[name])
        rows = []
        for side, seconds in t.items():
            rows.append((names[side], fmt_time(seconds, "ms"), fmt_time(seconds / n, unit) if name in per_op else "",
                         f"{seconds / ref:.2f}x" if ref else "n/a",
                         f"{seconds / t['before']:.2f}x" if "before" in t else ""))
        print_table(titles[name], ("implementation", "total", "per op", f"/ {names[reference[name]]}",
                                   "/ before" if before else ""), rows)
        if name in TARGETS:
            for side in ("before", "now") if "before" in t else ("now",):
                r = t[side] / ref if ref else None
                summary.append((f"{titles[name][:3]} {name} vs {names[reference[name]]}", names[side],
                                fmt_time(t[side] / n, unit), fmt_time(ref / n, unit) if ref else "n/a",
                                *ratio_cell(r, TARGETS[name])))
    if memory:
        rows = [(names[side], *((f"{m[k]:.1f} MiB" for k in ("graph", "after_backward", "after_del")) if m else
                                ("failed",) * 3), f"{m['objects_left']:,}" if m else "")
                for side, m in memory.items()]
        print_table(f"(c) memory of the {CHAIN_OPS:,}-op chain, fresh interpreter, recursion limit 200 (RSS above "
                    "the start; freed memory that the allocators keep still counts)",
                    ("implementation", "graph built", "after backward (y alive)", "after del y (no gc.collect)",
                     "GC-tracked objects left"), rows)
        m = memory.get("now")
        summary.append(("(c) chain: graph freed by del y, no recursion", "autogradviz",
                        f"{m['objects_left']:,} objects left" if m else "failed (recursion?)", "", "",
                        f"< 1,000  {'ok' if m and m['objects_left'] < 1000 else 'MISS'}"))
    if growth:
        rows = []
        for lib, (default, pinned) in growth.items():
            rows.append((names["now" if lib == "autogradviz" else lib],
                         f"{default['flat']:.2f} MiB" if default else "n/a",
                         f"{pinned['flat']:.2f} MiB" if pinned else "n/a",
                         f"{pinned['retained']:.1f} MiB" if pinned else "n/a"))
        print_table("(f) RSS growth over 200 steps (two 1-MiB intermediates each), every loss kept alive",
                    ("implementation", "glibc default", "mmap threshold 128 KiB",
                     "contrast: 20 steps, retain_graph=True"), rows)
        default = growth["autogradviz"][0]
        if default:
            summary.append(("(f) memory growth, 200 steps", "autogradviz", f"{default['flat']:.2f} MiB", "", "",
                            f"<= {TARGET_MEMORY_MIB:.0f} MiB  {'ok' if default['flat'] <= TARGET_MEMORY_MIB else 'MISS'}"))
    print_table("Summary: autogradviz against the targets of issue 20 (ratios of medians taken in turns)",
                ("figure", "engine", "autogradviz", "reference", "ratio", "target"), summary)


if __name__ == "__main__":
    main()
