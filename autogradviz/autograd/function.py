"""Custom differentiable functions: subclass ``Function`` with static forward/backward."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _grad_mode
from .node import Node, accumulator, new_node

_classes: dict[type, type] = {}


class FunctionCtx:
    """The ``ctx`` given to forward and backward: save tensors and flags between them."""

    def __init__(self):
        self.to_save = ()
        self.needs_input_grad: tuple[bool, ...] = ()
        self._node = None
        self.materialize_grads = True

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for backward; read them back as ``ctx.saved_tensors``."""
        self.to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        node = self._node
        if node is not None and node._freed:
            from .node import SECOND_BACKWARD
            raise RuntimeError(SECOND_BACKWARD)
        if node is not None and node._versions:
            node._check_saved_versions()
        return tuple(self.to_save)

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_diff = tensors

    def mark_dirty(self, *tensors) -> None:
        pass

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = value


class FunctionNode(Node):
    """The grad_fn of a custom Function's output, named ``<ClassName>Backward``."""

    __slots__ = ("ctx", "_fn", "_shapes", "_dtypes", "_versions", "_saved", "_out", "_out_dtype", "_constants",
                 "_aux", "_out_vc", "_arg_pos", "_n_args")
    __module__ = "builtins"
    op = None

    def apply(self, grad, create_graph):
        from ..tensor import Tensor, _make
        if self._freed:
            from .node import SECOND_BACKWARD
            raise RuntimeError(SECOND_BACKWARD)
        g = grad if isinstance(grad, Tensor) else _make(np.asarray(grad), self._out_dtype)
        grads = self._fn.backward(self.ctx, g)
        if not isinstance(grads, tuple):
            grads = (grads,)
        n = self._n_args
        if len(grads) != n and not (len(grads) > n and all(g is None for g in grads[n:])):
            raise RuntimeError(
                f"function {type(self).__name__} returned an incorrect number of gradients (expected {n}, got {len(grads)})")
        from .xp import NUMPY, TENSOR, fit_grad
        out = []
        for i, nxt in enumerate(self._fns):
            gi = grads[self._arg_pos[i]]
            if nxt is None or gi is None:
                out.append(None)
                continue
            if not isinstance(gi, Tensor):
                raise TypeError(f"{self._fn.__name__}.backward must return Tensors or None, got {type(gi).__name__} for input {self._arg_pos[i]}")
            if tuple(gi.shape) != tuple(self._shapes[i]):
                try:
                    np.broadcast_shapes(tuple(gi.shape), tuple(self._shapes[i]))
                except ValueError:
                    raise RuntimeError(
                        f"Function {type(self).__name__} returned an invalid gradient at index {self._arg_pos[i]} - got "
                        f"{list(gi.shape)} but expected shape compatible with {list(self._shapes[i])}") from None
            if create_graph:
                out.append(fit_grad(gi, self._shapes[i], self._dtypes[i], TENSOR))
            else:
                out.append(fit_grad(gi._data, self._shapes[i], self._dtypes[i], NUMPY))
        return tuple(out)

    def _check_saved_versions(self):
        from .._tensor_meta import version_error
        for t, v in self._versions:
            if t._vc is not None and t._vc[0] != v:
                raise RuntimeError(version_error(self, t, t._vc[0], v))

    def release(self) -> None:
        if self.ctx is not None and self.ctx.to_save:
            self.ctx.to_save = ()
            self._freed = True

    @property
    def saved_tensors(self):
        return self.ctx.saved_tensors


def _node_class(fn_cls: type) -> type:
    cls = _classes.get(fn_cls)
    if cls is None:
        cls = type(f"{fn_cls.__name__}Backward", (FunctionNode,), {"__slots__": (), "__module__": "builtins"})
        _classes[fn_cls] = cls
    return cls


class Function:
    """Base for custom ops: write ``forward(ctx, ...)`` and ``backward(ctx, grad)`` as staticmethods
    and call ``MyFunction.apply(...)``. The output's grad_fn is named ``MyFunctionBackward``."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any):
        from ..tensor import Tensor, _make
        ctx = FunctionCtx()
        tensors = [a for a in args if isinstance(a, Tensor)]
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with _grad_mode.no_grad():
            out = cls.forward(ctx, *args, **kwargs)
        record = _grad_mode.is_grad_enabled() and any(t.requires_grad for t in tensors)
        if not isinstance(out, Tensor):
            if isinstance(out, tuple) and all(isinstance(o, Tensor) for o in out):
                if record:
                    raise NotImplementedError("custom Functions with several outputs are not supported by autogradviz yet")
                return out
            raise TypeError(f"{cls.__name__}.forward must return a Tensor, got {type(out).__name__}")
        if not record:
            return out
        if any(out is a for a in args):  # forward returned an input: give the output its own identity
            out = _make(out._data, out._dtype)
        node = new_node(_node_class(cls))
        node.ctx, node._fn = ctx, cls
        # As in PyTorch, only tensor arguments get an edge (None for those that need no gradient);
        # backward still returns one gradient per argument, and _arg_pos maps edges to arguments.
        positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
        node._arg_pos = positions
        node._n_args = len(args)
        node._fns = tuple(
            (args[i]._grad_fn if args[i]._grad_fn is not None else accumulator(args[i]))
            if args[i].requires_grad else None for i in positions)
        # Constants: tensors that need no gradient, by edge position; other arguments after them.
        node._constants = tuple((e, args[i]) for e, i in enumerate(positions) if not args[i].requires_grad) + tuple(
            (len(positions) + i, a) for i, a in enumerate(args) if not isinstance(a, Tensor))
        node._shapes = tuple(args[i].shape for i in positions)
        node._dtypes = tuple(args[i]._dtype for i in positions)
        node._saved = None
        versions = []
        for t in ctx.to_save:
            if isinstance(t, Tensor):
                if t._vc is None:
                    t._vc = [0]
                versions.append((t, t._vc[0]))
        node._versions = tuple(versions)
        node._out, node._out_dtype = out._data, out._dtype
        ctx._node = node
        result = _make(out._data, out._dtype, node)
        result._vc = out._vc
        return result


class once_differentiable:  # pragma: no cover - decorator kept for source compatibility
    def __new__(cls, fn):
        return fn
