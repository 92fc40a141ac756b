"""The numbers behind a derivative plot (``fig.autograd_data``) and the reference curves."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .._engines import is_torch_tensor, library_for
from ..tensor import Tensor
from .plot_kinks import Break

SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def curve_key(order: int) -> str:
    """``"f"``, ``"df"``, ``"d2f"``, ``"d3f"`` …: the key of each curve in :class:`DerivativeData`."""
    return "f" if order == 0 else "df" if order == 1 else f"d{order}f"


def prime(name: str, order: int) -> str:
    """``f``, ``f′``, ``f″``, ``f‴``, ``f⁽⁴⁾`` …"""
    marks = {0: "", 1: "′", 2: "″", 3: "‴"}
    return name + marks.get(order, f"⁽{str(order).translate(SUPERSCRIPT)}⁾")


@dataclass(frozen=True)
class Reference:
    """A reference curve (e.g. the analytic derivative) and how far autograd's curve is from it."""

    label: str
    y: np.ndarray
    order: int            # which curve it was compared with: 1 for f′, 2 for f″ …
    max_abs_diff: float   # max |reference − autograd| over the grid (finite points)


@dataclass
class DerivativeData:
    """What ``plot_derivative`` computed; attached to the figure as ``fig.autograd_data``.

    Read it by attribute or by key: ``data["x"]``, ``data["f"]``, ``data["df"]`` (f′),
    ``data["d2f"]`` (f″) …, ``data["pointwise"]`` (True when f was evaluated one point at a time,
    because it is not elementwise; ``data["reason"]`` says why), ``data["breaks"]`` (points where
    f or a derivative jumps, see :class:`~autogradviz.widgets.plot_kinks.Break`) and
    ``data["references"]`` (label → :class:`Reference`).
    """

    x: np.ndarray
    values: np.ndarray                    # (order + 1, n): f, f′, f″ …
    name: str
    pointwise: bool = False
    reason: str = ""
    breaks: list[Break] = field(default_factory=list)
    references: dict[str, Reference] = field(default_factory=dict)
    #: Computes (f, f′ …) at new points on the same path (used by the tangent widget).
    evaluator: Callable | None = field(default=None, repr=False, compare=False)

    @property
    def order(self) -> int:
        return self.values.shape[0] - 1

    def keys(self) -> list[str]:
        curves = [curve_key(k) for k in range(self.order + 1)]
        return ["x", *curves, "pointwise", "reason", "breaks", "references"]

    def __getitem__(self, key: str):
        if key == "x":
            return self.x
        for k in range(self.order + 1):
            if key == curve_key(k):
                return self.values[k]
        if key in ("pointwise", "reason", "breaks", "references"):
            return getattr(self, key)
        raise KeyError(f"{key!r}: the keys are {', '.join(self.keys())}")

    def __contains__(self, key: str) -> bool:
        return key in self.keys()


def _as_array(y) -> np.ndarray:
    if isinstance(y, Tensor) or is_torch_tensor(y):
        return y.detach().numpy().astype(np.float64)
    return np.asarray(y, dtype=np.float64)


#: The label of a reference without a usable name (a lambda).
UNNAMED = "reference"


def _called(label: str) -> str:
    return "reference" if label == UNNAMED else f"reference {label!r}"


def _call_reference(label: str, fn: Callable, x: np.ndarray) -> np.ndarray:
    """``fn`` on a NumPy array; if that fails, on an engine tensor. Broadcast to ``x``'s shape."""
    try:
        y = _as_array(fn(x.copy()))
    except Exception as first:
        try:
            lib = library_for(fn)   # torch.cos gets a torch tensor
            y = _as_array(fn(lib.tensor(x, dtype=lib.float64)))
        except Exception as second:
            raise ValueError(f"{_called(label)} could not be evaluated: on a NumPy array it raised "
                             f"{type(first).__name__}: {first}; on a tensor {type(second).__name__}: "
                             f"{second}") from second
    try:
        return np.broadcast_to(y, x.shape).copy()
    except ValueError:
        raise ValueError(f"{_called(label)} must return one value per x (shape {x.shape}); it "
                         f"returned shape {y.shape}") from None


def _label(fn: Callable) -> str:
    name = getattr(fn, "__name__", "")
    return name if name and name.isidentifier() else UNNAMED


def normalize_references(reference) -> dict[str, Callable]:
    """``None``, a callable or a dict label → callable, as a dict; TypeError for anything else."""
    if reference is None:
        return {}
    if callable(reference):
        return {_label(reference): reference}
    if isinstance(reference, Mapping):
        out = {}
        for label, fn in reference.items():
            if not callable(fn):
                raise TypeError(f"reference[{label!r}] must be callable (e.g. np.cos); got "
                                f"{type(fn).__name__}")
            out[str(label)] = fn
        return out
    raise TypeError(f"reference must be a callable (e.g. np.cos) or a dict label → callable; got "
                    f"{type(reference).__name__}")


def _max_diff(a: np.ndarray, b: np.ndarray) -> float:
    both = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a[both] - b[both]))) if both.any() else float("nan")


def compare_references(references: dict[str, Callable], x: np.ndarray,
                       values: np.ndarray) -> dict[str, Reference]:
    """Evaluate each reference; compare it with f′ (with ``order`` > 1: the nearest derivative)."""
    out = {}
    for label, fn in references.items():
        y = _call_reference(label, fn, x)
        diffs = [_max_diff(y, values[k]) for k in range(1, values.shape[0])]
        finite = [d if np.isfinite(d) else np.inf for d in diffs]
        k = 1 + int(np.argmin(finite))
        out[label] = Reference(label=label, y=y, order=k, max_abs_diff=diffs[k - 1])
    return out
