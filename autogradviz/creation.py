"""Tensor factories: tensor, as_tensor, from_numpy, arange, linspace, zeros/ones/full(_like),
eye, rand/randn/normal/randint, and the global random generator (manual_seed)."""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from . import _dtype as D
from ._device import check_device
from .ops.common import shape_arg
from .tensor import Tensor, _make

_generator = np.random.default_rng()


class Generator:
    """A random generator (``torch.Generator``) backed by NumPy's PCG64."""

    def __init__(self, device="cpu"):
        self._rng = np.random.default_rng()
        self._seed = None

    def manual_seed(self, seed: int) -> Generator:
        self._rng = np.random.default_rng(int(seed))
        self._seed = int(seed)
        return self

    def initial_seed(self) -> int | None:
        return self._seed


def manual_seed(seed: int) -> Generator:
    """Seed the global generator so random tensors repeat."""
    global _generator
    _generator = np.random.default_rng(int(seed))
    g = Generator()
    g._rng, g._seed = _generator, int(seed)
    return g


seed = manual_seed


def _rng(generator=None):
    return generator._rng if generator is not None else _generator


def _infer_nested(data) -> set[int]:
    """Check that a nested list is rectangular (PyTorch's ValueError names the dim and lengths)
    and return the kinds of number in it (0 bool, 1 int, 2 float)."""
    level, dim, kinds = [data], 0, set()
    while level:
        seqs = [x for x in level if isinstance(x, (list, tuple))]
        for x in level:
            if isinstance(x, (list, tuple)):
                continue
            if isinstance(x, Tensor):
                if x.ndim:
                    raise ValueError("only one element tensors can be converted to Python scalars")
                kinds.add(x.dtype._category)
            elif isinstance(x, (bool, np.bool_)):
                kinds.add(0)
            elif isinstance(x, (numbers.Integral, np.integer)):
                kinds.add(1)
            elif isinstance(x, (numbers.Real, np.floating)):
                kinds.add(2)
            elif isinstance(x, str):
                raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
            else:
                raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")
        if not seqs:
            return kinds
        if len(seqs) != len(level):  # numbers and sequences side by side (PyTorch: a TypeError)
            raise TypeError(f"expected sequence of length {len(seqs[0])} at dim {dim} (got a number)")
        n = len(seqs[0])
        for s in seqs:
            if len(s) != n:
                raise ValueError(f"expected sequence of length {n} at dim {dim} (got {len(s)})")
        level = [x for s in seqs for x in s]
        dim += 1
    return kinds


def _to_array(data: Any, dtype: D.dtype | None = None, copy: bool = True):
    """Convert data to (ndarray, dtype) following torch.tensor's inference rules."""
    if isinstance(data, Tensor):
        arr = data._data
        dt = dtype or data._dtype
        return (arr.astype(dt.np) if copy or dt is not data._dtype else arr), dt
    if isinstance(data, np.ndarray):
        dt = dtype or D.from_numpy_dtype(data.dtype)
        arr = data.astype(dt.np, copy=copy) if copy or dt.np != data.dtype else data
        return arr, dt
    if isinstance(data, (numbers.Number, np.generic)):
        if isinstance(data, complex):
            raise TypeError("complex numbers are not supported by autogradviz")
        dt = dtype or (D.from_numpy_dtype(np.asarray(data).dtype) if isinstance(data, np.generic) else D._scalar_dtype(data))
        return np.array(data, dtype=dt.np), dt
    if isinstance(data, (list, tuple)):
        kinds = _infer_nested(data)
        if dtype is None:
            k = max(kinds) if kinds else 2
            dtype = D.bool_ if k == 0 else D.int64 if k == 1 else D.default_float()
        flat = _unwrap(data)
        return np.array(flat, dtype=dtype.np), dtype
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    if hasattr(data, "__array__"):
        return _to_array(np.asarray(data), dtype, copy)
    raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def _unwrap(x):
    if isinstance(x, Tensor):
        return x._data.item()
    if isinstance(x, (list, tuple)):
        return [_unwrap(v) for v in x]
    return x


def _finish(arr, dt, requires_grad):
    t = _make(arr, dt)
    if requires_grad:
        if not dt.is_floating_point:  # the factories' wording (requires_grad_() words it differently)
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


def _size(size) -> tuple[int, ...]:
    """Sizes for a new tensor: ints, none negative (PyTorch's RuntimeError names the shape)."""
    shape = shape_arg(size)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return shape


def tensor(data: Any, *, dtype: D.dtype | None = None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor (always a copy) from a number, nested list, array or tensor."""
    check_device(device)
    arr, dt = _to_array(data, dtype)
    return _finish(arr, dt, requires_grad)


def as_tensor(data: Any, dtype: D.dtype | None = None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array or tensor when it can."""
    check_device(device)
    if isinstance(data, Tensor) and (dtype is None or dtype is data._dtype):
        return data
    arr, dt = _to_array(data, dtype, copy=False)
    return _make(arr, dt)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return _make(ndarray, D.from_numpy_dtype(ndarray.dtype))


def _factory_dtype(dtype, default=None):
    return dtype if dtype is not None else (default or D.default_float())


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    """A tensor of zeros of the given size."""
    check_device(device)
    dt = _factory_dtype(dtype)
    return _finish(np.zeros(_size(size), dtype=dt.np), dt, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    """A tensor of ones of the given size."""
    check_device(device)
    dt = _factory_dtype(dtype)
    return _finish(np.ones(_size(size), dtype=dt.np), dt, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    check_device(device)
    dt = _factory_dtype(dtype)
    return _finish(np.zeros(_size(size), dtype=dt.np), dt, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of the given size filled with ``fill_value``."""
    check_device(device)
    dt = dtype or D._scalar_dtype(fill_value)
    return _finish(np.full(_size((size,)), fill_value, dtype=dt.np), dt, requires_grad)


def _like(input, dtype):
    return input.shape, (dtype or input.dtype)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    check_device(device)
    shape, dt = _like(input, dtype)
    return _finish(np.zeros(shape, dtype=dt.np), dt, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    check_device(device)
    shape, dt = _like(input, dtype)
    return _finish(np.ones(shape, dtype=dt.np), dt, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    check_device(device)
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    check_device(device)
    shape, dt = _like(input, dtype)
    return _finish(np.full(shape, fill_value, dtype=dt.np), dt, requires_grad)


def rand_like(input, *, dtype=None, requires_grad=False) -> Tensor:
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, requires_grad=False) -> Tensor:
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Values from start (default 0) up to, not including, end."""
    check_device(device)
    if end is None:
        start, end = 0, start
    args = [v.item() if hasattr(v, "item") else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (args[1] - args[0]) * args[2] < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dtype = D.default_float() if any(isinstance(v, float) for v in args) else D.int64
    n = int(np.ceil((args[1] - args[0]) / args[2]))
    arr = (args[0] + args[2] * np.arange(max(n, 0), dtype=np.float64)).astype(dtype.np)
    if not dtype.is_floating_point:
        arr = np.arange(args[0], args[1], args[2]).astype(dtype.np)
    return _finish(arr, dtype, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from start to end, both included."""
    check_device(device)
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise RuntimeError(f"linspace(): number of steps must be non-negative, got {steps}")
    dt = _factory_dtype(dtype)
    return _finish(np.linspace(float(start), float(end), int(steps)).astype(dt.np), dt, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    check_device(device)
    dt = _factory_dtype(dtype)
    return _finish(np.logspace(float(start), float(end), int(steps), base=base).astype(dt.np), dt, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """The identity matrix (n x m)."""
    check_device(device)
    dt = _factory_dtype(dtype)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    return _finish(np.eye(n, m if m is not None else n, dtype=dt.np), dt, requires_grad)


def _size_kw(size, kw):
    if "size" in kw:
        return _size((kw.pop("size"),))
    return _size(size)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw) -> Tensor:
    """Uniform random numbers in [0, 1)."""
    dt = _factory_dtype(dtype)
    shape = _size_kw(size, kw)
    return _finish(_rng(generator).random(shape).astype(dt.np), dt, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw) -> Tensor:
    """Standard normal random numbers."""
    dt = _factory_dtype(dtype)
    shape = _size_kw(size, kw)
    return _finish(np.asarray(_rng(generator).standard_normal(shape)).astype(dt.np), dt, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False) -> Tensor:
    """Normal random numbers with the given mean and std (numbers or tensors)."""
    m = getattr(mean, "_data", mean)
    s = getattr(std, "_data", std)
    if size is None:
        size = np.broadcast_shapes(np.shape(m), np.shape(s))
    dt = dtype or (mean.dtype if isinstance(mean, Tensor) else std.dtype if isinstance(std, Tensor) else D.default_float())
    arr = _rng(generator).normal(m, s, shape_arg((size,)) if size != () else ())
    return _finish(np.asarray(arr).astype(dt.np), dt, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Random integers in [low, high)."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    dt = dtype or D.int64
    return _finish(_rng(generator).integers(low, high, _size((size,))).astype(dt.np), dt, requires_grad)


def randperm(n, *, generator=None, dtype=None) -> Tensor:
    dt = dtype or D.int64
    return _make(_rng(generator).permutation(n).astype(dt.np), dt)
