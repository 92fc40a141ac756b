"""The models behind the steppers: plain Python, no widgets, driven by tests and by the widgets.

``BackwardWalk`` records the engine's own backward steps (``autograd.backward_steps``, the code
``backward()`` runs) without touching the user's ``.grad`` or freeing their graph, and explains
each step. ``ForwardWalk`` replays the forward pass node by node in creation order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._printing import summary
from ..autograd.engine import Step, backward_steps
from ..autograd.node import AccumulateGrad
from ..graph import Graph, caller_names, trace
from ..tensor import Tensor


def _short(value, max_elements: int = 6) -> str:
    if value is None:
        return "0"
    return summary(np.asarray(getattr(value, "_data", value)), max_elements)


def check_output(y: Any, what: str) -> None:
    """Refuse, with one clear sentence, a value that has no graph to walk."""
    if not isinstance(y, Tensor):
        raise TypeError(f"{what} needs a tensor, got {type(y).__name__}")
    if not y.requires_grad:
        raise ValueError(
            f"{what}: this tensor does not require grad and has no graph to walk. Create its inputs with "
            "requires_grad=True (for example torch.arange(4.0, requires_grad=True)) and compute it again.")


_LETTER = {"a": 0, "b": 1}


def _with_names(formula: str, out: str, inputs: list[str]) -> str:
    """Put the student's names into a rule: ∂(a·b)/∂a = b becomes ∂(x·y)/∂x = y."""
    if not all(re.fullmatch(r"[A-Za-z_][\w.\[\]]{0,11}|-?[\d.]+", s) for s in inputs[:2]):
        return formula

    def swap(m: re.Match) -> str:
        i = _LETTER[m.group(0)]
        return inputs[i] if i < len(inputs) else m.group(0)
    return re.sub(r"(?<![A-Za-z])[ab](?![A-Za-z])", swap, formula)


def _call(symbol: str, inputs: list[str]) -> str:
    if len(inputs) == 2 and len(symbol.split()[0]) <= 2:
        return f"{inputs[0]} {symbol.split()[0]} {inputs[1]}"
    return f"{symbol.split()[0]}({', '.join(inputs)})"


@dataclass
class StepState:
    """What the widget shows at one step."""

    index: int                      # 1-based step number (0 = before the first step)
    total: int
    node_id: str | None             # the picture's node being processed
    op: str | None                  # its grad_fn name
    incoming: Any                   # the gradient that arrived (NumPy array)
    outgoing: list = field(default_factory=list)   # [(input node id, position, gradient)]
    contributions: list = field(default_factory=list)  # [(from node id, gradient)] that summed to incoming
    leaf_grads: dict = field(default_factory=dict)  # leaf node id -> accumulated gradient so far
    text: str = ""                  # the worked explanation, plain text
    done: list = field(default_factory=list)        # node ids already processed


class BackwardWalk:
    """All steps of ``y.backward(gradient)`` recorded from the engine, with explanations."""

    def __init__(self, y: Tensor, gradient: Tensor | None = None, *, names: dict | None = None,
                 ids: dict | None = None):
        check_output(y, "step_backward")
        if y.grad_fn is None:
            raise ValueError(
                "step_backward: this tensor is a leaf (it was created, not computed), so backward has "
                "nothing to step through. Pass the result of a computation, e.g. y = (x * x).sum().")
        self.output = y
        self.gradient = gradient
        self.ids = ids if ids is not None else caller_names()
        self.graph: Graph = trace(y, names=names, ids=self.ids)
        self.names = {k: n for k, (n, _) in self.ids.items()}
        # The engine's own steps: same generator as backward(), nothing written, nothing freed.
        self.steps: list[Step] = list(backward_steps([y], [gradient], retain_graph=True, accumulate=False))
        self.index = 0
        self._contributions = self._collect_contributions()

    # --- navigation ----------------------------------------------------------------------
    @property
    def total(self) -> int:
        return len(self.steps)

    def next(self) -> StepState:
        return self.goto(min(self.index + 1, self.total))

    def prev(self) -> StepState:
        return self.goto(max(self.index - 1, 0))

    def reset(self) -> StepState:
        return self.goto(0)

    def goto(self, k: int) -> StepState:
        if not 0 <= k <= self.total:
            raise IndexError(f"step {k} is outside 0..{self.total}")
        self.index = k
        return self.state

    # --- what each step shows ------------------------------------------------------------
    def node_id(self, engine_node) -> str | None:
        return self.graph.index.get(id(engine_node))

    def _collect_contributions(self) -> dict:
        """For each engine node: which earlier step sent it which gradient (to show sums)."""
        received: dict[int, list] = {}
        for step in self.steps:
            for nxt, g in zip(step.node._fns, step.grad_inputs):
                if nxt is not None and g is not None:
                    received.setdefault(id(nxt), []).append((self.node_id(step.node), g))
        return received

    def leaf_grads(self, k: int) -> dict:
        grads = {}
        for step in self.steps[:k]:
            if step.leaf is not None:
                grads[self.node_id(step.node)] = step.grad_after
        return grads

    @property
    def state(self) -> StepState:
        k = self.index
        done = [self.node_id(s.node) for s in self.steps[:k]]
        if k == 0:
            return StepState(0, self.total, None, None, None, done=[], leaf_grads={},
                             text=f"Ready: {self.total} steps. Backward starts at the output with "
                                  f"∂L/∂{self._label(self.steps[0].node) if self.steps else 'y'} = "
                                  f"{_short(self.steps[0].grad_output) if self.steps else '1'}.")
        step = self.steps[k - 1]
        node_id = self.node_id(step.node)
        outgoing = [(self.node_id(nxt), i, g) for i, (nxt, g) in enumerate(zip(step.node._fns, step.grad_inputs))
                    if nxt is not None and g is not None]
        contributions = self._contributions.get(id(step.node), [])
        return StepState(k, self.total, node_id, step.node.name(), step.grad_output, outgoing,
                         contributions, self.leaf_grads(k), self.explain(step, contributions), done)

    def _label(self, engine_node) -> str:
        nid = self.node_id(engine_node)
        if nid is None:
            return engine_node.name()
        return self.graph.node(nid).label

    def explain(self, step: Step, contributions=()) -> str:
        """The step as a worked solution, in one or a few short lines."""
        me = self._label(step.node)
        arrived = f"∂L/∂{me} = {_short(step.grad_output)} arrives"
        if len(contributions) > 1:
            arrived += " (" + " + ".join(_short(g) for _, g in contributions) + ", summed)"
        if isinstance(step.node, AccumulateGrad):
            before = "0" if step.grad_before is None else _short(step.grad_before)
            return f"{me} is a leaf  ·  {arrived}  ·  {me}.grad: {before} → {_short(step.grad_after)}"
        node = self.graph.node(self.node_id(step.node)) if self.node_id(step.node) else None
        inputs = self._input_labels(step.node)
        head = f"{me} = {_call(node.symbol if node else step.node.name(), inputs)}"
        parts = [head, arrived]
        op = getattr(step.node, "op", None)
        for i, (nxt, g) in enumerate(zip(step.node._fns, step.grad_inputs)):
            if nxt is None or g is None:
                continue
            target = self._label(nxt)
            if op is not None:
                rule = _with_names(op.formulas[0 if op.variadic else i], me, inputs)
            else:
                rule = f"{type(step.node).__name__.removesuffix('Backward')}.backward (custom rule)"
            parts.append(f"{rule}  →  {target} receives {_short(g)}")
        return "  ·  ".join(parts)

    def _input_labels(self, engine_node) -> list[str]:
        labels = []
        constants = dict(getattr(engine_node, "_constants", None) or ())
        for i, nxt in enumerate(engine_node._fns):
            if nxt is not None:
                labels.append(self._label(nxt))
            elif i in constants:
                c = constants[i]
                labels.append(self.names.get(id(c)) or _short(c, 3))
            else:
                labels.append("?")
        return labels

    def final_grads(self) -> dict:
        """Leaf tensor -> the gradient it holds after the last step (what backward() leaves)."""
        out = {}
        for step in self.steps:
            if step.leaf is not None:
                out[step.leaf] = step.grad_after
        return out

    def apply(self) -> None:
        """Accumulate into the leaves' ``.grad``, as ``backward()`` would have."""
        from ..tensor import _make
        for leaf, grad in self.final_grads().items():
            data = np.array(grad, dtype=leaf._dtype.np, copy=True)
            if leaf._grad is None:
                leaf._grad = _make(data, leaf._dtype)
            else:
                leaf._grad._data[...] = data
                leaf._grad._bump()


class ForwardWalk:
    """The forward pass replayed op by op, in the order the ops ran."""

    def __init__(self, y: Tensor, *, names: dict | None = None, ids: dict | None = None):
        check_output(y, "step_forward")
        self.ids = ids if ids is not None else caller_names()
        self.graph = trace(y, names=names, ids=self.ids)
        # Leaves and constants first (in picture order), then the ops in the order they ran.
        inputs = [n.id for n in self.graph.nodes if n.order < 0]
        ops = sorted((n for n in self.graph.nodes if n.order >= 0), key=lambda n: n.order)
        self.order = inputs + [n.id for n in ops]
        self.index = 0

    @property
    def total(self) -> int:
        return len(self.order)

    def goto(self, k: int):
        if not 0 <= k <= self.total:
            raise IndexError(f"step {k} is outside 0..{self.total}")
        self.index = k
        return self.state

    def next(self):
        return self.goto(min(self.index + 1, self.total))

    def prev(self):
        return self.goto(max(self.index - 1, 0))

    @property
    def state(self) -> dict:
        shown = self.order[:self.index]
        current = shown[-1] if shown else None
        text = "Ready: the forward pass computes each node from its inputs." if current is None else self.explain(current)
        return {"index": self.index, "total": self.total, "node_id": current, "shown": shown, "text": text}

    def explain(self, node_id: str) -> str:
        node = self.graph.node(node_id)
        if node.kind in ("leaf", "constant"):
            return f"{node.label} = {node.value}  ({'requires grad' if node.kind == 'leaf' else 'constant'})"
        inputs = [e for e in self.graph.edges if e.dst == node_id and not e.cut]
        inputs.sort(key=lambda e: e.position)
        args = ", ".join(self.graph.node(e.src).label for e in inputs)
        return f"{node.label} = {node.symbol}({args}) = {node.value}   [{node.op}]"
