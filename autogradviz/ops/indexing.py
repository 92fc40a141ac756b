"""Indexing and slicing (basic, advanced, boolean masks) and assignment through them."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .registry import OpDef, apply, check_no_overlap, has_internal_overlap, warn_if_overlap, write_inplace


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


def _getitem_forward(a, index, name=None, dim=None):
    try:
        out = a[index]
        if type(out) is not np.ndarray:  # all integers: a 0-d view, not a copy (PyTorch's select)
            out = a[index + (Ellipsis,)]
        return out
    except IndexError as exc:
        raise IndexError(_index_message(str(exc), a.ndim)) from None


def _index_message(msg: str, ndim: int) -> str:
    if msg.startswith("too many indices"):
        return f"too many indices for tensor of dimension {ndim}"
    return msg.replace(" axis ", " dimension ")


def _put_back(xp, g, c):
    """The gradient of picked elements goes back where they were picked (added up where an
    element was picked twice), zeros elsewhere."""
    return xp.scatter_add(c.shape, c.index, g, None)


GETITEM = OpDef("getitem", _getitem_name,
                inputs=("input",), expression="{input}[{index}]",
                rules=("∂{out}/∂{input} = 1 at the picked positions, else 0",),
                sends=("{grad} put back at the picked positions, 0 elsewhere",), forward=_getitem_forward,
                vjps=(_put_back,),
                dtype="same")
GETITEM_VIEW = OpDef("getitem_view", _getitem_name,
                     inputs=("input",), expression="{input}[{index}]",
                     rules=("∂{out}/∂{input} = 1 at the picked positions, else 0",),
                     sends=("{grad} put back at the picked positions, 0 elsewhere",),
                     functions=("split", "chunk", "unbind", "select", "narrow"),
                     methods=("split", "chunk", "unbind", "select", "narrow"), forward=_getitem_forward,
                     vjps=(_put_back,),
                     dtype="same", view=True)

GATHER = OpDef("gather", "GatherBackward0",
               inputs=("input",), expression="gather({input}, {dim}, index)",
               rules=("∂{out}/∂{input} = 1 at the gathered positions, else 0",),
               sends=("{grad} added back at the gathered positions",),
               functions=("gather",), methods=("gather",), forward=_getitem_forward,
               vjps=(_put_back,), dtype="same")
INDEX_SELECT = OpDef("index_select", "IndexSelectBackward0",
                     inputs=("input",), expression="index_select({input}, {dim}, index)",
                     rules=("∂{out}/∂{input} = 1 at the selected positions, else 0",),
                     sends=("{grad} added back at the selected positions",),
                     functions=("index_select",), methods=("index_select",), forward=_getitem_forward,
                     vjps=(_put_back,), dtype="same")

# The backward of indexing, as an op of its own so that it can be differentiated again.
SCATTER = OpDef("index_add_into_zeros", "IndexPutBackward0",
                inputs=("values",), expression="zeros with {values} added at [{index}]",
                rules=("∂{out}/∂{values} = 1 at the positions",),
                sends=("{grad}[{index}]",),
                forward=lambda g, shape, index: _scatter(g, shape, index),
                vjps=(lambda xp, g, c: xp.take(g, c.index),), dtype="same")
ZERO_AT = OpDef("zero_at", "IndexPutBackward0",
                inputs=("input",), expression="{input} with [{index}] zeroed",
                rules=("∂{out}/∂{input} = 1 except at the positions",),
                sends=("{grad} zeroed at [{index}]",),
                forward=lambda g, index: _zero_at(g, index),
                vjps=(lambda xp, g, c: xp.zero_at(g, c.index),), dtype="same")


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


SETITEM = OpDef("setitem", lambda nd, p: "CopySlices" if _is_basic(p["index"]) else "IndexPutBackward0",
                inputs=("input", "value"), expression="{input} with [{index}] ← {value}",
                rules=("∂{out}/∂{input} = 1 except where written, 0 there",
                       "∂{out}/∂{value} = 1 at the written positions"),
                sends=("{grad} with [{index}] zeroed", "{grad}[{index}]"),
                forward=lambda a, v, index: _put(a, v, index),
                vjps=(lambda xp, g, c: xp.zero_at(g, c.index), lambda xp, g, c: xp.take(g, c.index)),
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
        elif isinstance(i, (list, range, np.ndarray)):
            arr = np.asarray(i)
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            i = arr
        elif isinstance(i, (bool, np.bool_)):
            i = np.asarray(i)
        elif isinstance(i, np.integer):
            i = int(i)
        elif isinstance(i, str):
            raise TypeError(f"a string ('{i}') cannot be used as a tensor index")
        elif not (isinstance(i, (int, slice, type(None))) or i is Ellipsis):
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {type(i).__name__})")
        if isinstance(i, slice) and i.step is not None and i.step <= 0:
            raise ValueError("step must be greater than zero")
        out.append(i)
    return tuple(out)


def check_masks(idx: tuple, shape: tuple) -> None:
    """PyTorch's IndexError for a boolean mask whose shape differs from the dims it covers."""
    arrays = [i for i in idx if isinstance(i, np.ndarray) and i.dtype == np.bool_ and i.ndim]
    if not arrays:
        return
    used = sum(i.ndim if isinstance(i, np.ndarray) and i.dtype == np.bool_ else 1
               for i in idx if i is not None and i is not Ellipsis)
    d = 0
    for i in idx:
        if i is None:
            continue
        if i is Ellipsis:
            d += max(len(shape) - used, 0)
        elif isinstance(i, np.ndarray) and i.dtype == np.bool_ and i.ndim:
            for j, size in enumerate(i.shape):
                if d + j < len(shape) and shape[d + j] != size:
                    raise IndexError(
                        f"The shape of the mask {list(i.shape)} at index {j} does not match the shape of the indexed "
                        f"tensor {list(shape)} at index {d + j}")
            d += i.ndim
        else:
            d += 1


def getitem(input, index):
    """``input[index]``: a view for basic indexing, a copy for advanced indexing."""
    idx = normalize_index(index)
    if _is_basic(idx):
        return apply(GETITEM_VIEW, (input,), {"index": idx})
    check_masks(idx, input._data.shape)
    return apply(GETITEM, (input,), {"index": idx})


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
    check_masks(idx, target._data.shape)
    value = operand(value, "setitem", "value", 3)
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
    if _is_basic(idx) and has_internal_overlap(target._data):
        # PyTorch writes into the view target[idx], refused when its own elements share memory;
        # the history then runs through that view (CopySlices), not through all of target
        region = getitem(target, idx)
        check_no_overlap(region)
        region.copy_(value) if isinstance(value, Tensor) else region.fill_(value)
        return
    _check_written_region(target, idx, value)
    # value is passed as an argument so that write_inplace records when only the value needs grad
    write_inplace(target, lambda old, v: apply(SETITEM, (old, v), {"index": idx}), value)


def _check_written_region(target, idx: tuple, value) -> None:
    """PyTorch writes ``target[idx] = value`` for an advanced index into the view
    ``target[basic part of idx]``: where elements of that view share memory, it warns."""
    if not has_internal_overlap(target._data):
        return
    basic = []
    for i in idx:
        if isinstance(i, np.ndarray):
            basic.extend([slice(None)] * (i.ndim if i.dtype == np.bool_ else 1) if i.ndim else [None])
        else:
            basic.append(i)
    region = _Region(target._data[tuple(basic)])
    warn_if_overlap(region, "index_put_", "tensor[indices] = tensor", stacklevel=4)
    one_mask = len(idx) == 1 and isinstance(idx[0], np.ndarray) and idx[0].dtype == np.bool_
    if one_mask and np.size(getattr(value, "_data", value)) == 1:  # PyTorch's index_put_ takes masked_fill_
        warn_if_overlap(region, "masked_fill_", "tensor[mask] = scalar", stacklevel=4)


class _Region:
    """The memory an indexed write goes to, as the overlap checks read it."""

    def __init__(self, data: np.ndarray):
        self._data = data


def _masked_fill_forward(a, *tensor_value, mask, value=None):
    return np.where(mask, tensor_value[0] if tensor_value else value, a)


# The mask is a parameter, and so is a number value: as in PyTorch, MaskedFillBackward0 has one
# edge, MaskedFillBackward1 (a 0-dim tensor value) two.
MASKED_FILL = OpDef("masked_fill", lambda nd, p: "MaskedFillBackward1" if len(nd) == 2 else "MaskedFillBackward0",
                    inputs=("input", "value"), expression="masked_fill({input}, mask, {value})",
                    rules=("∂{out}/∂{input} = 1 where not mask, else 0",
                           "∂{out}/∂{value} = number of True in mask"),
                    sends=("{grad} where not mask, else 0", "Σ {grad} where mask"),
                    functions=("masked_fill",), methods=("masked_fill",), inplace=("masked_fill",), forward=_masked_fill_forward,
                    vjps=(lambda xp, g, c: xp.where(c.mask, g * 0, g),
                          lambda xp, g, c: xp.sum(xp.where(c.mask, g, g * 0))),
                    dtype="same")


def masked_fill(input, mask, value):
    """A copy of ``input`` with ``value`` where ``mask`` is True."""
    from ..tensor import Tensor
    from .common import operand
    from .registry import broadcast_error
    if not isinstance(mask, Tensor) or mask.dtype is not D.bool_:
        what = mask.dtype.scalar_name.lower() if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {what}")
    value = operand(value, "masked_fill", "value", 3)
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(
            f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} dimension(s).")
    try:
        np.broadcast_shapes(input.shape, mask.shape)
    except ValueError:
        raise broadcast_error([tuple(mask.shape), tuple(input.shape)]) from None
    if isinstance(value, Tensor):
        if value.dtype is not input.dtype:
            value = value.to(input.dtype)
        return apply(MASKED_FILL, (input, value), {"mask": mask._data})
    return apply(MASKED_FILL, (input,), {"mask": mask._data, "value": value})


def _index_tensor(index, name):
    from ..tensor import Tensor
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' (position 3) must be Tensor, not {type(index).__name__}")
    if index.dtype not in (D.int64, D.int32):
        raise RuntimeError(f"{name}(): Expected dtype int32 or int64 for index")
    return index._data.astype(np.int64)


def gather(input, dim, index):
    """Pick values along ``dim`` at ``index`` (same ndim as input): out[i][j] = input[index[i][j]][j]
    for dim=0. The backward adds the gradient back at the picked positions."""
    from .common import wrap_dim
    d = wrap_dim(dim, input.ndim)
    idx = _index_tensor(index, "gather")
    if idx.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(input.ndim):
        if k != d and idx.shape[k] > input.shape[k]:
            raise RuntimeError(
                f"Size does not match at dimension {k} expected index {list(idx.shape)} to be no larger than "
                f"self {list(input.shape)} apart from dimension {d}")
    bad = (idx >= input.shape[d]) | (idx < -input.shape[d])
    if bad.any():
        raise RuntimeError(f"index {int(idx[bad].flat[0])} is out of bounds for dimension {d} with size {input.shape[d]}")
    grids = list(np.indices(idx.shape, sparse=True))
    grids[d] = idx
    return apply(GATHER, (input,), {"index": tuple(grids), "dim": d})


def index_select(input, dim, index):
    """The slices of ``input`` along ``dim`` at the positions in the 1-D ``index``."""
    from .common import wrap_dim
    d = wrap_dim(dim, input.ndim)
    idx = _index_tensor(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    idx = idx.reshape(-1)
    n = input.shape[d] if input.ndim else 1
    if ((idx >= n) | (idx < -n)).any():
        raise IndexError("index out of range in self")
    return apply(INDEX_SELECT, (input,), {"index": (slice(None),) * d + (idx,), "dim": d})
