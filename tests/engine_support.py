"""Helpers shared by the engine tests: leaves, and the custom Functions (as source, which the side-by-side
tests run under both libraries, and ``Square`` made from it)."""
from __future__ import annotations

import autogradviz as torch


def leaf(values, dtype=None):
    """A tensor that requires grad."""
    return torch.tensor(values, dtype=dtype, requires_grad=True)


# Run with ``torch`` naming either library: the same Functions in both worlds.
CUSTOM_FUNCTIONS = '''
class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g

class ExpOut(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y
    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y

class TwoOut(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2, x.sin()
    @staticmethod
    def backward(ctx, g1, g2):
        return g1 * 2 + g2

class Dirty(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(3)
        ctx.mark_dirty(x)
        return x
    @staticmethod
    def backward(ctx, g):
        return g * 3

class Id(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x
    @staticmethod
    def backward(ctx, g):
        return g * 2

class Constant(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.mark_non_differentiable(x)
        return x
    @staticmethod
    def backward(ctx, g):
        return g

class Scaled(torch.autograd.Function):
    @staticmethod
    def forward(x, k):
        return x * k
    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.k = inputs[1]
    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None

class IdView(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.view(-1)
    @staticmethod
    def backward(ctx, g):
        return g * 2

class IdTwo(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, y):
        return x, y * 2
    @staticmethod
    def backward(ctx, g1, g2):
        return g1 * 2, g2 * 2
'''

_DEFINED: dict = {"torch": torch}
exec(CUSTOM_FUNCTIONS, _DEFINED)
Square = _DEFINED["Square"]   # x², saving its input: a Function that can be differentiated twice
