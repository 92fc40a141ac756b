"""``optim.Optimizer``: parameter groups, per-parameter state, zero_grad and state_dict."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._grad_mode import enable_grad
from ..tensor import Tensor, _make


class _Required:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Holds ``param_groups`` (dicts with 'params' and the hyperparameters) and ``state``
    (per parameter); subclasses implement ``step``."""

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {type(params).__name__}")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters, with hyperparameters that default to the optimizer's."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        params = [p[1] if isinstance(p, tuple) and len(p) == 2 else p for p in params]   # named_parameters()
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group, params=params)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter appears more than once in the same parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad``: to None (default), or to zeros in place."""
        from ..nn.modules.module import _zero_grad
        for group in self.param_groups:
            for p in group["params"]:
                _zero_grad(p, set_to_none)

    def _closure_loss(self, closure: Callable | None):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def step(self, closure: Callable | None = None):  # pragma: no cover - abstract
        raise NotImplementedError

    def state_dict(self) -> dict:
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}, parameters
        numbered in order across groups, as PyTorch does."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and state saved by ``state_dict`` (same parameter layout)."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        params = []
        for mine, theirs in zip(self.param_groups, groups):
            if len(mine["params"]) != len(theirs["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                                 "optimizer's group")
            params.extend(zip(theirs["params"], mine["params"]))
            mine.update({k: v for k, v in theirs.items() if k != "params"})
        by_index = dict(params)
        self.state = defaultdict(dict)
        for i, s in state_dict["state"].items():
            p = by_index[i]
            self.state[p] = {k: (v.detach().clone() if isinstance(v, Tensor) else v) for k, v in s.items()}

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def check_hyperparameters(**values: float) -> None:
    """PyTorch's ValueError for a negative learning rate, epsilon, momentum, ... (``Invalid lr_decay value: -1``)."""
    for name, value in values.items():
        if value < 0.0:
            label = {"lr": "learning rate", "eps": "epsilon value"}.get(name, f"{name} value")
            raise ValueError(f"Invalid {label}: {value}")


# --- helpers for the update rules: plain NumPy on the parameters' own memory ----------------------
# The rules run under no_grad and write into ``p.data`` in place, as PyTorch's do, so every
# Parameter stays the same object and leaf; the version counter moves so that a graph which
# saved the old values refuses to backward through them.
def grad_array(p: Tensor, maximize: bool = False) -> np.ndarray | None:
    """``p.grad`` as a NumPy array (negated to maximize), or None when there is none."""
    g = p.grad
    if g is None:
        return None
    a = g.detach().numpy()
    return -a if maximize else a


def buffer_like(p: Tensor, values: np.ndarray | None = None) -> Tensor:
    """A state tensor (momentum, running averages) shaped like ``p``: zeros, or a copy of ``values``."""
    data = np.zeros_like(p.data.numpy()) if values is None else np.array(values, dtype=p.dtype.np, copy=True)
    return _make(data, p.dtype)


def update_(p: Tensor, delta: np.ndarray) -> None:
    """p ← p − delta, in place."""
    data = p.data
    arr = data.numpy()
    arr -= delta.astype(arr.dtype, copy=False)
    p._bump()
