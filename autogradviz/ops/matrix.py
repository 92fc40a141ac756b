"""Matrix ops of the lessons after autograd: bmm, tril, triu and diag, one ``OpDef`` each (diag is
two: a vector to a matrix, a matrix to its diagonal), with PyTorch's grad_fn names."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .registry import OpDef, apply


def _require(name: str, **tensors) -> None:
    for arg, value in tensors.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {list(tensors).index(arg) + 1}) must be Tensor, "
                            f"not {type(value).__name__}")


def _tri(x, diagonal: int, lower: bool):
    """tril/triu on an array (NumPy) or a tensor (recorded), for the rules of both."""
    if isinstance(x, np.ndarray):
        return np.tril(x, diagonal) if lower else np.triu(x, diagonal)
    return tril(x, diagonal) if lower else triu(x, diagonal)


def _bmm_check(a, b):
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, {a.shape[2]}]"
                           f" but got: [{b.shape[0]}, {b.shape[1]}].")


BMM = OpDef("bmm", "BmmBackward0",
            inputs=("input", "mat2"), expression="{input} @ {mat2}",
            rules=("∂{out}/∂{input} = {mat2}ᵀ (per batch)", "∂{out}/∂{mat2} = {input}ᵀ (per batch)"),
            sends=("{grad} @ {mat2}ᵀ", "{input}ᵀ @ {grad}"),
            functions=("bmm",), methods=("bmm",), forward=np.matmul, check=_bmm_check,
            vjps=(lambda xp, g, c: xp.matmul(g, xp.mT(c.b)), lambda xp, g, c: xp.matmul(xp.mT(c.a), g)),
            saves=(0, 1))
TRIL = OpDef("tril", "TrilBackward0",
             inputs=("input",), expression="tril({input}{, {diagonal}})",
             rules=("∂{out}/∂{input} = 1 on and below diagonal {diagonal=0}, else 0",),
             sends=("tril({grad}{, {diagonal}})",),
             functions=("tril",), methods=("tril",), inplace=("tril",),
             forward=lambda a, diagonal=0: np.tril(a, diagonal),
             vjps=(lambda xp, g, c: _tri(g, c.params.get("diagonal", 0), True),), dtype="same")
TRIU = OpDef("triu", "TriuBackward0",
             inputs=("input",), expression="triu({input}{, {diagonal}})",
             rules=("∂{out}/∂{input} = 1 on and above diagonal {diagonal=0}, else 0",),
             sends=("triu({grad}{, {diagonal}})",),
             functions=("triu",), methods=("triu",), inplace=("triu",),
             forward=lambda a, diagonal=0: np.triu(a, diagonal),
             vjps=(lambda xp, g, c: _tri(g, c.params.get("diagonal", 0), False),), dtype="same")


def _diagonal_of(x, diagonal):
    if isinstance(x, np.ndarray):
        return np.diagonal(x, diagonal).copy()
    return diag(x, diagonal)


def _embed(x, shape, diagonal):
    """A matrix of ``shape`` holding x on the given diagonal (the adjoint of taking a diagonal)."""
    if isinstance(x, np.ndarray):
        out = np.zeros(shape, dtype=x.dtype)
        rows = np.arange(x.shape[0]) + max(-diagonal, 0)
        out[rows, rows + diagonal] = x
        return out
    from ..creation import tensor
    rows = np.arange(x.shape[0]) + max(-diagonal, 0)
    place_rows = np.zeros((shape[0], x.shape[0]))
    place_rows[rows, np.arange(x.shape[0])] = 1
    place_cols = np.zeros((x.shape[0], shape[1]))
    place_cols[np.arange(x.shape[0]), rows + diagonal] = 1
    return tensor(place_rows, dtype=x.dtype) @ diag(x) @ tensor(place_cols, dtype=x.dtype)


DIAG_EMBED = OpDef("diag_embed", "DiagEmbedBackward0",
                   inputs=("input",), expression="diag({input}{, {diagonal}})",
                   rules=("∂{out}/∂{input} = 1 on diagonal {diagonal=0}",),
                   sends=("the diagonal {diagonal=0} of {grad}",),
                   forward=lambda a, diagonal=0: np.diag(a, diagonal),
                   vjps=(lambda xp, g, c: _diagonal_of(g, c.params.get("diagonal", 0)),), dtype="same")
DIAGONAL = OpDef("diagonal_copy", "DiagonalBackward0_copy",
                 inputs=("input",), expression="diag({input}{, {diagonal}})",
                 rules=("∂{out}/∂{input} = 1 on diagonal {diagonal=0}, else 0",),
                 sends=("{grad} placed on diagonal {diagonal=0}, 0 elsewhere",),
                 forward=lambda a, diagonal=0: np.diagonal(a, diagonal).copy(),
                 vjps=(lambda xp, g, c: _embed(g, c.shape, c.params.get("diagonal", 0)),), dtype="same")


def bmm(input, mat2):
    """Batched matrix product: (b, n, m) @ (b, m, p) → (b, n, p)."""
    _require("bmm", input=input, mat2=mat2)
    return apply(BMM, (input, mat2))


def _check_tri(name, input):
    _require(name, input=input)
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


def _trace_check(a):
    if a.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {a.ndim}")


def _trace_grad(xp, g, c):
    rows, cols = c.shape
    on_diagonal = np.arange(min(rows, cols))
    return xp.scatter_add((rows, cols), (on_diagonal, on_diagonal), xp.expand(g, on_diagonal.shape), None)


def _long_unless_floating(d):
    from .. import _dtype as D
    return d if d.is_floating_point else D.int64


TRACE = OpDef("trace", "TraceBackward0",
              inputs=("input",), expression="trace({input})",
              rules=("∂{out}/∂{input}ᵢⱼ = 1 where i = j, else 0",),
              sends=("{grad} on the diagonal of {input}, 0 elsewhere",),
              functions=("trace",), methods=("trace",), check=_trace_check,
              forward=lambda a: np.trace(a),
              vjps=(_trace_grad,), dtype="same", output=_long_unless_floating)


def trace(input):
    """The sum of the main diagonal of a matrix (torch.trace; the graph tracer is autogradviz.graph.trace)."""
    _require("trace", input=input)
    return apply(TRACE, (input,))


def tril(input, diagonal: int = 0):
    """The lower triangle (on and below ``diagonal``) of the last two dims; zeros above."""
    _check_tri("tril", input)
    return apply(TRIL, (input,), {"diagonal": diagonal} if diagonal else None)


def triu(input, diagonal: int = 0):
    """The upper triangle (on and above ``diagonal``) of the last two dims; zeros below."""
    _check_tri("triu", input)
    return apply(TRIU, (input,), {"diagonal": diagonal} if diagonal else None)


def diag(input, diagonal: int = 0):
    """A vector → the square matrix with it on a diagonal; a matrix → that diagonal as a vector."""
    _require("diag", input=input)
    params = {"diagonal": diagonal} if diagonal else None
    if input.ndim == 1:
        return apply(DIAG_EMBED, (input,), params)
    if input.ndim == 2:
        return apply(DIAGONAL, (input,), params)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
