"""leaky_relu and elu past the first derivative, and their in-place forms (``F.leaky_relu_``,
``F.elu_``, ``inplace=True``): the gradient taken with create_graph stays in the graph
(LeakyReluBackwardBackward0, EluBackwardBackward0), second and third derivatives match finite
differences and PyTorch, and the in-place forms record PyTorch's nodes (…Backward1, which keep the
result) with its version-counter checks and errors."""
from __future__ import annotations

import numpy as np
import pytest
from torch_support import need_torch

import autogradviz as torch
import autogradviz.nn.functional as F
from autogradviz.autograd import gradcheck, gradgradcheck

X = np.array([-1.5, -0.4, 0.3, 1.2, -2.0, 0.8])


def leaf(lib, values=X):
    return lib.tensor(values, dtype=lib.float64, requires_grad=True)


# Each activation as autogradviz and PyTorch spell it: (name, call on (library, tensor))
ACTIVATIONS = {
    "leaky_relu": lambda lib, x: lib.nn.functional.leaky_relu(x, 0.2),
    "elu": lambda lib, x: lib.nn.functional.elu(x, alpha=0.7),
    "leaky_relu_": lambda lib, x: lib.nn.functional.leaky_relu_(x * 1, 0.2),
    "elu_": lambda lib, x: lib.nn.functional.elu_(x * 1, alpha=0.7),
    "leaky_relu_inplace": lambda lib, x: lib.nn.LeakyReLU(0.2, inplace=True)(x * 1),
    "elu_inplace": lambda lib, x: lib.nn.ELU(0.7, inplace=True)(x * 1),
}
WEIGHTS = np.array([0.5, -1.0, 2.0, 1.5, -0.3, 0.7])


def derivatives(lib, name):
    """First, second and third derivatives of Σ w·f(x), each taken with create_graph, and the
    grad_fn of the first."""
    x = leaf(lib)
    y = ACTIVATIONS[name](lib, x)
    (g1,) = lib.autograd.grad((y * lib.tensor(WEIGHTS)).sum(), x, create_graph=True)
    (g2,) = lib.autograd.grad((g1 * lib.tensor(WEIGHTS)).sum(), x, create_graph=True)
    g3 = lib.autograd.grad(g2.sum(), x, allow_unused=True)[0] if g2.requires_grad else None
    return g1, g2, g3


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_the_gradient_taken_with_create_graph_is_in_the_graph_with_pytorchs_node(name):
    x = leaf(torch)
    (g,) = torch.autograd.grad(ACTIVATIONS[name](torch, x).sum(), x, create_graph=True)
    assert g.requires_grad
    expected = "LeakyReluBackwardBackward0" if name.startswith("leaky") else "EluBackwardBackward0"
    assert type(g.grad_fn).__name__ == (expected if name in ("leaky_relu", "elu") else "MulBackward0")


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_second_derivatives_pass_gradgradcheck(name):
    x = leaf(torch)
    assert gradcheck(lambda t: ACTIVATIONS[name](torch, t), (x,))
    assert gradgradcheck(lambda t: ACTIVATIONS[name](torch, t), (x,))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_first_second_and_third_derivatives_equal_pytorchs(name):
    pt = need_torch(module_level=False)
    ours, theirs = derivatives(torch, name), derivatives(pt, name)
    for order, (a, b) in enumerate(zip(ours, theirs), start=1):
        assert (a is None) == (b is None), order
        if a is not None:
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-15,
                                       err_msg=f"{name}, order {order}")
    assert ours[1].requires_grad == theirs[1].requires_grad


def test_elu_second_derivative_is_alpha_exp_x_below_zero():
    x = leaf(torch)
    (g,) = torch.autograd.grad(F.elu(x, 0.7).sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), np.where(X > 0, 0.0, 0.7 * np.exp(X)), rtol=1e-14)


# --- in place ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("fn", "node"), [(lambda t: F.elu_(t), "EluBackward1"),
                                          (lambda t: F.leaky_relu_(t, 0.1), "LeakyReluBackward1"),
                                          (lambda t: F.elu(t, inplace=True), "EluBackward1"),
                                          (lambda t: F.leaky_relu(t, 0.1, inplace=True), "LeakyReluBackward1"),
                                          (lambda t: torch.nn.ELU(inplace=True)(t), "EluBackward1"),
                                          (lambda t: torch.nn.LeakyReLU(0.1, True)(t), "LeakyReluBackward1")])
def test_in_place_forms_write_into_the_input_and_move_its_version_once(fn, node):
    x = leaf(torch)
    y = x.clone()
    before = y._version
    out = fn(y)
    assert out is y and y._version == before + 1
    assert type(y.grad_fn).__name__ == node
    y.sum().backward()
    slope = np.where(X > 0, 1.0, np.exp(X) if "Elu" in node else 0.1)
    np.testing.assert_allclose(x.grad.numpy(), slope, rtol=1e-12)


@pytest.mark.parametrize("fn", [F.elu_, lambda t: F.leaky_relu_(t, 0.1)])
def test_changing_the_result_after_the_in_place_activation_is_caught_at_backward(fn):
    y = leaf(torch).clone()
    fn(y)
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("fn", [F.elu_, F.leaky_relu_])
def test_in_place_activation_of_a_leaf_that_requires_grad_is_refused(fn):
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        fn(leaf(torch))


def test_in_place_forms_with_a_negative_slope_refuse_their_backward_as_pytorch():
    for fn, what in ((lambda t: F.leaky_relu_(t, -0.1), "leakyReLu"), (lambda t: F.elu_(t, alpha=-0.5), "elu")):
        y = leaf(torch).clone()
        fn(y)   # the forward runs; its backward cannot tell the input from the result
        with pytest.raises(RuntimeError, match=f"In-place {what} backward calculation is triggered with a negative"):
            y.sum().backward()


def test_in_place_forms_under_no_grad_and_on_integers():
    with torch.no_grad():
        a = torch.tensor([-1.0, 2.0])
        F.elu_(a)
        F.leaky_relu_(a, 0.5)
    np.testing.assert_allclose(a.numpy(), [0.5 * (np.exp(-1.0) - 1), 2.0], rtol=1e-6)
    assert a._version == 2
    with pytest.raises(NotImplementedError, match="\"elu_cpu\" not implemented for 'Long'"):
        F.elu_(torch.tensor([1, 2]))


def test_in_place_forms_match_pytorch():
    pt = need_torch(module_level=False)
    for name in ("elu_", "leaky_relu_"):
        results = []
        for lib in (torch, pt):
            x = leaf(lib)
            y = x * 1
            getattr(lib.nn.functional, name)(y)
            (y * lib.tensor(WEIGHTS)).sum().backward()
            results.append((y.detach().numpy(), x.grad.numpy(), type(y.grad_fn).__name__, y._version))
        (ours_y, ours_g, ours_node, ours_v), (pt_y, pt_g, pt_node, pt_v) = results
        np.testing.assert_allclose(ours_y, pt_y, rtol=1e-14)
        np.testing.assert_allclose(ours_g, pt_g, rtol=1e-14)
        assert (ours_node, ours_v) == (pt_node, pt_v)
    assert repr(torch.nn.ELU(inplace=True)) == repr(pt.nn.ELU(inplace=True))
    assert repr(torch.nn.LeakyReLU(0.1, inplace=True)) == repr(pt.nn.LeakyReLU(0.1, inplace=True))
