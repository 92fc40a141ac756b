"""Find the points where f or one of its derivatives jumps (kinks of relu, abs, clamp, ...).

Autograd returns *some* value at such a point (relu′(0) = 0, abs′(0) = 0, clamp's gradient is 1
on the boundary): a convention, since the function is not differentiable there. Detection is in
two steps, so smooth but steep functions are not flagged:

1. candidates: grid intervals whose change ``|v[i+1] - v[i]|`` is an outlier next to the changes
   of the neighbouring intervals (a smooth curve changes gradually; the lower quartile of the
   neighbours is the yardstick, so several jumps close together are all found);
2. proof: bisect each candidate interval with autograd (all candidates at once) down to a width
   of 1e-12 of the range. A smooth curve's change shrinks with the interval; a jump does not.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .plot_eval import Evaluator

#: Intervals on each side whose typical change is compared with a candidate's change.
WINDOW = 5
#: A candidate's change must exceed this many times the typical change of its neighbours.
OUTLIER = 4.0
#: Bisection stops when the bracket is narrower than this fraction of the plotted range.
BRACKET = 1e-12
#: At most this many candidates per curve are checked (the largest outliers first).
MAX_CANDIDATES = 40


@dataclass(frozen=True)
class Break:
    """A point where curve ``order`` (0: f, 1: f′, 2: f″ …) jumps from ``left`` to ``right``.

    ``values`` is what the engine returns at ``x`` for (f, f′, …): NaN when it was not evaluated
    (in pointwise mode only grid points are evaluated exactly at a break, since a Python loop in
    ``f`` may never end there, as D2L's ``f(0)``).
    """

    order: int
    x: float
    left: float
    right: float
    values: tuple

    @property
    def value(self) -> float:
        """The engine's value of the jumping curve at ``x``: the convention it uses."""
        return self.values[self.order]


#: Changes smaller than this fraction of the curve's spread are not worth a marker.
VISIBLE = 1e-3


def _atol(v: np.ndarray) -> float:
    finite = v[np.isfinite(v)]
    if not finite.size:
        return 1e-12
    return VISIBLE * float(finite.max() - finite.min()) + 1e-8 * float(np.abs(finite).max()) + 1e-12


def candidates(v: np.ndarray) -> np.ndarray:
    """Indices ``i`` of intervals ``[x_i, x_i+1]`` where ``v`` changes suspiciously much."""
    change = np.abs(np.diff(v))
    if change.size == 0:
        return np.zeros(0, dtype=int)
    padded = np.pad(change, WINDOW, constant_values=np.nan)
    windows = sliding_window_view(padded, 2 * WINDOW + 1).copy()
    windows[:, WINDOW - 1:WINDOW + 2] = np.nan  # the interval itself and its two neighbours
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        typical = np.nanpercentile(windows, 25, axis=1)
    typical = np.where(np.isfinite(typical), typical, 0.0)
    atol = _atol(v)
    flagged = np.isfinite(change) & (change > OUTLIER * typical + atol)
    idx = np.flatnonzero(flagged)
    ratio = change[idx] / (typical[idx] + atol)
    return np.sort(idx[np.argsort(-ratio)[:MAX_CANDIDATES]])


def _snap(lo: float, hi: float) -> float:
    """The roundest number in ``[lo, hi]`` (so relu's kink lands on 0.0 exactly)."""
    mid = 0.5 * (lo + hi)
    for digits in range(17):
        r = round(mid, digits)
        if lo <= r <= hi:
            return r + 0.0  # -0.0 becomes 0.0
    return mid


def _bisect(xs, values, orders, starts, evaluator: Evaluator, width: float):
    """Shrink every candidate interval around its jump; return brackets and the values at their ends."""
    rows = np.arange(orders.size)
    lo, hi = xs[starts].copy(), xs[starts + 1].copy()
    v_lo0, v_hi0 = values[orders, starts], values[orders, starts + 1]
    v_lo, v_hi = v_lo0.copy(), v_hi0.copy()
    for _ in range(200):
        active = np.flatnonzero(hi - lo > BRACKET * width)
        if active.size == 0:
            break
        mid = lo[active] + 0.4995 * (hi[active] - lo[active])
        got = evaluator(mid, nan_on_error=True)[orders[active], np.arange(active.size)]
        left = np.abs(got - v_lo0[active]) <= np.abs(got - v_hi0[active])
        lo[active[left]], v_lo[active[left]] = mid[left], got[left]
        hi[active[~left]], v_hi[active[~left]] = mid[~left], got[~left]
    jump = np.abs(v_hi - v_lo)
    real = np.isfinite(jump) & (jump > 0.5 * np.abs(v_hi0 - v_lo0))
    return lo[real], hi[real], orders[real], rows[real]


def find_breaks(xs: np.ndarray, values: np.ndarray, evaluator: Evaluator) -> list[Break]:
    """Every jump of f, f′, … on the grid, located to about 1e-12 of the range and verified."""
    width = float(xs[-1] - xs[0])
    orders, starts = [], []
    for k in range(values.shape[0]):
        idx = candidates(values[k])
        orders.append(np.full(idx.size, k))
        starts.append(idx)
    orders, starts = np.concatenate(orders).astype(int), np.concatenate(starts).astype(int)
    if orders.size == 0:
        return []
    lo, hi, orders, _ = _bisect(xs, values, orders, starts, evaluator, width)
    found: dict[int, list[float]] = {}
    for a, b, k in zip(lo, hi, orders):
        x = _snap(float(a), float(b))
        same = found.setdefault(int(k), [])
        if all(abs(x - y) > 1e-9 * width for y in same):
            same.append(x)
    return _describe(xs, values, found, evaluator, width)


def _describe(xs, values, found: dict, evaluator: Evaluator, width: float) -> list[Break]:
    """One-sided limits and the engine's own values at each break location."""
    places = sorted((x, k) for k, where in found.items() for x in where)
    if not places:
        return []
    at = np.array([x for x, _ in places])
    eps = 1e-8 * width
    sides = evaluator(np.concatenate([at - eps, at + eps]), nan_on_error=True)
    exact = np.full((values.shape[0], at.size), np.nan)
    on_grid = np.isclose(at[:, None], xs[None, :], rtol=0, atol=1e-12 * width)
    for j in range(at.size):
        if on_grid[j].any():
            exact[:, j] = values[:, int(np.argmax(on_grid[j]))]
    todo = np.flatnonzero(~on_grid.any(axis=1))
    if todo.size and not evaluator.pointwise:
        exact[:, todo] = evaluator(at[todo], nan_on_error=True)
    return [Break(order=int(k), x=float(x), left=float(sides[k, j]), right=float(sides[k, at.size + j]),
                  values=tuple(float(v) for v in exact[:, j]))
            for j, (x, k) in enumerate(places)]
