"""The activation functions of ``nn`` beyond relu, sigmoid and tanh: gelu, silu, leaky_relu, elu
and softplus, each one ``OpDef`` with PyTorch's grad_fn name and derivative. ``nn.functional``
and the ``nn`` layers call the functions at the end of this module."""
from __future__ import annotations

import math

import numpy as np

from .registry import OpDef, apply
from .special import _erf_forward

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_K = math.sqrt(2.0 / math.pi)   # gelu's tanh approximation: tanh(√(2/π)·(x + 0.044715·x³))
_NP_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _floats_only(kernel: str):
    """A check that refuses integer and bool inputs with PyTorch's NotImplementedError."""
    def check(a, *rest, **params):
        if a.dtype.kind not in "f":
            raise NotImplementedError(f'"{kernel}" not implemented for \'{_NP_NAMES.get(a.dtype.name, a.dtype.name)}\'')
    return check


def _erf(x):
    return _erf_forward(x) if isinstance(x, np.ndarray) else x.erf()


def _gelu(a, approximate="none"):
    if approximate == "tanh":
        return 0.5 * a * (1 + np.tanh(_K * (a + 0.044715 * a ** 3)))
    return 0.5 * a * (1 + _erf(a * _SQRT_HALF))


def _gelu_grad(xp, g, c):
    x = c.a
    if c.params.get("approximate", "none") == "tanh":
        inner = _K * (x + 0.044715 * x * x * x)
        t = xp.tanh(inner)
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _K * (1 + 3 * 0.044715 * x * x))
    cdf = 0.5 * (1 + _erf(x * _SQRT_HALF))
    pdf = _INV_SQRT_2PI * xp.exp(-0.5 * x * x)
    return g * (cdf + x * pdf)


def _sigmoid(x, xp):
    return 1 / (1 + xp.exp(-x))


GELU = OpDef("gelu", "GeluBackward0",
             inputs=("input",), expression="gelu({input})",
             rules=("∂{out}/∂{input} = Φ({input}) + {input} × φ({input})",),
             forward=_gelu, vjps=(_gelu_grad,), saves=(0,), dtype="same", check=_floats_only("GeluKernelImpl"))
SILU = OpDef("silu", "SiluBackward0",
             inputs=("input",), expression="{input} × sigmoid({input})",
             rules=("∂{out}/∂{input} = sigmoid({input}) × (1 + {input} × (1 − sigmoid({input})))",),
             forward=lambda a: a / (1 + np.exp(-a)),
             vjps=(lambda xp, g, c: g * _sigmoid(c.a, xp) * (1 + c.a * (1 - _sigmoid(c.a, xp))),),
             saves=(0,), dtype="same", check=_floats_only("silu_cpu"))
LEAKY_RELU = OpDef("leaky_relu", "LeakyReluBackward0",
                   inputs=("input",), expression="leaky_relu({input}, {negative_slope})",
                   rules=("∂{out}/∂{input} = 1 where {input} > 0, else {negative_slope}",),
                   sends=("{grad} where {input} > 0, else {negative_slope} × {grad}",),
                   forward=lambda a, negative_slope: np.where(a > 0, a, a * negative_slope),
                   vjps=(lambda xp, g, c: xp.where(c.a > 0, g, g * c.negative_slope),),
                   saves=(0,), dtype="same", check=_floats_only("leaky_relu_cpu"))
ELU = OpDef("elu", "EluBackward0",
            inputs=("input",), expression="elu({input}, {alpha})",
            rules=("∂{out}/∂{input} = 1 where {input} > 0, else {alpha} × exp({input})",),
            sends=("{grad} where {input} > 0, else {grad} × {alpha} × exp({input})",),
            forward=lambda a, alpha: np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0))),
            vjps=(lambda xp, g, c: xp.where(c.a > 0, g, g * c.alpha * xp.exp(c.a)),),
            saves=(0,), dtype="same", check=_floats_only("elu_cpu"))
SOFTPLUS = OpDef("softplus", "SoftplusBackward0",
                 inputs=("input",), expression="softplus({input})",
                 rules=("∂{out}/∂{input} = sigmoid({beta} × {input}), 1 where {beta} × {input} > {threshold}",),
                 sends=("{grad} × sigmoid({beta} × {input}), {grad} where {beta} × {input} > {threshold}",),
                 forward=lambda a, beta, threshold: np.where(a * beta > threshold, a,
                                                             np.logaddexp(0, a * beta) / beta),
                 vjps=(lambda xp, g, c: xp.where(c.a * c.beta > c.threshold, g, g * _sigmoid(c.a * c.beta, xp)),),
                 saves=(0,), dtype="same", check=_floats_only("softplus_cpu"))


def gelu(input, approximate: str = "none"):
    """x·Φ(x), Φ the standard normal CDF (``approximate="tanh"``: the tanh approximation)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return apply(GELU, (input,), {"approximate": approximate} if approximate != "none" else None)


def silu(input):
    """x·sigmoid(x) (also called swish)."""
    return apply(SILU, (input,))


def leaky_relu(input, negative_slope: float = 0.01):
    """x where x > 0, else negative_slope·x."""
    return apply(LEAKY_RELU, (input,), {"negative_slope": negative_slope})


def elu(input, alpha: float = 1.0):
    """x where x > 0, else alpha·(exp(x) − 1)."""
    return apply(ELU, (input,), {"alpha": alpha})


def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    """log(1 + exp(beta·x)) / beta, and x itself where beta·x > threshold."""
    return apply(SOFTPLUS, (input,), {"beta": beta, "threshold": threshold})
