"""Our own SVG writer: one look for both layout engines.

`to_svg(layout, styles, edge_labels)` never re-runs the layout; everything that does not
depend on the styles is prepared once and cached on the `Layout`, so a restyle only
joins strings (a few milliseconds for a few hundred nodes).

Colours are explicit attributes (no CSS needed, no ids shared between pictures):
light fills with dark text on every box, mid-grey edges and a transparent background,
so the picture stays legible in light and dark notebook themes.
"""
from __future__ import annotations

import math

from .escape import split_lines, xml_attr, xml_text
from .layout import LABEL_SIZE, LINE_HEIGHT, PAD_Y, Layout, NodeBox, edge_text, label_size, node_tooltip

SVG_NS = "http://www.w3.org/2000/svg"
FONT = ("ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', "
        "monospace")
TEXT = "#1a1a1a"
EDGE = "#8c8c8c"
CUT = "#d62728"
MARGIN_BELOW = 8.0                              # under labels that found no room inside
STATES = ("normal", "current", "done", "pending")

# kind -> fill, stroke, stroke width, corner radius, dash
KIND_STYLE = {
    "leaf": ("#dbeafe", "#3b6fb6", 1.4, 10.0, None),
    "op": ("#fdf5d3", "#a08a3c", 1.2, 3.0, None),
    "output": ("#d4f4dc", "#2e8b57", 2.4, 3.0, None),
    "constant": ("#f7f7f7", "#8c8c8c", 1.0, 2.0, "4 3"),
    "collapsed": ("#ebe6f7", "#7a68a6", 1.4, 3.0, None),
}
# state -> (fill or None to keep the kind's, stroke or None, stroke width or None, text, opacity)
STATE_STYLE = {
    "normal": (None, None, None, TEXT, None),
    "current": (None, "#ff7a00", 4.0, TEXT, None),
    "done": ("#e3f3e3", "#6aa96a", None, "#3d4a3d", None),
    "pending": ("#ededed", "#b0b0b0", None, "#666666", None),
}


def _f(v: float) -> str:
    return f"{v:.1f}"


def _node_static(b: NodeBox, options: dict) -> dict:
    """Markup pieces of one node that do not depend on its state."""
    n = b.node
    x0, y0 = b.x - b.w / 2, b.y - b.h / 2
    tip = node_tooltip(n, options["show_values"], options["show_grads"], options["show_saved"])
    tspans = []
    y = y0 + (3.0 if n.kind == "constant" else PAD_Y)
    for ln in b.lines:
        lh = ln.size * LINE_HEIGHT
        weight = ' font-weight="bold"' if ln.bold else ""
        tspans.append(f'<tspan x="{_f(b.x)}" y="{_f(y + lh * 0.75)}" font-size="{ln.size:g}"{weight}>'
                      f"{xml_text(ln.text)}</tspan>")
        y += lh
    geom = f'x="{_f(x0)}" y="{_f(y0)}" width="{_f(b.w)}" height="{_f(b.h)}"'
    stack = []
    if n.kind == "collapsed":                      # a stack of cards behind the box
        for k in (2, 1):
            stack.append(f'x="{_f(x0 + 4 * k)}" y="{_f(y0 - 4 * k)}" width="{_f(b.w)}" height="{_f(b.h)}"')
    return {
        "open": f'<g class="node" id="node-{xml_attr(n.id)}" data-kind="{xml_attr(n.kind)}"',
        "title": f"<title>{xml_text(tip)}</title>",
        "geom": geom,
        "stack": stack,
        "text": "".join(tspans),
        "style": KIND_STYLE.get(n.kind, KIND_STYLE["op"]),
    }


def _edge_static(layout: Layout, k: int) -> dict:
    r = layout.edges[k]
    e = r.edge
    p = r.points
    d = [f"M{_f(p[0][0])},{_f(p[0][1])}"]
    for i in range(1, len(p) - 2, 3):
        d.append("C" + " ".join(f"{_f(x)},{_f(y)}" for x, y in p[i:i + 3]))
    color = CUT if e.cut else EDGE
    dash = ' stroke-dasharray="6 4"' if e.cut else ""
    arrow = " ".join(f"{_f(x)},{_f(y)}" for x, y in r.arrow)
    src, dst = layout.nodes[e.src].node, layout.nodes[e.dst].node
    title = f"{src.label} → {dst.label} (input {e.position})" + (" — detached" if e.cut else "")
    cut = ' data-cut="true"' if e.cut else ""
    return {
        "open": (f'<g class="edge" data-src="{xml_attr(e.src)}" data-dst="{xml_attr(e.dst)}" '
                 f'data-position="{e.position}"{cut}>'),
        "title": title,
        "body": (f'<path d="{" ".join(d)}" fill="none" stroke="{color}" stroke-width="1.4"{dash}/>'
                 + (f'<polygon points="{arrow}" fill="{color}"/>' if arrow else "")),
    }


def _prepare(layout: Layout) -> dict:
    cache = layout._cache
    if "nodes" not in cache:
        cache["nodes"] = {nid: _node_static(b, layout.options) for nid, b in layout.nodes.items()}
        cache["edges"] = [_edge_static(layout, k) for k in range(len(layout.edges))]
        cache["boxes"] = [(b.x - b.w / 2, b.y - b.h / 2, b.x + b.w / 2, b.y + b.h / 2)
                          for b in layout.nodes.values()]
        cache["slots"] = [(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
                          for (x, y, w, h), _ in layout.slots.values()]
    return cache


def _head(layout: Layout, width: float, height: float, scale: float) -> str:
    """The root element: explicit pixel size (the natural size times `scale`), shrinking to fit
    narrower containers and never growing past it."""
    if not (scale > 0 and math.isfinite(scale)):
        raise ValueError(f"scale must be a positive number, not {scale!r}")
    return (f'<svg xmlns="{SVG_NS}" version="1.1" viewBox="0 0 {_f(width)} {_f(height)}" '
            f'width="{_f(width * scale)}" height="{_f(height * scale)}" '
            f'style="max-width:100%;height:auto;background:transparent" '
            f'font-family="{xml_attr(FONT)}" role="img" class="autogradviz-graph" '
            f'data-engine="{xml_attr(layout.engine)}" data-rankdir="{xml_attr(layout.rankdir)}">')


Rect = tuple[float, float, float, float]            # x0, y0, x1, y1


def _hits(r: Rect, others: list[Rect], gap: float = 2.0) -> bool:
    return any(r[0] < o[2] + gap and o[0] < r[2] + gap and r[1] < o[3] + gap and o[1] < r[3] + gap
               for o in others)


def _free_spot(x: float, y: float, w: float, h: float, taken: list[Rect], bottom: float) -> Rect:
    """The free place nearest to (x, y) for a w×h label: rings of candidates around it, else
    a new row below everything (`bottom`)."""
    for r in range(0, 241, 6):
        ring = [(0.0, 0.0)] if r == 0 else [
            (r * math.cos(a * math.pi / 8), r * math.sin(a * math.pi / 8)) for a in range(16)]
        for dx, dy in ring:
            cx, cy = x + dx, y + dy
            rect = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if rect[0] >= 1 and rect[1] >= 1 and not _hits(rect, taken):
                return rect
    return (max(x - w / 2, 1.0), bottom + 4, max(x - w / 2, 1.0) + w, bottom + 4 + h)


def _label(rect: Rect, text: str, color: str) -> str:
    """A small text on a light pill filling `rect`."""
    lines = split_lines(text)
    lh = LABEL_SIZE * LINE_HEIGHT
    x0, y0, x1, _ = rect
    x = (x0 + x1) / 2
    spans = "".join(
        f'<tspan x="{_f(x)}" y="{_f(y0 + 3 + lh * (i + 0.75))}">{xml_text(s)}</tspan>'
        for i, s in enumerate(lines))
    return (f'<g class="edge-label"><rect x="{_f(x0)}" y="{_f(y0)}" width="{_f(x1 - x0)}" '
            f'height="{_f(rect[3] - y0)}" rx="3" fill="#ffffff" fill-opacity="0.92" stroke="#bdbdbd" '
            f'stroke-width="0.6"/><text text-anchor="middle" font-size="{LABEL_SIZE:g}" fill="{color}">'
            f"{spans}</text></g>")


def _labels(layout: Layout, texts: dict[int, str], cache: dict) -> tuple[list[str], float]:
    """The label pills: each in the place the layout kept for it, or else in the nearest free
    place (no box, kept place or other label under it). Returns them and the lowest edge."""
    taken = list(cache["boxes"]) + list(cache["slots"])
    bottom = layout.height
    out = []
    for j, text in texts.items():
        w, h = label_size(text)
        slot = layout.slots.get(j)
        if slot is not None and w <= slot[0][2] + 0.5 and h <= slot[0][3] + 0.5:
            x, y, sw, sh = slot[0]
            rect = (x - sw / 2, y - sh / 2, x + sw / 2, y + sh / 2)
        else:
            rect = _free_spot(*layout.edges[j].mid, w, h, taken, bottom)
            taken.append(rect)
            bottom = max(bottom, rect[3] + 4)
        out.append(_label(rect, text, CUT if layout.edges[j].edge.cut else TEXT))
    return out, bottom


def to_svg(layout: Layout, styles: dict[str, str] | None = None,
           edge_labels: dict[tuple[str, str, int], str] | None = None, scale: float = 1.0) -> str:
    """SVG text for `layout`.

    styles: node id -> "current" | "done" | "pending" | "normal" (missing ids: "normal").
    edge_labels: (src, dst, position) -> text drawn on that edge (overrides the edge's own
    `label`). scale: the size on screen, relative to the natural one (node text about 14 px).
    """
    cache = _prepare(layout)
    styles = styles or {}
    edge_labels = edge_labels or {}
    for state in styles.values():
        if state not in STATE_STYLE:
            raise ValueError(f"unknown style {state!r}; use one of {STATES}")
    out = []
    texts: dict[int, str] = {}
    for k, st in enumerate(cache["edges"]):
        e = layout.edges[k].edge
        text = edge_labels.get((e.src, e.dst, e.position), e.label)
        title = st["title"] + (f": {text}" if text else "")
        out.append(f'{st["open"]}<title>{xml_text(title)}</title>{st["body"]}</g>')
        full = edge_text(e, str(text) if text else None)
        if full:
            texts[k] = full
    for nid, st in cache["nodes"].items():
        state = styles.get(nid, "normal")
        fill, stroke, sw, rx, dash = st["style"]
        s_fill, s_stroke, s_sw, color, opacity = STATE_STYLE[state]
        fill = s_fill or fill
        stroke = s_stroke or stroke
        sw = s_sw or sw
        paint = f'rx="{rx:g}" fill="{fill}" stroke="{stroke}" stroke-width="{sw:g}"'
        if dash:
            paint += f' stroke-dasharray="{dash}"'
        op = f' opacity="{opacity}"' if opacity else ""
        out.append(f'{st["open"]} data-state="{state}"{op}>{st["title"]}')
        for g in st["stack"]:
            out.append(f'<rect {g} rx="{rx:g}" fill="{fill}" stroke="{stroke}" stroke-width="1"/>')
        out.append(f'<rect {st["geom"]} {paint}/><text text-anchor="middle" fill="{color}">'
                   f'{st["text"]}</text></g>')
    labels, bottom = _labels(layout, texts, cache)
    out.extend(labels)
    height = max(layout.height, bottom + (MARGIN_BELOW if bottom > layout.height else 0))
    out.insert(0, _head(layout, layout.width, height, scale))
    out.append("</svg>")
    return "".join(out)
