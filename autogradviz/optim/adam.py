"""``optim.Adam`` and ``optim.AdamW``."""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from .._grad_mode import no_grad
from .optimizer import Optimizer, buffer_like, check_hyperparameters, grad_array, update_


class Adam(Optimizer):
    """Adam (Kingma & Ba): running averages m, v of the gradient and its square, bias-corrected;
    p ← p − lr·m̂ / (√v̂ + eps). ``weight_decay`` adds weight_decay·p to the gradient (L2)."""

    _decoupled = False   # AdamW: decay the weights themselves, not through the gradient

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False) -> None:
        check_hyperparameters(lr=lr, eps=eps, weight_decay=weight_decay)
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                        "maximize": maximize}
        super().__init__(params, defaults)

    def step(self, closure: Callable | None = None):
        """One Adam update of every parameter that has a gradient, in place and without recording."""
        loss = self._closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
                weight_decay, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
                for p in group["params"]:
                    g = grad_array(p, maximize)
                    if g is None:
                        continue
                    if weight_decay != 0:
                        if self._decoupled:
                            w = p.data.numpy()
                            w *= 1 - lr * weight_decay
                        else:
                            g = g + weight_decay * p.data.numpy()
                    state = self.state[p]
                    if not state:
                        state["step"] = 0
                        state["exp_avg"] = buffer_like(p)
                        state["exp_avg_sq"] = buffer_like(p)
                        if amsgrad:
                            state["max_exp_avg_sq"] = buffer_like(p)
                    state["step"] += 1
                    step = state["step"]
                    m, v = state["exp_avg"].numpy(), state["exp_avg_sq"].numpy()
                    m *= beta1
                    m += (1 - beta1) * g
                    v *= beta2
                    v += (1 - beta2) * (g * g)
                    if amsgrad:
                        v_max = state["max_exp_avg_sq"].numpy()
                        np.maximum(v_max, v, out=v_max)
                        v = v_max
                    denom = np.sqrt(v) / math.sqrt(1 - beta2 ** step)
                    denom += eps
                    update_(p, (lr / (1 - beta1 ** step)) * m / denom)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p ← p·(1 − lr·weight_decay) before
    the Adam step, instead of adding weight_decay·p to the gradient."""

    _decoupled = True

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
