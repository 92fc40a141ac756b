"""Which engine a tensor or a function belongs to: autogradviz's own, or real PyTorch.

The visual layer and the exercise checker serve both; they ask here. torch is never imported:
a torch object can only exist once the program has imported torch, so ``sys.modules`` is enough.
"""
from __future__ import annotations

import sys
import types
from typing import Any


def torch_module() -> types.ModuleType | None:
    """The torch module when the program has imported it, else None (never imports it)."""
    return sys.modules.get("torch")


def is_torch_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a real ``torch.Tensor``."""
    torch = torch_module()
    return torch is not None and isinstance(obj, torch.Tensor)


def _is_torch_thing(obj: Any) -> bool:
    """torch itself, one of its modules, or a function or class defined in it."""
    if isinstance(obj, types.ModuleType):
        return obj.__name__ == "torch" or obj.__name__.startswith("torch.")
    module = getattr(obj, "__module__", None) or ""
    return module == "torch" or module.startswith("torch.")


def uses_torch(fn: Any, _depth: int = 0) -> bool:
    """Whether the function ``fn`` computes with real PyTorch: it is one of torch's own
    (``torch.sin``, an ``nn.Module``), or its code names torch (``lambda x: torch.sin(x) * x``
    in a notebook that did ``import torch``), directly or through a function it calls."""
    torch = torch_module()
    if torch is None:
        return False
    if _is_torch_thing(fn) or isinstance(fn, torch.nn.Module):
        return True
    code = getattr(fn, "__code__", None)
    if code is None or _depth > 2:
        return False
    scope = getattr(fn, "__globals__", {})
    cells = [c.cell_contents for c in (getattr(fn, "__closure__", None) or ()) if _filled(c)]
    used = [scope[name] for name in _names(code) if name in scope] + cells
    if any(_is_torch_thing(value) or isinstance(value, torch.nn.Module) for value in used):
        return True
    return any(uses_torch(value, _depth + 1) for value in used if isinstance(value, types.FunctionType))


def _names(code: types.CodeType) -> set[str]:
    """Global names a function's code (and the code nested in it) refers to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _filled(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


def library_for(fn: Any) -> types.ModuleType:
    """The torch-like namespace ``fn`` computes with: torch, or autogradviz itself."""
    if uses_torch(fn):
        return torch_module()
    import autogradviz
    return autogradviz


def library_of(tensor: Any) -> types.ModuleType:
    """The torch-like namespace a tensor belongs to: torch, or autogradviz itself."""
    if is_torch_tensor(tensor):
        return torch_module()
    import autogradviz
    return autogradviz
