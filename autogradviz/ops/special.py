"""More elementwise functions: inverse trigonometric, hyperbolic, erf, logaddexp and lerp (atan2 is in
elementwise.py).

Each is one ``OpDef`` with PyTorch's grad_fn name and derivative (derivatives.yaml), and its
public function right below it.
"""
from __future__ import annotations

import math

import numpy as np

from .common import operand
from .elementwise import _binary, _unary
from .registry import OpDef, apply

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_erf = np.frompyfunc(math.erf, 1, 1)


def _erf_forward(a):
    """erf elementwise, correctly rounded for float32 (computed in float64 by the C library)."""
    return _erf(a.astype(np.float64, copy=False)).astype(a.dtype) if a.ndim else np.asarray(math.erf(a), a.dtype)


ATAN = OpDef("atan", "AtanBackward0",
             inputs=("input",), expression="atan({input})",
             rules=("∂{out}/∂{input} = 1/(1 + {input}²)",),
             sends=("{grad}/(1 + {input}²)",),
             functions=("atan", "arctan"), methods=("atan", "arctan"), inplace=("atan", "arctan"), forward=np.arctan,
             vjps=(lambda xp, g, c: g / (c.a * c.a + 1),), saves=(0,), dtype="float")
ASIN = OpDef("asin", "AsinBackward0",
             inputs=("input",), expression="asin({input})",
             rules=("∂{out}/∂{input} = 1/√(1 − {input}²)",),
             sends=("{grad}/√(1 − {input}²)",),
             functions=("asin", "arcsin"), methods=("asin", "arcsin"), inplace=("asin", "arcsin"), forward=np.arcsin,
             vjps=(lambda xp, g, c: g / xp.sqrt(1 - c.a * c.a),), saves=(0,), dtype="float")
ACOS = OpDef("acos", "AcosBackward0",
             inputs=("input",), expression="acos({input})",
             rules=("∂{out}/∂{input} = −1/√(1 − {input}²)",),
             sends=("−{grad}/√(1 − {input}²)",),
             functions=("acos", "arccos"), methods=("acos", "arccos"), inplace=("acos", "arccos"), forward=np.arccos,
             vjps=(lambda xp, g, c: -g / xp.sqrt(1 - c.a * c.a),), saves=(0,), dtype="float")
# cosh and sinh through exp, so that one rule serves NumPy and recorded (double) backward alike.
SINH = OpDef("sinh", "SinhBackward0",
             inputs=("input",), expression="sinh({input})",
             rules=("∂{out}/∂{input} = cosh({input})",),
             functions=("sinh",), methods=("sinh",), inplace=("sinh",), forward=np.sinh,
             vjps=(lambda xp, g, c: g * ((xp.exp(c.a) + xp.exp(-c.a)) * 0.5),), saves=(0,), dtype="float")
COSH = OpDef("cosh", "CoshBackward0",
             inputs=("input",), expression="cosh({input})",
             rules=("∂{out}/∂{input} = sinh({input})",),
             functions=("cosh",), methods=("cosh",), inplace=("cosh",), forward=np.cosh,
             vjps=(lambda xp, g, c: g * ((xp.exp(c.a) - xp.exp(-c.a)) * 0.5),), saves=(0,), dtype="float")
ERF = OpDef("erf", "ErfBackward0",
            inputs=("input",), expression="erf({input})",
            rules=("∂{out}/∂{input} = 2/√π × exp(−{input}²)",),
            functions=("erf",), methods=("erf",), inplace=("erf",), forward=_erf_forward,
            vjps=(lambda xp, g, c: g * (_TWO_OVER_SQRT_PI * xp.exp(-(c.a * c.a))),), saves=(0,), dtype="float")
LOGADDEXP = OpDef("logaddexp", "LogaddexpBackward0",
                  inputs=("input", "other"), expression="log(exp({input}) + exp({other}))",
                  rules=("∂{out}/∂{input} = 1/(1 + exp({other} − {input}))",
                         "∂{out}/∂{other} = 1/(1 + exp({input} − {other}))"),
                  sends=("{grad}/(1 + exp({other} − {input}))", "{grad}/(1 + exp({input} − {other}))"),
                  functions=("logaddexp",), methods=("logaddexp",), forward=np.logaddexp,
                  vjps=(lambda xp, g, c: g / (xp.exp(c.b - c.a) + 1),
                        lambda xp, g, c: g / (xp.exp(c.a - c.b) + 1)),
                  saves=(0, 1), dtype="float")
LERP = OpDef("lerp", "LerpBackward0",
             inputs=("input", "end"), expression="{input} + {weight} × ({end} − {input})",
             rules=("∂{out}/∂{input} = 1 − {weight}", "∂{out}/∂{end} = {weight}"),
             functions=("lerp",), methods=("lerp",), inplace=("lerp",),
             forward=lambda a, b, weight: a + weight * (b - a),
             vjps=(lambda xp, g, c: g * (1 - c.weight), lambda xp, g, c: g * c.weight))
LERP_TENSOR = OpDef("lerp_tensor", "LerpBackward1",
                    inputs=("input", "end", "weight"), expression="{input} + {weight} × ({end} − {input})",
                    rules=("∂{out}/∂{input} = 1 − {weight}", "∂{out}/∂{end} = {weight}",
                           "∂{out}/∂{weight} = {end} − {input}"),
                    forward=lambda a, b, w: a + w * (b - a),
                    vjps=(lambda xp, g, c: g * (1 - c.inputs[2]), lambda xp, g, c: g * c.inputs[2],
                          lambda xp, g, c: g * (c.b - c.a)),
                    saves=(0, 1, 2))

atan = arctan = _unary(ATAN, "atan", "The arctangent of each element.")
asin = arcsin = _unary(ASIN, "asin", "The arcsine of each element (nan outside [−1, 1]).")
acos = arccos = _unary(ACOS, "acos", "The arccosine of each element (nan outside [−1, 1]).")
sinh = _unary(SINH, "sinh", "The hyperbolic sine of each element.")
cosh = _unary(COSH, "cosh", "The hyperbolic cosine of each element.")
erf = _unary(ERF, "erf", "The error function 2/√π ∫₀ˣ exp(−t²) dt of each element.")
logaddexp = _binary(LOGADDEXP, "logaddexp")


def lerp(input, end, weight):
    """input + weight × (end − input), with a number or a tensor as weight."""
    from ..tensor import Tensor
    end = operand(end, "lerp")
    if isinstance(weight, Tensor):
        return apply(LERP_TENSOR, (input, end, weight))
    return apply(LERP, (input, end), {"weight": weight})
