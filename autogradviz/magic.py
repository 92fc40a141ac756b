"""``%autograd`` and ``%%autograd``: see the graph of a notebook cell without drawing code.

A thin layer: it finds the tensors and names, then calls ``draw_graph``, ``step_backward`` or
``step_forward``. ``%load_ext autogradviz`` registers it.
"""
from __future__ import annotations

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from ._engines import is_torch_tensor
from .graph.names import names_from_namespace
from .graph.trace import is_tensor
from .tensor import Tensor


def _reachable(tensors) -> dict[int, object]:
    """Every engine node strictly upstream of the given tensors, by id (iteratively). The nodes are
    kept in the result: real torch hands out a node's Python object only while someone holds it."""
    seen: dict[int, object] = {}
    stack = [f for t in tensors if t.grad_fn is not None for f, _ in t.grad_fn.next_functions if f is not None]
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen[id(fn)] = fn
        stack.extend(f for f, _ in fn.next_functions if f is not None)
    return seen


def final_tensors(tensors: list[Tensor]) -> list[Tensor]:
    """The tensors that no other tensor in the list was computed from (the cell's results). When
    the list holds tensors of both engines, those of the engine of the last one are kept."""
    if tensors:
        torch_last = is_torch_tensor(tensors[-1])
        tensors = [t for t in tensors if is_torch_tensor(t) == torch_last]
    upstream = _reachable(tensors)
    return [t for t in tensors if id(t.grad_fn) not in upstream]


@magics_class
class AutogradMagics(Magics):
    """The ``autograd`` line and cell magics."""

    def __init__(self, shell):
        super().__init__(shell)
        self.live = None          # the one live view (an ipywidgets.HTML), when --live is on
        self._live_args = None
        self._live_names: set[str] | None = None   # --live NAME,...: only these
        self._live_since: dict | None = None       # --live since now: {name: id} at that moment
        self._panel = None        # the side panel (sidecar) holding the live view, if any
        self._live_handle = None  # the display of the live view below a cell
        self._live_fresh = False  # True until the cell that switched it on has finished

    @magic_arguments()
    @argument("name", nargs="*", help="line magic: the tensor to draw, e.g. %%autograd y; with --live: the "
              "names to follow (e.g. loss,pred), or 'since now' for what later cells compute")
    @argument("--show", metavar="NAME[,NAME]", help="draw these tensors instead of the cell's results")
    @argument("--backward", action="store_true", help="show the backward stepper instead of the picture")
    @argument("--forward", action="store_true", help="show the forward stepper instead of the picture")
    @argument("--values", dest="values", action="store_true", default=True, help="show values in the boxes (default)")
    @argument("--no-values", dest="values", action="store_false", help="hide values")
    @argument("--grads", dest="grads", action="store_true", default=True, help="show .grad in the boxes (default)")
    @argument("--no-grads", dest="grads", action="store_false", help="hide .grad")
    @argument("--max-nodes", type=int, default=150, metavar="N", help="fold graphs bigger than N nodes (default 150)")
    @argument("--rankdir", choices=["TB", "BT", "LR", "RL"], default="BT", help="direction of the drawing (default BT: inputs at the bottom)")
    @argument("--engine", choices=["auto", "dot", "python"], default="auto", help="layout engine (default auto: Graphviz dot when installed)")
    @argument("--save", metavar="PATH", help="also write the picture to PATH (.svg or .html)")
    @argument("--live", action="store_true", help="one picture of the notebook's tensors, updated after each cell: "
              "in a side panel when the sidecar package is installed, else below the latest cell")
    @argument("--off", action="store_true", help="turn the live picture off")
    @argument("-h", "--help", action="store_true", help="show this help")
    @line_cell_magic
    def autograd(self, line: str = "", cell: str | None = None):
        """Draw the computational graph of a cell (%%autograd) or of a tensor (%autograd NAME)."""
        __tracebackhide__ = True
        args = parse_argstring(self.autograd, line)
        if args.help:
            print(self.autograd.__doc__)
            return None
        if args.backward and args.forward:
            raise UsageError("choose one of --backward and --forward")
        if cell is None:
            return self._line(args)
        before = {k: id(v) for k, v in self.shell.user_ns.items()}
        self._run_cell(cell)
        if args.show:
            tensors = [self._lookup(n.strip()) for n in args.show.split(",") if n.strip()]
        else:
            changed = [v for k, v in self.shell.user_ns.items()
                       if is_tensor(v) and v.grad_fn is not None and before.get(k) != id(v)
                       and not k.startswith("_")]
            tensors = final_tensors(_unique(changed))
            if not tensors:
                raise UsageError("the cell computed no tensor with a graph: assign a result that depends on a "
                                 "tensor created with requires_grad=True, or name one with --show")
        self._draw(tensors, args)
        return None

    # --- pieces ----------------------------------------------------------------------------
    def _run_cell(self, cell: str) -> None:
        """Run the cell as the notebook would (output, display of the last expression); an
        exception propagates as the cell's own, and no picture is drawn."""
        __tracebackhide__ = True
        shell = self.shell
        show = shell.showtraceback
        shell.showtraceback = lambda *a, **k: None  # the re-raise below shows it once
        try:
            result = shell.run_cell(cell, store_history=False)
        finally:
            shell.showtraceback = show
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            raise error
    def _line(self, args):
        if args.off:
            self._live_off()
            return None
        if args.live:
            self._live_on(args)
            return None
        if len(args.name) != 1:
            raise UsageError("name a tensor (%autograd y), or use %%autograd as a cell magic; see %autograd?")
        self._draw([self._lookup(args.name[0])], args)
        return None

    def _lookup(self, name: str) -> Tensor:
        ns = self.shell.user_ns
        if name not in ns:
            raise UsageError(f"name {name!r} is not defined in the notebook")
        value = ns[name]
        if not is_tensor(value):
            raise UsageError(f"{name!r} is {_article(type(value).__name__)}, not a tensor")
        if not value.requires_grad:
            raise UsageError(f"{name!r} has no graph: it does not require grad (create its inputs with "
                             "requires_grad=True)")
        return value

    def _ids(self):
        return names_from_namespace(self.shell.user_ns)

    def _draw(self, tensors, args):
        from .render.api import draw_graph
        from .widgets.stepper import step_backward, step_forward
        ids = self._ids()
        try:
            if args.backward:
                shown = step_backward(tensors[0], ids=ids, rankdir=args.rankdir, engine=args.engine,
                                      show_values=args.values)
            elif args.forward:
                shown = step_forward(tensors[0], ids=ids, rankdir=args.rankdir, engine=args.engine)
            else:
                shown = draw_graph(*tensors, ids=ids, show_values=args.values, show_grads=args.grads,
                                   max_nodes=args.max_nodes, rankdir=args.rankdir, engine=args.engine)
        except (RuntimeError, ValueError, TypeError) as exc:
            raise UsageError(str(exc)) from None
        display(shown)
        if args.save:
            self._save(shown, args.save)
        return shown

    @staticmethod
    def _save(shown, path: str) -> None:
        if hasattr(shown, "save_html"):
            if not path.lower().endswith((".html", ".htm")):
                raise UsageError("a stepper saves as .html (one page with every frame)")
            shown.save_html(path)
        else:
            if not path.lower().endswith((".svg", ".html", ".htm")):
                raise UsageError("--save writes .svg or .html")
            shown.save(path)

    # --- the live picture ------------------------------------------------------------------
    def _live_on(self, args) -> None:
        import ipywidgets as W
        self._live_args = args
        self._live_names, self._live_since = _live_choice(args.name, self.shell.user_ns)
        if self.live is None:
            self.live = W.HTML(layout=W.Layout(width="100%", overflow="auto"))
            self.live.add_class("autogradviz-live")
            self.shell.events.register("post_run_cell", self._after_cell)
            self._panel = _side_panel()
            if self._panel is not None:
                with self._panel:
                    display(self.live)
            # In this cell too: a static export (no side panel there) shows the last picture here.
            self._live_handle = display(self.live, display_id=True)
            self._live_fresh = True   # the cell that switched it on already shows it
        self._refresh_live()

    def _live_off(self) -> None:
        if self.live is not None:
            self.shell.events.unregister("post_run_cell", self._after_cell)
            self.live.value = "<i>live graph off</i>"
            if self._panel is not None:
                self._panel.close()
            self.live = None

    def live_tensors(self) -> list[Tensor]:
        """The tensors the live picture follows (all with a graph, the names given to --live, or
        those assigned since 'since now'), reduced to the final results."""
        found = [v for k, v in self.shell.user_ns.items()
                 if is_tensor(v) and v.grad_fn is not None and not k.startswith("_")
                 and (self._live_names is None or k in self._live_names)
                 and (self._live_since is None or self._live_since.get(k) != id(v))]
        return final_tensors(_unique(found))

    def _after_cell(self, *_ignored) -> None:
        """After each cell: without a side panel, the picture moves below that cell; then it is
        redrawn."""
        if self.live is None:
            return
        if self._panel is None and not self._live_fresh:
            from IPython.display import HTML
            self._live_handle.update(HTML("<i>live graph: below the latest cell</i>"))
            self._live_handle = display(self.live, display_id=True)
        self._live_fresh = False
        self._refresh_live()

    def _refresh_live(self) -> None:
        if self.live is None:
            return
        from .render.api import draw_graph
        tensors = self.live_tensors()
        if not tensors:
            self.live.value = "<i>live graph: no tensor with a graph yet</i>"
            return
        args = self._live_args
        view = draw_graph(*tensors, ids=self._ids(), show_values=args.values, show_grads=args.grads,
                          max_nodes=args.max_nodes, rankdir=args.rankdir, engine=args.engine)
        self.live.value = view.svg()
        self.live_view = view


def _live_choice(words: list[str], namespace: dict) -> tuple[set[str] | None, dict | None]:
    """What --live follows: (names or None for all, {name: id} at "since now" or None)."""
    if [w.lower() for w in words] == ["since", "now"]:
        return None, {k: id(v) for k, v in namespace.items()}
    names = {n.strip() for w in words for n in w.split(",") if n.strip()}
    return (names or None), None


def _side_panel():
    """A JupyterLab side panel (the sidecar package) for the live picture, or None without it."""
    try:
        from sidecar import Sidecar
    except ImportError:
        return None
    return Sidecar(title="autogradviz: live graph", anchor="split-right")


def _unique(tensors):
    seen, out = set(), []
    for t in tensors:
        if id(t) not in seen:
            seen.add(id(t))
            out.append(t)
    return out


def _article(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def load_ipython_extension(ipython) -> None:
    """Register the magics (``%load_ext autogradviz``)."""
    ipython.register_magics(AutogradMagics)
