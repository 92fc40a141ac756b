"""Timing of graph pictures: layout + SVG with dot and with grandalf, restyle, collapse.

Run: python benchmarks/bench_render.py   (prints figures against the targets; asserts nothing)
Targets: layout+SVG of a 200-node graph with dot <= 0.3 s, with python <= 0.5 s;
restyle of an already laid-out graph <= 20 ms.
"""
from __future__ import annotations

import random
import statistics
import time

from autogradviz.graph.collapse import collapse
from autogradviz.graph.model import Edge, Graph, Node
from autogradviz.render import dot_path, layout


def mlp_graph(n_in: int = 4, widths: tuple[int, ...] = (4, 4, 5, 1)) -> Graph:
    """A scalar MLP (micrograd style): every weight is a leaf, every neuron w·x + b then tanh."""
    nodes = [Node(f"x{i}", "constant", f"x{i}", value="1.", requires_grad=False) for i in range(n_in)]
    edges: list[Edge] = []
    prev = [f"x{i}" for i in range(n_in)]
    for layer, width in enumerate(widths):
        outs = []
        for h in range(width):
            acc = f"b{layer}{h}"
            nodes.append(Node(acc, "leaf", acc, name=acc, value="0.1", grad="0.3"))
            for i, src in enumerate(prev):
                w, m, a = f"w{layer}{h}{i}", f"m{layer}{h}{i}", f"a{layer}{h}{i}"
                nodes += [Node(w, "leaf", w, name=w, value="-0.52", grad="0.41"),
                          Node(m, "op", "×", op="MulBackward0", symbol="×", value="-0.52"),
                          Node(a, "op", "+", op="AddBackward0", symbol="+", value="0.33")]
                edges += [Edge(w, m, 0), Edge(src, m, 1), Edge(acc, a, 0), Edge(m, a, 1)]
                acc = a
            t = f"t{layer}{h}"
            nodes.append(Node(t, "output" if layer == len(widths) - 1 else "op", "tanh",
                              name="out" if layer == len(widths) - 1 else None,
                              op="TanhBackward0", symbol="tanh", value="0.32"))
            edges.append(Edge(acc, t, 0))
            outs.append(t)
        prev = outs
    return Graph(nodes, edges)


def random_dag(n: int = 200, seed: int = 0) -> Graph:
    rnd = random.Random(seed)
    nodes, edges = [], []
    for i in range(n):
        if i < n // 8:
            nodes.append(Node(f"v{i}", "leaf", f"p{i}", name=f"p{i}", shape=(4, 3),
                              value="(4, 3) min -1 max 1", grad="(4, 3) min 0 max 2"))
            continue
        nodes.append(Node(f"v{i}", "output" if i == n - 1 else "op", "×", op="MulBackward0",
                          symbol="×", value="0.5"))
        for pos, p in enumerate(rnd.sample(range(max(0, i - 20), i), 2)):
            edges.append(Edge(f"v{p}", f"v{i}", pos))
    return Graph(nodes, edges)


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def report(name: str, seconds: float, target: float) -> None:
    verdict = "ok" if seconds <= target else "SLOWER THAN TARGET"
    print(f"  {name:<34} {seconds * 1000:8.1f} ms   (target {target * 1000:.0f} ms)  {verdict}")


def main() -> None:
    graphs = {"MLP-like": mlp_graph(), "random DAG": random_dag(200)}
    for title, g in graphs.items():
        print(f"{title}: {len(g.nodes)} nodes, {len(g.edges)} edges")
        engines = [("python", 0.5)] + ([("dot", 0.3)] if dot_path() else [])
        for engine, target in engines:
            report(f"layout + SVG, engine={engine}",
                   median_time(lambda g=g, engine=engine: layout(g, engine).svg(), 5), target)
        if not dot_path():
            print("  layout + SVG, engine=dot            skipped (Graphviz's dot is not installed)")
        lay = layout(g, "python")
        lay.svg()
        ids = [n.id for n in g.nodes]
        step = iter(range(10**9))

        def restyle(step=step, ids=ids, g=g, lay=lay) -> None:
            k = next(step) % len(ids)
            styles = {i: "done" for i in ids[:k]}
            styles[ids[k]] = "current"
            labels = {(e.src, e.dst, e.position): "∂ 0.25" for e in g.edges[:k // 4]}
            lay.svg(styles=styles, edge_labels=labels)

        report("restyle (layout reused)", median_time(restyle, 50), 0.020)
    chain = Graph([Node("x", "leaf", "x", name="x")] + [
        Node(f"o{i}", "op", "×", op="MulBackward0", symbol="×") for i in range(100_000)],
        [Edge("x", "o0")] + [Edge(f"o{i}", f"o{i + 1}") for i in range(99_999)])
    print("chain: 100,001 nodes")
    report("collapse to 50 nodes", median_time(lambda: collapse(chain, 50), 3), 1.0)


if __name__ == "__main__":
    main()
