"""In-place operations and version counters, detach and .data, as PyTorch."""
from __future__ import annotations

import numpy as np
import pytest
from engine_support import leaf

import autogradviz as torch


# ---------------------------------------------------------------------------------------------
# Version counters and in-place operations
# ---------------------------------------------------------------------------------------------
def test_modifying_a_saved_input_in_place_raises_naming_versions():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1
    z = (y * y).sum()
    y.add_(1)
    with pytest.raises(RuntimeError) as info:
        z.backward()
    msg = str(info.value)
    assert "modified by an inplace operation" in msg
    assert "is at version 1; expected version 0 instead" in msg
    assert "[torch.FloatTensor [3]], which is output 0 of Add," in msg


def test_modifying_a_saved_output_in_place_raises():
    x = leaf([1.0, 2.0])
    y = x.exp()
    z = y.sum()
    y.mul_(2)
    with pytest.raises(RuntimeError, match=r"output 0 of Exp, is at version 1; expected version 0"):
        z.backward()


def test_setitem_on_a_saved_output_raises():
    x = leaf([1.0, 2.0])
    y = x.tanh()
    y[0] = 5.0
    with pytest.raises(RuntimeError, match="inplace"):
        y.sum().backward()


def test_modifying_a_saved_plain_tensor_raises_without_naming_a_node():
    x = leaf([1.0, 2.0])
    w = torch.ones(2)
    z = (x * w).sum()
    w.add_(1)
    with pytest.raises(RuntimeError) as info:
        z.backward()
    assert "[torch.FloatTensor [2]] is at version 1; expected version 0 instead" in str(info.value)


def test_in_place_on_an_unsaved_tensor_is_fine_and_correct():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.add_(1)            # AddBackward does not save y
    y.mul_(3)            # MulBackward saves the scalar, not y
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    assert y.grad_fn.name() == "MulBackward0"


def test_in_place_change_of_an_output_saved_by_an_in_place_op_raises():
    x = leaf([1.0, 2.0])
    y = x * 1
    y.sigmoid_()         # SigmoidBackward0 saves its output: y at version 1
    y.mul_(2)            # PyTorch refuses the backward: y is at version 2 now
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[2\]\], which is output 0 of Sigmoid, is at "
                                           r"version 2; expected version 1 instead"):
        y.sum().backward()


def test_version_counter_counts_in_place_changes():
    x = torch.zeros(3)
    assert x._version == 0
    x.add_(1)
    x[0] = 5
    x.zero_()
    x += 1
    assert x._version == 4


def test_views_share_the_version_counter():
    x = torch.zeros(2, 3)
    v = x[0]
    w = x.view(6)
    x.add_(1)
    assert v._version == w._version == x._version == 1


def test_leaf_in_place_raises_pytorch_error():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation."):
        x.add_(1)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation."):
        x += 1
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation."):
        x[0] = 3.0
    assert x.tolist() == [1.0, 2.0] and x._version == 0


def test_leaf_in_place_is_allowed_under_no_grad():
    x = leaf([1.0, 2.0])
    with torch.no_grad():
        x -= 0.5
        x.mul_(2)
        x[0] = 7.0
    assert x.tolist() == [7.0, 3.0] and x.is_leaf and x.requires_grad and x.grad_fn is None
    (x * x).sum().backward()
    assert x.grad.tolist() == [14.0, 6.0]


def test_in_place_ops_on_plain_tensors():
    x = torch.ones(2)
    x.add_(1)
    x.sub_(0.5)
    x.mul_(4)
    x.div_(2)
    assert x.tolist() == [3.0, 3.0]
    y = torch.ones(2)
    y += 1
    y -= 0.5
    y *= 4
    y /= 2
    assert y.tolist() == [3.0, 3.0]
    z = torch.ones(2)
    ident = id(z)
    z += torch.tensor([1.0, 2.0])
    assert id(z) == ident and z.tolist() == [2.0, 3.0]
    z.add_(torch.tensor([1.0, 1.0]), alpha=2)
    assert z.tolist() == [4.0, 5.0]


def test_in_place_ops_keep_the_dtype_and_refuse_float_into_int():
    x = torch.ones(2, dtype=torch.int64)
    x *= 2
    assert x.dtype is torch.int64 and x.tolist() == [2, 2]
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        x /= 2
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        x += 1.5
    y = torch.ones(2, dtype=torch.float64)
    y += torch.ones(2)
    assert y.dtype is torch.float64


def test_in_place_broadcast_must_fit_the_target():
    x = torch.ones(3)
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        x.add_(torch.ones(2, 3))


def test_zero_and_fill():
    x = torch.ones(2, 2)
    assert x.zero_() is x and x.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert x.fill_(3) is x and x.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    x.fill_(torch.tensor(2.5))
    assert x.tolist() == [[2.5, 2.5], [2.5, 2.5]]
    i = torch.zeros(2, dtype=torch.int64).fill_(7)
    assert i.dtype is torch.int64 and i.tolist() == [7, 7]


def test_fill_on_a_non_leaf_cuts_the_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.fill_(5.0)
    assert y.tolist() == [5.0, 5.0] and y.grad_fn is not None
    (y * x).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]  # only through the second factor


def test_in_place_on_non_leaf_records_and_differentiates():
    x = leaf([1.0, 2.0])
    y = x * 1
    y.mul_(y.detach() + 1)   # y * (x + 1), the factor a constant
    y.exp_()
    y.sum().backward()
    expected = np.exp(np.array([1.0, 2.0]) * np.array([2.0, 3.0])) * np.array([2.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


def test_setitem_on_a_plain_tensor_with_a_grad_requiring_value():
    x = torch.zeros(3)
    v = leaf(2.0)
    x[1] = v * 3
    assert x.requires_grad and not x.is_leaf
    x.sum().backward()
    assert v.grad.item() == 3.0


def test_copy_into_a_non_leaf_sends_the_gradient_to_the_source():
    x = leaf([1.0, 2.0])
    src = leaf([5.0, 6.0])
    y = x * 2
    y.copy_(src * 3)
    y.sum().backward()
    assert y.tolist() == [15.0, 18.0] and src.grad.tolist() == [3.0, 3.0] and x.grad.tolist() == [0.0, 0.0]


# ---------------------------------------------------------------------------------------------
# detach and .data
# ---------------------------------------------------------------------------------------------
def test_detach_shares_memory():
    x = leaf([1.0, 2.0])
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d.add_(1)
    assert x.tolist() == [2.0, 3.0]
    assert x._version == d._version == 1


def test_detach_of_a_non_leaf_shares_memory_and_stops_gradients():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    d[0] = 7.0
    assert y.tolist() == [7.0, 4.0]
    (y.detach() * x).sum().backward()
    assert x.grad.tolist() == [7.0, 4.0]


def test_detach_in_place():
    x = leaf([1.0, 2.0])
    y = x * 2
    assert y.detach_() is y
    assert y.grad_fn is None and not y.requires_grad and y.is_leaf


def test_data_shares_memory_without_history():
    x = leaf([1.0, 2.0])
    d = x.data
    assert not d.requires_grad
    d.add_(1)  # no leaf error: .data is not tracked
    assert x.tolist() == [2.0, 3.0]
    x.data = torch.tensor([9.0, 9.0])
    assert x.tolist() == [9.0, 9.0] and x.requires_grad


def test_output_saved_by_an_in_place_op_is_version_checked():
    """Row 4 of #21: sqrt_ saves its output; a later mul_ changes it."""
    a = leaf([1.0, 2.0])
    x = a + 1
    x.sqrt_()
    x.mul_(2)
    with pytest.raises(RuntimeError, match=r"output 0 of Sqrt, is at version 2; expected version 1 instead"):
        x.sum().backward()


def test_only_what_the_formula_reads_is_saved():
    """Row 5 of #21: mul by a number keeps nothing of x, so changing x later is fine; mul of two
    tensors keeps b only when a needs grad."""
    a = leaf([1.0, 2.0])
    x = a + 1
    y = x * 0.6
    x.mul_(2)
    y.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.6, 0.6])
    w = leaf([3.0, 4.0])
    plain = torch.tensor([1.0, 1.0])
    z = w * plain            # keeps plain (the rule of w reads it), not w
    w.detach().add_(1)       # w's version moves on: nothing saved it
    z.sum().backward(retain_graph=True)
    assert w.grad.tolist() == [1.0, 1.0]
    plain.add_(1)            # plain was saved
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0 instead"):
        z.sum().backward()


def test_detach_in_place_of_a_saved_input_raises_at_backward():
    """Row 10 of #21: detach_ itself succeeds; backward refuses the saved tensor, as PyTorch."""
    a = leaf([1.0, 2.0])
    x = a + 1
    y = x * x
    x.detach_()
    with pytest.raises(RuntimeError, match=r"Trying to use a saved tensor that has been detached in-place, i.e. "
                                           r"with .detach_\(\)"):
        y.sum().backward()
    z = (a + 1).exp()
    w = z * 1
    z.detach_()          # a saved output may be detached: the node keeps its value
    w.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.exp([2.0, 3.0]), rtol=1e-6)
