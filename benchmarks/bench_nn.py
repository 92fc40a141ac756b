"""What the nn + optim layer costs: one training step of an MLP 784-256-256-10 (batch 128,
float32, ReLU, cross entropy, SGD) written three ways with autogradviz, and with PyTorch.

Run:  python benchmarks/bench_nn.py            (about half a minute)
      python benchmarks/bench_nn.py --quick    fewer repeats
Prints a table; asserts nothing. Each figure is the median of several timed repeats after warm-up.

  nn + optim         nn.Sequential(Linear, ReLU, Linear, ReLU, Linear), nn.CrossEntropyLoss,
                     optim.SGD: what course code writes
  primitives         tensors and engine functions only, as one would write it by hand:
                     x @ W.T + b, relu, -log_softmax(z)[range(n), y].mean(), p -= lr * p.grad
  primitives, same ops
                     engine functions only, but the very ops nn records (addmm, one NLL node)
                     and the update optim makes (in place on p.detach().numpy()), so that
                     nn+optim / this ratio is the pure cost of Module and Optimizer
  PyTorch            the nn + optim code on real PyTorch, CPU, one thread (when installed)

target: nn + optim adds at most 10% over the primitive steps (ratio <= 1.10).
"""
from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))          # run from a checkout without installing

from _common import fmt_time, import_torch, print_table, ratio_cell, single_threaded

single_threaded()                              # before NumPy loads: BLAS on one thread, like PyTorch

import numpy as np

import autogradviz

TARGET_OVERHEAD = 1.10
SIZES = (784, 256, 256, 10)
BATCH = 128
LR = 0.01


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH).astype(np.int64)
    return x, y


def nn_step(T):
    """The course-code step, for autogradviz or PyTorch (same source)."""
    T.manual_seed(0)
    model = T.nn.Sequential(T.nn.Linear(SIZES[0], SIZES[1]), T.nn.ReLU(), T.nn.Linear(SIZES[1], SIZES[2]),
                            T.nn.ReLU(), T.nn.Linear(SIZES[2], SIZES[3]))
    loss_fn = T.nn.CrossEntropyLoss()
    opt = T.optim.SGD(model.parameters(), lr=LR)
    x, y = _data()
    X, Y = T.tensor(x), T.tensor(y)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(X), Y)
        loss.backward()
        opt.step()
        return loss
    return step


def _params():
    rng = np.random.default_rng(1)
    out = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        bound = 1 / np.sqrt(fan_in)
        out.append(autogradviz.tensor(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                                      requires_grad=True))
        out.append(autogradviz.tensor(rng.uniform(-bound, bound, fan_out).astype(np.float32), requires_grad=True))
    return out


def primitive_step():
    """The same step by hand: matmul + add, log_softmax + indexing, an update loop."""
    T = autogradviz
    params = _params()
    x, y = _data()
    X, Y = T.tensor(x), T.tensor(y)
    rows = T.arange(BATCH)

    def step():
        w1, b1, w2, b2, w3, b3 = params
        h = (X @ w1.T + b1).relu()
        h = (h @ w2.T + b2).relu()
        logits = h @ w3.T + b3
        loss = -T.log_softmax(logits, 1)[rows, Y].mean()
        loss.backward()
        with T.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss
    return step


def same_ops_step():
    """Engine functions only, recording exactly the nodes nn records, and optim's update."""
    T = autogradviz
    from autogradviz.ops.loss import nll_loss
    params = _params()
    x, y = _data()
    X, Y = T.tensor(x), T.tensor(y)

    def step():
        w1, b1, w2, b2, w3, b3 = params
        h = T.addmm(b1, X, w1.t()).relu()
        h = T.addmm(b2, h, w2.t()).relu()
        logits = T.addmm(b3, h, w3.t())
        loss = nll_loss(T.log_softmax(logits, 1), Y)
        loss.backward()
        for p in params:                       # the update the optimizer makes: NumPy, in place
            w = p.detach().numpy()
            w -= LR * p.grad.numpy()
            p.grad = None
        return loss
    return step


def interleaved(steps: dict, rounds: int, number: int) -> dict[str, list[float]]:
    """Per-step wall times, the variants taking turns within each round so that a busy machine
    slows them alike (ratios are then taken round by round)."""
    for step in steps.values():
        for _ in range(3):
            step()                             # warm-up: caches, allocator, lazy imports
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            gc.collect()
            t0 = time.perf_counter()
            for _ in range(number):
                step()
            times[name].append((time.perf_counter() - t0) / number)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    rounds, number = (7, 5) if args.quick else (21, 10)

    steps = {"nn": nn_step(autogradviz), "primitives": primitive_step(), "same ops": same_ops_step()}
    torch = import_torch()
    if torch is not None:
        steps["torch"] = nn_step(torch)
    times = interleaved(steps, rounds, number)
    median = {name: statistics.median(t) for name, t in times.items()}

    def ratio(name):
        return statistics.median(a / b for a, b in zip(times["nn"], times[name]))

    labels = {"primitives": "autogradviz primitives", "same ops": "autogradviz primitives, same ops",
              "torch": "PyTorch nn + optim (1 thread)"}
    rows = [["autogradviz nn + optim", fmt_time(median["nn"]), "1.00x", ""]]
    for name in ("primitives", "same ops"):
        rows.append([labels[name], fmt_time(median[name]), *ratio_cell(ratio(name), TARGET_OVERHEAD)])
    rows.append([labels["torch"], fmt_time(median.get("torch")),
                 *(ratio_cell(ratio("torch"), None) if "torch" in times else ("n/a", ""))])
    print_table(f"MLP {'-'.join(map(str, SIZES))} training step, batch {BATCH}, float32 "
                f"(median of {rounds} interleaved rounds of {number} steps)",
                ["step written as", "median", "nn+optim / this", "target"], rows)
    print("\nA ratio above 1.00x is what Module calls, parameter walks and the optimizer's bookkeeping cost; "
          "below 1.00x, nn's fused nodes (addmm, one NLL node) and optim's NumPy update win it back.")


if __name__ == "__main__":
    main()
