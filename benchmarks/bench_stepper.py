"""Per-step latency of the backward stepper on a ~200-node graph (target: at most 50 ms a step).

Run: python benchmarks/bench_stepper.py
"""
from __future__ import annotations

import statistics
import time

import autogradviz as torch


def build_graph():
    """An MLP-like graph of about 200 nodes."""
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    h = x
    params = []
    for _ in range(33):
        w = torch.randn(8, 8, requires_grad=True)
        b = torch.zeros(8, requires_grad=True)
        params += [w, b]
        h = (h @ w + b).tanh() * 0.5
    return (h * h).mean()


def main() -> None:
    loss = build_graph()
    for engine in ("dot", "python"):
        from autogradviz.render.layout import dot_path
        if engine == "dot" and dot_path() is None:
            print("dot: not installed, skipped")
            continue
        t0 = time.perf_counter()
        stepper = torch.step_backward(loss, engine=engine, names={})
        build = time.perf_counter() - t0
        nodes = len(stepper.walk.graph.nodes)
        times = []
        for k in range(1, stepper.walk.total + 1):
            t = time.perf_counter()
            stepper.goto(k)
            times.append(time.perf_counter() - t)
        print(f"{engine:>6}: {nodes} nodes, {stepper.walk.total} steps; build + layout {build * 1000:.0f} ms; "
              f"per step median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms "
              f"(target <= 50 ms: ratio {statistics.median(times) / 0.05:.2f})")


if __name__ == "__main__":
    main()
