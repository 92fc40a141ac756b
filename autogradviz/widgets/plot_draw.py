"""Draw f, its autograd derivatives, the references and the non-differentiable points."""
from __future__ import annotations

import io

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MultipleLocator

from .plot_data import UNNAMED, DerivativeData, curve_key, prime
from .plot_kinks import Break

#: Curve colours: f, f′, f″, f‴ …
COLORS = ("C0", "C1", "C2", "C3", "C4", "C5")
REFERENCE_STYLES = ({"color": "0.1", "dashes": (4, 3)}, {"color": "0.1", "dashes": (1.2, 1.8)},
                    {"color": "0.1", "dashes": (7, 2, 1.5, 2)})
#: Breaks annotated with a sentence; beyond this many, only the legend explains the markers.
MAX_NOTES = 2


class DerivativeFigure(Figure):
    """A matplotlib Figure carrying ``autograd_data`` that shows itself as a PNG in Jupyter."""

    autograd_data: DerivativeData | None = None

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()


def new_figure() -> DerivativeFigure:
    """A figure outside pyplot: returning it displays it once, and no figure is left open."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    fig = DerivativeFigure(figsize=(8.5, 5.2), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def number(v: float, digits: int = 4) -> str:
    """A short number with a typographic minus, as on the axes."""
    return f"{v:.{digits}g}".replace("-", "−")


def difference(d: float) -> str:
    return "0" if d == 0 else f"{d:.1e}"


def color(order: int) -> str:
    return COLORS[order % len(COLORS)]


def curve_label(name: str, order: int) -> str:
    return f"{name}(x)" if order == 0 else f"{prime(name, order)}(x)  (autograd)"


def broken_line(x: np.ndarray, y: np.ndarray, breaks: list[Break], width: float):
    """The curve with a gap at each jump: it ends at the one-sided limits, not at a vertical line.

    A grid point sitting exactly on a jump is left out (it is drawn as the engine's value instead).
    """
    if not breaks:
        return x, y
    breaks = sorted(breaks, key=lambda b: b.x)
    at = np.array([b.x for b in breaks])
    keep = ~np.any(np.abs(x[:, None] - at[None, :]) <= 1e-12 * width, axis=1)
    x, y = x[keep], y[keep]
    xs, ys, prev = [], [], 0
    for b, pos in zip(breaks, np.searchsorted(x, at)):
        xs += [x[prev:pos], [b.x, np.nan, b.x]]
        ys += [y[prev:pos], [b.left, np.nan, b.right]]
        prev = pos
    return np.concatenate(xs + [x[prev:]]), np.concatenate(ys + [y[prev:]])


def _pi_ticks(ax: Axes, lo: float, hi: float) -> None:
    """Ticks at multiples of π/2 (or π) when the range ends on such multiples, as sin's ±2π."""
    half = np.pi / 2
    ends = np.array([lo, hi]) / half
    if not np.allclose(ends, np.round(ends), atol=1e-9) or hi - lo < np.pi or hi - lo > 16 * np.pi:
        return
    step = half if hi - lo <= 4 * np.pi else np.pi

    def fmt(v, _pos):
        k = round(v / half)
        if k == 0:
            return "0"
        sign = "−" if k < 0 else ""
        k = abs(k)
        if k % 2 == 0:
            n = k // 2
            return f"{sign}{'' if n == 1 else n}π"
        return f"{sign}{'' if k == 1 else k}π/2"
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(FuncFormatter(fmt))


def _note_offset(ax: Axes, data: DerivativeData, x: float, y: float, i: int):
    """Where a note goes (offset in points, alignment): towards the middle of the data."""
    finite = data.values[np.isfinite(data.values)]
    ylo, yhi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    fx = (x - data.x[0]) / (data.x[-1] - data.x[0])
    fy = (y - ylo) / (yhi - ylo) if yhi > ylo else 0.5
    right = fx < 0.6
    up = fy < 0.5
    dy = (40 + 38 * i) * (1 if up else -1)
    return (22 if right else -22, dy), ("left" if right else "right"), ("bottom" if up else "top")


def _mark_breaks(ax: Axes, data: DerivativeData) -> None:
    """Hollow circles at the one-sided limits, a filled dot at the engine's value, short notes."""
    for b in data.breaks:
        c = color(b.order)
        ax.plot([b.x, b.x], [b.left, b.right], linestyle="none", marker="o", markersize=7,
                markerfacecolor="white", markeredgecolor=c, markeredgewidth=1.6, zorder=4)
        if np.isfinite(b.value):
            ax.plot([b.x], [b.value], linestyle="none", marker="o", markersize=7, color=c, zorder=5)
    notes = [b for b in data.breaks if b.order >= 1 and np.isfinite(b.value)]
    if len(notes) > MAX_NOTES:
        return
    for i, b in enumerate(notes):
        offset, ha, va = _note_offset(ax, data, b.x, b.value, i)
        text = (f"{prime(data.name, b.order)}({number(b.x)}) = {number(b.value)} here: a convention,\n"
                f"since {prime(data.name, b.order - 1)} is not differentiable at {number(b.x)}")
        ax.annotate(text, xy=(b.x, b.value), xytext=offset, textcoords="offset points",
                    fontsize=8.5, color="0.15", ha=ha, va=va,
                    bbox={"boxstyle": "round,pad=0.35", "fc": "white", "ec": "0.65", "alpha": 0.95},
                    arrowprops={"arrowstyle": "->", "color": "0.35", "lw": 0.9,
                                "shrinkA": 0, "shrinkB": 5}, zorder=6)


def break_handles(data: DerivativeData) -> list[Line2D]:
    """Legend entries explaining the hollow and filled markers (none without breaks)."""
    if not data.breaks:
        return []
    what = ", ".join(prime(data.name, k) for k in sorted({b.order for b in data.breaks}))
    places = len({b.x for b in data.breaks})
    verb = "jumps" if what.count(",") == 0 else "jump"
    out = [Line2D([], [], linestyle="none", marker="o", markersize=7, markerfacecolor="white",
                  markeredgecolor="0.3", markeredgewidth=1.6,
                  label=f"{what} {verb} at {places} point{'s' if places > 1 else ''}: one-sided limits")]
    if any(np.isfinite(b.value) for b in data.breaks):
        out.append(Line2D([], [], linestyle="none", marker="o", markersize=7, color="0.3",
                          label="autograd's value at a jump: a convention"))
    return out


def _subtitle(data: DerivativeData) -> str:
    n = data.x.size
    if data.pointwise:
        return f"f is not elementwise, so evaluated point by point: {n} scalar backward() calls"
    return f"elementwise f: one backward() through all {n} points"


def add_legend(ax: Axes, data: DerivativeData) -> None:
    """(Re)build the legend below the axes from the labelled lines and the break markers."""
    handles, labels = ax.get_legend_handles_labels()
    extra = break_handles(data)
    handles, labels = handles + extra, labels + [h.get_label() for h in extra]
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.1),
              ncol=2 if len(handles) > 3 else len(handles), frameon=False, fontsize=9.5)


def draw(ax: Axes, data: DerivativeData) -> dict[int, Line2D]:
    """Draw everything on ``ax``; return the curve lines by order (0: f, 1: f′ …)."""
    x = data.x
    width = float(x[-1] - x[0])
    lines = {}
    for k in range(data.order + 1):
        bx, by = broken_line(x, data.values[k], [b for b in data.breaks if b.order == k], width)
        (lines[k],) = ax.plot(bx, by, color=color(k), lw=2.6 if k else 2.2, alpha=0.9 if k else 1.0,
                              label=curve_label(data.name, k), zorder=2 + 0.1 * k)
        lines[k].set_gid(curve_key(k))
    for i, ref in enumerate(data.references.values()):
        style = REFERENCE_STYLES[i % len(REFERENCE_STYLES)]
        curve = prime(data.name, ref.order)
        name = ref.label if ref.label == UNNAMED else f"{ref.label}  (reference)"
        line, = ax.plot(x, ref.y, lw=1.4, label=f"{name}: max |{ref.label} − {curve}| "
                        f"= {difference(ref.max_abs_diff)}", zorder=3, **style)
        line.set_gid(f"reference:{ref.label}")
    _mark_breaks(ax, data)
    ax.axhline(0, color="0.6", lw=0.8, zorder=1)
    ax.grid(True, color="0.9", lw=0.8)
    ax.set_xlim(x[0], x[-1])
    ax.set_xlabel("x")
    _pi_ticks(ax, float(x[0]), float(x[-1]))
    derivs = "derivative" if data.order == 1 else f"first {data.order} derivatives"
    ax.set_title(f"{data.name}(x) and its {derivs} from autograd", fontsize=13, pad=20)
    ax.annotate(_subtitle(data), xy=(0.5, 1.0), xycoords="axes fraction", xytext=(0, 5),
                textcoords="offset points", ha="center", va="bottom", fontsize=9, color="0.35")
    add_legend(ax, data)
    return lines
