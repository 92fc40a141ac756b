"""Folding a tall picture into columns, so that a long chain fits one screen.

The ranks of a top-to-bottom (or bottom-to-top) layout are cut into bands at gaps where no box
or label lies; each band becomes a column, all starting at the same height. An edge between two
columns leaves its band at the flow's end, runs along a lane above (or below) every column, down
the gutter before its target's column and in at the other end. Nothing inside a band moves
relative to the rest of its band, so boxes and labels never overlap.
"""
from __future__ import annotations

import math

Point = tuple[float, float]

FOLD_HEIGHT = 700.0      # taller pictures are folded ...
FOLD_WIDTH = 1200.0      # ... into as many columns as fit this width
GUTTER = 48.0            # between columns
LANE = 7.0               # between the lanes of edges that change column


def fold(rects: list[list[float]], routes: list[list[Point]], upward: bool) -> bool:
    """Fold in place: `rects` are [x, y, w, h] (centres) of boxes and labels, `routes` cubic
    paths; `upward` when the flow goes up (rankdir BT). Returns whether it folded."""
    if not rects:
        return False
    x0 = min(x - w / 2 for x, _, w, _ in rects)
    x1 = max(x + w / 2 for x, _, w, _ in rects)
    y0 = min(y - h / 2 for _, y, _, h in rects)
    y1 = max(y + h / 2 for _, y, _, h in rects)
    width, height = x1 - x0, y1 - y0
    columns = min(math.ceil(height / FOLD_HEIGHT), int((FOLD_WIDTH + GUTTER) // (width + GUTTER)))
    if height <= FOLD_HEIGHT or columns < 2:
        return False
    cuts = _cuts(rects, y0, y1, columns, upward)
    if not cuts:
        return False

    def band(y: float) -> int:
        k = sum(1 for c in cuts if y > c)            # bands numbered from the top
        return len(cuts) - k if upward else k

    edges = sorted([y0, *cuts, y1])                  # band b spans edges[i]..edges[i+1]
    starts = [edges[len(cuts) - b + 1] if upward else edges[b] for b in range(len(cuts) + 1)]
    anchor = y1 if upward else y0

    def shift(b: int) -> Point:
        return (b * (width + GUTTER), anchor - starts[b])

    for r in rects:
        dx, dy = shift(band(r[1]))
        r[0] += dx
        r[1] += dy
    top = min(r[1] - r[3] / 2 for r in rects)
    bottom = max(r[1] + r[3] / 2 for r in rects)
    lane = 0
    for pts in routes:
        bands = [band(y) for _, y in pts[::3]]
        if len(set(bands)) == 1:
            dx, dy = shift(bands[0])
            pts[:] = [(x + dx, y + dy) for x, y in pts]
            continue
        lane += 1
        pts[:] = _reroute(pts, bands, shift, x0, width, top - LANE * lane, bottom + LANE * lane,
                          LANE * lane, upward)
    return True


def _cuts(rects, y0: float, y1: float, columns: int, upward: bool) -> list[float]:
    """Cut lines in the gaps between occupied spans, near the even split into `columns`."""
    spans = sorted((y - h / 2, y + h / 2) for _, y, _, h in rects)
    gaps, reach = [], spans[0][1]
    for a, b in spans[1:]:
        if a > reach + 2:
            gaps.append((reach + a) / 2)
        reach = max(reach, b)
    cuts: list[float] = []
    for m in range(1, columns):
        target = y0 + (y1 - y0) * m / columns
        free = [g for g in gaps if g not in cuts]
        if free:
            cuts.append(min(free, key=lambda g: abs(g - target)))
    return sorted(set(cuts))


def _straight(a: Point, b: Point) -> list[Point]:
    return [((2 * a[0] + b[0]) / 3, (2 * a[1] + b[1]) / 3), ((a[0] + 2 * b[0]) / 3, (a[1] + 2 * b[1]) / 3), b]


def _reroute(pts, bands, shift, x0, width, top, bottom, offset, upward) -> list[Point]:
    """Keep the path inside its first and last band; between them, run along the lanes."""
    first, last = bands[0], bands[-1]
    head = 1
    while head < len(bands) and bands[head] == first:
        head += 1
    tail = len(bands) - 1
    while tail > 0 and bands[tail - 1] == last:
        tail -= 1
    dx, dy = shift(first)
    start = [(x + dx, y + dy) for x, y in pts[: 3 * (head - 1) + 1]]
    dx, dy = shift(last)
    end = [(x + dx, y + dy) for x, y in pts[3 * tail:]]
    leave, arrive = (top, bottom) if upward == (last > first) else (bottom, top)
    # down (or up) the gutter before the later column, each lane a little apart
    gutter = x0 + max(first, last) * (width + GUTTER) - GUTTER / 2 - offset % (GUTTER - 8) + (GUTTER - 8) / 2
    a, b = start[-1], end[0]
    corners = [(a[0], leave), (gutter, leave), (gutter, arrive), (b[0], arrive), b]
    out = list(start)
    for p in corners:
        out += _straight(out[-1], p)
    return out + end[1:]
