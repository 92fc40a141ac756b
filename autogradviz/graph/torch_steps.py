"""PyTorch's own backward pass, recorded one node at a time for the stepper.

``record_steps`` hangs hooks on every node of a real torch graph (``register_prehook`` for the
gradient that arrives, ``register_hook`` for the gradients sent, a tensor hook on each leaf for
what reaches it) and runs ``torch.autograd.grad(..., retain_graph=True)``: PyTorch's engine runs
the nodes in its own order, and each hook call becomes one ``Step`` record, the same records the
package's engine yields. The user's ``.grad``, hooks and graph are as they were afterwards.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._engines import torch_module
from ..autograd.engine import Step
from .torch_graph import TorchGraph


def _array(g) -> Any:
    """A gradient as a NumPy copy (None stays None; several outputs give a tuple)."""
    if g is None:
        return None
    return g.detach().numpy(force=True).copy()


def _reachable(root) -> list:
    """Every torch node behind ``root``, each once (iteratively)."""
    seen = {root}
    order = [root]
    stack = [root]
    while stack:
        fn = stack.pop()
        for nxt, _ in fn.next_functions:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
                stack.append(nxt)
    return order


def record_steps(y, gradient, reader: TorchGraph, protect=()) -> list[Step]:
    """The steps of ``y.backward(gradient)`` as PyTorch runs them, without writing any ``.grad``.

    protect: tensors whose ``.grad`` must survive the pass (PyTorch writes the ``.grad`` of
    results that called ``retain_grad()`` even under ``autograd.grad``).
    """
    torch = torch_module()
    nodes = _reachable(y.grad_fn)
    leaves = [fn.variable for fn in nodes if type(fn).__name__ == "AccumulateGrad"]
    steps: list[Step] = []
    arrived: dict = {}
    pending: dict[int, Any] = {}

    def before(fn):
        def hook(grad_outputs):
            arrived[fn] = grad_outputs
        return hook

    def after(fn):
        def hook(grad_inputs, grad_outputs):
            grads = arrived.pop(fn, grad_outputs)
            grad = _array(grads[0]) if len(grads) == 1 else tuple(_array(g) for g in grads)
            steps.append(Step(len(steps), reader.node(fn), grad, tuple(_array(g) for g in grad_inputs)))
        return hook

    def reaches(leaf, node):
        def hook(grad):
            g = _array(grad)
            before_ = pending.get(id(leaf))
            if before_ is None and leaf.grad is not None:
                before_ = _array(leaf.grad)
            after_ = g if before_ is None else before_ + g
            pending[id(leaf)] = after_
            steps.append(Step(len(steps), node, g, (), leaf=leaf, grad_before=before_, grad_after=after_.copy()))
        return hook

    kept_grads = [(t, t.grad) for t in protect if not t.is_leaf and t.retains_grad]
    hook_dicts = [(leaf, leaf._backward_hooks) for leaf in leaves]
    handles = []
    try:
        for fn in nodes:
            if type(fn).__name__ != "AccumulateGrad":
                handles.append(fn.register_prehook(before(fn)))
                handles.append(fn.register_hook(after(fn)))
        for fn in nodes:
            if type(fn).__name__ == "AccumulateGrad":
                handles.append(fn.variable.register_hook(reaches(fn.variable, reader.node(fn))))
        grad_outputs = None if gradient is None else [gradient]
        torch.autograd.grad([y], leaves, grad_outputs=grad_outputs, retain_graph=True, allow_unused=True)
    finally:
        for handle in handles:
            handle.remove()
        for leaf, hooks in hook_dicts:
            if hooks is None:
                leaf._backward_hooks = None   # as it was: no hook dictionary at all
        for t, grad in kept_grads:
            t.grad = grad
    return steps


def accumulate(leaf, grad: np.ndarray) -> None:
    """Add ``grad`` into a torch leaf's ``.grad`` as ``backward()`` does."""
    torch = torch_module()
    g = torch.as_tensor(np.array(grad, copy=True), dtype=leaf.dtype)
    with torch.no_grad():
        if leaf.grad is None:
            leaf.grad = g
        else:
            leaf.grad += g
