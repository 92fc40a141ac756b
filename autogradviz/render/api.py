"""``draw_graph``: the public one-call picture of a tensor's graph."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import raised_in_callers_code
from ..graph import caller_names, require_tensors, summarize, trace
from .view import GraphView

DEFAULT_MAX_NODES = 150


@raised_in_callers_code
def draw_graph(*tensors, names: Mapping[str, Any] | None = None, show_values: bool = True,
               show_grads: bool = True, show_saved: bool = False, max_nodes: int = DEFAULT_MAX_NODES,
               rankdir: str = "BT", engine: str = "auto", ids: dict | None = None,
               scale: float = 1.0) -> GraphView:
    """Draw the computational graph behind ``tensors``.

    Boxes carry your variable names (found in the calling frame or notebook; ``names={"w": w}``
    overrides them), values and gradients. Graphs over ``max_nodes`` are folded, not cropped.
    The real Graphviz ``dot`` lays it out when installed, else a pure-Python layout does.
    ``scale`` sets the size on screen (1: node text at about 14 px; a picture shrinks to fit its
    output area, never grows).
    """
    require_tensors(tensors, "draw_graph")
    graph = trace(*tensors, names=names, ids=ids if ids is not None else caller_names())
    if len(graph.nodes) > max_nodes:
        from ..graph.collapse import collapse
        graph = collapse(graph, max_nodes)
    summarize(graph, [n.id for n in graph.nodes if n.value is None and n.id in graph.arrays])
    return GraphView(graph, rankdir=rankdir, engine=engine, show_values=show_values,
                     show_grads=show_grads, show_saved=show_saved, scale=scale)
