"""Walk the engine's graph (iteratively) into the plain ``Graph`` description."""
from __future__ import annotations

import gc
from collections import deque
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._engines import is_torch_tensor
from .._errors import raised_in_callers_code
from .._printing import summary
from ..autograd.node import AccumulateGrad, detached_from
from ..ops.template import number_text
from ..tensor import Tensor
from .model import Edge, Graph, Node
from .torch_graph import dtype_name

SUMMARIZE_UP_TO = 5000  # larger graphs get their value text after collapsing (see summarize)


def require_tensors(values: tuple, what: str) -> None:
    """Refuse, in one sentence, anything but tensors (``draw_graph(3)``)."""
    if not values:
        raise TypeError(f"{what}() needs a tensor: pass the tensor whose graph you want to see, for example "
                        f"{what}(loss)")
    for value in values:
        if not is_tensor(value):
            shown = repr(value) if len(repr(value)) <= 20 else type(value).__name__
            raise TypeError(f"{what}({shown}): {shown} is a{'n' if type(value).__name__[0] in 'aeiou' else ''} "
                            f"{type(value).__name__}, not a tensor; pass the tensor whose graph you want to see, "
                            f"for example {what}(loss)")


def is_tensor(value) -> bool:
    """A tensor of the package or of real PyTorch (pictures take both)."""
    return isinstance(value, Tensor) or is_torch_tensor(value)


@raised_in_callers_code
def trace(*tensors: Tensor, names: Mapping[str, Any] | None = None,
          ids: dict | None = None, detached: bool = True, reader=None) -> Graph:
    """Describe the graph behind ``tensors`` as plain data.

    names: ``{"w": w}`` overrides the names found in the caller's frame (``ids``, a table
        id(tensor) -> (name, tensor) from ``graph.names``, replaces the frame search; the widgets
        and the magic pass it). detached: also draw what a detached constant came from, with a
        cut edge. Real ``torch`` tensors are read through ``graph.torch_graph`` (``reader``, a
        ``TorchGraph``, keeps the nodes the same objects across a picture and its steps).
    """
    from .names import caller_names, names_from_mapping
    require_tensors(tensors, "trace")
    found = dict(ids) if ids is not None else caller_names()
    if names:
        found.update(names_from_mapping(names))
    torch_tensors = [is_torch_tensor(t) for t in tensors]
    if any(torch_tensors):
        if not all(torch_tensors):
            raise TypeError("trace() takes tensors of one engine: all of autogradviz or all of torch")
        from .torch_graph import TorchGraph
        return _TorchTracer(found, detached, reader or TorchGraph()).run(tensors)
    return _Tracer(found, detached).run(tensors)


class _Tracer:
    def __init__(self, names: dict, detached: bool):
        self.names = {k: name for k, (name, _) in names.items()}
        self.named_tensors = [t for _, t in names.values()]
        self.detached = detached
        self.graph = Graph()
        self.by_engine: dict[int, Node] = {}
        self.keep: list = []  # engine objects whose id() we recorded stay alive while tracing
        # grad_fn -> a named tensor that holds it (for names and values of intermediates), and
        # (grad_fn, output number) -> the tensor holding that output (ops with several outputs)
        self.holders: dict[int, Tensor] = {}
        self.output_holders: dict[tuple[int, int], Tensor] = {}
        self.outputs_used: dict[int, int] = {}  # id(grad_fn) -> highest output number referred to
        self.ops: list = []   # (engine node, picture node) of every op, to write their texts
        self.inputs: dict[int, list] = {}   # id(engine node) -> its inputs' picture nodes (None: a number)

    def _new(self, key: Any, **fields) -> Node:
        node = Node(id=f"n{len(self.graph.nodes)}", **fields)
        self.graph.nodes.append(node)
        self.by_engine[id(key)] = node
        self.graph.index[id(key)] = node.id
        self.keep.append(key)
        return node

    def run(self, tensors) -> Graph:
        # Tracing makes many small objects and no reference cycles: the cyclic garbage collector's
        # passes over a big graph would cost more than the walk itself.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run(tensors)
        finally:
            if collecting:
                gc.enable()

    def _run(self, tensors) -> Graph:
        # Named tensors (and the outputs) give names and values to the op nodes they hold.
        for t in list(tensors) + self.named_tensors:
            fn = self._node_of(t)
            if fn is not None:
                self.holders.setdefault(id(fn), t)
                nr = t.output_nr
                self.output_holders.setdefault((id(fn), nr), t)
                if nr:
                    self.outputs_used[id(fn)] = max(nr, self.outputs_used.get(id(fn), 0))
        queue: deque = deque()
        for t in tensors:
            node = self._visit_tensor(t, queue)
            node.kind = "output"
        while queue:
            self._expand(queue.popleft(), queue)
        self._write_texts()
        if len(self.graph.nodes) <= SUMMARIZE_UP_TO:
            summarize(self.graph)
        return self.graph

    def _visit_tensor(self, t: Tensor, queue) -> Node:
        fn = self._node_of(t)
        if fn is not None:
            return self._visit_fn(fn, queue, holder=t)
        if t.requires_grad:
            return self._visit_fn(self._accumulator(t), queue)
        return self._constant(t, queue)

    # What differs between the engines: how a tensor's node is found (see _TorchTracer) -------
    def _node_of(self, t):
        return t.grad_fn

    def _accumulator(self, t):
        from ..autograd.node import accumulator
        return accumulator(t)

    def _is_leaf_node(self, fn) -> bool:
        return isinstance(fn, AccumulateGrad)

    def _detached_from(self, t):
        return detached_from(t)

    def _visit_fn(self, fn, queue, holder: Tensor | None = None) -> Node:
        node = self.by_engine.get(id(fn))
        if node is not None:
            return node
        if self._is_leaf_node(fn):
            t = fn.variable
            name = self.names.get(id(t))
            node = self._new(fn, kind="leaf", label=name or "leaf", name=name, op="AccumulateGrad",
                             symbol="leaf", title=name or "leaf", shape=tuple(t.shape), dtype=dtype_name(t.dtype),
                             formula="∂L/∂leaf accumulates into .grad")
            self.graph.index[id(t)] = node.id
            self.graph.arrays[node.id] = (_array(t), None if t.grad is None else _array(t.grad))
            return node
        if holder is None:
            holder = self.holders.get(id(fn))
        name = self.names.get(id(holder)) if holder is not None else None
        op = fn.schema
        symbol = op.label if op is not None else type(fn).__name__.removesuffix("Backward")
        shape = fn.output_shape or (tuple(holder.shape) if holder is not None else ())
        dtype = fn.output_dtype or (holder.dtype if holder is not None else None)
        node = self._new(fn, kind="op", label=name or symbol, name=name, op=fn.name(), symbol=symbol,
                         shape=tuple(shape), dtype=dtype_name(dtype) if dtype is not None else "float32",
                         saved=self._saved_text(fn), order=fn.sequence_nr)
        value = fn.output_value()
        if value is None and holder is not None:
            value = _array(holder)
        grad = None
        if holder is not None and (holder.is_leaf or holder.retains_grad) and holder.grad is not None:
            grad = _array(holder.grad)
        self.graph.arrays[node.id] = (value, grad)
        if holder is not None:
            self.graph.index[id(holder)] = node.id
        self.ops.append((fn, node))
        queue.append(fn)
        return node

    def _write_texts(self) -> None:
        """Titles, labels and rules in the student's names, inputs before the ops that use them."""
        from . import texts
        for fn, node in sorted(self.ops, key=lambda pair: pair[1].order):
            labels = self._input_labels(fn)
            terms = texts.op_terms(fn, labels.__getitem__)
            expr, rules = texts.describe(fn, terms)
            if id(fn) in self.outputs_used:
                self._name_outputs(fn, node)
            if node.name is None:
                node.label = texts.unnamed_label(fn, expr)
            if node.output_labels:
                base = node.label
                node.output_labels = [lb or f"{base}[{k}]" for k, lb in enumerate(node.output_labels)]
            node.title = texts.title(node.name, expr)
            if fn.schema is None:
                node.formula = texts.generic_rule(fn)
            else:
                node.formula = "\n".join(r for r in rules if r)

    def _name_outputs(self, fn, node: Node) -> None:
        """An op with several outputs used apart (``a, b = x.split(2)``): one name and value per
        output; the box is named ``a, b`` when every output has a name."""
        names: list[str | None] = []
        values: list[str | None] = []
        for nr in range(self.outputs_used[id(fn)] + 1):
            holder = self.output_holders.get((id(fn), nr))
            names.append(self.names.get(id(holder)) if holder is not None else None)
            values.append(summary(np.asarray(_array(holder))) if holder is not None else None)
            if holder is not None:
                self.graph.index[id(holder)] = node.id
                self.graph.arrays[output_key(node.id, nr)] = (_array(holder), None)
        node.output_labels, node.output_values = names, values
        # the box shows every output's value, not the first holder's alone
        self.graph.arrays[node.id] = (None, None)
        node.value = "; ".join(v or "…" for v in values)
        node.name = ", ".join(names) if all(names) else None
        node.label = node.name or node.label

    def _input_labels(self, fn) -> list[str | None]:
        """How ``fn`` refers to each input: its box's label (or, for one output of an op with
        several, that output's), or a number (None: no input there)."""
        from . import texts
        labels: list[str | None] = []
        constants = None
        for src, nr in self.inputs[id(fn)]:
            if src is not None and src.kind != "constant":
                labels.append(src.output_labels[nr] if nr < len(src.output_labels) else src.label)
                continue
            if constants is None:
                constants = fn.constants()
            c = constants.get(len(labels))
            labels.append(None if c is None and len(labels) not in constants else
                          texts.constant_label(c, self.names.get(id(c)) if is_tensor(c) else None))
        return labels

    def _saved_text(self, fn) -> list[str]:
        out = []
        for s in fn.saved_values():
            if s is None:
                continue
            if is_tensor(s):
                out.append(self.names.get(id(s)) or f"tensor{tuple(s.shape)}")
            else:
                out.append(number_text(s))
        if fn.schema is not None and fn.schema.save_out:
            out.append("result")
        return out

    def _constant(self, t: Tensor, queue) -> Node:
        node = self.by_engine.get(id(t))
        if node is not None:
            return node
        name = self.names.get(id(t))
        node = self._new(t, kind="constant", label=name or "const", name=name, shape=tuple(t.shape),
                         dtype=dtype_name(t.dtype), requires_grad=False, formula="no gradient flows into a constant")
        self.graph.arrays[node.id] = (_array(t), None)
        origin = self._detached_from(t) if self.detached else None
        if origin is not None:
            src = self._visit_fn(origin, queue)
            self.graph.edges.append(Edge(src=src.id, dst=node.id, position=0, cut=True))
        return node

    def _expand(self, fn, queue) -> None:
        node = self.by_engine[id(fn)]
        constants = fn.constants()
        inputs = self.inputs[id(fn)] = []
        for i, (nxt, nr) in enumerate(fn.next_functions):
            if nxt is not None:
                src = self._visit_fn(nxt, queue)
                if nr:
                    self.outputs_used[id(nxt)] = max(nr, self.outputs_used.get(id(nxt), 0))
            elif is_tensor(constants.get(i)):
                src = self._constant(constants[i], queue)
            else:
                inputs.append((None, 0))
                continue
            inputs.append((src, nr))
            self.graph.edges.append(Edge(src=src.id, dst=node.id, position=i, output=nr))


def output_key(node_id: str, nr: int) -> str:
    """The key in ``Graph.arrays`` of output ``nr`` of a node with several outputs."""
    return f"{node_id}#{nr}"


def _array(t) -> np.ndarray:
    """The tensor's values, read only (pictures never write them)."""
    view = t.numpy(force=True).view()
    view.flags.writeable = False
    return view


class _TorchTracer(_Tracer):
    """The same walk over a real PyTorch graph, its nodes read through a ``TorchGraph``."""

    def __init__(self, names: dict, detached: bool, reader):
        super().__init__(names, detached)
        self.reader = reader
        self.graph.source = reader

    def _node_of(self, t):
        return self.reader.grad_fn(t)

    def _accumulator(self, t):
        return self.reader.accumulator(t)

    def _is_leaf_node(self, fn) -> bool:
        return fn.name() == "AccumulateGrad"

    def _detached_from(self, t):
        return self.reader.detached_from(t, self.named_tensors)


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
