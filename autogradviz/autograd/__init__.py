"""autograd: backward, grad, custom Functions, gradcheck and the graph's nodes."""
from .._grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .engine import Step, backward, backward_steps, grad
from .function import Function, FunctionCtx, once_differentiable
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .node import AccumulateGrad, Node

__all__ = [
    "AccumulateGrad",
    "Function",
    "FunctionCtx",
    "GradcheckError",
    "Node",
    "Step",
    "backward",
    "backward_steps",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "once_differentiable",
    "set_grad_enabled",
]


class _Graph:
    Node = Node


graph = _Graph()
