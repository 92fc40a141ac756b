"""Autograd semantics as PyTorch defines them: accumulation, graph freeing, grad modes,
autograd.grad and the graph's structure."""
from __future__ import annotations

import threading

import pytest
from engine_support import leaf

import autogradviz as torch
from autogradviz.autograd.node import SECOND_BACKWARD


# ---------------------------------------------------------------------------------------------
# backward: accumulation, implicit gradients, freeing, retain_graph
# ---------------------------------------------------------------------------------------------
def test_grad_accumulates_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    x.grad.zero_()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    x.grad = None
    (x * 4).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_accumulated_grad_keeps_its_identity_and_dtype():
    x = leaf([1.0, 2.0], torch.float64)
    (x * 2).sum().backward()
    g = x.grad
    (x * 2).sum().backward()
    assert x.grad is g and g.dtype is torch.float64 and g.tolist() == [4.0, 4.0]
    assert g.requires_grad is False and g.grad_fn is None


def test_gradients_never_share_memory():
    """Two leaves fed by one node, a gradient passed in by the caller, a retained gradient: each
    .grad is its own array, writable, and later in-place changes of one leave the others alone."""
    x, y = leaf([1.0, 1.0]), leaf([1.0, 1.0])
    (x + y).sum().backward()
    x.grad.add_(10)
    assert y.grad.tolist() == [1.0, 1.0]
    (x + y).sum().backward()
    assert x.grad.tolist() == [12.0, 12.0] and y.grad.tolist() == [2.0, 2.0]
    g = torch.tensor([1.0, 2.0])
    z = leaf([0.0, 0.0])
    z.backward(g)
    (z * 1).backward(g)
    g.add_(100)
    assert z.grad.tolist() == [2.0, 4.0]
    w = leaf([[1.0, 2.0], [3.0, 4.0]])
    w.sum().backward()  # the rule broadcasts the gradient: .grad must still be writable
    w.grad.mul_(3)
    w.grad.zero_()
    assert w.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    a = leaf([1.0, 2.0])
    b = a * 1
    b.retain_grad()
    b.sum().backward()
    a.grad.add_(5)
    assert b.grad.tolist() == [1.0, 1.0]


def test_non_scalar_backward_needs_a_gradient():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()


def test_backward_with_explicit_gradient_for_a_non_scalar():
    x = leaf([1.0, 2.0])
    (x * x).backward(torch.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 40.0]


def test_one_element_non_scalar_backward_is_allowed():
    x = leaf([3.0])
    (x * x).backward()
    assert x.grad.tolist() == [6.0]


def test_second_backward_through_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


@pytest.mark.parametrize("make", [
    lambda x: x.exp().sum(), lambda x: x.sigmoid().sum(), lambda x: x.tanh().mean(),
    lambda x: x.sqrt().sum(), lambda x: x.softmax(0)[0], lambda x: (1 / x).sum(),
], ids=["exp", "sigmoid", "tanh", "sqrt", "softmax", "reciprocal"])
def test_ops_that_save_only_their_output_are_freed_too(make):
    x = leaf([1.0, 2.0])
    y = make(x)
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_freed_graph_error_for_large_outputs_is_the_pytorch_error():
    x = torch.rand(1000, requires_grad=True)
    y = x.exp().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_graph_without_saved_tensors_can_be_walked_twice():
    x = leaf([1.0, 2.0])
    y = (x + 1 - 3).sum()    # add, sub and sum save nothing (x * 2 would save the 2)
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]
    z = (x * 2).sum()
    z.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        z.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_saved_tensors_are_freed_by_backward_unless_retain_graph():
    x = leaf([1.0, 2.0])
    y = x * x
    assert len(y.grad_fn.saved_tensors) == 2
    y.sum().backward(retain_graph=True)
    assert [t is x for t in y.grad_fn.saved_tensors] == [True, True]
    y.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        _ = y.grad_fn.saved_tensors


def test_autograd_grad_frees_the_graph_too():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    torch.autograd.grad(y, x)
    with pytest.raises(RuntimeError) as info:
        torch.autograd.grad(y, x)
    assert str(info.value) == SECOND_BACKWARD


def test_backward_with_inputs_only_fills_those():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None and w.grad.tolist() == [1.0, 2.0]


def test_backward_on_a_leaf_itself():
    x = leaf([1.0, 2.0])
    x.backward(torch.tensor([3.0, 4.0]))
    assert x.grad.tolist() == [3.0, 4.0]


def test_deep_chain_does_not_recurse():
    x = leaf([1.0])
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.sum().backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 5000, rel=1e-4)


# ---------------------------------------------------------------------------------------------
# Grad mode
# ---------------------------------------------------------------------------------------------
def test_no_grad_context():
    x = leaf([1.0])
    with torch.no_grad():
        assert not torch.is_grad_enabled()
        y = x * 2
        with torch.enable_grad():
            z = x * 2
        w = x * 2
    assert torch.is_grad_enabled()
    assert not y.requires_grad and z.requires_grad and not w.requires_grad


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(ValueError), torch.no_grad():
        raise ValueError("boom")
    assert torch.is_grad_enabled()


def test_no_grad_decorator_with_parentheses():
    x = leaf([1.0])

    @torch.no_grad()
    def f(t):
        assert not torch.is_grad_enabled()
        return t * 2

    assert not f(x).requires_grad and torch.is_grad_enabled()
    assert f.__name__ == "f"


def test_no_grad_decorator_without_parentheses():
    x = leaf([1.0])

    @torch.no_grad
    def f(t):
        assert not torch.is_grad_enabled()
        return t * 2

    assert not f(x).requires_grad and torch.is_grad_enabled()
    assert f.__name__ == "f"


def test_enable_grad_decorator_inside_no_grad():
    x = leaf([1.0])

    @torch.enable_grad()
    def f(t):
        return t * 2

    with torch.no_grad():
        y = f(x)
        assert not torch.is_grad_enabled()
    assert y.requires_grad


def test_set_grad_enabled_as_context_function_and_decorator():
    x = leaf([1.0])
    with torch.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    try:
        assert not torch.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        torch.set_grad_enabled(True)
    assert (x * 2).requires_grad

    @torch.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert torch.is_grad_enabled()  # decorating does not switch the mode
    assert not f(x).requires_grad and torch.is_grad_enabled()


def test_autograd_namespace_has_the_grad_modes():
    assert torch.autograd.no_grad is torch.no_grad
    with torch.autograd.no_grad():
        assert not torch.autograd.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = {}
    inside = threading.Event()
    release = threading.Event()

    def worker():
        seen["start"] = torch.is_grad_enabled()
        with torch.no_grad():
            seen["worker_no_grad"] = torch.is_grad_enabled()
            inside.set()
            release.wait(5)
        seen["end"] = torch.is_grad_enabled()

    with torch.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        inside.wait(5)
        seen["main_while_worker_no_grad"] = torch.is_grad_enabled()
    seen["main_after"] = torch.is_grad_enabled()
    release.set()
    t.join(5)
    assert seen == {"start": True, "worker_no_grad": False, "main_while_worker_no_grad": False,
                    "main_after": True, "end": True}


def test_thread_sees_its_own_mode_when_main_has_grad():
    result = []

    def worker():
        with torch.no_grad():
            result.append((torch.ones(1, requires_grad=True) * 2).requires_grad)

    t = threading.Thread(target=worker)
    t.start()
    t.join(5)
    assert result == [False] and torch.is_grad_enabled()


# ---------------------------------------------------------------------------------------------
# autograd.grad
# ---------------------------------------------------------------------------------------------
def test_autograd_grad_returns_a_tuple_and_leaves_grad_alone():
    x = leaf([1.0, 2.0])
    (g,) = torch.autograd.grad((x * x).sum(), x)
    assert g.tolist() == [2.0, 4.0] and x.grad is None and not g.requires_grad


def test_autograd_grad_with_grad_outputs():
    x = leaf([1.0, 2.0])
    (g,) = torch.autograd.grad(x * x, x, grad_outputs=torch.tensor([1.0, 3.0]))
    assert g.tolist() == [2.0, 12.0]
    x2 = leaf([1.0, 2.0])
    (g2,) = torch.autograd.grad([x2 * x2], [x2], grad_outputs=[torch.tensor([1.0, 3.0])])
    assert g2.tolist() == [2.0, 12.0]


def test_autograd_grad_of_several_outputs_sums():
    x = leaf([1.0, 2.0])
    y = x * x
    (g,) = torch.autograd.grad([y.sum(), (y * 2).sum()], x)
    assert g.tolist() == [6.0, 12.0]


def test_autograd_grad_for_several_inputs_and_a_non_leaf():
    x = leaf([1.0, 2.0])
    h = x * 3
    out = (h * h).sum()
    gx, gh = torch.autograd.grad(out, [x, h])
    assert gx.tolist() == [18.0, 36.0] and gh.tolist() == [6.0, 12.0]


def test_autograd_grad_unused_input_raises_or_gives_none():
    x, z = leaf([1.0]), leaf([2.0])
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="The differentiated Tensor at index 1 appears to not have been used in the graph. "
                                           "Set allow_unused=True if this is the desired behavior."):
        torch.autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = torch.autograd.grad(y, [x, z], allow_unused=True, retain_graph=True)
    assert gx.tolist() == [2.0] and gz is None
    gx, gz = torch.autograd.grad(y, [x, z], allow_unused=True, materialize_grads=True)
    assert gz.tolist() == [0.0]


def test_autograd_grad_input_must_require_grad():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="One of the differentiated Tensors does not require grad"):
        torch.autograd.grad((x * 2).sum(), [x, torch.ones(1)])


def test_autograd_grad_create_graph_to_third_order():
    x = leaf(2.0, torch.float64)
    y = x ** 4
    (g1,) = torch.autograd.grad(y, x, create_graph=True)
    (g2,) = torch.autograd.grad(g1, x, create_graph=True)
    (g3,) = torch.autograd.grad(g2, x, create_graph=True)
    (g4,) = torch.autograd.grad(g3, x)
    assert [g1.item(), g2.item(), g3.item(), g4.item()] == [32.0, 48.0, 48.0, 24.0]
    assert g1.requires_grad and g2.requires_grad and g3.requires_grad and not g4.requires_grad


def test_create_graph_without_retain_graph_keeps_the_graph():
    x = leaf(3.0)
    y = x * x * x
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    (g_again,) = torch.autograd.grad(y, x)  # retain_graph defaults to create_graph
    assert g.item() == g_again.item() == 27.0


def test_backward_create_graph_then_differentiate_grad():
    x = leaf(3.0)
    (x ** 3).backward(create_graph=True)
    assert x.grad.item() == 27.0 and x.grad.requires_grad
    (g2,) = torch.autograd.grad(x.grad, x)
    assert g2.item() == 18.0


def test_mixed_partials():
    x, y = leaf(2.0), leaf(3.0)
    f = x * x * y
    (fx,) = torch.autograd.grad(f, x, create_graph=True)
    (fxy,) = torch.autograd.grad(fx, y)
    assert fx.item() == 12.0 and fxy.item() == 4.0


# ---------------------------------------------------------------------------------------------
# Graph structure
# ---------------------------------------------------------------------------------------------
def test_next_functions_end_in_accumulate_grad_with_variable():
    x = leaf([1.0, 2.0])
    w = leaf([3.0, 4.0])
    y = (x * w + 1).sum()
    assert y.grad_fn.name() == "SumBackward0" and type(y.grad_fn).__name__ == "SumBackward0"
    ((add, n0),) = y.grad_fn.next_functions
    assert n0 == 0 and add.name() == "AddBackward0"
    (mul, i0), (none, i1) = add.next_functions
    assert mul.name() == "MulBackward0" and none is None and (i0, i1) == (0, 0)
    (ax, _), (aw, _) = mul.next_functions
    assert type(ax).__name__ == "AccumulateGrad" == type(aw).__name__
    assert ax.variable is x and aw.variable is w
    assert ax.next_functions == ()


def test_the_same_leaf_has_one_accumulate_grad_node():
    x = leaf([1.0])
    y = x * x
    (a, _), (b, _) = y.grad_fn.next_functions
    assert a is b
    assert (x + 1).grad_fn.next_functions[0][0] is a


def test_grad_fn_repr_and_constants():
    x = leaf([1.0])
    y = x * 2
    assert repr(y.grad_fn).startswith("<MulBackward0 object at 0x")
    assert y.grad_fn.next_functions[1] == (None, 0)
    assert repr(y.grad_fn.next_functions[0][0]).startswith("<AccumulateGrad object at 0x")


def test_leaves_and_requires_grad_propagation():
    a = torch.ones(2)
    b = leaf([1.0, 1.0])
    assert a.is_leaf and b.is_leaf and (a * 2).is_leaf and not (b * 2).is_leaf
    assert not (a * 2).requires_grad and (a * b).requires_grad
    assert (a * 2).grad_fn is None


def test_requires_grad_only_for_floating_dtypes():
    with pytest.raises(RuntimeError, match="^only Tensors of floating point dtype can require gradients$"):
        torch.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require gradients"):
        torch.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        torch.zeros(2, dtype=torch.bool).requires_grad = True
    assert torch.zeros(2, dtype=torch.int64).requires_grad_(False).requires_grad is False
    assert torch.tensor([1.0], dtype=torch.float64).requires_grad_().requires_grad


def test_requires_grad_setter_on_non_leaf():
    y = leaf([1.0]) * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables. If you want"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match=r"^you can only change requires_grad flags of leaf variables\.$"):
        y.requires_grad_(True)



_SILENT_SCRIPT = """
import warnings
import numpy as np
import autogradviz as torch
with warnings.catch_warnings(record=True) as caught:  # keeps the filters in force, records the rest
    assert torch.tensor([0.0]).log().tolist() == [float("-inf")]
    assert (torch.tensor([1.0]) / 0).tolist() == [float("inf")]
    assert np.isnan(torch.tensor([-1.0]).sqrt().item())
    x = torch.tensor([0.0, -1.0], requires_grad=True)
    (x.log() + x.sqrt() + 1 / x).sum().backward()
print([str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)])
"""


def test_no_numpy_warnings_for_inf_and_nan_results():
    """PyTorch is silent about inf and nan results; so are the ops and their backward rules. Run in
    a fresh interpreter, as a user's session imports autogradviz (pytest's own warning capture
    drops filters that a module installs while it is being collected)."""
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-c", _SILENT_SCRIPT], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
