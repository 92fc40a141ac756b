"""More elementwise math course code reaches for: inverse hyperbolic functions, frac, exp2, erfc,
deg2rad/rad2deg, sinc, logit, hypot, logaddexp2, fmax/fmin, nan_to_num (PyTorch's derivatives);
and msort, argwhere, isin, bucketize, positive, built on other functions."""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor
from .elementwise import _binary, _require_tensor, _unary
from .registry import OpDef, apply
from .special import _TWO_OVER_SQRT_PI

_LN2 = math.log(2.0)

ASINH = OpDef("asinh", "AsinhBackward0",
              inputs=("input",), expression="asinh({input})",
              rules=("∂{out}/∂{input} = 1/√({input}² + 1)",),
              sends=("{grad}/√({input}² + 1)",),
              functions=("asinh", "arcsinh"), methods=("asinh", "arcsinh"), inplace=("asinh", "arcsinh"),
              forward=np.arcsinh, vjps=(lambda xp, g, c: g / xp.sqrt(c.a * c.a + 1),), saves=(0,), dtype="float")
ACOSH = OpDef("acosh", "AcoshBackward0",
              inputs=("input",), expression="acosh({input})",
              rules=("∂{out}/∂{input} = 1/√({input}² − 1)",),
              sends=("{grad}/√({input}² − 1)",),
              functions=("acosh", "arccosh"), methods=("acosh", "arccosh"), inplace=("acosh", "arccosh"),
              forward=np.arccosh, vjps=(lambda xp, g, c: g / xp.sqrt(c.a * c.a - 1),), saves=(0,), dtype="float")
ATANH = OpDef("atanh", "AtanhBackward0",
              inputs=("input",), expression="atanh({input})",
              rules=("∂{out}/∂{input} = 1/(1 − {input}²)",),
              sends=("{grad}/(1 − {input}²)",),
              functions=("atanh", "arctanh"), methods=("atanh", "arctanh"), inplace=("atanh", "arctanh"),
              forward=np.arctanh, vjps=(lambda xp, g, c: g / (1 - c.a * c.a),), saves=(0,), dtype="float")
FRAC = OpDef("frac", "FracBackward0",
             inputs=("input",), expression="frac({input})",
             rules=("∂{out}/∂{input} = 1",),
             functions=("frac",), methods=("frac",), inplace=("frac",),
             forward=lambda a: a - np.trunc(a), vjps=(lambda xp, g, c: g,), dtype="same")
EXP2 = OpDef("exp2", "Exp2Backward0",
             inputs=("input",), expression="2 ^ {input}",
             rules=("∂{out}/∂{input} = 2 ^ {input} × ln 2",),
             functions=("exp2",), methods=("exp2",), inplace=("exp2",),
             forward=np.exp2, vjps=(lambda xp, g, c: g * c.out * _LN2,), save_out=True, dtype="float")
ERFC = OpDef("erfc", "ErfcBackward0",
             inputs=("input",), expression="erfc({input})",
             rules=("∂{out}/∂{input} = −2/√π × exp(−{input}²)",),
             sends=("−{grad} × 2/√π × exp(−{input}²)",),
             functions=("erfc",), methods=("erfc",), inplace=("erfc",),
             forward=lambda a: np.asarray(np.frompyfunc(math.erfc, 1, 1)(a.astype(np.float64)), dtype=a.dtype),
             vjps=(lambda xp, g, c: g * (-_TWO_OVER_SQRT_PI * xp.exp(-(c.a * c.a))),), saves=(0,), dtype="float")
DEG2RAD = OpDef("deg2rad", "Deg2RadBackward0",
                inputs=("input",), expression="{input} × π/180",
                rules=("∂{out}/∂{input} = π/180",),
                functions=("deg2rad",), methods=("deg2rad",), inplace=("deg2rad",),
                forward=lambda a: a * (math.pi / 180), vjps=(lambda xp, g, c: g * (math.pi / 180),), dtype="float")
RAD2DEG = OpDef("rad2deg", "Rad2DegBackward0",
                inputs=("input",), expression="{input} × 180/π",
                rules=("∂{out}/∂{input} = 180/π",),
                functions=("rad2deg",), methods=("rad2deg",), inplace=("rad2deg",),
                forward=lambda a: a * (180 / math.pi), vjps=(lambda xp, g, c: g * (180 / math.pi),), dtype="float")


def _sinc(a):
    x = a * math.pi
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(a == 0, np.ones_like(a), np.sin(x) / x).astype(a.dtype, copy=False)


def _sinc_grad(xp, g, c):
    x = c.a * math.pi
    safe = xp.where(c.a == 0, c.a * 0 + 1, c.a)   # 0 where the input is 0, as PyTorch
    slope = (xp.cos(x) * x - xp.sin(x)) / (safe * safe * math.pi)
    return g * xp.where(c.a == 0, c.a * 0, slope)


SINC = OpDef("sinc", "SincBackward0",
             inputs=("input",), expression="sinc({input})",
             rules=("∂{out}/∂{input} = (cos(π × {input}) × π × {input} − sin(π × {input}))/(π × {input}²)",),
             functions=("sinc",), methods=("sinc",), inplace=("sinc",),
             forward=_sinc, vjps=(_sinc_grad,), saves=(0,), dtype="float")


def _logit_forward(a, eps=None):
    z = a if eps is None else np.clip(a, eps, 1 - eps)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(z / (1 - z))


def _logit_grad(xp, g, c):
    a, eps = c.a, c.params.get("eps")
    slope = g / (a * (1 - a))
    if eps is None:
        return slope
    return xp.where((a < eps) | (a > 1 - eps), slope * 0, slope)


LOGIT = OpDef("logit", "LogitBackward0",
              inputs=("input",), expression="logit({input}{, eps={eps}})",
              rules=("∂{out}/∂{input} = 1/({input} × (1 − {input})){, 0 outside [{eps}, 1 − {eps}]}",),
              sends=("{grad}/({input} × (1 − {input})){, 0 outside [{eps}, 1 − {eps}]}",),
              functions=("logit",), methods=("logit",), inplace=("logit",),
              forward=_logit_forward, vjps=(_logit_grad,), saves=(0,), dtype="float")

HYPOT = OpDef("hypot", "HypotBackward0",
              inputs=("input", "other"), expression="√({input}² + {other}²)",
              rules=("∂{out}/∂{input} = {input}/{out}", "∂{out}/∂{other} = {other}/{out}"),
              functions=("hypot",), methods=("hypot",), inplace=("hypot",),
              forward=np.hypot, vjps=(lambda xp, g, c: g * c.a / c.out, lambda xp, g, c: g * c.b / c.out),
              saves=(0, 1), save_out=True, dtype="float")
LOGADDEXP2 = OpDef("logaddexp2", "Logaddexp2Backward0",
                   inputs=("input", "other"), expression="log2(2 ^ {input} + 2 ^ {other})",
                   rules=("∂{out}/∂{input} = 1/(1 + 2 ^ ({other} − {input}))",
                          "∂{out}/∂{other} = 1/(1 + 2 ^ ({input} − {other}))"),
                   sends=("{grad}/(1 + 2 ^ ({other} − {input}))", "{grad}/(1 + 2 ^ ({input} − {other}))"),
                   functions=("logaddexp2",), methods=("logaddexp2",), forward=np.logaddexp2,
                   vjps=(lambda xp, g, c: g / (xp.exp((c.b - c.a) * _LN2) + 1),
                         lambda xp, g, c: g / (xp.exp((c.a - c.b) * _LN2) + 1)),
                   saves=(0, 1), dtype="float")


def _takes_first(a, b, larger: bool):
    """Where fmax (larger) or fmin takes its first operand: where it is at least as large (small) as the
    other, or the other is NaN; the ties go to it, as in PyTorch."""
    return ((a >= b) if larger else (a <= b)) | (b != b)


def _nan_ignoring_extreme(name: str, larger: bool) -> OpDef:
    """fmax (larger) or fmin: maximum/minimum that takes the number over a NaN; ties go to ``input``."""
    keeps, loses = ("≥", "<") if larger else ("≤", ">")
    first, second = (f"{{input}} {keeps} {{other}} or {{other}} is NaN", f"{{input}} {loses} {{other}} or {{input}} is NaN")
    return OpDef(name, f"{name.capitalize()}Backward0",
                 inputs=("input", "other"), expression=f"{name}({{input}}, {{other}})",
                 rules=(f"∂{{out}}/∂{{input}} = 1 where {first}, else 0", f"∂{{out}}/∂{{other}} = 1 where {second}, else 0"),
                 sends=(f"{{grad}} where {first}, else 0", f"{{grad}} where {second}, else 0"),
                 functions=(name,), methods=(name,), forward=np.fmax if larger else np.fmin,
                 vjps=(lambda xp, g, c: g * _takes_first(c.a, c.b, larger),
                       lambda xp, g, c: g * ~_takes_first(c.a, c.b, larger)),
                 saves=(0, 1))


FMAX = _nan_ignoring_extreme("fmax", larger=True)
FMIN = _nan_ignoring_extreme("fmin", larger=False)

NAN_TO_NUM = OpDef("nan_to_num", "NanToNumBackward0",
                   inputs=("input",), expression="nan_to_num({input})",
                   rules=("∂{out}/∂{input} = 1 where {input} is finite, else 0",),
                   sends=("{grad} where {input} is finite, else 0",),
                   functions=("nan_to_num",), methods=("nan_to_num",), inplace=("nan_to_num",),
                   forward=lambda a, nan=0.0, posinf=None, neginf=None: np.nan_to_num(a, nan=nan, posinf=posinf,
                                                                                     neginf=neginf),
                   vjps=(lambda xp, g, c: g * ((c.a == c.a) & (xp.abs(c.a) != math.inf)),), saves=(0,), dtype="same")

asinh = arcsinh = _unary(ASINH, "asinh", "The inverse hyperbolic sine of each element.")
acosh = arccosh = _unary(ACOSH, "acosh", "The inverse hyperbolic cosine of each element (nan below 1).")
atanh = arctanh = _unary(ATANH, "atanh", "The inverse hyperbolic tangent of each element (nan outside [−1, 1]).")

exp2 = _unary(EXP2, "exp2", "2 to the power of each element.")
erfc = _unary(ERFC, "erfc", "The complementary error function 1 − erf(x) of each element.")
deg2rad = _unary(DEG2RAD, "deg2rad", "Each element, an angle in degrees, in radians.")
rad2deg = _unary(RAD2DEG, "rad2deg", "Each element, an angle in radians, in degrees.")
sinc = _unary(SINC, "sinc", "The normalized sinc sin(πx)/(πx) of each element (1 at 0).")
hypot = _binary(HYPOT, "hypot")
logaddexp2 = _binary(LOGADDEXP2, "logaddexp2")
fmax = _binary(FMAX, "fmax")
fmin = _binary(FMIN, "fmin")


def frac(input):
    """The fractional part of each element (its sign is the element's); floating tensors only."""
    _require_tensor(input, "frac")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{input.dtype.scalar_name}'")
    return apply(FRAC, (input,))


def logit(input, eps=None):
    """log(p/(1 − p)) of each element, the inverse of sigmoid (``eps`` clamps p to [eps, 1 − eps])."""
    _require_tensor(input, "logit")
    return apply(LOGIT, (input,), None if eps is None else {"eps": float(eps)})


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN, +inf and −inf replaced by ``nan``, ``posinf`` and ``neginf`` (by default 0 and the dtype's extremes)."""
    _require_tensor(input, "nan_to_num")
    params = {"nan": nan, "posinf": posinf, "neginf": neginf}
    return apply(NAN_TO_NUM, (input,), {k: v for k, v in params.items() if v is not None})


def msort(input):
    """The elements sorted along dim 0 (``sort(input, dim=0).values``)."""
    from .rearrange import sort
    _require_tensor(input, "msort")
    return sort(input, dim=0).values


def argwhere(input):
    """The indices of the non-zero elements, one row each (``nonzero(input)``)."""
    from .rearrange import nonzero
    _require_tensor(input, "argwhere")
    return nonzero(input)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of ``elements`` is among ``test_elements`` (a bool tensor)."""
    from ..tensor import _make
    values = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    tests = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return _make(np.isin(values, tests, invert=invert), D.bool_)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """For each value, the index of the bucket of the sorted 1-D ``boundaries`` it falls in."""
    from .selection import searchsorted
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def positive(input):
    """The input itself (``+input``); refused for a bool tensor, as in PyTorch."""
    _require_tensor(input, "positive")
    if input.dtype is D.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


__all__ = ["argwhere", "bucketize", "isin", "msort", "positive"]
