"""In-place variants of existing ops (x.log1p_(), x.subtract_(y), x.cumsum_(0), ...), side by side with
PyTorch: the values and dtypes written, the errors for int tensors, the grad_fn names and gradients."""
from __future__ import annotations

import numpy as np
import pytest
from parity_support import outcome
from torch_support import need_torch

import autogradviz as agv

torch = need_torch()

UNARY = ("tan", "log1p", "expm1", "log2", "log10", "rsqrt")
PROGRAMS = [p for n in UNARY for p in (f"lib.tensor([0.5, 2.0]).{n}_()", f"lib.arange(3).{n}_()")]
PROGRAMS += [p for n, arg in (("remainder", "2"), ("subtract", "lib.tensor([1.0, 2.0])"), ("multiply", "3"),
                              ("divide", "2"), ("true_divide", "4"))
             for p in (f"lib.tensor([5.0, -3.0]).{n}_({arg})", f"lib.tensor([5, -3]).{n}_({arg})")]
PROGRAMS += [
    "lib.tensor([5.0, -3.0]).negative_()",
    "lib.tensor([[1.0, 2.0], [3.0, 4.0]]).cumsum_(1)",
    "lib.tensor([1, 2]).cumsum_(0)",
    "lib.tensor([5.0, 2.0]).subtract_(lib.tensor([1.0, 1.0]), alpha=2)",
    "lib.tensor([5.0, 2.0]).divide_(2, rounding_mode='floor')",
    "lib.ones(2, requires_grad=True).log1p_()",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_outcome_equals_pytorchs(program):
    assert outcome(agv, program) == outcome(torch, program)


CALLS = {"tan": (), "log1p": (), "expm1": (), "log2": (), "log10": (), "rsqrt": (), "negative": (),
         "remainder": (0.2,), "subtract": (1.0,), "multiply": (3.0,), "divide": (2.0,), "true_divide": (2.0,),
         "cumsum": (0,)}


def _run(lib, name):
    x = lib.tensor([0.3, 0.7], dtype=lib.float64, requires_grad=True)
    y = x * 1.5
    written = getattr(y, name + "_")(*CALLS[name])
    (g,) = lib.autograd.grad((y * lib.tensor([1.0, -2.0], dtype=lib.float64)).sum(), x)
    return written is y, type(y.grad_fn).__name__, y.detach().numpy(), g.numpy()


@pytest.mark.parametrize("name", sorted(CALLS))
def test_gradient_through_the_inplace_op_equals_pytorchs(name):
    (same, fn_name, value, grad), want = _run(agv, name), _run(torch, name)
    assert same and (fn_name, want[0]) == (want[1], True)
    np.testing.assert_allclose(value, want[2], rtol=1e-12)
    np.testing.assert_allclose(grad, want[3], rtol=1e-12)
