"""Real PyTorch graphs drawn like the package's own: the programs of torch_programs.py run under
both engines give the same picture (node kinds, grad_fn names, variable names, shapes, dtypes,
edges, values within 1e-6); and a torch picture names, cuts, collapses and lays out the same way.

Runs where PyTorch is installed (always in CI: ./dev installs its CPU wheel).
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from torch_programs import PROGRAMS
from torch_support import need_torch
from twin_support import close, names, run, shape_of_picture, values

import autogradviz as agv
from autogradviz.graph import trace
from autogradviz.graph.collapse import collapse
from autogradviz.render.layout import layout

torch = need_torch()


def _pictures(name):
    ours, theirs = run(name, agv), run(name, torch)
    return (trace(ours["out"], ids=names(ours)), trace(theirs["out"], ids=names(theirs)))


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_same_program_same_picture(name):
    ours, theirs = _pictures(name)
    a, b = shape_of_picture(ours), shape_of_picture(theirs)
    assert b["nodes"] == a["nodes"]
    assert b["edges"] == a["edges"]
    assert b["cuts"] == a["cuts"]
    # PyTorch keeps a constant only when backward reads it (x * c keeps c, x + c does not):
    # every constant it draws is one we draw too.
    assert set(b["reads"]) <= set(a["reads"])
    compared = 0
    for k, (va, vb) in enumerate(zip(values(ours), values(theirs))):
        if va is not None and vb is not None:
            assert close(va, vb), (k, a["nodes"][k], va, vb)
            compared += 1
    # every leaf, every named result and the output have their values under PyTorch too
    kept = [k for k, n in enumerate(b["nodes"]) if n[0] in ("leaf", "output") or n[2] is not None]
    assert all(values(theirs)[k] is not None for k in kept)
    assert compared >= len(kept)


def test_constants_pytorch_does_not_keep_are_the_ones_its_backward_never_reads():
    ours, theirs = _pictures("mlp_sequential")
    missing = set(shape_of_picture(ours)["reads"]) - set(shape_of_picture(theirs)["reads"])
    assert [(name, shape) for _, _, name, shape in missing] == [("target", (5, 2))]   # in net(X) − target
    sub = next(n for n in theirs.nodes if n.op == "SubBackward0")
    assert sub.title == "addmm − const"
    X = next(n for n in theirs.nodes if n.name == "X")   # addmm keeps its mat1: X is drawn
    assert X.kind == "constant" and X.shape == (5, 3)


def test_torch_picture_has_the_students_names_and_formulas():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    g = trace(y)
    out = g.outputs[0]
    assert (out.label, out.op, out.value, out.title) == ("y", "MulBackward0", "28.", "y = dot × 2")
    dot = next(n for n in g.nodes if n.op == "DotBackward0")
    assert (dot.title, dot.formula) == ("dot(x, x)", "∂dot(x, x)/∂x = x\n∂dot(x, x)/∂x = x")
    leaf = next(n for n in g.nodes if n.kind == "leaf")
    assert (leaf.label, leaf.value, leaf.grad) == ("x", "[0., 1., 2., 3.]", None)
    y.backward()
    assert next(n for n in trace(y).nodes if n.kind == "leaf").grad == "[ 0., 4., 8., 12.]"


def test_module_parameters_are_named_by_their_path():
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    loss = net(torch.ones(2, 3)).sum()
    g = trace(loss)
    leaves = sorted(n.label for n in g.nodes if n.kind == "leaf")
    assert leaves == ["net.0.bias", "net.0.weight", "net.2.bias", "net.2.weight"]
    assert any(n.title == "relu @ net.2.weightᵀ + net.2.bias" for n in g.nodes)


def test_scalars_inside_ops_read_as_numbers():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    g = trace((x * 3 + x ** 2).sum())
    titles = {n.op: n.title for n in g.nodes if n.kind != "leaf"}
    assert titles["MulBackward0"] == "x × 3" and titles["PowBackward0"] == "x ^ 2"
    assert not any(n.kind == "constant" for n in g.nodes)


def test_an_op_without_an_entry_in_the_op_table_is_written_generically():
    x = torch.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    y = torch.nn.functional.layer_norm(x, (3,)).logcumsumexp(1).sum()   # no LogcumsumexpBackward0 entry
    node = next(n for n in trace(y).nodes if n.op == "LogcumsumexpBackward0")
    assert node.title == "logcumsumexp(native_layer_norm)" or node.title.startswith("logcumsumexp(")
    assert node.formula == "PyTorch's LogcumsumexpBackward0 (its formula is not in autogradviz's op table)"


def test_a_custom_function_reads_as_its_apply():
    ns = run("custom_square", torch)
    node = next(n for n in trace(ns["out"], ids=names(ns)).nodes if n.op == "SquareBackward")
    assert (node.title, node.formula) == ("s = Square.apply(x)", "custom rule: Square.backward")


def test_big_torch_graphs_collapse_and_both_layouts_draw_them(engine):
    x = torch.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(200):
        y = y * 1.01
    g = collapse(trace(y), 20)
    assert len(g.nodes) <= 20 and any(n.kind == "collapsed" for n in g.nodes)
    drawn = layout(g, engine=engine)
    assert drawn.width > 0 and len(drawn.nodes) == len(g.nodes)


def test_draw_graph_takes_torch_tensors_and_refuses_mixed_engines():
    x = torch.arange(3.0, requires_grad=True)
    view = agv.draw_graph((x * x).sum())
    assert "SumBackward0" in view._repr_mimebundle_()["text/html"]
    with pytest.raises(TypeError, match="one engine"):
        trace((x * x).sum(), agv.ones(2, requires_grad=True).sum())


def test_tracing_leaves_the_torch_graph_and_grads_as_they_were():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    trace(y)
    assert x.grad is None and x.requires_grad and x._backward_hooks is None
    y.backward()
    assert np.allclose(x.grad.numpy(), (np.exp([1.0, 2.0]) * np.array([2.0, 3.0])))


def test_autogradviz_never_imports_torch_by_itself():
    code = ("import autogradviz as t, sys\n"
            "x = t.arange(3.0, requires_grad=True)\n"
            "t.draw_graph((x * x).sum()); t.step_backward((x * x).sum())\n"
            "from autogradviz.graph.trace import require_tensors\n"
            "try:\n    require_tensors((3,), 'draw_graph')\nexcept TypeError:\n    pass\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
