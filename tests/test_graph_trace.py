"""The plain graph description: trace() over the seeds' graphs, names, constants, cut edges."""
from __future__ import annotations

import sys
import xml.etree.ElementTree as ET

import pytest

import autogradviz as torch
from autogradviz.graph import trace


def _labels(graph):
    return {n.label for n in graph.nodes}


def _kinds(graph):
    return sorted(n.kind for n in graph.nodes)


def test_seed_dot_graph_has_names_ops_and_values():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    g = trace(y)
    assert _kinds(g) == ["leaf", "op", "output"]
    out = g.outputs[0]
    assert (out.label, out.op, out.value) == ("y", "MulBackward0", "28.")
    leaf = next(n for n in g.nodes if n.kind == "leaf")
    assert (leaf.label, leaf.shape, leaf.value) == ("x", (4,), "[0., 1., 2., 3.]")
    dot = next(n for n in g.nodes if n.op == "DotBackward0")
    assert dot.label == "dot" and dot.value == "14."
    # x is used twice by dot: two edges, positions 0 and 1
    assert sorted(e.position for e in g.edges if e.src == leaf.id) == [0, 1]
    assert dot.formula == "∂dot(x, x)/∂x = x\n∂dot(x, x)/∂x = x"
    assert (out.title, dot.title) == ("y = 2 × dot", "dot(x, x)")


def test_grads_appear_after_backward():
    x = torch.arange(4.0, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    leaf = next(n for n in trace(y).nodes if n.kind == "leaf")
    assert leaf.grad == "[0., 2., 4., 6.]"


def test_detach_is_a_constant_with_a_cut_edge_from_its_origin():
    x = torch.arange(4.0, requires_grad=True)
    y = x * x
    u = y.detach()
    z = u * x
    g = trace(z)
    u_node = next(n for n in g.nodes if n.label == "u")
    y_node = next(n for n in g.nodes if n.label == "y")
    assert u_node.kind == "constant" and not u_node.requires_grad
    cut = [e for e in g.edges if e.cut]
    assert len(cut) == 1 and (cut[0].src, cut[0].dst) == (y_node.id, u_node.id)


def test_control_flow_graph_is_a_chain_of_multiplications():
    from seeds.cells import control_flow_f
    f = control_flow_f()
    a = torch.tensor(0.5, requires_grad=True)
    d = f(a)
    g = trace(d)
    ops = [n.op for n in g.nodes if n.kind in ("op", "output")]
    assert set(ops) == {"MulBackward0"} and len(ops) == 11  # 0.5 * 2^11 = 1024 >= 1000


def test_loop_of_y_equals_x_times_two():
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    for _ in range(3):
        y = y * 2
    g = trace(y)
    assert len([n for n in g.nodes if n.op == "MulBackward0"]) == 4
    # unnamed intermediates written with operators read as their expression, up to 24 characters
    assert next(n for n in g.nodes if n.kind == "output").title == "y = x × 2 × 2 × 2 × 2"


def test_names_override_and_caller_frame_names():
    w = torch.ones(2, requires_grad=True)
    out = (w * 3).sum()
    assert "w" in _labels(trace(out))
    assert "weights" in _labels(trace(out, names={"weights": w}))


def test_unnamed_intermediates_get_their_function_or_their_expression():
    x = torch.ones(2, requires_grad=True)
    g = trace((x.sin() * 2).sum())
    assert {"sin", "sin × 2", "sum"} <= _labels(g)


def test_trace_of_a_100k_chain_needs_no_recursion():
    a = torch.tensor(1.0, requires_grad=True)
    c = a
    for _ in range(100_000):
        c = c * 1.0
    limit = sys.getrecursionlimit()
    g = trace(c)
    assert len(g.nodes) == 100_001 and sys.getrecursionlimit() == limit


def test_trace_rejects_non_tensors():
    with pytest.raises(TypeError, match=r"^trace\(3\): 3 is an int, not a tensor; pass the tensor whose graph"):
        trace(3)


def test_draw_graph_svg_parses_and_carries_names_values_and_grads():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    y.backward()
    view = torch.draw_graph(y, engine="python")
    root = ET.fromstring(view.svg())
    text = " ".join(t for t in root.itertext())
    assert "x" in text and "y" in text and "28." in text and "[ 0., 4., 8., 12.]" in text
    nodes = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if "node" in (g.get("class") or "").split()]
    assert len(nodes) == 3
    assert "image/svg+xml" in view._repr_mimebundle_()


def test_draw_graph_of_a_100k_chain_is_collapsed():
    a = torch.tensor(1.0, requires_grad=True)
    c = a
    for _ in range(100_000):
        c = c * 1.0
    view = torch.draw_graph(c, max_nodes=50, engine="python")
    assert len(view.graph.nodes) <= 50
    assert any("more" in (n.label or "") for n in view.graph.nodes if n.kind == "collapsed")
    ET.fromstring(view.svg())


def test_import_autogradviz_does_not_load_the_visual_layer():
    import subprocess
    code = ("import sys, autogradviz as t; x = t.ones(2, requires_grad=True); (x * x).sum().backward(); "
            "t.graph.trace((x*x).sum()); "
            "print(sorted(m for m in ('ipywidgets', 'matplotlib', 'graphviz', 'grandalf') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_model_parameters_are_named_by_their_module_path():
    from autogradviz import nn
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    loss = net(torch.ones(4, 2)).pow(2).mean()
    names = {n.name for n in trace(loss).nodes if n.kind == "leaf"}
    assert names == {"net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"}


def test_the_visual_layer_reads_graphs_through_the_public_node_api():
    """graph/, widgets/ and magic.py never touch the engine's private fields."""
    import re
    from pathlib import Path
    root = Path(torch.__file__).parent
    private = re.compile(r"\._(fns|saved|constants|out|seq|params|versions|freed|grad|data|grad_fn|requires_grad)\b")
    files = [*sorted((root / "graph").glob("*.py")), *sorted((root / "widgets").glob("*.py")), root / "magic.py"]
    found = [f"{f.name}:{i}: {line.strip()}" for f in files
             for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1) if private.search(line)]
    assert not found, "\n".join(found)


def test_each_output_of_a_split_keeps_its_own_name_and_value():
    x = torch.arange(6.0, requires_grad=True)
    a, b, c = x.split(2)
    y = (a * b).sum()
    assert c.requires_grad   # c is named but unused
    g = trace(y)
    pieces = next(n for n in g.nodes if n.op == "SplitBackward0")
    assert pieces.title == "a, b, c = split(x)" and pieces.output_labels == ["a", "b", "c"]
    assert pieces.output_values == ["[0., 1.]", "[2., 3.]", "[4., 5.]"]
    product = next(n for n in g.nodes if n.op == "MulBackward0")
    into = sorted((e.position, g.input_label(e), g.input_value(e)) for e in g.edges if e.dst == product.id)
    assert into == [(0, "a", "[0., 1.]"), (1, "b", "[2., 3.]")]
    assert product.title == "a × b"


def test_unnamed_outputs_are_numbered_after_their_op():
    x = torch.arange(6.0, requires_grad=True)
    y = (x.split(2)[1] * 3).sum()
    g = trace(y)
    product = next(n for n in g.nodes if n.op == "MulBackward0")
    assert product.title == "split[1] × 3"
    assert next(n for n in g.nodes if n.op == "SplitBackward0").output_labels == ["split[0]", "split[1]"]
