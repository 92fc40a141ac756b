"""Pointwise ops hand-written optimizers and course code reach for: addcmul/addcdiv (Adam's and
RMSprop's updates), trunc/fix, fmod, and the in-place comparisons (``x.lt_(y)``), whose result is
written in ``x``'s dtype and, for a tensor in a graph, recorded with a zero gradient as in PyTorch."""
from __future__ import annotations

import numbers

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor
from .common import operand
from .linalg import _scaled
from .registry import OpDef, apply

ADDCMUL = OpDef("addcmul", "AddcmulBackward0",
                inputs=("input", "tensor1", "tensor2"), expression="{input} + {{value} × }{tensor1} × {tensor2}",
                rules=("∂{out}/∂{input} = 1",
                       "∂{out}/∂{tensor1} = {{value} × }{tensor2}",
                       "∂{out}/∂{tensor2} = {{value} × }{tensor1}"),
                functions=("addcmul",), methods=("addcmul",), inplace=("addcmul",),
                forward=lambda a, b, c, value=1: a + value * b * c,
                vjps=(lambda xp, g, c: g,
                      lambda xp, g, c: _scaled(g * c.inputs[2], c, "value"),
                      lambda xp, g, c: _scaled(g * c.inputs[1], c, "value")),
                saves=(1, 2), reads=((), (2,), (1,)))

ADDCDIV = OpDef("addcdiv", "AddcdivBackward0",
                inputs=("input", "tensor1", "tensor2"), expression="{input} + {{value} × }{tensor1}/{tensor2}",
                rules=("∂{out}/∂{input} = 1",
                       "∂{out}/∂{tensor1} = {value=1}/{tensor2}",
                       "∂{out}/∂{tensor2} = −{{value} × }{tensor1}/{tensor2}²"),
                sends=(None, "{{value} × }{grad}/{tensor2}", "−{{value} × }{grad} × {tensor1}/{tensor2}²"),
                functions=("addcdiv",), methods=("addcdiv",), inplace=("addcdiv",),
                forward=lambda a, b, c, value=1: a + value * b / c,
                vjps=(lambda xp, g, c: g,
                      lambda xp, g, c: _scaled(g / c.inputs[2], c, "value"),
                      lambda xp, g, c: _scaled(-g * c.inputs[1] / (c.inputs[2] * c.inputs[2]), c, "value")),
                saves=(1, 2), reads=((), (2,), (1, 2)))


def _require(x, fname, arg, position):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position {position}) must be Tensor, not {type(x).__name__}")


def _value_param(value, dtype):
    """``value=`` as a parameter (none for 1); for an integer result PyTorch takes its integer part."""
    if isinstance(value, Tensor):
        value = value.item()
    if not dtype.is_floating_point:
        value = int(value)
    return None if value == 1 else {"value": value}


def _three(fname, input, tensor1, tensor2):
    for position, (arg, x) in enumerate((("input", input), ("tensor1", tensor1), ("tensor2", tensor2)), start=1):
        _require(x, fname, arg, position)
    return D.result_type(input, tensor1, tensor2)


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value × tensor1 × tensor2, elementwise with broadcasting."""
    dtype = _three("addcmul", input, tensor1, tensor2)
    return apply(ADDCMUL, (input, tensor1, tensor2), _value_param(value, dtype))


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value × tensor1 / tensor2, elementwise with broadcasting (Adam's update)."""
    dtype = _three("addcdiv", input, tensor1, tensor2)
    if not tensor1.dtype.is_floating_point and not tensor2.dtype.is_floating_point:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a "
            "true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + value "
            "* torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
            "tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: (input + value "
            "* tensor1 / tensor2), for all dtypes.")
    return apply(ADDCDIV, (input, tensor1, tensor2), _value_param(value, dtype))


TRUNC = OpDef("trunc", "TruncBackward0",
              inputs=("input",), expression="trunc({input})",
              rules=("∂{out}/∂{input} = 0",),
              functions=("trunc", "fix"), methods=("trunc", "fix"), inplace=("trunc", "fix"), forward=np.trunc,
              vjps=(lambda xp, g, c: g * 0,), dtype="same")


def trunc(input):
    """Each element rounded toward zero."""
    _require(input, "trunc", "input", 1)
    return apply(TRUNC, (input,))


fix = trunc


def _truncated(xp, q):
    return xp.sign(q) * xp.floor(xp.abs(q))


def _fmod(a, b):
    with np.errstate(invalid="ignore", divide="ignore"):   # PyTorch gives nan silently
        return np.fmod(a, b)


# fmod(a, b) = a − b·trunc(a/b): the sign of a (remainder takes the sign of b)
FMOD = OpDef("fmod", "FmodBackward0",
             inputs=("input",), expression="fmod({input}, {other})",
             rules=("∂{out}/∂{input} = 1",),
             functions=("fmod",), methods=("fmod",), inplace=("fmod",), forward=lambda a, other: _fmod(a, other),
             vjps=(lambda xp, g, c: g,))
FMOD_TENSOR = OpDef("fmod_tensor", "FmodBackward1",
                    inputs=("input", "other"), expression="fmod({input}, {other})",
                    rules=("∂{out}/∂{input} = 1", "∂{out}/∂{other} = −trunc({input}/{other})"),
                    sends=(None, "−{grad} × trunc({input}/{other})"),
                    forward=lambda a, b: _fmod(a, b),
                    vjps=(lambda xp, g, c: g, lambda xp, g, c: -g * _truncated(xp, c.a / c.b)),
                    saves=(0, 1), reads=((), (0, 1)))


def fmod(input, other):
    """input − other·trunc(input/other): C's remainder, with the sign of ``input``."""
    _require(input, "fmod", "input", 1)
    other = operand(other, "fmod")
    dtype = D.result_type(input, other)
    if not dtype.is_floating_point and dtype is not D.bool_ and np.any(np.asarray(getattr(other, "_data", other)) == 0):
        raise RuntimeError("ZeroDivisionError")
    if isinstance(other, Tensor):
        return apply(FMOD_TENSOR, (input, other))
    return apply(FMOD, (input,), {"other": other}, out_dtype=dtype)


# ---------------------------------------------------------------------------------------------
# In-place comparisons: x.lt_(y) writes (x < y) as 1/0 in x's dtype. PyTorch records them
# (LtBackward0 for a number, LtBackward1 for a tensor) with a zero gradient.
# ---------------------------------------------------------------------------------------------
_COMPARISONS = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater,
                "ge": np.greater_equal}
_ALIASES = {"ne": ("not_equal",), "lt": ("less",), "le": ("less_equal",), "gt": ("greater",),
            "ge": ("greater_equal",)}


def _comparison_ops(name, ufunc):
    title = name.capitalize()
    by_number = OpDef(f"{name}_", f"{title}Backward0",
                      inputs=("input",), expression=f"{name}_({{input}}, {{other}})",
                      rules=("∂{out}/∂{input} = 0",),
                      forward=lambda a, other: ufunc(a, other),
                      vjps=(lambda xp, g, c: g * 0,), dtype="same")
    by_tensor = OpDef(f"{name}_tensor_", f"{title}Backward1",
                      inputs=("input", "other"), expression=f"{name}_({{input}}, {{other}})",
                      rules=("∂{out}/∂{input} = 0", "∂{out}/∂{other} = 0"),
                      forward=ufunc,
                      vjps=(lambda xp, g, c: g * 0, lambda xp, g, c: g * 0), dtype="same")
    return by_number, by_tensor


COMPARE_INPLACE = {name: _comparison_ops(name, ufunc) for name, ufunc in _COMPARISONS.items()}


def _compare_inplace_method(name):
    by_number, by_tensor = COMPARE_INPLACE[name]

    def method(self, other):
        from .registry import apply_inplace
        if not isinstance(other, (Tensor, numbers.Number, np.generic, np.ndarray)):
            kind = type(other).__name__
            choices = "".join(f" * ({what} other)\n      didn't match because some of the arguments have invalid types: "
                              f"(!{kind}!)\n" for what in ("Tensor", "Number"))
            raise TypeError(f"{name}_() received an invalid combination of arguments - got ({kind}), but expected one "
                            f"of:\n{choices}")
        other = operand(other, name + "_")
        if isinstance(other, Tensor):
            return apply_inplace(self, lambda old, o: apply(by_tensor, (old, o)), other)
        return apply_inplace(self, lambda old: apply(by_number, (old,), {"other": other}))
    method.__name__ = name + "_"
    method.__doc__ = f"In-place {name}: 1 where it holds and 0 elsewhere, written in this tensor's dtype."
    return method


def install_inplace_comparisons(Tensor) -> None:
    """``Tensor.lt_`` ... ``Tensor.ne_`` and their long spellings (``less_``, ``not_equal_``)."""
    for name in _COMPARISONS:
        method = _compare_inplace_method(name)
        for spelling in (name, *_ALIASES.get(name, ())):
            setattr(Tensor, spelling + "_", method)
