"""Engine speed and memory, side by side with hand-written NumPy and PyTorch (CPU, one thread).

Run:  python benchmarks/bench_engine.py              all four figures (about a minute)
      python benchmarks/bench_engine.py --quick      fewer repeats
      python benchmarks/bench_engine.py --profile    also: cProfile of the tiny-op chain, top
                                                     functions by self time
Prints tables; asserts nothing. Every figure is a median of several timed repeats after warm-up.

(a) per-op overhead: a 1000-op chain on shape-(4,) tensors (mul, add, exp, log, repeated),
    forward + backward, in microseconds per op.             target: autogradviz/PyTorch <= 0.6x
(b) one training step of an MLP 784-256-256-10 (batch 128, float32, relu, softmax cross-entropy
    from primitives, SGD).                                  target: autogradviz/NumPy <= 1.10x
(c) a 100,000-op scalar chain, forward + backward (fresh process per library).
                                                            target: autogradviz/PyTorch <= 0.5x
(d) RSS growth over 200 training steps that keep their loss tensors alive (fresh process),
    with glibc's default allocator and with big blocks always mmapped.  target: <= 1 MiB
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))          # run from a checkout without installing

from _common import (
    fmt_time,
    import_torch,
    median_phases,
    median_time,
    median_times,
    print_table,
    ratio_cell,
    rss_bytes,
    single_threaded,
)

single_threaded()                              # before NumPy loads: BLAS on one thread, like PyTorch

import numpy as np

import autogradviz

TARGET_TINY = 0.6       # autogradviz / PyTorch, per-op time on tiny tensors
TARGET_MLP = 1.10       # autogradviz / NumPy, MLP training step
TARGET_CHAIN = 0.5      # autogradviz / PyTorch, 100k-op chain
TARGET_MEMORY_MIB = 1.0

TINY_OPS = 1000
CHAIN_OPS = 100_000
MiB = 1024 * 1024


# ---------------------------------------------------------------------------------------------
# (a) per-op overhead on tiny tensors
# ---------------------------------------------------------------------------------------------
def tiny_chain(T, part: str = "both"):
    """forward+backward of TINY_OPS ops on shape (4,), written once for autogradviz and PyTorch.

    part: "both" (one callable); "no_grad" (forward, nothing recorded); "phases" (a pair:
    ``forward()`` returning the loss with its graph, and ``backward(loss)``).
    """
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

    def backward(loss):
        x.grad = None
        loss.backward()

    def run():
        x.grad = None
        forward().backward()
        return x.grad

    def run_no_grad():
        with T.no_grad():
            return forward()
    return {"both": run, "no_grad": run_no_grad, "phases": (forward, backward)}[part]


def tiny_chain_numpy():
    """The same forward ops on NumPy arrays and their backward written by hand."""
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


# ---------------------------------------------------------------------------------------------
# (b) MLP training step
# ---------------------------------------------------------------------------------------------
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
    """One training step with the library's autograd: forward, loss, backward, SGD in place."""
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
    """The same step with forward, backward and update written by hand in NumPy."""
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


# ---------------------------------------------------------------------------------------------
# (c) 100k-op chain
# ---------------------------------------------------------------------------------------------
def long_chain(T, gc_off: bool = False):
    """y = y * 1.0001, CHAIN_OPS times, then backward. gc_off: with Python's cyclic garbage
    collector paused (shows how much of the time its passes over the growing graph take)."""
    import gc
    x = T.tensor(1.0, requires_grad=True)

    def run():
        x.grad = None
        y = x
        for _ in range(CHAIN_OPS):
            y = y * 1.0001
        y.backward()
        return x.grad

    def run_gc_off():
        was = gc.isenabled()
        gc.disable()
        try:
            return run()
        finally:
            if was:
                gc.enable()
    return run_gc_off if gc_off else run


# ---------------------------------------------------------------------------------------------
# (d) memory over steps that keep their outputs (run in a fresh process per library)
# ---------------------------------------------------------------------------------------------
def memory_growth(T, steps=200, warmup=20, retain_graph=False) -> float:
    """RSS growth in MiB over ``steps`` steps (after ``warmup``), every loss tensor kept alive.

    Each step makes two 1-MiB intermediates from a (512, 512) float32 weight; if backward did
    not free what the graph saved, each kept loss would hold ~2 MiB.
    """
    import gc
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
    T = autogradviz if lib == "autogradviz" else import_torch()
    if kind == "memory":
        out = {"flat": memory_growth(T), "retained": memory_growth(T, steps=20, warmup=2, retain_graph=True)}
    else:
        repeat = int(os.environ.get("BENCH_CHAIN_REPEAT", "3"))
        out = {"seconds": median_time(long_chain(T, gc_off=kind == "chain_nogc"), repeat=repeat, warmup=1)}
    print(json.dumps(out))


def in_fresh_process(kind: str, lib: str, env_extra: dict | None = None):
    """Run ``_child(kind, lib)`` in a new interpreter that imports only ``lib``."""
    env = os.environ.copy()
    env.pop("MALLOC_MMAP_THRESHOLD_", None)
    env.update(env_extra or {})
    proc = subprocess.run([sys.executable, __file__, "--child", kind, lib], capture_output=True,
                          text=True, env=env, check=False)
    if proc.returncode != 0:
        print(f"{kind} run for {lib} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def memory_in_fresh_process(lib: str, pin_mmap_threshold: bool):
    """The memory figure in a new interpreter (nothing freed earlier can hide growth).

    pin_mmap_threshold: set glibc's MALLOC_MMAP_THRESHOLD_ to 128 KiB, so that every big array is
    its own mapping and RSS counts only arrays still alive. With glibc's default (adaptive)
    threshold, freed big blocks stay in the heap and fragmentation can grow RSS with nothing
    leaked; both figures are shown.
    """
    return in_fresh_process("memory", lib, {"MALLOC_MMAP_THRESHOLD_": str(128 * 1024)}
                            if pin_mmap_threshold else None)


# ---------------------------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------------------------
def profile_tiny_chain(top: int = 20) -> None:
    """cProfile of autogradviz's tiny-op chain; the functions that spend the most self time."""
    import cProfile
    import pstats
    run = tiny_chain(autogradviz)
    run()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(20):
        run()
    prof.disable()
    stats = pstats.Stats(prof)
    total = sum(v[2] for v in stats.stats.values())
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    table = []
    for (filename, line, func), (_cc, nc, tt, ct, _) in rows:
        where = filename
        for marker in ("autogradviz" + os.sep, "numpy" + os.sep):
            if marker in filename:
                where = marker + filename.split(marker, 1)[1]
                break
        else:
            where = os.path.basename(filename)
        table.append((f"{func}  ({where}:{line})", nc, f"{tt * 1e3:.1f}", f"{100 * tt / total:.1f}%",
                      f"{ct * 1e3:.1f}"))
    print_table(f"cProfile, 20 x tiny-op chain ({TINY_OPS} ops + backward), top {top} by self time "
                f"(total {total * 1e3:.0f} ms, profiler overhead included)",
                ("function", "calls", "self ms", "self %", "cumulative ms"), table)


# ---------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--profile", action="store_true", help="also profile the tiny-op chain")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return

    torch = import_torch()
    rep = 5 if args.quick else 21    # (a) and (b) are milliseconds each: many repeats are cheap
    crep = 1 if args.quick else 3    # (c) takes seconds
    print(f"autogradviz {autogradviz.__version__}, NumPy {np.__version__}, "
          f"PyTorch {torch.__version__ if torch else 'not installed'}; BLAS/OpenMP threads: "
          f"{os.environ.get('OPENBLAS_NUM_THREADS')}; medians of {rep} repeats after warm-up "
          f"({crep} for the 100k chain)")
    summary = []

    # (a)
    t = median_times({"agv": tiny_chain(autogradviz), "np": tiny_chain_numpy(),
                      "pt": tiny_chain(torch) if torch else None}, repeat=rep, warmup=2)
    t_agv, t_np, t_pt = t["agv"], t["np"], t["pt"]
    parts = {lib: (median_time(tiny_chain(T, "no_grad"), repeat=rep, warmup=2),
                   *median_phases(*tiny_chain(T, "phases"), repeat=rep, warmup=2))
             for lib, T in (("autogradviz", autogradviz), ("PyTorch", torch)) if T is not None}
    rows = []
    for name, t in (("autogradviz", t_agv), ("NumPy by hand", t_np), ("PyTorch", t_pt)):
        split = parts.get(name, ())
        rows.append((name, fmt_time(t, "ms"), fmt_time(t / TINY_OPS if t else None, "us"),
                     *(fmt_time(p / TINY_OPS, "us") for p in split)))
    print_table(f"(a) tiny-op chain: {TINY_OPS} ops on shape (4,), forward + backward (per op: "
                "forward without recording, forward recording the graph, backward alone)",
                ("implementation", "total", "per op", "fwd no_grad", "fwd recorded", "backward"), rows)
    summary.append(("(a) per-op overhead vs PyTorch", fmt_time(t_agv / TINY_OPS, "us"),
                    fmt_time(t_pt / TINY_OPS, "us") if t_pt else "n/a",
                    *ratio_cell(t_agv / t_pt if t_pt else None, TARGET_TINY)))
    summary.append(("(a) per-op overhead vs NumPy", fmt_time(t_agv / TINY_OPS, "us"),
                    fmt_time(t_np / TINY_OPS, "us"), *ratio_cell(t_agv / t_np, None)))

    # (b)
    t = median_times({"agv": mlp_step(autogradviz), "np": mlp_step_numpy(),
                      "pt": mlp_step(torch) if torch else None}, repeat=rep, warmup=3, number=5)
    t_agv, t_np, t_pt = t["agv"], t["np"], t["pt"]
    print_table("(b) MLP 784-256-256-10 training step, batch 128, float32",
                ("implementation", "per step"),
                [(name, fmt_time(t, "ms")) for name, t in
                 (("autogradviz", t_agv), ("NumPy by hand", t_np), ("PyTorch", t_pt))])
    summary.append(("(b) MLP step vs NumPy", fmt_time(t_agv, "ms"), fmt_time(t_np, "ms"),
                    *ratio_cell(t_agv / t_np, TARGET_MLP)))
    summary.append(("(b) MLP step vs PyTorch", fmt_time(t_agv, "ms"), fmt_time(t_pt, "ms") if t_pt else "n/a",
                    *ratio_cell(t_agv / t_pt if t_pt else None, None)))

    # (c) each library in its own interpreter: Python's cyclic GC walks every tracked object, and
    # PyTorch's import alone adds ~150,000 of them, which would slow autogradviz's run if shared.
    env = {"BENCH_CHAIN_REPEAT": str(crep)}
    chain = {key: in_fresh_process(kind, lib, env) for key, kind, lib in
             (("agv", "chain", "autogradviz"), ("pt", "chain", "torch"), ("agv_nogc", "chain_nogc", "autogradviz"))
             if lib != "torch" or torch}
    t_agv, t_pt, t_nogc = ((chain.get(k) or {}).get("seconds") for k in ("agv", "pt", "agv_nogc"))
    print_table(f"(c) {CHAIN_OPS:,}-op scalar chain (y = y * 1.0001), forward + backward, "
                "each library in a fresh interpreter",
                ("implementation", "total", "per op"),
                [(name, fmt_time(t, "s"), fmt_time(t / CHAIN_OPS if t else None, "us"))
                 for name, t in (("autogradviz", t_agv), ("PyTorch", t_pt),
                                 ("autogradviz, gc paused (info)", t_nogc))])
    summary.append(("(c) 100k-op chain vs PyTorch", fmt_time(t_agv, "s"), fmt_time(t_pt, "s") if t_pt else "n/a",
                    *ratio_cell(t_agv / t_pt if t_agv and t_pt else None, TARGET_CHAIN)))

    # (d)
    mem = {}
    for lib in ("autogradviz", "torch") if torch else ("autogradviz",):
        mem[lib] = (memory_in_fresh_process(lib, False), memory_in_fresh_process(lib, True))
    rows = []
    for lib, (default, pinned) in mem.items():
        rows.append(("autogradviz" if lib == "autogradviz" else "PyTorch",
                     f"{default['flat']:.2f} MiB" if default else "n/a",
                     f"{pinned['flat']:.2f} MiB" if pinned else "n/a",
                     f"{pinned['retained']:.1f} MiB" if pinned else "n/a"))
    print_table("(d) RSS growth over 200 steps (two 1-MiB intermediates each), every loss kept alive",
                ("implementation", "glibc default", "mmap threshold 128 KiB",
                 "contrast: 20 steps, retain_graph=True"), rows)
    default, pinned = mem["autogradviz"]
    if default:
        flat = default["flat"]
        ref = mem.get("torch", (None, None))[0]
        summary.append(("(d) memory growth, 200 steps", f"{flat:.2f} MiB",
                        f"{ref['flat']:.2f} MiB" if ref else "n/a", "",
                        f"<= {TARGET_MEMORY_MIB:.0f} MiB  {'ok' if flat <= TARGET_MEMORY_MIB else 'MISS'}"))

    print_table("Summary: autogradviz against its targets",
                ("figure", "autogradviz", "reference", "ratio", "target"), summary)

    if args.profile:
        profile_tiny_chain()


if __name__ == "__main__":
    main()
