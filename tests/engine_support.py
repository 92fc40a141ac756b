"""Helpers shared by the engine tests: leaves and one custom Function."""
from __future__ import annotations

import autogradviz as torch


def leaf(values, dtype=None):
    """A tensor that requires grad."""
    return torch.tensor(values, dtype=dtype, requires_grad=True)


class Square(torch.autograd.Function):
    """x², saving its input: a custom Function that can be differentiated twice."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g
