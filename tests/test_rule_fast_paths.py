"""The shortcuts the backward rules take give what the general paths give: the strided broadcast
equals np.broadcast_to, a gradient that needs no gradient itself is broadcast without a recorded
expand (and one that does is still recorded), and sum's int64 result no longer needs an output
rule in the op table."""
from __future__ import annotations

import numpy as np
import pytest
from torch_support import need_torch

import autogradviz as torch
from autogradviz.autograd.xp import NUMPY, TENSOR, broadcast, fit_grad

_SHAPES = [((), (5,)), ((), ()), ((1,), (3,)), ((3, 1), (2, 3, 4)), ((2, 3), (2, 3)), ((1, 3), (4, 3)),
           ((4, 1, 1), (4, 2, 3)), ((0,), (0,)), ((2, 0), (3, 2, 0)), ((3,), (2, 4)), ((2, 1), (3, 3)),
           ((2, 3), (3,))]


@pytest.mark.parametrize(("source", "target"), _SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_broadcast_is_numpys_broadcast_to(source, target, dtype):
    x = (np.arange(int(np.prod(source))) % 3).astype(dtype).reshape(source)
    try:
        expected = np.broadcast_to(x, target)
    except ValueError:
        with pytest.raises(ValueError):
            broadcast(x, target)
        return
    got = broadcast(x, target)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    assert got.strides == expected.strides
    np.testing.assert_array_equal(got, expected)
    assert not got.flags.writeable
    if x.size:   # a view of x, as NumPy's: later writes into x show through
        x[...] = 1
        np.testing.assert_array_equal(got, np.broadcast_to(x, target))


def test_broadcast_of_a_non_contiguous_array_or_a_number():
    x = np.arange(6.0).reshape(2, 3).T            # F-ordered: the general path
    np.testing.assert_array_equal(broadcast(x, (4, 3, 2)), np.broadcast_to(x, (4, 3, 2)))
    got = broadcast(np.float32(2.5), (3,))        # a 0-d rule's NumPy scalar
    assert got.dtype == np.float32 and got.tolist() == [2.5, 2.5, 2.5]
    got = broadcast(1.5, (2, 2))
    assert got.tolist() == [[1.5, 1.5], [1.5, 1.5]]


def test_fit_grad_broadcasts_a_smaller_gradient_on_both_paths():
    g = np.float32(3.0)
    fitted = fit_grad(g, (2, 3), torch.float32, NUMPY)
    assert fitted.shape == (2, 3) and fitted.dtype == np.float32 and (fitted == 3).all()
    t = fit_grad(torch.tensor(3.0), (2, 3), torch.float32, TENSOR)
    assert tuple(t.shape) == (2, 3) and (t._data == 3).all()


def test_expanding_a_gradient_that_needs_none_records_nothing_and_equals_expand():
    g = torch.tensor(2.0, dtype=torch.float64)
    got = TENSOR.expand(g, (4,))
    expected = g.expand(4)
    assert got.dtype is expected.dtype and tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(got._data, expected._data)
    assert got.grad_fn is None and not got.requires_grad
    with pytest.raises(RuntimeError, match="more than one element"):
        got.mul_(2)    # PyTorch refuses in-place writes into an expanded tensor alike


def test_expanding_a_gradient_that_needs_one_is_recorded():
    v = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    got = TENSOR.expand(v, (4,))
    assert got.grad_fn is not None and got.grad_fn.name() == "ExpandBackward0"
    (dv,) = torch.autograd.grad(got.sum(), v)
    assert dv.item() == 4.0


def test_second_and_third_derivatives_through_sum_and_mean():
    x = torch.tensor(np.linspace(-3, 3, 50), dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(torch.sin(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g._data, np.cos(x._data), rtol=1e-15)
    assert g.grad_fn is not None
    (h,) = torch.autograd.grad(g.sum(), x, create_graph=True)
    np.testing.assert_allclose(h._data, -np.sin(x._data), rtol=1e-15)
    (k,) = torch.autograd.grad(h.mean(), x)
    np.testing.assert_allclose(k._data, -np.cos(x._data) / 50, rtol=1e-15)
    # a seed gradient that itself needs grad: the expand of the sum's rule is recorded
    v = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(torch.sin(x).sum(), x, grad_outputs=v, create_graph=True)
    (dv,) = torch.autograd.grad(g.sum(), v)
    np.testing.assert_allclose(dv.item(), np.cos(x._data).sum(), rtol=1e-13)


def test_grad_with_create_graph_matches_pytorch():
    T = need_torch(module_level=False)
    values = np.linspace(-3, 3, 7)
    results = []
    for lib in (torch, T):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        seen = []
        s = lib.sin(x)
        s.register_hook(seen.append)
        (g,) = lib.autograd.grad(s.sum(), x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x)
        results.append((g.detach().numpy(), h.numpy(), seen[0].detach().numpy().copy(), g.requires_grad,
                        h.requires_grad))
    ours, theirs = results
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_array_equal(a, b)
    assert ours[3:] == theirs[3:]


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8", "bool"])
def test_sum_of_integers_is_int64_and_of_floats_keeps_its_dtype(dtype):
    x = torch.tensor([[1, 0, 1], [1, 1, 0]], dtype=getattr(torch, dtype))
    for out in (x.sum(), x.sum(0), x.sum(1, keepdim=True), torch.sum(x, dim=(0, 1))):
        assert out.dtype is torch.int64
    assert x.sum().item() == 4 and x.sum(0).tolist() == [2, 1, 1]
    f = torch.tensor([[1.0, 2.0]], dtype=torch.float64, requires_grad=True)
    assert f.sum().dtype is torch.float64 and f.sum().grad_fn.name() == "SumBackward0"
    assert f.sum(0).grad_fn.name() == "SumBackward1"
    assert x.sum(dtype=torch.float32).dtype is torch.float32


@pytest.mark.parametrize("target_dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("other", ["same dtype", "float", "int", "float64 tensor", "int tensor", "0-d float64"])
def test_an_update_under_no_grad_gives_what_numpy_gives_and_bumps_the_version(target_dtype, other):
    dt = getattr(torch, target_dtype)
    p = torch.tensor([1.0, -2.0, 3.5], dtype=dt, requires_grad=True)
    value = {"same dtype": torch.tensor([0.5, 0.25, -1.0], dtype=dt), "float": 0.1, "int": 3,
             "float64 tensor": torch.tensor([0.5, 0.25, -1.0], dtype=torch.float64),
             "int tensor": torch.tensor([1, 2, 3]), "0-d float64": torch.tensor(0.3, dtype=torch.float64)}[other]
    operand = value._data if isinstance(value, torch.Tensor) else value
    expected = p._data.copy()
    for op, ufunc in (("sub_", np.subtract), ("add_", np.add), ("mul_", np.multiply), ("div_", np.true_divide)):
        ufunc(expected, operand, out=expected, casting="unsafe")
        version = p._version
        with torch.no_grad():
            assert getattr(p, op)(value) is p
        assert p._version == version + 1 and p.dtype is dt
        np.testing.assert_array_equal(p._data, expected)
    with torch.no_grad():
        p.add_(value, alpha=2)
    np.add(expected, operand * 2, out=expected, casting="unsafe")
    np.testing.assert_array_equal(p._data, expected)


def test_an_update_that_cannot_be_cast_is_refused_as_before():
    i = torch.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        i.add_(0.5)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        i.div_(2)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        torch.tensor([1.0, 2.0]).add_(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    with pytest.raises(RuntimeError, match="more than one element"):
        torch.tensor([1.0]).expand(3).add_(1.0)


def test_zero_under_no_grad_zeroes_in_place_and_bumps_the_version():
    p = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (p * p).sum().backward()
    g = p.grad
    row = g[0]                       # a view shares the memory and the version counter
    version = g._version
    with torch.no_grad():
        assert p.grad.zero_() is g
    assert g._version == version + 1 and row._version == g._version
    assert g.tolist() == [[0.0, 0.0], [0.0, 0.0]] and row.tolist() == [0.0, 0.0]
    n = torch.tensor([5, 6], dtype=torch.int32)
    n.zero_()
    assert n.tolist() == [0, 0] and n.dtype is torch.int32 and n._version == 1
    leaf = torch.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        leaf.zero_()                 # recorded: refused on a leaf, as before


@pytest.mark.parametrize(("a", "b"), [((4, 3), (3, 2)), ((1, 5), (5, 1)), ((3,), (3, 2)), ((4, 3), (3,)),
                                      ((2, 4, 3), (3, 2)), ((4, 3), (2, 3, 5))])
def test_matmul_of_two_matrices_takes_the_short_way_to_the_same_result(a, b):
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal(a).astype(np.float32), requires_grad=True)
    w = torch.tensor(rng.standard_normal(b).astype(np.float32), requires_grad=True)
    out = x @ w
    np.testing.assert_array_equal(out._data, np.matmul(x._data, w._data))
    out.sum().backward()
    ones = np.ones(out.shape, np.float32)
    expected_w = np.matmul(np.swapaxes(x._data, -1, -2) if x.ndim > 1 else x._data[:, None], ones if x.ndim > 1 else
                           ones[None])
    if expected_w.shape != tuple(w.shape):
        expected_w = expected_w.reshape((-1,) + tuple(w.shape)).sum(0)
    np.testing.assert_allclose(w.grad._data, expected_w, rtol=1e-5)
    assert out.grad_fn.name() == {(2, 2): "MmBackward0", (1, 2): "SqueezeBackward4", (2, 1): "MvBackward0"}.get(
        (len(a), len(b)), "UnsafeViewBackward0")


def test_matmul_still_refuses_what_does_not_fit():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(4x3 and 2x2\)"):
        torch.ones(4, 3) @ torch.ones(2, 2)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: float != double"):
        torch.ones(4, 3) @ torch.ones(3, 2, dtype=torch.float64)
    with pytest.raises(TypeError, match=r"matmul\(\): argument 'other' \(position 2\) must be Tensor, not list"):
        torch.matmul(torch.ones(2, 2), [[1.0]])
