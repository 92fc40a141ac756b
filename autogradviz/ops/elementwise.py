"""Elementwise ops: arithmetic, math functions, activations, comparisons, dtype conversion."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .common import operand
from .registry import OpDef, apply

# ---------------------------------------------------------------------------------------------
# Arithmetic. Rules never mention broadcasting: the engine sums each gradient back to its
# input's shape in one shared helper (ops.xp.sum_to).
# ---------------------------------------------------------------------------------------------
ADD = OpDef("add", "AddBackward0", "+",
            forward=lambda a, b, alpha=1: a + b if alpha == 1 else a + alpha * b,
            vjps=(lambda xp, g, c: g,
                  lambda xp, g, c: g if c.params.get("alpha", 1) == 1 else g * c.alpha),
            formulas=("∂(a+b)/∂a = 1", "∂(a+b)/∂b = 1"))

SUB = OpDef("sub", "SubBackward0", "−",
            forward=lambda a, b, alpha=1: a - b if alpha == 1 else a - alpha * b,
            vjps=(lambda xp, g, c: g,
                  lambda xp, g, c: -g if c.params.get("alpha", 1) == 1 else -g * c.alpha),
            formulas=("∂(a−b)/∂a = 1", "∂(a−b)/∂b = −1"))

RSUB = OpDef("rsub", "RsubBackward1", "−",
             forward=lambda a, b: b - a,
             vjps=(lambda xp, g, c: -g, None),
             formulas=("∂(c−a)/∂a = −1", None))

MUL = OpDef("mul", "MulBackward0", "×",
            forward=lambda a, b: a * b,
            vjps=(lambda xp, g, c: g * c.b, lambda xp, g, c: g * c.a),
            formulas=("∂(a·b)/∂a = b", "∂(a·b)/∂b = a"),
            saves=(0, 1))

DIV = OpDef("div", "DivBackward0", "÷",
            forward=lambda a, b: a / b,
            vjps=(lambda xp, g, c: g / c.b, lambda xp, g, c: -g * c.a / (c.b * c.b)),
            formulas=("∂(a/b)/∂a = 1/b", "∂(a/b)/∂b = −a/b²"),
            saves=(0, 1), dtype="float")

NEG = OpDef("neg", "NegBackward0", "−",
            forward=lambda a: -a,
            vjps=(lambda xp, g, c: -g,), formulas=("∂(−a)/∂a = −1",), dtype="same")

RECIPROCAL = OpDef("reciprocal", "ReciprocalBackward0", "1/x",
                   forward=lambda a: 1.0 / a,
                   vjps=(lambda xp, g, c: -g * c.out * c.out,), formulas=("∂(1/a)/∂a = −1/a²",),
                   save_out=True, dtype="float")


def _pow_scalar_grad(xp, g, c):
    p = c.exponent
    if p == 0:
        return g * 0
    return g * (p * c.a ** (p - 1))


POW = OpDef("pow", "PowBackward0", "^",
            forward=lambda a, exponent: a ** exponent,
            vjps=(_pow_scalar_grad,), formulas=("∂(aⁿ)/∂a = n·aⁿ⁻¹",), saves=(0,))


def _log_base(xp, a):
    return xp.log(xp.where(a > 0, a, 1) if not hasattr(a, "_data") else xp.where(a > 0, a, a * 0 + 1))


POW_TENSOR = OpDef("pow_tensor", "PowBackward1", "^",
                   forward=lambda a, b: a ** b,
                   vjps=(lambda xp, g, c: g * c.b * c.a ** (c.b - 1),
                         lambda xp, g, c: g * c.out * _log_base(xp, c.a)),
                   formulas=("∂(aᵇ)/∂a = b·aᵇ⁻¹", "∂(aᵇ)/∂b = aᵇ·ln a"),
                   saves=(0, 1), save_out=True)

RPOW = OpDef("rpow", "PowBackward2", "^",
             forward=lambda a, base: np.power(base, a),
             vjps=(lambda xp, g, c: g * c.out * float(np.log(c.base)),),
             formulas=("∂(cᵃ)/∂a = cᵃ·ln c",), save_out=True, dtype="float")

# ---------------------------------------------------------------------------------------------
# Math functions and activations
# ---------------------------------------------------------------------------------------------
EXP = OpDef("exp", "ExpBackward0", "exp", forward=np.exp,
            vjps=(lambda xp, g, c: g * c.out,), formulas=("∂eᵃ/∂a = eᵃ",), save_out=True, dtype="float")
LOG = OpDef("log", "LogBackward0", "log", forward=np.log,
            vjps=(lambda xp, g, c: g / c.a,), formulas=("∂ln a/∂a = 1/a",), saves=(0,), dtype="float")
SIN = OpDef("sin", "SinBackward0", "sin", forward=np.sin,
            vjps=(lambda xp, g, c: g * xp.cos(c.a),), formulas=("∂sin a/∂a = cos a",), saves=(0,), dtype="float")
COS = OpDef("cos", "CosBackward0", "cos", forward=np.cos,
            vjps=(lambda xp, g, c: -g * xp.sin(c.a),), formulas=("∂cos a/∂a = −sin a",), saves=(0,), dtype="float")
TAN = OpDef("tan", "TanBackward0", "tan", forward=np.tan,
            vjps=(lambda xp, g, c: g * (1 + c.out * c.out),), formulas=("∂tan a/∂a = 1 + tan²a",),
            save_out=True, dtype="float")
TANH = OpDef("tanh", "TanhBackward0", "tanh", forward=np.tanh,
             vjps=(lambda xp, g, c: g * (1 - c.out * c.out),), formulas=("∂tanh a/∂a = 1 − tanh²a",),
             save_out=True, dtype="float")


def _sigmoid(a):
    # Stable for large |a|: never exponentiates a positive number.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(np.result_type(a, np.float32), copy=False)


SIGMOID = OpDef("sigmoid", "SigmoidBackward0", "σ", forward=_sigmoid,
                vjps=(lambda xp, g, c: g * c.out * (1 - c.out),), formulas=("∂σ(a)/∂a = σ(a)·(1 − σ(a))",),
                save_out=True, dtype="float")
RELU = OpDef("relu", "ReluBackward0", "relu", forward=lambda a: np.maximum(a, 0),
             vjps=(lambda xp, g, c: g * (c.out > 0),), formulas=("∂relu(a)/∂a = 1 if a > 0 else 0",),
             save_out=True, dtype="same")
SQRT = OpDef("sqrt", "SqrtBackward0", "√", forward=np.sqrt,
             vjps=(lambda xp, g, c: g / (2 * c.out),), formulas=("∂√a/∂a = 1/(2√a)",), save_out=True, dtype="float")
ABS = OpDef("abs", "AbsBackward0", "|a|", forward=np.abs,
            vjps=(lambda xp, g, c: g * xp.sign(c.a),), formulas=("∂|a|/∂a = sign(a)",), saves=(0,), dtype="same")
SIGN = OpDef("sign", "SignBackward0", "sign", forward=np.sign,
             vjps=(lambda xp, g, c: g * 0,), formulas=("∂sign(a)/∂a = 0",), dtype="same")
FLOOR = OpDef("floor", "FloorBackward0", "⌊a⌋", forward=np.floor,
              vjps=(lambda xp, g, c: g * 0,), formulas=("∂⌊a⌋/∂a = 0",), dtype="same")
CEIL = OpDef("ceil", "CeilBackward0", "⌈a⌉", forward=np.ceil,
             vjps=(lambda xp, g, c: g * 0,), formulas=("∂⌈a⌉/∂a = 0",), dtype="same")
ROUND = OpDef("round", "RoundBackward0", "round", forward=np.round,
              vjps=(lambda xp, g, c: g * 0,), formulas=("∂round(a)/∂a = 0",), dtype="same")


def _clamp_forward(a, min=None, max=None):
    return np.clip(a, min, max)


def _clamp_grad(xp, g, c):
    a, lo, hi = c.a, c.params.get("min"), c.params.get("max")
    if lo is not None and hi is not None:
        return g * ((a >= lo) * (a <= hi))
    if lo is not None:
        return g * (a >= lo)
    return g * (a <= hi)


CLAMP = OpDef("clamp", "ClampBackward1", "clamp", forward=_clamp_forward,
              vjps=(_clamp_grad,), formulas=("∂clamp(a)/∂a = 1 inside [min, max], else 0",),
              saves=(0,), dtype="same")

MAXIMUM = OpDef("maximum", "MaximumBackward0", "max", forward=np.maximum,
                vjps=(lambda xp, g, c: g * ((c.a > c.b) + (c.a == c.b) * 0.5),
                      lambda xp, g, c: g * ((c.b > c.a) + (c.a == c.b) * 0.5)),
                formulas=("∂max(a,b)/∂a = 1 where a > b (½ on ties)", "∂max(a,b)/∂b = 1 where b > a (½ on ties)"),
                saves=(0, 1))
MINIMUM = OpDef("minimum", "MinimumBackward0", "min", forward=np.minimum,
                vjps=(lambda xp, g, c: g * ((c.a < c.b) + (c.a == c.b) * 0.5),
                      lambda xp, g, c: g * ((c.b < c.a) + (c.a == c.b) * 0.5)),
                formulas=("∂min(a,b)/∂a = 1 where a < b (½ on ties)", "∂min(a,b)/∂b = 1 where b < a (½ on ties)"),
                saves=(0, 1))

WHERE = OpDef("where", "WhereBackward0", "where",
              forward=lambda cond, a, b: np.where(cond, a, b),
              vjps=(None,
                    lambda xp, g, c: xp.where(c.inputs[0], g, g * 0),
                    lambda xp, g, c: xp.where(c.inputs[0], g * 0, g)),
              formulas=(None, "∂/∂a = 1 where cond", "∂/∂b = 1 where not cond"),
              saves=(0,))

TO_DTYPE = OpDef("to_dtype", "ToCopyBackward0", "to", forward=lambda a, dtype: a.astype(dtype.np),
                 vjps=(lambda xp, g, c: g,), formulas=("∂a/∂a = 1 (cast back)",), dtype="same")
CLONE = OpDef("clone", "CloneBackward0", "clone", forward=lambda a: a.copy(),
              vjps=(lambda xp, g, c: g,), formulas=("∂a/∂a = 1",), dtype="same")
FILL = OpDef("fill", "FillBackward0", "fill", forward=lambda a, value: np.full_like(a, value),
             vjps=(lambda xp, g, c: g * 0,), formulas=("∂c/∂a = 0",), dtype="same")
COPY = OpDef("copy_from", "CopyBackwards", "copy", forward=lambda a, src: np.broadcast_to(src, np.shape(a)).astype(a.dtype),
             vjps=(lambda xp, g, c: g * 0, lambda xp, g, c: g),
             formulas=("∂/∂self = 0 (overwritten)", "∂/∂src = 1"), dtype="same")


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


def rsub(input, other):
    """other - input (what ``2 - x`` calls)."""
    from ..tensor import Tensor
    if isinstance(other, Tensor):
        return sub(other, input)
    return apply(RSUB, (input, operand(other, "rsub")))


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
    return apply(NEG, (input,))


negative = neg


def reciprocal(input):
    """1 / input."""
    return apply(RECIPROCAL, (input,))


def pow(input, exponent):
    """input ** exponent; either may be a tensor or a number."""
    from ..tensor import Tensor
    if not isinstance(input, Tensor):
        return apply(RPOW, (operand(exponent, "pow", "exponent"),), {"base": input})
    if isinstance(exponent, Tensor):
        return apply(POW_TENSOR, (input, exponent))
    operand(exponent, "pow", "exponent")
    if not input.dtype.is_floating_point and isinstance(exponent, float):
        input = input.to(D.default_float())
    return apply(POW, (input,), {"exponent": exponent})


def square(input):
    return pow(input, 2)


def _unary(op, name, doc):
    def fn(input, *, out=None):
        return apply(op, (input,))
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
abs = _unary(ABS, "abs", "Absolute value of each element.")
sign = _unary(SIGN, "sign", "-1, 0 or 1 by the sign of each element.")
floor = _unary(FLOOR, "floor", "Largest integer not above each element.")
ceil = _unary(CEIL, "ceil", "Smallest integer not below each element.")
round = _unary(ROUND, "round", "Each element rounded to the nearest integer (half to even).")
absolute = abs


def rsqrt(input):
    return reciprocal(sqrt(input))


def log1p(input):
    return log(add(input, 1))


def expm1(input):
    return sub(exp(input), 1)


def log2(input):
    return div(log(input), float(np.log(2.0)))


def log10(input):
    return div(log(input), float(np.log(10.0)))


def clamp(input, min=None, max=None):
    """Limit each element to [min, max]; the gradient is 1 inside and 0 outside."""
    from ..tensor import Tensor
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    params = {}
    if min is not None:
        params["min"] = min
    if max is not None:
        params["max"] = max
    return apply(CLAMP, (input,), params)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


def where(condition, input=None, other=None):
    """Elementwise choice: ``input`` where ``condition`` holds, else ``other``."""
    from ..tensor import Tensor
    from ..creation import as_tensor
    if input is None and other is None:
        return tuple(as_tensor(i) for i in np.nonzero(condition._data))
    cond = condition if isinstance(condition, Tensor) else as_tensor(np.asarray(condition))
    if cond.dtype is not D.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {cond.dtype.name.capitalize()}")
    return apply(WHERE, (cond, operand(input, "where", "input"), operand(other, "where", "other")))


def to_dtype(input, dtype):
    return apply(TO_DTYPE, (input,), {"dtype": dtype}, out_dtype=dtype)


def clone(input, *, memory_format=None):
    """A copy that stays in the graph (gradients flow through it)."""
    return apply(CLONE, (input,))




# ---------------------------------------------------------------------------------------------
# Comparisons and logic: not differentiable, bool results
# ---------------------------------------------------------------------------------------------
def _compare(ufunc, name):
    op = OpDef(name, "", name, forward=ufunc, vjps=(), formulas=(), output=lambda d: D.bool_)

    def fn(input, other, *, out=None):
        return apply(op, (input, operand(other, name)))
    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name}; a bool tensor."
    return fn


eq = _compare(np.equal, "eq")
ne = not_equal = _compare(np.not_equal, "ne")
lt = less = _compare(np.less, "lt")
le = less_equal = _compare(np.less_equal, "le")
gt = greater = _compare(np.greater, "gt")
ge = greater_equal = _compare(np.greater_equal, "ge")
logical_and = _compare(np.logical_and, "logical_and")
logical_or = _compare(np.logical_or, "logical_or")
logical_xor = _compare(np.logical_xor, "logical_xor")

_NOT = OpDef("logical_not", "", "not", forward=np.logical_not, vjps=(), formulas=(), output=lambda d: D.bool_)
_ISNAN = OpDef("isnan", "", "isnan", forward=np.isnan, vjps=(), formulas=(), output=lambda d: D.bool_)
_ISINF = OpDef("isinf", "", "isinf", forward=np.isinf, vjps=(), formulas=(), output=lambda d: D.bool_)
_ISFINITE = OpDef("isfinite", "", "isfinite", forward=np.isfinite, vjps=(), formulas=(), output=lambda d: D.bool_)


def _bitwise(ufunc, name):
    op = OpDef(name, "", name, forward=ufunc, vjps=(), formulas=())

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
_REMAINDER = OpDef("remainder", "RemainderBackward0", "mod", forward=np.mod,
                   vjps=(lambda xp, g, c: g, None), formulas=("∂(a mod b)/∂a = 1", None))


def remainder(input, other):
    return apply(_REMAINDER, (input, operand(other, "remainder")))


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
