"""Functions that arrange tensors with other ops: broadcasting, at-least-n-d, stacking, flips."""
from __future__ import annotations

from .common import shape_arg

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors", "column_stack",
           "dstack", "fliplr", "flipud", "moveaxis", "row_stack"]


def broadcast_shapes(*shapes) -> tuple[int, ...]:
    """The shape that tensors of the given shapes broadcast to (an int stands for a 1-D shape)."""
    from ..tensor import Size
    sizes = [shape_arg((s,)) for s in shapes]
    out: list[int] = []
    for k, shape in enumerate(sizes):
        for i in range(1, len(shape) + 1):
            n = shape[-i]
            if i > len(out):
                out.insert(0, n)
            elif out[-i] == 1:
                out[-i] = n
            elif n != 1 and n != out[-i]:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {n} at -{i}! Mismatching argument at index {k} "
                    f"had {tuple(shape)}; but expected shape should be broadcastable to {out}")
    return Size(out)


def broadcast_tensors(*tensors) -> tuple:
    """The tensors expanded to one shape (views); a tensor already of that shape comes back as it is."""
    from .shape import expand
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    shape: tuple[int, ...] = ()
    for t in tensors:
        shape = _broadcast_pair(shape, tuple(t.shape), len(shape) >= t.ndim)
    return tuple(t if tuple(t.shape) == shape else expand(t, *shape) for t in tensors)


def _broadcast_pair(a: tuple, b: tuple, a_longer: bool) -> tuple:
    """The broadcast of two shapes, with the elementwise ops' message when they do not match."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


def _atleast(tensors, fn):
    if len(tensors) == 1:
        if isinstance(tensors[0], (tuple, list)):
            return tuple(fn(t) for t in tensors[0])
        return fn(tensors[0])
    return tuple(fn(t) for t in tensors)


def atleast_1d(*tensors):
    """Each tensor with at least one dim (a 0-d tensor becomes shape (1,)); others as they are."""
    return _atleast(tensors, lambda t: t.reshape(1) if t.ndim == 0 else t)


def atleast_2d(*tensors):
    """Each tensor with at least two dims: shape (n,) becomes (1, n)."""
    return _atleast(tensors, lambda t: t.reshape(1, 1) if t.ndim == 0 else t.unsqueeze(0) if t.ndim == 1 else t)


def _to_3d(t):
    if t.ndim == 0:
        return t.reshape(1, 1, 1)
    if t.ndim == 1:
        return t.unsqueeze(0).unsqueeze(-1)
    return t.unsqueeze(-1) if t.ndim == 2 else t


def atleast_3d(*tensors):
    """Each tensor with at least three dims: (n,) becomes (1, n, 1) and (m, n) becomes (m, n, 1)."""
    return _atleast(tensors, _to_3d)


def column_stack(tensors):
    """The tensors side by side as columns: 0-d and 1-d tensors become columns first."""
    from .shape import cat
    return cat([t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in tensors], 1)


def row_stack(tensors):
    """The tensors stacked as rows (``vstack``)."""
    from .rearrange import vstack
    return vstack(tensors)


def dstack(tensors):
    """The tensors stacked in depth: each made at least 3-D, then joined along dim 2."""
    from .shape import cat
    return cat([_to_3d(t) for t in tensors], 2)


def flipud(input):
    """The rows in reverse order (``flip(input, [0])``)."""
    from .shape import flip
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, [0])


def fliplr(input):
    """The columns in reverse order (``flip(input, [1])``)."""
    from .shape import flip
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, [1])


def moveaxis(input, source, destination):
    """NumPy's name for ``movedim``."""
    from .shape import movedim
    return movedim(input, source, destination)
