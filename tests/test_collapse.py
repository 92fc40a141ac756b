"""Folding big graphs: size budget, nothing dropped, outputs and names kept, edges redirected."""
from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from autogradviz.graph.collapse import collapse
from autogradviz.graph.model import Edge, Graph, Node
from autogradviz.render import layout

NS = "{http://www.w3.org/2000/svg}"


def chain(n: int, ops=("MulBackward0",), constants: bool = False,
          names: dict[int, str] | None = None) -> Graph:
    """x -> op0 -> op1 -> ... -> op{n-1} = y (output); optional constant input per op."""
    names = names or {}
    nodes = [Node("x", "leaf", "x", name="x")]
    edges = []
    prev = "x"
    for i in range(n):
        last = i == n - 1
        nid = f"o{i}"
        name = "y" if last else names.get(i)
        nodes.append(Node(nid, "output" if last else "op", name or "×", name=name,
                          op=ops[i % len(ops)], symbol="×"))
        edges.append(Edge(prev, nid, 0))
        if constants:
            nodes.append(Node(f"c{i}", "constant", "2", requires_grad=False))
            edges.append(Edge(f"c{i}", nid, 1))
        prev = nid
    return Graph(nodes, edges)


def weight(g: Graph) -> int:
    return sum(n.collapsed_count if n.kind == "collapsed" else 1 for n in g.nodes)


def check_well_formed(g: Graph) -> None:
    ids = [n.id for n in g.nodes]
    assert len(ids) == len(set(ids))
    known = set(ids)
    assert all(e.src in known and e.dst in known for e in g.edges)
    collapsed = {n.id for n in g.nodes if n.kind == "collapsed"}
    pairs = Counter((e.src, e.dst) for e in g.edges if e.src in collapsed or e.dst in collapsed)
    assert all(c == 1 for c in pairs.values()), "duplicate edges to/from a collapsed node"
    # still acyclic (Kahn)
    indeg = Counter(e.dst for e in g.edges)
    succ: dict[str, list[str]] = {}
    for e in g.edges:
        succ.setdefault(e.src, []).append(e.dst)
    todo = [i for i in ids if indeg[i] == 0]
    seen = 0
    while todo:
        v = todo.pop()
        seen += 1
        for w in succ.get(v, []):
            indeg[w] -= 1
            if indeg[w] == 0:
                todo.append(w)
    assert seen == len(ids), "collapsing created a cycle"


def test_small_graph_is_returned_unchanged():
    g = chain(5)
    assert collapse(g, 10) is g
    with pytest.raises(ValueError):
        collapse(g, 0)


def test_100k_same_op_chain_folds_into_one_node():
    # (its speed is measured in benchmarks/bench_render.py, not asserted here)
    g = chain(100_000)
    c = collapse(g, 50)
    assert len(c.nodes) <= 50
    check_well_formed(c)
    folded = [n for n in c.nodes if n.kind == "collapsed"]
    assert len(folded) == 1
    k = folded[0]
    assert k.collapsed_count == 99_997 and k.label == "… 99,997 more MulBackward0"
    assert k.op == "MulBackward0"
    # first and last of the run stay visible, as do the leaf and the output
    assert {n.id for n in c.nodes} == {"x", "o0", k.id, "o99998", "o99999"}
    assert {(e.src, e.dst) for e in c.edges} == {("x", "o0"), ("o0", k.id), (k.id, "o99998"),
                                                 ("o99998", "o99999")}
    assert weight(c) == len(g.nodes)


def test_chain_with_constants_absorbs_private_inputs():
    g = chain(10_000, constants=True)
    c = collapse(g, 20)
    assert len(c.nodes) <= 20
    check_well_formed(c)
    k = next(n for n in c.nodes if n.kind == "collapsed")
    assert k.label.startswith("… 9,997 more MulBackward0")
    assert k.collapsed_count == 2 * 9_997 and weight(c) == len(g.nodes)


def test_alternating_ops_fold_the_middle_band():
    g = chain(100_000, ops=("MulBackward0", "AddBackward0"), constants=True)
    c = collapse(g, 60)
    assert len(c.nodes) <= 60
    check_well_formed(c)
    assert weight(c) == len(g.nodes)
    ids = {n.id for n in c.nodes}
    assert {"x", "o99999"} <= ids
    labels = [n.label for n in c.nodes if n.kind == "collapsed"]
    assert labels and all("more" in lb for lb in labels)
    assert any("199,9" in lb for lb in labels)                 # thousands separator


def test_named_nodes_and_outputs_stay_visible():
    g = chain(3_000, names={500: "h1", 1500: "h2", 2500: "h3"})
    c = collapse(g, 15)
    names = {n.name for n in c.nodes if n.name}
    assert names == {"x", "h1", "h2", "h3", "y"}
    assert len(c.nodes) <= 15 and weight(c) == len(g.nodes)
    check_well_formed(c)
    # the chain is cut at named nodes: several collapsed runs, none contains a name
    assert sum(n.kind == "collapsed" for n in c.nodes) == 4


def test_wide_graph_with_shared_leaves():
    rnd = random.Random(1)
    nodes = [Node("w", "leaf", "w", name="w"), Node("b", "leaf", "b")]
    edges = []
    acc = None
    for i in range(2_000):
        m = f"m{i}"
        nodes.append(Node(m, "op", "×", op="MulBackward0"))
        edges += [Edge("w", m, 0), Edge(rnd.choice(["w", "b"]), m, 1)]
        if acc is not None:
            a = f"a{i}"
            nodes.append(Node(a, "op", "+", op="AddBackward0"))
            edges += [Edge(acc, a, 0), Edge(m, a, 1)]
            m = a
        acc = m
    nodes.append(Node("L", "output", "L", name="L", op="SumBackward0"))
    edges.append(Edge(acc, "L", 0))
    g = Graph(nodes, edges)
    c = collapse(g, 40)
    assert len(c.nodes) <= 40 and weight(c) == len(g.nodes)
    assert {"w", "L"} <= {n.id for n in c.nodes}
    check_well_formed(c)


def test_too_many_protected_nodes_is_best_effort():
    nodes = [Node(f"x{i}", "leaf", f"x{i}", name=f"x{i}") for i in range(30)]
    nodes += [Node(f"m{i}", "op", "×", op="MulBackward0") for i in range(30)]
    edges = [Edge(f"x{i}", f"m{i}") for i in range(30)]
    c = collapse(Graph(nodes, edges), 10)
    assert sum(1 for n in c.nodes if n.name) == 30                    # never dropped
    assert sum(1 for n in c.nodes if n.kind == "collapsed") == 1
    assert weight(c) == 60


def test_collapsing_twice_keeps_the_count():
    g = chain(5_000, ops=("MulBackward0", "AddBackward0"))
    c1 = collapse(g, 200)
    c2 = collapse(c1, 20)
    assert len(c2.nodes) <= 20 and weight(c2) == weight(c1) == len(g.nodes)
    check_well_formed(c2)


def test_cut_flag_survives_only_when_all_merged_edges_are_cut():
    g = chain(50)
    for e in g.edges[10:20]:
        e.cut = True
    c = collapse(g, 8)
    assert not any(e.cut for e in c.edges if e.dst != "o49")
    g2 = chain(50)
    g2.edges[-1].cut = True
    c2 = collapse(g2, 8)
    assert [e.cut for e in c2.edges if e.dst == "o49"] == [True]


def test_collapsed_graph_renders_with_its_label():
    c = collapse(chain(20_000), 10)
    root = ET.fromstring(layout(c, engine="python").svg())
    groups = [g for g in root.iter(NS + "g") if g.get("data-kind") == "collapsed"]
    assert all(g.get("class") == "node" for g in groups)
    assert len(groups) == 1
    assert ["".join(t.itertext()) for t in groups[0].iter(NS + "tspan")] == ["… 19,997 more MulBackward0"]
    assert "19,997" in groups[0].find(NS + "title").text


def test_side_tables_follow_the_folding():
    g = chain(1_000)
    g.index = {1000 + i: n.id for i, n in enumerate(g.nodes)}
    g.arrays = {n.id: (i, None) for i, n in enumerate(g.nodes)}
    c = collapse(g, 10)
    ids = {n.id for n in c.nodes}
    k = next(n.id for n in c.nodes if n.kind == "collapsed")
    assert set(c.index.values()) == ids                     # every engine object finds its box
    assert c.index[1000 + 500] == k and c.index[1000] == "x"
    assert set(c.arrays) == ids - {k}                      # folded nodes have no arrays left
    assert len(g.nodes) == 1_001 and len(g.arrays) == 1_001  # the input graph is not modified
