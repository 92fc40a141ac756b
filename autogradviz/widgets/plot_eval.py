"""Evaluate a user's ``f`` and its autograd derivatives at many points.

Two paths: *vectorized* (``f`` applied once to the whole grid, one ``backward()``) when ``f``
acts elementwise, and *pointwise* (``f`` applied to one scalar tensor at a time) when it does
not, e.g. D2L's ``f(a)`` whose Python ``while``/``if`` looks at ``b.norm()``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._engines import library_for
from ..tensor import Tensor

#: Fractions of the grid where the elementwise spot check compares the two paths.
SPOT_FRACTIONS = (0.1, 0.3, 0.5, 0.7, 0.9)

GRAPH_BREAK = ("f(x) does not depend on x through autograd: did f call .detach() or .numpy() "
               "(NumPy functions such as np.sin call .numpy()), or build a new tensor with "
               "torch.tensor(...)? {detail} Build f from torch operations on x, e.g. torch.sin(x) "
               "or x * x.")


class GraphBreakError(ValueError):
    """``f``'s output is not connected to its input in the autograd graph."""


class _WrongShape(Exception):
    """Internal: ``f`` returned a tensor whose shape does not match its input."""

    def __init__(self, got: tuple, expected: tuple):
        super().__init__(f"f returned shape {got} for an input of shape {expected}")
        self.got, self.expected = got, expected


def _check_output(y, x: Tensor, *, lenient: bool) -> Tensor:
    """``y`` as a tensor with ``x``'s shape, or a clear error saying what ``f`` returned."""
    if not isinstance(y, type(x)):
        kind = "numpy.ndarray" if isinstance(y, np.ndarray) else type(y).__name__
        hint = ""
        if isinstance(y, (np.ndarray, np.generic, float, int)):
            hint = (" f seems to compute outside the engine (NumPy or Python numbers); use torch "
                    "functions on x (torch.sin, torch.exp, ...) so autograd can follow them.")
        raise TypeError(f"f must return a Tensor computed from x; it returned a {kind}.{hint}")
    if tuple(y.shape) != tuple(x.shape):
        if not (lenient and y.numel() == 1):
            raise _WrongShape(tuple(y.shape), tuple(x.shape))
        y = y.reshape(x.shape)
    if not y.requires_grad:
        raise GraphBreakError(GRAPH_BREAK.format(detail="Its result has no grad_fn, so the derivative "
                                                        "would silently be 0."))
    return y


def _is_numpy_break(err: BaseException) -> bool:
    text = str(err)
    return isinstance(err, RuntimeError) and "numpy()" in text and "requires grad" in text


def derivative_stack(f: Callable, values, order: int, *, lenient: bool = False) -> np.ndarray:
    """``[f, f′, …, f⁽ⁿ⁾]`` at ``values`` (any shape): a float64 array ``(order + 1, *shape)``.

    Order 1 uses ``y.sum().backward()``; higher orders chain ``autograd.grad(create_graph=True)``.
    A function written with real PyTorch (``torch.sin``) gets torch tensors and torch's autograd.
    """
    lib = library_for(f)
    # enable_grad: plotting inside `with torch.no_grad():` still differentiates. errstate: sqrt
    # or log outside their domain become gaps in the plot, without a warning per point.
    with lib.enable_grad(), np.errstate(all="ignore"):
        return _derivative_stack(f, values, order, lenient, lib)


def _derivative_stack(f: Callable, values: np.ndarray, order: int, lenient: bool, lib) -> np.ndarray:
    x = lib.tensor(np.asarray(values, dtype=np.float64), dtype=lib.float64, requires_grad=True)
    try:
        y = _check_output(f(x), x, lenient=lenient)
    except RuntimeError as err:
        if _is_numpy_break(err):
            raise GraphBreakError(GRAPH_BREAK.format(detail=f"Calling f raised: {err}")) from err
        raise
    out = [y.detach().numpy().astype(np.float64)]
    if order == 1:
        y.sum().backward()
        if x.grad is None:
            raise GraphBreakError(GRAPH_BREAK.format(detail="backward() never reached x (f used a "
                                                            "detached copy of x)."))
        out.append(x.grad.numpy().astype(np.float64))
        return np.stack(out)
    current = y
    for k in range(1, order + 1):
        grad = None
        if current.requires_grad:
            (grad,) = lib.autograd.grad(current.sum(), x, create_graph=k < order, allow_unused=True)
        if grad is None:
            if k == 1:
                raise GraphBreakError(GRAPH_BREAK.format(detail="autograd.grad found no path from "
                                                                "f(x) back to x."))
            # The previous derivative is a constant as far as autograd knows (e.g. relu's step).
            grad = lib.zeros(tuple(x.shape), dtype=lib.float64)
        out.append(grad.detach().numpy().astype(np.float64))
        current = grad
    return np.stack(out)


@dataclass
class Evaluator:
    """``f`` and its derivatives at any points, on the path chosen for ``f``.

    Calling it with a 1-D array returns ``(order + 1, len(points))``. ``pointwise`` evaluates one
    scalar tensor per point (``scalar_shape`` is ``()`` or ``(1,)``); ``nan_on_error`` turns a
    failing point into NaN instead of raising (used when probing for kinks).
    """

    f: Callable
    order: int
    pointwise: bool = False
    scalar_shape: tuple = ()

    def __call__(self, points: np.ndarray, *, nan_on_error: bool = False) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64).reshape(-1)
        if not self.pointwise:
            try:
                return derivative_stack(self.f, points, self.order)
            except Exception:
                if not nan_on_error:
                    raise
                return np.full((self.order + 1, points.size), np.nan)
        out = np.empty((self.order + 1, points.size))
        for i, p in enumerate(points):
            try:
                out[:, i] = derivative_stack(self.f, np.full(self.scalar_shape, p), self.order,
                                             lenient=True).reshape(self.order + 1)
            except (TypeError, GraphBreakError):
                if not nan_on_error:
                    raise
                out[:, i] = np.nan
            except Exception as err:
                if not nan_on_error:
                    raise ValueError(f"f raised {type(err).__name__} at x = {p:.6g}: "
                                     f"{_first_line(err)}") from err
                out[:, i] = np.nan
        return out


@dataclass
class Evaluation:
    """What :func:`evaluate` found: the values on the grid and the path that produced them."""

    values: np.ndarray          # (order + 1, n): f, f′, f″, …
    evaluator: Evaluator
    reason: str                 # why the pointwise path was used ("" when vectorized)


def _pointwise_shape(f: Callable, point: float, order: int) -> tuple:
    """The scalar shape ``f`` accepts: ``()`` first, then ``(1,)``; raise ``f``'s error otherwise."""
    try:
        derivative_stack(f, np.float64(point), order, lenient=True)
        return ()
    except (TypeError, GraphBreakError, _WrongShape):
        raise
    except Exception as first:
        try:
            derivative_stack(f, np.full((1,), point), order, lenient=True)
            return (1,)
        except Exception:
            raise first from None


def _spot_indices(n: int) -> np.ndarray:
    return np.unique(np.round(np.asarray(SPOT_FRACTIONS) * (n - 1)).astype(int))


def _describe_mismatch(x: np.ndarray, grid: np.ndarray, single: np.ndarray) -> str | None:
    """A sentence naming the first spot-check point where the two paths differ, else None."""
    for row, what in ((0, "f"), (1, "f′")):
        a, b = grid[row], single[row]
        finite = np.abs(np.concatenate([a, b]))
        finite = finite[np.isfinite(finite)]
        scale = float(finite.max()) if finite.size else 1.0
        same = np.isclose(a, b, rtol=1e-9, atol=1e-12 * max(scale, 1e-300), equal_nan=True)
        if not same.all():
            i = int(np.argmin(same))
            return (f"{what} on the whole grid differs from {what} on single points "
                    f"(at x = {x[i]:.4g}: {a[i]:.6g} vs {b[i]:.6g})")
    return None


def _try_grid(f: Callable, xs: np.ndarray, order: int) -> tuple[np.ndarray | None, str, tuple | None]:
    """``(values, reason, wrong_shape)``: values when ``f`` is usable on the whole grid."""
    try:
        values = derivative_stack(f, xs, order)
    except (TypeError, GraphBreakError):
        raise
    except _WrongShape as err:
        return None, f"f returned shape {err.got} for a grid of shape {err.expected}", err.got
    except Exception as err:
        return None, f"f raised {type(err).__name__} on the whole grid: {_first_line(err)}", None
    idx = _spot_indices(xs.size)
    try:
        shape = _pointwise_shape(f, xs[idx[0]], 1)
        single = Evaluator(f, 1, pointwise=True, scalar_shape=shape)(xs[idx])
    except Exception:
        return values, "", None
    mismatch = _describe_mismatch(xs[idx], values[:2, idx], single)
    return (values, "", None) if mismatch is None else (None, mismatch, None)


def evaluate(f: Callable, xs: np.ndarray, order: int) -> Evaluation:
    """Evaluate ``f`` on the grid ``xs``, choosing the vectorized or the pointwise path.

    The vectorized result is kept only if ``f`` runs on the grid, returns one value per point and
    agrees (values and first derivatives) with ``f`` applied to a few points on their own.
    """
    values, reason, grid_shape = _try_grid(f, xs, order)
    if values is not None:
        return Evaluation(values, Evaluator(f, order), "")
    try:
        shape = _pointwise_shape(f, xs[0], order)
    except _WrongShape as err:
        grid = f" and {grid_shape} for x of shape ({xs.size},)" if grid_shape is not None else ""
        raise ValueError(f"f must return one value per point (a tensor shaped like x): it returned "
                         f"shape {err.got} for a scalar x{grid}.") from None
    except (TypeError, GraphBreakError):
        raise
    except Exception as err:
        raise ValueError(f"f could not be evaluated: {reason}; and on the single point "
                         f"x = {xs[0]:.4g} it raised {type(err).__name__}: {_first_line(err)}") from err
    evaluator = Evaluator(f, order, pointwise=True, scalar_shape=shape)
    return Evaluation(evaluator(xs), evaluator, reason)


def check_slopes(evaluator: Evaluator, xs: np.ndarray, values: np.ndarray) -> str | None:
    """A warning when autograd's f′ disagrees with f's own slope at most spot-check points.

    That happens when f detaches part of its computation (``x.detach() ** 2 + x``): the result
    still has a grad_fn, but the derivative is wrong. Central differences with a tiny step are
    compared at 5 points; a single kink there cannot trigger the warning (3 must disagree).
    """
    idx = _spot_indices(xs.size)
    width = float(xs[-1] - xs[0])
    step = 1e-6 * width
    at = xs[idx]
    around = evaluator(np.concatenate([at - step, at + step]), nan_on_error=True)[0]
    slope = (around[idx.size:] - around[:idx.size]) / (2 * step)
    grad, f0 = values[1, idx], values[0, idx]
    tol = 1e-4 * (1 + np.abs(grad) + np.abs(f0) / width)
    bad = np.isfinite(slope) & np.isfinite(grad) & (np.abs(slope - grad) > tol)
    if bad.sum() < 3:
        return None
    i = int(np.argmax(bad))
    return (f"autograd's f′ disagrees with the slope of f itself at {bad.sum()} of {idx.size} checked "
            f"points (at x = {at[i]:.4g}: autograd {grad[i]:.6g}, finite difference {slope[i]:.6g}). "
            "Does f detach part of its computation (.detach(), .item(), .numpy(), torch.tensor(...))?")


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
