"""median, mode, quantile/nanquantile, nansum/nanmean, masked_select, take_along_dim, cummax/cummin,
bincount, searchsorted, std_mean/var_mean, side by side with PyTorch: values, indices, return
types, grad_fn names, gradients and the messages for bad inputs."""
from __future__ import annotations

import numpy as np
import pytest
from parity_support import assert_same_grads, outcome, weighted_grads
from torch_support import need_torch

import autogradviz as agv

torch = need_torch()

X = "lib.tensor([[1.0, 5.0, 3.0, 6.0], [2.0, 7.0, 0.0, 4.0], [9.0, -1.0, 8.0, 2.5]])"
N = "lib.tensor([[1.0, float('nan'), 3.0, 6.0], [2.0, 7.0, 0.0, 4.0]])"
PROGRAMS = [
    f"lib.median({X}), {X}.median(1), lib.median({X}, 0, keepdim=True)",
    "lib.median(lib.tensor([])), lib.median(lib.tensor([1.0, float('nan'), 0.0]))",
    "lib.median(lib.tensor([[1.0, float('nan'), 0.0]]), 1), lib.median(lib.tensor(3.0), 0)",
    "lib.median(lib.tensor([2, 7, 1, 2])), lib.median(lib.ones(2, 0), 1)",
    f"lib.nanmedian({N}), {N}.nanmedian(1), lib.nanmedian(lib.tensor([[float('nan')] * 2, [1.0, 2.0]]), 1)",
    f"lib.mode(lib.tensor([1.0, 2.0, 2.0, 1.0])), {X}.mode(0), lib.mode(lib.tensor([[3, 1, 3], [2, 2, 1]]), 1, True)",
    f"lib.nansum({N}), {N}.nansum(1), lib.nansum({N}, 0, keepdim=True, dtype=lib.float64), lib.nansum(lib.tensor([1, 2]))",
    f"lib.nanmean({N}), {N}.nanmean(1)",
    "lib.nanmean(lib.tensor([1, 2]))",
    f"lib.masked_select({X}, {X} > 4), {X}.masked_select(lib.tensor([True, False, True, False]))",
    f"lib.masked_select({X}, lib.tensor([1, 0, 1, 0]))",
    f"lib.masked_select({X}, lib.tensor([True, False]))",
    f"lib.take_along_dim({X}, lib.tensor([[0], [2], [1]]), 1), {X}.take_along_dim(lib.tensor([0, 11]))",
    f"lib.take_along_dim({X}, lib.argsort({X}, 0), 0), lib.take_along_dim({X}, lib.tensor([[3, 0]]), dim=-1)",
    f"lib.take_along_dim({X}, lib.tensor([[0.0]]), 1)",
    f"lib.take_along_dim({X}, lib.tensor([0]), 1)",
    f"lib.cummax({X}, 1), {X}.cummin(0), lib.cummax(lib.tensor([1.0, float('nan'), 3.0, 0.0]), 0)",
    "lib.cummax(lib.tensor([[1, 3, 3, 2]]), -1), lib.cummin(lib.tensor(2.0), 0)",
    f"lib.cummax({X}, 2)",
    f"[lib.quantile({X}, 0.35, interpolation=i) for i in ('linear', 'lower', 'higher', 'midpoint', 'nearest')]",
    f"lib.quantile({X}, lib.tensor([0.1, 0.5, 0.9]), dim=0), {X}.quantile(0.6, dim=1, keepdim=True)",
    f"lib.quantile({X}, lib.tensor([0.25, 0.75]), keepdim=True).shape, lib.quantile({N}, 0.5, dim=1)",
    f"lib.nanquantile({N}, 0.5), {N}.nanquantile(lib.tensor([0.0, 1.0]), dim=1)",
    f"lib.quantile({X}, 1.5)",
    f"lib.quantile({X}, lib.tensor([[0.5]]))",
    f"lib.quantile({X}, 0.5, interpolation='x')",
    "lib.quantile(lib.arange(4), 0.5)",
    f"lib.quantile({X}, lib.tensor([0.5], dtype=lib.float64))",
    "lib.bincount(lib.tensor([0, 2, 2, 5])), lib.bincount(lib.tensor([1]), minlength=4), lib.tensor([3, 1]).bincount()",
    "lib.bincount(lib.tensor([0, 1, 1]), weights=lib.tensor([0.5, 1.0, 2.0]))",
    "lib.bincount(lib.tensor([-1]))",
    "lib.bincount(lib.tensor([[1]]))",
    "lib.bincount(lib.tensor([1.0]))",
    "lib.searchsorted(lib.tensor([1, 3, 5, 7]), lib.tensor([3, 6, 9])), "
    "lib.searchsorted(lib.tensor([1, 3, 5, 7]), lib.tensor([3, 6, 9]), right=True)",
    "lib.searchsorted(lib.tensor([1.0, 3.0]), 2.0), lib.searchsorted(lib.tensor([[1, 3], [2, 4]]), "
    "lib.tensor([[2], [5]]), side='right'), lib.searchsorted(lib.tensor([1, 3]), lib.tensor([2]), out_int32=True)",
    "lib.searchsorted(lib.tensor([[1, 3]]), lib.tensor([2]))",
    f"lib.std_mean({X}), lib.var_mean({X}, 1), lib.std_mean({X}, (0, 1), keepdim=True, correction=0)",
    f"lib.var_mean({X}, unbiased=False), lib.std_mean({X}, 0, False)",
    "lib.std_mean(lib.arange(4))",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_outcome_equals_pytorchs(program):
    assert outcome(agv, program) == outcome(torch, program)


def _grads(lib, build, shapes):
    rng = np.random.default_rng(3)
    xs = [lib.tensor(rng.standard_normal(s), dtype=lib.float64, requires_grad=True) for s in shapes]
    return weighted_grads(lib, build(lib, *xs), xs)


def _with_nans(lib, a):
    return lib.where(a > 0.8, float("nan"), a)


BUILDS = {
    "median": (lambda lib, a: lib.median(a), (3, 4)),
    "median_dim": (lambda lib, a: a.median(1).values, (3, 4)),
    "median_dim_keepdim": (lambda lib, a: lib.median(a, 0, keepdim=True).values, (4, 3)),
    "mode": (lambda lib, a: lib.mode(a, 0).values, (3, 4)),
    "nanmedian": (lambda lib, a: lib.nanmedian(_with_nans(lib, a)), (3, 4)),
    "nanmedian_dim": (lambda lib, a: _with_nans(lib, a).nanmedian(1).values, (3, 4)),
    "nansum": (lambda lib, a: lib.nansum(_with_nans(lib, a)), (3, 4)),
    "nansum_dim": (lambda lib, a: _with_nans(lib, a).nansum(1, keepdim=True), (3, 4)),
    "nanmean": (lambda lib, a: lib.nanmean(_with_nans(lib, a), 0), (3, 4)),
    "masked_select": (lambda lib, a, b: lib.masked_select(a * b, b.detach() > 0), (3, 4), (4,)),
    "take_along_dim": (lambda lib, a: lib.take_along_dim(a, lib.tensor([[0, 3]]), 1), (3, 4)),
    "take_along_dim_flat": (lambda lib, a: a.take_along_dim(lib.tensor([0, 5, 5])), (3, 4)),
    "cummax": (lambda lib, a: lib.cummax(a, 1).values, (3, 5)),
    "cummin": (lambda lib, a: a.cummin(0).values, (4, 3)),
    "quantile": (lambda lib, a: lib.quantile(a, 0.35), (3, 4)),
    "quantile_dim_nearest": (lambda lib, a: lib.quantile(a, 0.6, dim=1, interpolation="nearest"), (3, 5)),
    "quantile_tensor_q": (lambda lib, a: a.quantile(lib.tensor([0.1, 0.5, 0.9], dtype=lib.float64), dim=0), (5, 3)),
    "quantile_midpoint_keepdim": (lambda lib, a: lib.quantile(a, 0.3, 1, True, interpolation="midpoint"), (3, 4)),
    "nanquantile": (lambda lib, a: lib.nanquantile(_with_nans(lib, a), 0.4, dim=1), (3, 5)),
    "std_mean": (lambda lib, a: lib.std_mean(a, 1)[0], (3, 4)),
    "std_mean_mean": (lambda lib, a: lib.std_mean(a)[1], (3, 4)),
    "var_mean": (lambda lib, a: lib.var_mean(a, (0, 1), keepdim=True, correction=0)[0], (3, 4)),
}


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_grad_fn_and_gradients_equal_pytorchs(name):
    build, *shapes = BUILDS[name]
    assert_same_grads(_grads(agv, build, shapes), _grads(torch, build, shapes))


def test_std_mean_is_one_node_with_two_outputs():
    x = agv.ones(3, requires_grad=True) * agv.tensor([1.0, 2.0, 4.0])
    std, mean = agv.std_mean(x)
    assert std.grad_fn is mean.grad_fn and (std.output_nr, mean.output_nr) == (0, 1)
