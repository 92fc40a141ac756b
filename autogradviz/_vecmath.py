"""The arithmetic PyTorch's CPU normal kernels use, reproduced bit for bit with NumPy.

* float32 normals of 16 or more elements: PyTorch's x86-64 builds run the Box-Muller transform
  with its AVX2 kernel, whose ``log`` and ``sincos`` are Cephes' single-precision polynomials
  (Julien Pommier's ``avx_mathfun``). The compiler fuses some of their multiply-adds into FMA
  instructions; which ones was read off PyTorch 2.13's output, and :func:`log_sincos_f32`
  fuses exactly those. (Where a product is exact in float32, fused and unfused agree, and the
  cheaper unfused form is used.) A fused float32 multiply-add is computed in float64, where the
  product is exact, and rounded once to float32. That equals the hardware FMA except when the
  float64 sum lands within 2⁻⁵³ of a float32 rounding midpoint, which was never seen in 10⁷
  samples.
* float64 normals end with ``value * std + mean`` fused into one FMA: :func:`fma64` emulates
  it exactly with error-free transformations (Boldo and Melquiond's round-to-odd method).
"""
from __future__ import annotations

import numpy as np

__all__ = ["fma64", "log_sincos_f32"]

_F32, _F64 = np.float32, np.float64
_LOG_POLY = tuple(_F32(c) for c in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                                    1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                                    3.3333331174e-1))
_LN2_HI, _LN2_LO = _F32(0.693359375), _F32(-2.12194440e-4)
_SQRT_HALF = _F32(0.707106781186547524)
_FOUR_OVER_PI = _F32(1.27323954473516)
_PI4_HI, _PI4_MID, _PI4_LO = _F32(-0.78515625), _F32(-2.4187564849853515625e-4), _F32(-3.77489497744594108e-8)
_COS_POLY = (_F32(2.443315711809948e-5), _F32(-1.388731625493765e-3), _F32(4.166664568298827e-2))
_SIN_POLY = (_F32(-1.9515295891e-4), _F32(8.3321608736e-3), _F32(-1.6666654611e-1))


class _Fused:
    """float32 fused multiply-adds into preallocated arrays, through one float64 scratch array."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.scratch = np.empty(shape, _F64)

    def __call__(self, a, b, c, out: np.ndarray) -> np.ndarray:
        np.multiply(a, b, out=self.scratch, dtype=_F64)   # exact: a float32 product fits in a float64
        self.scratch += c
        out[...] = self.scratch                   # the one rounding, to float32
        return out


def _log(x: np.ndarray, fma: _Fused) -> np.ndarray:
    """Natural log of float32 values in [2⁻²⁴, 1], as ``log256_ps`` computes it."""
    bits = x.view(np.int32)
    m = ((bits & 0x007FFFFF) | 0x3F000000).view(_F32)         # the mantissa, in [0.5, 1)
    small = m < _SQRT_HALF                                     # there: 2m − 1, and one less in e
    e = ((bits >> 23) - 126 - small).astype(_F32)
    m = (m - _F32(1)) + m * small
    z = m * m
    y = fma(_LOG_POLY[0], m, _LOG_POLY[1], np.empty_like(m))
    for c in _LOG_POLY[2:]:
        fma(y, m, c, y)
    y *= m
    fma(y, z, e * _LN2_LO, y)
    y += z * _F32(-0.5)                                        # an FMA in PyTorch; the product is exact
    y += m
    y += e * _LN2_HI                                           # likewise
    return y


def _sincos(x: np.ndarray, fma: _Fused) -> tuple[np.ndarray, np.ndarray]:
    """(sin x, cos x) of float32 values in [0, 2π), as ``sincos256_ps`` computes them."""
    j = (x * _FOUR_OVER_PI).astype(np.int32)
    j += 1
    j &= ~1                                                    # the octant, rounded up to even
    y = j.astype(_F32)
    x = x + y * _PI4_HI                                        # x − j·π/4 in three parts; the first
    x += y * _PI4_MID                                          # two products are exact, the last is
    fma(y, _PI4_LO, x, x)                                      # fused
    z = x * x
    c = fma(_COS_POLY[0], z, _COS_POLY[1], np.empty_like(z))
    fma(c, z, _COS_POLY[2], c)
    c *= z
    fma(c, z, z * _F32(-0.5), c)
    c += _F32(1)
    s = fma(_SIN_POLY[0], z, _SIN_POLY[1], np.empty_like(z))
    fma(s, z, _SIN_POLY[2], s)
    s *= z
    fma(s, x, x, s)
    # Octants where sin and cos trade places, and the signs: bit operations, as in the kernel.
    sin_bits, cos_bits = s.view(np.int32), c.view(np.int32)
    trade = (sin_bits ^ cos_bits) & -((j >> 1) & 1)
    sin_bits ^= trade
    cos_bits ^= trade
    sin_bits ^= (j & 4) << 29
    cos_bits ^= (~(j - 2) & 4) << 29
    return s, c


def log_sincos_f32(u1: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(log u1, sin θ, cos θ)`` for float32 arrays of one shape, with PyTorch's AVX2 kernel's
    rounding (u1 in [2⁻²⁴, 1], θ in [0, 2π))."""
    fma = _Fused(u1.shape)
    return (_log(np.ascontiguousarray(u1), fma), *_sincos(np.ascontiguousarray(theta), fma))


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a):
    c = 134217729.0 * a                                        # 2**27 + 1 (Veltkamp)
    hi = c - (c - a)
    return hi, a - hi


def _two_product(a, b):
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def fma64(a, b, c) -> np.ndarray:
    """float64 a·b + c with a single rounding, for finite values of moderate size."""
    a, b, c = (np.asarray(v, _F64) for v in (a, b, c))
    hi, lo = _two_product(a, b)
    s, t = _two_sum(c, hi)
    v, err = _two_sum(t, lo)
    inexact_even = (err != 0) & ((v.view(np.int64) & 1) == 0)  # round v to odd
    v = np.where(inexact_even, np.nextafter(v, np.copysign(np.inf, err)), v)
    return s + v
