"""Indexing and slicing (basic, advanced, boolean masks) and assignment through them."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .registry import OpDef, apply, apply_inplace


def _is_basic(index: tuple) -> bool:
    return all(isinstance(i, (int, slice, type(None))) or i is Ellipsis for i in index)


def _getitem_name(ndims, p):
    if p.get("name"):
        return p["name"]
    index = p["index"]
    if not _is_basic(index):
        return "IndexBackward0"
    for i in reversed(index):
        if isinstance(i, int):
            return "SelectBackward0"
        if i is None:
            return "UnsqueezeBackward0"
        if isinstance(i, slice) and i != slice(None):
            return "SliceBackward0"
    return "AliasBackward0"


def _getitem_forward(a, index, name=None):
    try:
        return a[index]
    except IndexError as exc:
        raise IndexError(_index_message(str(exc), a.ndim)) from None


def _index_message(msg: str, ndim: int) -> str:
    if msg.startswith("too many indices"):
        return f"too many indices for tensor of dimension {ndim}"
    return msg.replace(" axis ", " dimension ")


GETITEM = OpDef("getitem", _getitem_name, "[ ]", forward=_getitem_forward,
                vjps=(lambda xp, g, c: xp.scatter_add(c.shape, c.index, g, None),),
                formulas=("∂a[i]/∂a = 1 at the selected positions, 0 elsewhere",), dtype="same")
GETITEM_VIEW = OpDef("getitem_view", _getitem_name, "[ ]", forward=_getitem_forward,
                     vjps=(lambda xp, g, c: xp.scatter_add(c.shape, c.index, g, None),),
                     formulas=("∂a[i]/∂a = 1 at the selected positions, 0 elsewhere",), dtype="same", view=True)

# The backward of indexing, as an op of its own so that it can be differentiated again.
SCATTER = OpDef("index_add_into_zeros", "IndexPutBackward0", "scatter",
                forward=lambda g, shape, index: _scatter(g, shape, index),
                vjps=(lambda xp, g, c: xp.take(g, c.index),), formulas=("∂scatter(g)/∂g = 1 at the positions",),
                dtype="same")
ZERO_AT = OpDef("zero_at", "IndexPutBackward0", "zero",
                forward=lambda g, index: _zero_at(g, index),
                vjps=(lambda xp, g, c: xp.zero_at(g, c.index),), formulas=("∂/∂g = 1 except at the positions",),
                dtype="same")


def _scatter(g, shape, index):
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, index, g)
    return out


def _zero_at(g, index):
    out = np.array(g, copy=True)
    out[index] = 0
    return out


def _put(a, value, index):
    out = np.array(a, copy=True)
    try:
        out[index] = value
    except ValueError:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(np.shape(value))} cannot be broadcast to indexing result "
            f"of shape {list(np.shape(a[index]))}") from None
    return out


SETITEM = OpDef("setitem", lambda nd, p: "CopySlices" if _is_basic(p["index"]) else "IndexPutBackward0", "[ ]=",
                forward=lambda a, v, index: _put(a, v, index),
                vjps=(lambda xp, g, c: xp.zero_at(g, c.index), lambda xp, g, c: xp.take(g, c.index)),
                formulas=("∂/∂a = 1 except where overwritten", "∂/∂v = 1 at the written positions"),
                dtype="same")


def normalize_index(index, ndim: int | None = None):
    """Turn a Python/Tensor index into a NumPy index tuple (tensors and lists become arrays)."""
    from ..tensor import Tensor
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for i in index:
        if isinstance(i, Tensor):
            if i.dtype.is_floating_point:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            i = i._data if i.ndim else (bool(i._data) if i.dtype is D.bool_ else int(i._data))
            if isinstance(i, np.ndarray) and i.dtype != np.bool_:
                i = i.astype(np.int64)
        elif isinstance(i, (list, np.ndarray)):
            arr = np.asarray(i)
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            i = arr
        elif isinstance(i, (bool, np.bool_)):
            i = np.asarray(i)
        elif isinstance(i, np.integer):
            i = int(i)
        elif not (isinstance(i, (int, slice, type(None))) or i is Ellipsis):
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {type(i).__name__})")
        if isinstance(i, slice) and i.step is not None and i.step <= 0:
            raise ValueError("step must be greater than zero")
        out.append(i)
    return tuple(out)


def getitem(input, index):
    """``input[index]``: a view for basic indexing, a copy for advanced indexing."""
    idx = normalize_index(index)
    op = GETITEM_VIEW if _is_basic(idx) else GETITEM
    return apply(op, (input,), {"index": idx})


def getitem_named(input, index, name):
    return apply(GETITEM_VIEW, (input,), {"index": normalize_index(index), "name": name})


def index_add_into_zeros(g, shape, index):
    return apply(SCATTER, (g,), {"shape": tuple(shape), "index": index})


def zero_at(g, index):
    return apply(ZERO_AT, (g,), {"index": index})


def setitem(target, index, value) -> None:
    """``target[index] = value``, recorded in the graph when grad is on."""
    from ..tensor import Tensor
    from .common import operand
    idx = normalize_index(index)
    value = operand(value, "setitem", "value")
    if isinstance(value, Tensor) and value.dtype is not target.dtype:
        value = value.to(target.dtype)
    try:
        np.broadcast_to(getattr(value, "_data", value), np.shape(target._data[idx]))
    except IndexError as exc:
        raise IndexError(_index_message(str(exc), target.ndim)) from None
    except ValueError:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(np.shape(getattr(value, '_data', value)))} cannot be "
            f"broadcast to indexing result of shape {list(np.shape(target._data[idx]))}") from None
    apply_inplace(target, lambda old: apply(SETITEM, (old, value), {"index": idx}))


def masked_fill(input, mask, value):
    """A copy of ``input`` with ``value`` where ``mask`` is True."""
    from .elementwise import where
    from ..creation import as_tensor
    return where(mask, as_tensor(value, dtype=input.dtype) if not hasattr(value, "_data") else value, input)


def gather(input, dim, index):
    """Pick values along ``dim`` at ``index`` (same ndim as input)."""
    from .common import wrap_dim
    d = wrap_dim(dim, input.ndim)
    idx = index._data.astype(np.int64)
    grids = list(np.indices(idx.shape, sparse=True))
    grids[d] = idx
    return getitem(input, tuple(grids))


def index_select(input, dim, index):
    from .common import wrap_dim
    d = wrap_dim(dim, input.ndim)
    return getitem(input, (slice(None),) * d + (index,))
