"""Shared by the renderer tests: Graphviz's dot is required where AUTOGRADVIZ_REQUIRE_DOT=1, and
the geometry of a picture read back from its SVG text (boxes, label pills, text lines)."""
from __future__ import annotations

import itertools
import os
import random
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from autogradviz.graph.model import Edge, Graph, Node

NS = "{http://www.w3.org/2000/svg}"
# a line cut inside a number: a digit, point or minus sign right before the "…"
CUT_NUMBER = re.compile(r"[0-9.\-]…")


def need_dot() -> None:
    """Skip without Graphviz, unless AUTOGRADVIZ_REQUIRE_DOT=1 demands it (then fail)."""
    if shutil.which("dot"):
        return
    if os.environ.get("AUTOGRADVIZ_REQUIRE_DOT") == "1":
        pytest.fail("AUTOGRADVIZ_REQUIRE_DOT=1 but Graphviz's `dot` is not installed")
    pytest.skip("Graphviz's `dot` is not installed")


def _rect(el: ET.Element) -> tuple[float, float, float, float]:
    x, y, w, h = (float(el.get(k)) for k in ("x", "y", "width", "height"))
    return (x, y, x + w, y + h)


def picture_rects(svg: str) -> tuple[list[tuple], list[tuple], list[str]]:
    """(node boxes, edge-label pills, every text line) of one picture, in its own units."""
    root = ET.fromstring(svg)
    boxes, pills = [], []
    for g in root.iter(NS + "g"):
        if g.get("class") == "node":
            boxes.append(_rect(g.findall(NS + "rect")[-1]))
        elif g.get("class") == "edge-label":
            pills.append(_rect(g.find(NS + "rect")))
    lines = ["".join(t.itertext()) for t in root.iter(NS + "tspan")]
    return boxes, pills, lines


def overlapping_pairs(rects: list[tuple]) -> list[tuple[int, int]]:
    """Index pairs of rectangles (x0, y0, x1, y1) that share some area."""
    return [(i, j) for i, a in enumerate(rects) for j in range(i + 1, len(rects))
            if a[0] < rects[j][2] - 0.01 and rects[j][0] < a[2] - 0.01
            and a[1] < rects[j][3] - 0.01 and rects[j][1] < a[3] - 0.01]


def assert_readable(svg: str) -> None:
    """No box or label covers another, every one lies inside the picture, no number is cut."""
    boxes, pills, lines = picture_rects(svg)
    rects = boxes + pills
    assert not overlapping_pairs(rects), [(rects[i], rects[j]) for i, j in overlapping_pairs(rects)][:3]
    _, _, width, height = (float(v) for v in ET.fromstring(svg).get("viewBox").split())
    assert all(r[0] >= 0 and r[1] >= 0 and r[2] <= width + 0.1 and r[3] <= height + 0.1 for r in rects)
    assert not [s for s in lines if CUT_NUMBER.search(s)]


def random_dag(n: int, seed: int) -> tuple[Graph, dict[int, str]]:
    """A random graph of n nodes shaped like autograd graphs (each op has 1-3 inputs, some used
    twice, leaves and constants among the inputs, values of every length), and a label for
    some of its edges as the stepper writes them."""
    rng = random.Random(seed)
    nodes, edges = [], []
    kinds = ["leaf", "constant", "op"]
    for i in range(n):
        kind = "op" if i >= 2 and rng.random() < 0.7 else kinds[rng.randrange(2)]
        width = rng.choice([1, 2, 4, 12])
        value = "[" + ", ".join(f"{rng.uniform(-2, 2):.4f}" for _ in range(width)) + "]"
        nodes.append(Node(f"n{i}", "output" if i == n - 1 else kind, rng.choice(["x", "mul", "h1", "log_softmax"]),
                          op="MulBackward0" if kind == "op" else None, value=value,
                          grad=value if kind == "leaf" else None, shape=(width,)))
        if i and (kind == "op" or i == n - 1):
            for pos in range(rng.randint(1, 3)):
                src = rng.randrange(max(0, i - 8), i)
                edges.append(Edge(f"n{src}", f"n{i}", pos, cut=rng.random() < 0.05))
    labels = {j: f"∂ [{rng.uniform(-1, 1):.4f}]" for j in range(len(edges)) if rng.random() < 0.5}
    return Graph(nodes, edges), labels


def chain(n: int) -> Graph:
    """a, then n - 1 boxes a × 2 in a row: D2L's control-flow graph and its kind."""
    nodes = [Node("a", "leaf", "a", name="a", value="-1.1943")]
    nodes += [Node(f"m{i}", "op", f"a × 2 ({i})", op="MulBackward0", value=f"{2.0 ** i:.4f}") for i in range(n - 1)]
    return Graph(nodes, [Edge(a.id, b.id) for a, b in itertools.pairwise(nodes)])


def _bezier(p0, p1, p2, p3, t: float) -> tuple[float, float]:
    u = 1 - t
    return (u ** 3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t ** 3 * p3[0],
            u ** 3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t ** 3 * p3[1])


def edges_through_boxes(L) -> list[tuple[str, str, str]]:
    """(source, target, box) for every edge of a Layout whose drawn curve runs through a box
    other than its own two (sampled 20 times per cubic piece, 1 px inside the box)."""
    inner = {k: (b.x - b.w / 2 + 1, b.y - b.h / 2 + 1, b.x + b.w / 2 - 1, b.y + b.h / 2 - 1)
             for k, b in L.nodes.items()}
    found = []
    for r in L.edges:
        p, hit = r.points, set()
        for i in range(0, len(p) - 3, 3):
            for k in range(21):
                x, y = _bezier(*p[i:i + 4], k / 20)
                hit |= {nid for nid, (a, b, c, d) in inner.items()
                        if nid not in (r.edge.src, r.edge.dst) and a < x < c and b < y < d}
        found += [(r.edge.src, r.edge.dst, nid) for nid in sorted(hit)]
    return found
