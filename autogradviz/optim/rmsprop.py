"""``optim.RMSprop``."""
from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .._grad_mode import no_grad
from .optimizer import Optimizer, buffer_like, check_hyperparameters, grad_array, update_


class RMSprop(Optimizer):
    """RMSprop (Hinton): a running average s of the squared gradient, s ← α·s + (1 − α)·g²;
    p ← p − lr·g / (√s + eps). ``centered`` subtracts the squared running mean of g from s;
    ``momentum`` keeps a buffer b ← momentum·b + g / (√s + eps) and steps by lr·b."""

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        check_hyperparameters(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay, "momentum": momentum,
                    "centered": centered, "maximize": maximize}
        super().__init__(params, defaults)

    def step(self, closure: Callable | None = None):
        """One RMSprop update of every parameter that has a gradient, in place and without recording."""
        loss = self._closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]
                for p in group["params"]:
                    g = grad_array(p, group["maximize"])
                    if g is None:
                        continue
                    if group["weight_decay"] != 0:
                        g = g + group["weight_decay"] * p.data.numpy()
                    state = self.state[p]
                    if not state:
                        state["step"] = 0
                        state["square_avg"] = buffer_like(p)
                        if momentum > 0:
                            state["momentum_buffer"] = buffer_like(p)
                        if group["centered"]:
                            state["grad_avg"] = buffer_like(p)
                    state["step"] += 1
                    square_avg = state["square_avg"].numpy()
                    square_avg *= alpha
                    square_avg += (1 - alpha) * (g * g)
                    if group["centered"]:
                        grad_avg = state["grad_avg"].numpy()
                        grad_avg *= alpha
                        grad_avg += (1 - alpha) * g
                        avg = np.sqrt(square_avg - grad_avg * grad_avg)
                    else:
                        avg = np.sqrt(square_avg)
                    avg += eps
                    if momentum > 0:
                        buf = state["momentum_buffer"].numpy()
                        buf *= momentum
                        buf += g / avg
                        update_(p, lr * buf)
                    else:
                        update_(p, lr * (g / avg))
        return loss
