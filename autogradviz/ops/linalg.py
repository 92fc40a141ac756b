"""Matrix products: matmul (@), mm, mv, dot, outer, and addmm for linear layers."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .common import fmt_shape
from .registry import OpDef, apply


def _col(xp, x):
    return xp.unsqueeze_dims(x, (x.ndim,))


def _matmul_grad_a(xp, g, c):
    b = c.b                      # reads b only (a is not kept when only a needs grad)
    if b.ndim == 1:              # (..., n) @ (n,) -> (...): each row of a meets b
        return _col(xp, g) * b
    if len(c.shapes[0]) == 1:             # (n,) @ (..., n, m) -> (..., m)
        return xp.sum(b * xp.unsqueeze_dims(g, (g.ndim - 1,)), dim=(b.ndim - 1,)) if b.ndim == 2 else \
            xp.matmul(b, _col(xp, g))[..., 0]
    return xp.matmul(g, xp.mT(b))


def _matmul_grad_b(xp, g, c):
    a = c.a                      # reads a only
    if len(c.shapes[1]) == 1:    # grad of the vector: sum over rows of a weighted by g
        return a * _col(xp, g)
    if a.ndim == 1:              # outer product of a with g
        return _col(xp, a) * xp.unsqueeze_dims(g, (g.ndim - 1,))
    return xp.matmul(xp.mT(a), g)


def _matmul_name(ndims, p):
    na, nb = ndims
    if na == 1 and nb == 1:
        return "DotBackward0"
    if na == 2 and nb == 1:
        return "MvBackward0"
    if na == 2 and nb == 2:
        return "MmBackward0"
    if na == 1 and nb == 2:
        return "SqueezeBackward4"
    return "UnsafeViewBackward0"


MATMUL = OpDef("matmul", _matmul_name,
               inputs=("input", "other"), expression="{input} @ {other}",
               rules=("∂{out}/∂{input} = {other}ᵀ", "∂{out}/∂{other} = {input}ᵀ"),
               sends=("{grad} @ {other}ᵀ", "{input}ᵀ @ {grad}"),
               functions=("matmul", "mm", "mv"), methods=("matmul", "mm", "mv"), forward=np.matmul,
               vjps=(_matmul_grad_a, _matmul_grad_b),
               saves=(0, 1), reads=((1,), (0,)))

DOT = OpDef("dot", "DotBackward0",
            inputs=("input", "tensor"), expression="dot({input}, {tensor})",
            rules=("∂{out}/∂{input} = {tensor}", "∂{out}/∂{tensor} = {input}"),
            functions=("dot", "inner", "vdot"), methods=("dot",), forward=np.dot,
            vjps=(lambda xp, g, c: g * c.b, lambda xp, g, c: g * c.a),
            saves=(0, 1), reads=((1,), (0,)))

def _addmm_forward(bias, x, w, beta=1, alpha=1):
    if beta == 1 and alpha == 1:
        return bias + x @ w
    return (bias * beta if beta != 0 else np.zeros_like(bias)) + alpha * (x @ w)


def _scaled(g, c, name):
    k = c.params.get(name, 1)
    return g if k == 1 else g * k


ADDMM = OpDef("addmm", "AddmmBackward0",
              inputs=("input", "mat1", "mat2"), expression="{{alpha} × }{mat1} @ {mat2} + {{beta} × }{input}",
              rules=("∂{out}/∂{input} = {beta=1}",
                     "∂{out}/∂{mat1} = {{alpha} × }{mat2}ᵀ",
                     "∂{out}/∂{mat2} = {{alpha} × }{mat1}ᵀ"),
              sends=("{{beta} × }{grad}", "{{alpha} × }{grad} @ {mat2}ᵀ", "{{alpha} × }{mat1}ᵀ @ {grad}"),
              functions=("addmm",),
              forward=_addmm_forward,
              vjps=(lambda xp, g, c: _scaled(g, c, "beta"),
                    lambda xp, g, c: _scaled(xp.matmul(g, xp.mT(c.inputs[2])), c, "alpha"),
                    lambda xp, g, c: _scaled(xp.matmul(xp.mT(c.inputs[1]), g), c, "alpha")),
              saves=(1, 2), reads=((), (2,), (1,)))


def _check_same_dtype(name, a, b):
    if a.dtype is not b.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a.dtype.scalar_name.lower()} != "
            f"{b.dtype.scalar_name.lower()}")


def _require_tensors(name, a, b, names=("input", "other")):
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return
    for pos, (x, arg) in enumerate(zip((a, b), names)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos + 1}) must be Tensor, not {type(x).__name__}")


def matmul(input, other):
    """Matrix product with NumPy/PyTorch semantics for 1-D and batched operands."""
    _require_tensors("matmul", input, other)
    a, b = input._data.shape, other._data.shape
    if len(a) == 2 and len(b) == 2 and a[1] == b[0] and input._dtype is other._dtype:
        return apply(MATMUL, (input, other))   # two matrices that fit: nothing below can object
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {input.ndim}D and {other.ndim}D")
    if input.ndim == 1 and other.ndim == 1:
        return dot(input, other)
    k_a = a[-1]
    k_b = b[0] if other.ndim == 1 else b[-2]
    if k_a != k_b:
        if input.ndim <= 2 and other.ndim == 2:  # a vector on the left is a 1 x n matrix
            shape_a = a if input.ndim == 2 else (1,) + tuple(a)
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({fmt_shape(shape_a)} and {fmt_shape(b)})")
        if other.ndim == 1:  # the rows of input, all batches folded into one matrix, times a vector
            rows = int(np.prod(a[:-1]))
            raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{k_a}), vec ({b[0]})")
        raise RuntimeError(f"matmul: shapes cannot be multiplied ({fmt_shape(a)} and {fmt_shape(b)}): "
                           f"the last dim of the first ({k_a}) must equal the second-to-last dim of the second ({k_b})")
    batch_a = tuple(a[:-2]) if input.ndim > 1 else ()
    batch_b = tuple(b[:-2]) if other.ndim > 1 else ()
    try:
        np.broadcast_shapes(batch_a, batch_b)
    except ValueError:
        from .registry import broadcast_error
        raise broadcast_error([batch_a, batch_b]) from None
    _check_same_dtype("matmul", input, other)
    return apply(MATMUL, (input, other))


def mm(input, mat2):
    """Product of two matrices."""
    _require_tensors("mm", input, mat2, ("input", "mat2"))
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def mv(input, vec):
    """Product of a matrix and a vector."""
    _require_tensors("mv", input, vec, ("input", "vec"))
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {vec.ndim}, {input.ndim}, {vec.ndim}")
    return matmul(input, vec)


def dot(input, other):
    """Inner product of two 1-D tensors of the same length."""
    _require_tensors("dot", input, other, ("input", "tensor"))
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        n, m = input.shape[0], other.shape[0]
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number of elements, "
            f"but got {n} and {m} elements respectively")
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {input.dtype.scalar_name} and "
            f"{other.dtype.scalar_name}")
    return apply(DOT, (input, other))


inner = dot
vdot = dot


def outer(input, vec2):
    """Outer product of two vectors."""
    _require_tensors("outer", input, vec2, ("input", "vec2"))
    for what, v in (("self", input), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {what}, but got {v.ndim}-D")
    return input.reshape(-1, 1) * vec2


ger = outer


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """input + mat1 @ mat2 (the op a linear layer records)."""
    _require_tensors("addmm", mat1, mat2, ("mat1", "mat2"))
    if mat1.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {mat1.ndim}-D tensor")
    if mat2.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {mat2.ndim}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({fmt_shape(mat1.shape)} and {fmt_shape(mat2.shape)})")
    out_shape = (mat1.shape[0], mat2.shape[1])
    bias_shape = tuple(getattr(input, "shape", ()))
    if len(bias_shape) > 2:
        raise RuntimeError(f"addmm: input must be at most 2-D, got {len(bias_shape)}-D")
    for k in range(1, len(bias_shape) + 1):
        if bias_shape[-k] not in (1, out_shape[-k]):
            raise RuntimeError(
                f"The expanded size of the tensor ({out_shape[-k]}) must match the existing size ({bias_shape[-k]}) at "
                f"non-singleton dimension {2 - k}.  Target sizes: {list(out_shape)}.  Tensor sizes: {list(bias_shape)}")
    _check_same_dtype("addmm", mat1, mat2)
    params = None if beta == 1 and alpha == 1 else {"beta": beta, "alpha": alpha}
    return apply(ADDMM, (input, mat1, mat2), params)
