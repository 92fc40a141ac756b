"""Plain data describing a computational graph: what the visual layer reads.

Nothing here draws and nothing here walks the engine; `autogradviz.graph.trace` builds
these objects from tensors, and the renderers and widgets only read them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

NodeKind = Literal["leaf", "op", "output", "constant", "collapsed"]


@dataclass
class Node:
    """One box in the picture.

    kind:
      - "leaf": a tensor created by the user that requires grad (it has `.grad`);
      - "op": the result of one differentiable operation (one engine grad_fn);
      - "output": an op (or leaf) whose tensor was passed to `trace` as an output;
      - "constant": an input that does not require grad (a Python number, a detached tensor);
      - "collapsed": several nodes folded into one (`collapsed_count` of them).
    """

    id: str
    kind: NodeKind
    label: str                      # how the student refers to it: the variable name, else (for an
                                    # unnamed op) its short expression "pred − y" or function "dot"
    name: str | None = None         # the user's variable name, when one was found
    op: str | None = None           # PyTorch's grad_fn name, e.g. "MulBackward0"
    symbol: str | None = None       # the op's short name, e.g. "mul", "sin", "sum"
    title: str | None = None        # the box's first line: "y = 2 × dot", "pred − y", "dot(x, x)"
    shape: tuple[int, ...] = ()
    dtype: str = "float32"
    value: str | None = None        # short summary of the value, e.g. "28." or "(4,) min 0 max 3"
    grad: str | None = None         # short summary of .grad (leaves) or None
    formula: str | None = None      # local rule(s) in the student's names, one per line: "∂(x × y)/∂x = y"
    requires_grad: bool = True
    saved: list[str] = field(default_factory=list)  # names/summaries of saved tensors (show_saved)
    collapsed_count: int = 0        # for kind == "collapsed": how many nodes it stands for
    tooltip: str | None = None      # longer text for hovering
    order: int = -1                 # when the op ran in the forward pass (-1 for leaves, constants)
    # For an op with several outputs (split pieces, a custom Function's results): how the student
    # refers to each output ("a", "b", or "split[2]" when unnamed) and its short value.
    output_labels: list[str] = field(default_factory=list)
    output_values: list[str | None] = field(default_factory=list)


@dataclass
class Edge:
    """Data flows from `src` (an input) into `dst` (the op that used it); gradients flow back."""

    src: str
    dst: str
    position: int = 0               # which input of `dst` this is
    label: str | None = None        # e.g. the gradient it carried, set by the stepper
    cut: bool = False               # True for a detach(): values flow, gradients do not
    output: int = 0                 # which output of `src` flows (split pieces: 0, 1, ...)


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    # id() of each engine object (grad_fn node, or tensor for leaves and constants) -> node id;
    # lets the stepper find the picture's node for each engine step without walking again.
    index: dict[int, str] = field(default_factory=dict, repr=False)
    # node id -> (value array or None, grad array or None): what `summarize` turns into text.
    arrays: dict[str, tuple] = field(default_factory=dict, repr=False)
    # what a real PyTorch graph was read through (a ``torch_graph.TorchGraph``); None for the
    # package's own graphs. The stepper records its steps through the same reader.
    source: object = field(default=None, repr=False)

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def input_label(self, edge: Edge) -> str:
        """How the student refers to what flows along ``edge``: its source's label, or the label
        of that one output of a source with several outputs."""
        src = self.node(edge.src)
        return src.output_labels[edge.output] if edge.output < len(src.output_labels) else src.label

    def input_value(self, edge: Edge) -> str | None:
        """The short value of what flows along ``edge`` (one output's, for a multi-output source)."""
        src = self.node(edge.src)
        return src.output_values[edge.output] if edge.output < len(src.output_values) else src.value

    @property
    def outputs(self) -> list[Node]:
        return [n for n in self.nodes if n.kind == "output"]
