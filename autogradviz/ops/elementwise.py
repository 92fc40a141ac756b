"""Elementwise ops: arithmetic, math functions, activations, comparisons, dtype conversion."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor
from .common import operand
from .registry import OUT, OpDef, apply, unary_function

# ---------------------------------------------------------------------------------------------
# Arithmetic. Rules never mention broadcasting: the engine sums each gradient back to its
# input's shape in one shared helper (autograd.xp.sum_to).
# ---------------------------------------------------------------------------------------------
ADD = OpDef("add", "AddBackward0",
            inputs=("input", "other"), expression="{input} + {{alpha} × }{other}", reflected="{other} + {input}",
            rules=("∂{out}/∂{input} = 1", "∂{out}/∂{other} = {alpha=1}"),
            sends=(None, "{{alpha} × }{grad}"),
            functions=("add",), methods=("add",), inplace=("add",),
            forward=lambda a, b, alpha=1, reflected=False: a + b if alpha == 1 else a + alpha * b,
            vjps=(lambda xp, g, c: g,
                  lambda xp, g, c: g if c.params.get("alpha", 1) == 1 else g * c.alpha))

SUB = OpDef("sub", "SubBackward0",
            inputs=("input", "other"), expression="{input} − {{alpha} × }{other}",
            rules=("∂{out}/∂{input} = 1", "∂{out}/∂{other} = −{alpha=1}"),
            sends=(None, "−{{alpha} × }{grad}"),
            functions=("sub", "subtract"), methods=("sub", "subtract"), inplace=("sub", "subtract"),
            forward=lambda a, b, alpha=1: a - b if alpha == 1 else a - alpha * b,
            vjps=(lambda xp, g, c: g,
                  lambda xp, g, c: -g if c.params.get("alpha", 1) == 1 else -g * c.alpha))

# The number is a parameter, not an input: as in PyTorch, RsubBackward1 has one edge.
RSUB = OpDef("rsub", "RsubBackward1",
             inputs=("input",), expression="{other} − {input}",
             rules=("∂{out}/∂{input} = −1",),
             functions=("rsub",),
             forward=lambda a, other: other - a,
             vjps=(lambda xp, g, c: -g,))

MUL = OpDef("mul", "MulBackward0",
            inputs=("input", "other"), expression="{input} × {other}", reflected="{other} × {input}",
            rules=("∂{out}/∂{input} = {other}", "∂{out}/∂{other} = {input}"),
            functions=("mul", "multiply"), methods=("mul", "multiply"), inplace=("mul", "multiply"),
            forward=lambda a, b, reflected=False: a * b,
            vjps=(lambda xp, g, c: g * c.b, lambda xp, g, c: g * c.a),
            saves=(0, 1), reads=((1,), (0,)))

DIV = OpDef("div", "DivBackward0",
            inputs=("input", "other"), expression="{input} / {other}",
            rules=("∂{out}/∂{input} = 1/{other}", "∂{out}/∂{other} = −{input}/{other}²"),
            sends=("{grad}/{other}", "−{grad} × {input}/{other}²"),
            functions=("div", "divide", "true_divide"), methods=("div", "divide", "true_divide"), inplace=("div", "divide", "true_divide"),
            forward=lambda a, b: a / b,
            vjps=(lambda xp, g, c: g / c.b, lambda xp, g, c: -g * c.a / (c.b * c.b)),
            saves=(0, 1), dtype="float", reads=((1,), (0, 1)))

NEG = OpDef("neg", "NegBackward0",
            inputs=("input",), expression="−{input}",
            rules=("∂{out}/∂{input} = −1",),
            functions=("neg", "negative"), methods=("neg", "negative"), inplace=("neg", "negative"),
            forward=lambda a: -a,
            vjps=(lambda xp, g, c: -g,), dtype="same")

RECIPROCAL = OpDef("reciprocal", "ReciprocalBackward0",
                   inputs=("input",), expression="1/{input}",
                   rules=("∂{out}/∂{input} = −1/{input}²",),
                   sends=("−{grad}/{input}²",),
                   functions=("reciprocal",), methods=("reciprocal",), inplace=("reciprocal",),
                   forward=lambda a: 1.0 / a,
                   vjps=(lambda xp, g, c: -g * c.out * c.out,), save_out=True, dtype="float")


def _pow_scalar_grad(xp, g, c):
    p = c.exponent
    if p == 0:
        return g * 0
    return g * (p * c.a ** (p - 1))


POW = OpDef("pow", "PowBackward0",
            inputs=("input",), expression="{input} ^ {exponent}",
            rules=("∂{out}/∂{input} = {exponent} × {input} ^ ({exponent} − 1)",),
            functions=("pow", "square"), methods=("pow", "square"), inplace=("pow", "square"),
            forward=lambda a, exponent: a ** exponent,
            vjps=(_pow_scalar_grad,), saves=(0,))


def _pow_base_grad(xp, g, c):
    # b·aᵇ⁻¹; where b = 0 the exponent is taken as 1, so that 0⁰ has derivative 0·0¹ = 0 (as in
    # PyTorch) rather than 0·0⁻¹ = nan
    b = c.b
    return g * (b * c.a ** xp.where(b == 0, b * 0 + 1, b - 1))


def _pow_exponent_grad(xp, g, c):
    # aᵇ·ln a, but 0 where a = 0 and b ≥ 0 (aᵇ is 0 or 1 there, flat in b), as PyTorch
    flat = (c.a == 0) & (c.b >= 0)
    return g * xp.where(flat, c.out * 0, c.out * xp.log(xp.where(flat, c.a * 0 + 1, c.a)))


POW_TENSOR = OpDef("pow_tensor", "PowBackward1",
                   inputs=("input", "exponent"), expression="{input} ^ {exponent}",
                   rules=("∂{out}/∂{input} = {exponent} × {input} ^ ({exponent} − 1)",
                          "∂{out}/∂{exponent} = {input} ^ {exponent} × ln({input})"),
                   forward=lambda a, b: a ** b,
                   vjps=(_pow_base_grad, _pow_exponent_grad),
                   saves=(0, 1), save_out=True, reads=((0, 1), (0, 1, OUT)))


def _rpow_grad(xp, g, c):
    if c.input == 0:  # 0ᵃ is flat (0 for a > 0): PyTorch's derivative is 0, not 0·ln 0
        return g * 0
    return g * c.out * float(np.log(c.input))


# The base is a parameter (PowBackward2 has one edge, as in PyTorch); pow() gives the output dtype
# from both operands: 2 ** int_tensor is int64, 2.0 ** int_tensor is float32.
RPOW = OpDef("rpow", "PowBackward2",
             inputs=("exponent",), expression="{input} ^ {exponent}",
             rules=("∂{out}/∂{exponent} = {input} ^ {exponent} × ln({input})",),
             forward=lambda exponent, input: np.power(input, exponent),
             vjps=(_rpow_grad,),
             save_out=True)

# ---------------------------------------------------------------------------------------------
# Math functions and activations
# ---------------------------------------------------------------------------------------------
EXP = OpDef("exp", "ExpBackward0",
            inputs=("input",), expression="exp({input})",
            rules=("∂{out}/∂{input} = exp({input})",),
            functions=("exp",), methods=("exp",), inplace=("exp",), forward=np.exp,
            vjps=(lambda xp, g, c: g * c.out,), save_out=True, dtype="float")
LOG = OpDef("log", "LogBackward0",
            inputs=("input",), expression="log({input})",
            rules=("∂{out}/∂{input} = 1/{input}",),
            sends=("{grad}/{input}",),
            functions=("log",), methods=("log",), inplace=("log",), forward=np.log,
            vjps=(lambda xp, g, c: g / c.a,), saves=(0,), dtype="float")
SIN = OpDef("sin", "SinBackward0",
            inputs=("input",), expression="sin({input})",
            rules=("∂{out}/∂{input} = cos({input})",),
            functions=("sin",), methods=("sin",), inplace=("sin",), forward=np.sin,
            vjps=(lambda xp, g, c: g * xp.cos(c.a),), saves=(0,), dtype="float")
COS = OpDef("cos", "CosBackward0",
            inputs=("input",), expression="cos({input})",
            rules=("∂{out}/∂{input} = −sin({input})",),
            sends=("−{grad} × sin({input})",),
            functions=("cos",), methods=("cos",), inplace=("cos",), forward=np.cos,
            vjps=(lambda xp, g, c: -g * xp.sin(c.a),), saves=(0,), dtype="float")
TAN = OpDef("tan", "TanBackward0",
            inputs=("input",), expression="tan({input})",
            rules=("∂{out}/∂{input} = 1 + tan({input})²",),
            functions=("tan",), methods=("tan",), inplace=("tan",), forward=np.tan,
            vjps=(lambda xp, g, c: g * (1 + c.out * c.out),), save_out=True, dtype="float")
TANH = OpDef("tanh", "TanhBackward0",
             inputs=("input",), expression="tanh({input})",
             rules=("∂{out}/∂{input} = 1 − tanh({input})²",),
             functions=("tanh",), methods=("tanh",), inplace=("tanh",), forward=np.tanh,
             vjps=(lambda xp, g, c: g * (1 - c.out * c.out),), save_out=True, dtype="float")


ATAN2 = OpDef("atan2", "Atan2Backward0",
              inputs=("input", "other"), expression="atan2({input}, {other})",
              rules=("∂{out}/∂{input} = {other}/({input}² + {other}²)",
                     "∂{out}/∂{other} = −{input}/({input}² + {other}²)"),
              sends=(None, "−{grad} × {input}/({input}² + {other}²)"),
              functions=("atan2", "arctan2"), methods=("atan2", "arctan2"), inplace=("atan2", "arctan2"),
              forward=np.arctan2,
              vjps=(lambda xp, g, c: g * c.b / (c.a * c.a + c.b * c.b),
                    lambda xp, g, c: -g * c.a / (c.a * c.a + c.b * c.b)),
              saves=(0, 1), dtype="float")


def atan2(input, other, *, out=None):
    """The angle of the point (other, input) in radians, in (−π, π]: arctan(input / other) in the
    right quadrant."""
    for position, (arg, x) in enumerate((("input", input), ("other", other)), start=1):
        if not isinstance(x, Tensor):
            raise TypeError(f"atan2(): argument '{arg}' (position {position}) must be Tensor, not {type(x).__name__}")
    return apply(ATAN2, (input, other))


arctan2 = atan2


def _sigmoid(a):
    # Stable for large |a|: never exponentiates a positive number.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(np.result_type(a, np.float32), copy=False)


SIGMOID = OpDef("sigmoid", "SigmoidBackward0",
                inputs=("input",), expression="sigmoid({input})",
                rules=("∂{out}/∂{input} = sigmoid({input}) × (1 − sigmoid({input}))",),
                functions=("sigmoid",), methods=("sigmoid",), inplace=("sigmoid",), forward=_sigmoid,
                vjps=(lambda xp, g, c: g * c.out * (1 - c.out),), save_out=True, dtype="float")
RELU = OpDef("relu", "ReluBackward0",
             inputs=("input",), expression="relu({input})",
             rules=("∂{out}/∂{input} = 1 where {input} > 0, else 0",),
             sends=("{grad} where {input} > 0, else 0",),
             functions=("relu", "relu_"), methods=("relu",), inplace=("relu",), forward=lambda a: np.maximum(a, 0),
             # under create_graph the gradient is in the graph of out too, as PyTorch's
             # threshold_backward(grad, out); a NaN passes the gradient on, as there
             vjps=(lambda xp, g, c: xp.threshold_grad(g, c.out),), save_out=True, dtype="same")
LOG1P = OpDef("log1p", "Log1PBackward0",
              inputs=("input",), expression="log1p({input})",
              rules=("∂{out}/∂{input} = 1/(1 + {input})",),
              sends=("{grad}/(1 + {input})",),
              functions=("log1p",), methods=("log1p",), inplace=("log1p",), forward=np.log1p,
              vjps=(lambda xp, g, c: g / (c.a + 1),), saves=(0,),
              dtype="float")
EXPM1 = OpDef("expm1", "Expm1Backward0",
              inputs=("input",), expression="expm1({input})",
              rules=("∂{out}/∂{input} = exp({input})",),
              functions=("expm1",), methods=("expm1",), inplace=("expm1",), forward=np.expm1,
              vjps=(lambda xp, g, c: g * (c.out + 1),), save_out=True,
              dtype="float")
LOG2 = OpDef("log2", "Log2Backward0",
             inputs=("input",), expression="log2({input})",
             rules=("∂{out}/∂{input} = 1/({input} × ln 2)",),
             sends=("{grad}/({input} × ln 2)",),
             functions=("log2",), methods=("log2",), inplace=("log2",), forward=np.log2,
             vjps=(lambda xp, g, c: g / (c.a * float(np.log(2.0))),), saves=(0,), dtype="float")
LOG10 = OpDef("log10", "Log10Backward0",
              inputs=("input",), expression="log10({input})",
              rules=("∂{out}/∂{input} = 1/({input} × ln 10)",),
              sends=("{grad}/({input} × ln 10)",),
              functions=("log10",), methods=("log10",), inplace=("log10",), forward=np.log10,
              vjps=(lambda xp, g, c: g / (c.a * float(np.log(10.0))),), saves=(0,), dtype="float")
RSQRT = OpDef("rsqrt", "RsqrtBackward0",
              inputs=("input",), expression="rsqrt({input})",
              rules=("∂{out}/∂{input} = −1/(2 × {input} × sqrt({input}))",),
              sends=("−{grad}/(2 × {input} × sqrt({input}))",),
              functions=("rsqrt",), methods=("rsqrt",), inplace=("rsqrt",), forward=lambda a: 1 / np.sqrt(a),
              vjps=(lambda xp, g, c: g * -0.5 * c.out * c.out * c.out,), save_out=True, dtype="float")
SQRT = OpDef("sqrt", "SqrtBackward0",
             inputs=("input",), expression="sqrt({input})",
             rules=("∂{out}/∂{input} = 1/(2 × sqrt({input}))",),
             sends=("{grad}/(2 × sqrt({input}))",),
             functions=("sqrt",), methods=("sqrt",), inplace=("sqrt",), forward=np.sqrt,
             vjps=(lambda xp, g, c: g / (2 * c.out),), save_out=True, dtype="float")
ABS = OpDef("abs", "AbsBackward0",
            inputs=("input",), expression="abs({input})",
            rules=("∂{out}/∂{input} = sign({input})",),
            functions=("abs", "absolute"), methods=("abs", "absolute"), inplace=("abs", "absolute"), forward=np.abs,
            vjps=(lambda xp, g, c: g * xp.sign(c.a),), saves=(0,), dtype="same")
SIGN = OpDef("sign", "SignBackward0",
             inputs=("input",), expression="sign({input})",
             rules=("∂{out}/∂{input} = 0",),
             functions=("sign",), methods=("sign",), inplace=("sign",), forward=np.sign,
             vjps=(lambda xp, g, c: g * 0,), dtype="same")
FLOOR = OpDef("floor", "FloorBackward0",
              inputs=("input",), expression="floor({input})",
              rules=("∂{out}/∂{input} = 0",),
              functions=("floor",), methods=("floor",), inplace=("floor",), forward=np.floor,
              vjps=(lambda xp, g, c: g * 0,), dtype="same")
CEIL = OpDef("ceil", "CeilBackward0",
             inputs=("input",), expression="ceil({input})",
             rules=("∂{out}/∂{input} = 0",),
             functions=("ceil",), methods=("ceil",), inplace=("ceil",), forward=np.ceil,
             vjps=(lambda xp, g, c: g * 0,), dtype="same")
ROUND = OpDef("round", "RoundBackward0",
              inputs=("input",), expression="round({input})",
              rules=("∂{out}/∂{input} = 0",),
              functions=("round",), methods=("round",), inplace=("round",), forward=np.round,
              vjps=(lambda xp, g, c: g * 0,), dtype="same")


def _clamp_forward(a, min=None, max=None):
    return np.clip(a, min, max)


def _clamp_grad(xp, g, c):
    a, lo, hi = c.a, c.params.get("min"), c.params.get("max")
    if lo is not None and hi is not None:
        return g * ((a >= lo) * (a <= hi))
    if lo is not None:
        return g * (a >= lo)
    return g * (a <= hi)


CLAMP = OpDef("clamp", "ClampBackward1",
              inputs=("input",), expression="clamp({input}{, min={min}}{, max={max}})",
              rules=("∂{out}/∂{input} = 1 where {min=−∞} ≤ {input} ≤ {max=∞}, else 0",),
              sends=("{grad} where {min=−∞} ≤ {input} ≤ {max=∞}, else 0",),
              functions=("clamp", "clip"), methods=("clamp", "clip"), inplace=("clamp", "clip"), forward=_clamp_forward,
              vjps=(_clamp_grad,), saves=(0,), dtype="same")
CLAMP_MIN = OpDef("clamp_min", "ClampMinBackward0",
                  inputs=("input",), expression="clamp_min({input}, {min})",
                  rules=("∂{out}/∂{input} = 1 where {input} ≥ {min}, else 0",),
                  sends=("{grad} where {input} ≥ {min}, else 0",),
                  functions=("clamp_min",), methods=("clamp_min",), inplace=("clamp_min",), forward=lambda a, min: np.maximum(a, min),
                  vjps=(lambda xp, g, c: g * (c.a >= c.params["min"]),),
                  saves=(0,), dtype="same")
CLAMP_MAX = OpDef("clamp_max", "ClampMaxBackward0",
                  inputs=("input",), expression="clamp_max({input}, {max})",
                  rules=("∂{out}/∂{input} = 1 where {input} ≤ {max}, else 0",),
                  sends=("{grad} where {input} ≤ {max}, else 0",),
                  functions=("clamp_max",), methods=("clamp_max",), inplace=("clamp_max",), forward=lambda a, max: np.minimum(a, max),
                  vjps=(lambda xp, g, c: g * (c.a <= c.params["max"]),),
                  saves=(0,), dtype="same")


def _clamp_t_forward(a, lo, hi):
    if lo is not None:
        a = np.maximum(a, lo)
    return a if hi is None else np.minimum(a, hi)


def _clamp_t_input_grad(xp, g, c):
    a, lo, hi = c.inputs
    if lo is not None and hi is not None:
        return g * ((a >= lo) & (a <= hi))
    return g * ((a >= lo) if lo is not None else (a <= hi))


def _clamp_t_min_grad(xp, g, c):
    a, lo, hi = c.inputs
    return g * ((a < lo) if hi is None else (a < lo) & (lo < hi))


def _clamp_t_max_grad(xp, g, c):
    a, lo, hi = c.inputs
    return g * ((a > hi) if lo is None else (a > hi) | (hi < lo))


CLAMP_MIN_T = OpDef("clamp_min_tensor", "ClampMinBackward1",
                    inputs=("input", "min"), expression="clamp_min({input}, {min})",
                    rules=("∂{out}/∂{input} = 1 where {input} ≥ {min}, else 0",
                           "∂{out}/∂{min} = 1 where {input} < {min}, else 0"),
                    sends=("{grad} where {input} ≥ {min}, else 0",
                           "{grad} where {input} < {min}, else 0"), forward=lambda a, lo: np.maximum(a, lo),
                    vjps=(lambda xp, g, c: g * (c.a >= c.b), lambda xp, g, c: g * (c.a < c.b)),
                    saves=(0, 1))
CLAMP_MAX_T = OpDef("clamp_max_tensor", "ClampMaxBackward1",
                    inputs=("input", "max"), expression="clamp_max({input}, {max})",
                    rules=("∂{out}/∂{input} = 1 where {input} ≤ {max}, else 0",
                           "∂{out}/∂{max} = 1 where {input} > {max}, else 0"),
                    sends=("{grad} where {input} ≤ {max}, else 0",
                           "{grad} where {input} > {max}, else 0"), forward=lambda a, hi: np.minimum(a, hi),
                    vjps=(lambda xp, g, c: g * (c.a <= c.b), lambda xp, g, c: g * (c.a > c.b)),
                    saves=(0, 1))


# clamp with tensor bounds: the bounds are inputs of their own (None when not given), as in
# PyTorch's ClampBackward0. A bound gets the gradient where it is the value taken, the input where
# it lies within [min, max] (ties go to the input).
CLAMP_TENSOR = OpDef("clamp_tensor", "ClampBackward0",
                     inputs=("input", "min", "max"), expression="clamp({input}{, min={min}}{, max={max}})",
                     rules=("∂{out}/∂{input} = 1 where {min=−∞} ≤ {input} ≤ {max=∞}, else 0",
                            "∂{out}/∂{min} = 1 where {input} < {min}, else 0",
                            "∂{out}/∂{max} = 1 where {input} > {max}, else 0"),
                     sends=("{grad} where {min=−∞} ≤ {input} ≤ {max=∞}, else 0",
                            "{grad} where {input} < {min}, else 0",
                            "{grad} where {input} > {max}, else 0"), forward=_clamp_t_forward,
                     vjps=(_clamp_t_input_grad, _clamp_t_min_grad, _clamp_t_max_grad),
                     saves=(0, 1, 2), dtype="same")

MAXIMUM = OpDef("maximum", "MaximumBackward0",
                inputs=("input", "other"), expression="maximum({input}, {other})",
                rules=("∂{out}/∂{input} = 1 where {input} > {other}, ½ where equal, else 0",
                       "∂{out}/∂{other} = 1 where {input} < {other}, ½ where equal, else 0"),
                sends=("{grad} where {input} > {other}, ½ × {grad} where equal, else 0",
                       "{grad} where {input} < {other}, ½ × {grad} where equal, else 0"),
                functions=("maximum",), methods=("maximum",), forward=np.maximum,
                vjps=(lambda xp, g, c: g * ((c.a > c.b) + (c.a == c.b) * 0.5),
                      lambda xp, g, c: g * ((c.b > c.a) + (c.a == c.b) * 0.5)),
                saves=(0, 1))
MINIMUM = OpDef("minimum", "MinimumBackward0",
                inputs=("input", "other"), expression="minimum({input}, {other})",
                rules=("∂{out}/∂{input} = 1 where {input} < {other}, ½ where equal, else 0",
                       "∂{out}/∂{other} = 1 where {input} > {other}, ½ where equal, else 0"),
                sends=("{grad} where {input} < {other}, ½ × {grad} where equal, else 0",
                       "{grad} where {input} > {other}, ½ × {grad} where equal, else 0"),
                functions=("minimum",), methods=("minimum",), forward=np.minimum,
                vjps=(lambda xp, g, c: g * ((c.a < c.b) + (c.a == c.b) * 0.5),
                      lambda xp, g, c: g * ((c.b < c.a) + (c.a == c.b) * 0.5)),
                saves=(0, 1))

# The condition is a parameter, not an input (it is never differentiated): WhereBackward0 has one
# edge per value operand, as in PyTorch.
WHERE = OpDef("where", "WhereBackward0",
              inputs=("input", "other"), expression="where(condition, {input}, {other})",
              rules=("∂{out}/∂{input} = 1 where condition, else 0",
                     "∂{out}/∂{other} = 1 where not condition, else 0"),
              sends=("{grad} where condition, else 0", "{grad} where not condition, else 0"),
              functions=("where",),
              forward=lambda a, b, condition: np.where(condition, a, b),
              vjps=(lambda xp, g, c: xp.where(c.condition, g, g * 0),
                    lambda xp, g, c: xp.where(c.condition, g * 0, g)))

TO_DTYPE = OpDef("to_dtype", "ToCopyBackward0",
                 inputs=("input",), expression="{input}.to({dtype})",
                 rules=("∂{out}/∂{input} = 1",),
                 sends=("{grad} in the dtype of {input}",), forward=lambda a, dtype: a.astype(dtype.np),
                 vjps=(lambda xp, g, c: g,), dtype="same")
CLONE = OpDef("clone", "CloneBackward0",
              inputs=("input",), expression="clone({input})",
              rules=("∂{out}/∂{input} = 1",),
              functions=("clone",), methods=("clone",), forward=lambda a: a.copy(),
              vjps=(lambda xp, g, c: g,), dtype="same")
FILL = OpDef("fill", "FillBackward2",
             inputs=("input",), expression="fill({input}, {value})",
             rules=("∂{out}/∂{input} = 0",), forward=lambda a, value: np.full_like(a, value),
             vjps=(lambda xp, g, c: g * 0,), dtype="same")
ZERO = OpDef("zero", "ZeroBackward0",
             inputs=("input",), expression="zero({input})",
             rules=("∂{out}/∂{input} = 0",), forward=lambda a: np.zeros_like(a),
             vjps=(lambda xp, g, c: g * 0,), dtype="same")
COPY = OpDef("copy_from", "CopyBackwards",
             inputs=("input", "src"), expression="copy of {src} into {input}",
             rules=("∂{out}/∂{input} = 0",
                    "∂{out}/∂{src} = 1"), forward=lambda a, src: np.broadcast_to(src, np.shape(a)).astype(a.dtype),
             vjps=(lambda xp, g, c: g * 0, lambda xp, g, c: g),
             dtype="same")


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------
def _binary(op, name):
    def fn(input, other, *, out=None):
        return apply(op, (input, operand(other, name)))
    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name} with broadcasting (grad_fn {op.backward})."
    fn.op = op
    return fn


mul = multiply = _binary(MUL, "mul")
div_true = _binary(DIV, "div")
maximum = _binary(MAXIMUM, "maximum")
minimum = _binary(MINIMUM, "minimum")


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, with broadcasting."""
    return apply(ADD, (input, operand(other, "add")), {"alpha": alpha} if alpha != 1 else None)


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other, with broadcasting."""
    return apply(SUB, (input, operand(other, "sub")), {"alpha": alpha} if alpha != 1 else None)


subtract = sub
add.op, sub.op = ADD, SUB

_REFLECTED = {"reflected": True}   # ``2 * x`` runs mul(x, 2), and its picture reads 2 × x


def reflected_add(input, other):
    """``other + input`` for a number on the left (``Tensor.__radd__``)."""
    return apply(ADD, (input, operand(other, "add")), _REFLECTED)


def reflected_mul(input, other):
    """``other * input`` for a number on the left (``Tensor.__rmul__``)."""
    return apply(MUL, (input, operand(other, "mul")), _REFLECTED)


def rsub(input, other):
    """other - input (what ``2 - x`` calls)."""
    from ..tensor import Tensor
    if isinstance(other, Tensor):
        return sub(other, input)
    other = operand(other, "rsub")
    return apply(RSUB, (input,), {"other": other}, out_dtype=D.result_type(input, other))


def div(input, other, *, rounding_mode=None, out=None):
    """True division (ints give float32), or floor/trunc division with ``rounding_mode``."""
    if rounding_mode is None:
        return apply(DIV, (input, operand(other, "div")))
    q = apply(DIV, (input, operand(other, "div")))
    res = floor(q) if rounding_mode == "floor" else q.sign() * floor(q.abs())
    from ..tensor import Tensor
    if not (input.dtype.is_floating_point or (isinstance(other, Tensor) and other.dtype.is_floating_point)
            or isinstance(other, float)):
        res = res.to(D.result_type(input, other))
    return res


true_divide = divide = div


def neg(input):
    """-input."""
    _require_tensor(input, "neg")
    if input.dtype is D.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
            "mask, use the `~` or `logical_not()` operator instead.")
    return apply(NEG, (input,))


negative = neg


def reciprocal(input):
    """1 / input."""
    _require_tensor(input, "reciprocal")
    return apply(RECIPROCAL, (input,))


def _is_integer(x) -> bool:
    """An integer (not bool, not floating) tensor or number."""
    if isinstance(x, Tensor):
        return x.dtype._category == 1
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _check_negative_int_power(base, exponent) -> None:
    """PyTorch refuses an integer to a negative integer power (the result is not an integer)."""
    if _is_integer(base) and _is_integer(exponent):
        e = exponent._data if isinstance(exponent, Tensor) else exponent
        if np.any(np.asarray(e) < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")


def pow(input, exponent):
    """input ** exponent; either may be a tensor or a number."""
    from ..tensor import Tensor
    if not isinstance(input, Tensor):
        if not isinstance(exponent, Tensor):
            raise TypeError(f"pow(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        operand(input, "pow", "self", 1)
        _check_negative_int_power(input, exponent)
        return apply(RPOW, (exponent,), {"input": input}, out_dtype=D.result_type(exponent, input))
    if isinstance(exponent, Tensor):
        _check_negative_int_power(input, exponent)
        return apply(POW_TENSOR, (input, exponent))
    operand(exponent, "pow", "exponent")
    _check_negative_int_power(input, exponent)
    if not input.dtype.is_floating_point and isinstance(exponent, float):
        input = input.to(D.default_float())
    return apply(POW, (input,), {"exponent": exponent})


def square(input):
    return pow(input, 2)


def _require_tensor(input, name) -> None:
    from ..tensor import Tensor
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _unary(op, name, doc):
    fn = unary_function(op, name)
    fn.__name__ = name
    fn.__doc__ = doc
    fn.op = op
    return fn


exp = _unary(EXP, "exp", "e to the power of each element.")
log = _unary(LOG, "log", "Natural logarithm of each element.")
sin = _unary(SIN, "sin", "Sine of each element.")
cos = _unary(COS, "cos", "Cosine of each element.")
tan = _unary(TAN, "tan", "Tangent of each element.")
tanh = _unary(TANH, "tanh", "Hyperbolic tangent of each element.")
sigmoid = _unary(SIGMOID, "sigmoid", "The logistic function 1 / (1 + e^-x) of each element.")
relu = _unary(RELU, "relu", "max(x, 0) of each element.")
sqrt = _unary(SQRT, "sqrt", "Square root of each element.")
rsqrt = _unary(RSQRT, "rsqrt", "1 / sqrt(x) of each element.")
log1p = _unary(LOG1P, "log1p", "log(1 + x) of each element, accurate for small x.")
expm1 = _unary(EXPM1, "expm1", "exp(x) - 1 of each element, accurate for small x.")
log2 = _unary(LOG2, "log2", "Base-2 logarithm of each element.")
log10 = _unary(LOG10, "log10", "Base-10 logarithm of each element.")
abs = _unary(ABS, "abs", "Absolute value of each element.")
sign = _unary(SIGN, "sign", "-1, 0 or 1 by the sign of each element.")
floor = _unary(FLOOR, "floor", "Largest integer not above each element.")
ceil = _unary(CEIL, "ceil", "Smallest integer not below each element.")
round = _unary(ROUND, "round", "Each element rounded to the nearest integer (half to even).")
absolute = abs


def relu_(input):
    """relu in place: ``input`` is changed and returned."""
    return input.relu_()


def clamp(input, min=None, max=None):
    """Limit each element to [min, max]; the gradient is 1 inside and 0 outside."""
    from ..tensor import Tensor
    _require_tensor(input, "clamp")
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_tensor(input, min, max)
    params = {}
    if min is not None:
        params["min"] = operand(min, "clamp", "min")
    if max is not None:
        params["max"] = operand(max, "clamp", "max")
    return apply(CLAMP, (input,), params)


def _clamp_tensor(input, min, max):
    lo = None if min is None else operand(min, "clamp", "min")
    hi = None if max is None else operand(max, "clamp", "max")
    out_dtype = D.result_type(*[x for x in (input, lo, hi) if x is not None])
    return apply(CLAMP_TENSOR, (input, lo, hi), out_dtype=out_dtype)


clip = clamp


def clamp_min(input, min):
    """max(input, min) elementwise."""
    from ..tensor import Tensor
    _require_tensor(input, "clamp_min")
    if isinstance(min, Tensor):
        return apply(CLAMP_MIN_T, (input, min))
    return apply(CLAMP_MIN, (input,), {"min": operand(min, "clamp_min", "min")})


def clamp_max(input, max):
    """min(input, max) elementwise."""
    from ..tensor import Tensor
    _require_tensor(input, "clamp_max")
    if isinstance(max, Tensor):
        return apply(CLAMP_MAX_T, (input, max))
    return apply(CLAMP_MAX, (input,), {"max": operand(max, "clamp_max", "max")})


def where(condition, input=None, other=None):
    """Elementwise choice: ``input`` where ``condition`` holds, else ``other``."""
    from ..creation import as_tensor
    from .registry import broadcast_error
    if input is None and other is None:
        return tuple(as_tensor(i) for i in np.nonzero(condition._data))
    cond = condition if isinstance(condition, Tensor) else as_tensor(np.asarray(condition))
    if cond.dtype is not D.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {cond.dtype.scalar_name}")
    a, b = operand(input, "where", "input", 2), operand(other, "where", "other", 3)
    shapes = [cond._data.shape, np.shape(getattr(a, "_data", a)), np.shape(getattr(b, "_data", b))]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise broadcast_error(shapes) from None
    return apply(WHERE, (a, b), {"condition": cond._data})


def to_dtype(input, dtype):
    return apply(TO_DTYPE, (input,), {"dtype": dtype}, out_dtype=dtype)


def clone(input, *, memory_format=None):
    """A copy that stays in the graph (gradients flow through it)."""
    return apply(CLONE, (input,))




# ---------------------------------------------------------------------------------------------
# Comparisons and logic: not differentiable, bool results
# ---------------------------------------------------------------------------------------------
def _compare(ufunc, name, aliases=(), method=True):
    names = (name, *aliases)
    op = OpDef(name, "", forward=ufunc, vjps=(), inputs=("input", "other"), functions=names,
               methods=names if method else (), output=lambda d: D.bool_)

    def fn(input, other, *, out=None):
        return apply(op, (input, operand(other, name)))
    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name}; a bool tensor."
    return fn


eq = _compare(np.equal, "eq")
ne = not_equal = _compare(np.not_equal, "ne", ("not_equal",))
lt = less = _compare(np.less, "lt", ("less",))
le = less_equal = _compare(np.less_equal, "le", ("less_equal",))
gt = greater = _compare(np.greater, "gt", ("greater",))
ge = greater_equal = _compare(np.greater_equal, "ge", ("greater_equal",))
logical_and = _compare(np.logical_and, "logical_and")
logical_or = _compare(np.logical_or, "logical_or")
logical_xor = _compare(np.logical_xor, "logical_xor", method=False)


def _test(ufunc, name):
    return OpDef(name, "", forward=ufunc, vjps=(), inputs=("input",), functions=(name,), methods=(name,),
                 output=lambda d: D.bool_)


_NOT = _test(np.logical_not, "logical_not")
_ISNAN = _test(np.isnan, "isnan")
_ISINF = _test(np.isinf, "isinf")
_ISFINITE = _test(np.isfinite, "isfinite")


def _bitwise(ufunc, name):
    op = OpDef(name, "", forward=ufunc, vjps=(), inputs=("input", "other"), functions=(name,))

    def fn(input, other):
        from ..tensor import Tensor
        for x in (input, other):
            if isinstance(x, Tensor) and x.dtype.is_floating_point:
                raise TypeError(f"{name} is only supported for integer and bool tensors, got {x.dtype}")
        return apply(op, (input, operand(other, name)))
    fn.__name__ = name
    return fn


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")
# remainder(a, b) = a − b·⌊a/b⌋: by a number (RemainderBackward0, the number a parameter), or by
# a tensor (RemainderBackward1, which also sends −grad·⌊a/b⌋ to b, as PyTorch does).
_REMAINDER = OpDef("remainder", "RemainderBackward0",
                   inputs=("input",), expression="remainder({input}, {other})",
                   rules=("∂{out}/∂{input} = 1",),
                   functions=("remainder",), methods=("remainder",), inplace=("remainder",), forward=lambda a, other: np.mod(a, other),
                   vjps=(lambda xp, g, c: g,))
_REMAINDER_TENSOR = OpDef("remainder_tensor", "RemainderBackward1",
                          inputs=("input", "other"), expression="remainder({input}, {other})",
                          rules=("∂{out}/∂{input} = 1", "∂{out}/∂{other} = −⌊{input}/{other}⌋"),
                          sends=(None, "−{grad} × ⌊{input}/{other}⌋"),
                          forward=np.mod,
                          vjps=(lambda xp, g, c: g, lambda xp, g, c: -g * xp.floor(c.a / c.b)),
                          saves=(0, 1), reads=((), (0, 1)))


def remainder(input, other):
    """input − other·⌊input/other⌋ (Python's %: the result takes the sign of ``other``)."""
    if isinstance(other, Tensor):
        return apply(_REMAINDER_TENSOR, (input, other))
    other = operand(other, "remainder")
    return apply(_REMAINDER, (input,), {"other": other}, out_dtype=D.result_type(input, other))


def floor_divide(input, other):
    return div(input, other, rounding_mode="floor")


def logical_not(input):
    return apply(_NOT, (input,))


def bitwise_not(input):
    if input.dtype is D.bool_:
        return logical_not(input)
    if input.dtype.is_floating_point:
        raise TypeError(f"bitwise_not is only supported for integer and bool tensors, got {input.dtype}")
    return _from(np.invert(input._data), input.dtype)


def _from(arr, dtype):
    from ..tensor import _make
    return _make(np.asarray(arr), dtype)


def isnan(input):
    return apply(_ISNAN, (input,))


def isinf(input):
    return apply(_ISINF, (input,))


def isfinite(input):
    return apply(_ISFINITE, (input,))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(np.allclose(input._data, getattr(other, "_data", other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _from(np.isclose(input._data, getattr(other, "_data", other), rtol=rtol, atol=atol, equal_nan=equal_nan), D.bool_)


def equal(input, other) -> bool:
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))
