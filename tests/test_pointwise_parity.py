"""addcmul/addcdiv, trunc/fix, fmod, the in-place comparisons, the in-place shape changes
(unsqueeze_, squeeze_, t_, transpose_) and the top-level in-place functions (torch.exp_(x)), side by
side with PyTorch: values, dtypes, versions, grad_fn names, gradients and error messages."""
from __future__ import annotations

import numpy as np
import pytest
from parity_support import outcome
from torch_support import need_torch

import autogradviz as agv

torch = need_torch()

X = "lib.tensor([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]])"
PROGRAMS = [
    f"lib.addcmul({X}, lib.tensor([1.0, 2.0, 3.0]), {X}, value=0.5)",
    f"lib.addcdiv({X}, lib.tensor([1.0, 2.0, 3.0]), {X}, value=-2)",
    f"{X}.addcmul(lib.ones(3), lib.ones(2, 1)), {X}.addcdiv(lib.ones(3), lib.ones(2, 1) * 4)",
    "lib.addcmul(lib.arange(2), lib.arange(2), lib.arange(2), value=2.5)",
    "lib.addcmul(lib.arange(2), lib.arange(2), lib.arange(2), value=True)",
    "lib.addcdiv(lib.arange(2), lib.arange(2.0), lib.arange(1, 3), value=2.5)",
    "lib.addcdiv(lib.ones(2), lib.arange(2), lib.arange(1, 3))",
    "lib.addcmul(lib.ones(3), lib.ones(2), lib.ones(3))",
    "lib.addcmul(lib.ones(2), 2.0, lib.ones(2))",
    "lib.ones(2).addcmul(lib.ones(2), lib.ones(2), value=lib.tensor(3.0))",
    "lib.ones(2, dtype=lib.float64).addcdiv_(lib.ones(2), lib.full((2,), 4.0), value=3)",
    "lib.arange(2).addcmul_(lib.ones(2), lib.ones(2))",
    "(lib.tensor([-1.5, 1.5, 2.7]).trunc(), lib.fix(lib.tensor([-0.5, 9.9])), lib.trunc(lib.tensor([1, -2])))",
    "lib.tensor([-2.5, 2.5]).trunc_(), lib.tensor([-2.5, 2.5]).fix_(), lib.trunc_(lib.tensor([3.7]))",
    "lib.fmod(lib.tensor([-3, 3]), 2), lib.fmod(lib.tensor([-3.0, 3.0]), -2), lib.fmod(lib.tensor([-3, 3]), 2.5)",
    "lib.fmod(lib.tensor([-3.0, 3.0, 5.5]), lib.tensor([2.0, -2.0, 1.5])), lib.tensor([5, -5]).fmod(lib.tensor([3]))",
    "lib.fmod(lib.tensor([-3, 3]), 0)",
    "lib.fmod(lib.arange(3), lib.tensor([1, 0, 1]))",
    "lib.fmod(lib.arange(3), lib.tensor([1.0, 0.0, 1.0])), lib.fmod(lib.arange(3), 0.0)",
    "lib.tensor([5.0, -5.0]).fmod_(3), lib.tensor([5, -5]).fmod_(lib.tensor([3, 3]))",
    "lib.tensor([5, -5]).fmod_(2.5)",
]
for _name, _arg in (("lt", "2"), ("le", "2.0"), ("gt", "lib.tensor([1.0, 2.0, 3.0])"), ("ge", "lib.tensor(2)"),
                    ("eq", "2"), ("ne", "lib.tensor([2.0, 1.0, 2.0])"), ("less", "2"), ("less_equal", "2"),
                    ("greater", "2"), ("greater_equal", "2"), ("not_equal", "2")):
    PROGRAMS.append(f"(lambda x: (x.{_name}_({_arg}), x))(lib.tensor([1.0, 2.0, 3.0]))")
PROGRAMS += [
    "(lambda x: (x.lt_(2.5), x._version))(lib.tensor([1, 2, 3]))",
    "lib.tensor([True, False]).lt_(1)",
    "lib.ones(3).lt_(lib.ones(2, 3))",
    "lib.ones(3, requires_grad=True).lt_(1)",
    "lib.ones(3).lt_('a')",
]
SHAPES = "lib.ones(2, 1, 3)"
for _call in ("unsqueeze_(0)", "unsqueeze_(-1)", "squeeze_()", "squeeze_(1)", "squeeze_(0)", "squeeze_((0, 1))",
              "transpose_(0, 2)", "swapdims_(1, -1)", "swapaxes_(0, 1)", "unsqueeze_(4)", "squeeze_(3)", "t_()"):
    PROGRAMS.append(f"(lambda x: (x.{_call} is x, x.shape, x._version, x.is_contiguous()))({SHAPES})")
PROGRAMS += [
    "(lambda x: (x.t_().shape, x._version, x.stride()))(lib.ones(2, 3))",
    "(lambda x: (x.t_().shape, x._version))(lib.ones(3))",
    "lib.tensor(1.0).transpose_(0, -1)",
    "lib.ones(2, requires_grad=True).unsqueeze_(0)",
    "lib.ones(2, requires_grad=True)[:1].unsqueeze_(0)",
    "(lambda b: (b[0].unsqueeze_(0).shape, b._version))(lib.ones(2, 3))",
    "(lambda b: (b[:, 1].t_(), b.t_(), b))(lib.arange(6.0).reshape(2, 3))",
]
TOP_LEVEL = ("abs_", "acos_", "arccos_", "arcsin_", "arctan_", "asin_", "atan_", "ceil_", "cos_", "cosh_", "erf_",
             "exp_", "expm1_", "fix_", "floor_", "log10_", "log1p_", "log2_", "log_", "neg_", "negative_",
             "reciprocal_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_", "tanh_",
             "trunc_", "zero_", "detach_")
PROGRAMS += [f"(lambda x: (lib.{n}(x) is x, x, x._version))(lib.tensor([0.25, 0.5]))" for n in TOP_LEVEL]
PROGRAMS += [
    "(lambda x: (lib.clamp_(x, 0.3, 0.4), lib.clip_(x, max=0.35), lib.clamp_min_(x, 0.34), lib.clamp_max_(x, 0.2), "
    "lib.fill_(x, 3)))(lib.tensor([0.25, 0.5]))",
    "lib.exp_([1.0])",
    "lib.exp_(lib.ones(2), out=lib.ones(2))",
    "lib.sigmoid_(lib.ones(2, requires_grad=True))",
    "(lambda x: (x.absolute_(), x.arctan2_(lib.ones(3)), x.cumprod_(0), x.floor_divide_(0.5), x.clip_(0, 3)))"
    "(lib.tensor([-1.0, 2.0, 3.0]))",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_outcome_equals_pytorchs(program):
    assert outcome(agv, program) == outcome(torch, program)


def _grads(lib, build):
    a = lib.tensor([[0.3, -1.2, 2.1], [1.4, 0.6, -0.8]], dtype=lib.float64, requires_grad=True)
    b = lib.tensor([0.7, -1.9, 1.3], dtype=lib.float64, requires_grad=True)
    c = lib.tensor([[1.1], [-2.3]], dtype=lib.float64, requires_grad=True)
    out = build(lib, a, b, c)
    weights = lib.arange(1.0, out.numel() + 1, dtype=lib.float64).reshape(out.shape)
    grads = lib.autograd.grad((out * weights).sum(), (a, b, c), allow_unused=True)
    return type(out.grad_fn).__name__, out.detach().numpy(), [None if g is None else g.numpy() for g in grads]


def _inplace(method, args):
    def build(lib, a, b, c):
        y = a * 1
        getattr(y, method)(*args(lib, a, b, c))
        return y
    return build


BUILDS = {
    "addcmul": lambda lib, a, b, c: lib.addcmul(a, b, c, value=-1.5),
    "addcmul_method": lambda lib, a, b, c: a.addcmul(b, c),
    "addcdiv": lambda lib, a, b, c: lib.addcdiv(a, b, c, value=0.5),
    "addcmul_": _inplace("addcmul_", lambda lib, a, b, c: (b, c)),
    "addcdiv_": lambda lib, a, b, c: (a * 1).addcdiv_(b, c, value=2),
    "trunc": lambda lib, a, b, c: (a * 3).trunc() * a,
    "fix_": lambda lib, a, b, c: (a * 3).fix_() + a,
    "fmod_number": lambda lib, a, b, c: lib.fmod(a * 2, 0.75),
    "fmod_tensor": lambda lib, a, b, c: lib.fmod(a * 3, b),
    "fmod_": lambda lib, a, b, c: (a * 3).fmod_(c),
    "lt_number": _inplace("lt_", lambda lib, a, b, c: (0.5,)),
    "ge_tensor": lambda lib, a, b, c: (a * 1).ge_(b) * a,
    "ne_tensor": lambda lib, a, b, c: (a * 1).ne_(c),
    "unsqueeze_": lambda lib, a, b, c: (a * a).unsqueeze_(1) * b,
    "squeeze_": lambda lib, a, b, c: (c * c).squeeze_() * c.squeeze(),
    "squeeze_dim": lambda lib, a, b, c: (c * c).squeeze_(1),
    "squeeze_dims": lambda lib, a, b, c: (c * c).unsqueeze(0).squeeze_((0, 2)),
    "t_": lambda lib, a, b, c: (a * a).t_() * lib.tensor([1.0, 2.0], dtype=lib.float64),
    "transpose_": lambda lib, a, b, c: (a * b).transpose_(0, 1) * c.t(),
    "t_vector": lambda lib, a, b, c: (b * b).t_(),
    "unsqueeze_view": lambda lib, a, b, c: (a * 2)[1].unsqueeze_(0) * b,
    "exp_": lambda lib, a, b, c: lib.exp_(a * 1) * b,
    "sigmoid_": lambda lib, a, b, c: lib.sigmoid_(a + b),
}


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_grad_fn_and_gradients_equal_pytorchs(name):
    (fn, value, grads), (want_fn, want_value, want_grads) = _grads(agv, BUILDS[name]), _grads(torch, BUILDS[name])
    assert fn == want_fn
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    for g, w in zip(grads, want_grads):
        assert (g is None) == (w is None)
        if w is not None:
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-15)


def test_a_saved_output_changed_in_shape_in_place_is_refused_at_backward():
    z = agv.ones(3, requires_grad=True).exp()
    z.unsqueeze_(0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
