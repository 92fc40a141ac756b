"""adaptive_avg_pool2d: the mean over each of an output-sized grid of bins, as one ``OpDef``.

Output cell i along a dim of input size n and output size m averages the input rows
``floor(i·n/m)`` to ``ceil((i+1)·n/m)`` (bins overlap when m does not divide n), as in PyTorch.
Its gradient is an op of its own, linear in the incoming gradient, whose own gradient is the
pooling again: second derivatives go through it.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .registry import OpDef, apply


def _bins(n: int, m: int) -> list[tuple[int, int]]:
    return [(i * n // m, -(-(i + 1) * n // m)) for i in range(m)]


def _pool_forward(x, size):
    rows, cols = _bins(x.shape[-2], size[0]), _bins(x.shape[-1], size[1])
    out = np.empty(x.shape[:-2] + tuple(size), dtype=np.float64)
    for i, (r0, r1) in enumerate(rows):
        for j, (c0, c1) in enumerate(cols):
            out[..., i, j] = x[..., r0:r1, c0:c1].sum(axis=(-2, -1), dtype=np.float64) / ((r1 - r0) * (c1 - c0))
    return out.astype(x.dtype)


def _pool_grad_forward(g, size, input_shape):
    """Each output's gradient shared equally over its bin (added up where bins overlap)."""
    rows, cols = _bins(input_shape[-2], size[0]), _bins(input_shape[-1], size[1])
    grad = np.zeros(tuple(input_shape), dtype=g.dtype)
    for i, (r0, r1) in enumerate(rows):
        for j, (c0, c1) in enumerate(cols):
            grad[..., r0:r1, c0:c1] += (g[..., i, j] / ((r1 - r0) * (c1 - c0)))[..., None, None]
    return grad


def _pool_grad(xp, g, c):
    if isinstance(g, np.ndarray):
        return _pool_grad_forward(g, c.size, tuple(c.shape))
    return apply(ADAPTIVE_AVG_POOL2D_GRAD, (g,), {"size": c.size, "input_shape": tuple(c.shape)})


def _pool(x, size):
    return _pool_forward(x, size) if isinstance(x, np.ndarray) else apply(ADAPTIVE_AVG_POOL2D, (x,), {"size": size})


ADAPTIVE_AVG_POOL2D = OpDef("adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0",
                            inputs=("input",), expression="adaptive_avg_pool2d({input}, {size})",
                            rules=("∂{out}/∂{input} = 1/(bin size) in each bin",),
                            sends=("{grad} shared equally over each bin",),
                            forward=_pool_forward, vjps=(_pool_grad,), dtype="same")
ADAPTIVE_AVG_POOL2D_GRAD = OpDef(
    "adaptive_avg_pool2d_grad", "AdaptiveAvgPool2DBackwardBackward0",
    inputs=("grad_output",), expression="adaptive_avg_pool2d_backward({grad_output}, {size})",
    rules=("∂{out}/∂{grad_output} = 1/(bin size) for each bin an element is in",),
    sends=("adaptive_avg_pool2d({grad}, {size})",),
    forward=_pool_grad_forward, dtype="same", vjps=(lambda xp, g, c: _pool(g, c.size),))


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """The mean over an ``output_size`` grid of bins of each image (``None`` keeps a dim's size);
    a (1, 1) grid is a mean over the last two dims (MeanBackward1), as in PyTorch."""
    if isinstance(output_size, int):
        size = (output_size, output_size)
    else:
        size = tuple(output_size)
        if input.ndim <= len(size):
            raise ValueError(f"Input dimension should be at least {len(size) + 1}")
        size = tuple(input.shape[input.ndim - len(size) + k] if s is None else s for k, s in enumerate(size))
    if len(size) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    if min(size) < 0:
        raise RuntimeError(f"adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 "
                           f"but received {{{size[0]}, {size[1]}}}")
    if 0 in input.shape[1:]:
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, "
                           f"but input has sizes {list(input.shape)} with an empty dimension")
    if size == (1, 1):
        return input.mean((-1, -2), keepdim=True)
    return apply(ADAPTIVE_AVG_POOL2D, (input,), {"size": tuple(int(s) for s in size)})
