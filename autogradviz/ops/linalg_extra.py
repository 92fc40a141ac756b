"""torch.linalg's basics: inv, det, slogdet, solve, matrix_power, the vector and matrix norms; and
cross, kron, diff, diag_embed. Batched like PyTorch (the last two dims are the matrix), with its
grad_fn names (LinalgInvExBackward0, LinalgDetBackward0, ...) and its messages for bad inputs."""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..tensor import Tensor, _make
from .common import wrap_dim
from .registry import OpDef, apply


class LinAlgError(RuntimeError):
    """A matrix the computation cannot take (singular), as PyTorch's torch.linalg.LinAlgError."""


LinAlgError.__name__ = LinAlgError.__qualname__ = "_LinAlgError"   # the name PyTorch's error prints


def _is_numpy(x) -> bool:
    return not isinstance(x, Tensor)


def _inverse(xp, a):
    """inv(a) in the rule's own namespace: NumPy, or recorded (double backward)."""
    return np.linalg.inv(a) if _is_numpy(a) else inv(a)


def _solve_matrix(xp, a, b):
    """solve(a, b) for a batch of matrices b, in the rule's own namespace."""
    return np.linalg.solve(a, b) if _is_numpy(a) else solve(a, b)


def _scalar_to_matrix(xp, g):
    """A gradient per matrix, shaped to multiply each matrix (``g[..., None, None]``)."""
    return xp.unsqueeze_dims(g, (g.ndim, g.ndim + 1))


def _lu(a: np.ndarray) -> tuple[int, float]:
    """LAPACK's getrf for one square matrix: the 1-based index of the first zero pivot of its LU
    factorization with partial pivoting (0 when there is none), and prod(diag(U)) × the sign of the
    row permutation (the determinant, with PyTorch's sign for a zero one)."""
    u = np.array(a, dtype=np.float64)
    n = u.shape[0]
    first, sign = 0, 1.0
    for k in range(n):
        p = k + int(np.argmax(np.abs(u[k:, k])))
        if u[p, k] == 0:
            first = first or k + 1
            continue
        if p != k:
            u[[k, p]] = u[[p, k]]
            sign = -sign
        u[k + 1:, k:] -= np.outer(u[k + 1:, k] / u[k, k], u[k, k:])
    return first, sign * float(np.prod(np.diagonal(u)))


def _det_forward(a):
    d = np.asarray(np.linalg.det(a))
    if np.any(d == 0):   # a singular matrix: its zero carries the sign PyTorch's LU gives it
        flat = d.reshape(-1)
        for i, m in enumerate(a.reshape((-1,) + a.shape[-2:])):
            if flat[i] == 0:
                flat[i] = _lu(m)[1]
    return d


# ---------------------------------------------------------------------------------------------
# inv, det, slogdet, solve
# ---------------------------------------------------------------------------------------------
INV = OpDef("linalg_inv", "LinalgInvExBackward0",
            inputs=("A",), expression="inv({A})",
            rules=("∂{out} = −{out} @ ∂{A} @ {out}",),
            sends=("−{out}ᵀ @ {grad} @ {out}ᵀ",),
            functions=("inverse",), methods=("inverse",),
            forward=np.linalg.inv,
            vjps=(lambda xp, g, c: -xp.matmul(xp.matmul(xp.mT(c.out), g), xp.mT(c.out)),),
            save_out=True, dtype="same")

DET = OpDef("linalg_det", "LinalgDetBackward0",
            inputs=("A",), expression="det({A})",
            rules=("∂{out}/∂{A} = det({A}) × inv({A})ᵀ",),
            functions=("det",), methods=("det",),
            forward=_det_forward,
            vjps=(lambda xp, g, c: _scalar_to_matrix(xp, g * c.out) * xp.mT(_inverse(xp, c.a)),),
            saves=(0,), save_out=True, dtype="same")

SLOGDET = OpDef("linalg_slogdet", "LinalgSlogdetBackward0",
                inputs=("A",), expression="logabsdet({A})",
                rules=("∂{out}/∂{A} = inv({A})ᵀ",),
                forward=lambda a: tuple(reversed(np.linalg.slogdet(a))),
                vjps=(lambda xp, g, c: _scalar_to_matrix(xp, g) * xp.mT(_inverse(xp, c.a)),),
                saves=(0,), dtype="same", aux=True)


def _vector_rhs(a_shape, b_shape) -> bool:
    """Whether B of linalg.solve is a (batch of) vector(s): 1-D, or A's batch shape plus one dim."""
    return len(b_shape) == 1 or (len(b_shape) == len(a_shape) - 1 and tuple(b_shape) == tuple(a_shape[:-1]))


def _solve_forward(a, b, vector=False):
    if vector:
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


def _solve_grad_b(xp, g, c):
    a = xp.mT(c.inputs[0])
    if c.params.get("vector"):
        return _solve_matrix(xp, a, xp.unsqueeze_dims(g, (g.ndim,)))[..., 0]
    return _solve_matrix(xp, a, g)


def _solve_grad_a(xp, g, c):
    gb = _solve_grad_b(xp, g, c)
    if c.params.get("vector"):
        return -xp.unsqueeze_dims(gb, (gb.ndim,)) * xp.unsqueeze_dims(c.out, (c.out.ndim - 1,))
    return -xp.matmul(gb, xp.mT(c.out))


SOLVE = OpDef("linalg_solve", "LinalgSolveExBackward0",
              inputs=("A", "B"), expression="solve({A}, {B})",
              rules=("∂{out} = −solve({A}, ∂{A} @ {out})", "∂{out} = solve({A}, ∂{B})"),
              sends=("−solve({A}ᵀ, {grad}) @ {out}ᵀ", "solve({A}ᵀ, {grad})"),
              forward=_solve_forward, vjps=(_solve_grad_a, _solve_grad_b),
              saves=(0,), save_out=True, reads=((0, -1), (0,)))


def _square(name: str, A, what: str = "A") -> None:
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg_{name}(): argument '{what}' (position 1) must be Tensor, not {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor {what} must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.{name}: {what} must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")


def _floating(name: str, A) -> None:
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as input. "
                           f"Got {A.dtype.scalar_name}")


def _singular(name: str, A, solver: bool = False) -> None:
    """PyTorch's LinAlgError for a singular matrix (of a batch), before NumPy meets it."""
    data = A._data.reshape((-1,) + A.shape[-2:])
    for i, m in enumerate(data):
        k = _lu(m)[0]
        if k:
            if solver:
                raise LinAlgError(f"torch.linalg.{name}: The solver failed because the input matrix is singular.")
            where = f"(Batch element {i}): " if A.ndim > 2 else ""
            raise LinAlgError(f"linalg.{name}: {where}The diagonal element {k} is zero, the inversion could not be "
                              "completed because the input matrix is singular.")


def inv(A):
    """The inverse of a square matrix (or of each matrix of a batch)."""
    _square("inv", A)
    _floating("inv", A)
    _singular("inv", A)
    return apply(INV, (A,))


inverse = inv


def det(A):
    """The determinant of a square matrix (or of each matrix of a batch)."""
    _square("det", A)
    _floating("det", A)
    return apply(DET, (A,))


def _slogdet(A, name):
    _square("slogdet", A)
    _floating("slogdet", A)
    logabsdet, sign = apply(SLOGDET, (A,))
    from .reduction import _return_type
    return _return_type(name, ("sign", "logabsdet"))(_make(np.asarray(sign, dtype=A.dtype.np), A.dtype), logabsdet)


def slogdet(A):
    """(sign, log |det|) of a square matrix: the log-determinant without overflow."""
    return _slogdet(A, "slogdet")


def linalg_slogdet(A):
    return _slogdet(A, "linalg_slogdet")


def logdet(input):
    """log det(input): nan for a negative determinant, −inf for a zero one."""
    from .elementwise import where
    sign, logabsdet = slogdet(input)
    return where(sign._data == -1, float("nan"), logabsdet)


def solve(A, B, *, left=True):
    """X with A @ X = B (B a matrix, or a vector: then X is one too)."""
    _square("solve", A)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg_solve(): argument 'B' (position 2) must be Tensor, not {type(B).__name__}")
    if not left:
        raise NotImplementedError("linalg.solve with left=False is not supported; solve Aᵀ Xᵀ = Bᵀ instead")
    _floating("solve", A)
    if A.dtype is not B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype.scalar_name} and B of type {B.dtype.scalar_name} instead")
    vector = _vector_rhs(A.shape, B.shape)
    rows = B.shape[-1] if vector else B.shape[-2] if B.ndim >= 2 else B.shape[0]
    if rows != A.shape[-1]:
        cols = 1 if vector else B.shape[-1]
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.shape[-2]}x{A.shape[-1]} and {rows}x{cols})")
    _singular("solve", A, solver=True)
    return apply(SOLVE, (A, B), {"vector": True} if vector else None)


def matrix_power(input, n):
    """input multiplied by itself n times (n = 0: the identity; n < 0: powers of the inverse)."""
    from .linalg import matmul
    _square("matrix_power", input)
    if n == 0:
        from ..creation import eye
        return input.clone().copy_(eye(input.shape[-1], dtype=input.dtype).expand(*input.shape))
    a = input
    if n < 0:
        a, n = inv(input), -n
        if n == 1:
            return a
    if n == 1:
        return a.clone()
    if n == 2:
        return matmul(a, a)
    if n == 3:
        return matmul(matmul(a, a), a)
    z = result = None
    while n > 0:   # PyTorch's binary decomposition of n, in its order of products
        bit, n = n % 2, n // 2
        z = a if z is None else matmul(z, z)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


# ---------------------------------------------------------------------------------------------
# Norms: vector norms are one op (LinalgVectorNormBackward0); matrix norms are built on them
# ---------------------------------------------------------------------------------------------
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The ord-norm of the elements (all of them, or along ``dim``): ord 2, 1, inf, -inf, 0 or any number."""
    from .reduction import NORM, _reduce
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg_vector_norm(): argument 'x' (position 1) must be Tensor, not {type(x).__name__}")
    if isinstance(ord, (str, bool)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not {type(ord).__name__}")
    _floating("vector_norm", x)
    if dtype is not None:
        x = x.to(dtype)
    if isinstance(dim, list):
        dim = tuple(dim)
    return _reduce(NORM, x, dim, keepdim, {"p": ord})


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """The 'fro' norm, or the largest (ord=1, inf) or smallest (-1, -inf) column or row abs sum."""
    from .reduction import amax, amin
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg_matrix_norm(): argument 'input' (position 1) must be Tensor, not {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if isinstance(dim, int) or len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim if isinstance(dim, int) else ' '.join(map(str, dim))}")
    d = [wrap_dim(k, A.ndim) for k in dim]
    if d[0] == d[1]:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return vector_norm(A, 2, tuple(d), keepdim)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"linalg.matrix_norm with ord={ord!r} needs singular values, which autogradviz "
                                  "does not compute; use 'fro', 1, -1, inf or -inf")
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if abs(ord) == math.inf:
        d.reverse()
    if not keepdim and d[0] < d[1]:
        d[1] -= 1
    sums = vector_norm(A, 1, d[0], keepdim)
    return (amax if ord > 0 else amin)(sums, d[1], keepdim)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """A vector norm or a matrix norm, as ``ord`` and ``dim`` say (default: the 2-norm of all elements)."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg_norm(): argument 'input' (position 1) must be Tensor, not {type(A).__name__}")
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 1:
            if isinstance(ord, str):
                raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dims[0]}")
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if ord is None:
            ord = "fro"
        return matrix_norm(A, ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A.ndim}D.")
    if A.ndim == 1 and not isinstance(ord, str):
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)


# ---------------------------------------------------------------------------------------------
# cross, kron, diff, diag_embed
# ---------------------------------------------------------------------------------------------
def _cross_in(xp, a, b, dim):
    return np.cross(a, b, axis=dim) if _is_numpy(a) and _is_numpy(b) else linalg_cross(a, b, dim=dim)


CROSS = OpDef("linalg_cross", "LinalgCrossBackward0",
              inputs=("input", "other"), expression="cross({input}, {other})",
              rules=("∂{out} = cross(∂{input}, {other})", "∂{out} = cross({input}, ∂{other})"),
              sends=("cross({other}, {grad})", "cross({grad}, {input})"),
              forward=lambda a, b, dim: np.cross(a, b, axis=dim),
              vjps=(lambda xp, g, c: _cross_in(xp, c.b, g, c.dim), lambda xp, g, c: _cross_in(xp, g, c.a, c.dim)),
              saves=(0, 1), reads=((1,), (0,)))


def linalg_cross(input, other, *, dim=-1):
    """The cross product of 3-vectors along ``dim`` (the inputs broadcast)."""
    for position, (arg, x) in enumerate((("input", input), ("other", other)), start=1):
        if not isinstance(x, Tensor):
            raise TypeError(f"linalg_cross(): argument '{arg}' (position {position}) must be Tensor, not "
                            f"{type(x).__name__}")
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype.scalar_name} but found {other.dtype.scalar_name}")
    d = wrap_dim(dim, input.ndim)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    try:
        np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    except ValueError:
        from .registry import broadcast_error
        raise broadcast_error([tuple(input.shape), tuple(other.shape)]) from None
    return apply(CROSS, (input, other), {"dim": d - input.ndim})


def cross(input, other, dim=None):
    """The cross product along ``dim``; without it, along the first dim of length 3 (deprecated in PyTorch)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                      "with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        dim = next((i for i, n in enumerate(np.broadcast_shapes(tuple(input.shape), tuple(other.shape))) if n == 3), -1)
    return linalg_cross(input, other, dim=dim)


def kron(input, other):
    """The Kronecker product: each element of ``input`` times the whole of ``other``, in blocks."""
    from .shape import RESHAPE
    n = max(input.ndim, other.ndim)
    a_shape = (1,) * (n - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (n - other.ndim) + tuple(other.shape)
    a = apply(RESHAPE, (input,), {"shape": tuple(s for k in a_shape for s in (k, 1)), "is_view": False})
    b = apply(RESHAPE, (other,), {"shape": tuple(s for k in b_shape for s in (1, k)), "is_view": False})
    result = tuple(x * y for x, y in zip(a_shape, b_shape))
    return apply(RESHAPE, (a * b,), {"shape": result, "is_view": False})


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along ``dim`` (``prepend``/``append`` joined first)."""
    from .elementwise import ne, sub
    from .shape import cat
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim(dim, input.ndim)
    parts = [t for t in (prepend, input, append) if t is not None]
    for t in parts:
        if t.ndim != input.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    x = cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[d]
        if length == 0:
            break
        upper, lower = x.narrow(d, 1, length - 1), x.narrow(d, 0, length - 1)
        x = ne(upper, lower) if x.dtype.name == "bool" else sub(upper, lower)
    return x


def _diag_embed_forward(a, offset, dim1, dim2):
    n = a.shape[-1]
    m = n + abs(offset)
    out = np.zeros(a.shape[:-1] + (m, m), dtype=a.dtype)
    i = np.arange(n)
    if offset >= 0:
        out[..., i, i + offset] = a
    else:
        out[..., i - offset, i] = a
    return np.moveaxis(out, (-2, -1), (dim1, dim2))


def _diagonal_of(xp, g, c):
    if _is_numpy(g):
        return np.diagonal(g, c.offset, c.dim1, c.dim2).copy()
    from .shape import diagonal
    return diagonal(g, c.offset, c.dim1, c.dim2)


DIAG_EMBED = OpDef("diag_embed_dims", "DiagEmbedBackward0",
                   inputs=("input",), expression="diag_embed({input}{, offset={offset}})",
                   rules=("∂{out}/∂{input} = 1 on the diagonal it is written to",),
                   sends=("the diagonal of {grad}",),
                   functions=("diag_embed",), methods=("diag_embed",),
                   forward=_diag_embed_forward, vjps=(_diagonal_of,), dtype="same")


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices (over ``dim1``, ``dim2``) with the last dim of ``input`` on their diagonal ``offset``."""
    nd = input.ndim + 1
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(DIAG_EMBED, (input,), {"offset": int(offset), "dim1": d1, "dim2": d2})
