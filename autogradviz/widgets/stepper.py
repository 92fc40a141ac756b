"""The BackwardStepper and ForwardStepper widgets: a fixed graph picture, controls, and a panel
that explains each step. All logic lives in ``walk.py`` models; this module only displays them."""
from __future__ import annotations

import html
import json

import ipywidgets as W

from .._errors import raised_in_callers_code
from .._printing import summary
from ..graph import caller_names
from ..render.view import GraphView
from .walk import BackwardWalk, ForwardWalk

_PANEL_STYLE = ("font-family:var(--jp-code-font-family,monospace);font-size:13px;line-height:1.5;"
                "padding:6px 10px;border-left:4px solid #e8890c;background:rgba(232,137,12,0.08);"
                "white-space:pre-wrap;overflow-wrap:break-word")


def _edge_text(grad) -> str:
    return "∂ " + summary(grad, 4)


# The picture is drawn at a scale that keeps it within this height (so picture, controls and
# explanation fit a 1280×800 screen), but never below MIN_SCALE, where node text would fall
# under 12 px.
PICTURE_HEIGHT = 540.0
MIN_SCALE = 0.88                 # node text (14 px and up) shows at 12.3 px or more
PANEL_WIDTH = 240                 # the explanation's share beside the picture (its min-width too)
WIDGET_EDGE = 12                  # px an HTML widget takes around its content (margins)


def fit_scale(view: GraphView, height: float = PICTURE_HEIGHT) -> float:
    """The scale that fits ``view``'s picture into ``height`` pixels, within [MIN_SCALE, 1]."""
    return max(MIN_SCALE, min(1.0, height / view.layout.height))


class _Stepper(W.VBox):
    """Shared widget shell: a title, the controls in one row, then the picture with the
    explanation beside it (or above it, when the output area is too narrow for both)."""

    def __init__(self, walk, view: GraphView, title: str):
        self.walk = walk
        self.view = view
        view.scale *= fit_scale(view)
        width = view.layout.width
        # side by side while the picture keeps 12 px text (at least MIN_SCALE of its natural
        # width); in a narrower output area the text wraps above it
        self.picture = W.HTML(layout=W.Layout(flex=f"1 1 {width * min(MIN_SCALE, view.scale) + WIDGET_EDGE:.0f}px",
                                              max_width=f"{width * view.scale + WIDGET_EDGE:.0f}px",
                                              min_width="0", overflow="hidden"))
        self.panel = W.HTML(layout=W.Layout(flex=f"1 1 {PANEL_WIDTH}px", min_width="240px"))
        self.picture.add_class("autogradviz-stepper-picture")
        self.panel.add_class("autogradviz-stepper-text")
        n = walk.total
        self.slider = W.IntSlider(value=0, min=0, max=n, description="step", continuous_update=True,
                                  layout=W.Layout(width="260px"))
        self.label = W.Label()
        self.reset_button = W.Button(description="reset", layout=W.Layout(width="70px"))
        self.prev_button = W.Button(description="◀ prev", layout=W.Layout(width="80px"))
        self.next_button = W.Button(description="next ▶", layout=W.Layout(width="80px"))
        self.play = W.Play(value=0, min=0, max=n, step=1, interval=900, description="play")
        self.speed = W.IntSlider(value=900, min=150, max=3000, step=50, description="ms/step",
                                 layout=W.Layout(width="220px"))
        W.jslink((self.play, "value"), (self.slider, "value"))
        W.jslink((self.speed, "value"), (self.play, "interval"))
        self.reset_button.on_click(lambda _: self.goto(0))
        self.prev_button.on_click(lambda _: self.goto(max(0, self.walk.index - 1)))
        self.next_button.on_click(lambda _: self.goto(min(self.walk.total, self.walk.index + 1)))
        self.slider.observe(lambda change: self.goto(change["new"]), names="value")
        controls = W.HBox([self.reset_button, self.prev_button, self.next_button, self.play,
                           self.slider, self.label, self.speed],
                          layout=W.Layout(flex_flow="row wrap", align_items="center"))
        # row-reverse + wrap: the text (first) sits right of the picture, or above it when wrapped
        body = W.HBox([self.panel, self.picture],
                      layout=W.Layout(flex_flow="row-reverse wrap", justify_content="flex-end",
                                      align_items="flex-start", width="100%"))
        header = W.HTML(f"<b>{html.escape(title)}</b>")
        super().__init__([header, controls, body])
        self.add_class("autogradviz-stepper")
        self.goto(0)

    # --- the model's API, mirrored ----------------------------------------------------------
    @property
    def steps(self):
        return self.walk.steps if hasattr(self.walk, "steps") else self.walk.order

    @property
    def index(self) -> int:
        return self.walk.index

    @property
    def state(self):
        return self.walk.state

    def next(self):
        return self.goto(min(self.walk.total, self.walk.index + 1))

    def prev(self):
        return self.goto(max(0, self.walk.index - 1))

    def reset(self):
        return self.goto(0)

    def goto(self, k: int):
        state = self.walk.goto(k)
        if self.slider.value != k:
            self.slider.value = k  # re-enters goto once; the walk is already at k
        self.picture.value = self.frame_svg(k)
        self.panel.value = f'<div style="{_PANEL_STYLE}">{html.escape(self.frame_text(k))}</div>'
        self.label.value = f"step {k} of {self.walk.total}"   # last: "step k" means the frame is there
        return state

    # --- frames ------------------------------------------------------------------------------
    def frame_svg(self, k: int) -> str:
        raise NotImplementedError

    def frame_text(self, k: int) -> str:
        raise NotImplementedError

    def save_html(self, path) -> str:
        """One self-contained HTML file with every frame and a small slider (no kernel needed)."""
        frames = [{"svg": self.frame_svg(k), "text": self.frame_text(k)} for k in range(self.walk.total + 1)]
        here = self.walk.index
        self.goto(here)
        page = _PAGE.replace("__FRAMES__", json.dumps(frames).replace("</", "<\\/")).replace(
            "__N__", str(self.walk.total))
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)
        return str(path)

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        # A static export (no widget state) still shows the current frame.
        bundle["text/html"] = (self.picture.value + self.panel.value)
        return bundle


class BackwardStepper(_Stepper):
    """Walk ``y.backward()`` node by node: what arrives, which rule applies, what accumulates."""

    def __init__(self, walk: BackwardWalk, view: GraphView, apply: bool = False):
        self.apply_at_end = apply
        self.walk = walk
        view.reserve_labels(self.edge_labels(walk.total))  # every gradient has its place from the start
        super().__init__(walk, view, "Backward pass, step by step")

    def frame_svg(self, k: int) -> str:
        walk: BackwardWalk = self.walk
        styles = {}
        step_nodes = [walk.node_id(s.node) for s in walk.steps]
        for i, nid in enumerate(step_nodes):
            if nid is None:
                continue
            styles[nid] = "done" if i < k - 1 else ("current" if i == k - 1 else "pending")
        return self.view.restyle(styles, self.edge_labels(k))

    def edge_labels(self, k: int) -> dict[tuple[str, str, int], str]:
        """The gradients written on the edges after step ``k``: (src, dst, position) -> text."""
        walk: BackwardWalk = self.walk
        labels = {}
        for step in walk.steps[:k]:
            dst = walk.node_id(step.node)
            for i, ((nxt, _), g) in enumerate(zip(step.node.next_functions, step.grad_inputs)):
                if nxt is not None and g is not None:
                    labels[(walk.node_id(nxt), dst, i)] = _edge_text(g)
        return labels

    def frame_text(self, k: int) -> str:
        state = self.walk.goto(k)
        return f"Step {k} of {self.walk.total}\n{state.text}"

    def goto(self, k: int):
        state = super().goto(k)
        if self.apply_at_end and k == self.walk.total and not getattr(self, "_applied", False):
            self.walk.apply()
            self._applied = True
        return state


class ForwardStepper(_Stepper):
    """Replay the forward pass: the graph grows op by op, each value computed."""

    def __init__(self, walk: ForwardWalk, view: GraphView):
        super().__init__(walk, view, "Forward pass, op by op")

    def frame_svg(self, k: int) -> str:
        order = self.walk.order
        styles = {nid: ("done" if i < k - 1 else "current" if i == k - 1 else "pending")
                  for i, nid in enumerate(order)}
        return self.view.restyle(styles, {})

    def frame_text(self, k: int) -> str:
        return f"Step {k} of {self.walk.total}\n{self.walk.goto(k)['text']}"


@raised_in_callers_code
def step_backward(y, gradient=None, names: dict | None = None, *, apply: bool = False,
                  rankdir: str = "BT", engine: str = "auto", show_values: bool = True,
                  ids: dict | None = None, scale: float = 1.0) -> BackwardStepper:
    """A widget that steps through ``y.backward(gradient)`` one node at a time.

    Your tensors are untouched: ``.grad`` is not written and the graph is not freed, unless
    ``apply=True``, which accumulates into ``.grad`` once the last step is reached. The picture
    is drawn small enough to fit one screen beside its explanation; ``scale`` multiplies that size.
    """
    walk = BackwardWalk(y, gradient, names=names, ids=ids if ids is not None else caller_names())
    view = GraphView(walk.graph, rankdir=rankdir, engine=engine, show_values=show_values, show_grads=False,
                     show_meta=False, scale=scale)
    return BackwardStepper(walk, view, apply=apply)


@raised_in_callers_code
def step_forward(y, names: dict | None = None, *, rankdir: str = "BT", engine: str = "auto",
                 ids: dict | None = None, scale: float = 1.0) -> ForwardStepper:
    """A widget that replays the forward pass behind ``y`` op by op."""
    walk = ForwardWalk(y, names=names, ids=ids if ids is not None else caller_names())
    view = GraphView(walk.graph, rankdir=rankdir, engine=engine, show_grads=False, show_meta=False, scale=scale)
    return ForwardStepper(walk, view)


_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>autogradviz walkthrough</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em;max-width:1000px}
#text{font-family:monospace;white-space:pre-wrap;border-left:4px solid #e8890c;padding:6px 10px;
background:rgba(232,137,12,0.08)}
#controls{margin:0.8em 0}
</style></head><body>
<h2>Backpropagation, step by step</h2>
<div id="picture"></div>
<div id="controls"><button id="prev">&#9664; prev</button>
<input id="slider" type="range" min="0" max="__N__" value="0" style="width:300px">
<button id="next">next &#9654;</button> <span id="label"></span></div>
<div id="text"></div>
<script>
const frames = __FRAMES__;
const slider = document.getElementById("slider");
function show(k) {
  slider.value = k;
  document.getElementById("picture").innerHTML = frames[k].svg;
  document.getElementById("text").textContent = frames[k].text;
  document.getElementById("label").textContent = "step " + k + " of " + (frames.length - 1);
}
slider.addEventListener("input", () => show(+slider.value));
document.getElementById("prev").onclick = () => show(Math.max(0, +slider.value - 1));
document.getElementById("next").onclick = () => show(Math.min(frames.length - 1, +slider.value + 1));
show(0);
</script></body></html>
"""
