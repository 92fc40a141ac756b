"""Walk the engine's graph (iteratively) into the plain ``Graph`` description."""
from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._printing import summary
from ..autograd.node import AccumulateGrad
from ..tensor import Tensor
from .model import Edge, Graph, Node

SUMMARIZE_UP_TO = 5000  # larger graphs get their value text after collapsing (see summarize)


def _shape_dtype(node) -> tuple[tuple, str]:
    shape = getattr(node, "_out_shape", None)
    if shape is None and getattr(node, "_out", None) is not None:
        shape = node._out.shape
    dtype = getattr(node, "_out_dtype", None)
    return tuple(shape or ()), (dtype.name if dtype is not None else "float32")


def _scalar_text(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def trace(*tensors: Tensor, names: Mapping[str, Any] | None = None,
          ids: dict | None = None, detached: bool = True) -> Graph:
    """Describe the graph behind ``tensors`` as plain data.

    names: ``{"w": w}`` overrides the names found in the caller's frame (``ids``, a table
        id(tensor) -> (name, tensor) from ``graph.names``, replaces the frame search; the widgets
        and the magic pass it). detached: also draw what a detached constant came from, with a
        cut edge.
    """
    from .names import caller_names, names_from_mapping
    if not tensors:
        raise TypeError("trace() needs at least one tensor")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"trace() expects tensors, got {type(t).__name__} at position {i}")
    found = dict(ids) if ids is not None else caller_names()
    if names:
        found.update(names_from_mapping(names))
    return _Tracer(found, detached).run(tensors)


class _Tracer:
    def __init__(self, names: dict, detached: bool):
        self.names = {k: name for k, (name, _) in names.items()}
        self.named_tensors = [t for _, t in names.values()]
        self.detached = detached
        self.graph = Graph()
        self.by_engine: dict[int, Node] = {}
        self.keep: list = []  # engine objects whose id() we recorded stay alive while tracing
        # grad_fn -> a named tensor that holds it (for names and values of intermediates)
        self.holders: dict[int, Tensor] = {}

    def _new(self, key: Any, **fields) -> Node:
        node = Node(id=f"n{len(self.graph.nodes)}", **fields)
        self.graph.nodes.append(node)
        self.by_engine[id(key)] = node
        self.graph.index[id(key)] = node.id
        self.keep.append(key)
        return node

    def run(self, tensors) -> Graph:
        # Named tensors (and the outputs) give names and values to the op nodes they hold.
        for t in list(tensors) + self.named_tensors:
            if t._grad_fn is not None:
                self.holders.setdefault(id(t._grad_fn), t)
        queue: deque = deque()
        for t in tensors:
            node = self._visit_tensor(t, queue)
            node.kind = "output"
        while queue:
            self._expand(queue.popleft(), queue)
        if len(self.graph.nodes) <= SUMMARIZE_UP_TO:
            summarize(self.graph)
        return self.graph

    def _visit_tensor(self, t: Tensor, queue) -> Node:
        if t._grad_fn is not None:
            return self._visit_fn(t._grad_fn, queue, holder=t)
        if t._requires_grad:
            from ..autograd.node import accumulator
            acc = accumulator(t)
            return self._visit_fn(acc, queue)
        return self._constant(t, queue)

    def _visit_fn(self, fn, queue, holder: Tensor | None = None) -> Node:
        node = self.by_engine.get(id(fn))
        if node is not None:
            return node
        if isinstance(fn, AccumulateGrad):
            t = fn.variable
            name = self.names.get(id(t))
            node = self._new(fn, kind="leaf", label=name or "leaf", name=name, op="AccumulateGrad",
                             symbol="leaf", shape=tuple(t._data.shape), dtype=t._dtype.name,
                             formula="∂L/∂leaf accumulates into .grad")
            self.graph.index[id(t)] = node.id
            self.graph.arrays[node.id] = (t._data, None if t._grad is None else t._grad._data)
            return node
        if holder is None:
            holder = self.holders.get(id(fn))
        name = self.names.get(id(holder)) if holder is not None else None
        op = getattr(fn, "op", None)
        symbol = op.symbol if op is not None else type(fn).__name__.removesuffix("Backward")
        shape, dtype = _shape_dtype(fn)
        label = name or (op.name if op is not None else symbol)
        scalars = [(_scalar_text(c)) for _, c in (fn._constants or ()) if not isinstance(c, Tensor)]
        if scalars and op is not None and len(scalars) == 1:
            detail = f"{symbol} {scalars[0]}"
        else:
            detail = symbol
        formula = op.formula_text() if op is not None else f"custom rule: {type(fn).__name__.removesuffix('Backward')}.backward"
        node = self._new(fn, kind="op", label=label, name=name, op=fn.name(), symbol=detail,
                         shape=shape, dtype=dtype, formula=formula,
                         saved=self._saved_text(fn), order=fn._seq)
        value = fn._out if getattr(fn, "_out", None) is not None else (holder._data if holder is not None else None)
        grad = holder._grad._data if holder is not None and holder._grad is not None else None
        self.graph.arrays[node.id] = (value, grad)
        if holder is not None:
            self.graph.index[id(holder)] = node.id
        queue.append(fn)
        return node

    def _saved_text(self, fn) -> list[str]:
        saved = getattr(fn, "_saved", None) or ()
        out = []
        for s in saved:
            if s is None:
                continue
            if isinstance(s, Tensor):
                out.append(self.names.get(id(s)) or f"tensor{tuple(s._data.shape)}")
            else:
                out.append(_scalar_text(s))
        if getattr(fn, "op", None) is not None and fn.op.save_out:
            out.append("result")
        return out

    def _constant(self, t: Tensor, queue) -> Node:
        node = self.by_engine.get(id(t))
        if node is not None:
            return node
        name = self.names.get(id(t))
        node = self._new(t, kind="constant", label=name or "const", name=name, shape=tuple(t._data.shape),
                         dtype=t._dtype.name, requires_grad=False, formula="no gradient flows into a constant")
        self.graph.arrays[node.id] = (t._data, None)
        origin = t._meta.detached_from() if (self.detached and t._meta is not None and t._meta.detached_from) else None
        if origin is not None:
            src = self._visit_fn(origin, queue)
            self.graph.edges.append(Edge(src=src.id, dst=node.id, position=0, cut=True))
        return node

    def _expand(self, fn, queue) -> None:
        node = self.by_engine[id(fn)]
        constants = dict(getattr(fn, "_constants", None) or ())
        for i, nxt in enumerate(fn._fns):
            if nxt is not None:
                src = self._visit_fn(nxt, queue)
            elif isinstance(constants.get(i), Tensor):
                src = self._constant(constants[i], queue)
            else:
                continue
            node_edge = Edge(src=src.id, dst=node.id, position=i)
            self.graph.edges.append(node_edge)


def summarize(graph: Graph, node_ids=None) -> Graph:
    """Fill in the value and grad text of nodes (all, or the given ids) from ``graph.arrays``."""
    targets = graph.nodes if node_ids is None else [graph.node(i) for i in node_ids]
    for node in targets:
        value, grad = graph.arrays.get(node.id, (None, None))
        if value is not None:
            node.value = summary(np.asarray(value))
            node.shape = tuple(np.shape(value))
        if grad is not None:
            node.grad = summary(np.asarray(grad))
        parts = [node.op or node.kind]
        if node.shape:
            parts.append(f"shape {tuple(node.shape)} {node.dtype}")
        if node.formula:
            parts.append(node.formula)
        node.tooltip = "\n".join(parts)
    return graph
