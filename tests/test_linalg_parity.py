"""torch.linalg's basics (inv, det, slogdet, solve, matrix_power, vector/matrix norms, cross) and
torch.inverse/det/logdet, kron, diff, diag_embed, side by side with PyTorch: values, return types,
grad_fn names, gradients and the messages for bad inputs."""
from __future__ import annotations

import numpy as np
import pytest
from parity_support import assert_same_grads, outcome, run_statements, weighted_grads
from torch_support import need_torch

import autogradviz as agv

torch = need_torch()

M = "lib.tensor([[2.0, 1.0], [1.0, 3.0]])"
SINGULAR = "lib.tensor([[1.0, 2.0], [2.0, 4.0]])"
PROGRAMS = [
    f"lib.linalg.inv({M}), lib.inverse({M}), {M}.inverse()",
    "lib.linalg.inv(lib.ones(2, 3))",
    "lib.linalg.inv(lib.ones(3))",
    "lib.linalg.inv(lib.arange(4).reshape(2, 2))",
    f"lib.linalg.inv({SINGULAR})",
    f"lib.linalg.inv(lib.stack([{M}, {SINGULAR}]))",
    "lib.linalg.inv(lib.zeros(3, 3))",
    f"lib.linalg.det({M}), lib.det({SINGULAR}), lib.stack([{M}, {M} * 2]).det()",
    "lib.linalg.det(lib.ones(2, 3))",
    "lib.det(lib.arange(4).reshape(2, 2))",
    "lib.linalg.slogdet(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))",
    f"lib.slogdet(lib.tensor([[1.0, 2.0], [3.0, 4.0]])), {M}.slogdet().sign",
    "lib.linalg.slogdet(lib.ones(2, 3))",
    f"lib.logdet(lib.tensor([[1.0, 2.0], [3.0, 4.0]])), lib.logdet({M}), {M}.logdet()",
    f"lib.linalg.solve({M}, lib.tensor([1.0, 2.0])), lib.linalg.solve({M}, lib.ones(2, 3))",
    f"lib.linalg.solve(lib.stack([{M}, {M} * 2]), lib.ones(2, 2)).shape",
    "lib.linalg.solve(lib.ones(2, 3), lib.ones(2))",
    "lib.linalg.solve(lib.eye(2), lib.ones(3))",
    "lib.linalg.solve(lib.eye(2), lib.ones(3, 2))",
    f"lib.linalg.solve({SINGULAR}, lib.ones(2))",
    "lib.linalg.solve(lib.eye(2), lib.ones(2, dtype=lib.float64))",
    f"[lib.linalg.matrix_power({M}, n) for n in (0, 1, 2, 5, -1, -3)]",
    "lib.linalg.matrix_power(lib.arange(4).reshape(2, 2), 3), lib.matrix_power(lib.arange(4).reshape(2, 2), 0)",
    "lib.linalg.matrix_power(lib.arange(4).reshape(2, 2), -1)",
    "lib.linalg.matrix_power(lib.ones(2, 3), 2)",
    "lib.matrix_power(lib.ones(3), 2)",
    "[lib.linalg.vector_norm(lib.tensor([3.0, -4.0]), o) for o in (2, 1, 3, -1, 0.5, lib.inf, -lib.inf, 0)]",
    "lib.linalg.vector_norm(lib.arange(6.0).reshape(2, 3), dim=(0, 1), keepdim=True), "
    "lib.linalg.vector_norm(lib.arange(6.0).reshape(2, 3), 1, dim=[1])",
    "lib.linalg.vector_norm(lib.arange(3))",
    "lib.linalg.vector_norm(lib.ones(2, 3), 'fro')",
    "lib.linalg.vector_norm(lib.arange(3), dtype=lib.float64)",
    "[lib.linalg.matrix_norm(lib.arange(6.0).reshape(2, 3) - 2, o) for o in ('fro', 1, -1, lib.inf, -lib.inf)]",
    "lib.linalg.matrix_norm(lib.arange(24.0).reshape(2, 3, 4), 1, dim=(2, 0), keepdim=True)",
    "lib.linalg.matrix_norm(lib.ones(3))",
    "lib.linalg.matrix_norm(lib.ones(2, 3), 3)",
    "lib.linalg.matrix_norm(lib.ones(2, 3), 'abc')",
    "lib.linalg.matrix_norm(lib.ones(2, 2), dim=(0, 0))",
    "lib.linalg.norm(lib.arange(24.0).reshape(2, 3, 4)), lib.linalg.norm(lib.arange(6.0).reshape(2, 3), 'fro')",
    "lib.linalg.norm(lib.arange(6.0).reshape(2, 3), lib.inf), lib.linalg.norm(lib.tensor([3.0, -4.0]), 1)",
    "lib.linalg.norm(lib.arange(24.0).reshape(2, 3, 4), 3, dim=1), lib.linalg.norm(lib.ones(2, 3), -1, (1, 0))",
    "lib.linalg.norm(lib.ones(2, 3, 4), 2)",
    "lib.linalg.norm(lib.ones(2, 3), 'fro', dim=1)",
    "lib.linalg.norm(lib.ones(3), 'fro')",
    "lib.linalg.norm(lib.ones(2, 3), 3, dim=(0, 1))",
    "lib.linalg.cross(lib.tensor([1.0, 0.0, 0.0]), lib.tensor([0.0, 1.0, 0.0])), "
    "lib.linalg.cross(lib.arange(6.0).reshape(2, 3), lib.ones(1, 3))",
    "lib.cross(lib.arange(6.0).reshape(3, 2), lib.ones(3, 2), dim=0), lib.ones(2, 3).cross(lib.ones(2, 3), dim=1)",
    "lib.linalg.cross(lib.ones(2), lib.ones(2))",
    "lib.linalg.cross(lib.ones(2, 3), lib.ones(4, 3))",
    "lib.linalg.cross(lib.ones(2, 3), lib.ones(3))",
    "lib.linalg.cross(lib.ones(3), lib.ones(3, dtype=lib.float64))",
    "lib.kron(lib.tensor([1.0, 2.0]), lib.arange(4.0).reshape(2, 2)), lib.kron(lib.arange(4).reshape(2, 2), "
    "lib.tensor([[1, -1]]))",
    "lib.diff(lib.tensor([1, 3, 2])), lib.diff(lib.tensor([True, False, False])), lib.diff(lib.ones(3), n=5)",
    "lib.diff(lib.arange(12.0).reshape(3, 4) ** 2, n=2, dim=0, prepend=lib.zeros(1, 4), append=lib.ones(2, 4))",
    "lib.arange(5.0).diff(append=lib.tensor([0.0]))",
    "lib.diff(lib.tensor(1.0))",
    "lib.diff(lib.ones(3), n=-1)",
    "lib.diff(lib.ones(3), prepend=lib.ones(2, 2))",
    "lib.diag_embed(lib.arange(6.0).reshape(2, 3)), lib.diag_embed(lib.arange(2), -1), "
    "lib.arange(2.0).diag_embed(1, 0, 1)",
    "lib.diag_embed(lib.arange(6.0).reshape(2, 3), 1, 0, 2).shape, lib.diag_embed(lib.ones(2, 3), 0, 2, 0).shape",
    "lib.diag_embed(lib.ones(2), 0, 0, 0)",
    "lib.diag_embed(lib.ones(2), 0, 0, 5)",
    "lib.diag_embed(lib.tensor(1.0))",
    "lib.linalg.diagonal(lib.arange(8.0).reshape(2, 2, 2)), lib.linalg.matmul(lib.ones(2, 2), lib.ones(2))",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_outcome_equals_pytorchs(program):
    assert outcome(agv, program) == outcome(torch, program)


def test_cross_without_dim_warns_as_pytorch_does():
    source = "result = lib.cross(lib.ones(3, 3), lib.arange(9.0).reshape(3, 3))"
    assert run_statements(agv, source) == run_statements(torch, source)


def test_a_singular_matrix_raises_linalg_error():
    with pytest.raises(agv.linalg.LinAlgError):
        agv.linalg.inv(agv.zeros(2, 2))


def _grads(lib, build, shapes):
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal(s) + (3 * np.eye(s[-1]) if len(s) >= 2 and s[-1] == s[-2] else 0) for s in shapes]
    xs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    return weighted_grads(lib, build(lib, *xs), xs)


BUILDS = {
    "inv": (lambda lib, A: lib.linalg.inv(A), (3, 3)),
    "inverse_batched": (lambda lib, A: lib.inverse(A), (2, 3, 3)),
    "det": (lambda lib, A: A.det(), (3, 3)),
    "det_batched": (lambda lib, A: lib.linalg.det(A), (2, 3, 3)),
    "slogdet": (lambda lib, A: lib.linalg.slogdet(A).logabsdet, (3, 3)),
    "slogdet_batched": (lambda lib, A: lib.slogdet(A)[1], (2, 3, 3)),
    "logdet": (lambda lib, A: lib.logdet(A), (3, 3)),
    "solve_vector": (lambda lib, A, b: lib.linalg.solve(A, b), (3, 3), (3,)),
    "solve_matrix": (lambda lib, A, b: lib.linalg.solve(A, b), (3, 3), (3, 2)),
    "solve_batched_vectors": (lambda lib, A, b: lib.linalg.solve(A, b), (2, 3, 3), (2, 3)),
    "solve_broadcast": (lambda lib, A, b: lib.linalg.solve(A, b), (2, 3, 3), (3, 4)),
    "matrix_power_0": (lambda lib, A: lib.linalg.matrix_power(A, 0) * A, (3, 3)),
    "matrix_power_1": (lambda lib, A: lib.matrix_power(A, 1), (3, 3)),
    "matrix_power_3": (lambda lib, A: A.matrix_power(3), (3, 3)),
    "matrix_power_6_batched": (lambda lib, A: A.matrix_power(6), (2, 3, 3)),
    "matrix_power_-1": (lambda lib, A: lib.linalg.matrix_power(A, -1), (3, 3)),
    "matrix_power_-2": (lambda lib, A: lib.linalg.matrix_power(A, -2), (3, 3)),
    "vector_norm_3_dims": (lambda lib, A: lib.linalg.vector_norm(A, 3, dim=(0, 2), keepdim=True), (2, 3, 4)),
    "vector_norm_-inf": (lambda lib, A: lib.linalg.vector_norm(A, -lib.inf), (4,)),
    "matrix_norm_fro": (lambda lib, A: lib.linalg.matrix_norm(A), (3, 4)),
    "matrix_norm_1": (lambda lib, A: lib.linalg.matrix_norm(A, 1, dim=(2, 0)), (3, 2, 4)),
    "matrix_norm_-inf": (lambda lib, A: lib.linalg.matrix_norm(A, -lib.inf, keepdim=True), (3, 4)),
    "norm_inf": (lambda lib, A: lib.linalg.norm(A, lib.inf), (3, 4)),
    "norm_all": (lambda lib, A: lib.linalg.norm(A), (2, 3, 4)),
    "cross": (lambda lib, a, b: lib.linalg.cross(a, b), (2, 3), (1, 3)),
    "cross_dim": (lambda lib, a, b: a.cross(b, dim=0), (3, 2), (3, 2)),
    "kron": (lambda lib, a, b: lib.kron(a, b), (2, 3), (3,)),
    "kron_3d": (lambda lib, a, b: lib.kron(a, b), (2, 2), (2, 1, 3)),
    "diff": (lambda lib, a: lib.diff(a), (3, 4)),
    "diff_prepend_append": (lambda lib, a, b: lib.diff(a, n=2, dim=0, prepend=b, append=a), (3, 4), (1, 4)),
    "diag_embed": (lambda lib, a: lib.diag_embed(a), (2, 3)),
    "diag_embed_offset_dims": (lambda lib, a: a.diag_embed(-2, 2, 0), (2, 3)),
}


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_grad_fn_and_gradients_equal_pytorchs(name):
    build, *shapes = BUILDS[name]
    assert_same_grads(_grads(agv, build, shapes), _grads(torch, build, shapes))
