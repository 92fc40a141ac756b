"""Selection and statistics: median, mode, quantile/nanquantile, nansum/nanmean, masked_select,
take_along_dim, cummax/cummin, bincount, searchsorted, std_mean/var_mean. Ops of their own where
PyTorch records one (MedianBackward0/1, ModeBackward0, NansumBackward0, MaskedSelectBackward0,
CummaxBackward0, CumminBackward0, StdMeanBackward0, VarMeanBackward0); the others are built on
existing ops in PyTorch's order, so their grad_fn names are PyTorch's too."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor, _make
from .common import wrap_dim
from .reduction import _extreme_all_grad, _extreme_dim_forward, _extreme_dim_grad, _reduce, _regrow, _return_type
from .registry import OpDef, apply


def _require(x, fname, arg="input", position=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position {position}) must be Tensor, not {type(x).__name__}")


def _long(array) -> Tensor:
    return _make(np.asarray(array, dtype=np.int64), D.int64)


# ---------------------------------------------------------------------------------------------
# median and mode: the value and where it is; the gradient goes there
# ---------------------------------------------------------------------------------------------
def _median_all(a):
    flat = np.sort(a.reshape(-1))
    if flat.size == 0 or np.isnan(flat[-1]):
        return np.asarray(np.nan, dtype=a.dtype)
    return np.asarray(flat[(flat.size - 1) // 2])


def _median_index(a, axis, keepdims=True):
    """Where the lower median of each slice is (the first NaN of a slice that has one)."""
    order = np.argsort(a, axis=axis, kind="stable")   # NaNs sort last
    n = a.shape[axis]
    pick = np.take(order, [(n - 1) // 2], axis=axis)
    nans = np.isnan(a)
    has_nan = np.any(nans, axis=axis, keepdims=True)
    return np.where(has_nan, np.argmax(nans, axis=axis, keepdims=True), pick)


def _nanmedian_all(a):
    flat = np.sort(a.reshape(-1))
    flat = flat[~np.isnan(flat)]
    return np.asarray(flat[(flat.size - 1) // 2] if flat.size else np.nan, dtype=a.dtype)


def _nanmedian_index(a, axis, keepdims=True):
    """Where the lower median of the non-NaN elements of each slice is (0 for a slice of NaNs)."""
    order = np.argsort(a, axis=axis, kind="stable")   # NaNs sort last
    valid = np.sum(~np.isnan(a), axis=axis, keepdims=True)
    return np.take_along_axis(order, np.maximum((valid - 1) // 2, 0), axis=axis)


def _mode_index(a, axis, keepdims=True):
    """Where the most frequent value of each slice last stands (the smallest such value on a tie)."""
    moved = np.moveaxis(a, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    out = np.empty(rows.shape[0], dtype=np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True)
        value = values[np.argmax(counts)]
        out[r] = row.shape[0] - 1 - int(np.argmax(row[::-1] == value))
    return np.moveaxis(out.reshape(moved.shape[:-1] + (1,)), -1, axis)


MEDIAN = OpDef("median", "MedianBackward0",
               inputs=("input",), expression="median({input})",
               rules=("∂{out}/∂{input}ᵢ = 1 at the median, shared between ties",),
               sends=("{grad} shared between the elements equal to the median",),
               forward=_median_all, vjps=(_extreme_all_grad,), saves=(0,), save_out=True, dtype="same")
MEDIAN_DIM = OpDef("median_dim", "MedianBackward1",
                   inputs=("input",), expression="median({input}, dim={dim})",
                   rules=("∂{out}/∂{input}ᵢ = 1 at the median's index, else 0",),
                   sends=("{grad} at the median's index, 0 elsewhere",),
                   forward=_extreme_dim_forward(_median_index), vjps=(_extreme_dim_grad,), dtype="same", aux=True)
NANMEDIAN = OpDef("nanmedian", "NanmedianBackward0",
                  inputs=("input",), expression="nanmedian({input})",
                  rules=("∂{out}/∂{input}ᵢ = 1 at the median of the non-NaN elements, shared between ties",),
                  sends=("{grad} shared between the elements equal to the median",),
                  forward=_nanmedian_all, vjps=(_extreme_all_grad,), saves=(0,), save_out=True, dtype="same")
NANMEDIAN_DIM = OpDef("nanmedian_dim", "NanmedianBackward1",
                      inputs=("input",), expression="nanmedian({input}, dim={dim})",
                      rules=("∂{out}/∂{input}ᵢ = 1 at the median's index, else 0",),
                      sends=("{grad} at the median's index, 0 elsewhere",),
                      forward=_extreme_dim_forward(_nanmedian_index), vjps=(_extreme_dim_grad,), dtype="same",
                      aux=True)
MODE = OpDef("mode", "ModeBackward0",
             inputs=("input",), expression="mode({input}, dim={dim})",
             rules=("∂{out}/∂{input}ᵢ = 1 at the mode's index, else 0",),
             sends=("{grad} at the mode's index, 0 elsewhere",),
             forward=_extreme_dim_forward(_mode_index), vjps=(_extreme_dim_grad,), dtype="same", aux=True)


def _by_index(op, name, input, dim, keepdim):
    d = wrap_dim(dim, input.ndim)
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    if input.ndim == 0:
        return _return_type(name)(input * 1 if input.requires_grad else input.clone(), _long(0))
    values, idx = apply(op, (input,), {"dim": (d,), "keepdim": bool(keepdim)})
    return _return_type(name)(values, _long(idx))


def median(input, dim=None, keepdim=False):
    """The lower median of all elements, or (values, indices) along ``dim``; NaN where a NaN is."""
    _require(input, "median")
    if dim is None:
        return apply(MEDIAN, (input,))
    return _by_index(MEDIAN_DIM, "median", input, dim, keepdim)


def nanmedian(input, dim=None, keepdim=False):
    """median with NaNs left out (NaN only where every element is NaN)."""
    _require(input, "nanmedian")
    if dim is None:
        return apply(NANMEDIAN, (input,))
    return _by_index(NANMEDIAN_DIM, "nanmedian", input, dim, keepdim)


def mode(input, dim=-1, keepdim=False):
    """(values, indices): the most frequent value along ``dim`` (the smallest on a tie), and its last index."""
    _require(input, "mode")
    return _by_index(MODE, "mode", input, dim, keepdim)


# ---------------------------------------------------------------------------------------------
# nansum, nanmean
# ---------------------------------------------------------------------------------------------
NANSUM = OpDef("nansum", "NansumBackward0",
               inputs=("input",), expression="nansum({input}{, dim={dim}})",
               rules=("∂{out}/∂{input}ᵢ = 1, 0 where {input}ᵢ is NaN",),
               sends=("{grad} where {input} is not NaN, else 0",),
               forward=lambda a, dim=None, keepdim=False: np.nansum(a, axis=dim, keepdims=keepdim),
               vjps=(lambda xp, g, c: _regrow(xp, g, c) * (c.a == c.a),), saves=(0,), dtype="same")


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum with NaNs counted as zero."""
    _require(input, "nansum")
    if dtype is not None:
        input = input.to(dtype)
    d = input.dtype
    return _reduce(NANSUM, input, dim, keepdim, None, None if d.is_floating_point else D.int64)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean of the elements that are not NaN."""
    from .elementwise import isnan, logical_not
    from .reduction import sum as total
    _require(input, "nanmean")
    if not input.dtype.is_floating_point and dtype is None:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{input.dtype.scalar_name}")
    if dtype is not None:
        input = input.to(dtype)
    count = total(logical_not(isnan(input)), dim, keepdim)
    return nansum(input, dim, keepdim) / count


# ---------------------------------------------------------------------------------------------
# masked_select, take_along_dim
# ---------------------------------------------------------------------------------------------
def _masked_select_forward(a, mask):
    shape = np.broadcast_shapes(a.shape, mask.shape)
    return np.broadcast_to(a, shape)[np.broadcast_to(mask, shape)]


def _masked_select_grad(xp, g, c):
    shape = np.broadcast_shapes(c.shape, c.mask.shape)
    return xp.scatter_add(shape, np.nonzero(np.broadcast_to(c.mask, shape)), g, None)


MASKED_SELECT = OpDef("masked_select", "MaskedSelectBackward0",
                      inputs=("input",), expression="masked_select({input}, mask)",
                      rules=("∂{out}/∂{input} = 1 where mask, else 0",),
                      sends=("{grad} put back where mask is true, 0 elsewhere",),
                      forward=_masked_select_forward, vjps=(_masked_select_grad,), dtype="same")


def masked_select(input, mask):
    """The elements where ``mask`` (broadcast with ``input``) is true, as a 1-D tensor."""
    _require(input, "masked_select")
    _require(mask, "masked_select", "mask", 2)
    if mask.dtype is not D.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    try:
        np.broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    except ValueError:
        from .registry import broadcast_error
        raise broadcast_error([tuple(mask.shape), tuple(input.shape)]) from None
    return apply(MASKED_SELECT, (input,), {"mask": mask._data})


def take_along_dim(input, indices, dim=None):
    """input's elements at ``indices`` along ``dim`` (the two broadcast elsewhere); of the flattened
    input without ``dim``."""
    from .indexing import gather
    _require(input, "take_along_dim")
    _require(indices, "take_along_dim", "indices", 2)
    if indices.dtype is not D.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{indices.dtype.scalar_name}")
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.ndim} dimensions for input, and {indices.ndim} dimensions for indices")
    d = wrap_dim(dim, input.ndim)
    rest = np.broadcast_shapes(tuple(input.shape[:d] + (1,) + input.shape[d + 1:]),
                               tuple(indices.shape[:d] + (1,) + indices.shape[d + 1:]))
    in_shape = rest[:d] + (input.shape[d],) + rest[d + 1:]
    idx_shape = rest[:d] + (indices.shape[d],) + rest[d + 1:]
    if tuple(input.shape) != in_shape:
        input = input.expand(*in_shape)
    if tuple(indices.shape) != idx_shape:
        indices = indices.expand(*idx_shape)
    return gather(input, d, indices)


# ---------------------------------------------------------------------------------------------
# cummax, cummin
# ---------------------------------------------------------------------------------------------
def _cumulative(better):
    def forward(a, dim):
        if a.ndim == 0:
            return a.copy(), np.zeros((), dtype=np.int64)
        moved = np.moveaxis(a, dim, 0)
        values = np.empty_like(moved)
        idx = np.zeros(moved.shape, dtype=np.int64)
        if moved.shape[0]:
            values[0], best, where = moved[0], moved[0].copy(), np.zeros(moved.shape[1:], dtype=np.int64)
            for i in range(1, moved.shape[0]):
                take = better(moved[i], best) | np.isnan(moved[i])
                take &= ~(np.isnan(best) & ~np.isnan(moved[i]))   # a NaN, once met, stays
                best = np.where(take, moved[i], best)
                where = np.where(take, i, where)
                values[i], idx[i] = best, where
        return np.moveaxis(values, 0, dim), np.moveaxis(idx, 0, dim)
    return forward


def _cumulative_grad(xp, g, c):
    if not c.shape:
        return g
    index = list(np.indices(c.shape))
    index[c.dim] = c.aux
    return xp.scatter_add(c.shape, tuple(index), g, None)


CUMMAX = OpDef("cummax", "CummaxBackward0",
               inputs=("input",), expression="cummax({input}, dim={dim})",
               rules=("∂{out}ⱼ/∂{input}ᵢ = 1 where i is the index of the running maximum at j",),
               sends=("{grad} added up at the indices of the running maximums",),
               forward=_cumulative(np.greater_equal), vjps=(_cumulative_grad,), dtype="same", aux=True)
CUMMIN = OpDef("cummin", "CumminBackward0",
               inputs=("input",), expression="cummin({input}, dim={dim})",
               rules=("∂{out}ⱼ/∂{input}ᵢ = 1 where i is the index of the running minimum at j",),
               sends=("{grad} added up at the indices of the running minimums",),
               forward=_cumulative(np.less_equal), vjps=(_cumulative_grad,), dtype="same", aux=True)


def _running(op, name, input, dim):
    _require(input, name)
    d = wrap_dim(dim, input.ndim)
    values, idx = apply(op, (input,), {"dim": d})
    return _return_type(name)(values, _long(idx))


def cummax(input, dim):
    """(values, indices): the running maximum along ``dim`` and where it was found (the latest on a tie)."""
    return _running(CUMMAX, "cummax", input, dim)


def cummin(input, dim):
    """(values, indices): the running minimum along ``dim`` and where it was found (the latest on a tie)."""
    return _running(CUMMIN, "cummin", input, dim)


# ---------------------------------------------------------------------------------------------
# quantile, nanquantile: sorted values, gathered and interpolated as PyTorch does
# ---------------------------------------------------------------------------------------------
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):
    from .indexing import gather
    from .rearrange import sort
    from .special import lerp
    _require(input, name)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.dtype is not input.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        qs, scalar = q._data.reshape(-1), q.ndim == 0
    else:
        qs, scalar = np.asarray([q], dtype=input.dtype.np), True
    if np.any((qs < 0) | (qs > 1)):
        bad = qs[(qs < 0) | (qs > 1)][0]
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {float(bad):g}" if scalar
                           else f"{name}() q values must be in the range [0, 1]")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    if dim is None:
        out_shape = (1,) * input.ndim if keepdim else ()
        ordered = sort(input.reshape(-1)).values
    else:
        d = wrap_dim(dim, input.ndim)
        shape = tuple(input.shape)
        out_shape = shape[:d] + (1,) + shape[d + 1:] if keepdim else shape[:d] + shape[d + 1:]
        ordered = sort(input.unsqueeze(-1).transpose(d, -1)).values
    n = ordered.shape[-1]
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    ordered = ordered.reshape(*out_shape, n)
    values = ordered._data
    npd = input.dtype.np
    nans = np.isnan(values)
    last = np.asarray(n - 1, dtype=npd)
    if ignore_nan:
        valid = (n - np.sum(nans, axis=-1, keepdims=True)).astype(npd)
        ranks = qs.astype(npd) * (valid - 1)
        ranks = np.where(valid == 0, last, ranks)
    else:
        ranks = qs.astype(npd) * last
        ranks = np.where(np.any(nans, axis=-1, keepdims=True), last, ranks)
    ranks = np.broadcast_to(ranks, out_shape + (qs.size,))
    if interpolation in ("lower", "higher", "nearest"):
        pick = np.floor(ranks) if interpolation == "lower" else np.ceil(ranks) if interpolation == "higher" \
            else np.round(ranks)
        result = gather(ordered, -1, _long(pick))
    else:
        below = np.floor(ranks)
        weights = np.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below
        result = lerp(gather(ordered, -1, _long(below)), gather(ordered, -1, _long(np.ceil(ranks))),
                      _make(np.asarray(weights, dtype=npd), input.dtype))
    if scalar:
        return result.squeeze_(-1)
    return result.unsqueeze_(0).transpose_(0, -1).squeeze_(-1)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles of all elements or along ``dim``; NaN where a NaN is."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles of the elements that are not NaN."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


# ---------------------------------------------------------------------------------------------
# bincount, searchsorted: counts and positions, nothing to differentiate
# ---------------------------------------------------------------------------------------------
def bincount(input, weights=None, minlength=0):
    """How many times each non-negative integer occurs (or the sum of its ``weights``)."""
    _require(input, "bincount")
    if input.dtype.is_floating_point or input.dtype is D.bool_:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{input.dtype.scalar_name}'")
    data = input._data
    if input.ndim != 1 or (data.size and data.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return _long(np.bincount(data, minlength=minlength))
    if tuple(weights.shape) != tuple(input.shape):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dtype = weights.dtype if weights.dtype.is_floating_point else D.float64
    return _make(np.bincount(data, weights=weights._data, minlength=minlength).astype(dtype.np), dtype)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value of ``input`` would be inserted into the sorted last dim of ``sorted_sequence``."""
    from ..creation import as_tensor
    _require(sorted_sequence, "searchsorted", "sorted_sequence")
    right = right or side == "right"
    scalar = not isinstance(input, Tensor)
    values = np.asarray(input if scalar else input._data)
    bounds = sorted_sequence._data
    if sorter is not None:
        bounds = np.take_along_axis(bounds, sorter._data, axis=-1)
    if bounds.ndim > 1 and (scalar or bounds.shape[:-1] != values.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries "
            f"tensor and input value tensor must match, but we got boundaries tensor {list(bounds.shape)} and input "
            f"value tensor {list(values.shape)}")
    how = "right" if right else "left"
    if bounds.ndim <= 1:
        out = np.searchsorted(bounds, values, side=how)
    else:
        rows_b, rows_v = bounds.reshape(-1, bounds.shape[-1]), values.reshape(-1, values.shape[-1])
        out = np.stack([np.searchsorted(b, v, side=how) for b, v in zip(rows_b, rows_v)]).reshape(values.shape)
    result = as_tensor(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))
    return result


# ---------------------------------------------------------------------------------------------
# std_mean, var_mean: one node with two outputs, as in PyTorch
# ---------------------------------------------------------------------------------------------
def _two_output_function(name: str, take_root: bool):
    from ..autograd import function as F

    class Function(F.Function):
        @staticmethod
        def forward(ctx, input, dim, correction, keepdim):
            from .reduction import mean, std, var
            spread = (std if take_root else var)(input, dim, keepdim=keepdim, correction=correction)
            average = mean(input, dim, keepdim=keepdim)
            ctx.dim, ctx.keepdim, ctx.correction = dim, keepdim, correction
            ctx.save_for_backward(input, average, spread)
            return spread, average

        @staticmethod
        def backward(ctx, g_spread, g_average):
            input, average, spread = ctx.saved_tensors
            dims = tuple(range(input.ndim)) if ctx.dim is None else tuple(
                wrap_dim(d, input.ndim) for d in ((ctx.dim,) if isinstance(ctx.dim, int) else ctx.dim))
            n = int(np.prod([input.shape[d] for d in dims])) if dims else 1

            def back(t):   # a reduced tensor shaped to broadcast over the input
                if not ctx.keepdim and dims:
                    for d in sorted(dims):
                        t = t.unsqueeze(d)
                return t

            centered = input - back(average)
            if take_root:
                s = back(spread)
                safe = s + (s == 0)
                rate = centered / ((n - ctx.correction) * safe) * (s != 0)
            else:
                rate = centered * (2.0 / (n - ctx.correction))
            return back(g_spread) * rate + back(g_average) / n, None, None, None

    Function.__name__ = Function.__qualname__ = name
    F._classes[Function] = type(f"{name}Backward0", (F.FunctionNode,), {"__slots__": (), "__module__": "builtins"})
    return Function


_STD_MEAN = _two_output_function("StdMean", take_root=True)
_VAR_MEAN = _two_output_function("VarMean", take_root=False)


def _spread_mean(function, name, input, dim, unbiased, keepdim, correction):
    from .reduction import _correction
    _require(input, name)
    if isinstance(dim, bool):   # std_mean(x, False): the old positional unbiased flag
        unbiased, dim = dim, None
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{name} only support floating point and complex dtypes")
    if isinstance(dim, list):
        dim = tuple(dim)
    return function.apply(input, dim, _correction(unbiased, correction), bool(keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) of all elements or along ``dim``, from one node (StdMeanBackward0)."""
    return _spread_mean(_STD_MEAN, "std_mean", input, dim, unbiased, keepdim, correction)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) of all elements or along ``dim``, from one node (VarMeanBackward0)."""
    return _spread_mean(_VAR_MEAN, "var_mean", input, dim, unbiased, keepdim, correction)


__all__ = ["bincount", "cummax", "cummin", "masked_select", "median", "mode", "nanmean", "nanmedian", "nanquantile",
           "nansum",
           "quantile", "searchsorted", "std_mean", "take_along_dim", "var_mean"]
