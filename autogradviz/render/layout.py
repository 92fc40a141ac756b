"""Positions for a `Graph`, from Graphviz `dot` or from pure-Python `grandalf`.

`layout()` runs once; the resulting `Layout` is then drawn (and re-drawn with other
styles) by `autogradviz.render.svg` without touching positions again.  Box sizes come
from an estimate of the width of each text line (monospace font).
"""
from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from autogradviz.graph.model import Edge, Graph, Node

from .escape import split_lines
from .fold import fold_layout

Engine = Literal["auto", "dot", "python"]
RankDir = Literal["BT", "TB", "LR", "RL"]
RANKDIRS = ("BT", "TB", "LR", "RL")
ENGINES = ("auto", "dot", "python")
Point = tuple[float, float]

INSTALL_HINT = (
    "Graphviz's `dot` program was not found on PATH. Install Graphviz "
    "(Debian/Ubuntu: `sudo apt-get install graphviz`; conda: `conda install graphviz`; "
    "macOS: `brew install graphviz`; Windows: `winget install graphviz`), "
    "or use engine='python' (pure-Python layout) and save as .svg or .html."
)

# Text metrics (pixels at scale 1); the SVG writer uses the same numbers. Node text is about
# 14 px, readable on a projector; edge labels are a little smaller.
TITLE_SIZE = 15.0
BODY_SIZE = 14.0
SMALL_SIZE = 14.0
LABEL_SIZE = 12.0
CHAR_WIDTH = 0.6          # advance of one monospace cell, in font sizes
LINE_HEIGHT = 1.3         # line height, in font sizes
PAD_X = 10.0
PAD_Y = 6.0
MIN_WIDTH = 36.0
MAX_CHARS = 48            # longer lines are shortened with "…" (the tooltip has them in full)
NARROW_TITLE = 16         # in left-to-right pictures, longer titles put their expression below
MAX_VALUE_CHARS = 32      # value and grad rows: a matrix shows its first whole entries
MARGIN = 16.0             # around the whole picture
NODE_SEP = 24.0           # between boxes of one rank
RANK_SEP = 36.0           # between ranks
SPACED_RANK_SEP = 12.0    # between ranks when edges run through label places (which add room)
BEND_SEP = 8.0            # between bend points of long edges (python engine)


@dataclass(frozen=True)
class Line:
    """One text line of a box."""

    text: str
    size: float = BODY_SIZE
    bold: bool = False
    role: str = "meta"      # "title", "op", "meta", "value", "grad", "saved"


@dataclass
class NodeBox:
    """Where a node goes: center (x, y), size (w, h), and the lines it shows."""

    node: Node
    x: float
    y: float
    w: float
    h: float
    lines: list[Line]

    @property
    def id(self) -> str:
        return self.node.id


@dataclass
class EdgeRoute:
    """An edge drawn as a cubic Bézier path: points p0, c1, c2, p1, c1, c2, p2, ..."""

    edge: Edge
    points: list[Point]
    mid: Point = (0.0, 0.0)          # halfway along the curve (edge labels go here)
    arrow: list[Point] = field(default_factory=list)  # arrowhead triangle at the end


@dataclass
class Layout:
    """Positions of every node and a route for every edge (in `graph.edges` order)."""

    graph: Graph
    nodes: dict[str, NodeBox]
    edges: list[EdgeRoute]
    width: float
    height: float
    engine: str
    rankdir: str
    options: dict = field(default_factory=dict)
    # edge index -> ((x, y, w, h) of the place kept for its label, the text it was sized for)
    slots: dict[int, tuple[tuple[float, float, float, float], str]] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        return (f"<Layout: {len(self.nodes)} nodes, {len(self.edges)} edges, engine={self.engine}, "
                f"rankdir={self.rankdir}, {self.width:.0f}x{self.height:.0f}>")

    def svg(self, styles: dict[str, str] | None = None,
            edge_labels: dict[tuple[str, str, int], str] | None = None, scale: float = 1.0) -> str:
        """Draw as SVG text; `styles` maps node id -> "current"/"done"/"pending"/"normal"."""
        from .svg import to_svg

        return to_svg(self, styles=styles, edge_labels=edge_labels, scale=scale)


# ---------------------------------------------------------------------------------------------
# Text and box sizes

def in_browser() -> bool:
    """True in Pyodide (JupyterLite), where no program such as `dot` can run."""
    return sys.platform == "emscripten"


def dot_path() -> str | None:
    """Path of Graphviz's `dot` program, or None."""
    return None if in_browser() else shutil.which("dot")


def require_dot(purpose: str = "engine='dot'") -> str:
    """Path of `dot`; RuntimeError saying what to do instead when it is missing (`purpose` names
    what needed it, for the message in a browser)."""
    if in_browser():
        raise RuntimeError(f"{purpose} needs Graphviz's `dot` program, which cannot run in a browser: "
                           "use the pure-Python layout (engine='python' or 'auto') and save as .svg or .html")
    path = dot_path()
    if path is None:
        raise RuntimeError(INSTALL_HINT)
    return path


def text_width(text: str, size: float) -> float:
    """Estimated width in pixels of `text` in a monospace font of `size` px."""
    cells = 0
    for ch in text:
        if unicodedata.combining(ch) or ch in "\u200b\u200c\u200d\ufe0f":
            continue
        cells += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return cells * CHAR_WIDTH * size


def _short(text: str, limit: int | None) -> str:
    """`text` cut to `limit` characters with "…"; the cut falls between words or numbers,
    never inside one (`[-0.0142, 0.0123, …`, not `[-0.0142, 0.0…`)."""
    if limit is None or len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space >= limit // 2:
        return head[:space + 1] + "…"
    return head + "…"


def _shape_text(node: Node) -> str:
    shape = "(" + ", ".join(str(d) for d in node.shape) + ("," if len(node.shape) == 1 else "") + ")"
    return f"{shape} {node.dtype}"


def node_lines(node: Node, show_values: bool = True, show_grads: bool = True,
               show_saved: bool = False, limit: int | None = MAX_CHARS, show_meta: bool = True,
               narrow: bool = False) -> list[Line]:
    """The text lines of a node's box, in order (label first), cut at `limit` characters;
    `show_meta=False` leaves out the small line with the grad_fn name and shape (compact boxes);
    `narrow` (left-to-right pictures, where widths add up) puts a long title's expression under
    its name and the grad_fn name and shape on lines of their own."""
    out: list[Line] = []

    def add(text: str, size: float, bold: bool = False, role: str = "meta") -> None:
        for part in split_lines(text):
            # the entries of a list of values are cut early (whole ones); a summary is kept whole
            cut = limit
            if limit is not None and role in ("value", "grad") and "[" in part:
                cut = min(limit, MAX_VALUE_CHARS)
            out.append(Line(_short(part, cut), size, bold, role))

    if node.kind == "collapsed":
        add(node.label, BODY_SIZE + 1, True, "title")
        return out
    if node.kind == "constant":
        add(node.label, BODY_SIZE, True, "title")
        if node.shape and show_meta:
            add(_shape_text(node), SMALL_SIZE)
        if show_values and node.value is not None and node.value != node.label:
            add(f"value {node.value}", SMALL_SIZE, role="value")
        return out
    title = node.title or node.label   # trace() writes titles ("y = 2 × dot"); hand-made nodes may not
    is_op = node.kind in ("op", "output") and (node.op is not None or node.symbol is not None)
    if node.title is None and is_op and node.name is not None and node.label == node.name and node.symbol:
        title = f"{node.label} = {node.symbol}"
    name, eq, expression = title.partition(" = ")
    if narrow and eq and len(title) > NARROW_TITLE:
        title = f"{name} =\n{expression}"
    add(title, TITLE_SIZE, True, "title")
    named_op = is_op and node.op and node.op != node.label
    meta = [node.op] if named_op else []        # one small line: grad_fn name and shape
    if node.shape:
        meta.append(_shape_text(node))
    if meta and show_meta:
        add(("\n" if narrow else "  ").join(meta), SMALL_SIZE, role="op" if named_op else "meta")
    if show_values and node.value is not None:
        add(f"value {node.value}", BODY_SIZE, role="value")
    if show_grads and node.grad is not None:
        add(f"grad {node.grad}", BODY_SIZE, role="grad")
    if show_saved and node.saved:
        add("saved " + ", ".join(node.saved), SMALL_SIZE, role="saved")
    return out


def node_tooltip(node: Node, show_values: bool = True, show_grads: bool = True,
                 show_saved: bool = True) -> str:
    """Hover text: the node's own tooltip, else its lines uncut (what is shown, plus formula)."""
    if node.tooltip is not None:
        return node.tooltip
    parts = [ln.text for ln in node_lines(node, show_values, show_grads, show_saved, limit=None)]
    if node.formula:
        parts.append(node.formula)
    return "\n".join(parts)


def box_size(node: Node, lines: list[Line]) -> tuple[float, float]:
    """(width, height) in pixels that fits `lines`."""
    pad_x, pad_y = (6.0, 3.0) if node.kind == "constant" else (PAD_X, PAD_Y)
    w = max((text_width(ln.text, ln.size) for ln in lines), default=0.0) + 2 * pad_x
    h = sum(ln.size * LINE_HEIGHT for ln in lines) + 2 * pad_y
    return max(w, MIN_WIDTH if node.kind != "constant" else 24.0), max(h, 20.0)


# ---------------------------------------------------------------------------------------------
# The public entry point

@dataclass
class _Plan:
    """What the engines lay out: boxes (the graph's nodes, then one spacer per edge that needs
    one) and edges between them; `xy` and `routes` are filled in by an engine."""

    sizes: list[tuple[float, float]]
    edges: list[tuple[int, int, int]]                # (source, target, input position)
    rank_sep: float = RANK_SEP
    xy: list[Point] = field(default_factory=list)
    routes: list[list[Point]] = field(default_factory=list)


def label_size(text: str) -> tuple[float, float]:
    """(width, height) of an edge label's pill."""
    lines = split_lines(text)
    return (max(text_width(s, LABEL_SIZE) for s in lines) + 10,
            LABEL_SIZE * LINE_HEIGHT * len(lines) + 6)


def edge_text(edge: Edge, text: str | None) -> str | None:
    """What an edge's label says: its text, under a "✂ detach" line for a cut edge."""
    if edge.cut:
        return "✂ detach" + (f"\n{text}" if text else "")
    return text


def layout(graph: Graph, engine: Engine = "auto", rankdir: RankDir = "BT", *,
           show_values: bool = True, show_grads: bool = True, show_saved: bool = False,
           show_meta: bool = True, labels: dict[int, str] | None = None) -> Layout:
    """Compute positions for `graph` with `dot` or grandalf ("auto": dot when installed).

    rankdir "BT" puts inputs at the bottom and outputs on top (like torchviz). Edge labels
    (`labels`: edge index -> text, plus each edge's own label and cut mark) get a place of their
    own that no box or other label covers, and parallel edges are drawn apart.
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, not {rankdir!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    if engine == "auto":
        # AUTOGRADVIZ_ENGINE=python (or dot) forces one renderer everywhere, e.g. to test both.
        forced = os.environ.get("AUTOGRADVIZ_ENGINE", "").strip().lower()
        engine = forced if forced in ("dot", "python") else ("dot" if dot_path() else "python")
    boxes: dict[str, NodeBox] = {}
    for n in graph.nodes:
        if n.id in boxes:
            raise ValueError(f"duplicate node id {n.id!r}")
        lines = node_lines(n, show_values, show_grads, show_saved, show_meta=show_meta,
                           narrow=rankdir in ("LR", "RL"))
        w, h = box_size(n, lines)
        boxes[n.id] = NodeBox(n, 0.0, 0.0, w, h, lines)
    for e in graph.edges:
        if e.src not in boxes or e.dst not in boxes:
            raise ValueError(f"edge {e.src!r} -> {e.dst!r} refers to an unknown node")
    texts = {j: t for j, e in enumerate(graph.edges)
             if (t := edge_text(e, (labels or {}).get(j, e.label)))}
    plan, spacer = _plan(graph, boxes, texts)
    if engine == "dot":
        _layout_dot(plan, rankdir, require_dot())
    else:
        _layout_python(plan, rankdir)
    routes = _join_routes(graph, plan, spacer)
    for b, (x, y) in zip(boxes.values(), plan.xy):
        b.x, b.y = x, y
    slots = {j: [*plan.xy[k], *label_size(texts[j])] for j, k in spacer.items() if j in texts}
    # a tall picture becomes columns side by side, a wide left-to-right one rows
    rects = [[b.x, b.y, b.w, b.h] for b in boxes.values()]
    if fold_layout(rects + list(slots.values()), routes, rankdir):
        for b, r in zip(boxes.values(), rects):
            b.x, b.y = r[0], r[1]
    width, height = _normalize(boxes, routes, list(slots.values()))
    edge_routes = [EdgeRoute(e, pts, tuple(slots[j][:2]) if j in slots else _midpoint(pts), _arrowhead(pts))
                   for j, (e, pts) in enumerate(zip(graph.edges, routes))]
    options = dict(show_values=show_values, show_grads=show_grads, show_saved=show_saved, show_meta=show_meta)
    out = Layout(graph, boxes, edge_routes, width, height, engine, rankdir, options)
    out.slots = {j: (tuple(v), texts[j]) for j, v in slots.items()}
    return out


def _plan(graph: Graph, boxes: dict[str, NodeBox], texts: dict[int, str]) -> tuple[_Plan, dict[int, int]]:
    """The boxes and edges to lay out. A labelled edge runs through a spacer box the size of its
    label (the engine keeps it clear of everything else), and so does each of several edges
    between the same two nodes (so they are drawn apart). Returns the plan and edge -> spacer."""
    index = {n.id: i for i, n in enumerate(graph.nodes)}
    sizes = [(b.w, b.h) for b in boxes.values()]
    count: dict[tuple[str, str], int] = {}
    for e in graph.edges:
        count[(e.src, e.dst)] = count.get((e.src, e.dst), 0) + 1
    edges: list[tuple[int, int, int]] = []
    spacer: dict[int, int] = {}
    for j, e in enumerate(graph.edges):
        a, b = index[e.src], index[e.dst]
        if a != b and (j in texts or count[(e.src, e.dst)] > 1):
            w, h = label_size(texts[j]) if j in texts else (4.0, 4.0)
            k = len(sizes)
            sizes.append((w, h))
            spacer[j] = k
            edges += [(a, k, e.position), (k, b, e.position)]
        else:
            edges.append((a, b, e.position))
    return _Plan(sizes, edges, SPACED_RANK_SEP if texts else RANK_SEP), spacer


def _join_routes(graph: Graph, plan: _Plan, spacer: dict[int, int]) -> list[list[Point]]:
    """One route per graph edge: an edge through a spacer is its two halves joined by a line."""
    routes: list[list[Point]] = []
    k = 0
    for j in range(len(graph.edges)):
        if j in spacer:
            first, second = plan.routes[k], plan.routes[k + 1]
            routes.append(first + _straight(first[-1], second[0])[1:] + second[1:])
            k += 2
        else:
            routes.append(plan.routes[k])
            k += 1
    return routes


# ---------------------------------------------------------------------------------------------
# Engine "dot"

def _layout_dot(plan: _Plan, rankdir: str, dot: str) -> None:
    parts = [
        "digraph G {",
        f"graph [rankdir={rankdir}, nodesep={NODE_SEP / 72:.3f}, ranksep={plan.rank_sep / 72:.3f}, ordering=in];",
        'node [shape=box, fixedsize=true, label=""];',
        "edge [arrowhead=none];",
    ]
    for i, (w, h) in enumerate(plan.sizes):
        parts.append(f"n{i} [width={w / 72:.4f}, height={h / 72:.4f}];")
    # with ordering=in, the inputs of a node are placed in the order their edges appear
    for j in sorted(range(len(plan.edges)), key=lambda j: plan.edges[j][2]):
        a, b, _ = plan.edges[j]
        parts.append(f'n{a} -> n{b} [id="e{j}"];')
    parts.append("}")
    source = "\n".join(parts)
    plan.xy = [(0.0, 0.0)] * len(plan.sizes)
    plan.routes = [[] for _ in plan.edges]
    # old dots can trip over ordering=in; Graphviz < 2.40 has no json output
    without = source.replace(", ordering=in", "")
    for fmt, src in (("json0", source), ("json0", without), ("plain", source), ("plain", without)):
        proc = _run(dot, fmt, src)
        if proc.returncode == 0:
            break
    else:
        raise RuntimeError(f"dot failed: {proc.stderr.decode(errors='replace').strip()}")
    if fmt == "json0":
        _read_json(json.loads(proc.stdout), plan)
    else:
        _read_plain(proc.stdout.decode(), plan)
    for j, (a, b, _) in enumerate(plan.edges):
        if not plan.routes[j]:                     # should not happen; draw a straight line
            plan.routes[j] = _straight(plan.xy[a], plan.xy[b])


def _run(dot: str, fmt: str, source: str) -> subprocess.CompletedProcess:
    return subprocess.run([dot, f"-T{fmt}"], input=source.encode(), capture_output=True, timeout=120)


def _spline(pts: list[Point]) -> list[Point] | None:
    return pts if len(pts) >= 4 and (len(pts) - 1) % 3 == 0 else None


def _read_json(data: dict, plan: _Plan) -> None:
    """Positions from `dot -Tjson0` (points, y up) into the plan (y down)."""
    for obj in data.get("objects", []):
        name = obj.get("name", "")
        if name.startswith("n") and "pos" in obj:
            x, y = (float(v) for v in obj["pos"].split(","))
            plan.xy[int(name[1:])] = (x, -y)
    for obj in data.get("edges", []):
        eid = obj.get("id", "")
        if not eid.startswith("e") or "pos" not in obj:
            continue
        pts = []
        for tok in obj["pos"].split(";")[0].split():
            if not tok.startswith(("e,", "s,")):
                x, y = (float(v) for v in tok.split(","))
                pts.append((x, -y))
        plan.routes[int(eid[1:])] = _spline(pts) or []


def _read_plain(text: str, plan: _Plan) -> None:
    """Positions from `dot -Tplain` (inches, y up); parallel edges are matched in order."""
    pending: dict[tuple[str, str], list[int]] = {}
    for j, (a, b, _) in enumerate(plan.edges):
        pending.setdefault((f"n{a}", f"n{b}"), []).append(j)
    for line in text.splitlines():
        tok = line.split()
        if len(tok) >= 4 and tok[0] == "node" and tok[1].startswith("n"):
            plan.xy[int(tok[1][1:])] = (float(tok[2]) * 72, -float(tok[3]) * 72)
        elif len(tok) >= 4 and tok[0] == "edge" and pending.get((tok[1], tok[2])):
            n = int(tok[3])
            vals = [float(v) * 72 for v in tok[4:4 + 2 * n]]
            pts = [(vals[k], -vals[k + 1]) for k in range(0, len(vals) - 1, 2)]
            plan.routes[pending[(tok[1], tok[2])].pop(0)] = _spline(pts) or []


# ---------------------------------------------------------------------------------------------
# Engine "python" (grandalf)

def _components(n: int, pairs: list[tuple[int, int]]) -> list[list[int]]:
    """Weakly connected components (union-find, iterative)."""
    parent = list(range(n))

    def find(i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _feedback_pairs(n: int, pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Pairs that close a cycle (back edges of an iterative DFS); empty for a DAG."""
    succ: list[list[int]] = [[] for _ in range(n)]
    for a, b in pairs:
        succ[a].append(b)
    color = [0] * n                                 # 0 new, 1 on stack, 2 done
    back: set[tuple[int, int]] = set()
    for start in range(n):
        if color[start]:
            continue
        color[start] = 1
        stack = [(start, 0)]
        while stack:
            v, k = stack[-1]
            if k < len(succ[v]):
                stack[-1] = (v, k + 1)
                w = succ[v][k]
                if color[w] == 0:
                    color[w] = 1
                    stack.append((w, 0))
                elif color[w] == 1:
                    back.add((v, w))
            else:
                color[v] = 2
                stack.pop()
    return back


def _layout_python(plan: _Plan, rankdir: str) -> None:
    from grandalf.graphs import Edge as GEdge
    from grandalf.graphs import Vertex, graph_core
    from grandalf.layouts import SugiyamaLayout, VertexViewer
    from grandalf.routing import EdgeViewer

    n = len(plan.sizes)
    swap = rankdir in ("LR", "RL")
    # sizes in grandalf's frame, where ranks go down the y axis
    gw = [h if swap else w for w, h in plan.sizes]
    gh = [w if swap else h for w, h in plan.sizes]
    gx = [0.0] * n
    gy = [0.0] * n
    pairs: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for a, b, _ in plan.edges:
        p = (a, b)
        if p[0] != p[1] and p not in seen:
            seen.add(p)
            pairs.append(p)
    feedback = _feedback_pairs(n, pairs)
    comp_of = [0] * n
    comps = _components(n, pairs)
    for c, members in enumerate(comps):
        for i in members:
            comp_of[i] = c
    comp_pairs: list[list[tuple[int, int]]] = [[] for _ in comps]
    for p in pairs:
        comp_pairs[comp_of[p[0]]].append(p)
    dummies: dict[tuple[int, int], list[Point]] = {}

    old_limit = sys.getrecursionlimit()            # grandalf places blocks recursively
    sys.setrecursionlimit(max(old_limit, 4 * n + 1000))
    try:
        cursor = 0.0
        for members, cpairs in zip(comps, comp_pairs):
            if len(members) == 1:
                i = members[0]
                gx[i], gy[i] = 0.0, gh[i] / 2
            else:
                verts = {}
                for i in members:
                    v = Vertex(i)
                    v.view = VertexViewer(w=gw[i] + NODE_SEP - BEND_SEP, h=gh[i])
                    verts[i] = v
                gedges = {}
                for a, b in cpairs:
                    ge = GEdge(verts[a], verts[b])
                    ge.view = EdgeViewer()
                    gedges[(a, b)] = ge
                core = graph_core(list(verts.values()), list(gedges.values()))
                sug = SugiyamaLayout(core)
                # boxes are widened by NODE_SEP - BEND_SEP so that bend points of long
                # edges (grandalf's dummy vertices) can sit closer together than boxes
                sug.xspace, sug.yspace = BEND_SEP, plan.rank_sep
                sug.dw, sug.dh = 4.0, 4.0
                inverted = [gedges[p] for p in cpairs if p in feedback]
                indeg = {i: 0 for i in members}
                for a, b in cpairs:
                    if (a, b) in feedback:
                        indeg[a] += 1
                    else:
                        indeg[b] += 1
                roots = [verts[i] for i in members if indeg[i] == 0]
                sug.init_all(roots=roots, inverted_edges=inverted, optimize=True)
                sug.draw(N=1.5)
                for i, v in verts.items():
                    gx[i], gy[i] = v.view.xy
                _spread_ranks(members, gx, gy, gw)
                for p, ge in gedges.items():
                    pts = getattr(ge.view, "_pts", None) or []
                    dummies[p] = [tuple(q) for q in pts[1:-1]]
            left = min(gx[i] - gw[i] / 2 for i in members)
            right = max(gx[i] + gw[i] / 2 for i in members)
            top = min(gy[i] - gh[i] / 2 for i in members)
            for i in members:                      # side by side, aligned on rank 0
                gx[i] += cursor - left
                gy[i] -= top
            for p in cpairs:
                dummies[p] = [(x + cursor - left, y - top) for x, y in dummies.get(p, [])]
            cursor += right - left + 2 * NODE_SEP
    finally:
        sys.setrecursionlimit(old_limit)

    # ports: the inputs of a node arrive side by side, in `position` order
    incoming: dict[int, list[int]] = {}
    for j, (_, b, _) in enumerate(plan.edges):
        incoming.setdefault(b, []).append(j)
    port = [0.0] * len(plan.edges)
    for d, js in incoming.items():
        js.sort(key=lambda j: plan.edges[j][2])
        if len(js) > 1:
            step = min(14.0, max(gw[d] - 12.0, 0.0) / (len(js) - 1))
            for k, j in enumerate(js):
                port[j] = (k - (len(js) - 1) / 2) * step

    # Edges run straight up and down through the band of a rank (as tall as its tallest box) and
    # bend only between ranks: a bend next to a box, inside its rank, cut through its corner.
    band: dict[float, float] = {}
    for i in range(n):
        band[round(gy[i], 1)] = max(band.get(round(gy[i], 1), 0.0), gh[i] / 2)

    def across(x: float, y: float, sign: float) -> list[Point]:
        half = band.get(round(y, 1), 0.0)
        return [(x, y - sign * half), (x, y + sign * half)] if half else [(x, y)]

    routes: list[list[Point]] = []
    for j, (a, b, _) in enumerate(plan.edges):
        if a == b:
            pts = _self_loop(gx[a], gy[a], gw[a], gh[a])
        else:
            mids = dummies.get((a, b), [])
            first = mids[0] if mids else (gx[b], gy[b])
            last = mids[-1] if mids else (gx[a], gy[a])
            tail = _attach(gx[a], gy[a], gw[a], gh[a], first, 0.0)
            head = _attach(gx[b], gy[b], gw[b], gh[b], last, port[j])
            sign = 1.0 if gy[b] >= gy[a] else -1.0
            path = [tail]
            if tail[1] != gy[a]:                   # out of the source's rank, then bend
                path.append((tail[0], gy[a] + sign * band.get(round(gy[a], 1), 0.0)))
            for x, y in mids:
                path += across(x, y, sign)
            if head[1] != gy[b]:
                path.append((head[0], gy[b] - sign * band.get(round(gy[b], 1), 0.0)))
            path.append(head)
            pts = _rank_bezier([p for k, p in enumerate(path) if k == 0 or p != path[k - 1]])
        routes.append(pts)
    # orient: put everything in the final frame
    plan.xy = [_orient(gx[i], gy[i], rankdir) for i in range(n)]
    plan.routes = [[_orient(x, y, rankdir) for x, y in pts] for pts in routes]


def _spread_ranks(members: list[int], gx: list[float], gy: list[float], gw: list[float]) -> None:
    """Push apart boxes of one rank that grandalf left overlapping (it rarely does), in order."""
    ranks: dict[float, list[int]] = {}
    for i in members:
        ranks.setdefault(round(gy[i], 3), []).append(i)
    for row in ranks.values():
        row.sort(key=lambda i: gx[i])
        for a, b in itertools.pairwise(row):
            need = gx[a] + (gw[a] + gw[b]) / 2 + BEND_SEP
            if gx[b] < need:
                gx[b] = need


def _orient(x: float, y: float, rankdir: str) -> Point:
    if rankdir == "TB":
        return (x, y)
    if rankdir == "BT":
        return (x, -y)
    if rankdir == "LR":
        return (y, x)
    return (-y, x)                                  # RL


def _attach(x: float, y: float, w: float, h: float, toward: Point, offset: float) -> Point:
    """Where an edge leaves/enters a box (grandalf frame): the side facing `toward`."""
    if toward[1] > y + 1e-6:
        return (x + offset, y + h / 2)
    if toward[1] < y - 1e-6:
        return (x + offset, y - h / 2)
    return (x + w / 2, y) if toward[0] >= x else (x - w / 2, y)


def _rank_bezier(points: list[Point]) -> list[Point]:
    """Smooth cubic path through `points`, tangents along the rank axis."""
    out = [points[0]]
    for (ax, ay), (bx, by) in itertools.pairwise(points):
        dy = (by - ay) / 2
        if abs(dy) < 1e-6:
            out += [((2 * ax + bx) / 3, ay), ((ax + 2 * bx) / 3, by), (bx, by)]
        else:
            out += [(ax, ay + dy), (bx, by - dy), (bx, by)]
    return out


def _self_loop(x: float, y: float, w: float, h: float) -> list[Point]:
    p0 = (x + w / 2, y - h / 4)
    p3 = (x + w / 2, y + h / 4)
    return [p0, (p0[0] + 30, p0[1] - 14), (p3[0] + 30, p3[1] + 14), p3]


def _straight(a: Point, b: Point) -> list[Point]:
    return [a, ((2 * a[0] + b[0]) / 3, (2 * a[1] + b[1]) / 3),
            ((a[0] + 2 * b[0]) / 3, (a[1] + 2 * b[1]) / 3), b]


# ---------------------------------------------------------------------------------------------
# Common finishing

def _normalize(boxes: dict[str, NodeBox], routes: list[list[Point]],
               slots: list[list[float]]) -> tuple[float, float]:
    """Shift everything so the picture starts at (MARGIN, MARGIN); return its total size."""
    rects = [[b.x, b.y, b.w, b.h] for b in boxes.values()] + slots
    if not rects:
        return 2 * MARGIN, 2 * MARGIN
    xs0 = [x - w / 2 for x, _, w, _ in rects]
    xs1 = [x + w / 2 for x, _, w, _ in rects]
    ys0 = [y - h / 2 for _, y, _, h in rects]
    ys1 = [y + h / 2 for _, y, _, h in rects]
    for pts in routes:                               # control points bound the curve
        for x, y in pts:
            xs0.append(x), xs1.append(x), ys0.append(y), ys1.append(y)
    x0, y0 = min(xs0), min(ys0)
    dx, dy = MARGIN - x0, MARGIN - y0
    for b in boxes.values():
        b.x += dx
        b.y += dy
    for r in slots:
        r[0] += dx
        r[1] += dy
    for pts in routes:
        pts[:] = [(x + dx, y + dy) for x, y in pts]
    return max(xs1) - x0 + 2 * MARGIN, max(ys1) - y0 + 2 * MARGIN


def _bezier_at(p0: Point, p1: Point, p2: Point, p3: Point, t: float) -> Point:
    u = 1 - t
    a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
    return (a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
            a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1])


def _midpoint(pts: list[Point]) -> Point:
    """The point halfway along a cubic path (by sampled arc length)."""
    if not pts:
        return (0.0, 0.0)
    samples = [pts[0]]
    for k in range(0, len(pts) - 3, 3):
        p0, p1, p2, p3 = pts[k:k + 4]
        samples += [_bezier_at(p0, p1, p2, p3, t / 8) for t in range(1, 9)]
    lengths = [0.0]
    for a, b in itertools.pairwise(samples):
        lengths.append(lengths[-1] + math.dist(a, b))
    half = lengths[-1] / 2
    for k in range(1, len(samples)):
        if lengths[k] >= half:
            seg = lengths[k] - lengths[k - 1]
            t = 0.0 if seg == 0 else (half - lengths[k - 1]) / seg
            (ax, ay), (bx, by) = samples[k - 1], samples[k]
            return (ax + t * (bx - ax), ay + t * (by - ay))
    return samples[-1]


def _arrowhead(pts: list[Point], length: float = 8.0, half_width: float = 4.0) -> list[Point]:
    """Triangle whose tip is the end of the path."""
    if len(pts) < 2:
        return []
    tip = pts[-1]
    for q in reversed(pts[:-1]):
        if math.dist(q, tip) > 1e-6:
            break
    else:
        return []
    d = math.dist(q, tip)
    ux, uy = (tip[0] - q[0]) / d, (tip[1] - q[1]) / d
    bx, by = tip[0] - length * ux, tip[1] - length * uy
    return [tip, (bx - half_width * uy, by + half_width * ux), (bx + half_width * uy, by - half_width * ux)]
