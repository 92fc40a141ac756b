"""Real PyTorch graphs, read through the package's public node API.

A ``TorchGraph`` wraps each ``grad_fn`` of a real ``torch`` graph in a ``TorchNode``: an object
with the same read-only API as the package's own nodes (``schema``, ``next_functions``,
``sequence_nr``, ``constants()``, ``params()``, ``saved_values()``, ``output_value()``, ...), so
the tracer, the pictures and the stepper read both engines the same way. The op table gives a
node its texts by PyTorch's grad_fn name; a node without an entry is written generically.

torch is never imported here: every torch object comes in from the caller (``_engines`` tells
torch tensors apart without importing it).
"""
from __future__ import annotations

import re
from functools import cache
from typing import Any

import numpy as np

from .._engines import is_torch_tensor, torch_module
from ..ops.template import placeholders

# Parameters PyTorch always saves but our templates write only when they differ from this.
_DEFAULTS = {"alpha": 1, "beta": 1}
# Python numbers inside ops are saved by PyTorch as 0-dim tensors of these dtypes.
_NUMBER_DTYPES = ("torch.int64", "torch.float64", "torch.bool")
_BUILT_IN = re.compile(r"Backward\d+$")


def is_built_in(fn) -> bool:
    """Whether a node without an op-table entry is one of PyTorch's own (``NativeLayerNormBackward0``),
    not a custom ``autograd.Function`` (``SquareBackward``); the engine's own nodes outside the op
    table (``CopySlices``) carry their ``rule`` in words."""
    return bool(_BUILT_IN.search(fn.name())) or isinstance(getattr(type(fn), "rule", None), str)


def generic_label(fn) -> str:
    """A readable name for a node without an op-table entry: ``native_layer_norm``, ``Square``."""
    name = _BUILT_IN.sub("", fn.name()).removesuffix("Backward")
    if not is_built_in(fn):
        return name
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class _NotKept:
    """A number or tensor inside an op that PyTorch did not keep (``x + 2`` saves no 2)."""

    def __repr__(self) -> str:
        return "const"


NOT_KEPT = _NotKept()


@cache
def _schemas() -> dict[str, Any]:
    """grad_fn name -> OpDef, from the op table (ops whose name depends on shapes are probed)."""
    from ..ops import REGISTRY
    table: dict[str, Any] = {}
    computed = []
    for op in REGISTRY.values():
        if not op.vjps:
            continue
        if isinstance(op.backward, str):
            table.setdefault(op.backward, op)
        else:
            computed.append(op)
    probes = [{}, {"dim": 0}, {"dims": (0,)}, {"index": (0,)}, {"index": (slice(1, 2),)},
              {"index": (None,)}, {"index": (slice(None),)}, {"index": (np.array([0]),)}]
    for op in computed:
        n = max(1, len(op.inputs))
        for ndims in _ndim_grid(n):
            for params in probes:
                try:
                    name = op.backward(ndims, params)
                except Exception:  # a probe this op does not take
                    continue
                table.setdefault(name, op)
    return table


def _ndim_grid(n: int) -> list[tuple[int, ...]]:
    grid: list[tuple[int, ...]] = [()]
    for _ in range(n):
        grid = [g + (d,) for g in grid for d in range(4)]
    return grid


def schema_for(name: str):
    """The OpDef whose grad_fn is called ``name``, or None."""
    return _schemas().get(name)


@cache
def _node_class(name: str, leaf: bool) -> type:
    """The adapter class for PyTorch's grad_fn class ``name``, named like it (texts read the name)."""
    base = TorchAccumulateGrad if leaf else TorchNode
    op = None if leaf else schema_for(name)
    return type(name, (base,), {"__slots__": (), "op": op, "__module__": "builtins"})


class TorchNode:
    """One real ``grad_fn``, read through the package's public node API."""

    op = None
    __slots__ = ("fn", "reader")

    def __init__(self, fn, reader: TorchGraph):
        self.fn = fn
        self.reader = reader

    def name(self) -> str:
        return type(self.fn).__name__   # fn.name() says torch::autograd::AccumulateGrad for leaves

    @property
    def schema(self):
        """The op-table entry for this grad_fn name (None: a custom Function or an op without one)."""
        op = type(self).op
        if op is not None and not op.variadic and len(op.inputs) != len(self.fn.next_functions):
            return None   # PyTorch's node takes other inputs than our entry: written generically
        return op

    @property
    def next_functions(self) -> tuple:
        return tuple((self.reader.node(f), nr) for f, nr in self.fn.next_functions)

    @property
    def sequence_nr(self) -> int:
        return self.fn._sequence_nr()

    def _kept_input(self, i: int):
        """What PyTorch saved for input ``i`` (``_saved_self``, ``_saved_other``, ...), or None."""
        op = self.schema
        if op is None or op.variadic:
            return None
        names = [op.inputs[i]] + (["self"] if i == 0 else [])
        for name in names:
            try:
                value = getattr(self.fn, f"_saved_{name}", None)
            except RuntimeError:   # freed by a backward pass
                return None
            if value is not None:
                return value
        return None

    def constants(self) -> dict[int, Any]:
        """Inputs that take no gradient and that PyTorch kept: numbers and tensors without grad."""
        out = {}
        for i, (f, _) in enumerate(self.fn.next_functions):
            if f is not None:
                continue
            value = self._kept_input(i)
            if value is None:
                if self.schema is not None:
                    out[i] = NOT_KEPT   # x + 2: PyTorch did not keep the 2
                continue
            if value.dim() == 0 and str(value.dtype) in _NUMBER_DTYPES and not value.requires_grad:
                value = value.item()   # a Python number inside the op (2 in x * 2)
            out[i] = value
        return out

    def params(self) -> dict[str, Any]:
        """The saved parameters our templates name (``dim``, ``exponent``, ``alpha`` unless 1)."""
        op = self.schema
        if op is None:
            return {}
        wanted = set()
        for text in (op.expression, op.reflected, *[r for r in op.rules if r], *[s for s in op.sends if s]):
            wanted.update(placeholders(text))
        wanted -= set(op.inputs)
        out = {}
        if "index" in wanted:
            wanted.discard("index")
            index = self._index()
            if index is not None:
                out["index"] = index
        for key in sorted(wanted):
            try:
                value = getattr(self.fn, f"_saved_{key}", None)
            except RuntimeError:
                continue
            if value is None or is_torch_tensor(value) or _DEFAULTS.get(key, object()) == value:
                continue
            if isinstance(value, tuple) and len(value) == 1:
                value = value[0]   # PyTorch keeps dim=1 as (1,)
            out[key] = value
        return out

    def _index(self) -> tuple | None:
        """``x[1:3]``'s index as our getitem keeps it, from what Select/Slice/IndexBackward0 saved."""
        fn = self.fn
        dim = getattr(fn, "_saved_dim", None)
        if dim is not None and hasattr(fn, "_saved_index"):
            index = fn._saved_index
            return (slice(None),) * dim + (index - 2 ** 64 if index >= 2 ** 63 else index,)   # -1 comes as 2⁶⁴ − 1
        if dim is not None and hasattr(fn, "_saved_start"):
            end = fn._saved_end
            stop = None if end is None or end >= 2 ** 62 else end
            step = fn._saved_step
            return (slice(None),) * dim + (slice(fn._saved_start or None, stop, None if step == 1 else step),)
        indices = getattr(fn, "_saved_indices", None)
        if indices is not None:
            return tuple(slice(None) if t is None else t.numpy(force=True) for t in indices)
        return None

    def saved_values(self) -> tuple:
        """What PyTorch saved, by input position (None where nothing was)."""
        if self.schema is None:
            return tuple(getattr(self.fn, "saved_tensors", ()) or ())
        return tuple(self._kept_input(i) for i in range(len(self.fn.next_functions)))

    def output_value(self):
        """The op's result when PyTorch kept it (saved as its result, or as a later op's input)."""
        value = self.reader.values.get(self.fn)
        if value is None:
            try:
                value = getattr(self.fn, "_saved_result", None)
            except RuntimeError:
                value = None
        return None if value is None else _array(value)

    @property
    def output_shape(self) -> tuple | None:
        meta = getattr(self.fn, "_input_metadata", None)
        return tuple(meta[0].shape) if meta else None

    @property
    def output_dtype(self):
        meta = getattr(self.fn, "_input_metadata", None)
        return meta[0].dtype if meta else None

    @property
    def is_freed(self) -> bool:
        """Whether a backward pass freed what this node saved (reading it fails)."""
        for attr in dir(self.fn):
            if attr.startswith("_saved_"):
                try:
                    getattr(self.fn, attr)
                except RuntimeError:
                    return True
        return False

    def __repr__(self) -> str:
        return f"<{self.name()} (torch)>"


class TorchAccumulateGrad(TorchNode):
    """PyTorch's ``AccumulateGrad``: the node of a leaf tensor."""

    __slots__ = ()

    @property
    def variable(self):
        return self.fn.variable

    @property
    def sequence_nr(self) -> int:
        return -1


class TorchGraph:
    """One reading of real PyTorch graphs: each grad_fn gets one ``TorchNode``, kept for the reading
    (pictures and steps refer to nodes by identity)."""

    def __init__(self):
        self._nodes: dict = {}
        self.values: dict = {}   # grad_fn -> a tensor holding its result (saved by a later op)

    def node(self, fn) -> TorchNode | None:
        if fn is None:
            return None
        node = self._nodes.get(fn)
        if node is None:
            name = type(fn).__name__
            node = self._nodes[fn] = _node_class(name, name == "AccumulateGrad")(fn, self)
            self._learn_values(node)
        return node

    def _learn_values(self, node: TorchNode) -> None:
        """Inputs this node saved are the results of the nodes that made them."""
        if node.schema is None:
            return
        for i, (f, _) in enumerate(node.fn.next_functions):
            if f is None or f in self.values:
                continue
            saved = node._kept_input(i)
            if saved is not None and saved.grad_fn is f:
                self.values[f] = saved

    def grad_fn(self, t) -> TorchNode | None:
        return self.node(t.grad_fn)

    def accumulator(self, t) -> TorchNode:
        """The leaf's AccumulateGrad node (the one its graph uses)."""
        torch = torch_module()
        with torch.enable_grad():
            return self.node(t.view_as(t).grad_fn.next_functions[0][0])

    def detached_from(self, t, candidates) -> TorchNode | None:
        """The node whose result ``t`` was detached from: a tensor among ``candidates`` with the same
        memory, shape and strides (PyTorch keeps no link, only the shared memory)."""
        if t.requires_grad or t.numel() == 0:
            return None
        key = _memory(t)
        for c in candidates:
            if c is not t and c.requires_grad and _memory(c) == key:
                return self.grad_fn(c) if c.grad_fn is not None else self.accumulator(c)
        return None


def _memory(t) -> tuple:
    return (t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape), t.stride())


def _array(t) -> np.ndarray:
    """A torch tensor's values as a read-only NumPy array."""
    view = t.numpy(force=True).view()
    view.flags.writeable = False
    return view


def dtype_name(dtype) -> str:
    """``float32`` for the package's dtypes and for torch's (``torch.float32``)."""
    return getattr(dtype, "name", None) or str(dtype).removeprefix("torch.")
