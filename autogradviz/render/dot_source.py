"""DOT text for a `Graph`, with the same colours and shapes as our SVG.

Used for `GraphView.source` and for `.png`/`.pdf` files made by Graphviz's `dot`.
Node names in the DOT text are generated (`n0`, `n1`, ...); every user string only
appears inside an escaped, double-quoted attribute value.
"""
from __future__ import annotations

import subprocess

from autogradviz.graph.model import Graph

from .escape import dot_string
from .layout import RANKDIRS, node_lines, node_tooltip, require_dot
from .svg import CUT, EDGE, KIND_STYLE, TEXT

FONT = "DejaVu Sans Mono,Menlo,Consolas,monospace"


def _attrs(pairs: dict[str, str]) -> str:
    return "[" + ", ".join(f"{k}={v}" for k, v in pairs.items()) + "]"


def to_dot(graph: Graph, rankdir: str = "BT", *, show_values: bool = True,
           show_grads: bool = True, show_saved: bool = False) -> str:
    """DOT source of `graph` (rankdir "BT": inputs at the bottom, outputs on top)."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, not {rankdir!r}")
    index = {n.id: i for i, n in enumerate(graph.nodes)}
    out = [
        "digraph autogradviz {",
        f'  graph [rankdir={rankdir}, bgcolor="transparent", nodesep=0.3, ranksep=0.45];',
        f'  node [shape=box, style="filled", fontname={dot_string(FONT)}, fontsize=11, '
        f'fontcolor="{TEXT}", margin="0.12,0.06"];',
        f'  edge [color="{EDGE}", arrowsize=0.7];',
    ]
    for n in graph.nodes:
        lines = node_lines(n, show_values, show_grads, show_saved)
        fill, stroke, width, _rx, _dash = KIND_STYLE.get(n.kind, KIND_STYLE["op"])
        a = {
            "label": dot_string("\n".join(ln.text for ln in lines)),
            "tooltip": dot_string(node_tooltip(n, show_values, show_grads, show_saved)),
            "id": dot_string(f"node-{n.id}", one_line=True),
            "fillcolor": f'"{fill}"',
            "color": f'"{stroke}"',
            "penwidth": f"{width:g}",
        }
        if n.kind == "leaf":
            a["style"] = '"rounded,filled"'
        elif n.kind == "constant":
            a.update(style='"dashed,filled"', fontsize="9", margin='"0.06,0.03"',
                     height="0.25", width="0.3")
        elif n.kind == "collapsed":
            a["peripheries"] = "2"
        out.append(f"  n{index[n.id]} {_attrs(a)};")
    for e in graph.edges:
        a = {}
        if e.label:
            a["label"] = dot_string(e.label)
            a["fontsize"] = "9"
        if e.cut:
            a.update(style="dashed", color=f'"{CUT}"', fontcolor=f'"{CUT}"', fontsize="9")
            a["label"] = dot_string(("✂ detach\n" + e.label) if e.label else "✂ detach")
        out.append(f"  n{index[e.src]} -> n{index[e.dst]}" + (f" {_attrs(a)}" if a else "") + ";")
    out.append("}")
    return "\n".join(out) + "\n"


def render_dot(source: str, fmt: str) -> bytes:
    """Run `dot -T<fmt>` on `source`; RuntimeError (with install help) when dot is missing."""
    dot = require_dot(f"saving as .{fmt}")
    proc = subprocess.run([dot, f"-T{fmt}"], input=source.encode(), capture_output=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"dot -T{fmt} failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout
