"""Constants, dtype limits, broadcasting and arranging helpers, side by side with PyTorch: the same
values, shapes, dtypes, grad_fn names, gradients and error messages."""
from __future__ import annotations

import numpy as np
import pytest
from parity_support import outcome, run_statements
from torch_support import need_torch

import autogradviz as agv

torch = need_torch()

PROGRAMS = [
    "(lib.pi, lib.e, lib.inf, lib.nan == lib.nan, lib.newaxis)",
    "lib.ones(2, 3)[:, lib.newaxis].shape",
    "[repr(lib.finfo(d)) for d in (lib.float16, lib.float32, lib.float64)]",
    "(lib.finfo().eps, lib.finfo(lib.float64).tiny, lib.finfo(lib.float32).bits, lib.finfo(lib.float16).dtype)",
    "[repr(lib.iinfo(d)) for d in (lib.uint8, lib.int8, lib.int16, lib.int32, lib.int64)]",
    "(lib.iinfo(lib.int64).max, lib.iinfo(lib.int8).min, lib.iinfo(lib.int16).bits, lib.iinfo(lib.uint8).dtype)",
    "lib.finfo(lib.int32)",
    "lib.iinfo(lib.float32)",
    "lib.iinfo(lib.bool)",
    "lib.broadcast_shapes((3, 1), (4,), 1)",
    "lib.broadcast_shapes((2, 1, 5), [4, 1], lib.Size([1]))",
    "lib.broadcast_shapes()",
    "lib.broadcast_shapes((3,), (4,))",
    "[(t.shape, type(t.grad_fn).__name__) for t in lib.broadcast_tensors(lib.ones(3, 1, requires_grad=True), "
    "lib.ones(4))]",
    "lib.broadcast_tensors(lib.arange(3), lib.zeros(2, 1))",
    "lib.broadcast_tensors(lib.ones(3), lib.ones(4))",
    "lib.arange(3).broadcast_to((2, 3))",
    "lib.broadcast_to(lib.arange(3), (2, 2))",
    "(lib.result_type(lib.ones(2, dtype=lib.int32), 2.0), lib.result_type(2, 3), "
    "lib.result_type(lib.ones(2, dtype=lib.int8), lib.tensor(1000)), lib.result_type(True, lib.ones(1, dtype=lib.uint8)))",
    "[lib.can_cast(a, b) for a in (lib.bool, lib.uint8, lib.int64, lib.float64) "
    "for b in (lib.bool, lib.int8, lib.float16)]",
    "lib.atleast_1d(lib.tensor(1.0)), lib.atleast_1d(lib.ones(2), lib.tensor(3)), lib.atleast_1d([lib.ones(2)])",
    "[lib.atleast_2d(t).shape for t in (lib.tensor(1.0), lib.ones(3), lib.ones(2, 2, 2))]",
    "[lib.atleast_3d(t).shape for t in (lib.tensor(1.0), lib.ones(3), lib.ones(2, 3), lib.ones(2, 2, 2, 2))]",
    "lib.column_stack([lib.arange(3), lib.ones(3, 2, dtype=lib.int64)])",
    "lib.column_stack((lib.tensor(1.0), lib.tensor(2.0)))",
    "lib.column_stack([lib.ones(3), lib.ones(2)])",
    "lib.dstack([lib.arange(3), lib.arange(3)])",
    "lib.dstack([lib.ones(2, 3), lib.ones(2, 3, 2)]).shape",
    "lib.row_stack([lib.arange(3), lib.arange(3.0)])",
    "lib.flipud(lib.arange(6).reshape(2, 3)), lib.arange(6).reshape(3, 2).fliplr()",
    "lib.fliplr(lib.ones(3))",
    "lib.flipud(lib.tensor(1.0))",
    "lib.moveaxis(lib.ones(2, 3, 4), 0, -1).shape, lib.ones(2, 3, 4).moveaxis(2, 0).shape",
    "lib.ones(2, 3).swapdims(0, 1).shape, lib.swapdims(lib.ones(2, 3, 4), 0, 2).shape",
    "lib.arange(6).reshape(2, 3).type_as(lib.ones(1)), lib.ones(2).type_as(lib.ones(1, dtype=lib.float64)).dtype",
    "lib.tensor([-1.5, 300.0, 2.7]).byte(), lib.tensor([-1.5, 300.0, 2.7]).char(), lib.tensor([-1.5, 3e4]).short()",
    "lib.range(1, 4), lib.range(0, 1, 0.25), lib.range(1, 3, dtype=lib.int64), lib.range(0, 1, 0.1).shape",
    "lib.range(3, 1, 0.5)",
    "lib.range(0, 1, 0)",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_outcome_equals_pytorchs(program):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # torch.range's deprecation, checked below
        assert outcome(agv, program) == outcome(torch, program)


def test_range_warns_as_pytorch_does():
    ours, theirs = run_statements(agv, "result = lib.range(2, 5)"), run_statements(torch, "result = lib.range(2, 5)")
    assert ours == theirs
    assert "deprecated" in ours[1][0]


def test_type_as_the_same_dtype_is_the_tensor_itself():
    x = agv.ones(2)
    assert x.type_as(agv.zeros(3)) is x


# Functions built on other ops record those ops: their grad_fn names and gradients are PyTorch's.
CALLS = {
    "broadcast_tensors": (lambda L, a, b: L.stack(L.broadcast_tensors(a, b)), [(3, 1), (4,)]),
    "broadcast_to_method": (lambda L, a: a.broadcast_to((2, 3, 4)), [(3, 1)]),
    "atleast_2d": (lambda L, a: L.atleast_2d(a), [(3,)]),
    "atleast_3d_matrix": (lambda L, a: L.atleast_3d(a), [(2, 3)]),
    "atleast_3d_vector": (lambda L, a: L.atleast_3d(a), [(3,)]),
    "column_stack": (lambda L, a, b: L.column_stack([a, b]), [(3,), (3, 2)]),
    "dstack": (lambda L, a, b: L.dstack((a, b)), [(2, 3), (2, 3, 2)]),
    "row_stack": (lambda L, a, b: L.row_stack((a, b)), [(3,), (2, 3)]),
    "flipud": (lambda L, a: L.flipud(a), [(3, 2)]),
    "fliplr": (lambda L, a: a.fliplr(), [(3, 2, 2)]),
    "moveaxis": (lambda L, a: L.moveaxis(a, 0, 2), [(2, 3, 4)]),
    "swapdims": (lambda L, a: a.swapdims(0, -1), [(2, 3, 4)]),
    "type_as": (lambda L, a: a.type_as(L.ones(1, dtype=L.float32)) * 2, [(2, 3)]),
}


def _run(lib, call):
    fn, shapes = CALLS[call]
    rng = np.random.default_rng(0)
    xs = [lib.tensor(rng.standard_normal(s), dtype=lib.float64, requires_grad=True) for s in shapes]
    out = fn(lib, *xs)
    v = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)), dtype=out.dtype)
    grads = lib.autograd.grad(out, xs, grad_outputs=v)
    return out.detach().numpy(), str(out.dtype), type(out.grad_fn).__name__, [g.numpy() for g in grads]


@pytest.mark.parametrize("call", sorted(CALLS))
def test_values_names_and_gradients_equal_pytorchs(call):
    (value, dtype, name, grads), (want, want_dtype, want_name, want_grads) = _run(agv, call), _run(torch, call)
    assert (dtype, name) == (want_dtype, want_name)
    np.testing.assert_allclose(value, want, rtol=1e-6)
    for mine, theirs in zip(grads, want_grads):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6)
