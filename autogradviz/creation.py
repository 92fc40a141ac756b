"""Tensor factories: tensor, as_tensor, from_numpy, arange, linspace, zeros/ones/full(_like),
eye; the random ones (rand, randn, randint, randperm, normal, bernoulli, multinomial) draw as
PyTorch's CPU kernels do (``_sampling``), from a ``random.Generator``."""
from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from . import _dtype as D
from . import _inplace_random as R
from . import _sampling as S
from ._device import check_device
from .ops.common import shape_arg
from .random import Generator, generator_or_default
from .tensor import Tensor, _make


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


def deprecated_range(start, end, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Deprecated: values from start to end, end included (in the default float dtype unless told)."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    check_device(device)
    args = [v.item() if hasattr(v, "item") else v for v in (start, end, step)]
    if args[2] == 0:
        raise RuntimeError("step must be nonzero")
    if (args[1] - args[0]) * args[2] < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    dt = _factory_dtype(dtype)
    n = int(np.floor((args[1] - args[0]) / args[2])) + 1
    arr = args[0] + args[2] * np.arange(n, dtype=np.float64)
    return _finish(arr.astype(dt.np), dt, requires_grad)


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


# --- random factories: a new tensor, then the in-place method PyTorch applies to it -----------
def _random_size(size, kw) -> tuple[int, ...]:
    """The size of a random factory: ``rand(2, 3)``, ``rand((2, 3))`` or ``rand(size=(2, 3))``."""
    if set(kw) - {"size"}:
        raise TypeError(f"got an unexpected keyword argument {sorted(set(kw) - {'size'})[0]!r}")
    return _size((kw["size"],)) if "size" in kw else _size(size)


def _new(shape, dtype: D.dtype) -> Tensor:
    return _make(np.empty(shape, dtype.np), dtype)


def _empty_like(input: Tensor, dtype: D.dtype | None) -> Tensor:
    """A new tensor shaped and laid out like ``input`` (PyTorch's ``empty_like`` keeps the strides
    of a dense tensor, and the random fill follows them)."""
    dt = dtype or input.dtype
    return _make(np.empty_like(input._data, dtype=dt.np), dt)


def _done(t: Tensor, requires_grad: bool) -> Tensor:
    return _finish(t._data, t._dtype, requires_grad)


def rand(*size, generator: Generator | None = None, dtype=None, layout=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False, **kw) -> Tensor:
    """Uniform random numbers in [0, 1)."""
    check_device(device)
    t = _new(_random_size(size, kw), _factory_dtype(dtype))
    return _done(R.uniform_(t, generator=generator), requires_grad)


def randn(*size, generator: Generator | None = None, dtype=None, layout=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False, **kw) -> Tensor:
    """Standard normal random numbers."""
    check_device(device)
    t = _new(_random_size(size, kw), _factory_dtype(dtype))
    return _done(R.normal_(t, generator=generator), requires_grad)


def _randint_bounds(args, low, high, size):
    """``randint(high, size)``, ``randint(low, high, size)`` and keyword spellings, as (low, high, size)."""
    args = list(args)
    if len(args) == 3:
        low, high, size = args
    elif len(args) == 2:
        if high is not None or size is not None:       # randint(low, high, size=...)
            low, high = args
        else:
            high, size = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    if high is None or size is None:
        raise TypeError("randint() missing required arguments: expected randint(high, size) or randint(low, high, size)")
    return (0 if low is None else low), high, size


def randint(*args, low: int | None = None, high: int | None = None, size=None, generator: Generator | None = None,
            dtype=None, layout=None, device=None, requires_grad: bool = False,
            pin_memory: bool = False) -> Tensor:
    """Random integers drawn uniformly from [low, high) (low defaults to 0)."""
    check_device(device)
    low, high, size = _randint_bounds(args, low, high, size)
    t = _new(_size((size,)), dtype or D.int64)
    return _done(R.random_(t, low, high, generator=generator), requires_grad)


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """``rand`` with the shape (and dtype, unless given) of ``input``."""
    check_device(device)
    return _done(R.uniform_(_empty_like(input, dtype), generator=generator), requires_grad)


def randn_like(input: Tensor, *, generator: Generator | None = None, dtype=None, layout=None, device=None,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    """``randn`` with the shape (and dtype, unless given) of ``input``."""
    check_device(device)
    return _done(R.normal_(_empty_like(input, dtype), generator=generator), requires_grad)


def randint_like(input: Tensor, *args, low: int | None = None, high: int | None = None,
                 generator: Generator | None = None, dtype=None, layout=None, device=None,
                 requires_grad: bool = False, memory_format=None) -> Tensor:
    """``randint`` with the shape (and dtype, unless given) of ``input``."""
    check_device(device)
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        high = args[0]
    if high is None:
        raise TypeError("randint_like() missing required argument 'high'")
    t = R.random_(_empty_like(input, dtype), 0 if low is None else low, high, generator=generator)
    return _done(t, requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A random permutation of 0, ..., n − 1."""
    check_device(device)
    dt = dtype or D.int64
    n = _size((n,))[0]
    if dt is D.bool_:
        raise R._not_implemented("randperm", dt)
    limit = 2 ** (np.finfo(dt.np).nmant + 1) + 1 if dt.is_floating_point else int(np.iinfo(dt.np).max)
    if n > limit:
        if dt.is_floating_point:
            raise RuntimeError(f"n cannot be greater than 2^{np.finfo(dt.np).nmant + 1}+1 for {dt.scalar_name} type.")
        raise RuntimeError(f"value cannot be converted to type {np.dtype(dt.np).name}_t without overflow")
    perm = S.randperm(generator_or_default(generator), n)
    return _finish(perm.astype(dt.np), dt, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator: Generator | None = None, dtype=None,
           layout=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Normal random numbers: ``normal(mean, std, size)`` for numbers, or element-wise means and
    standard deviations from tensors (broadcast together)."""
    check_device(device)
    m_tensor, s_tensor = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (m_tensor or s_tensor):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got (float, float): give a "
                            "size, normal(mean, std, size), or a tensor of means or standard deviations")
        t = _new(_size((size,)), _factory_dtype(dtype))
        return _done(R.normal_(t, float(mean), float(std), generator=generator), requires_grad)
    if s_tensor and std.numel() and not bool((std._data >= 0).all()):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if m_tensor and not s_tensor:                       # N(0, std²) added to the means
        t = R.normal_(_new(mean.shape, mean.dtype), 0.0, float(std), generator=generator)
        return _make((t._data + mean._data).astype(mean.dtype.np), mean.dtype)
    template = mean if m_tensor else std
    shape = np.broadcast_shapes(mean.shape, std.shape) if m_tensor else std.shape
    t = R.normal_(_new(shape, template.dtype), generator=generator)   # N(0, 1), then · std + mean
    scaled = (t._data * std._data).astype(template.dtype.np)
    offset = mean._data if m_tensor else template.dtype.np.type(mean)
    return _make((scaled + offset).astype(template.dtype.np), template.dtype)


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """0s and 1s, each 1 with the probability in ``input`` (or with ``p`` everywhere)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return R.bernoulli_(_empty_like(input, None), input if p is None else p, generator=generator)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """Indices drawn from the categories of each row of ``input``, weighted by its (unnormalised)
    probabilities, with or without replacement."""
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype.scalar_name}")
    n_categories = input.shape[-1]
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > n_categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if n_categories > 2**24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    probs = np.atleast_2d(input._data)
    gen = generator_or_default(generator)
    if probs.size == 0:
        result = np.empty((probs.shape[0], num_samples), np.int64)
    elif not replacement or num_samples == 1:
        if not (np.all(probs >= 0) and np.all(probs < np.inf)):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if np.any(probs.sum(axis=1) == 0):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        # PyTorch's Gumbel trick: the largest p / q with q ~ Exp(1), drawn for every category.
        q = S.exponential(gen, probs.size, 1.0).astype(probs.dtype).reshape(probs.shape)
        keys = probs / q
        result = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    else:
        if np.any(probs < 0):
            raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
        if not np.all(np.isfinite(probs)):
            raise RuntimeError("invalid multinomial distribution (encountering probability entry = infinity or NaN)")
        if np.any(probs.sum(axis=1) <= 0):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        result = S.multinomial_with_replacement(gen, probs, num_samples)
    return _make(result.reshape(input.shape[:-1] + (num_samples,)), D.int64)
