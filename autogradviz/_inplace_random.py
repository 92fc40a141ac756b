"""The in-place random methods: ``Tensor.uniform_``, ``normal_``, ``random_``, ``bernoulli_``,
``exponential_`` and ``geometric_``, with PyTorch's checks and messages.

Each one draws from a ``Generator`` through ``_sampling`` and writes the values in the order
PyTorch's TensorIterator walks the tensor's memory (by decreasing stride), so a transposed or
sliced tensor gets the same numbers in the same places as in PyTorch. The random factories
(``rand``, ``randn``, ...) are these methods applied to a new tensor, as in PyTorch.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import _dtype as D
from . import _sampling as S
from ._grad_mode import is_grad_enabled
from .random import Generator, generator_or_default
from .tensor import Tensor, _make

__all__ = ["bernoulli_", "exponential_", "geometric_", "install", "normal_", "random_", "random_values", "uniform_",
           "walk_axes"]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_CPP_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int", "int32": "int",
              "int64": "long int", "float16": "c10::Half", "float32": "float", "float64": "double"}


def _num(x) -> str:
    """A number as PyTorch's messages print it (C++ stream formatting)."""
    return f"{x:g}" if isinstance(x, float) else str(x)


def _not_implemented(kernel: str, dtype: D.dtype) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}" not implemented for \'{dtype.scalar_name}\'')


def walk_axes(arr: np.ndarray) -> list[int]:
    """The axes of ``arr`` in the order PyTorch's TensorIterator walks its memory: by decreasing
    stride, so the last axis is the one that moves fastest."""
    if arr.flags.c_contiguous:
        return list(range(arr.ndim))
    if any(s == 0 and n > 1 for s, n in zip(arr.strides, arr.shape)):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation.")
    return sorted(range(arr.ndim), key=lambda d: -abs(arr.strides[d]))


def random_values(like: np.ndarray, draw: Callable[[int, bool], np.ndarray]) -> np.ndarray:
    """``draw(n, contiguous)``'s values in an array shaped like ``like``, each where PyTorch would
    write it into ``like``'s memory."""
    values = draw(like.size, bool(like.flags.c_contiguous))
    if like.flags.c_contiguous:
        return values.reshape(like.shape)
    out = np.empty(like.shape, values.dtype)
    walk = out.transpose(walk_axes(like))
    walk[...] = values.reshape(walk.shape)
    return out


def _write(self: Tensor, draw: Callable[[int, bool], np.ndarray]) -> Tensor:
    """Draw the values for ``self`` and copy them in; recorded like ``copy_`` when the tensor is
    part of a graph (the old values then get a zero gradient, as in PyTorch)."""
    self._check_inplace_leaf()
    if self._data.size == 0:
        return self
    values = random_values(self._data, draw)
    if is_grad_enabled() and (self._grad_fn is not None or self._requires_grad):
        from .ops.elementwise import COPY
        from .ops.registry import apply, apply_inplace
        return apply_inplace(self, lambda old, src: apply(COPY, (old, src)), _make(values, self._dtype))
    np.copyto(self._data, values, casting="unsafe")
    self._bump()
    return self


def _float_only(self: Tensor, kernel: str) -> None:
    if not self._dtype.is_floating_point:
        raise _not_implemented(kernel, self._dtype)


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with numbers drawn uniformly from [from, to)."""
    _float_only(self, "check_uniform_bounds")
    from_, to = float(from_), float(to)
    if not from_ <= to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={_num(from_)} > to={_num(to)}")
    info = np.finfo(self._dtype.np)
    if to - from_ > info.max:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{self._dtype.scalar_name}>::max(), but "
                           f"found to={_num(to)} and from={_num(from_)} which result in to-from to exceed the limit")
    gen = generator_or_default(generator)
    return _write(self, lambda n, _: S.uniform(gen, n, self._dtype.np, from_, to))


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with numbers drawn from the normal distribution N(mean, std²)."""
    _float_only(self, "normal_kernel_cpu")
    mean, std = float(mean), float(std)
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
    gen = generator_or_default(generator)
    return _write(self, lambda n, contiguous: S.normal(gen, n, self._dtype.np, mean, std, contiguous))


def _integer_limits(dtype: D.dtype) -> tuple[int, int]:
    if dtype is D.bool_:
        return 0, 1
    if dtype.is_floating_point:
        info = np.finfo(dtype.np)
        return int(-info.max), int(info.max)
    info = np.iinfo(dtype.np)
    return int(info.min), int(info.max)


def _snap_to_dtype(value: int, dtype: D.dtype, step: int) -> int:
    """PyTorch's ``update_from``/``update_to``: move a bound (by ``step`` = ±1 and beyond) until
    ``value + step`` survives the round trip through the floating dtype."""
    if abs(value + step) > np.finfo(dtype.np).max:       # out of the dtype's range: the range check says so
        return value
    neighbour = int(dtype.np.type(value + step))
    if (neighbour < value) if step > 0 else (neighbour >= value):
        bits = abs(value + step).bit_length() - 1
        return neighbour + step * (1 << (bits - np.finfo(dtype.np).nmant))
    return value


def random_(self: Tensor, *bounds, generator: Generator | None = None, **kw) -> Tensor:
    """Fill with integers: ``random_()`` over the dtype's range, ``random_(to)`` from [0, to),
    ``random_(from, to)`` from [from, to) (``to=None``: up to the dtype's largest value)."""
    if "from" in kw:
        bounds = (kw.pop("from"), *bounds)
    if "to" in kw:
        bounds = (*(bounds or (0,)), kw.pop("to"))
    if kw:
        raise TypeError(f"random_() got an unexpected keyword argument {next(iter(kw))!r}")
    dtype, gen = self._dtype, generator_or_default(generator)
    if not bounds:
        return _write(self, lambda n, _: S.full_range(gen, n, dtype.np))
    from_, to = (0, bounds[0]) if len(bounds) == 1 else bounds
    from_ = int(from_)
    if to is None and from_ == _INT64_MIN:
        return _write(self, lambda n, _: S.integers(gen, n, 0, 2**64).astype(dtype.np))
    if to is None:
        to_inc = min(2 ** (np.finfo(dtype.np).nmant + 1), _INT64_MAX) if dtype.is_floating_point \
            else _integer_limits(dtype)[1]
        if dtype.is_floating_point:
            from_ = _snap_to_dtype(from_, dtype, 1)
    else:
        to = int(to)
        if not from_ < to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
        if dtype.is_floating_point:
            from_, to = _snap_to_dtype(from_, dtype, 1), _snap_to_dtype(to, dtype, -1)
        to_inc = to - 1
    low, high = _integer_limits(dtype)
    name = _CPP_NAMES[dtype.name]
    if not low <= from_ <= high:
        raise RuntimeError(f"from is out of bounds for {name}")
    if not low <= to_inc <= high:
        raise RuntimeError(f"to - 1 is out of bounds for {name}")
    span = to_inc - from_ + 1
    return _write(self, lambda n, _: S.integers(gen, n, from_, span).astype(dtype.np))


def bernoulli_(self: Tensor, p: float | Tensor = 0.5, *, generator: Generator | None = None) -> Tensor:
    """Fill with 0s and 1s, each 1 with probability ``p`` (a number, or a tensor broadcast to self)."""
    gen = generator_or_default(generator)
    if isinstance(p, Tensor):
        if not p._dtype.is_floating_point:
            raise _not_implemented("bernoulli_tensor_cpu_p_", p._dtype)
        probs = p._data
        if probs.size and not ((probs >= 0) & (probs <= 1)).all():
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message "
                               "be improved?  If so, please report an enhancement request to PyTorch.)")
        in_order = np.broadcast_to(probs, self._data.shape).transpose(walk_axes(self._data)).reshape(-1)
        double = p._dtype is D.float64
        return _write(self, lambda n, _: S.bernoulli(gen, in_order, n, double).astype(self._dtype.np))
    p = float(p)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_num(p)}")
    return _write(self, lambda n, _: S.bernoulli(gen, p, n).astype(self._dtype.np))


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with draws from the exponential distribution with rate ``lambd``."""
    if not self._dtype.is_floating_point:
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {self._dtype.scalar_name}")
    lambd = float(lambd)
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_num(lambd)}")
    gen = generator_or_default(generator)
    return _write(self, lambda n, _: S.exponential(gen, n, lambd).astype(self._dtype.np))


def geometric_(self: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    """Fill with the number of Bernoulli(p) trials up to the first success."""
    if self._dtype is D.bool_:
        raise _not_implemented("geometric_cpu", self._dtype)
    p = float(p)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_num(p)}")
    gen = generator_or_default(generator)
    return _write(self, lambda n, _: S.geometric(gen, n, p).astype(self._dtype.np))


def install(tensor_class: type) -> None:
    """Attach the in-place random methods to Tensor."""
    for fn in (uniform_, normal_, random_, bernoulli_, exponential_, geometric_):
        setattr(tensor_class, fn.__name__, fn)
