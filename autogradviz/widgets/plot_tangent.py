"""The interactive derivative plot: a slider for x₀ and the tangent of slope f′(x₀) from autograd.

Moving the slider updates the lines of one figure with ``set_data``: with the ipympl backend
(``%matplotlib widget``) the figure's own canvas widget redraws; otherwise the figure is shown
as a PNG in an ``ipywidgets.Image`` whose bytes are replaced in place (no new figure, no flicker).
"""
from __future__ import annotations

import base64
import html
import io

import ipywidgets as widgets
import numpy as np

from .plot_data import DerivativeData, prime
from .plot_draw import DerivativeFigure, add_legend, draw, new_figure

TANGENT_COLOR = "C3"
DPI = 90                 # the PNG's resolution: 8.5 × 5.2 inches are 765 × 468 px
# JupyterLab's slider: its track starts 14 px after the description and ends 82 px before the
# slider's right edge (the readout and its gap)
TRACK_AFTER_LABEL = 14
TRACK_BEFORE_END = 82


def _ipympl_active() -> bool:
    import matplotlib
    try:
        backend = matplotlib.get_backend(auto_select=False)
    except TypeError:  # matplotlib < 3.10
        backend = matplotlib.get_backend()
    return "ipympl" in str(backend or "").lower() or str(backend).lower() == "widget"


def _figure(ax):
    if ax is not None:
        return ax.figure, ax
    if _ipympl_active():
        import matplotlib.pyplot as plt
        with plt.ioff():
            fig = plt.figure(FigureClass=DerivativeFigure, figsize=(8.5, 5.2), layout="constrained")
    else:
        fig = new_figure()
    return fig, fig.add_subplot()


class TangentExplorer(widgets.VBox):
    """A slider for x₀, a line of text and the plot of f, f′ with the tangent at x₀.

    The model, for code and tests: ``x0`` (settable; the slider follows), ``value`` (f(x₀)),
    ``tangent_slope`` (f′(x₀), computed by autograd at x₀ itself, not read off the grid),
    ``text`` (``"x₀ = …:  f(x₀) = …,  f′(x₀) = …"``), ``tangent_line`` (its Line2D), ``figure``,
    ``slider`` and ``data`` (the :class:`~autogradviz.widgets.plot_data.DerivativeData`).
    """

    def __init__(self, data: DerivativeData, ax=None, x0: float | None = None):
        self.data = data
        fig, ax = _figure(ax)
        self.figure, self.axes = fig, ax
        draw(ax, data)
        fig.autograd_data = data
        ax.set_ylim(ax.get_ylim())  # the tangent must not rescale the view
        name = data.name
        (self.tangent_line,) = ax.plot([], [], color=TANGENT_COLOR, lw=1.8, zorder=6,
                                       label=f"tangent at x₀ (slope {prime(name, 1)}(x₀))")
        (self._guide,) = ax.plot([], [], color="0.4", lw=1, ls=":", zorder=6)
        (self._dot_f,) = ax.plot([], [], "o", color=TANGENT_COLOR, ms=7, zorder=7)
        (self._dot_df,) = ax.plot([], [], "o", color="C1", mec="0.2", ms=7, zorder=7)
        add_legend(ax, data)
        self._legend_text = next(t for t in ax.get_legend().get_texts()
                                 if t.get_text() == self.tangent_line.get_label())
        lo, hi = float(data.x[0]), float(data.x[-1])
        self._step = (hi - lo) / 1000
        self.slider = widgets.FloatSlider(
            value=lo + 0.6 * (hi - lo) if x0 is None else x0, min=lo, max=hi, step=self._step,
            description="x₀", readout_format=".3f", continuous_update=True,
            layout=widgets.Layout(width="95%"))
        self.label = widgets.HTML()
        canvas = fig.canvas
        self._image = None
        if not isinstance(canvas, widgets.DOMWidget):
            # Shown at its own pixel size, shrinking in a narrower output area: a VBox stretches its
            # children, which drew the 765 px figure 1096 px wide at 1280x800 and pushed the x axis
            # and the legend below the screen, away from the slider.
            width = round(fig.get_figwidth() * DPI)
            self._image = widgets.Image(format="png", layout=widgets.Layout(
                width=f"{width}px", max_width="100%", height="auto"))
        view = canvas if self._image is None else self._image
        self.value = self.tangent_slope = self._x0 = float("nan")
        self.text = ""
        super().__init__([self.slider, self.label, view])
        self.add_class("autogradviz-tangent")  # hooks for browser tests and user CSS
        self.label.add_class("autogradviz-tangent-text")
        self.slider.observe(self._on_slider, names="value")
        self._update(float(self.slider.value))
        if self._image is not None:
            self._align_slider()

    def _align_slider(self) -> None:
        """Put the slider's track right above the plot's x axis (they share the range), so the
        handle sits above the point of tangency, not 1096 px of slider over a 765 px figure."""
        box = self.axes.get_position()                 # final: the figure was drawn once
        width = self.figure.get_figwidth() * DPI
        self.axes_span = (box.x0 * width, box.x1 * width)
        self.slider.style.description_width = f"{max(self.axes_span[0] - TRACK_AFTER_LABEL, 20):.1f}px"
        self.slider.layout = widgets.Layout(width=f"{self.axes_span[1] + TRACK_BEFORE_END:.1f}px", max_width="100%")
        self._update(self.x0)

    @property
    def x0(self) -> float:
        """The point of tangency (the slider's value, or the kink it was snapped to)."""
        return self._x0

    @x0.setter
    def x0(self, value: float) -> None:
        value = float(value)
        if value == self.slider.value:
            self._update(value)
        self.slider.value = value  # clamped to the range; observing it runs _update

    def _snap(self, x0: float) -> float:
        """Land exactly on a kink when the slider passes within half a step of it.

        Not in pointwise mode: a Python loop in f may never end exactly there (D2L's f(0)).
        """
        if self.data.pointwise:
            return x0
        near = [b.x for b in self.data.breaks if abs(b.x - x0) < 0.5 * self._step]
        return min(near, key=lambda b: abs(b - x0)) if near else x0

    def _on_slider(self, change) -> None:
        self._update(float(change["new"]))

    def _update(self, x0: float) -> None:
        x0 = self._x0 = self._snap(x0)
        name = self.data.name
        try:
            vals = self.data.evaluator(np.array([x0]))[:, 0]
            f0, d0 = float(vals[0]), float(vals[1])
            problem = ""
        except Exception as err:
            f0 = d0 = float("nan")
            problem = f"  ({name} could not be evaluated here: {type(err).__name__}: {err})"
        self.value, self.tangent_slope = f0, d0
        lo, hi = self.axes.get_xlim()
        self.tangent_line.set_data([lo, hi], [f0 + d0 * (lo - x0), f0 + d0 * (hi - x0)])
        self._guide.set_data([x0, x0], [f0, d0])
        self._dot_f.set_data([x0], [f0])
        self._dot_df.set_data([x0], [d0])
        note = ""
        width = float(self.data.x[-1] - self.data.x[0])
        if any(b.order <= 1 and abs(b.x - x0) <= 1e-12 * width for b in self.data.breaks):
            note = f"  ({name} is not differentiable here: autograd's {prime(name, 1)}(x₀) is a convention)"
        self._legend_text.set_text(f"tangent at x₀ = {x0:.3g}: slope {prime(name, 1)}(x₀) = {d0:.4g}")
        self.text = (f"x₀ = {x0:.4g}:  {name}(x₀) = {f0:.6g},  {prime(name, 1)}(x₀) = {d0:.6g}"
                     f"{note}{problem}")
        span = getattr(self, "axes_span", None)
        where = f" data-axes='{span[0]:.1f} {span[1]:.1f}'" if span else ""
        self.label.value = f"<span style='font-family: monospace'{where}>{html.escape(self.text)}</span>"
        self._redraw()

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        # Where no widget can be drawn (a static export without widget state, a notebook viewer),
        # the figure as it stands shows instead.
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=DPI)
        bundle["image/png"] = base64.b64encode(buf.getvalue()).decode("ascii")
        return bundle

    def _redraw(self) -> None:
        if self._image is None:
            self.figure.canvas.draw_idle()
            return
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=DPI)
        self._image.value = buf.getvalue()
