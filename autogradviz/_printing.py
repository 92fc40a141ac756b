"""Tensor reprs, character for character as PyTorch prints them (precision 4, summarised
above 1000 elements, line width 80, scientific notation when magnitudes call for it)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _dtype as D


@dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


OPTIONS = _PrintOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None) -> None:
    """Change how tensors print, like ``torch.set_printoptions``."""
    if profile == "default":
        OPTIONS.__init__()
    elif profile == "short":
        OPTIONS.__init__(precision=2, edgeitems=2)
    elif profile == "full":
        OPTIONS.__init__(threshold=math.inf)
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            setattr(OPTIONS, name, value)
    OPTIONS.sci_mode = sci_mode


class _Formatter:
    def __init__(self, values: np.ndarray, floating: bool):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        p = OPTIONS.precision
        flat = values.reshape(-1)
        if not floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            return
        absv = np.abs(finite).astype(np.float64)
        lo, hi = float(absv.min()), float(absv.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8
        else:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        if OPTIONS.sci_mode is not None:  # the user's choice wins, and the widths follow it
            self.sci_mode = OPTIONS.sci_mode
        vals = finite.tolist()
        if self.sci_mode:
            widths = [len(f"{v:.{p}e}") for v in vals]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in vals]
        else:
            widths = [len(f"{v:.{p}f}") for v in vals]
        self.max_width = max([self.max_width] + widths)

    def format(self, value) -> str:
        p = OPTIONS.precision
        if self.floating:
            if self.sci_mode:
                s = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                s = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    s += "."
            else:
                s = f"{value:.{p}f}"
        else:
            s = str(value)
        return (self.max_width - len(s)) * " " + s


def _summarized(a: np.ndarray) -> np.ndarray:
    e = OPTIONS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate([a[:e], a[-e:]]) if a.shape[0] > 2 * e else a
    if a.shape[0] > 2 * e:
        rows = [a[i] for i in range(e)] + [a[i] for i in range(a.shape[0] - e, a.shape[0])]
    else:
        rows = list(a)
    return np.stack([_summarized(r) for r in rows])


def _vector(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    e = OPTIONS.edgeitems
    per_line = max(1, math.floor((OPTIONS.linewidth - indent) / (fmt.max_width + 2)))
    if summarize and a.shape[0] > 2 * e:
        data = [fmt.format(v) for v in a[:e].tolist()] + [" ..."] + [fmt.format(v) for v in a[-e:].tolist()]
    else:
        data = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _format(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    # Written as an explicit stack would obscure the layout rules; tensor rank bounds the depth.
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    e = OPTIONS.edgeitems
    if summarize and a.shape[0] > 2 * e:
        parts = ([_format(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."]
                 + [_format(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0] - e, a.shape[0])])
    else:
        parts = [_format(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0])]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def array_str(a: np.ndarray, dtype: D.dtype, indent: int = 7) -> str:
    """The bracketed body of a tensor repr (what follows ``tensor(``)."""
    if a.size == 0:
        return "[]"
    summarize = a.size > OPTIONS.threshold
    if dtype is D.float16:
        a = a.astype(np.float32)
    fmt = _Formatter(_summarized(a) if summarize else a, dtype.is_floating_point)
    return _format(a, indent, summarize, fmt)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last_line + len(s) + 2 > OPTIONS.linewidth:
            parts.append(",\n" + " " * indent + s)
            last_line = indent + len(s)
        else:
            parts.append(", " + s)
            last_line += len(s) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t, prefix: str = "tensor(") -> str:
    """``tensor([0., 1.], requires_grad=True)`` and friends."""
    indent = len(prefix)
    a, dt = t._data, t._dtype
    suffixes = []
    default = dt in (D.default_float(), D.int64, D.bool_)
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if dt is not D.default_float():
            suffixes.append(f"dtype={dt!r}")
        body = "[]"
    else:
        if not default:
            suffixes.append(f"dtype={dt!r}")
        body = array_str(a, dt, indent)
    try:
        fn = t.grad_fn
    except RuntimeError:  # a view whose grad_fn cannot be made again (PyTorch prints this too)
        suffixes.append("grad_fn=<Invalid>")
    else:
        if fn is not None:
            suffixes.append(f"grad_fn=<{fn.name()}>")
        elif t.requires_grad:
            suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)


def summary(a: np.ndarray, max_elements: int = 8) -> str:
    """A one-line value summary for pictures: the values when few, else shape and range."""
    a = np.asarray(a)
    if a.size == 0:
        return "[]"
    if a.size <= max_elements:
        dt = D.from_numpy_dtype(a.dtype) if a.dtype != np.float16 else D.float32
        text = array_str(a, dt, 0)
        return " ".join(text.split())
    finite = a[np.isfinite(a)] if a.dtype.kind == "f" else a
    if finite.size == 0:
        return f"{tuple(a.shape)} all non-finite"
    return f"{tuple(a.shape)} min {float(finite.min()):.4g} max {float(finite.max()):.4g}"
