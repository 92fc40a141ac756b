"""Folding a long picture, so that it fits one screen.

A top-to-bottom (or bottom-to-top) layout taller than FOLD_HEIGHT is cut into bands at gaps where
no box or label lies; each band becomes a column, all starting at the same height, each as wide
as its own content (a narrow chain above a wide set of inputs folds beside it). A left-to-right
(or right-to-left) layout wider than FOLD_ROW is cut the same way into rows stacked
top to bottom, as lines of text wrap.

An edge between two columns leaves its band at the flow's end, runs along a lane above (or below)
every column, down the gutter before its target's column and in at the other end (in a row layout:
out at the right, along the gutter between the rows, in at the left). Nothing inside a band moves
relative to the rest of its band, so boxes and labels never overlap.
"""
from __future__ import annotations

import math

Point = tuple[float, float]

FOLD_HEIGHT = 640.0      # taller pictures are folded (JupyterLab shows 680 px of a notebook at 1280x800) ...
FOLD_WIDTH = 1200.0      # ... into as many columns as fit this width
FOLD_ROW = 1000.0        # wider left-to-right pictures are folded into rows of at most this ...
FOLD_ROWS_HEIGHT = 640.0  # ... as many as fit this height
GUTTER = 48.0            # between columns
LANE = 7.0               # between the lanes of edges that change column


def fold_layout(rects: list[list[float]], routes: list[list[Point]], rankdir: str) -> bool:
    """Fold in place for any rankdir: columns for BT/TB, rows for LR/RL (see the module)."""
    if rankdir in ("BT", "TB"):
        return fold(rects, routes, upward=rankdir == "BT")
    # A row layout is a column layout with x and y swapped: fold that, then swap back.
    swapped = [[y, x, h, w] for x, y, w, h in rects]
    paths = [[(y, x) for x, y in pts] for pts in routes]
    if not fold(swapped, paths, upward=rankdir == "RL", length=FOLD_ROW, across=FOLD_ROWS_HEIGHT):
        return False
    for r, (y, x, h, w) in zip(rects, swapped):
        r[:] = [x, y, w, h]
    for pts, new in zip(routes, paths):
        pts[:] = [(x, y) for y, x in new]
    return True


def fold(rects: list[list[float]], routes: list[list[Point]], upward: bool,
         length: float = FOLD_HEIGHT, across: float = FOLD_WIDTH) -> bool:
    """Fold in place: `rects` are [x, y, w, h] (centres) of boxes and labels, `routes` cubic
    paths; `upward` when the flow goes up (rankdir BT). Pictures taller than `length` become
    columns whose widths and gutters add up to at most `across`. Returns whether it folded."""
    if not rects:
        return False
    y0 = min(y - h / 2 for _, y, _, h in rects)
    y1 = max(y + h / 2 for _, y, _, h in rects)
    height = y1 - y0
    if height <= length:
        return False
    # the most columns the height asks for, down to two, until they fit side by side
    for columns in range(math.ceil(height / length), 1, -1):
        cuts = _cuts(rects, y0, y1, columns, upward)
        if not cuts:
            continue
        left, shift = _columns(rects, routes, cuts, y0, y1, upward)
        total = left[-1] - left[0] - GUTTER
        if total <= across:
            break
    else:
        return False

    def band(y: float) -> int:
        return _band(y, cuts, upward)

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
        # down (or up) the gutter before the later column, each lane a little apart
        gutter = left[max(bands[0], bands[-1])] - GUTTER / 2 - (LANE * lane) % (GUTTER - 8) + (GUTTER - 8) / 2
        pts[:] = _reroute(pts, bands, shift, gutter, top - LANE * lane, bottom + LANE * lane, upward)
    return True


def _columns(rects, routes, cuts: list[float], y0: float, y1: float, upward: bool):
    """Where each band goes: the left edge of each column (one more entry: past the last
    column and its gutter) and `shift(band) -> (dx, dy)`."""
    count = len(cuts) + 1

    def band(y: float) -> int:
        return _band(y, cuts, upward)

    lo, hi = [math.inf] * count, [-math.inf] * count
    for x, y, w, _ in rects:
        b = band(y)
        lo[b], hi[b] = min(lo[b], x - w / 2), max(hi[b], x + w / 2)
    for pts in routes:                                # edges that bulge out of their boxes' span
        bands = {band(y) for _, y in pts[::3]}
        if len(bands) == 1:
            b = bands.pop()
            xs = [x for x, _ in pts]
            lo[b], hi[b] = min(lo[b], *xs), max(hi[b], *xs)
    for b in range(count):                            # a band of edges only (cannot happen, but)
        if lo[b] > hi[b]:
            lo[b] = hi[b] = 0.0
    left = [min(lo)]
    for b in range(count):
        left.append(left[-1] + hi[b] - lo[b] + GUTTER)
    edges = sorted([y0, *cuts, y1])                  # band b spans edges[i]..edges[i+1]
    starts = [edges[len(cuts) - b + 1] if upward else edges[b] for b in range(count)]
    anchor = y1 if upward else y0

    def shift(b: int) -> Point:
        return (left[b] - lo[b], anchor - starts[b])

    return left, shift


def _band(y: float, cuts: list[float], upward: bool) -> int:
    """The band of height `y`: numbered in the order of the flow (from the bottom when upward)."""
    k = sum(1 for c in cuts if y > c)                # bands counted from the top
    return len(cuts) - k if upward else k


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


def _reroute(pts, bands, shift, gutter, top, bottom, upward) -> list[Point]:
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
    a, b = start[-1], end[0]
    corners = [(a[0], leave), (gutter, leave), (gutter, arrive), (b[0], arrive), b]
    out = list(start)
    for p in corners:
        out += _straight(out[-1], p)
    return out + end[1:]
