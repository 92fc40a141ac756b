"""``optim.Adagrad``."""
from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .._grad_mode import no_grad
from .optimizer import Optimizer, buffer_like, check_hyperparameters, grad_array, update_


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.): the sum s of every squared gradient so far, s ← s + g²;
    p ← p − lr_t·g / (√s + eps), with lr_t = lr / (1 + (t − 1)·lr_decay)."""

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *, maximize: bool = False) -> None:
        check_hyperparameters(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                              initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "maximize": maximize}
        super().__init__(params, defaults)
        for group in self.param_groups:   # PyTorch makes Adagrad's state up front
            for p in group["params"]:
                start = np.full_like(p.data.numpy(), group["initial_accumulator_value"])
                self.state[p] = {"step": 0, "sum": buffer_like(p, start)}

    def step(self, closure: Callable | None = None):
        """One Adagrad update of every parameter that has a gradient, in place and without recording."""
        loss = self._closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    g = grad_array(p, group["maximize"])
                    if g is None:
                        continue
                    state = self.state[p]
                    state["step"] += 1
                    if group["weight_decay"] != 0:
                        g = g + group["weight_decay"] * p.data.numpy()
                    clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
                    total = state["sum"].numpy()
                    total += g * g
                    std = np.sqrt(total)
                    std += group["eps"]
                    update_(p, clr * (g / std))
        return loss
