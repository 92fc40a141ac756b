"""Turn an answer into a float64 NumPy array, and compare arrays.

Only known types are read (numbers, NumPy arrays, autogradviz tensors, real torch tensors, and
lists or tuples of these), always as a fresh copy: the student's object is never modified, and an
object with a fake ``__eq__`` or ``__array__`` is refused rather than trusted.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

_MAX_ELEMENTS = 10_000_000


class AnswerError(ValueError):
    """The answer cannot be read as numbers; ``str(err)`` says why, in the student's terms."""


def is_torch_tensor(obj: Any) -> bool:
    """True for a real PyTorch tensor (recognised without importing torch)."""
    if not type(obj).__module__.startswith("torch"):
        return False
    import torch  # only imported when the object already comes from torch
    return isinstance(obj, torch.Tensor)


def is_tensor(obj: Any) -> bool:
    """True for an autogradviz tensor."""
    from ..tensor import Tensor
    return isinstance(obj, Tensor)


def requires_grad(obj: Any) -> bool | None:
    """The answer's ``requires_grad`` flag, or None for values that carry no graph."""
    if is_tensor(obj):
        from ..tensor import Tensor
        return bool(Tensor.requires_grad.fget(obj))
    if is_torch_tensor(obj):
        import torch
        return bool(torch.Tensor.requires_grad.__get__(obj))
    return None


def describe(obj: Any) -> str:
    """A short description of an answer's type and shape, for messages."""
    if obj is None:
        return "None"
    if is_tensor(obj):
        from ..tensor import Tensor
        data = Tensor._data.__get__(obj)
        return f"an autogradviz tensor of shape {tuple(data.shape)} ({obj.dtype})"
    if is_torch_tensor(obj):
        return f"a torch tensor of shape {tuple(obj.shape)} ({obj.dtype})"
    if isinstance(obj, np.ndarray):
        return f"a NumPy array of shape {obj.shape} ({obj.dtype})"
    if isinstance(obj, (bool, np.bool_)):
        return f"the boolean {bool(obj)}"
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return f"the number {obj!r}" if type(obj) in (int, float) else f"a {type(obj).__name__}"
    if isinstance(obj, (list, tuple)):
        return f"a {type(obj).__name__} of length {len(obj)}"
    if isinstance(obj, type):
        return f"the class {obj.__name__}"
    if callable(obj):
        return f"the function {getattr(obj, '__name__', type(obj).__name__)}"
    return f"an object of type {type(obj).__name__}"


def _from_numpy(arr: np.ndarray, what: str) -> np.ndarray:
    kind = arr.dtype.kind
    if kind == "b":
        raise AnswerError(f"your answer is {what} of True/False values (a comparison such as "
                          "x.grad == 4 * x?): give the numbers themselves")
    if kind == "c":
        raise AnswerError(f"your answer is {what} of complex numbers: expected real numbers")
    if kind not in "iuf":
        raise AnswerError(f"your answer is {what} of dtype {arr.dtype}: expected numbers")
    return np.array(arr, dtype=np.float64, copy=True, subok=False)


def to_array(obj: Any, _depth: int = 0) -> np.ndarray:
    """A float64 copy of the answer's numbers; raises ``AnswerError`` for anything else."""
    if obj is None:
        raise AnswerError("your answer is None")
    if isinstance(obj, (bool, np.bool_)):
        raise AnswerError(f"your answer is the boolean {bool(obj)}: give the numbers themselves")
    if type(obj) is int or type(obj) is float:
        return np.array(float(obj), dtype=np.float64)
    if isinstance(obj, numbers.Real) and isinstance(obj, (int, float)):
        # a subclass of int/float: read the underlying value, never the subclass's methods
        base = int.__index__(obj) if isinstance(obj, int) else float.__float__(obj)
        return np.array(float(base), dtype=np.float64)
    if isinstance(obj, np.generic):
        return _from_numpy(np.asarray(obj), "a NumPy scalar")
    if is_tensor(obj):
        from ..tensor import Tensor
        data = Tensor._data.__get__(obj)
        if not isinstance(data, np.ndarray):
            raise AnswerError("your answer is a tensor without data")
        return _from_numpy(data, "a tensor")
    if is_torch_tensor(obj):
        import torch
        t = torch.Tensor.detach(obj).to("cpu")
        if t.dtype == torch.bool:
            raise AnswerError("your answer is a torch tensor of True/False values (a comparison?): "
                              "give the numbers themselves")
        if t.is_complex():
            raise AnswerError("your answer is a torch tensor of complex numbers: expected real numbers")
        return np.array(t.to(torch.float64).numpy(), dtype=np.float64, copy=True)
    if isinstance(obj, np.ndarray):
        return _from_numpy(obj, "a NumPy array")
    if isinstance(obj, (list, tuple)):
        if _depth > 32:
            raise AnswerError("your answer is nested too deeply")
        if len(obj) > _MAX_ELEMENTS:
            raise AnswerError("your answer has too many elements")
        parts = [to_array(item, _depth + 1) for item in obj]
        shapes = {p.shape for p in parts}
        if len(shapes) > 1:
            raise AnswerError(f"your answer is a ragged {type(obj).__name__}: its items have different "
                              f"shapes {sorted(shapes)}")
        if not parts:
            return np.zeros((0,), dtype=np.float64)
        return np.stack(parts)
    raise AnswerError(f"expected a number, an array or a tensor, got {describe(obj)}")


def fmt(arr: np.ndarray | None) -> str | None:
    """An array written compactly for messages, with its shape."""
    if arr is None:
        return None
    text = np.array2string(np.asarray(arr), precision=4, suppress_small=True, threshold=24,
                           edgeitems=3, max_line_width=10_000, separator=", ")
    return f"{' '.join(text.split())}  (shape {tuple(np.shape(arr))})"


def same_shape(got: np.ndarray, expected: np.ndarray) -> bool:
    """Shapes match, or both hold a single number (``28``, ``[28.]`` and ``tensor(28.)`` agree)."""
    return got.shape == expected.shape or (got.size == 1 and expected.size == 1)


def close(got: np.ndarray | None, expected: np.ndarray | None, rtol: float, atol: float) -> bool:
    """Same shape and every element within ``atol + rtol * |expected|``; NaN and inf never pass."""
    if got is None or expected is None:
        return False
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if not same_shape(got, expected):
        return False
    got = got.reshape(expected.shape)
    if not (np.all(np.isfinite(got)) and np.all(np.isfinite(expected))):
        return False
    return bool(np.all(np.abs(got - expected) <= atol + rtol * np.abs(expected)))
