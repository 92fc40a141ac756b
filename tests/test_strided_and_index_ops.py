"""stride(), storage_offset(), as_strided, unflatten, ravel, tensor_split and the index_add /
index_copy / index_fill family: values, views (memory and version counter shared, in-place writes
tracked), grad_fn names, gradients against finite differences (tests/op_cases.py) and PyTorch's
values, gradients and messages where it is installed."""
from __future__ import annotations

import numpy as np
import pytest
from torch_support import need_torch

import autogradviz as torch

F64 = torch.float64


def grid(lib, rows=3, cols=4):
    return lib.arange(float(rows * cols), dtype=lib.float64).reshape(rows, cols)


# --- strides and storage offsets ----------------------------------------------------------------------
VIEWS = {
    "contiguous": lambda t: t,
    "transposed": lambda t: t.t(),
    "sliced": lambda t: t[1:, 2:],
    "every other column": lambda t: t[:, ::2],
    "row": lambda t: t[2],
    "expanded": lambda t: t[:1].expand(5, 4),
    "unsqueezed": lambda t: t.unsqueeze(1),
    "narrowed": lambda t: t.narrow(1, 1, 2),
    "diagonal": lambda t: t.diagonal(),
    "unfolded": lambda t: t.unfold(1, 2, 1),
    "as_strided": lambda t: t.as_strided((2, 3), (1, 2), 3),
    "flipped": lambda t: t.flip(0),
    "new dims": lambda t: t[None, :, None],
    "transposed then unsqueezed": lambda t: t.t()[None],
    "one row": lambda t: t[1:2],
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_stride_and_storage_offset_are_pytorchs(view):
    pt = need_torch(module_level=False)
    ours, theirs = VIEWS[view](grid(torch)), VIEWS[view](grid(pt))
    assert ours.stride() == theirs.stride()
    assert ours.storage_offset() == theirs.storage_offset()
    assert all(ours.stride(d) == theirs.stride(d) for d in range(-ours.ndim, ours.ndim))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_flip_is_a_copy_as_in_pytorch():
    x = grid(torch).clone()
    y = x.flip(0)
    y[0, 0] = 100.0
    assert x[2, 0].item() == 8.0 and not y._is_view() and x._version == 0


def test_arrays_in_fortran_order_have_pytorchs_strides_and_storage():
    pt = need_torch(module_level=False)
    a = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    ours, theirs = torch.from_numpy(a), pt.from_numpy(a)
    assert ours.stride() == theirs.stride() == (1, 2)
    np.testing.assert_array_equal(ours.as_strided((2, 2), (2, 1), 1).numpy(), theirs.as_strided((2, 2), (2, 1), 1).numpy())


def test_stride_of_a_dim_out_of_range_is_an_index_error():
    with pytest.raises(IndexError, match="Dimension out of range"):
        grid(torch).stride(2)


# --- as_strided ------------------------------------------------------------------------------------------
def test_as_strided_is_a_view_of_the_storage():
    x = grid(torch).clone()
    v = x.as_strided((2, 2), (1, 4), 1)   # columns 1 and 2 of rows 0 and 1, transposed
    assert v._base is x and v.tolist() == [[1.0, 5.0], [2.0, 6.0]]
    x[0, 1] = 100.0
    assert v[0, 0].item() == 100.0 and v._version == x._version == 1
    v.mul_(2)
    assert x[1, 2].item() == 12.0
    # the offset is counted from the storage, not from the view it is taken of
    assert x[1].as_strided((2,), (1,)).tolist() == [4.0, 10.0]
    assert x[1].as_strided((2,), (1,), 0).tolist() == [0.0, 200.0]
    assert torch.as_strided(x, (3,), (5,)).tolist() == [0.0, 10.0, 10.0]


def test_as_strided_gradient_adds_up_over_elements_read_twice():
    x = torch.arange(6.0, dtype=F64, requires_grad=True)
    windows = x.as_strided((3, 3), (1, 1))   # overlapping windows: x[1..3] are read two or three times
    assert windows.grad_fn.name() == "AsStridedBackward0"
    (windows * torch.tensor([1.0, 2.0, 3.0], dtype=F64)).sum().backward()
    assert x.grad.tolist() == [1.0, 3.0, 6.0, 5.0, 3.0, 0.0]


def test_writes_through_an_as_strided_view_rewrite_the_history():
    a = torch.tensor(np.arange(1.0, 7.0), dtype=F64, requires_grad=True)
    y = a * 1
    diagonal = y.as_strided((2,), (4,), 1)   # y[1] and y[5]
    diagonal.mul_(torch.tensor([10.0, 100.0], dtype=F64))
    assert y.grad_fn.name() == "CopySlices" and y.tolist() == [1.0, 20.0, 3.0, 4.0, 5.0, 600.0]
    (y * y).sum().backward()
    assert a.grad.tolist() == [2.0, 2 * 20.0 * 10, 6.0, 8.0, 10.0, 2 * 600.0 * 100]


def test_as_strided_of_a_transposed_view_reads_the_storage():
    pt = need_torch(module_level=False)
    ours = grid(torch).t().as_strided((4, 2), (1, 4), 2)
    theirs = grid(pt).t().as_strided((4, 2), (1, 4), 2)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize(("args", "message"), [
    (((4, 4), (4, 1)), "setStorage: sizes [4, 4], strides [4, 1], storage offset 0, and itemsize 8 requiring a "
                       "storage size of 128 are out of bounds for storage of size 96"),
    (((2, 2), (1,)), "mismatch in length of strides and shape"),
    (((2,), (-1,)), "as_strided: Negative strides are not supported at the moment, got strides: [-1]"),
])
def test_as_strided_refuses_what_pytorch_refuses(args, message):
    with pytest.raises(RuntimeError, match=message.replace("[", r"\[").replace("]", r"\]")):
        grid(torch).as_strided(*args)


def test_as_strided_messages_are_pytorchs():
    pt = need_torch(module_level=False)
    for args in [((4, 4), (4, 1)), ((2, 2), (1,)), ((2,), (-1,)), ((3,), (1,), 11)]:
        with pytest.raises(RuntimeError) as theirs:
            grid(pt).as_strided(*args)
        with pytest.raises(RuntimeError) as ours:
            grid(torch).as_strided(*args)
        assert str(ours.value).replace("itemsize 8", "") == str(theirs.value).replace("itemsize 8", "")


# --- unflatten, ravel, tensor_split ------------------------------------------------------------------
def test_unflatten_ravel_and_tensor_split_match_pytorch():
    pt = need_torch(module_level=False)
    calls = {
        "unflatten": lambda lib, t: (t.unflatten(1, (2, -1)),),
        "unflatten_fn": lambda lib, t: (lib.unflatten(t.t(), 0, (2, 2)),),
        "ravel": lambda lib, t: (t.ravel(),),
        "ravel_transposed": lambda lib, t: (lib.ravel(t.t()),),
        "tensor_split_sections": lambda lib, t: t.tensor_split(3, dim=1),
        "tensor_split_more_sections": lambda lib, t: lib.tensor_split(t, 5, 1),
        "tensor_split_indices": lambda lib, t: lib.tensor_split(t, [1, 3, 10], dim=1),
        "tensor_split_negative": lambda lib, t: t.tensor_split((-1,)),
        "tensor_split_tensor": lambda lib, t: t.tensor_split(lib.tensor([1, 2]), 0),
    }
    for name, call in calls.items():
        outs = {}
        for lib in (torch, pt):
            x = grid(lib).requires_grad_()
            pieces = call(lib, x * 1)
            weights = [lib.tensor(np.arange(p.numel(), dtype=np.float64).reshape(tuple(p.shape))) for p in pieces]
            sum((p * w).sum() for p, w in zip(pieces, weights)).backward()
            outs[lib] = ([p.detach().numpy() for p in pieces], [type(p.grad_fn).__name__ for p in pieces],
                         [p._is_view() for p in pieces], x.grad.numpy())
        (ov, on, oviews, og), (tv, tn, tviews, tg) = outs[torch], outs[pt]
        assert len(ov) == len(tv) and on == tn and oviews == tviews, name
        for a, b in zip(ov, tv):
            np.testing.assert_array_equal(a, b, err_msg=name)
        np.testing.assert_array_equal(og, tg, err_msg=name)


def test_unflatten_and_tensor_split_pieces_are_views():
    x = grid(torch).clone()
    u = x.unflatten(1, (2, 2))
    first, second = x.tensor_split(2, dim=1)
    assert u._base is x and first._base is x and second._base is x
    second.zero_()
    assert u[0, 1].tolist() == [0.0, 0.0] and x._version == 1


@pytest.mark.parametrize(("call", "error"), [
    (lambda lib, t: t.unflatten(1, (3, 2)), RuntimeError),
    (lambda lib, t: t.unflatten(1, ()), RuntimeError),
    (lambda lib, t: t.tensor_split(0), RuntimeError),
])
def test_unflatten_and_tensor_split_messages_are_pytorchs(call, error):
    pt = need_torch(module_level=False)
    with pytest.raises(error) as theirs:
        call(pt, grid(pt))
    with pytest.raises(error) as ours:
        call(torch, grid(torch))
    assert str(ours.value) == str(theirs.value)


# --- index_add, index_copy, index_fill ----------------------------------------------------------------
INDEX_CALLS = {
    "index_add": lambda lib, t, s: t.index_add(0, lib.tensor([2, 0, 2]), s),
    "index_add_alpha": lambda lib, t, s: lib.index_add(t, 0, lib.tensor([1, 1, 0]), s, alpha=-2.5),
    "index_add_dim1": lambda lib, t, s: t.index_add(1, lib.tensor([3, 0, 3]), s.t()[:3]),
    "index_copy": lambda lib, t, s: t.index_copy(0, lib.tensor([2, 0, 1]), s),
    "index_copy_fn": lambda lib, t, s: lib.index_copy(t, 1, lib.tensor([3, 1]), s.t()[:3, :2]),
    "index_fill": lambda lib, t, s: t.index_fill(1, lib.tensor([0, 2]), -1.5),
    "index_fill_tensor": lambda lib, t, s: lib.index_fill(t, 0, lib.tensor([1]), s[0, 0] * 3),
    "index_add_": lambda lib, t, s: (t * 1).index_add_(0, lib.tensor([2, 0, 2]), s, alpha=2),
    "index_copy_": lambda lib, t, s: (t * 1).index_copy_(0, lib.tensor([1, 2, 0]), s),
    "index_fill_": lambda lib, t, s: (t * 1).index_fill_(1, lib.tensor([3]), 7.0),
}


@pytest.mark.parametrize("name", list(INDEX_CALLS))
def test_index_ops_values_nodes_and_gradients_are_pytorchs(name):
    pt = need_torch(module_level=False)
    rng = np.random.default_rng(3)
    x0, s0, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    results = []
    for lib in (torch, pt):
        x = lib.tensor(x0, dtype=lib.float64, requires_grad=True)
        s = lib.tensor(s0, dtype=lib.float64, requires_grad=True)
        out = INDEX_CALLS[name](lib, x, s)
        (out * lib.tensor(w)).sum().backward()
        results.append((out.detach().numpy(), type(out.grad_fn).__name__, x.grad.numpy(),
                        None if s.grad is None else s.grad.numpy()))
    (ov, on, oxg, osg), (tv, tn, txg, tsg) = results
    assert on == tn
    np.testing.assert_allclose(ov, tv, rtol=1e-14)
    np.testing.assert_allclose(oxg, txg, rtol=1e-14)
    assert (osg is None) == (tsg is None)
    if osg is not None:
        np.testing.assert_allclose(osg, tsg, rtol=1e-14)


def test_index_add_in_place_moves_the_version_and_keeps_the_object():
    x = torch.zeros(3, 2)
    out = x.index_add_(0, torch.tensor([0, 0]), torch.ones(2, 2))
    assert out is x and x._version == 1 and x.tolist() == [[2.0, 2.0], [0.0, 0.0], [0.0, 0.0]]
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        torch.zeros(3, 2, requires_grad=True).index_fill_(0, torch.tensor([0]), 1.0)


INDEX_ERRORS = [
    lambda lib, t: t.index_add(0, lib.tensor([0, 3]), lib.ones(2, 4, dtype=lib.float64)),
    lambda lib, t: t.index_add(0, lib.tensor([0, 1]), lib.ones(2, 3, dtype=lib.float64)),
    lambda lib, t: t.index_add(0, lib.tensor([0.0, 1.0]), lib.ones(2, 4, dtype=lib.float64)),
    lambda lib, t: t.index_copy(0, lib.tensor([0, 5]), lib.ones(2, 4, dtype=lib.float64)),
    lambda lib, t: t.index_fill(0, lib.tensor([7]), 1.0),
    lambda lib, t: t.index_fill(1, lib.tensor([-5]), 1.0),
    lambda lib, t: t.index_add(0, lib.tensor([0, 1]), lib.ones(1, 4, dtype=lib.float64)),
    lambda lib, t: t.index_add(0, lib.tensor([[0]]), lib.ones(1, 4, dtype=lib.float64)),
    lambda lib, t: t.index_add(0, lib.tensor([-1]), lib.ones(1, 4, dtype=lib.float64)),
    lambda lib, t: t.index_add(0, lib.tensor([0]), lib.ones(1, 4)),
    lambda lib, t: t.index_copy(0, lib.tensor([0, 1]), lib.ones(1, 4, dtype=lib.float64)),
    lambda lib, t: t.index_copy(0, lib.tensor([[0]]), lib.ones(1, 4, dtype=lib.float64)),
    lambda lib, t: t.index_copy(0, lib.tensor([-1]), lib.ones(1, 4, dtype=lib.float64)),
    lambda lib, t: t.index_copy(0, lib.tensor([1], dtype=lib.int32), lib.ones(1, 4, dtype=lib.float64)),
    lambda lib, t: t.index_copy(0, lib.tensor([0, 1]), lib.ones(2, 3, dtype=lib.float64)),
    lambda lib, t: t.index_copy(0, lib.tensor([0, 1]), lib.ones(4, dtype=lib.float64)),
    lambda lib, t: t.index_copy(0, lib.tensor([0, 1]), lib.ones(2, 4)),
    lambda lib, t: t.index_fill(0, lib.tensor([[0]]), 1.0),
    lambda lib, t: t.index_fill(0, lib.tensor([1], dtype=lib.int32), 1.0),
    lambda lib, t: t.index_fill(0, lib.tensor([0]), lib.tensor([1.0, 2.0])),
]


def test_index_ops_take_a_zero_dim_index_and_index_fill_counts_negatives_from_the_end():
    pt = need_torch(module_level=False)
    calls = [lambda lib, t: t.index_fill(0, lib.tensor(-1), 2.0),
             lambda lib, t: t.index_copy(1, lib.tensor(3), lib.ones(3, 1, dtype=lib.float64)),
             lambda lib, t: t.index_add(1, lib.tensor(0), lib.ones(3, 1, dtype=lib.float64), alpha=3)]
    for call in calls:
        np.testing.assert_array_equal(call(torch, grid(torch)).numpy(), call(pt, grid(pt)).numpy())


@pytest.mark.parametrize("k", range(len(INDEX_ERRORS)))
def test_index_op_messages_are_pytorchs(k):
    pt = need_torch(module_level=False)
    with pytest.raises(Exception) as theirs:
        INDEX_ERRORS[k](pt, grid(pt))
    with pytest.raises(Exception) as ours:
        INDEX_ERRORS[k](torch, grid(torch))
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
