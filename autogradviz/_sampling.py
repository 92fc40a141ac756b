"""PyTorch's CPU sampling kernels on top of its generator, each returning NumPy values.

Every function takes a ``Generator`` and draws exactly the words PyTorch's kernel draws, in the
same order, so the generator ends in the same state. Values come back flat, in the order the
kernel writes them (``_inplace_random.random_values`` puts them into a tensor's memory in that
order).

Facts used (PyTorch 2.13, ``ATen/core/TransformationHelper.h``, ``native/cpu/DistributionTemplates.h``,
``DistributionKernels.cpp``, ``TensorFactories.cpp``, ``MultinomialKernel.cpp``):

* a float32 (and float16) uniform is the low 24 bits of one word over 2²⁴; a float64 uniform is
  the low 53 bits of a 64-bit value (two words, high first) over 2⁵³; then ``u·(to − from) + from``,
  fused, in float32 or float64;
* integers in a range are ``word % range + from``, with a 64-bit value when the range is 2³² or
  more;
* normals of 16 or more contiguous elements: uniforms for all of them (and, when the size is
  not a multiple of 16, 16 more that redo the last 16), Box-Muller over blocks of 16 (the first 8
  give ``1 − u1``, the last 8 ``u2``); float32 goes through the AVX2 kernel (``_vecmath``);
  float16 draws only the 16 uniforms of each block (the tail's too) and uses the float32 kernel;
* fewer (or non-contiguous) normals: double-precision Box-Muller pairs, ``√(−2·log1p(−u2))``
  times ``cos(2πu1)``, with ``sin`` kept for the next call;
* bernoulli ``u < p``; exponential ``−log1p(−u)/λ``; geometric ``⌈log u / log1p(−p)⌉``;
* randperm swaps ``r[i]`` with ``r[i + word % (n − i)]`` (an inside-out shuffle on 64-bit values
  once n reaches 2³² / 20).
"""
from __future__ import annotations

import math

import numpy as np

from ._vecmath import fma64, log_sincos_f32
from .random import Generator

_F32, _F64 = np.float32, np.float64
_MANTISSA_BITS = {np.dtype(np.float16): 11, np.dtype(np.float32): 24, np.dtype(np.float64): 53}
_TWO_PI = 2.0 * math.pi
RANDPERM_SMALL = (2**32 - 1) // 20        # below this n, randperm uses 32-bit words
EXACT_LOG_LIMIT = 2048                    # logarithms per call computed with the C library's log
_CHUNK = 1 << 16                          # uniforms per pass of the float32 Box-Muller kernel


# --- uniform ------------------------------------------------------------------------------------
def unit_uniform(gen: Generator, n: int, dtype: np.dtype) -> np.ndarray:
    """``n`` uniforms in [0, 1): 53 bits for float64, else 24 bits in float32 (float16 draws
    float32 values too, and rounds only the result)."""
    if np.dtype(dtype) == _F64:
        return (gen._words64(n).view(np.int64) & ((1 << 53) - 1)).astype(_F64) * 2.0**-53
    return (gen._words(n).view(np.int64) & ((1 << 24) - 1)).astype(_F32) * _F32(2.0**-24)


def uniform(gen: Generator, n: int, dtype: np.dtype, low: float, high: float) -> np.ndarray:
    """``Tensor.uniform_(low, high)``: ``u·(high − low) + low``, fused, in the tensor's precision."""
    dtype = np.dtype(dtype)
    u = unit_uniform(gen, n, dtype)
    if dtype == _F64:
        return fma64(u, high - low, low) if (low, high) != (0.0, 1.0) else u
    lo, hi = _F32(low), _F32(high)
    if (lo, hi) != (0, 1):
        u = (u.astype(_F64) * _F64(hi - lo) + _F64(lo)).astype(_F32)   # exact product, one rounding
    return u.astype(dtype, copy=False)


# --- normal -------------------------------------------------------------------------------------
def normal(gen: Generator, n: int, dtype: np.dtype, mean: float, std: float, contiguous: bool = True) -> np.ndarray:
    """``Tensor.normal_(mean, std)`` on ``n`` elements of ``dtype``."""
    dtype = np.dtype(dtype)
    if n >= 16 and contiguous:
        return _normal_blocks(gen, n, dtype, mean, std)
    return normal_pairs(gen, n, mean, std).astype(dtype)


def _normal_blocks(gen: Generator, n: int, dtype: np.dtype, mean: float, std: float) -> np.ndarray:
    full, tail = n - n % 16, n % 16 != 0
    out = np.empty(n, dtype)
    if dtype == np.float16:       # float16 goes 16 uniforms at a time through the float32 kernel
        u = unit_uniform(gen, full + 16 * tail, _F32)
        out[:full] = _box_muller_16(u[:full], np.dtype(_F32), mean, std)
        if tail:
            out[n - 16:] = _box_muller_16(u[full:], np.dtype(_F32), mean, std)
        return out
    u = unit_uniform(gen, n + 16 * tail, dtype)  # uniforms for every element first, then the tail's 16
    out[:full] = _box_muller_16(u[:full], dtype, mean, std)
    if tail:
        out[n - 16:] = _box_muller_16(u[n:], dtype, mean, std)
    return out


def _box_muller_16(u: np.ndarray, dtype: np.dtype, mean: float, std: float) -> np.ndarray:
    """Box-Muller over blocks of 16 uniforms, as ``normal_fill_16`` lays them out."""
    if dtype == _F32:
        out = np.empty(u.size, _F32)
        for start in range(0, u.size, _CHUNK):       # chunks small enough to stay in the cache
            out[start:start + _CHUNK] = _box_muller_f32(u[start:start + _CHUNK], mean, std)
        return out
    blocks = u.astype(_F64).reshape(-1, 2, 8)
    radius = np.sqrt(-2.0 * _libm(math.log, np.log, 1.0 - blocks[:, 0]))
    theta = _TWO_PI * blocks[:, 1]
    z = np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1).reshape(-1)
    return _scale(z, mean, std).astype(dtype, copy=False)


def _box_muller_f32(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    blocks = u.reshape(-1, 2, 8)
    log_u, sin, cos = log_sincos_f32(_F32(1) - blocks[:, 0], _F32(_TWO_PI) * blocks[:, 1])
    radius = np.sqrt(_F32(-2) * log_u)
    z = np.stack([radius * cos, radius * sin], axis=1).reshape(-1)
    if (mean, std) == (0.0, 1.0):
        return z
    return (z.astype(_F64) * _F64(_F32(std)) + _F64(_F32(mean))).astype(_F32)   # one fused multiply-add


def normal_pairs(gen: Generator, n: int, mean: float, std: float) -> np.ndarray:
    """``n`` float64 normals the scalar way: Box-Muller pairs, the second value cached on ``gen``."""
    out = np.empty(n, _F64)
    start = 0
    if n and gen._next_double_normal is not None:
        out[0], gen._next_double_normal = gen._next_double_normal, None
        start = 1
    pairs = (n - start + 1) // 2
    if pairs:
        u = unit_uniform(gen, 2 * pairs, _F64)
        radius = np.sqrt(-2.0 * _libm(math.log1p, np.log1p, -u[1::2]))
        theta = _TWO_PI * u[0::2]
        z = np.empty(2 * pairs, _F64)
        z[0::2], z[1::2] = radius * np.cos(theta), radius * np.sin(theta)
        if (n - start) % 2:
            gen._next_double_normal = float(z[-1])
        out[start:] = z[:n - start]
    return _scale(out, mean, std)


def _scale(z: np.ndarray, mean: float, std: float) -> np.ndarray:
    """``z·std + mean`` with one rounding, as PyTorch's fused multiply-add computes it."""
    if std == 1.0:
        return z + mean if mean else z
    return fma64(z, std, mean) if mean else z * std


def _libm(fn, ufunc, x: np.ndarray) -> np.ndarray:
    """``fn`` from Python's math module, that is the C library's function PyTorch calls, over an
    array. NumPy's vectorised ``ufunc`` is used beyond ``EXACT_LOG_LIMIT`` values for speed: it can
    differ from the C library in the last bit (about 0.3% of values, with NumPy's AVX-512 log)."""
    if x.size > EXACT_LOG_LIMIT:
        return ufunc(x)
    return np.fromiter(map(fn, x.reshape(-1).tolist()), _F64, x.size).reshape(x.shape)


# --- integers -----------------------------------------------------------------------------------
def integers(gen: Generator, n: int, low: int, range_: int) -> np.ndarray:
    """``random_(low, low + range_)``: int64 values ``word % range_ + low`` (range_ up to 2⁶⁴)."""
    words = gen._words64(n) if range_ >= 2**32 else gen._words(n)
    if range_ < 2**64:
        words = words % np.uint64(range_)
    return (words + np.uint64(low % 2**64)).view(np.int64)


def full_range(gen: Generator, n: int, dtype: np.dtype) -> np.ndarray:
    """``random_()`` with no bounds: PyTorch's per-dtype modulus (2⁶³ for int64, 2⁵³ + 1 for float64...)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return (gen._words(n) & np.uint64(1)).astype(np.bool_)
    if dtype.kind == "f":
        modulus = 2 ** _MANTISSA_BITS[dtype] + 1
    else:
        modulus = int(np.iinfo(dtype).max) + 1
    words = gen._words64(n) if dtype in (np.dtype(np.int64), np.dtype(np.float64)) else gen._words(n)
    return (words % np.uint64(modulus)).astype(dtype)


# --- other distributions ------------------------------------------------------------------------
def bernoulli(gen: Generator, p: np.ndarray | float, n: int, double_p: bool = True) -> np.ndarray:
    """``u < p`` per element: a float64 uniform when p is a Python float or a float64 tensor,
    a float32 one (24 bits) for a float32 tensor of probabilities."""
    if double_p:
        return unit_uniform(gen, n, _F64) < np.asarray(p, _F64)
    return unit_uniform(gen, n, _F32) < np.asarray(p, _F32)


def exponential(gen: Generator, n: int, lambd: float) -> np.ndarray:
    """``n`` float64 exponential draws with rate ``lambd``."""
    return -1.0 / lambd * _libm(math.log1p, np.log1p, -unit_uniform(gen, n, _F64))


def geometric(gen: Generator, n: int, p: float) -> np.ndarray:
    """``n`` float64 geometric draws (trials until the first success)."""
    return np.ceil(_libm(math.log, np.log, unit_uniform(gen, n, _F64)) / math.log1p(-p))


def randperm(gen: Generator, n: int) -> np.ndarray:
    """A permutation of ``range(n)``, shuffled as PyTorch's CPU ``randperm`` shuffles."""
    perm = list(range(n))
    if n < RANDPERM_SMALL:
        offsets = (gen._words(max(n - 1, 0)) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
        for i, z in enumerate(offsets):
            j = i + z
            perm[i], perm[j] = perm[j], perm[i]
    else:
        picks = (gen._words64(n) % np.arange(1, n + 1, dtype=np.uint64)).tolist()
        for i, z in enumerate(picks):
            perm[i] = perm[z]
            perm[z] = i
    return np.array(perm, np.int64)


def multinomial_with_replacement(gen: Generator, probs: np.ndarray, n_sample: int) -> np.ndarray:
    """Rows of ``probs`` (2-D) sampled ``n_sample`` times each by inverting the running sum."""
    out = np.empty((probs.shape[0], n_sample), np.int64)
    for row, p in enumerate(probs):
        cum = np.cumsum(p)                                 # sequential, in the input's precision
        cum /= cum[-1]
        cum[-1] = 1
        out[row] = np.searchsorted(cum.astype(_F64), unit_uniform(gen, n_sample, _F64), side="left")
    return out
