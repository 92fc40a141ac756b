"""scatter, scatter_add, unfold and cdist (one ``OpDef`` each, with PyTorch's grad_fn names), and
functions PyTorch itself composes from other ops: einsum, tensordot, repeat_interleave."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor
from .common import wrap_dim
from .matrix import _require
from .registry import OpDef, apply


def _positions(index, dim):
    """The advanced index of the elements an index tensor addresses along ``dim``."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


def _scatter_forward(a, src=None, dim=0, index=None, value=None):
    out = a.copy()
    out[_positions(index, dim)] = src[tuple(slice(0, s) for s in index.shape)] if src is not None else value
    return out


def _scatter_add_forward(a, src, dim, index):
    out = a.copy()
    np.add.at(out, _positions(index, dim), src[tuple(slice(0, s) for s in index.shape)])
    return out


def _zero_scattered(xp, g, c):
    """The gradient of the overwritten tensor: zero where a value was scattered in."""
    mask = np.ones(c.shape, dtype=bool)
    mask[_positions(c.index, c.dim)] = False
    return g * mask


def _gathered(xp, g, c):
    """The gradient of the scattered source: the output gradient at the places it went, in the
    source's shape (zero for source elements the index did not use)."""
    picked = xp.take(g, _positions(c.index, c.dim))
    src_shape = c.shapes[1]
    if tuple(c.index.shape) == tuple(src_shape):
        return picked
    pad = [(0, s - i) for s, i in zip(src_shape, c.index.shape)]
    return np.pad(picked, pad) if isinstance(picked, np.ndarray) else _pad_tensor(picked, pad)


def _pad_tensor(x, widths):
    from .conv import pad
    flat = []
    for before, after in reversed(widths):
        flat += [before, after]
    return pad(x, tuple(flat))


SCATTER = OpDef("scatter", "ScatterBackward0",
                inputs=("input", "src"), expression="{input}.scatter({dim}, index, {src})",
                rules=("∂{out}/∂{input} = 1 where nothing was scattered in, else 0",
                       "∂{out}/∂{src} = 1 at the place each value went"),
                sends=("{grad}, 0 where a value was scattered in", "{grad} gathered at the scattered places"),
                inplace=("scatter",), forward=_scatter_forward, vjps=(_zero_scattered, _gathered), dtype="same")
SCATTER_VALUE = OpDef("scatter_value", "ScatterBackward1",
                      inputs=("input",), expression="{input}.scatter({dim}, index, {value})",
                      rules=("∂{out}/∂{input} = 1 where nothing was scattered in, else 0",),
                      sends=("{grad}, 0 where a value was scattered in",),
                      forward=lambda a, dim, index, value: _scatter_forward(a, None, dim, index, value),
                      vjps=(_zero_scattered,), dtype="same")
SCATTER_ADD = OpDef("scatter_add", "ScatterAddBackward0",
                    inputs=("input", "src"), expression="{input}.scatter_add({dim}, index, {src})",
                    rules=("∂{out}/∂{input} = 1", "∂{out}/∂{src} = 1 at the place each value was added"),
                    sends=("{grad}", "{grad} gathered at the places"), inplace=("scatter_add",),
                    forward=_scatter_add_forward, vjps=(lambda xp, g, c: g, _gathered), dtype="same")


def _check_index(name, input, index, dim):
    if not isinstance(index, Tensor) or index.dtype not in (D.int64, D.int32):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if index.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    data = index._data.astype(np.int64)
    if data.size and (data.min() < -input.shape[dim] or data.max() >= input.shape[dim]):
        raise RuntimeError(f"index {int(data.max())} is out of bounds for dimension {dim} with size {input.shape[dim]}")
    return data % input.shape[dim] if data.size else data


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """A copy of ``input`` with the values of ``src`` (or ``value``) written at ``index`` along ``dim``."""
    if reduce is not None:
        raise NotImplementedError("scatter(reduce=...) is not supported by autogradviz; use scatter_add")
    _require("scatter", input=input)
    d = wrap_dim(dim, input.ndim)
    positions = _check_index("scatter", input, index, d)
    if src is None and value is None:
        raise TypeError("scatter() missing 1 required positional argument: 'src' or 'value'")
    if isinstance(src, Tensor):
        return apply(SCATTER, (input, src), {"dim": d, "index": positions})
    v = value if src is None else src
    return apply(SCATTER_VALUE, (input,), {"dim": d, "index": positions, "value": float(v) if isinstance(v, float) else v})


def scatter_add(input, dim, index, src):
    """A copy of ``input`` with the values of ``src`` added at ``index`` along ``dim`` (repeats add up)."""
    _require("scatter_add", input=input, src=src)
    d = wrap_dim(dim, input.ndim)
    return apply(SCATTER_ADD, (input, src), {"dim": d, "index": _check_index("scatter_add", input, index, d)})


# --- unfold: every window of ``size`` along a dim, ``step`` apart, as a new last dim ---------------
def _unfold_forward(a, dim, size, step):
    """The windows as a writable strided view of ``a``: PyTorch's unfold is a view."""
    if a.ndim == 0:
        return a.reshape(1)
    count = (a.shape[dim] - size) // step + 1
    shape = a.shape[:dim] + (count,) + a.shape[dim + 1:] + (size,)
    strides = a.strides[:dim] + (a.strides[dim] * step,) + a.strides[dim + 1:] + (a.strides[dim],)
    return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=a.flags.writeable)


def _unfold_grad_forward(g, input_shape, dim, size, step):
    """The gradient of unfold's input: each window's gradient added back where it was taken."""
    out = np.zeros(input_shape, dtype=g.dtype)
    if not input_shape:   # unfold of a 0-dim tensor is its one element
        return g.reshape(())
    moved_out = np.moveaxis(out, dim, -1)                       # (..., n)
    moved_g = np.moveaxis(g, dim, -2)                           # (..., windows, size)
    for k in range(size):                                       # one step per position in the window
        moved_out[..., k: k + step * (moved_g.shape[-2] - 1) + 1: step] += moved_g[..., k]
    return out


def _unfold_grad(xp, g, c):
    if isinstance(g, np.ndarray):
        return _unfold_grad_forward(g, tuple(c.shape), c.dim, c.size, c.step)
    return apply(UNFOLD_GRAD, (g,), {"input_shape": tuple(c.shape), "dim": c.dim, "size": c.size, "step": c.step})


UNFOLD = OpDef("unfold", "UnfoldBackward0",
               inputs=("input",), expression="{input}.unfold({dim}, {size}, {step})",
               rules=("∂{out}/∂{input} = 1 for each window an element is in",),
               sends=("{grad} added back from every window",), methods=("unfold",),
               forward=_unfold_forward, vjps=(_unfold_grad,), dtype="same", view=True)
# unfold's backward is linear in the gradient; its own gradient is unfold again.
UNFOLD_GRAD = OpDef("unfold_grad", "UnfoldBackwardBackward0",
                    inputs=("grad_output",), expression="unfold_backward({grad_output}, {dim}, {size}, {step})",
                    rules=("∂{out}/∂{grad_output} = 1 at each window's place",),
                    sends=("{grad}.unfold({dim}, {size}, {step})",),
                    forward=_unfold_grad_forward, dtype="same",
                    vjps=(lambda xp, g, c: _unfold_forward(g, c.dim, c.size, c.step) if isinstance(g, np.ndarray)
                          else apply(UNFOLD, (g,), {"dim": c.dim, "size": c.size, "step": c.step}),))


def unfold(input, dimension: int, size: int, step: int):
    """Every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last dim."""
    d = wrap_dim(dimension, input.ndim) if input.ndim else 0
    n = input.shape[d] if input.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return apply(UNFOLD, (input,), {"dim": d, "size": size, "step": step})


# --- cdist -------------------------------------------------------------------------------------------
def _cdist_forward(a, b, p=2.0):
    diff = a[..., :, None, :] - b[..., None, :, :]
    if p == np.inf:
        return np.abs(diff).max(axis=-1)
    if p == 0:
        return (diff != 0).sum(axis=-1).astype(a.dtype)
    return (np.abs(diff) ** p).sum(axis=-1) ** (1.0 / p)


def _cdist_grad(sign):
    """The gradient of x1 (sign 1) or x2 (sign −1), written once for NumPy and for Tensors, so that
    it can be differentiated again."""
    def rule(xp, g, c):
        a, b, p, d = c.a, c.b, c.params.get("p", 2.0), c.out
        diff = a[..., :, None, :] - b[..., None, :, :]
        dist = d[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):   # 0^(p − 1) where a coordinate agrees
            if p == 0:   # a count of the differing coordinates: flat wherever it is defined
                local = diff * 0
            elif p == 1:
                local = xp.sign(diff)
            elif p == np.inf:
                local = xp.sign(diff) * (xp.abs(diff) == dist)
            elif p == 2:
                local = diff / xp.where(dist == 0, 1, dist)
            else:
                local = xp.sign(diff) * xp.abs(diff) ** (p - 1) / xp.where(dist == 0, 1, dist) ** (p - 1)
            weighted = xp.where(dist == 0, 0, g[..., None] * local)
            return xp.sum(weighted, dim=-2) if sign > 0 else -xp.sum(weighted, dim=-3)
    return rule


CDIST = OpDef("cdist", "CdistBackward0",
              inputs=("x1", "x2"), expression="cdist({x1}, {x2})",
              rules=("∂{out}ᵢⱼ/∂{x1}ᵢ = ({x1}ᵢ − {x2}ⱼ)/{out}ᵢⱼ (p = 2)", "∂{out}ᵢⱼ/∂{x2}ⱼ = −({x1}ᵢ − {x2}ⱼ)/{out}ᵢⱼ (p = 2)"),
              sends=("Σⱼ {grad}ᵢⱼ × ({x1}ᵢ − {x2}ⱼ)/{out}ᵢⱼ", "−Σᵢ {grad}ᵢⱼ × ({x1}ᵢ − {x2}ⱼ)/{out}ᵢⱼ"),
              functions=("cdist",), forward=_cdist_forward, vjps=(_cdist_grad(1), _cdist_grad(-1)),
              saves=(0, 1), save_out=True)


def cdist(x1, x2, p: float = 2.0, compute_mode=None):
    """The p-norm distance between each row of ``x1`` and each row of ``x2`` (batched over leading dims)."""
    _require("cdist", x1=x1, x2=x2)
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    return apply(CDIST, (x1, x2), {"p": float(p)} if p != 2 else None)


# --- compositions ---------------------------------------------------------------------------------
def tensordot(a, b, dims=2):
    """Sum the products over the last ``dims`` dims of ``a`` and the first of ``b`` (or the listed dims)."""
    _require("tensordot", a=a, b=b)
    if isinstance(dims, int):
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([dims[0]] if isinstance(dims[0], int) else list(dims[0]),
                          [dims[1]] if isinstance(dims[1], int) else list(dims[1]))
    dims_a = [wrap_dim(d, a.ndim) for d in dims_a]
    dims_b = [wrap_dim(d, b.ndim) for d in dims_b]
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    inner = int(np.prod([a.shape[d] for d in dims_a]))
    left = a.permute(*free_a, *dims_a).reshape(-1, inner)
    right = b.permute(*dims_b, *free_b).reshape(inner, -1)
    return (left @ right).reshape(*[a.shape[d] for d in free_a], *[b.shape[d] for d in free_b])


def einsum(equation: str, *operands):
    """Sums of products over the index letters of ``equation`` ("ij,jk->ik"), built from permute,
    reshape, sum and batched matmul, as PyTorch builds it."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    equation = equation.replace(" ", "")
    inputs, _, output = equation.partition("->")
    specs = inputs.split(",")
    if len(specs) != len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation"
                           if len(operands) > len(specs) else "einsum(): fewer operands were provided than specified in the equation")
    if "." in equation:
        raise NotImplementedError("einsum with '...' is not supported by autogradviz")
    if not _:
        counts = {ch: inputs.count(ch) for ch in set(inputs.replace(",", ""))}
        output = "".join(sorted(ch for ch, n in counts.items() if n == 1))
    sizes: dict[str, int] = {}
    for k, (spec, t) in enumerate(zip(specs, operands)):
        if len(spec) != t.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(spec)}) does not match the "
                               f"number of dimensions ({t.ndim}) for operand {k} and no ellipsis was given")
        if len(set(spec)) != len(spec):
            raise NotImplementedError("einsum with a repeated index in one operand (a diagonal) is not supported by "
                                      "autogradviz; use torch.diagonal")
        for ch, n in zip(spec, t.shape):
            if sizes.setdefault(ch, n) != n:
                raise RuntimeError(f"einsum(): subscript {ch} has size {n} for operand {k} which does not broadcast "
                                   f"with previously seen size {sizes[ch]}")
    spec, result = specs[0], operands[0]
    for other_spec, other in zip(specs[1:], operands[1:]):
        keep = set(output) | {ch for s in specs[specs.index(other_spec) + 1:] for ch in s}
        spec, result = _contract(spec, result, other_spec, other, keep, sizes)
    spec, result = _sum_out(spec, result, set(output))
    return result.permute(*[spec.index(ch) for ch in output]) if spec != output else result


def _sum_out(spec, t, keep):
    gone = [i for i, ch in enumerate(spec) if ch not in keep]
    if not gone:
        return spec, t
    return "".join(ch for ch in spec if ch in keep), t.sum(dim=tuple(gone))


def _contract(sa, a, sb, b, keep, sizes):
    """Two operands into one: batch letters (in both, kept), contracted (in both, not kept), and each
    side's own letters; one batched matmul."""
    sa, a = _sum_out(sa, a, keep | set(sb))
    sb, b = _sum_out(sb, b, keep | set(sa))
    batch = [ch for ch in sa if ch in sb and ch in keep]
    summed = [ch for ch in sa if ch in sb and ch not in keep]
    left = [ch for ch in sa if ch not in sb]
    right = [ch for ch in sb if ch not in sa]
    size = lambda letters: int(np.prod([sizes[ch] for ch in letters]))
    a3 = a.permute(*[sa.index(ch) for ch in batch + left + summed]).reshape(size(batch), size(left), size(summed))
    b3 = b.permute(*[sb.index(ch) for ch in batch + summed + right]).reshape(size(batch), size(summed), size(right))
    from .matrix import bmm
    out = bmm(a3, b3).reshape(*[sizes[ch] for ch in batch + left + right])
    return "".join(batch + left + right), out


def repeat_interleave(input, repeats, dim=None, *, output_size=None):
    """Repeat each element ``repeats`` times (a number, or one count per element) along ``dim``
    (of the flattened tensor when None)."""
    _require("repeat_interleave", input=input)
    if dim is None:
        input, dim = input.reshape(-1), 0
    d = wrap_dim(dim, input.ndim)
    if isinstance(repeats, Tensor) and repeats.numel() != 1:
        if repeats.numel() != input.shape[d]:
            raise RuntimeError("repeats must have the same size as input along dim")
        from ..creation import tensor
        from .indexing import index_select
        idx = np.repeat(np.arange(input.shape[d]), repeats._data.astype(np.int64))
        return index_select(input, d, tensor(idx))
    r = int(repeats.item() if isinstance(repeats, Tensor) else repeats)
    shape = list(input.shape)
    expanded = input.unsqueeze(d + 1).expand(*shape[: d + 1], r, *shape[d + 1:])
    # the copy is explicit, as in PyTorch (CloneBackward0, then ViewBackward0)
    return expanded.clone().reshape(*shape[:d], shape[d] * r, *shape[d + 1:])
