"""Bad input gets PyTorch's exception type and a message naming what was wrong, never a NumPy
error from deep inside the engine."""
from __future__ import annotations

import re

import numpy as np
import pytest

import autogradviz as torch


def raises(exc, message, fn):
    """Assert fn() raises exactly ``exc`` whose message contains ``message`` (a literal)."""
    with pytest.raises(exc) as info:
        fn()
    assert type(info.value) is exc, f"expected {exc.__name__}, got {type(info.value).__name__}: {info.value}"
    assert message in str(info.value), f"message was: {info.value}"
    assert "numpy" not in str(info.value).lower() or "numpy()" in str(info.value)
    return info.value


# ---------------------------------------------------------------------------------------------
# Broadcasting
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sa, sb, message", [
    ((3,), (4,), "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0"),
    ((2, 3), (2, 4), "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"),
    ((3, 1), (2, 4), "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0"),
    ((5, 2), (3, 1, 3), "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 2"),
    ((2, 3, 4), (3, 3, 1), "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"),
])
@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
                                lambda a, b: a ** b, lambda a, b: torch.maximum(a, b), lambda a, b: a < b,
                                lambda a, b: torch.where(a > 0, a, b)],
                         ids=["add", "sub", "mul", "div", "pow", "maximum", "lt", "where"])
def test_mismatched_broadcast_names_both_sizes_and_the_dim(sa, sb, message, op):
    raises(RuntimeError, message, lambda: op(torch.ones(sa), torch.ones(sb)))


def test_mismatched_broadcast_with_grad_and_in_backward_free_ops():
    a = torch.ones(3, requires_grad=True)
    raises(RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0",
           lambda: a * torch.ones(4))


def test_expand_to_an_incompatible_size():
    raises(RuntimeError, "The expanded size of the tensor (4) must match the existing size (3) at non-singleton "
                         "dimension 1.  Target sizes: [2, 4].  Tensor sizes: [3]",
           lambda: torch.ones(3).expand(2, 4))
    raises(RuntimeError, "the number of sizes provided (1) must be greater or equal to the number of dimensions in "
                         "the tensor (2)", lambda: torch.ones(2, 3).expand(3))


# ---------------------------------------------------------------------------------------------
# Matrix products
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sa, sb, message", [
    ((2, 3), (2, 3), "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"),
    ((3, 2), (3, 2), "mat1 and mat2 shapes cannot be multiplied (3x2 and 3x2)"),
    ((3,), (2, 3), "mat1 and mat2 shapes cannot be multiplied (1x3 and 2x3)"),
    ((2, 3), (2,), "size mismatch, got input (2), mat (2x3), vec (2)"),
    ((5, 2, 3), (2,), "size mismatch, got input (10), mat (10x3), vec (2)"),
    ((3,), (4,), ("inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, "
                  "but got 3 and 4 elements respectively")),
    ((5, 2, 3), (4, 3, 2), "The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 0"),
    ((4, 2, 3), (4, 2, 3), "(4x2x3 and 4x2x3)"),
    ((), (3,), "both arguments to matmul need to be at least 1D, but they are 0D and 1D"),
])
def test_matmul_incompatible_shapes_name_both_shapes(sa, sb, message):
    raises(RuntimeError, message, lambda: torch.ones(sa) @ torch.ones(sb))
    raises(RuntimeError, message, lambda: torch.matmul(torch.ones(sa), torch.ones(sb)))


def test_mm_mv_dot_outer_addmm_errors():
    raises(RuntimeError, "self must be a matrix", lambda: torch.mm(torch.ones(3), torch.ones(3, 2)))
    raises(RuntimeError, "mat2 must be a matrix", lambda: torch.mm(torch.ones(2, 3), torch.ones(3)))
    raises(RuntimeError, "vector + matrix @ vector expected, got 1, 1, 1", lambda: torch.mv(torch.ones(3), torch.ones(3)))
    raises(RuntimeError, "size mismatch, got input (2), mat (2x3), vec (2)", lambda: torch.ones(2, 3).mv(torch.ones(2)))
    raises(RuntimeError, "inconsistent tensor size, expected tensor [2] and src [3] to have the same number of "
                         "elements, but got 2 and 3 elements respectively",
           lambda: torch.dot(torch.ones(2), torch.ones(3)))
    raises(RuntimeError, "1D tensors expected, but got 2D and 1D tensors", lambda: torch.dot(torch.ones(2, 2), torch.ones(2)))
    raises(RuntimeError, "dot : expected both vectors to have same dtype, but found Double and Float",
           lambda: torch.dot(torch.ones(2, dtype=torch.float64), torch.ones(2)))
    raises(RuntimeError, "expected m1 and m2 to have the same dtype, but got: double != float",
           lambda: torch.ones(2, 2, dtype=torch.float64) @ torch.ones(2, 2))
    raises(RuntimeError, "outer: Expected 1-D argument self, but got 2-D", lambda: torch.outer(torch.ones(2, 2), torch.ones(2)))
    raises(RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x4 and 3x2)",
           lambda: torch.addmm(torch.ones(2), torch.ones(2, 4), torch.ones(3, 2)))
    raises(RuntimeError, "mat2 must be a matrix, got 1-D tensor",
           lambda: torch.addmm(torch.ones(2), torch.ones(2, 4), torch.ones(2)))
    raises(RuntimeError, "The expanded size of the tensor (2) must match the existing size (3) at non-singleton "
                         "dimension 1.  Target sizes: [2, 2].  Tensor sizes: [3]",
           lambda: torch.addmm(torch.ones(3), torch.ones(2, 4), torch.ones(4, 2)))
    raises(TypeError, "matmul(): argument 'other' (position 2) must be Tensor, not list",
           lambda: torch.matmul(torch.ones(2), [1.0, 2.0]))


# ---------------------------------------------------------------------------------------------
# Creating tensors
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("data, message", [
    ([[1, 2, 3], [4, 5]], "expected sequence of length 3 at dim 1 (got 2)"),
    ([[1, 2], [3, 4, 5]], "expected sequence of length 2 at dim 1 (got 3)"),
    ([[1, 2, 3], [4, 5, 6], [1]], "expected sequence of length 3 at dim 1 (got 1)"),
    ([[[1, 2], [3, 4]], [[1, 2], [3]]], "expected sequence of length 2 at dim 2 (got 1)"),
])
def test_ragged_nested_list(data, message):
    raises(ValueError, message, lambda: torch.tensor(data))


def test_numbers_and_lists_mixed_at_one_level():
    raises(TypeError, "expected sequence of length 2 at dim 1 (got a number)", lambda: torch.tensor([[1, 2], 3]))


def test_data_that_is_not_numbers():
    raises(TypeError, "new(): invalid data type 'str'", lambda: torch.tensor("abc"))
    raises(TypeError, "new(): invalid data type 'str'", lambda: torch.tensor([1, "a"]))
    raises(RuntimeError, "Could not infer dtype of NoneType", lambda: torch.tensor([1, None]))
    raises(RuntimeError, "Could not infer dtype of object", lambda: torch.tensor(object()))
    raises(TypeError, "can't convert np.ndarray of type complex128",
           lambda: torch.tensor(np.array([1 + 2j])))


def test_requires_grad_on_an_integer_tensor():
    raises(RuntimeError, "only Tensors of floating point dtype can require gradients",
           lambda: torch.tensor([1, 2]).requires_grad_())
    raises(RuntimeError, "Only Tensors of floating point and complex dtype can require gradients",
           lambda: torch.tensor([1, 2], requires_grad=True))
    raises(RuntimeError, "Only Tensors of floating point and complex dtype can require gradients",
           lambda: torch.zeros(2, dtype=torch.int64, requires_grad=True))
    raises(RuntimeError, "Only Tensors of floating point and complex dtype can require gradients",
           lambda: torch.arange(3, requires_grad=True))


def test_negative_sizes_and_counts():
    raises(RuntimeError, "Trying to create tensor with negative dimension -1: [2, -1]", lambda: torch.zeros(2, -1))
    raises(RuntimeError, "Trying to create tensor with negative dimension -2: [-2]", lambda: torch.ones(-2))
    raises(RuntimeError, "Trying to create tensor with negative dimension -1: [-1]", lambda: torch.rand(-1))
    raises(RuntimeError, "Trying to create tensor with negative dimension -1: [-1]", lambda: torch.full((-1,), 2.0))
    raises(RuntimeError, "n must be greater or equal to 0, got -1", lambda: torch.eye(-1))
    raises(RuntimeError, "number of steps must be non-negative", lambda: torch.linspace(0, 1, -1))
    raises(RuntimeError, "upper bound and lower bound inconsistent with step sign", lambda: torch.arange(0, 5, -1))
    raises(RuntimeError, "step must be nonzero", lambda: torch.arange(0, 5, 0))
    raises(TypeError, "sizes must be ints, got float", lambda: torch.zeros(2.5))


# ---------------------------------------------------------------------------------------------
# backward and autograd.grad
# ---------------------------------------------------------------------------------------------
def test_backward_on_a_tensor_that_does_not_require_grad():
    raises(RuntimeError, "element 0 of tensors does not require grad and does not have a grad_fn",
           lambda: torch.ones(2).sum().backward())
    x = torch.ones(2, requires_grad=True)
    raises(RuntimeError, "element 0 of tensors does not require grad and does not have a grad_fn",
           lambda: torch.autograd.grad(torch.ones(1).sum(), x))
    with torch.no_grad():
        y = (x * 2).sum()
    raises(RuntimeError, "element 0 of tensors does not require grad and does not have a grad_fn", y.backward)


def test_implicit_gradient_only_for_scalars():
    x = torch.ones(2, requires_grad=True)
    raises(RuntimeError, "grad can be implicitly created only for scalar outputs", lambda: (x * 2).backward())


def test_backward_gradient_with_the_wrong_shape():
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    raises(RuntimeError, "Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a shape "
                         "of torch.Size([2]).", lambda: y.backward(torch.ones(3)))
    raises(RuntimeError, "Mismatch in shape: grad_output[0] has a shape of torch.Size([1, 2]) and output[0] has a "
                         "shape of torch.Size([2]).", lambda: y.backward(torch.ones(1, 2)))
    raises(RuntimeError, "Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a shape "
                         "of torch.Size([2]).", lambda: torch.autograd.grad(y, x, torch.ones(3)))


def test_autograd_grad_on_an_unused_input():
    x, z = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    raises(RuntimeError, "The differentiated Tensor at index 0 appears to not have been used in the graph. "
                         "Set allow_unused=True if this is the desired behavior.",
           lambda: torch.autograd.grad((x * 2).sum(), z))


def test_autograd_grad_inputs_that_do_not_require_grad():
    x = torch.ones(2, requires_grad=True)
    raises(RuntimeError, "One of the differentiated Tensors does not require grad",
           lambda: torch.autograd.grad((x * 2).sum(), torch.ones(2)))


def test_second_backward_and_leaf_in_place():
    x = torch.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    raises(RuntimeError, "Trying to backward through the graph a second time", y.backward)
    raises(RuntimeError, "a leaf Variable that requires grad is being used in an in-place operation.",
           lambda: x.mul_(2))


def test_non_leaf_requires_grad_setter():
    y = torch.ones(2, requires_grad=True) * 2
    e = raises(RuntimeError, "you can only change requires_grad flags of leaf variables.",
               lambda: setattr(y, "requires_grad", False))
    assert "var_no_grad = var.detach()" in str(e)


def test_implicit_grad_of_an_integer_output():
    x = torch.ones(2, requires_grad=True)
    raises(RuntimeError, "element 0 of tensors does not require grad and does not have a grad_fn",
           lambda: (x > 0).sum().backward())


# ---------------------------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------------------------
def test_view_with_a_bad_shape():
    raises(RuntimeError, "shape '[4]' is invalid for input of size 6", lambda: torch.ones(2, 3).view(4))
    raises(RuntimeError, "shape '[-1, 4]' is invalid for input of size 6", lambda: torch.ones(2, 3).view(-1, 4))
    raises(RuntimeError, "only one dimension can be inferred", lambda: torch.ones(2, 3).view(-1, -1))
    raises(RuntimeError, "invalid shape dimension -2 at index 0 of shape [-2]", lambda: torch.ones(3).view(-2))
    raises(RuntimeError, "shape '[5]' is invalid for input of size 6", lambda: torch.ones(2, 3).reshape(5))
    raises(RuntimeError, "view size is not compatible with input tensor's size and stride",
           lambda: torch.ones(2, 3).t().view(6))
    assert torch.ones(2, 3).t().reshape(6).shape == (6,)


def test_split_chunk_permute_flatten_errors():
    raises(RuntimeError, "split_size can only be 0 if dimension size is 0, but got dimension size of 3",
           lambda: torch.ones(3).split(0))
    raises(RuntimeError, "split_with_sizes expects split_sizes to sum exactly to 3", lambda: torch.ones(3).split([1, 1]))
    raises(RuntimeError, "chunk expects `chunks` to be greater than 0, got: 0", lambda: torch.ones(3).chunk(0))
    raises(RuntimeError, "chunk expects `chunks` to be greater than 0, got: -1", lambda: torch.ones(3).chunk(-1))
    raises(RuntimeError, "number of dimensions in the tensor input does not match the length of the desired ordering "
                         "of dimensions i.e. input.dim() = 2 is not equal to len(dims) = 3",
           lambda: torch.ones(4, 3).permute(0, 1, 2))
    raises(RuntimeError, "permute(): duplicate dims are not allowed.", lambda: torch.ones(3, 2).permute(0, 0))
    raises(RuntimeError, "flatten() has invalid args: start_dim cannot come after end_dim",
           lambda: torch.ones(2, 2).flatten(1, 0))
    raises(RuntimeError, "t() expects a tensor with <= 2 dimensions, but self is 3D", lambda: torch.ones(2, 2, 2).t())


def test_cat_and_stack_errors():
    raises(RuntimeError, "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for "
                         "tensor number 1 in the list.", lambda: torch.cat([torch.ones(2, 3), torch.ones(2, 4)]))
    raises(RuntimeError, "Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for "
                         "tensor number 1 in the list.", lambda: torch.cat([torch.ones(2, 3), torch.ones(3, 3)], 1))
    raises(RuntimeError, "Tensors must have same number of dimensions: got 2 and 1",
           lambda: torch.cat([torch.ones(2, 3), torch.ones(3)]))
    raises(ValueError, "torch.cat(): expected a non-empty list of Tensors", lambda: torch.cat([]))
    raises(TypeError, "cat(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor",
           lambda: torch.cat(torch.ones(2)))
    raises(RuntimeError, "stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1",
           lambda: torch.stack([torch.ones(2), torch.ones(3)]))
    raises(RuntimeError, "stack expects a non-empty TensorList", lambda: torch.stack([]))


# ---------------------------------------------------------------------------------------------
# Dims and indices
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn, message", [
    (lambda x: x.sum(2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda x: x.sum(-3), "Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
    (lambda x: x.mean((0, 5)), "Dimension out of range (expected to be in range of [-2, 1], but got 5)"),
    (lambda x: x.max(2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda x: x.softmax(-3), "Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
    (lambda x: x.log_softmax(2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda x: x.cumsum(-3), "Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
    (lambda x: x.squeeze(2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda x: x.unsqueeze(-4), "Dimension out of range (expected to be in range of [-3, 2], but got -4)"),
    (lambda x: x.transpose(0, 5), "Dimension out of range (expected to be in range of [-2, 1], but got 5)"),
    (lambda x: x.permute(0, 2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda x: x.flip(2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda x: x.size(2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda x: x.var(3), "Dimension out of range (expected to be in range of [-2, 1], but got 3)"),
    (lambda x: x.norm(dim=2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda x: x.logsumexp(2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda x: torch.cat([x, x], 2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda x: torch.stack([x, x], 3), "Dimension out of range (expected to be in range of [-3, 2], but got 3)"),
    (lambda x: x.unbind(2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda x: x.split(1, 2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
])
def test_dim_out_of_range(fn, message):
    raises(IndexError, message, lambda: fn(torch.ones(4, 3)))


def test_repeated_dims():
    raises(RuntimeError, "dim 0 appears multiple times in the list of dims", lambda: torch.ones(4, 3).sum((0, 0)))
    raises(RuntimeError, "dim 1 appears multiple times in the list of dims", lambda: torch.ones(4, 3).sum((1, -1)))


@pytest.mark.parametrize("index, message", [
    (5, "index 5 is out of bounds for dimension 0 with size 4"),
    (-5, "index -5 is out of bounds for dimension 0 with size 4"),
    ((1, 3), "index 3 is out of bounds for dimension 1 with size 3"),
    ((slice(None), 5), "index 5 is out of bounds for dimension 1 with size 3"),
    ([0, 5], "index 5 is out of bounds for dimension 0 with size 4"),
    (([1], [7]), "index 7 is out of bounds for dimension 1 with size 3"),
    ((1, 2, 0), "too many indices for tensor of dimension 2"),
])
def test_index_out_of_range(index, message):
    x = torch.ones(4, 3)
    raises(IndexError, message, lambda: x[index])
    if not isinstance(index, list):
        def assign():
            x[index] = 1.0
        raises(IndexError, message, assign)


def test_index_tensor_out_of_range():
    raises(IndexError, "index 5 is out of bounds for dimension 0 with size 4", lambda: torch.ones(4)[torch.tensor(5)])
    raises(IndexError, "index 5 is out of bounds for dimension 0 with size 4", lambda: torch.ones(4)[torch.tensor([5])])


def test_bad_index_types():
    raises(IndexError, "tensors used as indices must be long, int, byte or bool tensors",
           lambda: torch.ones(3)[torch.tensor([1.0])])
    raises(IndexError, "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                       "indices (got float)", lambda: torch.ones(3)[1.5])
    raises(TypeError, "cannot be used as a tensor index", lambda: torch.ones(3)["a"])
    raises(ValueError, "step must be greater than zero", lambda: torch.ones(3)[::-1])


def test_bool_mask_of_the_wrong_shape():
    raises(IndexError, "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [4] at "
                       "index 0", lambda: torch.ones(4)[torch.tensor([True, False])])
    raises(IndexError, "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [2, 3] at "
                       "index 1", lambda: torch.ones(2, 3)[:, torch.tensor([True, False])])
    raises(IndexError, "The shape of the mask [2, 2] at index 1 does not match the shape of the indexed tensor "
                       "[2, 3] at index 1", lambda: torch.ones(2, 3)[torch.ones(2, 2, dtype=torch.bool)])


def test_setitem_value_of_the_wrong_shape():
    x = torch.zeros(2, 3)

    def assign():
        x[0] = torch.ones(4)
    raises(RuntimeError, "shape mismatch: value tensor of shape [4] cannot be broadcast to indexing result of shape [3]",
           assign)


def test_gather_index_select_masked_fill_errors():
    x = torch.ones(3, 4)
    raises(RuntimeError, "Index tensor must have the same number of dimensions as input tensor",
           lambda: x.gather(1, torch.tensor([0])))
    raises(RuntimeError, "index 5 is out of bounds for dimension 1 with size 4", lambda: x.gather(1, torch.tensor([[5]])))
    raises(IndexError, "index out of range in self", lambda: x.index_select(0, torch.tensor([5])))
    raises(IndexError, "index_select(): Index is supposed to be a vector", lambda: x.index_select(0, torch.tensor([[0]])))
    raises(RuntimeError, "masked_fill_ only supports boolean masks, but got mask with dtype float",
           lambda: x.masked_fill(torch.ones(3, 4), 1.0))
    raises(RuntimeError, "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s).",
           lambda: x.masked_fill(torch.ones(3, 4, dtype=torch.bool), torch.ones(2)))
    raises(RuntimeError, "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 1",
           lambda: x.masked_fill(torch.ones(2, dtype=torch.bool), 1.0))
    raises(RuntimeError, "where expected condition to be a boolean tensor, but got a tensor with dtype Float",
           lambda: torch.where(torch.ones(2), torch.ones(2), torch.ones(2)))


# ---------------------------------------------------------------------------------------------
# Wrong operand types
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn, message", [
    (lambda x: x + "a", "unsupported operand type(s) for +: 'Tensor' and 'str'"),
    (lambda x: "a" + x, 'can only concatenate str (not "Tensor") to str'),
    (lambda x: x - "a", "unsupported operand type(s) for -: 'Tensor' and 'str'"),
    (lambda x: x * None, "unsupported operand type(s) for *: 'Tensor' and 'NoneType'"),
    (lambda x: x / "a", "unsupported operand type(s) for /: 'Tensor' and 'str'"),
    (lambda x: x ** "a", "unsupported operand type(s) for ** or pow(): 'Tensor' and 'str'"),
    (lambda x: x @ "a", "unsupported operand type(s) for @: 'Tensor' and 'str'"),
    (lambda x: x - [1, 2], "unsupported operand type(s) for -: 'Tensor' and 'list'"),
    (lambda x: x < "a", "'<' not supported between instances of 'Tensor' and 'str'"),
    (lambda x: x + {}, "unsupported operand type(s) for +: 'Tensor' and 'dict'"),
])
def test_operators_with_wrong_operand_types(fn, message):
    raises(TypeError, message, lambda: fn(torch.ones(2)))


def test_in_place_operator_with_a_wrong_type():
    x = torch.ones(2)

    def iadd():
        nonlocal x
        x += "a"
    raises(TypeError, "unsupported operand type(s) for +=: 'Tensor' and 'str'", iadd)


@pytest.mark.parametrize("fn, message", [
    (lambda x: torch.add(x, "a"), "add(): argument 'other' (position 2) must be Tensor, not str"),
    (lambda x: torch.mul(x, [1, 2]), "mul(): argument 'other' (position 2) must be Tensor, not list"),
    (lambda x: x.add("a"), "add(): argument 'other' (position 2) must be Tensor, not str"),
    (lambda x: torch.exp("a"), "exp(): argument 'input' (position 1) must be Tensor, not str"),
    (lambda x: torch.exp([1.0, 2.0]), "exp(): argument 'input' (position 1) must be Tensor, not list"),
    (lambda x: torch.sin(2.0), "sin(): argument 'input' (position 1) must be Tensor, not float"),
    (lambda x: torch.sum([1, 2]), "sum(): argument 'input' (position 1) must be Tensor, not list"),
    (lambda x: torch.mean(np.ones(2)), "mean(): argument 'input' (position 1) must be Tensor, not ndarray"),
    (lambda x: torch.max([1, 2]), "max(): argument 'input' (position 1) must be Tensor, not list"),
    (lambda x: torch.clamp([1.0], 0, 1), "clamp(): argument 'input' (position 1) must be Tensor, not list"),
    (lambda x: torch.neg(1.0), "neg(): argument 'input' (position 1) must be Tensor, not float"),
    (lambda x: torch.where(x > 0, x, "a"), "where(): argument 'other' (position 3) must be Tensor, not str"),
    (lambda x: torch.cat([x, 1.0]), "cat(): expected Tensor as element 1 in argument 0, but got float"),
    (lambda x: torch.mm(x, [[1.0]]), "mm(): argument 'mat2' (position 2) must be Tensor, not list"),
])
def test_functions_with_wrong_argument_types(fn, message):
    raises(TypeError, message, lambda: fn(torch.ones(2)))


def test_bool_negation_and_integer_powers():
    raises(RuntimeError, "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert "
                         "a mask, use the `~` or `logical_not()` operator instead.", lambda: -torch.tensor([True]))
    raises(RuntimeError, "Integers to negative integer powers are not allowed.", lambda: torch.tensor([1, 2]) ** -1)
    raises(RuntimeError, "Integers to negative integer powers are not allowed.",
           lambda: torch.tensor([2]) ** torch.tensor([-1]))
    raises(RuntimeError, "Integers to negative integer powers are not allowed.", lambda: 2 ** torch.tensor([-1]))
    assert (torch.tensor([2.0]) ** -1).tolist() == [0.5]


# ---------------------------------------------------------------------------------------------
# Reductions and conversions
# ---------------------------------------------------------------------------------------------
def test_reduction_errors():
    raises(RuntimeError, "mean(): could not infer output dtype. Input dtype must be either a floating point or "
                         "complex dtype. Got: Long", lambda: torch.tensor([1, 2]).mean())
    raises(RuntimeError, "std and var only support floating point and complex dtypes", lambda: torch.tensor([1, 2]).var())
    raises(RuntimeError, "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long",
           lambda: torch.tensor([1, 2]).norm())
    raises(TypeError, "prod(): argument 'dim' must be int, not tuple", lambda: torch.ones(2, 2).prod(dim=(0, 1)))
    raises(RuntimeError, "max(): Expected reduction dim to be specified for input.numel() == 0.",
           lambda: torch.ones(0).max())
    raises(RuntimeError, "torch.clamp: At least one of 'min' or 'max' must not be None", lambda: torch.ones(3).clamp())
    raises(TypeError, "missing 1 required positional argument: 'dim'", lambda: torch.ones(2).logsumexp())


def test_conversion_errors():
    raises(RuntimeError, "a Tensor with 2 elements cannot be converted to Scalar", lambda: torch.ones(2).item())
    raises(RuntimeError, "Boolean value of Tensor with more than one value is ambiguous", lambda: bool(torch.ones(2)))
    raises(TypeError, "len() of a 0-d tensor", lambda: len(torch.tensor(1.0)))
    raises(RuntimeError, "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",
           lambda: torch.ones(2, requires_grad=True).numpy())
    raises(RuntimeError, "Can't call numpy() on Tensor that requires grad.",
           lambda: np.asarray(torch.ones(2, requires_grad=True)))
    raises(ValueError, "invalid type: 'torch.ComplexTensor'", lambda: torch.ones(2).type("torch.ComplexTensor"))


def test_errors_never_leak_numpy_internals():
    """A sweep of bad calls: every error is one of PyTorch's types with a message that does not
    come from NumPy (no 'operands could not be broadcast', no 'axis', no 'ufunc')."""
    bad_calls = [
        lambda: torch.ones(3) + torch.ones(4), lambda: torch.ones(2, 3) @ torch.ones(2, 3),
        lambda: torch.ones(4)[9], lambda: torch.ones(2, 3).sum(4), lambda: torch.ones(2, 3).view(7),
        lambda: torch.cat([torch.ones(2, 3), torch.ones(2, 4)]), lambda: torch.ones(3).expand(2, 4),
        lambda: torch.ones(3, 4).max(5), lambda: torch.tensor([[1, 2], [3]]), lambda: torch.ones(2).split(0),
        lambda: torch.ones(2, 2).flip(3), lambda: torch.ones(2)[[0, 7]], lambda: torch.zeros(-1),
        lambda: torch.ones(2, 3).softmax(3), lambda: torch.ones(3).unbind(1), lambda: torch.ones(2).chunk(0),
        lambda: torch.where(torch.tensor([True, False]), torch.ones(3), torch.ones(2)),
        lambda: torch.stack([torch.ones(2), torch.ones(2, 1)]),
    ]
    numpy_words = re.compile(r"operands could not be broadcast|\baxis\b|ufunc|ndarray|numpy")
    for call in bad_calls:
        with pytest.raises((RuntimeError, IndexError, ValueError, TypeError)) as info:
            call()
        assert not numpy_words.search(str(info.value)), str(info.value)
