"""Graph nodes: one per differentiable operation (PyTorch's ``grad_fn`` objects).

A node knows its inputs' nodes (``next_functions``), what its op saved for the backward pass, and
how to turn the gradient of its output into gradients for its inputs (``apply``). The rules
themselves live in the op table (``autogradviz.ops``); nodes only run them.
"""
from __future__ import annotations

import contextlib
import gc
import itertools
import weakref
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from .. import _grad_mode
from .._tensor_meta import version_error
from .xp import NUMPY, TENSOR, Context, fit_grad

_sequence = itertools.count()

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)
DETACHED_SAVED = (
    "Trying to use a saved tensor that has been detached in-place, i.e. with .detach_().This is not "
    "supported, please use out-of-place `.detach()` instead"
)
# PyTorch gives every AccumulateGrad the largest sequence number (UINT64_MAX): backward runs a
# leaf's node as soon as its gradient is complete.
LEAF_SEQUENCE_NR = 2 ** 64 - 1
_KEEP_AFTER_RELEASE = 64  # output values up to this many elements survive release(), for pictures


def _large_constant(c) -> bool:
    """A constant tensor of more elements than pictures show (forgotten when a node is released)."""
    cls = c.__class__
    if cls is float or cls is int or cls is bool:
        return False
    data = getattr(c, "_data", None)
    return data is not None and data.size > _KEEP_AFTER_RELEASE


_NO_PARAMS: Mapping = MappingProxyType({})


class Node:
    """Base of every grad_fn. Subclasses are named like PyTorch's (``MulBackward0``)."""

    op = None  # the OpDef of nodes made from the op table (None for leaves and custom Functions)
    rule: str | None = None  # the local rule in words, for built-in nodes outside the op table
    _n_out = 1  # how many outputs the node has (split pieces, custom Functions: more than one)

    # _fns: the node of each input (None: no gradient); _nrs: which output of that node each input
    # is (None when every input is output 0 of a single-output node: the common case)
    __slots__ = ("_fns", "_nrs", "_seq", "_pre_hooks", "_hooks", "_freed", "__weakref__", "metadata")

    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        """One ``(node, output_nr)`` per input, ``(None, 0)`` for inputs that need no gradient (as PyTorch)."""
        nrs = self._nrs
        if nrs is None:
            return tuple([(f, 0) for f in self._fns])
        return tuple(zip(self._fns, nrs))

    @property
    def _sequence_nr(self) -> int:
        return self._seq

    def register_hook(self, hook):
        """hook(grad_inputs, grad_outputs) runs after this node has computed its input grads."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def register_prehook(self, hook):
        """hook(grad_outputs) runs before this node; it may return replacement grads."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(hook)
        return _RemovableHandle(self._pre_hooks, hook)

    def release(self) -> None:
        """Free what was saved for backward (called by backward unless retain_graph)."""

    # Read-only inspection, for pictures and the stepper -----------------------------------
    @property
    def schema(self):
        """The ``OpDef`` this node runs (its texts and rules); None for leaves and custom Functions."""
        return type(self).op

    @property
    def sequence_nr(self) -> int:
        """When the node was made: later nodes have larger numbers (backward runs them first)."""
        return self._seq

    def constants(self) -> dict[int, Any]:
        """Inputs that take no gradient, by position: Python numbers and tensors without grad."""
        return dict(getattr(self, "_constants", None) or ())

    def params(self) -> Mapping[str, Any]:
        """The op's parameters (``dim``, ``exponent``, ...), read-only."""
        return _NO_PARAMS

    def saved_values(self) -> tuple:
        """What was saved for backward, by input position (None where nothing was saved)."""
        return ()

    def output_value(self):
        """The op's result as a read-only NumPy array, or None when it was not kept."""
        out = getattr(self, "_out", None)
        if out is None:
            return None
        view = out.view()
        view.flags.writeable = False
        return view

    @property
    def output_shape(self) -> tuple | None:
        """The shape of the op's result (None where unknown)."""
        shape = getattr(self, "_out_shape", None)
        if shape is None and getattr(self, "_out", None) is not None:
            shape = self._out.shape
        return None if shape is None else tuple(shape)

    @property
    def output_dtype(self):
        """The dtype of the op's result (None where unknown)."""
        return getattr(self, "_out_dtype", None)

    @property
    def is_freed(self) -> bool:
        """Whether backward has freed what this node saved (it cannot run again)."""
        return self._freed

    # Filled in by subclasses --------------------------------------------------------------
    def apply(self, grad, create_graph: bool):  # pragma: no cover - abstract
        raise NotImplementedError


class _RemovableHandle:
    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        with contextlib.suppress(ValueError):
            self._hooks.remove(self._hook)


class AccumulateGrad(Node):
    """The node that adds a leaf tensor's gradient into its ``.grad``."""

    __slots__ = ("variable",)
    __module__ = "builtins"  # so reprs read <AccumulateGrad object at 0x...>, as in PyTorch

    def __init__(self, variable):
        self.variable = variable
        self._fns = ()
        self._nrs = None
        self._seq = LEAF_SEQUENCE_NR
        self._pre_hooks = self._hooks = None
        self._freed = False
        self.metadata = {}

    def apply(self, grad, create_graph):
        return ()


def detached_from(tensor) -> Node | None:
    """The node a ``detach()``-ed tensor was cut from, while it exists (pictures draw the cut)."""
    meta = tensor._meta
    if meta is None or meta.detached_from is None:
        return None
    return meta.detached_from()


def accumulator(tensor) -> AccumulateGrad:
    """The leaf's AccumulateGrad node, created once and shared while anything holds it."""
    meta = tensor._meta_()
    node = meta.accumulator() if meta.accumulator is not None else None
    if node is None:
        node = AccumulateGrad(tensor)
        meta.accumulator = weakref.ref(node)
    return node


class NodeContext(Context):
    """The Context of op rules on NumPy arrays during a backward pass: one object for the whole
    pass, pointed at each node in turn (``node``); a rule reads what it needs from the node."""

    __slots__ = ("node",)

    def __init__(self):
        self.node = None
        self.position = 0

    @property
    def a(self):
        saved = self.node._saved
        s = saved[0] if saved else None
        return getattr(s, "_data", s)

    @property
    def b(self):
        saved = self.node._saved
        s = saved[1] if saved is not None and len(saved) > 1 else None
        return getattr(s, "_data", s)

    @property
    def inputs(self):
        saved = self.node._saved
        return tuple([getattr(s, "_data", s) for s in saved]) if saved else ()

    @property
    def out(self):
        return self.node._out

    @property
    def shapes(self):
        node = self.node
        return node._shapes or (node._out_shape,) * len(node._fns)

    @property
    def params(self):
        return self.node._params

    @property
    def aux(self):
        return self.node._aux


class OpNode(Node):
    """A node made by an op from the op table. ``op`` is set on each generated subclass."""

    __slots__ = ("_saved", "_versions", "_params", "_shapes", "_dtypes", "_out", "_out_dtype",
                 "_out_shape", "_out_vc", "_out_version", "_constants", "_aux")

    def release(self) -> None:
        if self._saved is not None or self._out_vc is not None:  # saved inputs, or the saved output
            self._saved = None
            self._freed = True
        out = self._out
        if out is not None and out.size > _KEEP_AFTER_RELEASE:
            self._out = None
        constants = self._constants
        if constants and any(_large_constant(c) for _, c in constants):
            self._drop_large_constants()

    def _drop_large_constants(self) -> None:
        """Forget constant tensors of more than a few elements (pictures show the small ones)."""
        self._constants = tuple((i, c) for i, c in self._constants if not _large_constant(c))

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(SECOND_BACKWARD)
        return tuple(s for s in (self._saved or ()) if s is not None)

    def params(self) -> Mapping[str, Any]:
        return MappingProxyType(self._params) if self._params else _NO_PARAMS

    def saved_values(self) -> tuple:
        return tuple(self._saved or ())

    def _check_versions(self) -> None:
        saved, fns = self._saved, self._fns
        for i, v in self._versions:
            t = saved[i]
            if t._vc[0] != v:
                raise RuntimeError(version_error(self, t, t._vc[0], v))
            if (t._grad_fn is None and not t._requires_grad and i < len(fns) and fns[i] is not None
                    and fns[i].__class__ is not AccumulateGrad):  # a non-leaf detached in place
                raise RuntimeError(DETACHED_SAVED)
        if self._out_vc is not None and self._out_vc[0] != self._out_version:
            raise RuntimeError(version_error(self, None, self._out_vc[0], self._out_version))

    def numpy_grads(self, grad, release: bool, ctx) -> tuple:
        """``apply(grad, False)`` for the backward loop's common case (NumPy arrays, nothing recorded),
        then, with ``release``, ``release()``: the same results in fewer steps. ``ctx`` is the
        loop's ``NodeContext``, pointed at this node (rules read it and keep nothing of it)."""
        if self._freed:
            raise RuntimeError(SECOND_BACKWARD)
        saved = self._saved
        if saved is not None:
            versions = self._versions
            if versions:
                fns = self._fns
                for i, v in versions:
                    t = saved[i]
                    if t._vc[0] != v or (t._grad_fn is None and not t._requires_grad and fns[i] is not None):
                        self._check_versions()   # raises PyTorch's error where one is due
        out_vc = self._out_vc
        if out_vc is not None and out_vc[0] != self._out_version:
            self._check_versions()
        fns = self._fns
        op = self.op
        if len(fns) > 2 or op.variadic:
            grads = self.apply(grad, False)
        else:
            ctx.node = self
            vjps = op.vjps
            shapes = self._shapes
            dtypes = self._dtypes
            grads = []
            for i, fn in enumerate(fns):
                if fn is None:
                    grads.append(None)
                    continue
                g = vjps[i](NUMPY, grad, ctx)
                if g is not None:
                    if g.__class__ is not np.ndarray:
                        g = np.asarray(g)   # a 0-d rule's result is a NumPy scalar
                    shape = shapes[i] if shapes else self._out_shape
                    dtype = dtypes[i] if dtypes else self._out_dtype
                    if g.shape != shape or g.dtype is not dtype.np:
                        g = fit_grad(g, shape, dtype, NUMPY)
                grads.append(g)
        if release:
            if saved is not None or out_vc is not None:
                self._saved = None
                self._freed = True
            out = self._out
            if out is not None and out.size > _KEEP_AFTER_RELEASE:
                self._out = None
            constants = self._constants
            if constants and (len(constants) > 1 or (constants[0][1].__class__ is not float
                                                     and _large_constant(constants[0][1]))):
                self._drop_large_constants()
        return grads

    def input_shapes(self) -> tuple:
        """The shape of each input (what the gradients sent to them must have)."""
        return self._shapes or (self._out_shape,) * len(self._fns)

    def input_dtypes(self) -> tuple:
        return self._dtypes or (self._out_dtype,) * len(self._fns)

    def apply(self, grad, create_graph):
        """Gradients for each input, given the gradient of the output (None where not needed)."""
        if self._freed:
            raise RuntimeError(SECOND_BACKWARD)
        versions = self._versions
        if versions:
            if len(versions) == 1 and self._out_vc is None:  # one saved tensor: checked here
                i, v = versions[0]
                t = self._saved[i]
                if t._vc[0] != v or (t._grad_fn is None and not t._requires_grad and i < len(self._fns) and self._fns[i] is not None
                                     and self._fns[i].__class__ is not AccumulateGrad):
                    self._check_versions()   # raises PyTorch's error
            else:
                self._check_versions()
        elif self._out_vc is not None:
            self._check_versions()
        op = self.op
        fns = self._fns
        if create_graph:
            xp = TENSOR
            saved = self._saved
            out = None
            if op.save_out:
                from ..tensor import _make
                out = _make(self._out, self._out_dtype, self)
        else:
            xp = NUMPY
            saved = self._saved
            if saved:
                if len(saved) == 1:
                    saved = (getattr(saved[0], "_data", saved[0]),)
                elif len(saved) == 2:
                    a, b = saved
                    saved = (getattr(a, "_data", a), getattr(b, "_data", b))
                else:
                    saved = tuple([getattr(s, "_data", s) for s in saved])
            else:
                saved = ()
            out = self._out
        shapes = self._shapes
        dtypes = self._dtypes
        ctx = Context(saved, out, shapes or (self._out_shape,) * len(fns), self._params, self._aux)
        vjps = op.vjps
        if len(fns) == 1 and not op.variadic:  # one input (exp, log, sum, ...): no loop
            if fns[0] is None:
                return (None,)
            g = vjps[0](xp, grad, ctx)
            shape = shapes[0] if shapes else self._out_shape
            dtype = dtypes[0] if dtypes else self._out_dtype
            if xp is NUMPY and g is not None:
                if g.__class__ is not np.ndarray:
                    g = np.asarray(g)   # a 0-d rule's result is a NumPy scalar
                if g.shape == shape and g.dtype is dtype.np:
                    return (g,)
            return (fit_grad(g, shape, dtype, xp),)
        shapes = ctx.shapes
        grads = []
        numpy = xp is NUMPY
        for i, nxt in enumerate(fns):
            if nxt is None:
                grads.append(None)
                continue
            if op.variadic:
                ctx.position = i
                g = vjps[0](xp, grad, ctx)
            else:
                g = vjps[i](xp, grad, ctx)
            dtype = dtypes[i] if dtypes else self._out_dtype
            if numpy and g is not None:
                if g.__class__ is not np.ndarray:
                    g = np.asarray(g)
                if g.shape == shapes[i] and g.dtype is dtype.np:
                    grads.append(g)
                    continue
            grads.append(fit_grad(g, shapes[i], dtype, xp))
        return tuple(grads)


_classes: dict[tuple, type] = {}


def node_class(op, backward_name: str) -> type:
    """The OpNode subclass named ``backward_name`` for ``op`` (made once, then cached)."""
    key = (op.name, backward_name)
    cls = _classes.get(key)
    if cls is not None:
        return cls
    cls = _classes.get(key)
    if cls is None:
        # __module__ = "builtins" makes repr() print <MulBackward0 object at 0x...> and IPython print
        # <MulBackward0 at 0x...>, exactly as PyTorch's grad_fn objects do.
        cls = type(backward_name, (OpNode,), {"__slots__": (), "op": op, "__module__": "builtins"})
        _classes[key] = cls
    return cls


class _GraphFreezer:
    """Keeps Python's cyclic garbage collector from walking a large recorded graph again and again.

    Each full collection walks every object the collector tracks: while a graph of many thousand
    nodes is recorded, each one walks the whole graph so far (half of a 100,000-op chain's forward
    time). So every ``EVERY`` recorded nodes, ``gc.freeze()`` moves what is tracked to the
    permanent generation, which collections skip; ``thaw()`` (at the end of each backward pass)
    moves it back. Cyclic garbage made meanwhile is collected after the thaw, not before.
    ``EVERY`` is small enough that few full collections walk the nodes recorded since the last
    freeze (1,000 against 5,000: a 100,000-op chain's forward 2.20 -> 2.02 us/op).
    """

    __slots__ = ("at", "frozen")
    EVERY = 1_000

    def __init__(self):
        self.at = self.EVERY   # the sequence number at which the next freeze is due
        self.frozen = False

    def due(self, seq: int) -> None:
        """Called by the op table when a node's sequence number reaches ``at``."""
        if self.at < 0:        # thawed: count from here
            self.at = seq + self.EVERY
            return
        self.at = seq + self.EVERY
        if gc.isenabled():
            gc.freeze()
            self.frozen = True

    def thaw(self) -> None:
        if self.frozen:
            self.frozen = False
            gc.unfreeze()
        self.at = -1


GRAPH_FREEZER = _GraphFreezer()


def new_node(cls):
    node = object.__new__(cls)
    node._seq = next(_sequence)
    node._pre_hooks = node._hooks = node._nrs = None
    node._freed = False
    node._constants = node._aux = node._out_vc = node._out_version = None
    node.metadata = None
    return node


def edge(tensor) -> tuple:
    """``(node, output_nr)`` through which a gradient reaches ``tensor`` (its grad_fn, or its
    leaf's AccumulateGrad); ``(None, 0)`` when it needs none."""
    fn = tensor.grad_fn  # a view's grad_fn may be regenerated here (after an in-place change)
    meta = tensor._meta
    if fn is None:
        if not tensor._requires_grad or (meta is not None and meta.creation == "no_grad"):
            return None, 0  # a view made under no_grad gets no edge, as in PyTorch
        return accumulator(tensor), 0
    return fn, (meta.output_nr or 0) if meta is not None else 0


def set_edges(node, edges) -> None:
    """Give ``node`` its input edges; output numbers are kept only when one is not 0 or points
    into a multi-output node."""
    node._fns = tuple([f for f, _ in edges])
    if any(n or (f is not None and f._n_out != 1) for f, n in edges):
        node._nrs = tuple([n for _, n in edges])


def grad_enabled() -> bool:
    return _grad_mode.is_grad_enabled()
