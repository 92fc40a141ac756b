"""The finite-difference cases of every differentiable op: ``case(name, fn, *input specs)``.

Each case is checked against finite differences (first and, unless ``second=False``, second
order) by ``test_engine_gradients.py``; ``test_op_coverage.py`` fails for an op of the table that
no case records. Input specs: a shape (standard normal values), ``P(shape)`` (positive values),
``Away(shape)`` (values away from 0), or an array.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from gradient_support import F64, Away, P

import autogradviz as torch

# ---------------------------------------------------------------------------------------------
# The op table: (id, fn, input specs, options)
# ---------------------------------------------------------------------------------------------
CASES = []


def case(name, fn, *specs, second=True, **opts):
    CASES.append(pytest.param(fn, specs, opts, second, id=name))


BROADCAST_PAIRS = [((3, 1), (4,)), ((2, 3, 4), (3, 1)), ((4,), (3, 1)), ((), (2, 3)), ((2, 1, 4), (1, 3, 1)),
                   ((2, 3), (2, 3))]

for sa, sb in BROADCAST_PAIRS:
    tag = f"{sa}x{sb}".replace(" ", "")
    case(f"add{tag}", lambda a, b: a + b, sa, sb)
    case(f"sub{tag}", lambda a, b: a - b, sa, sb)
    case(f"mul{tag}", lambda a, b: a * b, sa, sb)
    case(f"div{tag}", lambda a, b: a / b, sa, P(sb))
    case(f"pow_tensor{tag}", lambda a, b: a ** b, P(sa), sb)
    case(f"maximum{tag}", lambda a, b: torch.maximum(a, b), sa, sb)
    case(f"minimum{tag}", lambda a, b: torch.minimum(a, b), sa, sb)
    case(f"where{tag}", lambda a, b: torch.where(a > 0, a, b), sa, sb)
    case(f"add_alpha{tag}", lambda a, b: torch.add(a, b, alpha=2.5), sa, sb)
    case(f"sub_alpha{tag}", lambda a, b: torch.sub(a, b, alpha=-0.5), sa, sb)

# Scalars on either side
case("add_scalar", lambda a: a + 2, (3,))
case("radd_scalar", lambda a: 2.5 + a, (3,))
case("sub_scalar", lambda a: a - 2, (3,))
case("rsub_scalar", lambda a: 2 - a, (3,))
case("mul_scalar", lambda a: a * 2.5, (3,))
case("rmul_scalar", lambda a: -3 * a, (3,))
case("div_scalar", lambda a: a / 4, (3,))
case("rdiv_scalar", lambda a: 2 / a, P((3,)))
case("neg", lambda a: -a, (2, 3))
case("neg_fn", lambda a: torch.neg(a), (2, 3))
case("pos", lambda a: +a * 1, (3,))

# pow in all three forms
for p in (2, 3, 0.5, -1, -2.5, 1, 0):
    case(f"pow_scalar_exp_{p}", lambda a, p=p: a ** p, P((2, 3)))
case("pow_int_exp_negative_base", lambda a: a ** 3, (2, 3))
case("pow_fn_scalar_exp", lambda a: torch.pow(a, 2.5), P((3,)))
case("pow_tensor_exp", lambda a, b: a ** b, P((2, 3)), (2, 3))
case("pow_tensor_exp_fn", lambda a, b: torch.pow(a, b), P((3,)), (3,))
case("pow_scalar_base", lambda a: 2.0 ** a, (2, 3))
case("pow_scalar_base_fn", lambda a: torch.pow(1.5, a), (3,))
case("pow_scalar_base_int", lambda a: 3 ** a, (3,))
case("square", lambda a: a.square(), (3,))
case("reciprocal", lambda a: a.reciprocal(), P((2, 3)))
case("reciprocal_negative", lambda a: torch.reciprocal(-a), P((3,)))

# Math functions and activations
case("exp", lambda a: a.exp(), (2, 3))
case("log", lambda a: a.log(), P((2, 3)))
case("sin", lambda a: a.sin(), (2, 3))
case("cos", lambda a: a.cos(), (2, 3))
case("tan", lambda a: (a * 0.5).tan(), (2, 3))
case("tanh", lambda a: a.tanh(), (2, 3))
case("atan2", lambda a, b: torch.atan2(a, b), (2, 3), (3,))
case("atan2_method", lambda a, b: a.atan2(b * 2), (3,), (2, 3))
case("sigmoid", lambda a: a.sigmoid(), (2, 3))
case("sigmoid_large", lambda a: (a * 30).sigmoid(), (5,))
case("relu", lambda a: a.relu(), Away((2, 3)))
case("relu_fn", lambda a: torch.relu(a), Away((2, 3)))
case("sqrt", lambda a: a.sqrt(), P((2, 3)))
case("rsqrt", lambda a: a.rsqrt(), P((2, 3)))
case("abs", lambda a: a.abs(), Away((2, 3)))
case("log1p", lambda a: a.log1p(), P((3,)))
case("expm1", lambda a: a.expm1(), (3,))
case("log2", lambda a: a.log2(), P((3,)))
case("log10", lambda a: a.log10(), P((3,)))
case("clamp_min", lambda a: a.clamp(min=0.1), Away((3, 4)))
case("clamp_max", lambda a: a.clamp(max=-0.1), Away((3, 4)))
case("clamp_both", lambda a: a.clamp(-0.5, 0.5), np.array([-1.3, -0.45, 0.0, 0.3, 0.7, 2.0]))
case("clamp_fn", lambda a: torch.clamp(a, min=-0.5, max=0.5), np.array([-1.3, -0.45, 0.3, 0.7]))
case("clip", lambda a: a.clip(-0.5, 0.5), np.array([-1.3, -0.45, 0.3, 0.7]))
case("clamp_min_method", lambda a: a.clamp_min(0.0), Away((4,)))
case("clamp_max_method", lambda a: a.clamp_max(0.0), Away((4,)))
case("clamp_tensor_bounds", lambda a, lo, hi: a.clamp(min=lo, max=hi - 2), (3, 4), (4,), (3, 1))
case("clamp_min_tensor", lambda a, lo: a.clamp_min(lo), (3, 4), (4,))
case("clamp_max_tensor", lambda a, hi: torch.clamp_max(a, hi), (3, 4), (3, 1))
case("where_scalar_other", lambda a: torch.where(a > 0, a, 0.0), Away((3, 4)))
case("where_scalar_input", lambda a: torch.where(a > 0, 1.0, a * 2), Away((3, 4)))
case("where_method", lambda a, b: a.where(a < 0, b), (3, 4), (4,))
case("masked_fill", lambda a: a.masked_fill(a > 0, 0.5), Away((3, 4)))
case("sign_times", lambda a: a.sign() * a, Away((4,)))
case("floor_plus", lambda a: a.floor() + a, np.array([0.3, 1.6, -2.4]))
case("ceil_plus", lambda a: a.ceil() * 2 + a, np.array([0.3, 1.6, -2.4]))
case("round_plus", lambda a: a.round() - a, np.array([0.3, 1.6, -2.4]))
case("remainder", lambda a: a % 1.5, np.array([0.3, 1.6, -2.4, 4.0]))
case("fmod_like_remainder_fn", lambda a: torch.remainder(a, 2.0) * a, np.array([0.3, 2.6, -2.4]))
case("remainder_tensor", lambda a, b: torch.remainder(a, b), np.array([0.3, 1.6, -2.4, 4.0]),
     np.array([1.5, 0.7, 1.1, -3.0]))
case("rmod_tensor", lambda a: 2.0 % a, np.array([0.7, -1.3, 3.0]))
case("masked_fill_tensor_value", lambda a, v: a.masked_fill(a > 0, v.sum() * 2), Away((3, 4)), (2,))

# Elementwise max/min (and max/min with a tensor)
case("max_elementwise", lambda a, b: torch.max(a, b), (3, 4), (4,))
case("min_elementwise", lambda a, b: torch.min(a, b), (3, 4), (3, 1))
case("max_method_tensor", lambda a, b: a.max(b), (3, 4), (3, 4))

# Reductions
case("max_all", lambda a: a.max(), (3, 4))
case("min_all", lambda a: a.min(), (3, 4))
for d in (0, 1, -1):
    for kd in (False, True):
        case(f"max_dim{d}_keepdim{kd}", lambda a, d=d, kd=kd: a.max(dim=d, keepdim=kd).values, (3, 4))
        case(f"min_dim{d}_keepdim{kd}", lambda a, d=d, kd=kd: torch.min(a, d, kd)[0], (3, 4))
case("amax", lambda a: a.amax(dim=(0, 2)), (2, 3, 4))
case("amin_keepdim", lambda a: torch.amin(a, dim=1, keepdim=True), (2, 3, 4))
case("amax_all", lambda a: a.amax(), (2, 3))

REDUCTIONS = {
    "sum": lambda a, **k: a.sum(**k),
    "mean": lambda a, **k: a.mean(**k),
    "var": lambda a, **k: a.var(**k),
    "std": lambda a, **k: a.std(**k),
    "var_biased": lambda a, **k: a.var(unbiased=False, **k),
    "std_correction0": lambda a, **k: torch.std(a, correction=0, **k),
    "norm_p1": lambda a, **k: a.norm(p=1, **k),
    "norm_p2": lambda a, **k: a.norm(p=2, **k),
    "norm_pinf": lambda a, **k: a.norm(p=math.inf, **k),
    "norm_p3": lambda a, **k: a.norm(p=3, **k),
    "norm_fro": lambda a, **k: torch.norm(a, **k),
    "logsumexp": lambda a, **k: a.logsumexp(**k),
}
for rname, red in REDUCTIONS.items():
    spec = Away((2, 3, 4)) if rname.startswith("norm_p1") else (2, 3, 4)
    dims = [1, -1, (0, 2), (1,)] if rname == "logsumexp" else [None, 1, -1, (0, 2), (1,)]
    for dim in dims:
        for kd in (False, True):
            if dim is None and kd and rname in ("logsumexp",):
                continue
            kw = {} if dim is None and not kd else {"dim": dim if dim is not None else (0, 1, 2), "keepdim": kd}
            case(f"{rname}_dim{dim}_keepdim{kd}".replace(" ", ""), lambda a, red=red, kw=kw: red(a, **kw), spec)
case("sum_no_dim_keepdim", lambda a: a.sum(keepdim=True), (2, 3))
case("sum_empty_dim_is_everything", lambda a: a.sum(dim=()), (2, 3))
case("prod_all", lambda a: a.prod(), Away((2, 3)))
case("prod_all_with_one_zero", lambda a: a.prod(), np.array([1.5, 0.0, -2.0, 0.7]))
case("prod_all_with_two_zeros", lambda a: a.prod(), np.array([1.5, 0.0, -2.0, 0.0]))
for d in (0, 1, -1):
    for kd in (False, True):
        case(f"prod_dim{d}_keepdim{kd}", lambda a, d=d, kd=kd: a.prod(d, keepdim=kd), Away((3, 4)))
case("prod_dim_with_zeros", lambda a: a.prod(1), np.array([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, 2.0, 3.0]]))
case("sum_fn_dim_list", lambda a: torch.sum(a, [0, 1]), (2, 3, 4))
case("mean_fn", lambda a: torch.mean(a, 0, True), (2, 3))
case("var_fn_positional", lambda a: torch.var(a, 1), (2, 3))
case("std_single_dim_fn", lambda a: torch.std(a, dim=0, keepdim=True), (2, 3))
case("logsumexp_fn", lambda a: torch.logsumexp(a, 0), (3, 2))
for d in (0, 1, -1):
    case(f"cumsum_dim{d}", lambda a, d=d: a.cumsum(d), (3, 4))
case("cumsum_fn", lambda a: torch.cumsum(a, dim=0), (5,))
for fname in ("softmax", "log_softmax"):
    for d in (0, 1, 2, -1):
        case(f"{fname}_dim{d}", lambda a, d=d, f=fname: getattr(a, f)(d), (2, 3, 4))
        case(f"{fname}_fn_dim{d}", lambda a, d=d, f=fname: getattr(torch, f)(a, dim=d), (2, 3, 4))
case("softmax_1d", lambda a: a.softmax(0), (5,))

# Shapes
case("reshape", lambda a: a.reshape(4, 6) * 1, (2, 3, 4))
case("reshape_infer", lambda a: a.reshape(-1, 2), (2, 3, 4))
case("reshape_tuple", lambda a: torch.reshape(a, (6, 4)), (2, 3, 4))
case("view", lambda a: a.view(6, 4), (2, 3, 4))
case("view_infer", lambda a: a.view(-1), (2, 3, 4))
case("view_as", lambda a, b: a.view_as(b) * b, (2, 3), (3, 2))
case("flatten", lambda a: a.flatten(), (2, 3, 4))
case("flatten_range", lambda a: a.flatten(1, 2), (2, 3, 4))
case("flatten_fn", lambda a: torch.flatten(a, 0, 1), (2, 3, 4))
case("squeeze_all", lambda a: a.squeeze(), (2, 1, 3, 1))
case("squeeze_dim", lambda a: a.squeeze(1), (2, 1, 3))
case("squeeze_negative_dim", lambda a: a.squeeze(-1), (2, 3, 1))
case("squeeze_tuple", lambda a: a.squeeze((1, 3)), (2, 1, 3, 1))
case("unsqueeze", lambda a: a.unsqueeze(1), (2, 3))
case("unsqueeze_negative", lambda a: a.unsqueeze(-1), (2, 3))
case("transpose", lambda a: a.transpose(0, 2), (2, 3, 4))
case("transpose_negative", lambda a: torch.transpose(a, -1, -2), (2, 3, 4))
case("t", lambda a: a.t(), (2, 3))
case("t_fn", lambda a: torch.t(a), (2, 3))
case("T", lambda a: a.T, (2, 3))
case("mT", lambda a: a.mT, (2, 3, 4))
case("permute", lambda a: a.permute(2, 0, 1), (2, 3, 4))
case("permute_tuple", lambda a: torch.permute(a, (1, 2, 0)), (2, 3, 4))
case("expand", lambda a: a.expand(2, 3, 4), (3, 1))
case("expand_minus_one", lambda a: a.expand(5, -1, 4), (3, 1))
case("expand_as", lambda a, b: a.expand_as(b) * b, (3, 1), (3, 4))
case("broadcast_to", lambda a: torch.broadcast_to(a, (2, 3)), (3,))
case("flip", lambda a: a.flip(0), (2, 3))
case("flip_dims", lambda a: a.flip((0, 2)), (2, 3, 4))
case("flip_fn", lambda a: torch.flip(a, [-1]), (2, 3))
case("movedim", lambda a: a.movedim(0, 2), (2, 3, 4))
case("reshape_of_transpose_copies", lambda a: a.t().reshape(6), (2, 3))      # UnsafeViewBackward0
case("reshape_of_transpose_aliases", lambda a: a.t().reshape(3, 2, 1), (2, 3))  # ReshapeAliasBackward0
case("flatten_of_transpose", lambda a: a.t().flatten(), (2, 3))
case("diagonal", lambda a: a.diagonal(), (3, 4))
case("diagonal_offsets", lambda a: a.diagonal(1) * a.diagonal(-1).sum(), (3, 4))
case("diagonal_dims_fn", lambda a: torch.diagonal(a, 0, 2, 0), (3, 2, 4))
case("select", lambda a: a.select(1, -1), (3, 4))
case("select_fn", lambda a: torch.select(a, 0, 1), (3, 4))
case("narrow", lambda a: a.narrow(1, 1, 2), (3, 4))
case("narrow_fn_negative_start", lambda a: torch.narrow(a, 0, -2, 2), (3, 4))

# Indexing
case("getitem_int", lambda a: a[1], (4, 3))
case("getitem_negative_int", lambda a: a[-1], (4, 3))
case("getitem_two_ints", lambda a: a[2, -2], (4, 3))
case("getitem_slice", lambda a: a[1:3], (4, 3))
case("getitem_step_slice", lambda a: a[::2, 1:], (4, 3))
case("getitem_negative_slice", lambda a: a[-3:-1], (4, 3))
case("getitem_none", lambda a: a[None, :, 1], (4, 3))
case("getitem_ellipsis", lambda a: a[..., 1], (2, 4, 3))
case("getitem_ellipsis_none", lambda a: a[..., None, 0], (2, 4, 3))
case("getitem_int_list", lambda a: a[[0, 2]], (4, 3))
case("getitem_repeated", lambda a: a[[0, 0, 2, 0]], (4, 3))
case("getitem_repeated_tensor", lambda a: a[torch.tensor([3, 3, 1])], (4, 3))
case("getitem_two_lists", lambda a: a[[0, 1, 0], [2, 0, 2]], (4, 3))
case("getitem_list_second_dim", lambda a: a[:, [2, 2, 0]], (4, 3))
case("getitem_bool_mask", lambda a: a[a > 0], (4, 3))
case("getitem_bool_row_mask", lambda a: a[torch.tensor([True, False, True, True])], (4, 3))
case("getitem_2d_index_tensor", lambda a: a[torch.tensor([[0, 1], [3, 3]])], (4, 3))
case("gather", lambda a: a.gather(1, torch.tensor([[0, 0], [1, 0], [2, 1]])), (3, 4))
case("gather_fn", lambda a: torch.gather(a, 0, torch.tensor([[2, 0, 1, 1]])), (3, 4))
case("index_select", lambda a: a.index_select(0, torch.tensor([2, 0, 2])), (3, 4))
case("index_select_fn", lambda a: torch.index_select(a, 1, torch.tensor([3, 3])), (3, 4))


def setitem_basic(a, v):
    y = a * 1
    y[1] = v
    return y


def setitem_slice(a, v):
    y = a * 1
    y[:, 1:3] = v
    return y


def setitem_advanced(a, v):
    y = a.sin()  # sin saves its input, not its output: overwriting the output is allowed
    y[[0, 2]] = v * 2
    return y


def setitem_mask(a, v):
    y = a * 1
    y[torch.tensor([True, False, True, False])] = v
    return y


def setitem_scalar_value(a):
    y = a * 2
    y[0, 0] = 5.0
    y[2] = 0.0
    return y


def setitem_tensor_index(a, v):
    y = a.cos()
    y[torch.tensor(1), 2:] = v
    return y


def fill_non_leaf(a):
    y = a * 3
    y.fill_(2.0)  # overwritten: the gradient only flows through the second factor
    return y * a


def zero_non_leaf(a):
    y = a * 3
    y.zero_()  # ZeroBackward0: nothing flows through the zeroed factor
    return y + a * a


def relu_in_place(a):
    y = a * 2
    torch.relu_(y)
    return y * a


def write_through_view(a, b):
    y = a * 1
    y[1].mul_(b)  # CopySlices on y, the row's history remade (AsStridedBackward0)
    y.diagonal().add_(b[:2] * b[:2])
    return y * a


def copy_into_non_leaf(a, b):
    y = a * 2
    y.copy_(b.exp())
    return y * a


def setitem_then_square(a, v):
    y = a * 1
    y[[0, 2]] = v
    return y * y  # second order goes through the backward of the assignment itself


case("fill_on_non_leaf", fill_non_leaf, (2, 3))
case("copy_into_non_leaf", copy_into_non_leaf, (2, 3), (3,))
case("zero_on_non_leaf", zero_non_leaf, (2, 3))
case("relu_in_place", relu_in_place, Away((2, 3)))
case("write_through_view", write_through_view, (2, 3), (3,))
case("setitem_then_square", setitem_then_square, (4, 3), (2, 3))
case("getitem_then_square", lambda a: a[[0, 0, 2]] ** 2, (4, 3))
case("getitem_slice_then_cube", lambda a: a[1:, ::2] ** 3, (4, 3))
case("setitem_int_row", setitem_basic, (4, 3), (3,))
case("setitem_slice_broadcast_value", setitem_slice, (4, 3), (4, 1))
case("setitem_advanced", setitem_advanced, (4, 3), (2, 3))
case("setitem_bool_mask", setitem_mask, (4, 3), (3,))
case("setitem_python_scalar", setitem_scalar_value, (4, 3))
case("setitem_zero_dim_tensor_index", setitem_tensor_index, (3, 4), (2,))

# Joining and splitting
case("cat_dim0", lambda a, b: torch.cat([a, b]), (2, 3), (4, 3))
case("cat_dim1", lambda a, b, c: torch.cat((a, b, c), dim=1), (2, 3), (2, 1), (2, 2))
case("cat_negative_dim", lambda a, b: torch.cat([a, b], -1), (2, 3), (2, 2))
case("cat_same_tensor_twice", lambda a: torch.cat([a, a * 2]), (2, 3))
case("concat", lambda a, b: torch.concat([a, b], 1), (2, 3), (2, 2))
case("stack_dim0", lambda a, b: torch.stack([a, b]), (2, 3), (2, 3))
case("stack_dim_last", lambda a, b, c: torch.stack((a, b, c), dim=-1), (2, 3), (2, 3), (2, 3))
case("split_size", lambda a: a.split(2, 1)[1], (2, 5))
case("split_last_short", lambda a: torch.split(a, 2, dim=1)[2], (2, 5))
case("split_sections", lambda a: a.split([1, 4], 1)[1], (2, 5))
case("split_all_used", lambda a: torch.cat([p * (i + 1) for i, p in enumerate(a.split(2))]), (5, 2))
case("chunk", lambda a: a.chunk(3, 1)[2], (2, 5))
case("chunk_all_used", lambda a: torch.stack([p.sum() for p in a.chunk(2)]), (5, 2))
case("unbind", lambda a: a.unbind(1)[1], (2, 5))
case("unbind_all_used", lambda a: torch.stack([p * i for i, p in enumerate(torch.unbind(a))]), (3, 2))
case("iterate", lambda a: torch.stack([row.sum() * i for i, row in enumerate(a)]), (3, 2))

# Matrix products, every rank combination
MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                 ((2, 3), (5, 3, 4)), ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
                 ((2, 1, 2, 3), (5, 3, 4)), ((1, 2, 3), (4, 3, 2))]
for sa, sb in MATMUL_SHAPES:
    tag = f"{sa}@{sb}".replace(" ", "")
    case(f"matmul{tag}", lambda a, b: a @ b, sa, sb)
case("matmul_fn", lambda a, b: torch.matmul(a, b), (2, 3), (3, 2))
case("matmul_method", lambda a, b: a.matmul(b), (2, 3), (3,))
case("matmul_with_own_transpose", lambda b: b.T @ b, (3, 2))
case("mm", lambda a, b: torch.mm(a, b), (2, 3), (3, 4))
case("mm_method", lambda a, b: a.mm(b), (2, 3), (3, 4))
case("mv", lambda a, b: torch.mv(a, b), (2, 3), (3,))
case("mv_method", lambda a, b: a.mv(b), (2, 3), (3,))
case("dot", lambda a, b: torch.dot(a, b), (4,), (4,))
case("dot_method", lambda a, b: a.dot(b), (4,), (4,))
case("dot_same", lambda a: a.dot(a), (4,))
case("outer", lambda a, b: torch.outer(a, b), (3,), (2,))
case("outer_method", lambda a, b: a.outer(b), (3,), (2,))
case("addmm", lambda c, a, b: torch.addmm(c, a, b), (2,), (3, 4), (4, 2))
case("addmm_full_bias", lambda c, a, b: torch.addmm(c, a, b), (3, 2), (3, 4), (4, 2))
case("addmm_column_bias", lambda c, a, b: torch.addmm(c, a, b), (3, 1), (3, 4), (4, 2))
case("addmm_alpha_beta", lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=2.0), (2,), (3, 4), (4, 2))

# Conversion and copies
case("to_float32_and_back", lambda a: a.to(torch.float32).to(torch.float64) * 3, (3,), eps=1e-2, atol=1e-4,
     second=False)
case("float_double", lambda a: a.float().double() * torch.tensor([1.0, -2.0, 3.0], dtype=F64), (3,), eps=1e-2,
     atol=1e-4, second=False)
case("to_same_dtype_is_identity", lambda a: a.to(torch.float64) * 2, (3,))
case("to_dtype_keyword", lambda a: a.to(dtype=torch.float32).to(dtype=torch.float64), (3,), eps=1e-2, atol=1e-4,
     second=False)
case("clone", lambda a: a.clone() * a, (2, 3))
case("clone_fn", lambda a: torch.clone(a), (2, 3))
case("contiguous", lambda a: a.t().contiguous(), (2, 3))

# A custom Function, and one with a non-tensor argument
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


class ScaledProduct(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, k, b):
        ctx.save_for_backward(a, b)
        ctx.k = k
        return a * b * k

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b * ctx.k, None, g * a * ctx.k


case("custom_function", lambda a: Cube.apply(a), (2, 3))
case("custom_function_composed", lambda a: Cube.apply(a.sin()).sum(0), (2, 3))
case("custom_function_broadcast_grad", lambda a, b: ScaledProduct.apply(a, 2.5, b), (3, 1), (4,))

# Compositions that reuse tensors (gradient accumulation inside one graph)
case("reuse_in_two_branches", lambda a: a * a.exp() + a.sin() * a, (3,))
def diamond(a):
    b = a * 2  # one node feeding two branches that meet again
    return b * b + b.exp()


case("diamond", diamond, (3,))
case("mlp", lambda x, w1, b1, w2: ((x @ w1 + b1).tanh() @ w2).sigmoid(), (4, 3), (3, 5), (5,), (5, 2))
case("softmax_cross_entropy", lambda z: -(z.log_softmax(1)[torch.arange(3), torch.tensor([0, 2, 1])]).mean(),
     (3, 4))
case("normalize", lambda x: (x - x.mean(1, keepdim=True)) / x.std(1, keepdim=True), (3, 4))

# Losses (every reduction is checked in test_nn_functional.py)
case("mse_loss", lambda a, b: torch.nn.functional.mse_loss(a, b), (3, 4), (3, 4))
case("nll_loss", lambda a: torch.nn.functional.nll_loss(a, torch.tensor([0, 2, 1])), (3, 4))
case("binary_cross_entropy", lambda p, y: torch.nn.functional.binary_cross_entropy(p.sigmoid(), y.sigmoid()),
     (3, 4), (3, 4))
case("binary_cross_entropy_with_logits",
     lambda x, y: torch.nn.functional.binary_cross_entropy_with_logits(x, y.sigmoid()), (3, 4), (3, 4))

# More elementwise functions (ops/special.py)
case("atan", lambda a: a.atan(), (2, 3))
case("asin", lambda a: torch.asin(a * 0.4), (2, 3))
case("acos", lambda a: torch.acos(a * 0.4), (2, 3))
case("sinh", lambda a: a.sinh(), (2, 3))
case("cosh", lambda a: torch.cosh(a), (2, 3))
case("erf", lambda a: a.erf(), (2, 3))
case("logaddexp", lambda a, b: torch.logaddexp(a, b), (2, 3), (2, 3))
case("lerp", lambda a, b: torch.lerp(a, b, 0.3), (2, 3), (3,))
case("lerp_tensor", lambda a, b, w: a.lerp(b, w), (2, 3), (2, 3), (3,))

# Activation functions of nn (ops/nonlinear.py)
case("gelu", lambda a: torch.nn.functional.gelu(a), (2, 3))
case("gelu_tanh", lambda a: torch.nn.functional.gelu(a, approximate="tanh"), (2, 3))
case("silu", lambda a: torch.nn.functional.silu(a), (2, 3))
case("leaky_relu", lambda a: torch.nn.functional.leaky_relu(a, 0.2), Away((2, 3)))
case("elu", lambda a: torch.nn.functional.elu(a, alpha=0.7), Away((2, 3)))
# their gradients are ops too (leaky_relu_backward, elu_backward): squared, so the gradient depends on a
case("leaky_relu_squared", lambda a: torch.nn.functional.leaky_relu(a, 0.2) ** 2, Away((2, 3)))
case("elu_squared", lambda a: torch.nn.functional.elu(a, alpha=0.7) ** 2, Away((2, 3)))
case("leaky_relu_in_place", lambda a: torch.nn.functional.leaky_relu_(a * 1, 0.2) ** 2, Away((2, 3)))
case("elu_in_place", lambda a: torch.nn.functional.elu_(a * 1, alpha=0.7) ** 2, Away((2, 3)))
case("softplus", lambda a: torch.nn.functional.softplus(a * 5, beta=2.0, threshold=6.0), Away((2, 3)))

# Matrices and rearranging (ops/matrix.py, ops/rearrange.py)
case("bmm", lambda a, b: torch.bmm(a, b), (2, 3, 4), (2, 4, 2))
case("tril", lambda a: torch.tril(a), (3, 4))
case("trace", lambda a: torch.trace(a) * a.trace(), (3, 4))
case("triu_diagonal", lambda a: a.triu(1), (2, 3, 3))
case("diag_of_matrix", lambda a: torch.diag(a, -1), (3, 4))
case("diag_of_vector", lambda a: torch.diag(a, 1), (3,))
case("roll", lambda a: torch.roll(a, (1, -2), (0, 1)), (3, 4))
case("roll_flat", lambda a: a.roll(2), (2, 3))
case("repeat", lambda a: a.repeat(2, 1, 3), (2, 3))
case("tile", lambda a: torch.tile(a, (2,)), (2, 3))
case("sort", lambda a: torch.sort(a, 1, descending=True).values, (3, 4))
case("topk", lambda a: a.topk(2, dim=0).values, (4, 3))
case("cumprod", lambda a: torch.cumprod(a, 1), Away((2, 4)))
case("cumprod_with_zero", lambda a: torch.cumprod(a * torch.tensor([1.0, 0.0, 1.0, 1.0], dtype=F64), 1), (2, 4),
     second=False)

# Lookups and normalisation (ops/normalization.py)
case("embedding", lambda w: torch.nn.functional.embedding(torch.tensor([[0, 2], [2, 3]]), w), (4, 3))
case("layer_norm", lambda a, w, b: torch.nn.functional.layer_norm(a, (4,), w, b), (3, 4), (4,), (4,))
case("layer_norm_plain", lambda a: torch.nn.functional.layer_norm(a, (2, 3)), (2, 2, 3))
case("batch_norm_training", lambda a, w, b: torch.nn.functional.batch_norm(a, None, None, w, b, training=True),
     (4, 3), (3,), (3,))
case("batch_norm_training_2d", lambda a: torch.nn.functional.batch_norm(a, None, None, training=True), (2, 2, 2, 3))
case("batch_norm_eval", lambda a, w: torch.nn.functional.batch_norm(
    a, torch.tensor([0.5, -1.0], dtype=F64), torch.tensor([2.0, 0.5], dtype=F64), w), (3, 2), (2,))

# Convolution, pooling, padding (ops/conv.py); the gradients of conv2d and avg_pool2d are ops that are
# differentiated again (squared: so that the pooling's gradient depends on the input)
case("conv2d", lambda x, w, b: torch.nn.functional.conv2d(x, w, b, stride=2, padding=1), (2, 2, 5, 4), (3, 2, 3, 2),
     (3,))
case("conv2d_groups_dilation", lambda x, w: torch.nn.functional.conv2d(x, w, groups=2, dilation=2), (1, 4, 5, 5),
     (2, 2, 2, 2))
case("conv2d_squared", lambda x, w: torch.nn.functional.conv2d(x, w, padding=(0, 1), stride=(2, 1)) ** 2,
     (1, 2, 5, 4), (2, 2, 2, 3))
case("max_pool2d", lambda x: torch.nn.functional.max_pool2d(x, 2, padding=1), (2, 2, 4, 5))
case("avg_pool2d", lambda x: torch.nn.functional.avg_pool2d(x, 3, 2, 1, ceil_mode=True), (1, 2, 6, 5))
case("avg_pool2d_squared", lambda x: torch.nn.functional.avg_pool2d(x, 2, count_include_pad=False, padding=1) ** 2,
     (1, 2, 4, 5))
case("adaptive_avg_pool2d", lambda x: torch.nn.functional.adaptive_avg_pool2d(x, (2, 3)), (2, 2, 4, 6))
case("adaptive_avg_pool2d_overlapping_squared",   # 5 rows into 3 bins and 7 columns into 4: the bins overlap
     lambda x: torch.nn.functional.adaptive_avg_pool2d(x, (3, 4)) ** 2, (2, 5, 7))
case("pad", lambda x: torch.nn.functional.pad(x, (1, -1, 2, 0), value=0.5), (2, 3, 4))

# Robust regression losses (ops/robust_loss.py)
case("smooth_l1_loss", lambda a, b: torch.nn.functional.smooth_l1_loss(a, b, beta=0.7), (3, 4), (3, 4))
case("huber_loss", lambda a, b: torch.nn.functional.huber_loss(a, b, reduction="sum", delta=0.6), (3, 4), (4,))

# Scatter, windows, distances (ops/gather_scatter.py)
case("scatter", lambda x, s: x.scatter(0, torch.tensor([[0, 1, 2, 0]]), s), (3, 4), (1, 4))
case("scatter_value", lambda x: x.scatter(1, torch.tensor([[0], [3], [1]]), 2.5), (3, 4))
case("scatter_add", lambda x, s: x.scatter_add(0, torch.tensor([[0, 1, 0, 0], [0, 0, 2, 1]]), s), (3, 4), (2, 4))
case("unfold", lambda x: x.unfold(1, 2, 1), (3, 4))
case("unfold_squared", lambda x: x.unfold(0, 2, 2) ** 2, (5, 3))
case("cdist", lambda a, b: torch.cdist(a, b), (3, 4), (2, 4))
case("cdist_p1", lambda a, b: torch.cdist(a, b, p=1.5), (2, 3, 2), (2, 2, 2))
case("cdist_p3", lambda a, b: torch.cdist(a, b, p=3.0), (3, 2), (2, 2))

# Strided views and the index_* family (ops/strided.py)
case("as_strided_overlapping", lambda a: a.as_strided((3, 2), (1, 2), 1) ** 2, (2, 4))
case("as_strided_of_a_transposed_view", lambda a: torch.as_strided(a.t(), (2, 2), (4, 1), 2) * a[0, :2], (2, 4))
case("index_add", lambda a, s: a.index_add(0, torch.tensor([2, 0, 2]), s * s, alpha=1.5) * a, (3, 4), (3, 4))
case("index_copy", lambda a, s: a.index_copy(1, torch.tensor([3, 0]), s) * a, (3, 4), (3, 2))
case("index_fill", lambda a: a.index_fill(1, torch.tensor([0, 2]), -1.5) * a, (3, 4))
case("index_fill_tensor", lambda a, v: a.index_fill(0, torch.tensor([1]), v.sum() * v[0]) * a, (3, 4), (2,))
case("index_add_in_place", lambda a, s: (a * 1).index_add_(1, torch.tensor([1, 1]), s) ** 2, (3, 4), (3, 2))

# Pointwise ops of hand-written optimizers, in-place comparisons (ops/pointwise.py)
case("addcmul", lambda a, b, c: torch.addcmul(a, b, c, value=-0.5), (2, 3), (3,), (2, 1))
case("addcmul_method_in_place", lambda a, b, c: (a * 1).addcmul_(b, c) * a, (2, 3), (2, 3), (3,))
case("addcdiv", lambda a, b, c: torch.addcdiv(a, b, c, value=2.5), (2, 3), (3,), P((2, 1)))
case("addcdiv_method_in_place", lambda a, b, c: (a * 1).addcdiv_(b, c) * a, (2, 3), (2, 3), P((3,)))
case("trunc", lambda a: torch.trunc(a * 3) * a, (2, 3))
case("fix_in_place", lambda a: (a * 3).fix_() + a, (2, 3))
case("fmod", lambda a: torch.fmod(a * 3, 0.7), P((2, 3)))
case("fmod_tensor", lambda a, b: torch.fmod(a * 3 + 2, b + 2.5), P((2, 3)), P((3,)))
case("fmod_in_place", lambda a, b: (a * 2).fmod_(b) * a, P((2, 3)), P((2, 3)))
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    case(f"{_name}_in_place", lambda a, n=_name: getattr(a * 1, n + "_")(0.5) * a, (2, 3))
    case(f"{_name}_in_place_tensor", lambda a, b, n=_name: getattr(a * 1, n + "_")(b) * a + b, (2, 3), (3,))

# Shape changed in place (ops/inplace_view.py)
case("unsqueeze_in_place", lambda a, b: (a * a).unsqueeze_(1) * b, (2, 3), (2, 3))
case("squeeze_in_place", lambda a: (a * a).squeeze_() * a.squeeze(), (2, 1, 3))
case("squeeze_in_place_dims", lambda a: (a * a).squeeze_((0, 2)), (1, 3, 1))
case("transpose_in_place", lambda a, b: (a * a).transpose_(0, 1) * b, (2, 3), (3, 2))
case("t_in_place_of_a_view", lambda a: (a * 2)[1:].t_() ** 2, (3, 2))

# torch.linalg's basics and cross/kron/diff/diag_embed (ops/linalg_extra.py): well-conditioned matrices
_WELL = np.array([[3.0, 0.4, -0.7], [0.2, 2.5, 0.9], [-0.6, 0.3, 2.8]])
_WELL_BATCH = np.stack([_WELL, _WELL.T * 0.8 + np.eye(3)])
case("linalg_inv", lambda A: torch.linalg.inv(A), _WELL)
case("inverse_batched", lambda A: torch.inverse(A) * A, _WELL_BATCH)
case("linalg_det", lambda A: torch.linalg.det(A), _WELL)
case("det_batched_method", lambda A: A.det() ** 2, _WELL_BATCH)
case("linalg_slogdet", lambda A: torch.linalg.slogdet(A).logabsdet, _WELL)
case("logdet_batched", lambda A: torch.logdet(A), _WELL_BATCH)
case("linalg_solve_vector", lambda A, b: torch.linalg.solve(A, b), _WELL, (3,))
case("linalg_solve_matrix", lambda A, B: torch.linalg.solve(A, B), _WELL, (3, 2))
case("linalg_solve_batched", lambda A, b: torch.linalg.solve(A, b), _WELL_BATCH, (2, 3))
case("matrix_power_5", lambda A: torch.linalg.matrix_power(A * 0.5, 5), (3, 3))
case("matrix_power_negative", lambda A: torch.matrix_power(A, -2), _WELL)
case("linalg_cross", lambda a, b: torch.linalg.cross(a, b), (2, 3), (1, 3))
case("cross_dim0", lambda a, b: a.cross(b, dim=0) * a, (3, 2), (3, 2))
case("vector_norm_neg_inf", lambda a: torch.linalg.vector_norm(a, -math.inf, dim=1), Away((2, 3)))
case("matrix_norm_1", lambda a: torch.linalg.matrix_norm(a, 1), Away((3, 4)))
case("kron", lambda a, b: torch.kron(a, b), (2, 3), (3,))
case("diff_prepend", lambda a, b: torch.diff(a, n=2, dim=0, prepend=b), (3, 4), (1, 4))
case("diag_embed", lambda a: torch.diag_embed(a, 1, 0, 2), (2, 3))

# Selection and statistics (ops/selection.py)
case("median", lambda a: torch.median(a) * a, (3, 4))
case("median_dim", lambda a: a.median(1).values, (3, 5))
case("nanmedian", lambda a: torch.nanmedian(torch.where(a > 1, float("nan"), a)) * a, (3, 4))
case("nanmedian_dim", lambda a: torch.where(a > 1, float("nan"), a).nanmedian(0).values, (4, 3))
case("mode", lambda a: torch.mode(a, 0, keepdim=True).values * a, (3, 4))
case("nansum", lambda a: torch.nansum(torch.where(a > 1, float("nan"), a * a), 1), (3, 4))
case("nanmean", lambda a: torch.nanmean(torch.where(a > 1, float("nan"), a * a)), (3, 4))
case("masked_select", lambda a, b: torch.masked_select(a * b, torch.tensor([True, False, True])), (2, 3), (3,))
case("take_along_dim", lambda a: torch.take_along_dim(a, torch.tensor([[2, 0]]), 1) ** 2, (3, 4))
case("cummax", lambda a: torch.cummax(a * a, 1).values, (2, 5))
case("cummin", lambda a: a.cummin(0).values * a, (4, 3))
case("quantile", lambda a: torch.quantile(a, torch.tensor([0.3, 0.8], dtype=torch.float64), dim=1) ** 2, (3, 5))
case("nanquantile", lambda a: torch.nanquantile(torch.where(a > 1, float("nan"), a), 0.4) * a, (3, 4))
case("std_mean", lambda a: torch.std_mean(a, 1)[0] * torch.std_mean(a, 1)[1], (3, 4))
case("var_mean", lambda a: torch.stack(torch.var_mean(a * a, correction=0)), (3, 4))

# More elementwise math (ops/elementwise_more.py)
case("asinh", lambda a: torch.asinh(a), (2, 3))
case("acosh", lambda a: (a + 1).acosh(), P((2, 3)))
case("atanh", lambda a: torch.atanh(a * 0.3), (2, 3))
case("frac", lambda a: torch.frac(a * 3) * a, (2, 3))
case("exp2", lambda a: a.exp2(), (2, 3))
case("erfc", lambda a: torch.erfc(a), (2, 3))
case("deg2rad", lambda a: torch.deg2rad(a) * a, (2, 3))
case("rad2deg", lambda a: a.rad2deg() * a, (2, 3))
case("sinc", lambda a: torch.sinc(a), (2, 3))
case("logit", lambda a: torch.logit(a * 0.4), P((2, 3)))
case("logit_eps", lambda a: (a * 0.4).logit(eps=0.3) * a, P((2, 3)))
case("hypot", lambda a, b: torch.hypot(a, b), Away((2, 3)), (3,))
case("logaddexp2", lambda a, b: torch.logaddexp2(a, b), (2, 3), (3,))
case("fmax", lambda a, b: torch.fmax(a, b), (2, 3), (2, 3))
case("fmin", lambda a, b: a.fmin(b) * a, (2, 3), (3,))
case("nan_to_num", lambda a: torch.nan_to_num(torch.log(a)) * a, (2, 3))
