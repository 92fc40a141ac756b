"""Our own SVG writer: one look for both layout engines.

`to_svg(layout, styles, edge_labels)` never re-runs the layout; everything that does not
depend on the styles is prepared once and cached on the `Layout`, so a restyle only
joins strings (a few milliseconds for a few hundred nodes).

Colours are explicit attributes (no CSS needed, no ids shared between pictures):
light fills with dark text on every box, mid-grey edges and a transparent background,
so the picture stays legible in light and dark notebook themes.
"""
from __future__ import annotations

from .escape import split_lines, xml_attr, xml_text
from .layout import LINE_HEIGHT, PAD_Y, SMALL_SIZE, Layout, NodeBox, node_tooltip, text_width

SVG_NS = "http://www.w3.org/2000/svg"
FONT = ("ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', "
        "monospace")
TEXT = "#1a1a1a"
EDGE = "#8c8c8c"
CUT = "#d62728"
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
    tip = node_tooltip(n, **options)
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
        w, h = layout.width, layout.height
        cache["head"] = (
            f'<svg xmlns="{SVG_NS}" version="1.1" viewBox="0 0 {_f(w)} {_f(h)}" width="100%" '
            f'style="max-width:{_f(w)}px;height:auto;background:transparent" '
            f'font-family="{xml_attr(FONT)}" role="img" class="autogradviz-graph" '
            f'data-engine="{xml_attr(layout.engine)}" data-rankdir="{xml_attr(layout.rankdir)}">'
        )
    return cache


def _label_size(text: str) -> tuple[float, float]:
    lines = split_lines(text)
    return (max(text_width(s, SMALL_SIZE) for s in lines) + 8,
            SMALL_SIZE * LINE_HEIGHT * len(lines) + 4)


def _stack(pending: list) -> list:
    """Labels whose pills would overlap (parallel edges share a middle) are stacked, centred on
    their common middle."""
    groups: list[list] = []
    for x, y, text in pending:
        w, h = _label_size(text)
        for group in groups:
            if any(abs(gx - x) < (gw + w) / 2 and abs(gy - y) < (gh + h) / 2 for gx, gy, _, gw, gh in group):
                group.append((x, y, text, w, h))
                break
        else:
            groups.append([(x, y, text, w, h)])
    placed = []
    for group in groups:
        cx = sum(g[0] for g in group) / len(group)
        y = sum(g[1] for g in group) / len(group) - sum(g[4] + 1 for g in group) / 2
        for _, _, text, _, h in group:
            placed.append((cx if len(group) > 1 else group[0][0], y + (h + 1) / 2, text))
            y += h + 1
    return placed


def _label(x: float, y: float, text: str, color: str, width: float) -> str:
    """A small text on a light pill, centred at (x, y), kept inside the picture."""
    lines = split_lines(text)
    size = SMALL_SIZE
    lh = size * LINE_HEIGHT
    w, h = _label_size(text)
    x = min(max(x, w / 2 + 1), max(width - w / 2 - 1, w / 2 + 1))
    y0 = y - h / 2
    spans = "".join(
        f'<tspan x="{_f(x)}" y="{_f(y0 + 2 + lh * (i + 0.75))}">{xml_text(s)}</tspan>'
        for i, s in enumerate(lines))
    return (f'<g class="edge-label"><rect x="{_f(x - w / 2)}" y="{_f(y0)}" width="{_f(w)}" '
            f'height="{_f(h)}" rx="3" fill="#ffffff" fill-opacity="0.92" stroke="#bdbdbd" '
            f'stroke-width="0.6"/><text text-anchor="middle" font-size="{size:g}" fill="{color}">'
            f"{spans}</text></g>")


def to_svg(layout: Layout, styles: dict[str, str] | None = None,
           edge_labels: dict[tuple[str, str, int], str] | None = None) -> str:
    """SVG text for `layout`.

    styles: node id -> "current" | "done" | "pending" | "normal" (missing ids: "normal").
    edge_labels: (src, dst, position) -> text drawn near the middle of that edge
    (overrides the edge's own `label`).
    """
    cache = _prepare(layout)
    styles = styles or {}
    edge_labels = edge_labels or {}
    for state in styles.values():
        if state not in STATE_STYLE:
            raise ValueError(f"unknown style {state!r}; use one of {STATES}")
    out = [cache["head"]]
    labels = []
    pending: list = []
    for k, st in enumerate(cache["edges"]):
        r = layout.edges[k]
        e = r.edge
        text = edge_labels.get((e.src, e.dst, e.position), e.label)
        title = st["title"] + (f": {text}" if text else "")
        out.append(f'{st["open"]}<title>{xml_text(title)}</title>{st["body"]}</g>')
        mx, my = r.mid
        if text:
            pending.append((mx, my, str(text)))
        if e.cut:
            dy = (SMALL_SIZE * LINE_HEIGHT + 6) * (len(split_lines(text)) if text else 0)
            labels.append(_label(mx, my + dy, "✂ detach", CUT, layout.width))
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
    labels.extend(_label(x, y, text, TEXT, layout.width) for x, y, text in _stack(pending))
    out.extend(labels)
    out.append("</svg>")
    return "".join(out)
