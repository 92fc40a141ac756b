"""float32 reductions as accurate as PyTorch's along every axis (autogradviz/_summation.py).

Each reduction runs on float32 data under autogradviz and is compared with the same reduction done
in float64 by NumPy (the reference): its error must stay within a couple of ulps of the reference
on every axis and every combination of dims, and, where PyTorch is installed, no larger than
twice PyTorch's own error on the same data (or within half an ulp), with PyTorch's dtype and values
within 1e-6. Errors are relative to the size of what was added up (Σ|x| for a sum), the measure
rounding errors scale with.
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from torch_support import need_torch

import autogradviz as agv

HALF_ULP = 2.0 ** -24           # float32: a correctly rounded result is at most this far, relatively
FEW_ULPS = 2.0 ** -22           # two ulps: the bound every float32 reduction here keeps
TORCH_VALUES = 1e-6             # how close to PyTorch's own values


# the variance of a dim of size 1 is nan, with a warning from PyTorch and from NumPy's reference
pytestmark = [pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0:UserWarning"),
              pytest.mark.filterwarnings("ignore:Degrees of freedom <= 0:RuntimeWarning"),
              pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")]


@pytest.fixture(scope="module")
def torch():
    return need_torch(module_level=False)


@pytest.fixture(scope="module")
def torch_if_installed():
    """PyTorch, or None: the tests that take it check the ulp bounds without it too."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def dim_combinations(ndim: int) -> list:
    """Every way to name the dims of an ndim tensor: None, each dim, each set of dims."""
    combos: list = [None]
    for k in range(1, ndim + 1):
        combos += [c[0] if k == 1 else c for c in itertools.combinations(range(ndim), k)]
    return combos


def data(shape, seed: int, centre: float = 3.0, spread: float = 0.5) -> np.ndarray:
    """float32 values around ``centre``, the issue's kind of data (3 ± 0.5)."""
    return (centre + spread * np.random.default_rng(seed).standard_normal(shape)).astype(np.float32)


def axes_of(dim, ndim: int) -> tuple[int, ...]:
    if dim is None:
        return tuple(range(ndim))
    return (dim,) if isinstance(dim, int) else tuple(dim)


# Each reduction: how to call it (the same text for autogradviz and PyTorch), its float64 reference
# on the data, and the size its error is measured against.
def reference(name: str, x: np.ndarray, dim, keepdim: bool):
    axes = axes_of(dim, x.ndim)
    if name == "sum":
        return x.sum(axes, keepdims=keepdim), np.abs(x).sum(axes, keepdims=keepdim)
    if name == "mean":
        return x.mean(axes, keepdims=keepdim), np.abs(x).mean(axes, keepdims=keepdim)
    if name in ("var", "std"):
        out = getattr(x, name)(axes, ddof=1, keepdims=keepdim)
        return out, np.abs(out)
    if name == "norm":
        out = np.sqrt(np.square(x).sum(axes, keepdims=keepdim))
        return out, out
    raise AssertionError(name)


def call(lib_tensor, name: str, dim, keepdim: bool):
    """``t.name()`` or ``t.name(dim=..., keepdim=...)``; PyTorch's norm over 3 or more dims is
    ``linalg.vector_norm`` (``Tensor.norm`` takes a 3-tuple for a matrix norm and refuses it)."""
    if dim is None and not keepdim:
        return getattr(lib_tensor, name)()
    dims = dim if dim is not None else tuple(range(lib_tensor.ndim))
    if name == "norm" and not isinstance(lib_tensor, agv.Tensor):
        import torch
        return torch.linalg.vector_norm(lib_tensor, dim=dims, keepdim=keepdim)
    return getattr(lib_tensor, name)(dim=dims, keepdim=keepdim)


def error(got, ref: np.ndarray, scale: np.ndarray) -> float:
    """The largest error of ``got`` against ``ref``, relative to ``scale`` (nan where both are nan:
    no error; the variance of one element is nan in PyTorch too)."""
    got = np.asarray(got.numpy() if hasattr(got, "numpy") else got, dtype=np.float64)
    assert got.shape == np.shape(ref)
    both_nan = np.isnan(got) & np.isnan(ref)
    return float(np.max(np.where(both_nan, 0, np.abs(got - ref) / np.maximum(scale, np.finfo(np.float64).tiny))))


def check_against_torch(torch, ours, theirs, ref, scale, what: str) -> None:
    """ours: an autogradviz tensor, theirs: PyTorch's; both computed from the same float32 data.
    The values agree within 1e-6, or within PyTorch's own error where that is larger (PyTorch's
    norm, prod and softmax over a long dim add up in float32 without cascades)."""
    assert str(ours.dtype) == str(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape), what
    ours_error, torch_error = error(ours, ref, scale), error(theirs.detach(), ref, scale)
    assert ours_error <= max(2 * torch_error, HALF_ULP), f"{what}: {ours_error:.3g} vs PyTorch's {torch_error:.3g}"
    assert error(ours, theirs.detach().double().numpy(), scale) <= max(TORCH_VALUES, 1.001 * (ours_error + torch_error)), what


# --- sum, mean, var, std, norm on every axis and every combination of dims ------------------------
SHAPES = [(10**6,), (10**6, 3), (3, 10**6), (32, 1000, 64), (64, 3, 32, 32), (7, 1, 300, 5)]
CASES = [(shape, dim, i % 2 == 1) for shape in SHAPES for i, dim in enumerate(dim_combinations(len(shape)))]


@pytest.mark.parametrize(("shape", "dim", "keepdim"), CASES, ids=[f"{s}-{d}-{k}" for s, d, k in CASES])
def test_sums_means_and_spreads_are_within_two_ulps_and_as_accurate_as_pytorchs(torch_if_installed, shape, dim,
                                                                                 keepdim):
    x = data(shape, seed=len(shape))
    x64 = x.astype(np.float64)
    t = agv.tensor(x)
    for name in ("sum", "mean", "var", "std", "norm"):
        ours = call(t, name, dim, keepdim)
        ref, scale = reference(name, x64, dim, keepdim)
        assert ours.dtype is agv.float32, name
        assert error(ours, ref, scale) <= FEW_ULPS, (name, error(ours, ref, scale))
        if torch_if_installed is not None:
            theirs = call(torch_if_installed.from_numpy(x), name, dim, keepdim)
            check_against_torch(torch_if_installed, ours, theirs, ref, scale, f"{name} dim={dim}")


def test_keepdim_gives_pytorchs_shapes_on_every_combination(torch):
    x = data((2, 3, 4, 5), seed=5)
    for dim, keepdim in itertools.product(dim_combinations(4), (False, True)):
        for name in ("sum", "mean", "var", "std", "norm"):
            ours, theirs = call(agv.tensor(x), name, dim, keepdim), call(torch.from_numpy(x), name, dim, keepdim)
            assert tuple(ours.shape) == tuple(theirs.shape), (name, dim, keepdim)
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=TORCH_VALUES, atol=0)


VIEWS = {"transposed": lambda t: t.T, "every third row": lambda t: t[::3], "every other column": lambda t: t[:, ::2],
         "flipped": lambda t: t.flip(0), "expanded": lambda t: t[:1, :100].expand(100000, 100)}


@pytest.mark.parametrize("view", list(VIEWS))
def test_views_with_any_strides_sum_as_accurately(torch, view):
    x = data((3000, 400), seed=7)
    ours, theirs = VIEWS[view](agv.tensor(x)), VIEWS[view](torch.from_numpy(x))
    x64 = ours.numpy().astype(np.float64)
    for dim in dim_combinations(2):
        for name in ("sum", "mean", "var"):
            ref, scale = reference(name, x64, dim, False)
            got = call(ours, name, dim, False)
            check_against_torch(torch, got, call(theirs, name, dim, False), ref, scale, f"{view} {name} {dim}")
            # one value added 100,000 times: roundings that cannot average out, in two float32 block
            # levels (PyTorch's cascade is 6 ulps off there)
            assert error(got, ref, scale) <= (4 * FEW_ULPS if view == "expanded" else FEW_ULPS), (view, name, dim)


def test_data_on_a_coarse_grid_far_from_zero_has_its_variance_right(torch):
    """1e4 ± 1 in float32 is quantised to 1/1024: the mean's own rounding is near the spread."""
    x = data((100000, 50), seed=8, centre=1e4, spread=1.0)
    ref = x.astype(np.float64).var(0, ddof=1)
    check_against_torch(torch, agv.tensor(x).var(0), torch.from_numpy(x).var(0), ref, ref, "var of 1e4 ± 1")
    assert error(agv.tensor(x).var(0), ref, ref) <= HALF_ULP * 1.5


def test_equal_values_sum_within_two_ulps():
    """Rounding errors that do not average out: the same value added a million times."""
    for shape, dim in [((10**6, 3), 0), ((182625, 20), 0), ((10**6,), 0)]:
        x = np.full(shape, 0.1, np.float32)
        ref, scale = reference("sum", x.astype(np.float64), dim, False)
        assert error(agv.tensor(x).sum(dim), ref, scale) <= FEW_ULPS, shape


def test_small_tensors_are_correctly_rounded():
    """Up to a few thousand elements the sum is accumulated in float64 and rounded once."""
    rng = np.random.default_rng(9)
    for shape in [(3,), (32, 10), (27, 10, 4), (64, 64)]:
        x = rng.standard_normal(shape).astype(np.float32)
        for dim in dim_combinations(len(shape)):
            got = call(agv.tensor(x), "sum", dim, False).numpy()
            exact = x.astype(np.float64).sum(axes_of(dim, x.ndim)).astype(np.float32)
            np.testing.assert_array_equal(got, exact, err_msg=str((shape, dim)))


# --- prod, cumsum, logsumexp, softmax and log_softmax ----------------------------------------------
def along_dim(name: str, x64: np.ndarray, dim: int):
    """float64 reference and error scale of a reduction along one dim."""
    if name == "prod":
        out = x64.prod(dim)
        return out, np.abs(out)
    if name == "cumsum":
        return np.cumsum(x64, dim), np.cumsum(np.abs(x64), dim)
    if name == "cumprod":
        out = np.cumprod(x64, dim)
        return out, np.abs(out)
    shifted = x64 - x64.max(dim, keepdims=True)
    log_total = np.log(np.exp(shifted).sum(dim, keepdims=True))
    if name == "logsumexp":
        out = (log_total + x64.max(dim, keepdims=True)).squeeze(dim)
        return out, np.abs(out)
    if name == "softmax":
        out = np.exp(shifted - log_total)
        return out, out
    if name == "log_softmax":   # log turns the sum's relative error into an absolute one: the + 1
        return shifted - log_total, np.abs(shifted) + np.abs(log_total) + 1
    raise AssertionError(name)


ALONG = [(name, shape, dim) for name in ("prod", "cumsum", "cumprod", "logsumexp", "softmax", "log_softmax")
         for shape in [(10**6,) if name != "prod" else (200000,), (10**6, 3), (300, 2000)] for dim in range(len(shape))]


@pytest.mark.parametrize(("name", "shape", "dim"), ALONG, ids=[f"{n}-{s}-{d}" for n, s, d in ALONG])
def test_reductions_along_a_dim_are_as_accurate_as_pytorchs(torch, name, shape, dim):
    # products of values near 1 stay in float32's range over a million factors
    x = data(shape, seed=10, centre=1.0, spread=0.003) if name in ("prod", "cumprod") else data(shape, seed=10)
    ref, scale = along_dim(name, x.astype(np.float64), dim)
    ours, theirs = getattr(agv.tensor(x), name)(dim), getattr(torch.from_numpy(x), name)(dim)
    check_against_torch(torch, ours, theirs, ref, scale, f"{name} dim={dim}")
    # a product's n roundings are relative: PyTorch's own error grows as √n (checked above); exp
    # adds its own ulp or so to the softmaxes
    bound = {"prod": None, "cumsum": FEW_ULPS, "cumprod": FEW_ULPS}.get(name, 2 * FEW_ULPS)
    assert bound is None or error(ours, ref, scale) <= bound


@pytest.mark.parametrize("shape, dim", [((10,), 0), ((10**6,), 0), ((300, 40), 1), ((100000, 50), 0)])
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_running_sums_never_read_uninitialised_memory(monkeypatch, name, shape, dim):
    """Fresh memory can hold any bytes: a running sum accumulated in float64 straight into a fresh
    float32 array read them while casting and, on a signalling NaN, warned "invalid value
    encountered in cast" at random. Here every fresh array holds signalling NaNs."""
    empty = np.empty

    def dirty(shape, dtype=float, *args, **kwargs):
        out = empty(shape, dtype, *args, **kwargs)
        if np.dtype(dtype) == np.float32:
            out.view(np.uint32)[...] = 0x7FA00000
        return out

    monkeypatch.setattr(np, "empty", dirty)
    x = data(shape, seed=14, centre=1.0, spread=0.003)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = getattr(agv.tensor(x), name)(dim)
    assert out.dtype == agv.float32 and np.isfinite(out.numpy()).all()


# --- the losses' reductions -------------------------------------------------------------------------
def test_losses_average_a_million_terms_as_accurately_as_pytorch(torch):
    rng = np.random.default_rng(11)
    pred, target = data((10**6, 3), seed=12), data((10**6, 3), seed=13)
    logits = rng.standard_normal((10**6, 5)).astype(np.float32)
    labels = rng.integers(0, 5, 10**6)
    p64, t64, l64 = pred.astype(np.float64), target.astype(np.float64), logits.astype(np.float64)
    logp = l64 - l64.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    z = p64 - 3.0
    cases = {
        "mse_loss": (lambda lib: lib.nn.functional.mse_loss(lib.tensor(pred), lib.tensor(target)),
                     np.mean((p64 - t64) ** 2)),
        "l1_loss": (lambda lib: lib.nn.functional.l1_loss(lib.tensor(pred), lib.tensor(target)),
                    np.mean(np.abs(p64 - t64))),
        "cross_entropy": (lambda lib: lib.nn.functional.cross_entropy(lib.tensor(logits), lib.tensor(labels)),
                          -np.mean(logp[np.arange(10**6), labels])),
        "bce_with_logits": (lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
                                lib.tensor(pred) - 3.0, lib.tensor(target) - 2.5),
                            np.mean(np.maximum(z, 0) - z * (t64 - 2.5) + np.log1p(np.exp(-np.abs(z))))),
    }
    for name, (run, ref) in cases.items():
        check_against_torch(torch, run(agv), run(torch), np.float64(ref), abs(ref), name)


# --- backward rules that add up: broadcasting undone, softmax, var, cumsum --------------------------
def gradients(lib, x, g, name):
    """The gradient of Σ g·f(input) for a reduction f that the backward rule has to add up for."""
    t = lib.tensor(x, requires_grad=True)
    if name == "bias":          # a (200,) bias added to 182,625 rows: its gradient sums the rows
        b = lib.tensor(x[0], requires_grad=True)
        ((lib.tensor(x) + b) * lib.tensor(g)).sum().backward()
        return b.grad
    out = {"softmax": lambda: t.softmax(0), "log_softmax": lambda: t.log_softmax(0),
           "var": lambda: t.var(0, keepdim=True).expand(*x.shape), "cumsum": lambda: t.cumsum(0),
           "logsumexp": lambda: t.logsumexp(0, keepdim=True).expand(*x.shape)}[name]()
    (out * lib.tensor(g)).sum().backward()
    return t.grad


def reference_gradient(x, g, name):
    if name == "bias":
        return g.sum(0), np.abs(g).sum(0)
    if name in ("softmax", "log_softmax"):
        y = np.exp(x - x.max(0)) / np.exp(x - x.max(0)).sum(0)
        grad = y * (g - (g * y).sum(0)) if name == "softmax" else g - y * g.sum(0)
        return grad, np.abs(y * g).sum(0) + np.abs(g) * (name == "log_softmax")
    if name == "var":
        grad = g.sum(0) * 2 * (x - x.mean(0)) / (len(x) - 1)
        return grad, np.abs(grad).max(0)
    if name == "cumsum":
        return np.cumsum(g[::-1], 0)[::-1], np.cumsum(np.abs(g[::-1]), 0)[::-1]
    if name == "logsumexp":
        return g.sum(0) * np.exp(x - x.max(0)) / np.exp(x - x.max(0)).sum(0), np.abs(g).sum(0)
    raise AssertionError(name)


@pytest.mark.parametrize("name", ["bias", "softmax", "log_softmax", "var", "cumsum", "logsumexp"])
def test_backward_rules_that_add_up_are_as_accurate_as_pytorchs(torch, name):
    x, g = data((182625, 20), seed=14), data((182625, 20), seed=15, centre=1.0)
    ref, scale = reference_gradient(x.astype(np.float64), g.astype(np.float64), name)
    check_against_torch(torch, gradients(agv, x, g, name), gradients(torch, x, g, name), ref, scale, name)


# --- makemore part 4: batch-norm statistics over the whole training set -----------------------------
def test_batchnorm_calibration_over_all_training_rows_matches_pytorch(torch):
    """bnmean and bnvar over all 182,625 rows of the (N, 200) float32 pre-activation, as the lesson
    computes them after training; the names file is replaced by random 3-letter contexts."""
    rng = np.random.default_rng(2147483647)
    contexts = rng.integers(0, 27, (182625, 3))
    table = rng.standard_normal((27, 10)).astype(np.float32)
    w1 = (rng.standard_normal((30, 200)) * (5 / 3) / 30 ** 0.5).astype(np.float32)
    b1 = (rng.standard_normal(200) * 0.01).astype(np.float32)

    def calibrate(lib):
        emb = lib.tensor(table)[lib.tensor(contexts)]
        hpreact = emb.view(emb.shape[0], -1) @ lib.tensor(w1) + lib.tensor(b1)
        return hpreact, hpreact.mean(0, keepdim=True), hpreact.var(0, keepdim=True)

    (h, mean, var), (_, torch_mean, torch_var) = calibrate(agv), calibrate(torch)
    np.testing.assert_allclose(mean.numpy(), torch_mean.numpy(), rtol=1e-5, atol=0)
    np.testing.assert_allclose(var.numpy(), torch_var.numpy(), rtol=1e-5, atol=0)
    h64 = h.numpy().astype(np.float64)
    assert error(mean, h64.mean(0, keepdims=True), np.abs(h64).mean(0, keepdims=True)) <= HALF_ULP
    assert error(var, h64.var(0, ddof=1, keepdims=True), h64.var(0, ddof=1, keepdims=True)) <= HALF_ULP * 1.5


# --- batch_norm and layer_norm statistics (ops/normalization.py) ----------------------------------
def norm_reference(x64: np.ndarray, dims: tuple[int, ...], eps: float = 1e-5):
    """float64 mean, unbiased variance and normalised output over ``dims``."""
    mean, var = x64.mean(dims, keepdims=True), x64.var(dims, keepdims=True)
    return mean, x64.var(dims, ddof=1, keepdims=True), (x64 - mean) / np.sqrt(var + eps)


@pytest.mark.parametrize("shape", [(182625, 20), (64, 3, 32, 32)])
def test_batch_norm_statistics_over_many_rows_are_within_a_few_ulps_and_as_accurate_as_pytorchs(shape):
    """The running mean and variance (momentum 1: the batch's own) and the normalised output of a
    float32 batch norm in training, against float64; PyTorch's 2-D batch norm adds its rows one
    after another in float32 on one thread (1e-5 off over 182,625 rows)."""
    torch = need_torch(module_level=False)
    x = data(shape, seed=16)
    dims = (0,) + tuple(range(2, x.ndim))
    mean, var, out = norm_reference(x.astype(np.float64), dims)
    channels = shape[1]
    results = {}
    for lib in (agv, torch):
        running_mean, running_var = lib.zeros(channels), lib.ones(channels)
        y = lib.nn.functional.batch_norm(lib.tensor(x), running_mean, running_var, training=True, momentum=1.0)
        results[lib.__name__] = running_mean, running_var, y
    (ours_mean, ours_var, ours_out), (torch_mean, torch_var, torch_out) = results["autogradviz"], results["torch"]
    for what, ours, theirs, ref, scale in (("mean", ours_mean, torch_mean, mean.reshape(-1), np.abs(mean.reshape(-1))),
                                           ("var", ours_var, torch_var, var.reshape(-1), var.reshape(-1)),
                                           ("output", ours_out, torch_out, out, np.maximum(np.abs(out), 1.0))):
        check_against_torch(torch, ours, theirs, ref, scale, f"batch_norm {what} {shape}")
        assert error(ours, ref, scale) <= (4 * FEW_ULPS if what == "output" else FEW_ULPS), (what, error(ours, ref, scale))


def test_layer_norm_over_a_long_row_is_within_a_few_ulps_and_as_accurate_as_pytorchs():
    torch = need_torch(module_level=False)
    x = data((4, 200000), seed=17)
    _, _, out = norm_reference(x.astype(np.float64), (1,))
    scale = np.maximum(np.abs(out), 1.0)
    ours, theirs = (lib.nn.functional.layer_norm(lib.tensor(x), (200000,)) for lib in (agv, torch))
    check_against_torch(torch, ours, theirs, out, scale, "layer_norm")
    assert error(ours, out, scale) <= 4 * FEW_ULPS
