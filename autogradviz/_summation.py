"""Float sums as accurate as PyTorch's along every axis, with NumPy alone.

NumPy adds pairwise only along the contiguous axis; along any other axis it adds one row after
another in the input's precision, so a float32 ``sum(0)`` over 180,000 rows is ~2e-5 relative off.
PyTorch sums in short cascades on every axis. Here a float sum goes one of three ways, by size:

- up to ``SMALL`` elements it is accumulated in float64 and rounded once: the correctly rounded
  result in practice, and as fast as ``np.sum`` at that size;
- up to ``CACHED`` elements (in cache) it is pairwise along the axis in the array's own dtype,
  first half plus second half, until ``SMALL`` elements are left for float64;
- a larger array is added up in its own dtype in short blocks (``BLOCK`` slices along a strided
  axis, NumPy's pairwise runs of ``RUN`` elements along the contiguous one), then block sums of
  block sums while there are many: one pass over the data at NumPy's speed. What is left, a small
  array of block sums, is accumulated in float64.

The result is rounded once. A partial sum carries a few roundings of its own size only, and
over many partial sums they average out: float32 results come out within an ulp or so.
``total`` is the float64 accumulation itself, for callers that compute more before rounding once
(a mean, a norm, a log-sum-exp). Integer and bool input goes to NumPy unchanged (exact already).
"""
from __future__ import annotations

import math

import numpy as np

SMALL = 1 << 13     # up to this many elements: accumulated in float64 directly
BLOCK = 16          # slices added in turn along a strided axis, per block
RUN = 1024          # elements per pairwise run along the contiguous axis
SPREAD = 64         # block sums of block sums only while that leaves this many of them, or more
CACHED = 1 << 19    # up to this many elements (2 MB of float32), pairwise by halves instead of blocks
SCAN = 1 << 18      # elements per slab of a running sum along an outer axis (float64 in cache)

_BLOCKED = (np.float32, np.float64)   # dtypes added up in blocks (float16 is accumulated in float64)


def total(a: np.ndarray, axis=None, keepdims: bool = False, *, wide: bool = False) -> np.ndarray:
    """The sum of ``a`` over ``axis`` (None: all), accumulated in float64 for float input.

    A short axis of a large array (up to ``BLOCK`` slices, or one pairwise run) is added in
    ``a``'s own dtype, a few roundings as in PyTorch's sums. ``wide`` accumulates in float64 every
    axis too short to give ``SPREAD`` block sums, as PyTorch's var and std do (a float64 cast of
    ``a`` on the fly, about three times slower than a float32 pass).
    """
    if a.__class__ is not np.ndarray:
        a = np.asarray(a)
    if a.dtype.kind != "f":
        return np.sum(a, axis=axis, keepdims=keepdims)
    if a.size <= SMALL or a.dtype.type not in _BLOCKED:
        return np.add.reduce(a, axis=axis, dtype=np.float64, keepdims=keepdims)
    axes = _axes(axis, a.ndim)
    if len(axes) == 1:
        ax = axes[0]
        out = _sum_axis(a, ax, wide).astype(np.float64, copy=False)
        return out if keepdims else out.reshape(a.shape[:ax] + a.shape[ax + 1:])
    x, reduced = _merge_reduced_runs(a, axes)
    while reduced:   # the innermost axis in memory first: that pass reads the whole array in order
        ax = min(reduced, key=lambda d: abs(x.strides[d]))
        reduced.remove(ax)
        later = math.prod(x.shape[d] for d in reduced)   # block sums that follow, to average out
        x = _sum_axis(x, ax, wide and later < SPREAD)
    out = x.astype(np.float64, copy=False)
    return out.reshape(_reduced_shape(a.shape, axes, keepdims))


def sum(a: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    """``np.sum`` in the input's dtype, within an ulp or so of the correctly rounded sum on any axis."""
    if a.__class__ is not np.ndarray:
        a = np.asarray(a)
    if a.size <= SMALL and a.dtype.kind == "f":   # the common case first: a few NumPy calls less
        if a.dtype.type is np.float64:   # already float64: nothing to widen or round
            return np.add.reduce(a, axis, None, None, keepdims)
        return np.add.reduce(a, axis, np.float64, None, keepdims).astype(a.dtype)
    return _rounded(total(a, axis, keepdims), a.dtype)


def mean(a: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    """``np.mean`` of a float array, rounded once from a float64 total."""
    a = np.asarray(a)
    out = total(a, axis, keepdims)
    return _rounded(out / (a.size // out.size if out.size else _count(a, axis)), a.dtype)


def var(a: np.ndarray, axis=None, correction: float = 1, keepdims: bool = False, *, sqrt: bool = False) -> np.ndarray:
    """``np.var`` (``np.std`` with ``sqrt``) with ``ddof=correction``, accumulated in float64.

    Up to ``SMALL`` elements the deviations from the mean are taken in float64. A larger array
    gets no float64 copy: its deviations d = x − m' are taken from the mean m rounded to its own
    dtype, and Σ(x − m)² = Σd² − n·(m − m')² takes that rounding back out. When the mean is far
    larger than the spread (|m|/σ over ~100 in float32) the float64 total behind m is not exact
    enough for that: then Σd is added up from the deviations themselves and Σd² − (Σd)²/n used
    (the corrected two-pass formula), all in float64.
    """
    a = np.asarray(a)
    if a.dtype.kind != "f":
        return (np.std if sqrt else np.var)(a, axis=axis, ddof=correction, keepdims=keepdims)
    n = _count(a, axis)
    if a.size <= SMALL or a.dtype.type not in _BLOCKED:
        deviations = np.subtract(a, np.add.reduce(a, axis, np.float64, None, True) / n, dtype=np.float64)
        out = np.add.reduce(np.square(deviations, out=deviations), axis, None, None, keepdims) / max(n - correction, 0)
        return (np.sqrt(out) if sqrt else out).astype(a.dtype)
    mean64 = total(a, axis, keepdims=True) / n
    shift = mean64.astype(a.dtype)
    deviations = np.subtract(a, shift)
    spread = total(np.square(deviations, out=deviations), axis, keepdims=True, wide=True)
    offset = n * np.square(mean64 - shift)
    if np.any(np.square(mean64) * (n * _OFFSET_SCALE * np.finfo(a.dtype).eps) > spread - offset):
        # Such data sit on a coarse grid next to their spread (the ulp of m), where even the
        # roundings of float32 block sums of squares lean one way: all of it in float64 then.
        deviations = np.subtract(a, shift)
        offset = np.square(total(deviations, axis, keepdims=True)) / n
        spread = np.add.reduce(np.square(deviations, out=deviations), _axes(axis, a.ndim), np.float64, None, True)
    out = (spread - offset) / max(n - correction, 0)
    if sqrt:
        out = np.sqrt(out)
    return out.reshape(_reduced_shape(a.shape, _axes(axis, a.ndim), keepdims)).astype(a.dtype)


# How far a blocked total of n numbers near m may be off, at worst, in units of n·|m|·eps: BLOCK
# roundings in each of up to three levels; var asks for Σd once m²·eps² times this passes σ²·eps.
_OFFSET_SCALE = 8 * 3 * BLOCK


def std(a: np.ndarray, axis=None, correction: float = 1, keepdims: bool = False) -> np.ndarray:
    """``np.std`` with ``ddof=correction``, the square root of ``var`` taken before rounding."""
    return var(a, axis, correction, keepdims, sqrt=True)


def cumsum(a: np.ndarray, axis: int) -> np.ndarray:
    """``np.cumsum`` along ``axis``, each running sum accumulated in float64 and rounded once, as
    PyTorch does on the CPU (NumPy's float32 running sum drifts by ~1e-5 over 10⁵ terms)."""
    return _running(np.add, np.cumsum, a, axis)


def cumprod(a: np.ndarray, axis: int) -> np.ndarray:
    """``np.cumprod`` along ``axis``, each running product accumulated in float64 and rounded once,
    as PyTorch does on the CPU."""
    return _running(np.multiply, np.cumprod, a, axis)


def _running(ufunc: np.ufunc, numpy_fn, a: np.ndarray, axis: int) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype.kind != "f" or a.ndim == 0:
        return numpy_fn(a, axis=axis if a.ndim else None).reshape(a.shape)
    if a.dtype.type is np.float64:
        return numpy_fn(a, axis=axis)
    if a.size <= SCAN or a.strides[axis] == a.itemsize:
        # widened first, then run in place: twice as fast as accumulating into a float32 out
        wide = a.astype(np.float64)
        ufunc.accumulate(wide, axis=axis, out=wide)
        return wide.astype(a.dtype)
    out = np.empty(a.shape, a.dtype)
    # Along an outer axis NumPy's float64 running sum crosses the whole array once per column:
    # run it on slabs of rows that fit in cache instead, carrying each slab's last values over.
    rows = max(1, SCAN * a.shape[axis] // a.size)
    carry = None
    for start in range(0, a.shape[axis], rows):
        part = (slice(None),) * axis + (slice(start, start + rows),)
        running = ufunc.accumulate(a[part], axis=axis, dtype=np.float64)
        if carry is not None:
            ufunc(running, carry, out=running)
        out[part] = running
        carry = _slice(running, axis, running.shape[axis] - 1, running.shape[axis])
    return out


def prod(a: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    """``np.prod``, accumulated in float64 and rounded once, up to ``CACHED`` elements. A larger
    float32 product is NumPy's float32 one: its n roundings are relative, so no order of the
    factors helps (PyTorch's float32 product has the same error), and float64 would take twice
    the time for a product of more factors than float32 can usually hold."""
    a = np.asarray(a)
    if a.dtype.kind != "f":
        return np.prod(a, axis=axis, keepdims=keepdims)
    if a.size > CACHED and a.dtype.type is np.float32:
        return np.multiply.reduce(a, axis=axis, keepdims=keepdims)
    return np.multiply.reduce(a, axis=axis, dtype=np.float64, keepdims=keepdims).astype(a.dtype)


def _rounded(x, dtype):
    return x.astype(dtype, copy=False) if dtype.kind == "f" else x


def _count(a: np.ndarray, axis) -> int:
    if axis is None:
        return a.size
    return math.prod(a.shape[d] for d in _axes(axis, a.ndim))


def _axes(axis, ndim: int) -> tuple[int, ...]:
    if axis.__class__ is tuple and len(axis) == 1 and 0 <= axis[0] < ndim:   # what the ops pass, mostly
        return axis
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(sorted({int(d) % ndim for d in axis})) if ndim else ()


def _reduced_shape(shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> tuple[int, ...]:
    if keepdims:
        return tuple(1 if d in axes else s for d, s in enumerate(shape))
    return tuple(s for d, s in enumerate(shape) if d not in axes)


# --- the blocked sum of a large array ------------------------------------------------------------
def _merge_reduced_runs(a: np.ndarray, axes: tuple[int, ...]) -> tuple[np.ndarray, list[int]]:
    """A view of ``a`` in which neighbouring reduced axes that lie in memory one inside the other
    are one axis (H and W of an (N, C, H, W) array: one run of H·W), and its reduced axes."""
    shape: list[int] = []
    strides: list[int] = []
    reduced: list[int] = []
    for d, (size, stride) in enumerate(zip(a.shape, a.strides)):
        if d in axes and reduced and reduced[-1] == len(shape) - 1 and strides[-1] == stride * size:
            shape[-1] *= size
            strides[-1] = stride
            continue
        if d in axes:
            reduced.append(len(shape))
        shape.append(size)
        strides.append(stride)
    return (a if len(shape) == a.ndim else a.reshape(shape)), reduced


def _sum_axis(x: np.ndarray, ax: int, wide: bool) -> np.ndarray:
    """The sum of ``x`` over axis ``ax`` (kept, of size 1), in float64 unless the axis is short."""
    if x.size <= SMALL:
        return np.add.reduce(x, ax, np.float64, None, True)
    n = x.shape[ax]
    block = RUN if x.strides[ax] == x.itemsize else BLOCK
    if n <= block or (wide and n < block * SPREAD):
        # a short axis of a large array: a few roundings in x's dtype, or all in float64 if wide
        # (too few block sums to average their roundings out)
        return np.add.reduce(x, ax, np.float64 if wide else None, None, True)
    return _halved(x, ax) if x.size <= CACHED else _blocked(x, ax)


def _halved(x: np.ndarray, ax: int) -> np.ndarray:
    """Pairwise along ``ax`` for an array in cache: first half plus second half, until it is small
    (one NumPy addition a level, each over a plain slice: fast for short rows too), then float64."""
    carry = None
    while x.size > SMALL:
        n = x.shape[ax]
        half = n // 2
        if n % 2:   # the odd slice out waits in float64
            odd = _slice(x, ax, n - 1, n).astype(np.float64)
            carry = odd if carry is None else carry + odd
        x = _slice(x, ax, 0, half) + _slice(x, ax, half, 2 * half)
    out = np.add.reduce(x, ax, np.float64, None, True)
    return out if carry is None else out + carry


def _blocked(x: np.ndarray, ax: int) -> np.ndarray:
    """Block sums in ``x``'s own dtype along ``ax`` (one pass over a large array at NumPy's speed),
    block sums of those while many are left, then float64."""
    carry = None
    levels = 0
    while x.size > SMALL:
        n = x.shape[ax]
        block = RUN if x.strides[ax] == x.itemsize else BLOCK
        if n <= block or (levels and n < block * SPREAD):   # too few left to average their roundings out
            break
        whole = n - n % block
        if whole < n:   # the slices that make no whole block
            rest = np.add.reduce(_slice(x, ax, whole, n), ax, np.float64, None, True)
            carry = rest if carry is None else carry + rest
        blocks = _slice(x, ax, 0, whole).reshape(x.shape[:ax] + (whole // block, block) + x.shape[ax + 1:])
        x = np.add.reduce(blocks, axis=ax + 1)
        levels += 1
    out = np.add.reduce(x, ax, np.float64, None, True)
    return out if carry is None else out + carry


def _slice(x: np.ndarray, ax: int, start: int, stop: int) -> np.ndarray:
    return x[(slice(None),) * ax + (slice(start, stop),)]
