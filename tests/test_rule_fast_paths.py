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
