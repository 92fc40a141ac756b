"""autograd: backward, grad, custom Functions, gradcheck and the graph's nodes."""
from .._grad_mode import enable_grad, no_grad, set_grad_enabled, is_grad_enabled
from .engine import Step, backward, backward_steps, grad
from .function import Function, FunctionCtx, once_differentiable
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .node import AccumulateGrad, Node

__all__ = ["backward", "grad", "backward_steps", "Step", "Function", "FunctionCtx", "gradcheck",
           "gradgradcheck", "GradcheckError", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "Node", "AccumulateGrad", "once_differentiable"]


class _Graph:
    Node = Node


graph = _Graph()
