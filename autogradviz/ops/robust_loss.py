"""smooth_l1_loss and huber_loss: quadratic near zero, linear beyond, one node each with the
reduction inside, as PyTorch records them (SmoothL1LossBackward0, HuberLossBackward0)."""
from __future__ import annotations

import warnings

import numpy as np

from .loss import _per_element, _reduce, _require_tensor, check_reduction
from .registry import OpDef, apply


def _smooth_l1_forward(a, b, reduction, n, beta):
    d = np.abs(a - b)
    return _reduce(np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction, n)


def _huber_forward(a, b, reduction, n, delta):
    d = np.abs(a - b)
    return _reduce(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction, n)


def _smooth_l1_grad(xp, g, c):
    d = c.a - c.b
    return _per_element(g, c) * xp.where(d < -c.beta, d * 0 - 1, xp.where(d > c.beta, d * 0 + 1, d / c.beta))


def _huber_grad(xp, g, c):
    d = c.a - c.b
    return _per_element(g, c) * xp.where(d < -c.delta, d * 0 - c.delta, xp.where(d > c.delta, d * 0 + c.delta, d))


SMOOTH_L1_LOSS = OpDef(
    "smooth_l1_loss", "SmoothL1LossBackward0",
    inputs=("input", "target"), expression="smooth_l1_loss({input}, {target})",
    rules=("∂{out}/∂{input} = ({input} − {target})/beta where abs({input} − {target}) < beta, else its sign; ÷ n for 'mean'",
           "∂{out}/∂{target} = −(the same)"),
    sends=("{grad} × clamp(({input} − {target})/beta, −1, 1), ÷ n for 'mean'",
           "−{grad} × clamp(({input} − {target})/beta, −1, 1), ÷ n for 'mean'"),
    forward=_smooth_l1_forward, vjps=(_smooth_l1_grad, lambda xp, g, c: -_smooth_l1_grad(xp, g, c)), saves=(0, 1))
HUBER_LOSS = OpDef(
    "huber_loss", "HuberLossBackward0",
    inputs=("input", "target"), expression="huber_loss({input}, {target})",
    rules=("∂{out}/∂{input} = clamp({input} − {target}, −delta, delta); ÷ n for 'mean'",
           "∂{out}/∂{target} = −clamp({input} − {target}, −delta, delta); ÷ n for 'mean'"),
    sends=("{grad} × clamp({input} − {target}, −delta, delta), ÷ n for 'mean'",
           "−{grad} × clamp({input} − {target}, −delta, delta), ÷ n for 'mean'"),
    forward=_huber_forward, vjps=(_huber_grad, lambda xp, g, c: -_huber_grad(xp, g, c)), saves=(0, 1))


def _pointwise_loss(op, name, input, target, reduction, param, value):
    _require_tensor(input, name, "input", 1)
    _require_tensor(target, name, "target", 2)
    check_reduction(reduction)
    if input.shape != target.shape:
        warnings.warn(
            f"Using a target size ({target.shape!r}) that is different to the input size ({input.shape!r}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning, stacklevel=4)
    try:
        shape = np.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        from .registry import broadcast_error
        raise broadcast_error([input.shape, target.shape]) from None
    return apply(op, (input, target), {"reduction": reduction, "n": int(np.prod(shape)), param: value})


def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0):
    """½·d²/beta where |d| < beta, else |d| − ½·beta, for d = input − target; then reduced."""
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:   # PyTorch falls back to the L1 loss
        from ..nn.functional import l1_loss
        return l1_loss(input, target, reduction=reduction)
    return _pointwise_loss(SMOOTH_L1_LOSS, "smooth_l1_loss", input, target, reduction, "beta", beta)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0):
    """½·d² where |d| < delta, else delta·(|d| − ½·delta), for d = input − target; then reduced."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return _pointwise_loss(HUBER_LOSS, "huber_loss", input, target, reduction, "delta", delta)
