"""Argument checking shared by the op modules: dims, operands, messages in PyTorch's words."""
from __future__ import annotations

import numbers

import numpy as np

from ..tensor import Tensor


def wrap_dim(dim: int, ndim: int) -> int:
    """A possibly negative dim as an index, or PyTorch's IndexError."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return int(dim) % n if ndim else 0


def wrap_dims(dim, ndim: int) -> tuple[int, ...] | None:
    """dim given as None, an int, or a sequence: sorted, non-negative, checked."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        dims = tuple(sorted(wrap_dim(d, ndim) for d in dim))
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
        return dims if ndim else ()
    return (wrap_dim(dim, ndim),) if ndim else ()


def operand(x, fname: str, argname: str = "other", position: int = 2):
    """Accept a Tensor, a Python/NumPy number or a NumPy array as an op operand."""
    if isinstance(x, (Tensor, float, int, numbers.Number, np.generic)):
        return x
    if isinstance(x, np.ndarray):
        from ..creation import as_tensor
        return as_tensor(x)
    raise TypeError(f"{fname}(): argument '{argname}' (position {position}) must be Tensor, not {type(x).__name__}")


def shape_arg(args) -> tuple[int, ...]:
    """Sizes given as ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(torch.Size([2, 3]))``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    out = []
    for s in args:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            if hasattr(s, "item") and getattr(s, "ndim", 1) == 0:
                s = s.item()
            else:
                raise TypeError(f"sizes must be ints, got {type(s).__name__}")
        out.append(int(s))
    return tuple(out)


def fmt_shape(shape) -> str:
    return "x".join(str(s) for s in shape) if shape else "scalar"


def numpy_names(fn):
    """Also accept NumPy's ``axis=`` and ``keepdims=`` for ``dim=`` and ``keepdim=``, as PyTorch
    does (D2L's code uses both spellings)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs:
            if "axis" in kwargs:
                kwargs["dim"] = kwargs.pop("axis")
            if "keepdims" in kwargs:
                kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)
    return wrapper


def accept_numpy_names(namespace: dict, names) -> None:
    """Wrap the named functions of a module with ``numpy_names`` (call at the module's end)."""
    for name in names:
        namespace[name] = numpy_names(namespace[name])
