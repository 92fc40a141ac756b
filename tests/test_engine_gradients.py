"""Every differentiable op against central finite differences, in float64.

The cases are the rows of ``op_cases.py``; the checker (``gradient_support.py``) is independent of
the engine's own ``autograd.gradcheck``, which is tested separately below. Third derivatives are
compared with closed forms.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from gradient_support import F64, arrays_for, check_grad, check_second, leaves
from op_cases import CASES

import autogradviz as torch
from autogradviz.autograd import GradcheckError, gradcheck, gradgradcheck


@pytest.mark.parametrize("fn, specs, opts, second", CASES)
def test_gradient_matches_finite_differences(fn, specs, opts, second):
    check_grad(fn, *specs, **opts)


# Piecewise-linear ops (relu, clamp, max, ...) are included: their second derivative is 0 almost
# everywhere, and differentiating the recorded gradient must give that 0.
SECOND_ORDER = [c for c in CASES if c.values[3]]


@pytest.mark.parametrize("fn, specs, opts, second", SECOND_ORDER)
def test_second_derivative_matches_finite_differences_of_the_gradient(fn, specs, opts, second):
    check_second(fn, *specs)


# ---------------------------------------------------------------------------------------------
# Exact values where finite differences cannot say enough
# ---------------------------------------------------------------------------------------------
def test_repeated_indices_accumulate():
    x = torch.arange(4.0, requires_grad=True)
    x[[0, 0, 2, 0, 3, 3]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0, 2.0]


def test_repeated_index_tensor_weights_accumulate():
    x = torch.zeros(3, dtype=F64, requires_grad=True)
    y = x[torch.tensor([1, 1, 2])]
    y.backward(torch.tensor([1.0, 10.0, 100.0], dtype=F64))
    assert x.grad.tolist() == [0.0, 11.0, 100.0]


def test_setitem_gradient_for_overwritten_tensor_and_value():
    x = torch.ones(4, dtype=F64, requires_grad=True)
    v = torch.tensor([5.0, 6.0], dtype=F64, requires_grad=True)
    y = x * 2
    y[1:3] = v
    assert type(y.grad_fn).__name__ == "CopySlices"
    (y * torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=F64)).sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 0.0, 8.0]
    assert v.grad.tolist() == [2.0, 3.0]


def test_setitem_advanced_index_is_index_put():
    x = torch.ones(4, dtype=F64, requires_grad=True)
    v = torch.tensor([5.0, 6.0], dtype=F64, requires_grad=True)
    y = x * 2
    y[[3, 0]] = v
    assert type(y.grad_fn).__name__ == "IndexPutBackward0"
    (y * torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=F64)).sum().backward()
    assert x.grad.tolist() == [0.0, 4.0, 6.0, 0.0]
    assert v.grad.tolist() == [4.0, 1.0]


def test_max_all_shares_the_gradient_between_ties():
    x = torch.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0]


def test_max_dim_sends_the_gradient_to_the_returned_index_only():
    x = torch.tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0]] and indices.tolist() == [1]


def test_amax_shares_the_gradient_between_ties():
    x = torch.tensor([[1.0, 2.0, 2.0], [4.0, 7.0, 7.0]], requires_grad=True)
    x.amax(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.0, 0.5, 0.5]]


def test_maximum_splits_ties_evenly():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([1.0, 3.0], requires_grad=True)
    torch.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0] and b.grad.tolist() == [0.5, 1.0]


def test_clamp_tensor_bound_ties_go_to_the_input():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    lo = torch.tensor([2.0, 2.0, 2.0], requires_grad=True)
    x.clamp(min=lo).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0] and lo.grad.tolist() == [1.0, 0.0, 0.0]


def test_clamp_scalar_bounds_pass_the_gradient_at_the_boundary():
    x = torch.tensor([-1.0, 0.0, 0.5, 1.0, 2.0], requires_grad=True)
    x.clamp(0.0, 1.0).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


def test_relu_and_abs_at_zero_have_gradient_zero():
    x = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    (x.relu() + x.abs()).sum().backward()
    assert x.grad.tolist() == [-1.0, 0.0, 2.0]


def test_prod_gradient_with_zeros_is_exact():
    x = torch.tensor([2.0, 0.0, 3.0], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0.0, 6.0, 0.0]
    y = torch.tensor([2.0, 0.0, 0.0], requires_grad=True)
    y.prod().backward()
    assert y.grad.tolist() == [0.0, 0.0, 0.0]


def test_pow_zero_base_and_zero_exponent_give_finite_gradients():
    a = torch.tensor([0.0, 0.0, 2.0], requires_grad=True)
    b = torch.tensor([0.0, 2.0, 0.0], requires_grad=True)
    (a ** b).sum().backward()
    assert a.grad.tolist() == [0.0, 0.0, 0.0]
    assert b.grad.tolist() == [0.0, 0.0, pytest.approx(math.log(2.0))]
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    (x ** 0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    e = torch.tensor([1.0, 2.0], requires_grad=True)
    (0.0 ** e).sum().backward()
    assert e.grad.tolist() == [0.0, 0.0]


def test_norm_and_std_at_zero_have_gradient_zero():
    x = torch.zeros(3, requires_grad=True)
    x.norm().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    y = torch.ones(3, requires_grad=True)
    y.std().backward()
    assert y.grad.tolist() == [0.0, 0.0, 0.0]


def test_stable_softmax_and_sigmoid_gradients_for_large_inputs():
    x = torch.tensor([1000.0, 0.0, -1000.0], dtype=F64, requires_grad=True)
    (x.softmax(0)[0] + x.log_softmax(0)[1] + x.sigmoid().sum() + x.logsumexp(0)).backward()
    # softmax[0]: 0 everywhere (saturated); log_softmax[1]: δ₁ − softmax = [−1, 1, 0];
    # sigmoid: σ(1−σ) = [0, ¼, 0]; logsumexp: softmax = [1, 0, 0]
    assert np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1.25, 0.0], atol=1e-12)


def test_gradient_of_a_float32_input_stays_float32():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x.double() * torch.tensor([3.0, 4.0], dtype=F64)).sum().backward()
    assert x.grad.dtype is torch.float32 and x.grad.tolist() == [3.0, 4.0]


def test_broadcast_gradient_sums_back_to_the_input_shape():
    a = torch.ones(3, 1, requires_grad=True)
    b = torch.ones(4, requires_grad=True)
    (a * b * torch.arange(12.0).view(3, 4)).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.view(-1).tolist() == [6.0, 22.0, 38.0]
    assert b.grad.shape == (4,) and b.grad.tolist() == [12.0, 15.0, 18.0, 21.0]


def test_zero_dim_leaf_broadcast_against_matrix():
    s = torch.tensor(2.0, requires_grad=True)
    (s * torch.ones(2, 3)).sum().backward()
    assert s.grad.shape == () and s.grad.item() == 6.0


# ---------------------------------------------------------------------------------------------
# Higher orders
# ---------------------------------------------------------------------------------------------
def nth_derivatives(f, x0, n):
    x = torch.tensor(x0, dtype=F64, requires_grad=True)
    y = f(x)
    out = []
    for _ in range(n):
        (y,) = torch.autograd.grad(y, x, create_graph=True)
        out.append(y.item())
    return out


@pytest.mark.parametrize("x0", [0.7, 1.9])
def test_third_order_pow(x0):
    d = nth_derivatives(lambda x: x ** 4, x0, 3)
    assert d == pytest.approx([4 * x0 ** 3, 12 * x0 ** 2, 24 * x0], rel=1e-12)
    d = nth_derivatives(lambda x: x ** 2.5, x0, 3)
    assert d == pytest.approx([2.5 * x0 ** 1.5, 3.75 * x0 ** 0.5, 1.875 * x0 ** -0.5], rel=1e-12)
    d = nth_derivatives(lambda x: 3.0 ** x, x0, 3)
    ln3 = math.log(3.0)
    assert d == pytest.approx([3 ** x0 * ln3, 3 ** x0 * ln3 ** 2, 3 ** x0 * ln3 ** 3], rel=1e-12)


def test_third_order_pow_tensor_exponent():
    a = torch.tensor(1.7, dtype=F64, requires_grad=True)
    b = torch.tensor(2.3, dtype=F64, requires_grad=True)
    y = a ** b
    (ga,) = torch.autograd.grad(y, a, create_graph=True)
    (gab,) = torch.autograd.grad(ga, b, create_graph=True)
    (gabb,) = torch.autograd.grad(gab, b)
    # d/da a^b = b a^(b-1); d/db of that = a^(b-1) (1 + b ln a); d/db again = a^(b-1) ln a (2 + b ln a)
    la = math.log(1.7)
    assert gab.item() == pytest.approx(1.7 ** 1.3 * (1 + 2.3 * la), rel=1e-12)
    assert gabb.item() == pytest.approx(1.7 ** 1.3 * la * (2 + 2.3 * la), rel=1e-12)


@pytest.mark.parametrize("x0", [0.3, 2.0])
def test_third_order_sin(x0):
    assert nth_derivatives(torch.sin, x0, 4) == pytest.approx(
        [math.cos(x0), -math.sin(x0), -math.cos(x0), math.sin(x0)], rel=1e-12)


@pytest.mark.parametrize("x0", [-0.5, 1.2])
def test_third_order_exp(x0):
    assert nth_derivatives(lambda x: x.exp() * 2, x0, 3) == pytest.approx([2 * math.exp(x0)] * 3, rel=1e-12)
    e = math.exp(x0)
    assert nth_derivatives(lambda x: x.exp() * x, x0, 3) == pytest.approx(
        [e * (x0 + 1), e * (x0 + 2), e * (x0 + 3)], rel=1e-12)


@pytest.mark.parametrize("f", [
    lambda x: x.tanh(), lambda x: x.sigmoid(), lambda x: x.log(), lambda x: x.sqrt(), lambda x: 1 / x,
    lambda x: x.cos() * x.exp(), lambda x: (x * 3).softmax(0) if x.ndim else x.tan()],
    ids=["tanh", "sigmoid", "log", "sqrt", "reciprocal", "cos_exp", "tan"])
def test_third_derivative_matches_finite_differences_of_the_second(f):
    x0, h = 0.8, 1e-4
    d3 = nth_derivatives(f, x0, 3)[2]
    d2 = lambda x: nth_derivatives(f, x, 2)[1]
    assert d3 == pytest.approx((d2(x0 + h) - d2(x0 - h)) / (2 * h), rel=1e-5, abs=1e-7)


def test_hessian_of_a_quadratic_form():
    A = torch.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=F64)
    x = torch.tensor([0.5, -1.0], dtype=F64, requires_grad=True)
    f = x @ A @ x
    (g,) = torch.autograd.grad(f, x, create_graph=True)
    rows = [torch.autograd.grad(g[i], x, retain_graph=True)[0].tolist() for i in range(2)]
    assert rows == [[4.0, 2.0], [2.0, 6.0]]


# ---------------------------------------------------------------------------------------------
# The engine's own gradcheck and gradgradcheck
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn, specs", [
    (lambda a, b: (a * b).sin() / (b.abs() + 1), ((3, 1), (4,))),
    (lambda a: a.softmax(1) @ a.t(), ((2, 3),)),
    (lambda a: (a.norm(dim=1), a.max(1).values), ((2, 3),)),
    (lambda a, b: torch.cat([a, b]).cumsum(0), ((2,), (3,))),
])
def test_engine_gradcheck_accepts_correct_gradients(fn, specs):
    xs = leaves(arrays_for(specs))
    assert gradcheck(fn, tuple(xs)) is True
    assert gradgradcheck(fn, tuple(xs)) is True


class WrongBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x  # should be 2x


def test_engine_gradcheck_rejects_a_wrong_gradient():
    x = torch.tensor([1.0, 2.0], dtype=F64, requires_grad=True)
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(WrongBackward.apply, (x,))
    assert gradcheck(WrongBackward.apply, (x,), raise_exception=False) is False


def test_engine_gradgradcheck_rejects_a_wrong_second_derivative():
    class FirstOrderOnly(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x.detach() * x.detach()  # right value, but cut from the graph: d2 = 0

    x = torch.tensor([1.0, 2.0], dtype=F64, requires_grad=True)
    assert gradcheck(FirstOrderOnly.apply, (x,)) is True
    assert gradgradcheck(FirstOrderOnly.apply, (x,), raise_exception=False) is False


def test_engine_gradcheck_warns_for_float32_inputs():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision"):
        gradcheck(lambda t: t * 2, (x,), eps=1e-2, atol=1e-2)


def test_the_checker_itself_catches_a_wrong_rule():
    """The finite-difference checker used above fails on a deliberately wrong gradient."""
    with pytest.raises(AssertionError):
        check_grad(lambda a: WrongBackward.apply(a), (3,))
