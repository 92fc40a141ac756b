"""GraphView: notebook display, DOT source, saving, restyling, options."""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from render_support import need_dot

from autogradviz.graph.model import Edge, Graph, Node
from autogradviz.render import GraphView

NS = "{http://www.w3.org/2000/svg}"


def graph() -> Graph:
    """y = 2 * dot(x, x)"""
    return Graph(
        nodes=[
            Node("x", "leaf", "x", name="x", shape=(3,), value="[1. 2. 3.]", grad="[4. 8. 12.]"),
            Node("c", "constant", "2", requires_grad=False, value="2"),
            Node("d", "op", "·", op="DotBackward0", symbol="·", value="14.", saved=["self", "other"]),
            Node("y", "output", "y", name="y", op="MulBackward0", symbol="×", value="28."),
        ],
        edges=[Edge("x", "d", 0), Edge("x", "d", 1), Edge("c", "y", 0), Edge("d", "y", 1)],
    )


def node_ids(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [g.get("id") for g in root.iter(NS + "g") if "node" in g.get("class", "").split()]


def test_mimebundle_is_inline_svg(engine):
    """HTML with the SVG inline (JupyterLab shows an image/svg+xml as an <img>, which never shrinks
    to the output area), and the bare SVG for front ends that take only that."""
    view = GraphView(graph(), engine=engine)
    bundle = view._repr_mimebundle_()
    assert list(bundle) == ["text/html", "image/svg+xml"]
    assert sorted(node_ids(bundle["image/svg+xml"])) == ["node-c", "node-d", "node-x", "node-y"]
    assert bundle["text/html"] == f'<div class="autogradviz-picture">{bundle["image/svg+xml"]}</div>'
    assert view._repr_mimebundle_(include=["image/svg+xml"], exclude=[]) == bundle


def test_repr_and_properties(engine):
    g = graph()
    view = GraphView(g, engine=engine)
    assert repr(view) == f"<GraphView: 4 nodes, 4 edges, engine={engine}>"
    assert view.graph is g
    assert view.layout is view.layout                       # computed once, then cached
    assert view.layout.engine == engine


def test_layout_is_lazy():
    view = GraphView(graph(), engine="python")
    assert view._layout is None
    view.svg()
    assert view._layout is not None


def test_restyle_reuses_the_layout(engine):
    view = GraphView(graph(), engine=engine)
    first = view.layout
    svg = view.restyle({"d": "current"}, {("x", "d", 0): "∂y/∂x"})
    assert view.layout is first
    root = ET.fromstring(svg)
    states = {g.get("id"): g.get("data-state") for g in root.iter(NS + "g") if g.get("data-state")}
    assert states == {"node-x": "normal", "node-c": "normal", "node-d": "current", "node-y": "normal"}
    assert "∂y/∂x" in ["".join(t.itertext()) for t in root.iter(NS + "text")]


def test_source_is_dot_text_with_options():
    src = GraphView(graph(), rankdir="LR", show_saved=True).source
    assert src.startswith("digraph") and "rankdir=LR" in src and src.count("->") == 4
    assert "saved self, other" in src and "value 28." in src
    bare = GraphView(graph(), show_values=False, show_grads=False).source
    assert "value 28." not in bare and "grad [4." not in bare and "rankdir=BT" in bare


def test_show_options_change_the_svg():
    full = GraphView(graph(), engine="python").svg()
    bare = GraphView(graph(), engine="python", show_values=False, show_grads=False).svg()
    assert "value 28." in full and "grad [4. 8. 12.]" in full
    assert "value 28." not in bare and "grad [4. 8. 12.]" not in bare


def test_save_svg_and_html(tmp_path, no_dot):
    view = GraphView(graph())
    svg_path = view.save(tmp_path / "g.svg")
    root = ET.parse(svg_path).getroot()
    assert root.tag == NS + "svg" and len(node_ids(ET.tostring(root, encoding="unicode"))) == 4
    html = Path(view.save(str(tmp_path / "g.html"))).read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "</html>" in html
    assert html.count('class="node"') == 4


def test_save_png_and_pdf_with_dot(tmp_path):
    need_dot()
    view = GraphView(graph())
    png = view.save(tmp_path / "g.png")
    pdf = view.save(tmp_path / "g.pdf")
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert Path(pdf).read_bytes()[:5] == b"%PDF-"
    assert os.path.getsize(png) > 1000


def test_save_png_without_dot_is_a_clear_error(tmp_path, no_dot):
    view = GraphView(graph())
    for name in ("g.png", "g.pdf"):
        with pytest.raises(RuntimeError, match="apt-get install graphviz") as err:
            view.save(tmp_path / name)
        assert "conda install graphviz" in str(err.value) and "brew install graphviz" in str(err.value)
        assert not (tmp_path / name).exists()


def test_in_a_browser_dot_and_png_say_in_one_line_what_to_do_instead(tmp_path, monkeypatch):
    """Pyodide (JupyterLite) runs no programs: engine="dot", .png and .pdf say so; the rest works."""
    import sys

    import autogradviz as torch
    monkeypatch.setattr(sys, "platform", "emscripten")
    x = torch.arange(3.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    attempts = {"engine='dot'": lambda: torch.draw_graph(y, engine="dot").svg(),
                "saving as .png": lambda: GraphView(graph()).save(tmp_path / "g.png"),
                "saving as .pdf": lambda: GraphView(graph()).save(tmp_path / "g.pdf")}
    for what, attempt in attempts.items():
        with pytest.raises(RuntimeError) as err:
            attempt()
        message = str(err.value)
        assert message.startswith(f"{what} needs Graphviz's `dot` program, which cannot run in a browser: ")
        assert "engine='python'" in message and ".svg or .html" in message and "\n" not in message
    assert not list(tmp_path.iterdir())
    view = torch.draw_graph(y)
    assert 'data-engine="python"' in view.svg() and "engine=python" in repr(view)
    assert Path(view.save(tmp_path / "g.svg")).stat().st_size > 0
    assert "<svg" in Path(view.save(tmp_path / "g.html")).read_text(encoding="utf-8")


def test_save_unknown_extension(tmp_path):
    with pytest.raises(ValueError, match=r"\.svg"):
        GraphView(graph(), engine="python").save(tmp_path / "g.bmp")


def test_max_nodes_collapses_big_graphs():
    n = 500
    nodes = [Node("x", "leaf", "x", name="x")] + [
        Node(f"v{i}", "output" if i == n - 1 else "op", "×", op="MulBackward0", symbol="×",
             name="y" if i == n - 1 else None) for i in range(n)]
    edges = [Edge("x", "v0")] + [Edge(f"v{i}", f"v{i + 1}") for i in range(n - 1)]
    view = GraphView(Graph(nodes, edges), engine="python", max_nodes=20)
    assert len(view.graph.nodes) <= 20
    assert "more MulBackward0" in view.svg()
