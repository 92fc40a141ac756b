"""softmax and log_softmax along a dim."""
from __future__ import annotations

import warnings

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


def implicit_dim(input, name: str, stacklevel: int) -> int:
    """``nn.functional``'s legacy choice of dim when none is given (0 for 0-, 1- and 3-D inputs,
    else 1), with PyTorch's deprecation warning."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if input.ndim in (0, 1, 3) else 1


def _dim_for(input, dim, name):
    if dim is None:   # torch.softmax and Tensor.softmax require it (only nn.functional's may leave it out)
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    return wrap_dim(dim, input.ndim)


def softmax(input, dim=None, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``, computed stably."""
    d = _dim_for(input, dim, "softmax")
    if dtype is not None:
        input = input.to(dtype)
    return apply(SOFTMAX, (input,), {"dim": d})


def log_softmax(input, dim=None, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably."""
    d = _dim_for(input, dim, "log_softmax")
    if dtype is not None:
        input = input.to(dtype)
    return apply(LOG_SOFTMAX, (input,), {"dim": d})


# NumPy's axis=/keepdims= spellings, accepted like PyTorch accepts them.
accept_numpy_names(globals(), ['softmax', 'log_softmax'])
