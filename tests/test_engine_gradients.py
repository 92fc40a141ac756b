"""Every differentiable op against central finite differences, in float64.

The checker here is independent of the engine's own ``autograd.gradcheck`` (which is tested
separately below): it evaluates the function on fresh leaves for ``x ± eps`` and compares the
directional derivative along a random cotangent ``v`` with what ``backward(v)`` puts in ``.grad``.
Second derivatives differentiate the first gradient (taken with ``create_graph=True``) the same
way; third derivatives are compared with closed forms.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import autogradviz as torch
from autogradviz.autograd import GradcheckError, gradcheck, gradgradcheck

F64 = torch.float64


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------
class P(tuple):
    """A shape whose values are positive, in [0.5, 2] (log, sqrt, div, pow bases)."""


class Away(tuple):
    """A shape whose values are at least 0.2 away from 0 (abs, relu, sign-like kinks)."""


def make_array(spec, rng) -> np.ndarray:
    if isinstance(spec, np.ndarray):
        return spec.astype(np.float64)
    if isinstance(spec, (int, float)):
        return np.array(float(spec))
    if isinstance(spec, P):
        return rng.uniform(0.5, 2.0, tuple(spec))
    if isinstance(spec, Away):
        shape = tuple(spec)
        return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return rng.standard_normal(tuple(spec))


def arrays_for(specs, seed=0):
    rng = np.random.default_rng(seed)
    return [make_array(s, rng) for s in specs]


# ---------------------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------------------
def leaves(arrays):
    return [torch.tensor(a, dtype=F64, requires_grad=True) for a in arrays]


def numeric_vjp(fn, arrays, v, eps):
    """d<v, fn(x)>/dx for each input, by central differences (fresh leaves for every point)."""
    grads = []
    for i, a in enumerate(arrays):
        g = np.zeros_like(a)
        flat, gflat = a.reshape(-1), g.reshape(-1)
        for k in range(flat.size):
            vals = []
            for sign in (1, -1):
                shifted = [x.copy() for x in arrays]
                shifted[i].reshape(-1)[k] = flat[k] + sign * eps
                out = fn(*leaves(shifted))
                vals.append(float(np.sum(out.detach().numpy().astype(np.float64) * v)))
            gflat[k] = (vals[0] - vals[1]) / (2 * eps)
        grads.append(g)
    return grads


def check_grad(fn, *specs, eps=1e-6, atol=1e-6, rtol=1e-5, seed=0):
    """Assert that backward through ``fn`` gives the finite-difference gradient for every input."""
    arrays = arrays_for(specs, seed)
    xs = leaves(arrays)
    out = fn(*xs)
    assert isinstance(out, torch.Tensor) and out.requires_grad, "the output must be in the graph"
    v = np.random.default_rng(seed + 100).standard_normal(tuple(out.shape))
    out.backward(torch.tensor(v, dtype=out.dtype))
    expected = numeric_vjp(fn, arrays, v, eps)
    for i, (x, e) in enumerate(zip(xs, expected)):
        assert x.grad is not None, f"input {i} got no gradient"
        assert x.grad.dtype is F64, f"input {i}: gradient dtype {x.grad.dtype}"
        assert tuple(x.grad.shape) == e.shape, f"input {i}: gradient shape {tuple(x.grad.shape)} vs {e.shape}"
        np.testing.assert_allclose(x.grad.numpy(), e, atol=atol, rtol=rtol, err_msg=f"gradient of input {i}")
    return xs, out


def first_grad_fn(fn, cotangent_seed=7):
    """x -> d<v, fn(x)>/dx (all inputs, flattened and concatenated), recorded for differentiation."""
    def g(*xs):
        out = fn(*xs)
        v = torch.tensor(np.random.default_rng(cotangent_seed).standard_normal(tuple(out.shape)), dtype=out.dtype)
        grads = torch.autograd.grad(out, xs, grad_outputs=v, create_graph=True, allow_unused=True)
        parts = [(gr if gr is not None else x * 0).reshape(-1) for gr, x in zip(grads, xs)]
        # + 0*sum(x) keeps the result in the graph when the gradient is constant (linear fn).
        return torch.cat(parts) + sum((x * 0).sum() for x in xs)
    return g


def check_second(fn, *specs, eps=1e-5, atol=1e-5, rtol=1e-4, seed=0):
    """Second derivatives: the recorded first gradient, checked against finite differences."""
    return check_grad(first_grad_fn(fn), *specs, eps=eps, atol=atol, rtol=rtol, seed=seed)


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
