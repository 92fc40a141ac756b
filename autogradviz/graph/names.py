"""Find the user's variable names for tensors: the caller's locals, then its globals (a notebook
cell's namespace), including parameters reachable through nn.Module objects."""
from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

_HIDDEN = re.compile(r"^_.*|^(In|Out|exit|quit|get_ipython)$")


def _is_tensor(obj) -> bool:
    from .._engines import is_torch_tensor
    from ..tensor import Tensor
    return isinstance(obj, Tensor) or is_torch_tensor(obj)


Names = dict  # id(tensor) -> (name, tensor): the tensor is kept so its graph can be found


def names_from_namespace(namespace: Mapping[str, Any], out: Names | None = None) -> Names:
    """id(tensor) -> (name, tensor) for the tensors (and module parameters) in ``namespace``."""
    out = {} if out is None else out
    for name, value in list(namespace.items()):
        if _HIDDEN.match(name):
            continue
        if _is_tensor(value):
            out.setdefault(id(value), (name, value))
        elif hasattr(value, "named_parameters") and callable(value.named_parameters):
            try:
                for pname, p in value.named_parameters():
                    out.setdefault(id(p), (f"{name}.{pname}", p))
            except Exception:  # a foreign object with a method of that name
                continue
        elif isinstance(value, (list, tuple)) and 0 < len(value) <= 64:
            for i, item in enumerate(value):
                if _is_tensor(item):
                    out.setdefault(id(item), (f"{name}[{i}]", item))
    return out


def caller_names(skip_package: str = "autogradviz") -> Names:
    """Names from the first frame outside autogradviz: its locals first, then its globals."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == skip_package:
        frame = frame.f_back
    if frame is None:
        return {}
    names = names_from_namespace(frame.f_locals)
    if frame.f_locals is not frame.f_globals:
        names_from_namespace(frame.f_globals, names)
    return names


def names_from_mapping(names: Mapping[str, Any]) -> Names:
    """The ``names={"w": w}`` override, as id(tensor) -> (name, tensor)."""
    out: Names = {}
    for name, value in names.items():
        if _is_tensor(value):
            out[id(value)] = (name, value)
        elif hasattr(value, "named_parameters"):
            for pname, p in value.named_parameters():
                out[id(p)] = (f"{name}.{pname}", p)
        else:
            raise TypeError(f"names[{name!r}] must be a tensor or a module, not {type(value).__name__}")
    return out
