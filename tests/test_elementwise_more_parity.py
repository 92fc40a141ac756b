"""asinh/acosh/atanh, frac, exp2, erfc, deg2rad/rad2deg, sinc, logit, hypot, logaddexp2, fmax/fmin,
nan_to_num, msort, argwhere, isin, bucketize, positive and movedim with several dims, side by side
with PyTorch: values, dtypes, grad_fn names, gradients and messages."""
from __future__ import annotations

import numpy as np
import pytest
from parity_support import assert_same_grads, outcome, weighted_grads
from torch_support import need_torch

import autogradviz as agv

torch = need_torch()

V = "lib.tensor([0.25, -1.5, 2.0, 0.0])"
PROGRAMS = [
    f"[getattr(lib, n)({V}) for n in ('asinh', 'arcsinh', 'frac', 'exp2', 'erfc', 'deg2rad', 'rad2deg', 'sinc')]",
    f"lib.acosh({V} + 2), lib.arccosh(lib.tensor([0.5])), lib.atanh({V} / 3), lib.arctanh(lib.tensor([1.0, 2.0]))",
    "[getattr(lib, n)(lib.tensor([1, -2, 0])) for n in ('asinh', 'exp2', 'deg2rad', 'rad2deg', 'sinc')]",
    "lib.frac(lib.tensor([1, -2]))",
    "lib.logit(lib.tensor([0.25, 0.5, 0.9, 0.0, 1.2])), lib.logit(lib.tensor([0.0, 0.05, 0.99]), eps=0.1)",
    f"lib.hypot({V}, lib.tensor([1.0])), lib.logaddexp2({V}, lib.tensor([1.0, 2.0, -3.0, 0.0]))",
    "lib.fmax(lib.tensor([1.0, float('nan'), 3.0, float('nan')]), lib.tensor([2.0, 5.0, float('nan'), float('nan')]))",
    "lib.fmin(lib.tensor([1.0, float('nan'), 3.0]), lib.tensor([2.0, 5.0, float('nan')])), "
    "lib.fmax(lib.tensor([1, 5]), lib.tensor([3, 2]))",
    "lib.nan_to_num(lib.tensor([float('nan'), float('inf'), -float('inf'), 1.5])), "
    "lib.nan_to_num(lib.tensor([float('nan'), float('inf'), -float('inf')]), nan=2.0, posinf=9.0, neginf=-9.0)",
    "lib.nan_to_num(lib.tensor([float('inf')], dtype=lib.float64)), lib.tensor([float('nan'), 1.0]).nan_to_num(3.0)",
    f"(lambda x: (x.asinh_(), x.frac_(), x.exp2_(), x.deg2rad_(), x.hypot_(lib.ones(4)), x))({V})",
    "lib.msort(lib.tensor([[3.0, 1.0], [1.0, 2.0], [2.0, 0.0]])), lib.tensor([3, 1, 2]).msort()",
    "lib.argwhere(lib.tensor([[0, 1], [2, 0]])), lib.tensor([0.0, 1.5]).argwhere()",
    "lib.isin(lib.tensor([1, 2, 3]), lib.tensor([2, 5])), lib.isin(lib.tensor([1, 2, 3]), lib.tensor([2]), invert=True)",
    "lib.bucketize(lib.tensor([1, 5, 9, 6]), lib.tensor([2, 4, 6, 8])), "
    "lib.bucketize(lib.tensor([1, 5, 9, 6]), lib.tensor([2, 4, 6, 8]), right=True, out_int32=True)",
    "lib.bucketize(lib.tensor([1]), lib.tensor([[2, 4]]))",
    f"lib.positive({V}).tolist(), {V}.positive().dtype",
    "lib.positive(lib.tensor([True]))",
    "lib.movedim(lib.ones(2, 3, 4), (0, 1), (2, 0)).shape, lib.ones(2, 3, 4).movedim([2, 0], [0, 1]).shape, "
    "lib.moveaxis(lib.ones(2, 3, 4), (0,), (-1,)).shape",
    "lib.movedim(lib.ones(2, 3, 4), (0, 1), (2,))",
    "lib.movedim(lib.ones(2, 3, 4), (0, 0), (1, 2))",
    "lib.movedim(lib.ones(2, 3, 4), (0, 1), (2, 2))",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_outcome_equals_pytorchs(program):
    assert outcome(agv, program) == outcome(torch, program)


def _grads(lib, build, arrays):
    xs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    return weighted_grads(lib, build(lib, *xs), xs)


A = np.array([[0.3, -1.2, 2.1], [1.4, 0.6, -0.8]])
B = np.array([[0.7, -1.9, 2.1], [-0.5, 0.6, 1.3]])
UNIT = np.array([[0.2, 0.45, 0.9], [0.05, 0.6, 0.97]])
BUILDS = {
    "asinh": (lambda lib, a: lib.asinh(a), A),
    "acosh": (lambda lib, a: (a.abs() + 1.1).acosh(), A),
    "atanh": (lambda lib, a: lib.atanh(a / 3), A),
    "frac": (lambda lib, a: (a * 3).frac() * a, A),
    "exp2": (lambda lib, a: lib.exp2(a), A),
    "erfc": (lambda lib, a: a.erfc(), A),
    "deg2rad": (lambda lib, a: lib.deg2rad(a * 30), A),
    "rad2deg": (lambda lib, a: a.rad2deg(), A),
    "sinc": (lambda lib, a: lib.sinc(a), A),
    "logit": (lambda lib, u: lib.logit(u), UNIT),
    "logit_eps": (lambda lib, u: u.logit(eps=0.1), UNIT),
    "hypot": (lambda lib, a, b: lib.hypot(a, b), A, B),
    "logaddexp2": (lambda lib, a, b: lib.logaddexp2(a, b), A, B),
    "fmax": (lambda lib, a, b: lib.fmax(a, b), A, B),
    "fmin": (lambda lib, a, b: a.fmin(b), A, B),
    "nan_to_num": (lambda lib, a: lib.nan_to_num(lib.log(a)) * a, A),
    "msort": (lambda lib, a: lib.msort(a), A),
    "movedim_tuple": (lambda lib, a: lib.movedim(a.reshape(1, 2, 3), (0, 1), (2, 0)), A),
    "frac_": (lambda lib, a: (a * 3).frac_() * a, A),
}


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_grad_fn_and_gradients_equal_pytorchs(name):
    build, *arrays = BUILDS[name]
    assert_same_grads(_grads(agv, build, arrays), _grads(torch, build, arrays))
