"""Views share memory and the version counter with their base; in-place writes through them
rewrite the base's history as PyTorch does (CopySlices, then AsStridedBackward0 for the view)."""
from __future__ import annotations

import numpy as np
import pytest
from engine_support import leaf

import autogradviz as torch


def test_writes_through_integer_indexing_reach_the_base():
    """Row 1 of #21."""
    a = torch.tensor([1.0, 2.0])
    a[0].mul_(3)
    a[1].zero_()
    assert a.tolist() == [3.0, 0.0] and a._version == 2


def test_views_share_the_version_counter_and_know_their_base():
    x = torch.zeros(2, 3)
    views = [x[0], x[:, 1:], x[None], x[...], x.t(), x.transpose(0, 1), x.permute(1, 0), x.view(6), x.reshape(3, 2),
             x.flatten(), x.unsqueeze(0), x[0:1].squeeze(0), x.expand(4, 2, 3), x.narrow(1, 0, 2), x.select(1, 2),
             x.diagonal(), x.T]
    for v in views:
        assert v._base is x and v._is_view()
    assert x[0][1]._base is x and x.detach()._base is None and not x.t().reshape(6)._is_view()
    x[0, 0].add_(1)
    assert all(v._version == 1 for v in views)


def test_in_place_on_a_reshaped_non_leaf_rewrites_its_history():
    """Row 2 of #21: the base's grad_fn is CopySlices, the view's AsStridedBackward0."""
    a = leaf([1.0, 2.0])
    x = a * 1
    v = x.reshape(-1)
    v *= 3
    assert x.grad_fn.name() == "CopySlices" and v.grad_fn.name() == "AsStridedBackward0"
    assert v.grad_fn.next_functions[0][0] is x.grad_fn
    x.sum().backward()
    assert a.grad.tolist() == [3.0, 3.0]


def test_in_place_on_a_view_of_a_non_leaf():
    x = leaf([1.0, 1.0, 1.0])
    y = x * 1
    y[0].mul_(2)
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 1.0, 1.0]


def test_a_view_sees_in_place_changes_of_its_base():
    a = leaf([1.0, 2.0])
    y = a * 1
    first = y[0]
    assert first.grad_fn.name() == "SelectBackward0"
    y.mul_(2)
    assert first.grad_fn.name() == "AsStridedBackward0"
    first.backward()
    assert a.grad.tolist() == [2.0, 0.0]


def test_copy_of_a_grad_requiring_value_into_a_view_of_a_plain_buffer():
    """Row 9 of #21."""
    a = leaf([1.0, 2.0])
    buf = torch.zeros(2, 2)
    buf[0].copy_(a)
    assert buf.requires_grad and buf.grad_fn.name() == "CopySlices"
    assert buf.grad_fn.next_functions[0] == (None, 0)
    (buf * torch.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert a.grad.tolist() == [1.0, 2.0] and buf.tolist() == [[1.0, 2.0], [0.0, 0.0]]


def test_in_place_ops_through_views_of_views_and_transposes():
    a = leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    w = leaf([10.0, 20.0])
    y = a * 1
    col = y.t()[1:][0]          # y[:, 1], through a transpose and a slice
    col.mul_(w)
    z = y.sin()
    (z.sum() + col.sum()).backward()
    expected_y = np.array([[1.0, 20.0, 3.0], [4.0, 100.0, 6.0]])
    grad_y = np.cos(expected_y)
    grad_y[:, 1] = (grad_y[:, 1] + 1) * np.array([10.0, 20.0])
    np.testing.assert_allclose(a.grad.numpy(), grad_y, rtol=1e-5)
    np.testing.assert_allclose(w.grad.numpy(), (np.cos([20.0, 100.0]) + 1) * np.array([2.0, 5.0]), rtol=1e-5)


def test_a_tensor_saved_before_an_in_place_change_of_its_view_raises():
    a = leaf([1.0, 2.0])
    y = a * 1
    z = y.sin()
    y[0].mul_(2)
    with pytest.raises(RuntimeError, match="output 0 of torch::autograd::CopySlices, is at version 1; expected "
                                           "version 0 instead"):
        z.sum().backward()


def test_double_backward_through_copy_slices():
    a = leaf([1.0, 2.0])
    y = a * 1
    y[1].mul_(y[0].detach() + 2)     # y = [a0, 3·a1]
    (g,) = torch.autograd.grad((y * y).sum(), a, create_graph=True)
    assert g.tolist() == [2.0, 36.0]
    (h,) = torch.autograd.grad(g.sum(), a)
    assert h.tolist() == [2.0, 18.0]


def test_view_refusals_match_pytorch():
    a = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an "
                                           "in-place operation"):
        a[0].mul_(2)
    x = a * 2
    with torch.no_grad():
        v = x.view(2)
    assert v.requires_grad and v.grad_fn is None     # row 8 of #21: grad mode does not change requires_grad
    with pytest.raises(RuntimeError, match="A view was created in no_grad mode and is being modified inplace with "
                                           "grad mode enabled"):
        v.mul_(2)
    with pytest.raises(RuntimeError, match="Can't detach views in-place"):
        x[0].detach_()


def test_expand_is_a_writable_view_unless_elements_overlap():
    """Row 11 of #21."""
    e = torch.tensor([1.0, 2.0]).expand(-1)
    e += 1
    assert e.tolist() == [2.0, 3.0]
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single "
                                           "memory location"):
        torch.tensor([1.0, 2.0]).expand(2, 2).add_(1)


def test_select_narrow_diagonal_and_relu_in_place():
    """Row 15 of #21: the functions exist, are views, and have PyTorch's grad_fn names."""
    a = leaf([[1.0, -2.0], [3.0, 4.0]])
    assert a.select(1, 0).grad_fn.name() == "SelectBackward0"
    assert torch.narrow(a, 0, 1, 1).grad_fn.name() == "SliceBackward0"
    d = a.diagonal()
    assert d.grad_fn.name() == "DiagonalBackward0" and d.tolist() == [1.0, 4.0]
    (d * torch.tensor([1.0, 2.0])).sum().backward()
    assert a.grad.tolist() == [[1.0, 0.0], [0.0, 2.0]]
    assert torch.diagonal(torch.arange(6.0).reshape(2, 3), 1).tolist() == [1.0, 5.0]
    t = torch.tensor([-1.0, 2.0])
    assert torch.relu_(t) is t and t.tolist() == [0.0, 2.0]


def test_split_pieces_share_one_node_with_output_numbers():
    x = leaf([1.0, 2.0, 3.0])
    s = x.split(1)
    assert s[0].grad_fn is s[1].grad_fn and s[0].grad_fn.name() == "SplitBackward0"
    assert [i for _, i in (s[0] * s[2]).grad_fn.next_functions] == [0, 2]
    (s[0] * s[2]).sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]
    u = (x * 1).unbind()
    assert u[0].grad_fn.name() == "UnbindBackward0" and x.chunk(2)[0].grad_fn.name() == "SplitBackward0"
    with pytest.raises(RuntimeError, match="Output 1 of Unbind is a view and is being modified inplace"):
        u[1].mul_(2)


def test_split_pieces_twice_differentiable():
    x = leaf([1.0, 2.0, 3.0])
    a, b = x.split([1, 2])
    (g,) = torch.autograd.grad((a ** 3).sum() + (b ** 2).sum(), x, create_graph=True)
    assert g.tolist() == [3.0, 4.0, 6.0]
    (h,) = torch.autograd.grad(g.sum(), x)
    assert h.tolist() == [6.0, 2.0, 2.0]


def test_split_into_a_single_piece_gives_the_whole_gradient():
    for shape in [(1,), (1, 1), (3,)]:
        a = torch.arange(float(np.prod(shape)), dtype=torch.float64).reshape(shape).requires_grad_()
        (piece,) = a.split(shape[0], dim=0)
        (piece * 2).sum().backward()
        assert a.grad.shape == a.shape and a.grad.tolist() == np.full(shape, 2.0).tolist()
