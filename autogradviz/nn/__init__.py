"""``torch.nn`` for autogradviz: Module, Parameter, layers, losses, ``functional`` and ``init``.

Everything is built on the engine's ops, so a model's forward pass is an ordinary autograd
graph with PyTorch's node names.
"""
from . import functional, init, modules
from .modules import *  # noqa: F403 - the layers, listed once in modules/__init__.py
from .parameter import Parameter

__all__ = [*modules.__all__, "Parameter", "functional", "init"]  # noqa: PLE0604 (names, spread)


def __getattr__(name: str):
    from .._pytorch_names import missing
    raise missing("torch.nn", name, f"module 'autogradviz.nn' has no attribute {name!r}")
