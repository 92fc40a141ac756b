"""softmax and log_softmax along a dim."""
from __future__ import annotations

import numpy as np

from .. import _summation as sums
from .common import accept_numpy_names, wrap_dim
from .registry import OpDef, apply


def _softmax(a, dim):
    e = np.exp(a - np.max(a, axis=dim, keepdims=True))
    return e / sums.sum(e, dim, keepdims=True)


def _log_softmax(a, dim):
    shifted = a - np.max(a, axis=dim, keepdims=True)
    return shifted - np.log(sums.total(np.exp(shifted), dim, keepdims=True)).astype(a.dtype)


SOFTMAX = OpDef("softmax", "SoftmaxBackward0",
                inputs=("input",), expression="softmax({input}, dim={dim})",
                rules=("∂{out}ᵢ/∂{input}ⱼ = sᵢ × (δᵢⱼ − sⱼ), s = softmax({input})",),
                sends=("s × ({grad} − Σ {grad} × s along dim {dim})",),
                functions=("softmax",), methods=("softmax",), forward=_softmax,
                vjps=(lambda xp, g, c: xp.softmax_grad(g, c.out, c.dim),),
                save_out=True, dtype="float")
LOG_SOFTMAX = OpDef("log_softmax", "LogSoftmaxBackward0",
                    inputs=("input",), expression="log_softmax({input}, dim={dim})",
                    rules=("∂{out}ᵢ/∂{input}ⱼ = δᵢⱼ − softmax({input})ⱼ",),
                    sends=("{grad} − softmax({input}) × Σ {grad} along dim {dim}",),
                    functions=("log_softmax",), methods=("log_softmax",), forward=_log_softmax,
                    vjps=(lambda xp, g, c: g - xp.exp(c.out) * xp.sum(g, dim=(c.dim,), keepdim=True),),
                    save_out=True, dtype="float")


def _dim_for(input, dim, name):
    if dim is None:
        # PyTorch's legacy implicit choice: 0 for 0-, 1- and 3-D inputs, else 1.
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return wrap_dim(dim, input.ndim)


def softmax(input, dim=None, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``, computed stably."""
    if dtype is not None:
        input = input.to(dtype)
    return apply(SOFTMAX, (input,), {"dim": _dim_for(input, dim, "softmax")})


def log_softmax(input, dim=None, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably."""
    if dtype is not None:
        input = input.to(dtype)
    return apply(LOG_SOFTMAX, (input,), {"dim": _dim_for(input, dim, "log_softmax")})


# NumPy's axis=/keepdims= spellings, accepted like PyTorch accepts them.
accept_numpy_names(globals(), ['softmax', 'log_softmax'])
