"""Tensor hooks and retain_grad, under backward() and autograd.grad(), as PyTorch."""
from __future__ import annotations

import warnings

import pytest
from engine_support import leaf

import autogradviz as torch


# ---------------------------------------------------------------------------------------------
# Hooks and retain_grad
# ---------------------------------------------------------------------------------------------
def test_hook_on_a_leaf_sees_and_replaces_the_gradient():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]] and x.grad.tolist() == [30.0, 30.0]


def test_hooks_on_a_leaf_run_in_order():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 2)
    x.register_hook(lambda g: g + 1)
    (x * 1).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_hook_on_a_non_leaf_changes_what_flows_on():
    x = leaf([1.0, 2.0])
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.clone()))
    y.register_hook(lambda g: g * 2)
    (y * y).sum().backward()
    assert seen[0].tolist() == [6.0, 12.0]
    assert x.grad.tolist() == [36.0, 72.0]


def test_hook_handle_removes_the_hook():
    x = leaf([1.0, 2.0])
    handle = x.register_hook(lambda g: g * 10)
    handle.remove()
    (x * 1).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    y = x * 1
    h = y.register_hook(lambda g: g * 10)
    h.remove()
    x.grad = None
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_hook_requires_a_tensor_that_requires_grad():
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        torch.ones(2).register_hook(lambda g: g)


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = leaf([1.0, 2.0])
    y = x * 3
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    (y * y).sum().backward()
    assert y.grad.tolist() == [6.0, 12.0] and x.grad.tolist() == [18.0, 36.0]


@pytest.mark.parametrize("retain_first", [True, False])
def test_retained_grad_is_the_gradient_after_the_tensor_hooks(retain_first):
    x = leaf([1.0, 2.0])
    y = x * 3
    if retain_first:
        y.retain_grad()
        y.register_hook(lambda g: g * 2)
    else:
        y.register_hook(lambda g: g * 2)
        y.retain_grad()
    (y * y).sum().backward()
    assert y.grad.tolist() == [12.0, 24.0] and x.grad.tolist() == [36.0, 72.0]


def test_retain_grad_accumulates_over_backward_calls():
    x = leaf([1.0, 2.0])
    y = x * 3
    y.retain_grad()
    z = (y * 2).sum()
    z.backward(retain_graph=True)
    z.backward()
    assert y.grad.tolist() == [4.0, 4.0]


def test_retain_grad_on_leaf_is_a_no_op_and_on_constant_an_error():
    x = leaf([1.0])
    x.retain_grad()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0]
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        torch.ones(2).retain_grad()


def test_non_leaf_grad_access_warns_like_pytorch():
    x = leaf([1.0])
    y = x * 2
    with pytest.warns(UserWarning, match="The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"):
        assert y.grad is None
    y.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad is None  # retained: no warning
        assert x.grad is None  # leaves never warn


def test_assigning_grad_checks_shape_and_dtype():
    x = torch.ones(2)
    x.grad = torch.ones(2)
    assert x.grad.tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match=r"attempting to assign a gradient of size '\[3\]' to a tensor of size '\[2\]'"):
        x.grad = torch.ones(3)
    with pytest.raises(RuntimeError, match="attempting to assign a gradient with dtype 'double'"):
        x.grad = torch.ones(2, dtype=torch.float64)
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None"):
        x.grad = 3


def test_leaf_hooks_run_under_autograd_grad():
    """Row 3 of #21."""
    a = leaf([1.0, 2.0])
    a.register_hook(lambda g: g * 10)
    (g,) = torch.autograd.grad((a * a).sum(), a)
    assert g.tolist() == [20.0, 40.0] and a.grad is None


@pytest.mark.parametrize("on_leaf", [True, False])
def test_a_hook_that_changes_the_size_or_dtype_raises(on_leaf):
    """Row 6 of #21: PyTorch's messages, for leaves and non-leaves."""
    a = leaf([1.0, 2.0])
    t = a if on_leaf else a * 2
    handle = t.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match="hook '<lambda>' has changed the size of value"):
        (t * t).sum().backward()
    handle.remove()

    def to_double(g):
        return g.double()
    t = a if on_leaf else a * 2
    t.register_hook(to_double)
    with pytest.raises(RuntimeError, match=r"hook 'to_double' has changed the type of value \(was torch.FloatTensor "
                                           r"got torch.DoubleTensor\)"):
        (t * t).sum().backward()


def test_retained_grad_carries_a_graph_under_create_graph():
    """Row 13 of #21: y.grad under create_graph is a clone in the graph, later ones add."""
    x = leaf([1.0, 2.0])
    y = x * x
    y.retain_grad()
    z = (y * y).sum()
    z.backward(create_graph=True)
    assert y.grad.grad_fn.name() == "CloneBackward0" and y.grad.tolist() == [2.0, 8.0]
    assert x.grad.grad_fn.name() == "CopyBackwards" and x.grad.tolist() == [4.0, 32.0]
    z.backward(create_graph=True)
    assert y.grad.grad_fn.name() == "AddBackward0" and y.grad.tolist() == [4.0, 16.0]
    assert x.grad.grad_fn.name() == "AddBackward0" and x.grad.tolist() == [8.0, 64.0]
    (h,) = torch.autograd.grad(x.grad.sum(), x)   # the accumulated .grad is differentiable
    assert h.tolist() == [24.0, 96.0]             # d/dx of Σ 8x³ (two accumulated 4x³)


def test_retain_grad_is_filled_under_autograd_grad():
    x = leaf([1.0, 2.0])
    y = x * x
    y.retain_grad()
    torch.autograd.grad((y * y).sum(), x, create_graph=True)
    assert y.grad.tolist() == [2.0, 8.0] and y.grad.grad_fn.name() == "CloneBackward0"


def test_hooks_on_outputs_of_a_multi_output_node_see_their_own_gradient():
    x = leaf([1.0, 2.0, 3.0])
    first, second = x.split([1, 2])
    first.register_hook(lambda g: g * 100)
    second.retain_grad()
    (first.sum() + 2 * second.sum()).backward()
    assert x.grad.tolist() == [100.0, 2.0, 2.0] and second.grad.tolist() == [2.0, 2.0]
