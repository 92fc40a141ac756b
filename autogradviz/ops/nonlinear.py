"""The activation functions of ``nn`` beyond relu, sigmoid and tanh: gelu, silu, leaky_relu, elu
and softplus, each one ``OpDef`` with PyTorch's grad_fn name and derivative. ``nn.functional``
and the ``nn`` layers call the functions at the end of this module."""
from __future__ import annotations

import math

import numpy as np

from .registry import OpDef, apply, apply_inplace
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
# leaky_relu and elu: their gradients are ops of their own (PyTorch's leaky_relu_backward and
# elu_backward), so that under create_graph the gradient stays in the graph of the input too and
# second (and third) derivatives come out as in PyTorch. The in-place forms save the result, not
# the input (LeakyReluBackward1, EluBackward1), and refuse a negative slope or alpha there, which
# would make the input impossible to tell from the result.
_INPLACE_NEGATIVE = ("In-place {what} backward calculation is triggered with a negative slope which is not "
                     "supported. This is caused by calling in-place forward function with a negative slope, please "
                     "call out-of-place version instead.")


def _leaky_relu_backward_forward(g, a, negative_slope):
    return np.where(a > 0, g, g * negative_slope)


def _leaky_relu_backward(xp, g, self_or_result, negative_slope):
    """g where the input (or, in place, the result) is positive, else negative_slope·g."""
    if isinstance(g, np.ndarray):
        return _leaky_relu_backward_forward(g, self_or_result, negative_slope)
    return apply(LEAKY_RELU_BACKWARD, (g, self_or_result), {"negative_slope": negative_slope})


def _leaky_relu_result_grad(xp, g, c):
    if c.negative_slope < 0:
        raise RuntimeError(_INPLACE_NEGATIVE.format(what="leakyReLu") + " File an issue at "
                           "https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu "
                           "backward calculation with negative slope")
    return _leaky_relu_backward(xp, g, c.out, c.negative_slope)


def _zeros(xp, g, c):
    """No gradient flows to what only chose the branch (a zero of the gradient's shape)."""
    return np.zeros_like(g) if isinstance(g, np.ndarray) else xp.zeros_like(g)


LEAKY_RELU_BACKWARD = OpDef("leaky_relu_backward", "LeakyReluBackwardBackward0",
                            inputs=("grad_output", "self"),
                            expression="leaky_relu_backward({grad_output}, {self}, {negative_slope})",
                            rules=("∂{out}/∂{grad_output} = 1 where {self} > 0, else {negative_slope}",
                                   "∂{out}/∂{self} = 0"),
                            sends=("{grad} where {self} > 0, else {negative_slope} × {grad}",),
                            forward=_leaky_relu_backward_forward, saves=(1,), dtype="same",
                            vjps=(lambda xp, g, c: _leaky_relu_backward(xp, g, c.b, c.negative_slope), _zeros))
LEAKY_RELU = OpDef("leaky_relu", "LeakyReluBackward0",
                   inputs=("input",), expression="leaky_relu({input}, {negative_slope})",
                   rules=("∂{out}/∂{input} = 1 where {input} > 0, else {negative_slope}",),
                   sends=("{grad} where {input} > 0, else {negative_slope} × {grad}",),
                   forward=lambda a, negative_slope: np.where(a > 0, a, a * negative_slope),
                   vjps=(lambda xp, g, c: _leaky_relu_backward(xp, g, c.a, c.negative_slope),),
                   saves=(0,), dtype="same", check=_floats_only("leaky_relu_cpu"))
LEAKY_RELU_INPLACE = OpDef("leaky_relu_", "LeakyReluBackward1",
                           inputs=("input",), expression="leaky_relu_({input}, {negative_slope})",
                           rules=("∂{out}/∂{input} = 1 where {out} > 0, else {negative_slope}",),
                           sends=("{grad} where {out} > 0, else {negative_slope} × {grad}",),
                           forward=lambda a, negative_slope: np.where(a > 0, a, a * negative_slope),
                           vjps=(_leaky_relu_result_grad,), save_out=True, dtype="same",
                           check=_floats_only("leaky_relu_cpu"))


def _elu_backward_forward(g, x, alpha, is_result=False):
    if is_result:   # x is elu's result: alpha·exp(input) = result + alpha where it is not positive
        return np.where(x > 0, g, g * (x + alpha))
    return np.where(x > 0, g, g * alpha * np.exp(np.minimum(x, 0)))


def _elu_backward(xp, g, self_or_result, alpha, is_result=False):
    """g where the input (or result) is positive, else g·alpha·exp(input) (g·(result + alpha))."""
    if isinstance(g, np.ndarray):
        return _elu_backward_forward(g, self_or_result, alpha, is_result)
    params = {"alpha": alpha, "is_result": True} if is_result else {"alpha": alpha}
    return apply(ELU_BACKWARD, (g, self_or_result), params)


def _elu_backward_self_grad(xp, gg, c):
    """How elu_backward(g, x) moves with x: gg·g·alpha·exp(x) where x ≤ 0 (gg·g on the result)."""
    g, x = c.a, c.b
    if c.params.get("is_result"):
        return xp.where(x > 0, 0.0, gg * g)
    return xp.where(x > 0, 0.0, gg * g * c.alpha * xp.exp(x))


def _elu_result_grad(xp, g, c):
    if c.alpha < 0:
        raise RuntimeError(_INPLACE_NEGATIVE.format(what="elu"))
    return _elu_backward(xp, g, c.out, c.alpha, is_result=True)


ELU_BACKWARD = OpDef("elu_backward", "EluBackwardBackward0",
                     inputs=("grad_output", "self_or_result"),
                     expression="elu_backward({grad_output}, {self_or_result}, {alpha})",
                     # self_or_result: elu's input, or its result for elu_ (then alpha·exp(input) = result + alpha)
                     rules=("∂{out}/∂{grad_output} = 1 where {self_or_result} > 0, else {alpha} × exp(input)",
                            "∂{out}/∂{self_or_result} = 0 where {self_or_result} > 0, "
                            "else {grad_output} × {alpha} × exp(input) (from the result: {grad_output})"),
                     sends=("{grad} where {self_or_result} > 0, else {grad} × {alpha} × exp(input)",
                            "0 where {self_or_result} > 0, else {grad} × {grad_output} × {alpha} × exp(input) "
                            "(from the result: {grad} × {grad_output})"),
                     forward=_elu_backward_forward, saves=(0, 1), dtype="same",
                     vjps=(lambda xp, g, c: _elu_backward(xp, g, c.b, c.alpha, c.params.get("is_result", False)),
                           _elu_backward_self_grad))
ELU = OpDef("elu", "EluBackward0",
            inputs=("input",), expression="elu({input}, {alpha})",
            rules=("∂{out}/∂{input} = 1 where {input} > 0, else {alpha} × exp({input})",),
            sends=("{grad} where {input} > 0, else {grad} × {alpha} × exp({input})",),
            forward=lambda a, alpha: np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0))),
            vjps=(lambda xp, g, c: _elu_backward(xp, g, c.a, c.alpha),),
            saves=(0,), dtype="same", check=_floats_only("elu_cpu"))
ELU_INPLACE = OpDef("elu_", "EluBackward1",
                    inputs=("input",), expression="elu_({input}, {alpha})",
                    rules=("∂{out}/∂{input} = 1 where {out} > 0, else {out} + {alpha}",),
                    sends=("{grad} where {out} > 0, else {grad} × ({out} + {alpha})",),
                    forward=lambda a, alpha: np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0))),
                    vjps=(_elu_result_grad,), save_out=True, dtype="same", check=_floats_only("elu_cpu"))
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


def leaky_relu_(input, negative_slope: float = 0.01):
    """``leaky_relu`` written into ``input`` (its node, LeakyReluBackward1, keeps the result)."""
    return apply_inplace(input, lambda x: apply(LEAKY_RELU_INPLACE, (x,), {"negative_slope": negative_slope}))


def elu_(input, alpha: float = 1.0):
    """``elu`` written into ``input`` (its node, EluBackward1, keeps the result)."""
    return apply_inplace(input, lambda x: apply(ELU_INPLACE, (x,), {"alpha": alpha}))


def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    """log(1 + exp(beta·x)) / beta, and x itself where beta·x > threshold."""
    return apply(SOFTPLUS, (input,), {"beta": beta, "threshold": threshold})
