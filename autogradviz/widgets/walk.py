"""The models behind the steppers: plain Python, no widgets, driven by tests and by the widgets.

``BackwardWalk`` records the engine's own backward steps (``autograd.backward_steps``, the code
``backward()`` runs) without touching the user's ``.grad`` or freeing their graph, and explains
each step. ``ForwardWalk`` replays the forward pass node by node in creation order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._printing import summary
from ..autograd.engine import Step, accumulate_grad, backward_steps
from ..graph import Graph, caller_names, texts, trace
from ..graph.trace import is_tensor
from ..ops.template import ATOM
from ..tensor import Tensor

SHORT_VALUE = 28   # a value summary up to this long is written inside formulas


def value_text(value, max_elements: int = 6) -> str:
    """How a step writes a gradient: its values (a summary for large ones), ``0`` for none."""
    if value is None:
        return "0"
    if isinstance(value, (tuple, list)):   # a node with several outputs
        return "(" + ", ".join(value_text(v, max_elements) for v in value) + ")"
    if isinstance(value, Tensor):
        value = value.numpy(force=True)
    return summary(np.asarray(value), max_elements)


def d_by(label: str) -> str:
    """∂L/∂ of a label: ``∂L/∂y``, ``∂L/∂(pred − y)``."""
    return f"∂L/∂{label}" if texts.term(label).rank >= ATOM else f"∂L/∂({label})"


def check_output(y: Any, what: str) -> None:
    """Refuse, with one clear sentence, a value that has no graph to walk."""
    if not is_tensor(y):
        raise TypeError(f"{what} needs a tensor, got {type(y).__name__}")
    if not y.requires_grad:
        raise ValueError(
            f"{what}: this tensor does not require grad and has no graph to walk. Create its inputs with "
            "requires_grad=True (for example torch.arange(4.0, requires_grad=True)) and compute it again.")


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
    """All steps of ``y.backward(gradient)`` recorded from the engine, with explanations.

    A real ``torch`` tensor is stepped through PyTorch's own backward pass (``graph.torch_steps``)."""

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
        self.torch = self.graph.source   # the TorchGraph of a real torch graph, else None
        root = y.grad_fn if self.torch is None else self.torch.grad_fn(y)
        _check_steppable(root, y, gradient, self.graph.outputs[0].name or "y")
        # The engine's own steps: same generator as backward(), nothing written, nothing freed.
        # Each step holds copies of its numbers, made as it ran.
        if self.torch is not None:
            from ..graph.torch_steps import record_steps
            self.steps: list[Step] = record_steps(y, gradient, self.torch, [t for _, t in self.ids.values()])
        else:
            self.steps = list(backward_steps([y], [gradient], retain_graph=True, accumulate=False))
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
            for (nxt, _), g in zip(step.node.next_functions, step.grad_inputs):
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
            return StepState(0, self.total, None, None, None, done=[], leaf_grads={}, text=self._ready_text())
        step = self.steps[k - 1]
        node_id = self.node_id(step.node)
        outgoing = [(self.node_id(nxt), i, g)
                    for i, ((nxt, _), g) in enumerate(zip(step.node.next_functions, step.grad_inputs))
                    if nxt is not None and g is not None]
        contributions = self._contributions.get(id(step.node), [])
        return StepState(k, self.total, node_id, step.node.name(), step.grad_output, outgoing,
                         contributions, self.leaf_grads(k), self.explain(step, contributions), done)

    def _ready_text(self) -> str:
        if not self.steps:
            return "Ready: nothing to step through."
        first = self.steps[0]
        me = self._label(first.node)
        why = "the gradient you passed" if self.gradient is not None else f"L is {me} itself"
        return (f"Ready: {self.total} steps. Backward starts at {me} with {d_by(me)} = {value_text(first.grad_output)} "
                f"({why})")

    def _label(self, engine_node) -> str:
        nid = self.node_id(engine_node)
        if nid is None:
            return engine_node.name()
        return self.graph.node(nid).label

    def _input_edge(self, engine_node, i: int):
        """The picture's edge into input ``i`` of ``engine_node`` (None for a Python number)."""
        nid = self.node_id(engine_node)
        for e in self.graph.edges:
            if e.dst == nid and e.position == i and not e.cut:
                return e
        return None

    def _input_label(self, engine_node, i: int) -> str | None:
        edge = self._input_edge(engine_node, i)
        if edge is not None:
            return self.graph.input_label(edge)
        constants = engine_node.constants()
        return texts.constant_label(constants[i]) if i in constants else None

    def explain(self, step: Step, contributions=()) -> str:
        """The step as a worked solution: what arrives, each rule with its numbers, what is sent."""
        me = self._label(step.node)
        arriving = value_text(step.grad_output)
        arrived = f"{d_by(me)} = {arriving} arrives"
        if len(contributions) > 1:
            arrived += " = " + " + ".join(f"{value_text(g)} from {self._label_of_id(src)}" for src, g in contributions)
        if step.leaf is not None:
            if step.grad_before is None:
                grad_line = f"{me}.grad: none yet → {value_text(step.grad_after)}"
            else:
                grad_line = f"{me}.grad: {value_text(step.grad_before)} + {arriving} = {value_text(step.grad_after)}"
            return "\n".join([f"{me} is a leaf: what arrives is added into {me}.grad", arrived, grad_line])
        node_id = self.node_id(step.node)
        picture = self.graph.node(node_id) if node_id is not None else None
        head = step.node.name() if picture is None else picture.title or me
        if picture is not None and picture.name is None and head != me:
            head = f"{me} = {head}"   # dot = dot(x, x): the name the other steps use for it
        lines = [head, arrived]
        if picture is not None and picture.output_labels and isinstance(step.grad_output, (list, tuple)):
            # several outputs (a, b = x.split(2)): each has a gradient of its own; they are not added
            lines[1:] = [f"{d_by(label)} = {value_text(g)} arrives" if g is not None else
                         f"nothing arrives for {label} (it is not used)"
                         for label, g in zip(picture.output_labels, step.grad_output)]
        fn = step.node
        terms = texts.op_terms(fn, lambda i: self._input_label(fn, i)) if fn.schema is not None else {}
        rules = texts.rule_texts(fn, terms) if fn.schema is not None else []
        flowing = [(i, nxt, g) for i, ((nxt, _), g) in enumerate(zip(fn.next_functions, step.grad_inputs))
                   if nxt is not None and g is not None]
        targets = [self._input_label(fn, i) or self._label(nxt) for i, nxt, _ in flowing]
        received: dict[str, list] = {}
        for (i, _nxt, g), target in zip(flowing, targets):
            received.setdefault(target, []).append(g)
            if targets.count(target) > 1 and fn.schema is not None and not fn.schema.variadic:
                target = f"{target} (as {fn.schema.inputs[i]})"
            lines.append(self._input_line(step, i, target, g, terms, rules, arriving))
        for target, grads in received.items():
            if len(grads) > 1:
                total = sum(np.asarray(g) for g in grads)
                lines.append(f"{target} is used {len(grads)} times here, so it receives "
                             f"{' + '.join(value_text(g) for g in grads)} = {value_text(total)}")
        return "\n".join(lines)

    def _input_line(self, step: Step, i: int, target: str, g, terms, rules, arriving: str) -> str:
        fn = step.node
        op = fn.schema
        sent = value_text(g)
        if op is None:
            rule = texts.generic_rule(fn)
            if rule.startswith("custom rule: "):
                rule = rule.removeprefix("custom rule: ") + " (your custom rule)"
            return f"{rule}  →  {target} receives {sent}"
        rule = rules[i] or ""
        value = self._rule_value(fn, i)
        if value is not None:
            rule += f" = {value}"
        # The arriving gradient appears in the product by its value when that is short, else by name.
        grad = arriving if len(arriving) <= SHORT_VALUE and "min" not in arriving else d_by(self._label(fn))
        product = texts.send_text(fn, i, terms, grad)
        if product is None or product == sent:
            receives = sent
        else:
            receives = f"{product} = {sent}"
        if _summed_over_broadcast(g, step.grad_output):
            receives += ", summed over the broadcast dims"
        return f"{rule}  →  {target} receives {receives}"

    def _rule_value(self, fn, i: int) -> str | None:
        """The value of a rule whose right-hand side is one input (∂(x × y)/∂x = y = 3.)."""
        op = fn.schema
        rule = op.rules[0 if op.variadic else i]
        rhs = rule.rsplit(" = ", 1)[-1] if rule else ""
        if not (rhs.startswith("{") and rhs.endswith("}") and rhs[1:-1] in op.inputs):
            return None
        edge = self._input_edge(fn, op.inputs.index(rhs[1:-1]))
        if edge is None:
            return None
        value = self.graph.input_value(edge)
        return None if value is None or value == self.graph.input_label(edge) else value

    def _label_of_id(self, node_id: str | None) -> str:
        return self.graph.node(node_id).label if node_id is not None else "?"

    def final_grads(self) -> dict:
        """Leaf tensor -> the gradient it holds after the last step (what backward() leaves)."""
        out = {}
        for step in self.steps:
            if step.leaf is not None:
                out[step.leaf] = step.grad_after
        return out

    def arrived(self) -> dict:
        """Leaf tensor -> the total gradient that reached it in this backward pass."""
        out: dict = {}
        for step in self.steps:
            if step.leaf is not None:
                g = np.asarray(step.grad_output)
                out[step.leaf] = g if step.leaf not in out else out[step.leaf] + g
        return out

    def apply(self) -> None:
        """Add what arrived at each leaf into its ``.grad``, as ``backward()`` would have."""
        for leaf, grad in self.arrived().items():
            if self.torch is not None:
                from ..graph.torch_steps import accumulate
                accumulate(leaf, grad)
            else:
                accumulate_grad(leaf, np.array(grad, dtype=leaf.dtype.np, copy=True))


def _check_steppable(root, y, gradient, me: str) -> None:
    """Refuse, in the student's terms, a graph that backward() has freed and a non-scalar output
    without ``gradient=``."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        if fn.is_freed:
            raise RuntimeError(
                f"step_backward({me}): {me}.backward() has already run and freed the graph behind {me}; "
                f"compute {me} again (run the cell that makes it), or call {me}.backward(retain_graph=True) "
                "the first time")
        stack.extend(f for f, _ in fn.next_functions if f is not None)
    if gradient is None and y.numel() != 1:
        raise RuntimeError(
            f"grad can be implicitly created only for scalar outputs: {me} has shape {tuple(y.shape)}, so "
            f"pass the gradient that arrives at it, for example step_backward({me}, gradient=torch.ones_like({me})), "
            f"or step through {me}.sum()")


def _summed_over_broadcast(sent, arriving) -> bool:
    """Whether the engine summed a gradient down to a smaller input (``b`` in ``x @ W + b``)."""
    s, a = np.shape(sent), np.shape(arriving)
    if s == a or np.size(sent) >= np.size(arriving):
        return False
    try:
        return np.broadcast_shapes(s, a) == a
    except ValueError:
        return False


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
        value = node.value
        if value is None:   # real PyTorch keeps an unnamed result only when backward needs it
            value = "(value not kept by PyTorch)" if self.graph.source is not None else "(value not kept)"
        return f"{node.title or node.label} = {value}   [{node.op}]"
