"""Pictures of computational graphs: layout (dot or grandalf), our own SVG writer, DOT text.

Only reads `autogradviz.graph.model`; never imports the engine.
"""
from .dot_source import render_dot, to_dot
from .escape import dot_string, xml_attr, xml_text
from .layout import INSTALL_HINT, EdgeRoute, Layout, NodeBox, dot_path, layout, node_lines
from .svg import to_svg
from .view import GraphView

__all__ = [
    "INSTALL_HINT",
    "EdgeRoute",
    "GraphView",
    "Layout",
    "NodeBox",
    "dot_path",
    "dot_string",
    "layout",
    "node_lines",
    "render_dot",
    "to_dot",
    "to_svg",
    "xml_attr",
    "xml_text",
]
