"""Pictures stay readable: no box or edge label covers another, parallel edges are drawn apart,
no number is cut; on random graphs of 2 to 200 nodes with both layout engines."""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from render_support import NS, assert_readable, chain, need_dot, random_dag  # noqa: F401

from autogradviz.graph.model import Edge, Graph, Node
from autogradviz.render import GraphView, layout
from autogradviz.render.layout import node_lines

SIZES = [2, 3, 5, 8, 13, 21, 40, 75, 120, 200]


@pytest.mark.parametrize("n", SIZES)
def test_random_graphs_have_no_overlaps_and_no_cut_numbers(engine, n):
    for seed in range(2 if n < 100 else 1):
        graph, labels = random_dag(n, seed)
        L = layout(graph, engine=engine, labels=labels)
        shown = {(graph.edges[j].src, graph.edges[j].dst, graph.edges[j].position): t for j, t in labels.items()}
        assert_readable(L.svg())                                  # the edges' own marks only
        assert_readable(L.svg(edge_labels=shown))                 # every kept label shown
        half = dict(list(shown.items())[: len(shown) // 2])
        assert_readable(L.svg(edge_labels=half))                  # a stepper frame halfway


def test_labels_nobody_kept_a_place_for_still_find_a_free_one(engine):
    graph, _ = random_dag(30, 7)
    L = layout(graph, engine=engine)
    labels = {(e.src, e.dst, e.position): f"∂ {k}.5 and some more" for k, e in enumerate(graph.edges)}
    assert_readable(L.svg(edge_labels=labels))


def _path_points(g: ET.Element) -> list[tuple[float, float]]:
    d = g.find(NS + "path").get("d").replace("M", " ").replace("C", " ")
    return [tuple(float(v) for v in p.split(",")) for p in d.split()]


@pytest.mark.parametrize("labelled", [False, True])
def test_parallel_edges_are_drawn_apart(engine, labelled):
    """y = x * x: two edges between the same two boxes are two lines, each with its own label."""
    g = Graph([Node("x", "leaf", "x", name="x", value="[1., 2.]"),
               Node("y", "output", "y", name="y", op="MulBackward0", symbol="×", value="[1., 4.]")],
              [Edge("x", "y", 0), Edge("x", "y", 1)])
    labels = {0: "∂ [2., 4.]", 1: "∂ [2., 4.]"} if labelled else {}
    L = layout(g, engine=engine, labels=labels)
    root = ET.fromstring(L.svg(edge_labels={("x", "y", j): t for j, t in labels.items()}))
    edges = [g for g in root.iter(NS + "g") if g.get("class") == "edge"]
    a, b = (_path_points(e) for e in edges)
    middle = max(math.dist(p, q) for p, q in zip(a, b))
    assert middle > 20                                            # apart, not one line twice
    pills = [g for g in root.iter(NS + "g") if g.get("class") == "edge-label"]
    assert len(pills) == len(labels)
    assert_readable(ET.tostring(root, encoding="unicode"))


def test_matrix_values_show_whole_numbers():
    value = "[[-0.0142, 0.0123, 0.4567], [0.0001, -0.2, 0.3333], [1.5, 2.5, 3.5], [4.5, 5.5, 6.5]]"
    node = Node("W", "leaf", "W", name="W", value=value, grad=value, shape=(4, 3))
    for line in node_lines(node):
        if line.role in ("value", "grad"):
            assert line.text.endswith(", …") and "0.0123" in line.text


def test_stepper_labels_keep_their_place_in_every_frame(engine):
    graph, labels = random_dag(25, 3)
    view = GraphView(graph, engine=engine)
    shown = {(graph.edges[j].src, graph.edges[j].dst, graph.edges[j].position): t for j, t in labels.items()}
    view.reserve_labels(shown)
    size = (view.layout.width, view.layout.height)
    first = ET.fromstring(view.restyle({}, dict(list(shown.items())[:1])))
    last = ET.fromstring(view.restyle({}, shown))
    assert first.get("viewBox") == last.get("viewBox") == f"0 0 {size[0]:.1f} {size[1]:.1f}"


def test_left_to_right_boxes_stack_long_titles_so_chains_stay_narrow():
    node = Node("l", "output", "loss", name="loss", op="PowBackward0", shape=(2,), value="8.41",
                title="loss = (prediction − 1) ^ 2")
    wide = [ln.text for ln in node_lines(node)]
    narrow = [ln.text for ln in node_lines(node, narrow=True)]
    assert wide[:2] == ["loss = (prediction − 1) ^ 2", "PowBackward0  (2,) float32"]
    assert narrow[:4] == ["loss =", "(prediction − 1) ^ 2", "PowBackward0", "(2,) float32"]
    pair = Graph([node, Node("p", "leaf", "prediction", name="prediction")], [Edge("p", "l")])
    assert layout(pair, engine="python", rankdir="LR").nodes["l"].w < layout(pair, engine="python").nodes["l"].w


@pytest.mark.parametrize("rankdir", ["BT", "TB"])
def test_a_tall_chain_is_folded_into_columns_that_fit_one_screen(engine, rankdir):
    """D2L's control-flow graph and its kind: a chain of 30 boxes fits 1280×800, still readable,
    every edge still running from its source box to its target box."""
    graph = chain(30)
    L = layout(graph, engine=engine, rankdir=rankdir)
    assert L.width <= 1280 and L.height <= 800
    assert_readable(L.svg())
    xs = [L.nodes[n.id].x for n in graph.nodes]
    assert xs[0] < xs[-1]                                          # the flow goes on to the right
    for r in L.edges:
        a, b = L.nodes[r.edge.src], L.nodes[r.edge.dst]
        assert abs(r.points[0][0] - a.x) <= a.w / 2 + 1 and abs(r.points[0][1] - a.y) <= a.h / 2 + 1
        assert abs(r.points[-1][0] - b.x) <= b.w / 2 + 1 and abs(r.points[-1][1] - b.y) <= b.h / 2 + 1


def test_short_pictures_are_not_folded(engine):
    L = layout(chain(4), engine=engine)
    xs = {round(b.x) for b in L.nodes.values()}
    assert len(xs) == 1                                            # one column, as laid out
