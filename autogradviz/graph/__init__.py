"""The plain description of a computational graph (``trace``), read by pictures and widgets."""
from .model import Edge, Graph, Node
from .names import caller_names
from .trace import require_tensors, summarize, trace

__all__ = ["Edge", "Graph", "Node", "caller_names", "require_tensors", "summarize", "trace"]
