"""Containers: ``nn.Sequential``, ``nn.ModuleList``, ``nn.ModuleDict``, ``nn.ParameterList`` and
``nn.ParameterDict``."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping

from ...tensor import Tensor
from ..parameter import Parameter
from .module import Module


def _index(idx: int, n: int, kind: str) -> int:
    if not -n <= idx < n:
        raise IndexError(f"index {idx} is out of range for a {kind} of {n} modules")
    return idx % n


class Sequential(Module):
    """Modules applied in order, each to the previous one's output. Children are named
    "0", "1", ... (or by the keys of an OrderedDict); indexing, slicing, len and iteration work."""

    def __init__(self, *args: Module) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        keys = list(self._modules)
        return self._modules[keys[_index(idx, len(keys), "Sequential")]]

    def __setitem__(self, idx: int, module: Module) -> None:
        keys = list(self._modules)
        self.add_module(keys[_index(idx, len(keys), "Sequential")], module)

    def __delitem__(self, idx) -> None:
        keys = list(self._modules)
        doomed = keys[idx] if isinstance(idx, slice) else [keys[_index(idx, len(keys), "Sequential")]]
        for k in doomed:
            del self._modules[k]
        if all(k.isdigit() for k in self._modules):   # renumber, as PyTorch does
            items = list(self._modules.values())
            self._modules.clear()
            for i, m in enumerate(items):
                self._modules[str(i)] = m

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end."""
        self.add_module(str(len(self)), module)
        return self

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(Module):
    """A list of modules whose parameters the owning module registers."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        keys = list(self._modules)
        return self._modules[keys[_index(idx, len(keys), "ModuleList")]]

    def __setitem__(self, idx: int, module: Module) -> None:
        keys = list(self._modules)
        self.add_module(keys[_index(idx, len(keys), "ModuleList")], module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for m in modules:
            self.append(m)
        return self

    def _child_lines(self) -> list[str]:
        # Runs of identical children print once: "(0-2): 3 x Linear(...)", as in PyTorch.
        lines, items = [], [(k, repr(m)) for k, m in self._modules.items()]
        i = 0
        while i < len(items):
            j = i
            while j + 1 < len(items) and items[j + 1][1] == items[i][1]:
                j += 1
            from .module import _indent
            text = _indent(items[i][1], 2)
            if j > i:
                lines.append(f"({items[i][0]}-{items[j][0]}): {j - i + 1} x {text}")
            else:
                lines.append(f"({items[i][0]}): {text}")
            i = j + 1
        return lines


class _ByName:
    """The dict protocol over one of a Module's ordered stores (``_modules`` or ``_parameters``)."""

    _store: str

    def _items(self) -> OrderedDict:
        return self.__dict__[self._store]

    def __getitem__(self, key: str):
        return self._items()[key]

    def __delitem__(self, key: str) -> None:
        del self._items()[key]

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self) -> Iterator[str]:
        return iter(self._items())

    def __contains__(self, key: str) -> bool:
        return key in self._items()

    def keys(self):
        """The names, in insertion order."""
        return self._items().keys()

    def values(self):
        """The entries, in insertion order."""
        return self._items().values()

    def items(self):
        """(name, entry) pairs, in insertion order."""
        return self._items().items()

    def pop(self, key: str):
        """Remove the entry named ``key`` and return it."""
        return self._items().pop(key)

    def clear(self) -> None:
        """Remove every entry."""
        self._items().clear()


class ModuleDict(_ByName, Module):
    """Modules by name, registered as children of the owning module (an ordered dict)."""

    _store = "_modules"

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace modules from a mapping or from (name, module) pairs."""
        pairs = modules.items() if isinstance(modules, (Mapping, ModuleDict)) else modules
        for key, module in pairs:
            self[key] = module


class ParameterList(Module):
    """Parameters in a list, registered with the owning module (named "0", "1", ...); a plain tensor
    appended becomes a Parameter."""

    def __init__(self, values: Iterable[Tensor] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._parameters.values())[idx])
        keys = list(self._parameters)
        return self._parameters[keys[_index(idx, len(keys), "ParameterList")]]

    def __setitem__(self, idx: int, value: Tensor) -> None:
        keys = list(self._parameters)
        self.register_parameter(keys[_index(idx, len(keys), "ParameterList")], _as_parameter(value))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def append(self, value: Tensor) -> ParameterList:
        """Add ``value`` (made a Parameter if it is a plain tensor) at the end."""
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Tensor]) -> ParameterList:
        """Append each of ``values``."""
        for v in values:
            self.append(v)
        return self

    def __repr__(self) -> str:
        lines = [f"    ({k}): {_parameter_summary(p)}" for k, p in self._parameters.items()]
        return "ParameterList(\n" + "".join(line + "\n" for line in lines) + ")"


class ParameterDict(_ByName, Module):
    """Parameters by name, registered with the owning module."""

    _store = "_parameters"

    def __init__(self, parameters: Mapping[str, Tensor] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __setitem__(self, key: str, value: Tensor) -> None:
        self.register_parameter(key, _as_parameter(value))

    def update(self, parameters: Mapping[str, Tensor] | Iterable[tuple[str, Tensor]]) -> None:
        """Add or replace parameters from a mapping or from (name, tensor) pairs (a plain dict's in
        sorted key order, as PyTorch does)."""
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = parameters.items()
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())
        else:
            pairs = parameters
        for key, value in pairs:
            self[key] = value

    def _child_lines(self) -> list[str]:
        return [f"({k}): {_parameter_summary(p)}" for k, p in self._parameters.items()]


def _as_parameter(value: Tensor) -> Parameter:
    if isinstance(value, Parameter):
        return value
    if not isinstance(value, Tensor):
        raise TypeError(f"cannot assign '{type(value).__name__}' object to a parameter list (torch.Tensor or None "
                        "required)")
    return Parameter(value)


def _parameter_summary(p: Parameter) -> str:
    size = "x".join(str(s) for s in p.shape)
    return f"Parameter containing: [{p.dtype} of size {size}]"
