"""`GraphView`: what a notebook shows for a graph (inline SVG), plus saving and restyling."""
from __future__ import annotations

import os

from autogradviz.graph.model import Graph

from .dot_source import render_dot, to_dot
from .escape import xml_text
from .layout import ENGINES, RANKDIRS, Engine, Layout, RankDir, dot_path, layout


class GraphView:
    """A picture of a `Graph`; the layout is computed on first use and then reused.

    Options: rankdir ("BT" inputs at the bottom, "TB", "LR", "RL"), engine ("auto": dot when
    installed, else pure Python), show_values / show_grads / show_saved (which lines the
    boxes show; show_meta=False leaves out the grad_fn name and shape line), max_nodes (fold bigger graphs with `autogradviz.graph.collapse`), scale (size
    on screen: 1 draws node text at about 14 px; pictures shrink to fit, never grow past it).
    """

    def __init__(self, graph: Graph, *, rankdir: RankDir = "BT", engine: Engine = "auto",
                 show_values: bool = True, show_grads: bool = True, show_saved: bool = False,
                 max_nodes: int | None = None, scale: float = 1.0, show_meta: bool = True) -> None:
        if rankdir not in RANKDIRS:
            raise ValueError(f"rankdir must be one of {RANKDIRS}, not {rankdir!r}")
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
        if max_nodes is not None and len(graph.nodes) > max_nodes:
            from autogradviz.graph.collapse import collapse

            graph = collapse(graph, max_nodes)
        if not (isinstance(scale, (int, float)) and 0 < scale < float("inf")):
            raise ValueError(f"scale must be a positive number, not {scale!r}")
        self._graph = graph
        self.scale = float(scale)
        self._reserved: dict[int, str] = {}
        self.rankdir = rankdir
        self.engine = engine
        self.show_values = show_values
        self.show_grads = show_grads
        self.show_saved = show_saved
        self.show_meta = show_meta
        self._layout: Layout | None = None

    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def layout(self) -> Layout:
        """The (cached) positions."""
        if self._layout is None:
            self._layout = layout(self._graph, self.engine, self.rankdir,
                                  show_values=self.show_values, show_grads=self.show_grads,
                                  show_saved=self.show_saved, show_meta=self.show_meta,
                                  labels=self._reserved)
        return self._layout

    def reserve_labels(self, edge_labels: dict[tuple[str, str, int], str]) -> None:
        """Keep a place for these edge labels ((src, dst, position) -> text) in the layout, so
        that `restyle` draws them there in every frame (the stepper's gradients)."""
        index = {(e.src, e.dst, e.position): j for j, e in enumerate(self._graph.edges)}
        self._reserved = {index[k]: str(t) for k, t in edge_labels.items() if k in index and t}
        self._layout = None

    @property
    def source(self) -> str:
        """DOT text of the picture."""
        return to_dot(self._graph, self.rankdir, show_values=self.show_values,
                      show_grads=self.show_grads, show_saved=self.show_saved)

    def svg(self) -> str:
        """SVG text with every node in its normal style."""
        return self.layout.svg(scale=self.scale)

    def restyle(self, styles: dict[str, str] | None = None,
                edge_labels: dict[tuple[str, str, int], str] | None = None) -> str:
        """SVG text with node styles / edge labels changed; the layout is not recomputed."""
        return self.layout.svg(styles=styles, edge_labels=edge_labels, scale=self.scale)

    def save(self, path: str | os.PathLike) -> str:
        """Write .svg, .html (standalone page), or .png/.pdf (these need Graphviz's dot)."""
        path = os.fspath(path)
        ext = os.path.splitext(path)[1].lower()
        if ext == ".svg":
            data = ('<?xml version="1.0" encoding="UTF-8"?>\n' + self.svg()).encode("utf-8")
        elif ext in (".html", ".htm"):
            data = _html_page(self.svg(), f"autogradviz: {len(self._graph.nodes)} nodes").encode("utf-8")
        elif ext in (".png", ".pdf"):
            data = render_dot(self.source, ext[1:])
        else:
            raise ValueError(f"cannot save as {ext or path!r}: use .svg, .html, .png or .pdf")
        with open(path, "wb") as f:
            f.write(data)
        return path

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        svg = self.svg()
        # HTML first: front ends show it inline, so it shrinks to fit the output area (an <img> of
        # the SVG would not) and hovering a box shows its tooltip; the SVG stays for the others.
        return {"text/html": f'<div class="autogradviz-picture">{svg}</div>', "image/svg+xml": svg}

    def __repr__(self) -> str:
        engine = self._layout.engine if self._layout is not None else (
            self.engine if self.engine != "auto" else ("dot" if dot_path() else "python"))
        return (f"<GraphView: {len(self._graph.nodes)} nodes, {len(self._graph.edges)} edges, "
                f"engine={engine}>")


def _html_page(svg: str, title: str) -> str:
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{xml_text(title)}</title>"
        "<style>body{margin:1em;font-family:sans-serif}</style></head>\n"
        f"<body>\n{svg}\n</body></html>\n"
    )
