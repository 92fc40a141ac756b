"""The SVG writer: structure, labels, styles, restyling without re-layout, orientation."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from render_support import need_dot  # noqa: F401  (engine, no_dot: fixtures in conftest)

from autogradviz.graph.model import Edge, Graph, Node
from autogradviz.render import GraphView, layout, to_svg

NS = "{http://www.w3.org/2000/svg}"


def dot_graph() -> Graph:
    """y = 2 * dot(x, x)"""
    return Graph(
        nodes=[
            Node("x", "leaf", "x", name="x", shape=(3,), value="[1. 2. 3.]", grad="[4. 8. 12.]"),
            Node("c", "constant", "2", requires_grad=False, value="2"),
            Node("d", "op", "·", op="DotBackward0", symbol="·", value="14.",
                 formula="∂(a·b)/∂a = b", saved=["self", "other"]),
            Node("y", "output", "y", name="y", op="MulBackward0", symbol="×", value="28.", grad="1."),
        ],
        edges=[Edge("x", "d", 0), Edge("x", "d", 1), Edge("c", "y", 0), Edge("d", "y", 1)],
    )


def node_groups(root: ET.Element) -> dict[str, ET.Element]:
    out = {}
    for g in root.iter(NS + "g"):
        if g.get("class") == "node":
            out[g.get("id")[len("node-"):]] = g
    return out


def text_of(g: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in g.iter(NS + "tspan")]


def box(g: ET.Element) -> tuple[float, float, float, float]:
    rect = g.findall(NS + "rect")[-1]
    return tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))


def test_nodes_labels_values_grads(engine):
    L = layout(dot_graph(), engine=engine)
    root = ET.fromstring(L.svg())
    groups = node_groups(root)
    assert set(groups) == {"x", "c", "d", "y"}
    assert text_of(groups["y"])[:3] == ["y = ×", "MulBackward0", "value 28."]
    assert "grad 1." in text_of(groups["y"])
    assert text_of(groups["x"]) == ["x", "(3,) float32", "value [1. 2. 3.]", "grad [4. 8. 12.]"]
    assert text_of(groups["d"])[:2] == ["·", "DotBackward0"]
    assert text_of(groups["c"]) == ["2"]
    # tooltips
    assert groups["d"].find(NS + "title").text.endswith("∂(a·b)/∂a = b")
    # one edge group per edge, each with a path and an arrowhead
    edges = [g for g in root.iter(NS + "g") if g.get("class") == "edge"]
    assert len(edges) == 4
    assert all(g.find(NS + "path") is not None and g.find(NS + "polygon") is not None for g in edges)
    assert {(g.get("data-src"), g.get("data-dst"), g.get("data-position")) for g in edges} == {
        ("x", "d", "0"), ("x", "d", "1"), ("c", "y", "0"), ("d", "y", "1")}


def test_root_element_scales_and_is_not_cropped(engine):
    L = layout(dot_graph(), engine=engine)
    root = ET.fromstring(L.svg())
    assert root.tag == NS + "svg"
    vb = [float(v) for v in root.get("viewBox").split()]
    assert vb[:2] == [0, 0] and vb[2] == pytest.approx(L.width, abs=0.1)
    # explicit pixels (its natural size): an <img> in JupyterLab never blows it up; it shrinks to fit
    assert float(root.get("width")) == pytest.approx(vb[2], abs=0.1)
    assert float(root.get("height")) == pytest.approx(vb[3], abs=0.1)
    assert "max-width:100%" in root.get("style") and "height:auto" in root.get("style")
    # every box lies inside the view box
    for g in node_groups(root).values():
        x, y, w, h = box(g)
        assert x >= 0 and x + w <= vb[2] and y >= 0 and y + h <= vb[3]


def test_scale_sets_the_size_on_screen_not_the_drawing():
    L = layout(dot_graph(), engine="python")
    one, big = ET.fromstring(L.svg()), ET.fromstring(L.svg(scale=1.5))
    assert float(big.get("width")) == pytest.approx(1.5 * float(one.get("width")), abs=0.1)
    assert float(big.get("height")) == pytest.approx(1.5 * float(one.get("height")), abs=0.1)
    assert big.get("viewBox") == one.get("viewBox")
    assert GraphView(dot_graph(), engine="python", scale=0.5).svg() == L.svg(scale=0.5)
    for bad in (0, -1, float("nan"), "big"):
        with pytest.raises(ValueError, match="scale"):
            GraphView(dot_graph(), scale=bad)


def test_kinds_have_their_own_look():
    root = ET.fromstring(layout(dot_graph(), engine="python").svg())
    groups = node_groups(root)
    rect = {k: g.findall(NS + "rect")[-1] for k, g in groups.items()}
    assert float(rect["x"].get("rx")) > float(rect["d"].get("rx"))          # leaves are rounded
    assert rect["c"].get("stroke-dasharray")                                 # constants dashed
    assert rect["y"].get("fill") != rect["d"].get("fill")                    # outputs green
    assert {k: g.get("data-kind") for k, g in groups.items()} == {
        "x": "leaf", "c": "constant", "d": "op", "y": "output"}
    # explicit light fills and dark text on every box (legible on dark themes)
    for g in groups.values():
        assert rect[g.get("id")[5:]].get("fill").startswith("#")
        assert g.find(NS + "text").get("fill") == "#1a1a1a"


def test_restyle_changes_state_but_not_positions(engine):
    L = layout(dot_graph(), engine=engine)
    before = {k: (b.x, b.y, b.w, b.h) for k, b in L.nodes.items()}
    plain = ET.fromstring(L.svg())
    styled = ET.fromstring(L.svg(styles={"y": "current", "d": "done", "x": "pending"}))
    g0, g1 = node_groups(plain), node_groups(styled)
    assert {k: g.get("data-state") for k, g in g0.items()} == dict.fromkeys("xcdy", "normal")
    assert {k: g.get("data-state") for k, g in g1.items()} == {
        "y": "current", "d": "done", "x": "pending", "c": "normal"}
    assert {k: box(g) for k, g in g0.items()} == {k: box(g) for k, g in g1.items()}
    assert {k: (b.x, b.y, b.w, b.h) for k, b in L.nodes.items()} == before
    cur = g1["y"].findall(NS + "rect")[-1]
    assert float(cur.get("stroke-width")) >= 3
    assert cur.get("stroke") != g0["y"].findall(NS + "rect")[-1].get("stroke")
    assert g1["d"].findall(NS + "rect")[-1].get("fill") != g0["d"].findall(NS + "rect")[-1].get("fill")


def test_unknown_style_is_an_error():
    L = layout(dot_graph(), engine="python")
    with pytest.raises(ValueError, match="current"):
        L.svg(styles={"y": "bold"})
    # unknown node ids are ignored
    assert ET.fromstring(L.svg(styles={"nope": "done"})) is not None


def test_edge_labels_and_cut_edges(engine):
    g = dot_graph()
    g.edges[2].cut = True
    L = layout(g, engine=engine, labels={3: "∂L/∂d = 2"})   # a place is kept for this label
    root = ET.fromstring(L.svg(edge_labels={("d", "y", 1): "∂L/∂d = 2"}))
    texts = ["".join(t.itertext()) for t in root.iter(NS + "text")]
    assert "∂L/∂d = 2" in texts and "✂ detach" in texts
    cut = [g for g in root.iter(NS + "g") if g.get("class") == "edge" and g.get("data-cut") == "true"]
    assert len(cut) == 1 and cut[0].find(NS + "path").get("stroke-dasharray")
    assert cut[0].find(NS + "path").get("stroke") != \
        next(g for g in root.iter(NS + "g") if g.get("class") == "edge" and not g.get("data-cut")) \
        .find(NS + "path").get("stroke")
    # labels are drawn on their edge, in the place kept for them
    mid = L.edges[3].mid
    label = next(t for t in root.iter(NS + "text") if "".join(t.itertext()) == "∂L/∂d = 2")
    tspan = label.find(NS + "tspan")
    assert abs(float(tspan.get("x")) - mid[0]) < 1 and abs(float(tspan.get("y")) - mid[1]) < 10


def test_show_options_toggle_lines():
    g = dot_graph()
    full = node_groups(ET.fromstring(layout(g, engine="python", show_saved=True).svg()))
    bare = node_groups(ET.fromstring(layout(g, engine="python", show_values=False, show_grads=False).svg()))
    assert "saved self, other" in text_of(full["d"])
    assert not any(t.startswith(("value", "grad", "saved")) for k in bare for t in text_of(bare[k]))
    assert box(bare["x"])[3] < box(full["x"])[3]


def test_collapsed_node_is_drawn_stacked():
    g = Graph(nodes=[Node("a", "leaf", "a", name="a"),
                     Node("k", "collapsed", "… 9,990 more MulBackward0", collapsed_count=9990),
                     Node("z", "output", "z", name="z", op="MulBackward0", symbol="×")],
              edges=[Edge("a", "k"), Edge("k", "z")])
    groups = node_groups(ET.fromstring(layout(g, engine="python").svg()))
    assert text_of(groups["k"]) == ["… 9,990 more MulBackward0"]
    assert len(groups["k"].findall(NS + "rect")) == 3 and len(groups["a"].findall(NS + "rect")) == 1


@pytest.mark.parametrize("rankdir", ["BT", "TB", "LR", "RL"])
def test_rankdir_orientation(engine, rankdir):
    L = layout(dot_graph(), engine=engine, rankdir=rankdir)
    out, inp = L.nodes["y"], L.nodes["x"]
    if rankdir == "BT":
        assert out.y < inp.y                       # output on top
    elif rankdir == "TB":
        assert out.y > inp.y
    elif rankdir == "LR":
        assert out.x > inp.x
    else:
        assert out.x < inp.x
    root = ET.fromstring(L.svg())
    assert root.get("data-rankdir") == rankdir


def test_empty_and_single_node_graphs(engine):
    root = ET.fromstring(layout(Graph(), engine=engine).svg())
    assert node_groups(root) == {}
    one = layout(Graph(nodes=[Node("a", "leaf", "a")]), engine=engine)
    assert set(node_groups(ET.fromstring(one.svg()))) == {"a"}
    assert one.width > one.nodes["a"].w


def test_restyle_of_200_nodes_reuses_the_layout():
    # (restyling speed is measured in benchmarks/bench_render.py, not asserted here)
    nodes = [Node(f"n{i}", "op" if i else "leaf", f"v{i}", op="AddBackward0", symbol="+", value=f"{i}.")
             for i in range(200)]
    edges = [Edge(f"n{i // 2}", f"n{i}", i % 2) for i in range(1, 200)]
    L = layout(Graph(nodes, edges), engine="python")
    plain = ET.fromstring(L.svg())
    styled = ET.fromstring(L.svg(styles={f"n{i}": "done" for i in range(40)}, edge_labels={("n0", "n1", 1): "g"}))
    assert (styled.get("width"), styled.get("height")) == (plain.get("width"), plain.get("height"))
    states = [g.get("data-state") for g in node_groups(styled).values()]
    assert states.count("done") == 40 and len(states) == 200
    assert [g.get("transform") for g in node_groups(styled).values()] == \
        [g.get("transform") for g in node_groups(plain).values()]


def test_to_svg_function_equals_method():
    L = layout(dot_graph(), engine="python")
    assert to_svg(L, styles={"y": "done"}) == L.svg(styles={"y": "done"})


def test_long_lines_are_cut_in_the_box_but_whole_in_the_tooltip():
    long_value = "[" + ", ".join(str(i) for i in range(100)) + "]"
    g = Graph([Node("v", "leaf", "v", name="v", value=long_value)])
    groups = node_groups(ET.fromstring(layout(g, engine="python").svg()))
    shown = text_of(groups["v"])[1]
    assert shown.endswith("…") and len(shown) <= 60
    assert f"value {long_value}" in groups["v"].find(NS + "title").text
    hidden = node_groups(ET.fromstring(layout(g, engine="python", show_values=False).svg()))
    assert "value" not in hidden["v"].find(NS + "title").text      # hidden values do not leak
