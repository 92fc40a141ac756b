"""What PyTorch-identical random numbers cost: 10⁶ draws with autogradviz beside NumPy's own
generator (and PyTorch, when installed), timed side by side in one run.

Run:  python benchmarks/bench_random.py            (about twenty seconds)
      python benchmarks/bench_random.py --quick    fewer repeats
Prints a table; asserts nothing. Each figure is the median of several repeats, the libraries
taking turns so that they see the same machine load.

  randn       torch.randn(10**6) (float32, PyTorch's AVX2 Box-Muller reproduced bit for bit)
              against NumPy's Generator.standard_normal(10**6) (float64, its default) and
              standard_normal(10**6, dtype=float32)
  randn f64   torch.randn(10**6, dtype=torch.float64) against standard_normal(10**6)
  rand        torch.rand(10**6) against Generator.random(10**6, dtype=float32)
  randint     torch.randint(0, 1000, (10**6,)) against Generator.integers(0, 1000, 10**6)
  randperm    torch.randperm(60_000) (an MNIST epoch's shuffle) against Generator.permutation

target: randn(10**6) at most 3x NumPy's standard_normal(10**6).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))          # run from a checkout without installing

from _common import fmt_time, import_torch, median_times, print_table, ratio_cell, single_threaded

single_threaded()

import numpy as np

import autogradviz

TARGET = 3.0
N = 10**6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    repeat = 5 if parser.parse_args().quick else 15
    torch = import_torch()
    rng = np.random.default_rng(0)
    agv = autogradviz
    cases = [
        ("randn", lambda: agv.randn(N), lambda: rng.standard_normal(N),
         lambda: rng.standard_normal(N, dtype=np.float32), torch and (lambda: torch.randn(N))),
        ("randn f64", lambda: agv.randn(N, dtype=agv.float64), lambda: rng.standard_normal(N), None,
         torch and (lambda: torch.randn(N, dtype=torch.float64))),
        ("rand", lambda: agv.rand(N), lambda: rng.random(N, dtype=np.float32), None,
         torch and (lambda: torch.rand(N))),
        ("randint", lambda: agv.randint(0, 1000, (N,)), lambda: rng.integers(0, 1000, N), None,
         torch and (lambda: torch.randint(0, 1000, (N,)))),
        ("randperm 60k", lambda: agv.randperm(60_000), lambda: rng.permutation(60_000), None,
         torch and (lambda: torch.randperm(60_000))),
    ]
    rows = []
    for name, ours, numpy_fn, numpy_f32, torch_fn in cases:
        t = median_times({"ours": ours, "numpy": numpy_fn, "numpy32": numpy_f32, "torch": torch_fn},
                         repeat=repeat, warmup=2)
        ratio = t["ours"] / t["numpy"]
        value, target = ratio_cell(ratio, TARGET if name == "randn" else None)
        rows.append([name, fmt_time(t["ours"]), fmt_time(t["numpy"]), fmt_time(t["numpy32"]),
                     fmt_time(t["torch"]), value, target])
    print_table(f"{N:,} draws (60,000 for randperm): autogradviz beside NumPy and PyTorch (CPU, one thread)",
                ["draw", "autogradviz", "NumPy", "NumPy float32", "PyTorch", "autogradviz / NumPy", "target"],
                rows)


if __name__ == "__main__":
    main()
