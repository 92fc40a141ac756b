"""``torch.linalg``: inverse, determinants, solving, powers and norms of matrices (batched: the last
two dims are the matrix), with PyTorch's names, results, grad_fn names and messages."""
from __future__ import annotations

from .ops.linalg import matmul
from .ops.linalg_extra import LinAlgError, det, inv, matrix_norm, matrix_power, norm, solve, vector_norm
from .ops.linalg_extra import linalg_cross as cross
from .ops.linalg_extra import linalg_slogdet as slogdet
from .ops.shape import diagonal as _diagonal

__all__ = ["LinAlgError", "cross", "det", "diagonal", "inv", "matmul", "matrix_norm", "matrix_power", "norm",
           "slogdet", "solve", "vector_norm"]


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonals of the matrices over the last two dims (a view)."""
    return _diagonal(A, offset, dim1, dim2)
