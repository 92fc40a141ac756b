"""Property tests: random shapes, random broadcasting pairs and random chains of ops, each checked
against a NumPy reference for the values and against central finite differences (float64) for
the gradients; second derivatives on random scalar compositions."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autogradviz as torch

F64 = torch.float64
SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}


# ---------------------------------------------------------------------------------------------
# Finite differences
# ---------------------------------------------------------------------------------------------
def leaves(arrays):
    return [torch.tensor(a, dtype=F64, requires_grad=True) for a in arrays]


def numeric_vjp(fn, arrays, v, eps=1e-6):
    grads = []
    for i, a in enumerate(arrays):
        g = np.zeros(a.shape)
        for k in range(a.size):
            vals = []
            for sign in (1.0, -1.0):
                shifted = [x.copy() for x in arrays]
                shifted[i].reshape(-1)[k] += sign * eps
                vals.append(float(np.sum(fn(*leaves(shifted)).detach().numpy() * v)))
            g.reshape(-1)[k] = (vals[0] - vals[1]) / (2 * eps)
        grads.append(g)
    return grads


def assert_gradients_match(fn, arrays, seed, rtol=1e-4, atol=1e-6):
    xs = leaves(arrays)
    out = fn(*xs)
    v = np.random.default_rng(seed).standard_normal(tuple(out.shape))
    out.backward(torch.tensor(v, dtype=F64))
    expected = numeric_vjp(fn, arrays, v)
    scale = max(1.0, float(np.max(np.abs(out.detach().numpy()))) if out.numel() else 1.0)
    for i, (x, e) in enumerate(zip(xs, expected)):
        got = np.zeros(x.shape) if x.grad is None else x.grad.numpy()
        np.testing.assert_allclose(got, e, rtol=rtol, atol=atol * scale, err_msg=f"gradient of input {i}")
    return xs, out, v


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------
shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)
nonscalar_shapes = st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple)
seeds = st.integers(0, 2 ** 32 - 1)


@st.composite
def broadcast_partner(draw, shape):
    """A shape that broadcasts with ``shape``: some dims set to 1, leading dims dropped or added."""
    dims = [1 if draw(st.booleans()) else s for s in shape]
    drop = draw(st.integers(0, len(dims)))
    dims = dims[drop:]
    if drop == 0 and draw(st.integers(0, 3)) == 0:  # a new leading dim makes the result larger
        dims = [draw(st.integers(1, 2))] + dims
    return tuple(dims)


@st.composite
def broadcast_pairs(draw):
    a = draw(shapes)
    b = draw(broadcast_partner(a))
    return (a, b) if draw(st.booleans()) else (b, a)


# ---------------------------------------------------------------------------------------------
# The ops a chain draws from: each with an autogradviz function and a NumPy reference
# ---------------------------------------------------------------------------------------------
@dataclass
class Step:
    name: str
    torch: Callable
    numpy: Callable
    inputs: list = field(default_factory=list)  # shapes of new leaves this step brings in


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


UNARY = [
    ("sin", lambda t: t.sin(), np.sin),
    ("cos", lambda t: torch.cos(t), np.cos),
    ("tanh", lambda t: t.tanh(), np.tanh),
    ("sigmoid", lambda t: t.sigmoid(), _sigmoid),
    ("exp_half", lambda t: (t * 0.5).exp(), lambda a: np.exp(a * 0.5)),
    ("log_of_square_plus_1", lambda t: (t * t + 1).log(), lambda a: np.log(a * a + 1)),
    ("sqrt_of_positive", lambda t: (t * t + 0.5).sqrt(), lambda a: np.sqrt(a * a + 0.5)),
    ("reciprocal_of_positive", lambda t: 1 / (t * t + 1), lambda a: 1 / (a * a + 1)),
    ("pow_fraction", lambda t: (t * t + 1) ** 0.7, lambda a: (a * a + 1) ** 0.7),
    ("square", lambda t: t ** 2, lambda a: a ** 2),
    ("cube", lambda t: t.pow(3), lambda a: a ** 3),
    ("neg", lambda t: -t, lambda a: -a),
    ("affine", lambda t: 1.7 * t - 0.3, lambda a: 1.7 * a - 0.3),
    ("rsub_scalar", lambda t: 2 - t, lambda a: 2 - a),
    ("rdiv_scalar", lambda t: 3 / (t * t + 2), lambda a: 3 / (a * a + 2)),
    ("log1p_sq", lambda t: (t * t).log1p(), lambda a: np.log1p(a * a)),
    ("clone", lambda t: t.clone(), lambda a: a.copy()),
]

BINARY = [
    ("add", lambda a, b: a + b, lambda a, b: a + b),
    ("sub", lambda a, b: a - b, lambda a, b: a - b),
    ("mul", lambda a, b: a * b, lambda a, b: a * b),
    ("div_by_positive", lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
    ("pow_positive_base", lambda a, b: (a * a + 1) ** (b * 0.5), lambda a, b: (a * a + 1) ** (b * 0.5)),
    ("where", lambda a, b: torch.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b)),
    ("add_alpha", lambda a, b: torch.add(a, b, alpha=-2.0), lambda a, b: a - 2.0 * b),
]


def _dims_for(draw, ndim):
    """A dim as an int, or a tuple of distinct dims (possibly negative)."""
    if draw(st.booleans()):
        return draw(st.integers(-ndim, ndim - 1))
    picked = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(d - ndim if draw(st.booleans()) else d for d in picked)


def _np_axes(dim, ndim):
    return tuple(sorted(d % ndim for d in ((dim,) if isinstance(dim, int) else dim)))


def _count(shape, dim):
    return int(np.prod([shape[d] for d in _np_axes(dim, len(shape))]))


def _logsumexp(a, axis, keepdims):
    m = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _softmax(a, axis):
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@st.composite
def reduction_step(draw, shape):
    nd = len(shape)
    dim = _dims_for(draw, nd)
    kd = draw(st.booleans())
    ax = _np_axes(dim, nd)
    offsets = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) * 0.37
    options = [
        Step(f"sum{dim},{kd}", lambda t: t.sum(dim=dim, keepdim=kd), lambda a: np.sum(a, axis=ax, keepdims=kd)),
        Step(f"mean{dim},{kd}", lambda t: t.mean(dim=dim, keepdim=kd), lambda a: np.mean(a, axis=ax, keepdims=kd)),
        Step(f"logsumexp{dim},{kd}", lambda t: t.logsumexp(dim, keepdim=kd), lambda a: _logsumexp(a, ax, kd)),
        Step(f"norm{dim},{kd}", lambda t: (t * t + 0.1).norm(dim=dim, keepdim=kd),
             lambda a: np.sqrt(np.sum((a * a + 0.1) ** 2, axis=ax, keepdims=kd))),
    ]
    if _count(shape, dim) > 1:
        options += [
            Step(f"var{dim},{kd}", lambda t: t.var(dim=dim, keepdim=kd), lambda a: np.var(a, axis=ax, ddof=1, keepdims=kd)),
            # std has a kink where a slice is constant (broadcasting makes such slices): distinct
            # offsets keep the slices apart
            Step(f"std{dim},{kd}", lambda t: (t + torch.tensor(offsets, dtype=F64)).std(dim=dim, keepdim=kd),
                 lambda a: np.std(a + offsets, axis=ax, ddof=1, keepdims=kd)),
        ]
    d = draw(st.integers(-nd, nd - 1))
    options += [
        Step(f"softmax{d}", lambda t: t.softmax(d), lambda a: _softmax(a, d % nd)),
        Step(f"log_softmax{d}", lambda t: t.log_softmax(dim=d), lambda a: np.log(_softmax(a, d % nd))),
        Step(f"cumsum{d}", lambda t: t.cumsum(d), lambda a: np.cumsum(a, axis=d % nd)),
        Step(f"prod{d},{kd}", lambda t: t.prod(d, keepdim=kd), lambda a: np.prod(a, axis=d % nd, keepdims=kd)),
        Step("sum_all", lambda t: t.sum(), lambda a: np.sum(a)),
        Step("mean_all", lambda t: t.mean(), lambda a: np.mean(a)),
    ]
    return draw(st.sampled_from(options))


@st.composite
def shape_step(draw, shape):
    nd = len(shape)
    options = [
        Step("reshape_flat", lambda t: t.reshape(-1), lambda a: a.reshape(-1)),
        Step("unsqueeze", None, None),
        Step("expand_new_dim", lambda t: t.unsqueeze(0).expand(2, *shape), lambda a: np.broadcast_to(a, (2,) + shape)),
    ]
    u = draw(st.integers(-nd - 1, nd))
    options[1] = Step(f"unsqueeze{u}", lambda t: t.unsqueeze(u), lambda a: np.expand_dims(a, u % (nd + 1)))
    if nd >= 1:
        perm = tuple(draw(st.permutations(list(range(nd)))))
        flips = tuple(draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True)))
        options += [
            Step(f"permute{perm}", lambda t: t.permute(*perm), lambda a: np.transpose(a, perm)),
            Step(f"flip{flips}", lambda t: t.flip(flips), lambda a: np.flip(a, flips)),
            Step("squeeze", lambda t: t.squeeze(), lambda a: np.squeeze(a)),
            Step("view_round_trip", lambda t: t.reshape(shape[::-1]).view(shape), lambda a: a),
            Step("index_repeated", lambda t: t[[0, 0, shape[0] - 1]], lambda a: a[[0, 0, shape[0] - 1]]),
            Step("cat_with_double", lambda t: torch.cat([t, t * 2], dim=-1),
                 lambda a: np.concatenate([a, a * 2], axis=-1)),
            Step("stack_with_square", lambda t: torch.stack([t, t * t], dim=0), lambda a: np.stack([a, a * a], 0)),
            Step("select_last", lambda t: t[-1], lambda a: a[-1]),
            Step("split_first", lambda t: t.split(1, dim=0)[0], lambda a: a[:1]),
        ]
        if shape[0] > 1:
            options.append(Step("slice_step", lambda t: t[::2], lambda a: a[::2]))
        if nd >= 2:
            d0, d1 = draw(st.integers(0, nd - 1)), draw(st.integers(0, nd - 1))
            options.append(Step(f"transpose{d0},{d1}", lambda t: t.transpose(d0, d1), lambda a: np.swapaxes(a, d0, d1)))
            options.append(Step("ellipsis_select", lambda t: t[..., 0], lambda a: a[..., 0]))
            options.append(Step("bool_mask_rows", lambda t: t[torch.tensor([True] + [False] * (shape[0] - 1))],
                                lambda a: a[np.array([True] + [False] * (shape[0] - 1))]))
        if nd == 2:
            options.append(Step("T", lambda t: t.T, lambda a: a.T))
    return draw(st.sampled_from(options))


@st.composite
def binary_step(draw, shape):
    name, tf, nf = draw(st.sampled_from(BINARY))
    partner = draw(broadcast_partner(shape))
    if draw(st.booleans()):
        return Step(f"{name}(x, w{partner})", tf, nf, [partner])
    return Step(f"{name}(w{partner}, x)", lambda a, b: tf(b, a), lambda a, b: nf(b, a), [partner])


@st.composite
def matmul_step(draw, shape):
    k = shape[-1]
    n = draw(st.integers(1, 3))
    batch = draw(st.sampled_from([1, shape[-3]])) if len(shape) >= 3 else 2  # broadcasts with x's batch
    wshape = draw(st.sampled_from([(k,), (k, n), (batch, k, n)]))
    return Step(f"matmul(x, w{wshape})", lambda a, b: a @ b, lambda a, b: a @ b, [wshape])


@st.composite
def chains(draw):
    start = draw(shapes)
    steps, shape = [], start
    for _ in range(draw(st.integers(2, 6))):
        kinds = ["unary", "binary", "shape"] + (["reduce", "matmul"] if len(shape) >= 1 else [])
        kind = draw(st.sampled_from(kinds))
        if kind == "unary":
            name, tf, nf = draw(st.sampled_from(UNARY))
            step = Step(name, tf, nf)
        elif kind == "binary":
            step = draw(binary_step(shape))
        elif kind == "reduce":
            step = draw(reduction_step(shape))
        elif kind == "matmul":
            step = draw(matmul_step(shape))
        else:
            step = draw(shape_step(shape))
        shape = np.shape(step.numpy(np.ones(shape), *[np.ones(s) for s in step.inputs]))
        shape = tuple(int(s) for s in shape)
        steps.append(step)
        if np.prod(shape) > 60:
            break
    return start, steps


def run_chain(steps, lib_is_torch: bool, bound: float | None = None):
    def fn(x, *ws):
        ws = list(ws)
        y = x
        for step in steps:
            extra = [ws.pop(0) for _ in step.inputs]
            y = (step.torch if lib_is_torch else step.numpy)(y, *extra)
            if bound is not None:  # well-conditioned chains only (every intermediate value moderate)
                assume(np.all(np.isfinite(y)) and (np.size(y) == 0 or np.max(np.abs(y)) < bound))
        return y
    return fn


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------
@settings(max_examples=120, **SETTINGS)
@given(chain=chains(), seed=seeds)
def test_random_chain_values_and_gradients(chain, seed):
    start, steps = chain
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(start)] + [rng.standard_normal(s) for step in steps for s in step.inputs]
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    reference = np.asarray(run_chain(steps, False, bound=100.0)(*arrays))
    fn = run_chain(steps, True)
    xs, out, v = assert_gradients_match(fn, arrays, seed)
    # the forward values are NumPy's
    assert tuple(out.shape) == reference.shape, [s.name for s in steps]
    np.testing.assert_allclose(out.detach().numpy(), reference, rtol=1e-10, atol=1e-12)
    # autograd.grad gives the same gradients as backward, without touching .grad
    fresh = leaves(arrays)
    grads = torch.autograd.grad(fn(*fresh), fresh, grad_outputs=torch.tensor(v, dtype=F64), allow_unused=True)
    for x, g in zip(xs, grads):
        if g is not None:
            np.testing.assert_allclose(g.numpy(), x.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert all(x.grad is None for x in fresh)


@settings(max_examples=80, **SETTINGS)
@given(pair=broadcast_pairs(), op=st.sampled_from(BINARY), seed=seeds)
def test_broadcast_binary_ops(pair, op, seed):
    sa, sb = pair
    _, tf, nf = op
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    xs, out, _ = assert_gradients_match(tf, [np.asarray(a, float), np.asarray(b, float)], seed)
    assert tuple(out.shape) == np.broadcast_shapes(sa, sb)
    np.testing.assert_allclose(out.detach().numpy(), nf(a, b), rtol=1e-12)
    # each gradient has its input's shape, and equals the gradient of the explicitly expanded op
    assert xs[0].grad.shape == sa and xs[1].grad.shape == sb
    ea, eb = leaves([a, b])
    target = np.broadcast_shapes(sa, sb)
    v = torch.tensor(np.random.default_rng(seed).standard_normal(target), dtype=F64)
    tf(ea.expand(*target), eb.expand(*target)).backward(v)
    np.testing.assert_allclose(ea.grad.numpy(), xs[0].grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(eb.grad.numpy(), xs[1].grad.numpy(), rtol=1e-12, atol=1e-12)


@settings(max_examples=50, **SETTINGS)
@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_random_reductions(shape, seed, data):
    step = data.draw(reduction_step(shape))
    a = np.random.default_rng(seed).standard_normal(shape)
    _, out, _ = assert_gradients_match(step.torch, [a], seed)
    np.testing.assert_allclose(out.detach().numpy(), step.numpy(a), rtol=1e-10, atol=1e-12)


@settings(max_examples=50, **SETTINGS)
@given(shape=shapes, seed=seeds, data=st.data())
def test_random_shape_ops(shape, seed, data):
    step = data.draw(shape_step(shape))
    a = np.random.default_rng(seed).standard_normal(shape)
    _, out, _ = assert_gradients_match(step.torch, [a], seed)
    np.testing.assert_array_equal(out.detach().numpy(), step.numpy(a))


@settings(max_examples=40, **SETTINGS)
@given(ops=st.lists(st.sampled_from(UNARY), min_size=1, max_size=5), shape=st.sampled_from([(), (2,)]),
       seed=seeds)
def test_second_derivative_of_random_scalar_compositions(ops, shape, seed):
    def f(x):
        for _, tf, _ in ops:
            x = tf(x)
        return x

    def first_grad(x):
        (g,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
        return g + x * 0  # stays in the graph even where f is linear

    a = np.random.default_rng(seed).uniform(-1.5, 1.5, shape)
    reference = np.asarray(a)
    for _, _, nf in ops:
        reference = nf(reference)
        # well-conditioned compositions only: sin(x⁹) at x = 10 defeats finite differences
        assume(np.all(np.abs(reference) < 20))
    assert_gradients_match(first_grad, [a], seed, rtol=1e-4, atol=1e-5)


@settings(max_examples=30, **SETTINGS)
@given(ops=st.lists(st.sampled_from(UNARY[:10]), min_size=1, max_size=3), seed=seeds)
def test_second_derivative_via_backward_create_graph_matches_autograd_grad(ops, seed):
    x0 = float(np.random.default_rng(seed).uniform(-1, 1))

    def f(x):
        for _, tf, _ in ops:
            x = tf(x)
        return x

    x = torch.tensor(x0, dtype=F64, requires_grad=True)
    f(x).backward(create_graph=True)
    g1 = x.grad
    (h1,) = torch.autograd.grad(g1, x)
    y = torch.tensor(x0, dtype=F64, requires_grad=True)
    (g2,) = torch.autograd.grad(f(y), y, create_graph=True)
    (h2,) = torch.autograd.grad(g2, y)
    assert g1.item() == pytest.approx(g2.item(), rel=1e-12, abs=1e-12)
    assert h1.item() == pytest.approx(h2.item(), rel=1e-12, abs=1e-12)


@settings(max_examples=40, **SETTINGS)
@given(shape=shapes, seed=seeds, repeats=st.integers(2, 4))
def test_backward_twice_with_retain_graph_doubles_the_gradient(shape, seed, repeats):
    a = np.random.default_rng(seed).standard_normal(shape)
    x = torch.tensor(a, dtype=F64, requires_grad=True)
    y = (x.sin() * x.exp()).sum()
    for _ in range(repeats):
        y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), repeats * (np.cos(a) + np.sin(a)) * np.exp(a), rtol=1e-12)


@settings(max_examples=40, **SETTINGS)
@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_setitem_on_non_leaf(shape, seed, data):
    rng = np.random.default_rng(seed)
    i = data.draw(st.integers(-shape[0], shape[0] - 1))
    a, v = rng.standard_normal(shape), rng.standard_normal(shape[1:])

    def f(x, val):
        y = x * 2
        y[i] = val.sin()
        return y

    _, out, _ = assert_gradients_match(f, [a, v], seed)
    expected = a * 2
    expected[i] = np.sin(v)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
