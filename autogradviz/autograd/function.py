"""Custom differentiable functions: subclass ``Function`` with static forward/backward.

As in PyTorch: one or several outputs, ``mark_non_differentiable``, ``mark_dirty``,
``set_materialize_grads``, the new-style ``forward(*args)`` with ``setup_context``, and
``once_differentiable``. Tensors a Function saves, its outputs included, are version-checked and
take part in double backward.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .. import _grad_mode
from .node import SECOND_BACKWARD, Node, edge, new_node, set_edges

_classes: dict[type, type] = {}


class FunctionCtx:
    """The ``ctx`` given to forward and backward: save tensors and flags between them."""

    def __init__(self):
        self.to_save = ()
        self.needs_input_grad: tuple[bool, ...] = ()
        self._node = None
        self.materialize_grads = True
        self._non_differentiable = ()
        self._dirty = ()

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for backward; read them back as ``ctx.saved_tensors``."""
        self.to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        node = self._node
        if node is not None and node._freed:
            raise RuntimeError(SECOND_BACKWARD)
        if node is not None and node._versions:
            node._check_saved_versions()
        return tuple(self.to_save)

    def mark_non_differentiable(self, *tensors) -> None:
        """These outputs never require grad; backward receives zeros (or None) for them."""
        self._non_differentiable = tensors

    def mark_dirty(self, *tensors) -> None:
        """forward changed these inputs in place and returns them: their history is rewritten."""
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """False: backward receives None, not zeros, for outputs that got no gradient."""
        self.materialize_grads = value


class FunctionNode(Node):
    """The grad_fn of a custom Function's outputs, named ``<ClassName>Backward``."""

    __slots__ = ("ctx", "_fn", "_shapes", "_dtypes", "_versions", "_saved", "_out", "_out_dtype", "_constants",
                 "_aux", "_out_vc", "_out_version", "_arg_pos", "_n_args", "_n_out", "_outputs")
    __module__ = "builtins"
    op = None

    def apply(self, grad, create_graph):
        from ..tensor import Tensor, _make
        if self._freed:
            raise RuntimeError(SECOND_BACKWARD)
        grads_out = grad if self._n_out != 1 else [grad]
        given = []
        for g, (shape, dtype) in zip(grads_out, self._outputs):
            if g is None:
                if not self.ctx.materialize_grads:
                    given.append(None)
                    continue
                g = np.zeros(shape, dtype=dtype.np)
            given.append(g if isinstance(g, Tensor) else _make(np.asarray(getattr(g, "_data", g)), dtype))
        grads = self._fn.backward(self.ctx, *given)
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
                raise TypeError(f"{self._fn.__name__}.backward must return Tensors or None, got {type(gi).__name__} "
                                f"for input {self._arg_pos[i]}")
            shape = tuple(self._shapes[i])
            if tuple(gi.shape) != shape and not _expandable(shape, tuple(gi.shape)):
                raise RuntimeError(
                    f"Function {type(self).__name__} returned an invalid gradient at index {self._arg_pos[i]} - got "
                    f"{list(gi.shape)} but expected shape compatible with {list(shape)}")
            if create_graph:
                out.append(fit_grad(gi, shape, self._dtypes[i], TENSOR))
            else:
                out.append(fit_grad(gi._data, shape, self._dtypes[i], NUMPY))
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


def _expandable(shape: tuple, to: tuple) -> bool:
    """True when ``shape`` broadcasts to ``to`` (PyTorch's is_expandable_to)."""
    if len(shape) > len(to):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(to)))


def _node_class(fn_cls: type) -> type:
    cls = _classes.get(fn_cls)
    if cls is None:
        cls = type(f"{fn_cls.__name__}Backward", (FunctionNode,), {"__slots__": (), "__module__": "builtins"})
        _classes[fn_cls] = cls
    return cls


class Function:
    """Base for custom ops: write ``forward(ctx, ...)`` and ``backward(ctx, *grads)`` as staticmethods
    (or ``forward(...)`` with ``setup_context(ctx, inputs, output)``) and call ``MyFunction.apply(...)``.
    The outputs' grad_fn is named ``MyFunctionBackward``."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple, output: Any) -> None:
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any):
        from ..tensor import Tensor
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        new_style = cls.setup_context is not Function.setup_context
        with _grad_mode.no_grad():
            if new_style:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        several = isinstance(out, tuple)
        outputs = out if several else (out,)
        if not all(isinstance(o, Tensor) for o in outputs):
            bad = next(o for o in outputs if not isinstance(o, Tensor))
            raise TypeError(f"{cls.__name__}.forward must return a Tensor or a tuple of Tensors, got "
                            f"{type(bad).__name__}")
        record = _grad_mode.is_grad_enabled() and any(isinstance(a, Tensor) and a.requires_grad for a in args)
        if record:
            outputs = _link(cls, ctx, args, outputs)
        else:
            outputs = tuple(_untracked(o, args) for o in outputs)
        return outputs if several else outputs[0]


def _is_input(tensor, args: tuple) -> bool:
    return any(tensor is a for a in args)


def _untracked(output, args: tuple):
    """An output nothing is recorded for, as PyTorch gives it back: an input returned unchanged is
    a view of it (detached, when it requires grad), never the input object itself."""
    from .views import alias
    if not _is_input(output, args):
        return output
    return output.detach() if output.requires_grad else alias(output)


def _link(cls, ctx: FunctionCtx, args: tuple, outputs: tuple) -> tuple:
    """Make the node of one recorded Function call and tie the outputs to it."""
    from ..tensor import Tensor
    non_diff = {id(t) for t in ctx._non_differentiable}
    dirty = {id(t) for t in ctx._dirty}
    for t in ctx._dirty:
        if not any(t is a for a in args):
            raise RuntimeError("mark_dirty only accepts input tensors, but argument 0 isn't one.")
        if t._grad_fn is None and t._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
    node = new_node(_node_class(cls))
    node.ctx, node._fn = ctx, cls
    # As in PyTorch, only tensor arguments get an edge (None for those that need no gradient);
    # backward still returns one gradient per argument, and _arg_pos maps edges to arguments.
    positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
    node._arg_pos = positions
    node._n_args = len(args)
    set_edges(node, [edge(args[i]) if args[i].requires_grad else (None, 0) for i in positions])
    # Constants: tensors that need no gradient, by edge position; other arguments after them.
    node._constants = tuple((e, args[i]) for e, i in enumerate(positions) if not args[i].requires_grad) + tuple(
        (len(positions) + i, a) for i, a in enumerate(args) if not isinstance(a, Tensor))
    node._shapes = tuple(args[i].shape for i in positions)
    node._dtypes = tuple(args[i]._dtype for i in positions)
    node._saved = None
    node._n_out = len(outputs)
    node._outputs = tuple((o._data.shape, o._dtype) for o in outputs)
    node._out, node._out_dtype = outputs[0]._data, outputs[0]._dtype
    from .views import alias
    # Views among the outputs (an input returned unchanged is given back as a view of it) keep
    # their base, but in-place changes cannot be pushed through the custom backward: PyTorch
    # refuses them (IN_CUSTOM_FUNCTION, or MULTI_OUTPUT_NODE for several outputs).
    creation = "multi" if len(outputs) > 1 else "custom"
    results = []
    for nr, o in enumerate(outputs):
        if id(o) in non_diff or not o._dtype.is_floating_point:
            results.append(_untracked(o, args))
            continue
        if id(o) in dirty:  # the input itself takes the new history, and its version moves on
            result = o
            result._bump()
        else:
            result = alias(o) if _is_input(o, args) else o
            if result._vc is None:
                result._vc = [0]
            if result._meta is not None and result._meta.base is not None:
                result._meta.creation = creation
        result._grad_fn = node
        result._requires_grad = False
        if node._n_out != 1:
            result._meta_().output_nr = nr
        results.append(result)
    # An output that forward saved is unpacked as the output itself, tied to this node, so that a
    # double backward flows through it (PyTorch's saved outputs); a saved input stays the input.
    by_id = {id(o): r for o, r in zip(outputs, results) if r is o}
    ctx.to_save = tuple(by_id.get(id(t), t) if isinstance(t, Tensor) else t for t in ctx.to_save)
    versions = []
    for t in ctx.to_save:
        if isinstance(t, Tensor):
            if t._vc is None:
                t._vc = [0]
            versions.append((t, t._vc[0]))
    node._versions = tuple(versions)
    ctx._node = node
    return tuple(results)


class _OnceDifferentiableError(Node):
    """Stands for the backward of a ``once_differentiable`` backward: differentiating it raises."""

    __slots__ = ("_constants", "_aux", "_out_vc", "_out_version")
    __module__ = "builtins"

    def apply(self, grad, create_graph):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


def once_differentiable(fn):
    """Decorate a Function's backward that cannot itself be differentiated: it runs without
    recording, and a later attempt to differentiate its result raises."""
    @functools.wraps(fn)
    def wrapper(ctx, *grads):
        from ..tensor import Tensor, _make
        with _grad_mode.no_grad():
            outputs = fn(ctx, *grads)
        if not (_grad_mode.is_grad_enabled() and any(isinstance(g, Tensor) and g.requires_grad for g in grads)):
            return outputs
        several = isinstance(outputs, tuple)
        wrapped = []
        for o in (outputs if several else (outputs,)):
            if isinstance(o, Tensor):
                node = new_node(_OnceDifferentiableError)
                set_edges(node, [edge(g) if isinstance(g, Tensor) and g.requires_grad else (None, 0) for g in grads])
                o = _make(o._data, o._dtype, node)
            wrapped.append(o)
        return tuple(wrapped) if several else wrapped[0]
    return wrapper
