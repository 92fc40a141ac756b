"""Layout engines: choice of engine, missing Graphviz, geometry sanity, odd graphs, code rules."""
from __future__ import annotations

import ast
import importlib
import math
import pathlib
import shutil
import warnings

import pytest
from render_support import need_dot

from autogradviz.graph.model import Edge, Graph, Node
from autogradviz.render import INSTALL_HINT, GraphView, layout
from autogradviz.render.layout import text_width

ROOT = pathlib.Path(__file__).resolve().parents[1]
MINE = [ROOT / "autogradviz" / "render" / f for f in
        ("__init__.py", "escape.py", "layout.py", "svg.py", "dot_source.py", "view.py")] + \
       [ROOT / "autogradviz" / "graph" / "collapse.py"]


def mlp_graph(n_in: int = 3, hidden: int = 4) -> Graph:
    """A scalar MLP neuron layer + sum, like micrograd's pictures."""
    nodes = [Node(f"x{i}", "leaf", f"x{i}", name=f"x{i}", value="1.") for i in range(n_in)]
    edges = []
    outs = []
    for h in range(hidden):
        acc = None
        for i in range(n_in):
            w, m = f"w{h}{i}", f"m{h}{i}"
            nodes += [Node(w, "leaf", w, name=w, value="0.5", grad="1."),
                      Node(m, "op", "×", op="MulBackward0", symbol="×", value="0.5")]
            edges += [Edge(w, m, 0), Edge(f"x{i}", m, 1)]
            if acc is None:
                acc = m
            else:
                a = f"a{h}{i}"
                nodes.append(Node(a, "op", "+", op="AddBackward0", symbol="+", value="1."))
                edges += [Edge(acc, a, 0), Edge(m, a, 1)]
                acc = a
        t = f"t{h}"
        nodes.append(Node(t, "op", "tanh", op="TanhBackward0", symbol="tanh", value="0.76"))
        edges.append(Edge(acc, t, 0))
        outs.append(t)
    nodes.append(Node("L", "output", "L", name="L", op="StackBackward0", symbol="Σ", value="3."))
    edges += [Edge(t, "L", k) for k, t in enumerate(outs)]
    return Graph(nodes, edges)


def overlaps(a, b) -> bool:
    return abs(a.x - b.x) * 2 < a.w + b.w - 1e-6 and abs(a.y - b.y) * 2 < a.h + b.h - 1e-6


def dist_to_box(p, b) -> float:
    dx = max(b.x - b.w / 2 - p[0], 0, p[0] - b.x - b.w / 2)
    dy = max(b.y - b.h / 2 - p[1], 0, p[1] - b.y - b.h / 2)
    return math.hypot(dx, dy)


def test_auto_uses_dot_when_installed():
    L = layout(mlp_graph(), engine="auto")
    assert L.engine == ("dot" if shutil.which("dot") else "python")


def test_auto_falls_back_silently_without_dot(no_dot):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        L = layout(mlp_graph(), engine="auto")
        view = GraphView(mlp_graph())
        assert "engine=python" in repr(view)
        view.svg()
    assert L.engine == "python"


def test_engine_dot_without_dot_explains_how_to_install(no_dot):
    with pytest.raises(RuntimeError) as err:
        layout(mlp_graph(), engine="dot")
    msg = str(err.value)
    assert msg == INSTALL_HINT
    for hint in ("apt-get install graphviz", "conda install graphviz", "brew install graphviz"):
        assert hint in msg


def test_bad_arguments():
    with pytest.raises(ValueError, match="rankdir"):
        layout(mlp_graph(), rankdir="UP")
    with pytest.raises(ValueError, match="engine"):
        layout(mlp_graph(), engine="neato")
    with pytest.raises(ValueError, match="unknown node"):
        layout(Graph([Node("a", "leaf", "a")], [Edge("a", "b")]), engine="python")
    with pytest.raises(ValueError, match="duplicate"):
        layout(Graph([Node("a", "leaf", "a"), Node("a", "leaf", "b")]), engine="python")


@pytest.mark.parametrize("rankdir", ["BT", "LR"])
def test_boxes_fit_text_and_do_not_overlap(engine, rankdir):
    L = layout(mlp_graph(), engine=engine, rankdir=rankdir)
    boxes = list(L.nodes.values())
    assert len(boxes) == len(mlp_graph().nodes)
    for b in boxes:
        assert b.w >= max(text_width(ln.text, ln.size) for ln in b.lines)
        assert b.w / 2 <= b.x <= L.width - b.w / 2 and b.h / 2 <= b.y <= L.height - b.h / 2
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not overlaps(a, b), (a.id, b.id)


def test_edges_run_from_source_box_to_target_box(engine):
    L = layout(mlp_graph(), engine=engine)
    assert len(L.edges) == len(mlp_graph().edges)
    for r in L.edges:
        assert len(r.points) >= 4 and (len(r.points) - 1) % 3 == 0          # cubic Béziers
        assert dist_to_box(r.points[0], L.nodes[r.edge.src]) < 3
        assert dist_to_box(r.points[-1], L.nodes[r.edge.dst]) < 3
        assert len(r.arrow) == 3 and r.arrow[0] == r.points[-1]
        assert r.edge.src in L.nodes and r.edge.dst in L.nodes


def test_inputs_of_an_op_arrive_in_position_order_python():
    g = Graph([Node("a", "leaf", "a", name="a"), Node("b", "leaf", "b", name="b"),
               Node("s", "output", "s", name="s", op="SubBackward0", symbol="−")],
              [Edge("b", "s", 1), Edge("a", "s", 0)])
    L = layout(g, engine="python")
    ends = {r.edge.position: r.points[-1][0] for r in L.edges}
    assert ends[0] < ends[1]


def test_disconnected_components_side_by_side(engine):
    g = mlp_graph(2, 1)
    g.nodes += [Node("p", "leaf", "p", name="p"), Node("q", "output", "q", name="q", op="ExpBackward0"),
                Node("lonely", "constant", "7", requires_grad=False)]
    g.edges.append(Edge("p", "q"))
    L = layout(g, engine=engine)
    boxes = list(L.nodes.values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not overlaps(a, b)
    assert L.nodes["q"].y < L.nodes["p"].y


def test_cycles_self_loops_and_parallel_edges_do_not_break_layout(engine):
    g = Graph([Node("a", "op", "a", op="A"), Node("b", "op", "b", op="B"), Node("c", "op", "c", op="C")],
              [Edge("a", "b"), Edge("b", "c"), Edge("c", "a"), Edge("b", "b"), Edge("a", "b", 1)])
    L = layout(g, engine=engine)
    assert len(L.edges) == 5 and all(len(r.points) >= 4 for r in L.edges)
    assert L.svg().count('class="edge"') == 5


def test_long_chain_python_layout_folds_into_columns():
    n = 400
    g = Graph([Node(f"v{i}", "op", f"v{i}", op="NegBackward0") for i in range(n)],
              [Edge(f"v{i}", f"v{i + 1}") for i in range(n - 1)])
    L = layout(g, engine="python")
    assert L.width <= 1200 + 2 * 16 + 2 * 48 and L.height < n * 20   # columns, not one long strip
    assert L.nodes["v0"].x < L.nodes[f"v{n - 1}"].x                  # read left to right ...
    assert L.nodes["v0"].y > L.nodes["v1"].y                          # ... and bottom to top


def _modules():
    for path in MINE:
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_render_modules_do_not_import_the_engine_or_widgets():
    allowed_internal = {"autogradviz.graph.model", "autogradviz.graph.collapse"}
    for path, tree in _modules():
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(("ipywidgets", "matplotlib", "torch")), (path, name)
                if name.startswith("autogradviz"):
                    assert name in allowed_internal, (path, name)


def _calls_itself(fn, method: bool) -> bool:
    for call in ast.walk(fn):
        if isinstance(call, ast.Call):
            f = call.func
            if not method and isinstance(f, ast.Name) and f.id == fn.name:
                return True
            if method and isinstance(f, ast.Attribute) and f.attr == fn.name \
                    and isinstance(f.value, ast.Name) and f.value.id in ("self", "cls"):
                return True
    return False


def test_no_function_calls_itself():
    checked = 0
    for path, tree in _modules():
        for node in ast.walk(tree):
            body = node.body if isinstance(node, (ast.Module, ast.ClassDef)) else []
            for fn in body:
                if isinstance(fn, ast.FunctionDef):
                    checked += 1
                    assert not _calls_itself(fn, isinstance(node, ast.ClassDef)), f"{path.name}: {fn.name}"
                    for inner in ast.walk(fn):
                        if isinstance(inner, ast.FunctionDef) and inner is not fn:
                            assert not _calls_itself(inner, False), f"{path.name}: {inner.name}"
    assert checked > 30


def test_dot_plain_output_fallback_matches_json(monkeypatch):
    """Graphviz < 2.40 has no json output: the layout then reads `dot -Tplain`."""
    need_dot()
    lay = importlib.import_module("autogradviz.render.layout")   # the module, not the function

    ref = layout(mlp_graph(), engine="dot")
    real_run = lay._run

    def no_json(dot, fmt, source):
        if fmt == "json0":
            return real_run(dot, "no-such-format", source)
        return real_run(dot, fmt, source)

    monkeypatch.setattr(lay, "_run", no_json)
    got = layout(mlp_graph(), engine="dot")
    for k, b in ref.nodes.items():
        assert got.nodes[k].x == pytest.approx(b.x, abs=1) and got.nodes[k].y == pytest.approx(b.y, abs=1)
    for r0, r1 in zip(ref.edges, got.edges):
        assert len(r0.points) == len(r1.points)
        assert r1.points[0] == pytest.approx(r0.points[0], abs=1)
