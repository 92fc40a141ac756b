"""The stepper on real PyTorch: steps recorded from PyTorch's own backward pass (node hooks on a
run of autograd.grad) agree with the package's engine on every program of torch_programs.py
(order, arriving and sent gradients, leaf gradients), end at PyTorch's .backward() results, and
leave the user's tensors as they were.

Runs where PyTorch is installed (always in CI: ./dev installs its CPU wheel).
"""
from __future__ import annotations

import numpy as np
import pytest
from torch_programs import PROGRAMS
from torch_support import need_torch
from twin_support import close, names, run

import autogradviz as agv
from autogradviz.widgets.stepper import step_backward
from autogradviz.widgets.walk import BackwardWalk

torch = need_torch()


def _walk(name, lib):
    scope = run(name, lib)
    walk = BackwardWalk(scope["out"], scope.get("gradient"), ids=names(scope))
    return scope, walk


def _picture_order(walk) -> dict:
    """picture node id -> its place among the gradient-carrying nodes (same on both engines)."""
    carrying = [n.id for n in walk.graph.nodes if n.kind != "constant"]
    return {nid: k for k, nid in enumerate(carrying)}


def _record(walk) -> list:
    order = _picture_order(walk)
    return [(order[walk.node_id(s.node)], s.node.name()) for s in walk.steps]


def _same_grads(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return close(a, b)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_same_program_same_steps(name):
    _, ours = _walk(name, agv)
    _, theirs = _walk(name, torch)
    assert _record(theirs) == _record(ours)   # the same nodes in the same order
    for a, b in zip(ours.steps, theirs.steps):
        assert _same_grads(a.grad_output, b.grad_output), (b.node, a.grad_output, b.grad_output)
        assert len(a.grad_inputs) == len(b.grad_inputs)
        for ga, gb in zip(a.grad_inputs, b.grad_inputs):
            assert _same_grads(ga, gb), (b.node, ga, gb)
        assert _same_grads(a.grad_after, b.grad_after) and _same_grads(a.grad_before, b.grad_before)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_torch_steps_end_at_what_backward_gives_and_touch_nothing(name):
    scope = run(name, torch)
    tensors = [t for t in scope.values() if isinstance(t, torch.Tensor)]
    tensors += [p for m in scope.values() if isinstance(m, torch.nn.Module) for p in m.parameters()]
    tensors = [t for t in tensors if t.is_leaf or t.retains_grad]   # the ones that have a .grad
    before = [(t, t.grad, None if t.grad is None else t.grad.clone(), t.requires_grad, t._backward_hooks)
              for t in tensors]
    walk = BackwardWalk(scope["out"], scope.get("gradient"), ids=names(scope))
    for t, grad, value, requires_grad, hooks in before:   # stepping changed nothing
        assert t.grad is grad and t.requires_grad == requires_grad and t._backward_hooks is hooks
        assert value is None or torch.equal(t.grad, value)
    final = walk.final_grads()
    had = {id(t): value for t, _, value, _, _ in before}
    scope["out"].backward(scope.get("gradient"))
    assert final
    for leaf, grad in final.items():
        assert close(grad, leaf.grad.numpy())
        assert had.get(id(leaf)) is None or not close(grad, had[id(leaf)].numpy())


def test_the_explanation_reads_pytorchs_own_numbers():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    walk = BackwardWalk(y)
    texts = [walk.goto(k).text for k in range(walk.total + 1)]
    assert texts[0] == "Ready: 3 steps. Backward starts at y with ∂L/∂y = 1. (L is y itself)"
    assert "∂(dot × 2)/∂dot = 2  →  dot receives 1. × 2 = 2." in texts[1]
    assert texts[3].splitlines()[-1] == "x.grad: none yet → [ 0., 4., 8., 12.]"


def test_a_custom_function_and_an_op_without_a_formula_step_with_a_generic_rule():
    x = torch.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    y = x.logcumsumexp(1).sum()
    walk = BackwardWalk(y)
    text = walk.goto(2).text
    assert "PyTorch's LogcumsumexpBackward0 (its formula is not in autogradviz's op table)  →  x receives" in text
    _, walk = _walk("custom_square", torch)
    text = next(walk.goto(k).text for k in range(1, walk.total + 1) if walk.steps[k - 1].node.name() == "SquareBackward")
    assert "Square.backward (your custom rule)  →  x receives [ 2., 4., -1.]" in text


def test_apply_writes_what_backward_would_and_only_at_the_end():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    x.grad = torch.tensor([10.0, 10.0])
    held = x.grad
    stepper = step_backward((x * x).sum(), apply=True)
    stepper.goto(stepper.walk.total - 1)
    assert x.grad.tolist() == [10.0, 10.0]
    stepper.goto(stepper.walk.total)
    assert x.grad.tolist() == [12.0, 14.0] and x.grad is held   # added in place, as backward() does


def test_a_graph_backward_freed_is_refused_in_the_students_terms():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"y.backward\(\) has already run and freed the graph"):
        BackwardWalk(y)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        BackwardWalk(x * 2)


def test_user_hooks_still_run_and_are_kept():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    walk = BackwardWalk((x * 3).sum())
    assert seen == [[3.0, 3.0]] and len(x._backward_hooks) == 1
    assert np.array_equal(walk.steps[-1].grad_after, [3.0, 3.0])
