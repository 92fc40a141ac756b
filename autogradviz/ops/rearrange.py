"""Ops that move or repeat elements: roll, repeat (and tile), sort, topk, cumprod; and the
functions built from other ops or recording none: argsort, hstack, vstack, meshgrid, nonzero,
unique."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .. import _summation as sums
from ..tensor import _make
from .common import wrap_dim
from .matrix import _require
from .reduction import _return_type
from .registry import OpDef, apply


def _roll(x, shifts, dims):
    if isinstance(x, np.ndarray):
        return np.roll(x, shifts, dims)
    return roll(x, shifts, dims)


ROLL = OpDef("roll", "RollBackward0",
             inputs=("input",), expression="roll({input}, {shifts}{, {dims}})",
             rules=("∂{out}/∂{input} = 1, moved back by the shift",),
             sends=("roll({grad}, −{shifts}{, {dims}})",),
             functions=("roll",), methods=("roll",),
             forward=lambda a, shifts, dims=None: np.roll(a, shifts, dims),
             vjps=(lambda xp, g, c: _roll(g, tuple(-s for s in c.shifts), c.params.get("dims")),), dtype="same")


def _repeat_grad(xp, g, c):
    """Sum the gradient over the copies: view it as (copies, size) per dim and sum the copies."""
    sizes, shape = c.repeats, c.shape
    lead = len(sizes) - len(shape)
    split = []
    for i, r in enumerate(sizes):
        split += [r, shape[i - lead] if i >= lead else 1]
    summed = xp.sum(xp.reshape(g, tuple(split)), dim=tuple(range(0, 2 * len(sizes), 2)))
    return xp.reshape(summed, shape)


REPEAT = OpDef("repeat", "RepeatBackward0",
               inputs=("input",), expression="{input}.repeat({*repeats})", methods=("repeat",),
               rules=("∂{out}/∂{input} = 1 for each copy",),
               sends=("the sum of {grad} over the copies",),
               forward=lambda a, repeats: np.tile(a, repeats), vjps=(_repeat_grad,), dtype="same")


def _along(idx, dim):
    """The advanced index that puts values picked along ``dim`` (indices ``idx``) back in place."""
    grids = list(np.indices(idx.shape, sparse=True))
    grids[dim] = idx
    return tuple(grids)


def _put_back_along(xp, g, c):
    return xp.scatter_add(c.shape, _along(c.aux, c.dim), g, None)


def _sort_forward(a, dim, descending=False):
    idx = np.argsort(-a if descending else a, axis=dim, kind="stable")
    return np.take_along_axis(a, idx, axis=dim), idx


def _topk_forward(a, k, dim, largest=True, sorted=True):
    idx = np.argsort(-a if largest else a, axis=dim, kind="stable")
    idx = np.take(idx, np.arange(k), axis=dim)
    return np.take_along_axis(a, idx, axis=dim), idx


SORT = OpDef("sort", "SortBackward0",
             inputs=("input",), expression="sort({input}, dim={dim})",
             rules=("∂{out}/∂{input} = 1 where each value came from",),
             sends=("{grad} put back where each value came from",), functions=("sort",), methods=("sort",),
             forward=_sort_forward, vjps=(_put_back_along,), dtype="same", aux=True)
TOPK = OpDef("topk", "TopkBackward0",
             inputs=("input",), expression="topk({input}, {k}, dim={dim})",
             rules=("∂{out}/∂{input} = 1 at the k picked values, else 0",),
             sends=("{grad} at the k picked values, 0 elsewhere",), functions=("topk",), methods=("topk",),
             forward=_topk_forward, vjps=(_put_back_along,), dtype="same", aux=True)


def _cumprod_grad(xp, g, c):
    """∂cumprod/∂xᵢ summed against g: the reversed cumsum of g·out, over xᵢ; where the input has
    zeros, the products that leave xᵢ out, taken directly (NumPy)."""
    a, dim = c.a, c.dim
    if isinstance(a, np.ndarray) and not a.all():
        x = np.moveaxis(a, dim, -1)
        gm = np.moveaxis(g, dim, -1)
        n = x.shape[-1]
        without = np.repeat(x[..., None, :], n, axis=-2)           # [..., i, k] = x_k, with x_i → 1
        without[..., np.arange(n), np.arange(n)] = 1
        products = np.cumprod(without, axis=-1)                     # [..., i, j] = Π_{k ≤ j, k ≠ i} x_k
        products = products * (np.arange(n)[:, None] <= np.arange(n)[None, :])   # only j ≥ i
        return np.moveaxis(np.einsum("...ij,...j->...i", products, gm), -1, dim)
    return xp.flip(xp.cumsum(xp.flip(g * c.out, (dim,)), dim), (dim,)) / a


CUMPROD = OpDef("cumprod", "CumprodBackward0",
                inputs=("input",), expression="cumprod({input}, dim={dim})",
                rules=("∂{out}ⱼ/∂{input}ᵢ = {out}ⱼ/{input}ᵢ for i ≤ j",),
                sends=("reversed cumsum of {grad} × {out} along dim {dim}, over {input}",),
                functions=("cumprod",), methods=("cumprod",), inplace=("cumprod",),
                forward=lambda a, dim: sums.cumprod(a, dim),
                vjps=(_cumprod_grad,), saves=(0,), save_out=True, dtype="same")


def roll(input, shifts, dims=None):
    """Shift the elements along ``dims`` (of the flattened tensor when None), wrapping around."""
    _require("roll", input=input)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is not None:
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
        if len(dims) != len(shifts):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
        dims = tuple(wrap_dim(d, input.ndim) for d in dims)
    elif len(shifts) != 1:
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
    return apply(ROLL, (input,), {"shifts": shifts, "dims": dims} if dims is not None else {"shifts": shifts})


def repeat(input, *sizes):
    """Tile the tensor ``sizes[i]`` times along each dim (more sizes than dims add leading dims)."""
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    return apply(REPEAT, (input,), {"repeats": sizes})


def tile(input, dims):
    """``repeat`` with fewer sizes allowed: missing leading sizes count as 1."""
    _require("tile", input=input)
    dims = tuple(dims)
    return repeat(input, *((1,) * (input.ndim - len(dims)) + dims))


def sort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    """(values, indices) sorted along ``dim``; equal values keep their order."""
    _require("sort", input=input)
    d = wrap_dim(dim, input.ndim) if input.ndim else 0
    values, idx = apply(SORT, (input,), {"dim": d, "descending": bool(descending)})
    return _return_type("sort")(values, _make(np.asarray(idx, dtype=np.int64), D.int64))


def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    """The indices that sort ``input`` along ``dim``."""
    return sort(input, dim, descending, stable).indices


def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """(values, indices) of the ``k`` largest (or smallest) elements along ``dim``."""
    _require("topk", input=input)
    d = wrap_dim(dim, input.ndim) if input.ndim else 0
    size = input.shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    values, idx = apply(TOPK, (input,), {"k": k, "dim": d, "largest": bool(largest)})
    return _return_type("topk")(values, _make(np.asarray(idx, dtype=np.int64), D.int64))


def cumprod(input, dim: int, *, dtype=None):
    """Running product along ``dim``."""
    _require("cumprod", input=input)
    if dtype is not None:
        input = input.to(dtype)
    return apply(CUMPROD, (input,), {"dim": wrap_dim(dim, input.ndim)})


# --- built from other ops -------------------------------------------------------------------------
def hstack(tensors):
    """Concatenate along dim 1 (dim 0 for 1-D tensors)."""
    from .shape import cat
    tensors = list(tensors)
    return cat(tensors, 0 if all(t.ndim == 1 for t in tensors) else 1)


def vstack(tensors):
    """Stack as rows: 1-D tensors become rows, then concatenate along dim 0."""
    from .shape import cat
    return cat([t.unsqueeze(0) if t.ndim == 1 else t for t in tensors], 0)


def meshgrid(*tensors, indexing: str | None = None):
    """Coordinate grids from 1-D tensors (``indexing="ij"``: matrix indexing; ``"xy"``: Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        import warnings
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    axes = list(range(len(tensors)))   # the dim each input runs along; "xy" swaps the first two
    if indexing == "xy" and len(tensors) >= 2:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for t, axis in zip(tensors, axes):
        shape[axis] = t.numel()
    grids = []
    for t, axis in zip(tensors, axes):
        view = [1] * len(tensors)
        view[axis] = -1
        grids.append(t.reshape(*view).expand(*shape))
    return tuple(grids)


def nonzero(input, *, as_tuple: bool = False):
    """The indices of the non-zero elements: an (n, ndim) int64 tensor, or one tensor per dim."""
    _require("nonzero", input=input)
    where = np.nonzero(input._data) if input.ndim else np.nonzero(input._data.reshape(1))
    if as_tuple:
        return tuple(_make(w.astype(np.int64), D.int64) for w in where)
    return _make(np.stack(where, axis=1).astype(np.int64).reshape(-1, max(input.ndim, 0)), D.int64)


def unique(input, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The distinct values (sorted), with the inverse indices and the counts when asked."""
    _require("unique", input=input)
    if dim is not None:
        raise NotImplementedError("unique(dim=...) is not supported by autogradviz; flatten the tensor first")
    values, inverse, counts = np.unique(input._data, return_inverse=True, return_counts=True)
    out = [_make(values.astype(input._data.dtype), input.dtype)]
    if return_inverse:
        out.append(_make(inverse.reshape(input.shape).astype(np.int64), D.int64))
    if return_counts:
        out.append(_make(counts.astype(np.int64), D.int64))
    return out[0] if len(out) == 1 else tuple(out)
