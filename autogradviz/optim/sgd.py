"""``optim.SGD``: stochastic gradient descent with momentum, dampening, weight decay, Nesterov."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from .._grad_mode import no_grad
from .optimizer import Optimizer, buffer_like, check_hyperparameters, grad_array, update_


class SGD(Optimizer):
    """p ← p − lr·d, where d is the gradient (plus weight_decay·p), optionally passed through a
    momentum buffer b ← momentum·b + (1 − dampening)·d (Nesterov: d + momentum·b), as PyTorch."""

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False) -> None:
        check_hyperparameters(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                        "nesterov": nesterov, "maximize": maximize}
        super().__init__(params, defaults)

    def step(self, closure: Callable | None = None):
        """Update every parameter that has a gradient, in place and without recording."""
        loss = self._closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
                weight_decay, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
                for p in group["params"]:
                    d = grad_array(p, maximize)
                    if d is None:
                        continue
                    if weight_decay != 0:
                        d = d + weight_decay * p.data.numpy()
                    if momentum != 0:
                        state = self.state[p]
                        buf = state.get("momentum_buffer")
                        if buf is None:
                            buf = state["momentum_buffer"] = buffer_like(p, d)
                            b = buf.numpy()
                        else:
                            b = buf.numpy()
                            b *= momentum
                            b += (1 - dampening) * d
                        d = d + momentum * b if nesterov else b
                    update_(p, lr * d)
        return loss
