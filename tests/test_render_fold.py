"""Long pictures fold to fit one 1280×800 screen: tall ones into columns (each as wide as its own
part), wide left-to-right ones into rows; every edge still runs from its source box to its
target box and through no other box, folded or not, with both layout engines."""
from __future__ import annotations

import itertools

import pytest
from render_support import assert_readable, chain, edges_through_boxes, need_dot, random_dag  # noqa: F401

from autogradviz.graph.model import Edge, Graph, Node
from autogradviz.render import layout

# the notebook's output area at 1280×800 with the file browser closed is 1100 px wide
SCREEN = (1100, 800)


def _ends_on_its_boxes(L) -> None:
    for r in L.edges:
        a, b = L.nodes[r.edge.src], L.nodes[r.edge.dst]
        assert abs(r.points[0][0] - a.x) <= a.w / 2 + 1 and abs(r.points[0][1] - a.y) <= a.h / 2 + 1
        assert abs(r.points[-1][0] - b.x) <= b.w / 2 + 1 and abs(r.points[-1][1] - b.y) <= b.h / 2 + 1


@pytest.mark.parametrize("rankdir", ["LR", "RL"])
def test_a_wide_left_to_right_chain_wraps_into_rows(engine, rankdir):
    """Notebook 05's %autograd --rankdir LR picture was 1236 px wide (shrunk to 12 px text in a
    1100 px output area): a left-to-right chain now wraps into rows, read like lines of text."""
    graph = chain(14)
    L = layout(graph, engine=engine, rankdir=rankdir)
    assert L.width <= SCREEN[0] and L.height <= SCREEN[1], (L.width, L.height)
    assert_readable(L.svg())
    _ends_on_its_boxes(L)
    assert not edges_through_boxes(L)
    first, last = L.nodes["a"], L.nodes[graph.nodes[-1].id]
    assert first.y < last.y                                   # the next row is below the first
    rows = {round(b.y) for b in L.nodes.values()}
    assert len(rows) >= 2


@pytest.mark.parametrize("rankdir", ["BT", "LR"])
def test_pictures_that_fit_are_not_folded(engine, rankdir):
    L = layout(chain(4), engine=engine, rankdir=rankdir)
    along = {round(b.x if rankdir == "BT" else b.y) for b in L.nodes.values()}
    assert len(along) == 1                                    # one column (one row), as laid out


def _chain_on_a_wide_base(length: int, inputs: int) -> Graph:
    """A narrow chain of `length` ops above one op with `inputs` wide leaves (notebook 04's
    softmax step: a loss chain above X @ W + b)."""
    value = "[[ 0.0023, 0.0085], [-0.0142, 0.0123], …"
    nodes = [Node(f"x{i}", "leaf", f"input{i}", name=f"input{i}", value=value, grad=value, shape=(4, 2))
             for i in range(inputs)]
    nodes.append(Node("s", "op", "sum of the inputs", op="AddBackward0", value=value, shape=(4, 2)))
    nodes += [Node(f"c{i}", "op", f"f{i}(s)", op="ExpBackward0", value="0.6928") for i in range(length)]
    edges = [Edge(f"x{i}", "s", i) for i in range(inputs)]
    ids = ["s"] + [f"c{i}" for i in range(length)]
    edges += [Edge(s, d) for s, d in itertools.pairwise(ids)]
    return Graph(nodes, edges)


def test_a_narrow_chain_on_a_wide_base_folds_beside_it(engine):
    """Notebook 04's softmax step was 694×1072 px, taller than the screen, and never folded: two
    columns as wide as the widest part did not fit. Each column is now as wide as its own part."""
    graph = _chain_on_a_wide_base(8, 3)
    L = layout(graph, engine=engine)
    assert L.width <= SCREEN[0] and L.height <= SCREEN[1], (L.width, L.height)
    assert_readable(L.svg())
    _ends_on_its_boxes(L)
    assert not edges_through_boxes(L)


@pytest.mark.parametrize("rankdir", ["BT", "TB"])
def test_edges_between_columns_run_through_no_box(engine, rankdir):
    for graph in (chain(30), _chain_on_a_wide_base(14, 2)):
        L = layout(graph, engine=engine, rankdir=rankdir)
        assert L.height <= SCREEN[1]
        assert not edges_through_boxes(L)


@pytest.mark.parametrize("rankdir", ["BT", "LR"])
def test_edges_of_random_graphs_run_through_no_box(engine, rankdir):
    """The pure-Python layout (the browser site's) bent edges next to the boxes of a rank and cut
    their corners: 204 edges through boxes on 15 random graphs of 13 to 120 nodes (Graphviz: 0),
    one in notebook 01's detach picture. Edges now bend only between ranks."""
    for n in (5, 13, 40, 120):
        for seed in range(2):
            graph, labels = random_dag(n, seed)
            L = layout(graph, engine=engine, rankdir=rankdir, labels=labels)
            assert not edges_through_boxes(L), (n, seed, edges_through_boxes(L)[:3])
