"""``plot_derivative``: a function beside its autograd derivatives, optionally with a tangent slider.

``import autogradviz as torch; torch.plot_derivative(torch.sin, reference=np.cos)`` draws sin, its
derivative from autograd and the analytic cos (dashed), with the largest difference in the legend.
"""
from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Mapping

import numpy as np

from .._engines import is_torch_tensor
from ..tensor import Tensor
from .plot_data import DerivativeData, compare_references, normalize_references
from .plot_draw import draw, new_figure
from .plot_eval import check_slopes, evaluate
from .plot_kinks import find_breaks

__all__ = ["DerivativeData", "plot_derivative"]

DEFAULT_RANGE = (-2 * np.pi, 2 * np.pi)


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _check(f, lohi, n, order) -> tuple[float, float]:
    if not callable(f):
        raise TypeError(f"f must be a function of one tensor (e.g. torch.sin); got {type(f).__name__}")
    if not _is_int(n) or n < 2:
        raise ValueError(f"n must be an integer >= 2 (the number of grid points); got {n!r}")
    if not _is_int(order) or order < 1:
        raise ValueError(f"order must be an integer >= 1 (1: f′, 2: f″ …); got {order!r}")
    try:
        lo, hi = (float(v) for v in lohi)
    except (TypeError, ValueError):
        raise ValueError(f"range must be a pair of numbers (low, high); got {lohi!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"range must be finite; got ({lo}, {hi})")
    if lo >= hi:
        what = "empty" if lo == hi else "reversed"
        raise ValueError(f"range must be (low, high) with low < high; got ({lo:g}, {hi:g}), which is {what}")
    return lo, hi


def _grid(x, lo: float, hi: float, n: int) -> np.ndarray:
    """The float64 points: ``x`` sorted without repeats, or ``linspace(lo, hi, n)``."""
    if x is None:
        return np.linspace(lo, hi, n)
    arr = x.detach().numpy() if isinstance(x, Tensor) or is_torch_tensor(x) else np.asarray(x)
    try:
        arr = arr.astype(np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"x must be numbers (an array, list or tensor); got {arr.dtype} values") from None
    if arr.ndim != 1:
        raise ValueError(f"x must be one-dimensional (the points to plot); got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("x must be finite; it contains NaN or infinity")
    arr = np.unique(arr)
    if arr.size < 2:
        raise ValueError(f"x must hold at least 2 different points; got {arr.size}")
    return arr


def _name(f: Callable) -> str:
    name = getattr(f, "__name__", "")
    return name if name.isidentifier() else "f"


def compute(f: Callable, x=None, *, range=DEFAULT_RANGE, n: int = 200, order: int = 1,
            reference=None) -> DerivativeData:
    """The numbers ``plot_derivative`` draws, without drawing them."""
    lo, hi = _check(f, range, n, order)
    refs = normalize_references(reference)
    xs = _grid(x, lo, hi, n)
    ev = evaluate(f, xs, order)
    problem = check_slopes(ev.evaluator, xs, ev.values)
    if problem:
        warnings.warn(problem, UserWarning, stacklevel=3)
    return DerivativeData(x=xs, values=ev.values, name=_name(f), pointwise=ev.evaluator.pointwise,
                          reason=ev.reason, breaks=find_breaks(xs, ev.values, ev.evaluator),
                          references=compare_references(refs, xs, ev.values), evaluator=ev.evaluator)


def plot_derivative(f: Callable, x=None, *, range: tuple[float, float] = DEFAULT_RANGE, n: int = 200,
                    order: int = 1, reference: Callable | Mapping[str, Callable] | None = None,
                    ax=None, interactive: bool = False):
    """Plot ``f`` and its derivatives from autograd on shared axes; return the Figure (or a widget).

    - ``f``: a function of one tensor built from torch operations (``torch.sin``, ``lambda x: x**3``,
      D2L's ``f(a)`` with Python ``while``/``if``). Elementwise functions get one ``backward()``
      over the whole grid; others are detected (error, wrong shape, or a spot check of 5 points
      against single-point calls) and evaluated one scalar at a time.
    - ``x``: the points (array, list or tensor; sorted, repeats dropped), else ``linspace(*range, n)``.
    - ``order``: 1 plots f′; 2 adds f″ (via ``autograd.grad(create_graph=True)``) and so on.
    - ``reference``: a callable (e.g. ``np.cos``) or dict label → callable, called on a NumPy array
      (or, if that fails, on a tensor); drawn dashed, with max |reference − autograd| in the legend.
    - ``ax``: draw into these matplotlib Axes instead of a new figure.
    - ``interactive``: return a :class:`~autogradviz.widgets.plot_tangent.TangentExplorer` widget
      (a slider for x₀ and the tangent of slope f′(x₀)) instead of the Figure.

    ``f`` runs as it would in PyTorch: a Python loop in it may never end at some point (D2L's
    ``f`` at exactly 0), so keep such points off the grid (the default even ``n`` does).

    Where f or a derivative jumps (relu, abs, clamp at their kinks) the curve is broken, the
    one-sided limits are drawn hollow and autograd's value filled: that value is a convention.

    The Figure carries ``fig.autograd_data``, a :class:`DerivativeData`: ``data["x"]``,
    ``data["f"]``, ``data["df"]``, ``data["d2f"]`` …, ``data["pointwise"]``, ``data["breaks"]``,
    ``data["references"]``. Its lines are labelled (``fig.axes[0].get_lines()``); a line is broken
    by a NaN point at each jump. The figure is not registered with pyplot: in a notebook return it
    (or ``display(fig)``), in a script ``fig.savefig("plot.png")``.
    """
    data = compute(f, x, range=range, n=n, order=order, reference=reference)
    if interactive:
        from .plot_tangent import TangentExplorer
        return TangentExplorer(data, ax=ax)
    fig = new_figure() if ax is None else ax.figure
    draw(ax if ax is not None else fig.add_subplot(), data)
    fig.autograd_data = data
    return fig
