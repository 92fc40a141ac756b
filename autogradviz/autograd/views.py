"""The nodes that views need: PyTorch's CopySlices, AsStridedBackward0 and the shared node of
split/chunk/unbind pieces.

A view shares memory and the version counter with its base. When an in-place op writes through
a view of something that needs grad, the base's history is rewritten: its grad_fn becomes a
``CopySlices`` node that sends the gradient of the written region through the in-place op's own
node, and the rest straight on to the base's earlier history. The view's grad_fn is then made
again from the base (``AsStridedBackward0``), as PyTorch does on the CPU.

Where a view lies in its base is kept as *positions*: the flat (C-order) index in the base of
each element of the view, found by replaying the view's NumPy functions on ``arange``. Positions
do not depend on memory layout, so the rules below never need strides.
"""
from __future__ import annotations

import numpy as np

from .node import SECOND_BACKWARD, Node, edge, new_node, set_edges


def view_positions(base_shape: tuple, view_fns: tuple) -> np.ndarray:
    """The flat index in the base of every element of the view made by ``view_fns``."""
    positions = np.arange(int(np.prod(base_shape, dtype=np.int64)), dtype=np.int64).reshape(base_shape)
    for fn in view_fns:
        positions = fn(positions)
    return np.ascontiguousarray(positions)


class _ViewNode(Node):
    __slots__ = ("_constants", "_aux", "_out_vc", "_out_version", "_positions", "_base_shape", "_dtype")
    __module__ = "builtins"

    def _scatter(self, g, create_graph):
        """A gradient of the view's shape, placed at the view's positions of a zero base gradient."""
        n = int(np.prod(self._base_shape, dtype=np.int64))
        if create_graph:
            from ..ops.indexing import index_add_into_zeros
            return index_add_into_zeros(g.reshape(-1), (n,), (self._positions.reshape(-1),)).reshape(self._base_shape)
        g = np.asarray(getattr(g, "_data", g))
        flat = np.bincount(self._positions.reshape(-1), weights=np.broadcast_to(g, self._positions.shape).reshape(-1),
                           minlength=n)
        return flat.astype(self._dtype.np, copy=False).reshape(self._base_shape)


class AsStridedBackward0(_ViewNode):
    """The grad_fn a view gets again after an in-place change of its base or of another view."""

    rule = "the view's gradient goes back to the elements of the base it covers, 0 elsewhere"
    __slots__ = ()
    __module__ = "builtins"

    def apply(self, grad, create_graph):
        return (self._scatter(grad, create_graph),)


def regenerated_view_fn(view) -> Node | None:
    """The grad_fn of ``view`` made again from its base's current history (None: none needed)."""
    meta = view._meta
    base = meta.base
    fn, nr = edge(base)
    if fn is None:
        return None
    node = new_node(AsStridedBackward0)
    set_edges(node, [(fn, nr)])
    node._positions = view_positions(base._data.shape, meta.view_fns)
    node._base_shape, node._dtype = base._data.shape, base._dtype
    return node


class CopySlices(_ViewNode):
    """The base's grad_fn after an in-place op wrote through one of its views."""

    rule = ("the part written in place takes its gradient through the in-place op; the rest of the base "
            "passes the gradient on unchanged")
    __slots__ = ("_op_node", "_overlapping")
    __module__ = "builtins"

    def apply(self, grad, create_graph):
        if self._freed:
            raise RuntimeError(SECOND_BACKWARD)
        if self._overlapping:  # PyTorch writes the op's gradient into a view of that layout: refused
            from ..ops.registry import OVERLAP_ERROR
            raise RuntimeError(OVERLAP_ERROR)
        positions = self._positions.reshape(-1)
        n = positions.size
        if create_graph:
            from ..ops.indexing import index_add_into_zeros, zero_at
            flat = grad.reshape(-1)
            index = (positions,)
            region = flat[positions].reshape(self._positions.shape)
            grads = self._op_node.apply(region, True)
            rest = zero_at(flat, index)
            if grads[0] is not None:
                rest = rest + index_add_into_zeros(grads[0].reshape(-1), (flat.shape[0],), index)
            return (rest.reshape(self._base_shape),) + tuple(grads[1:])
        flat = np.array(getattr(grad, "_data", grad), copy=True).reshape(-1)
        region = flat[positions].reshape(self._positions.shape)
        grads = self._op_node.apply(region, False)
        flat[positions] = 0 if grads[0] is None else np.broadcast_to(grads[0], self._positions.shape).reshape(n)
        return (flat.reshape(self._base_shape),) + tuple(grads[1:])

    def release(self) -> None:
        self._op_node.release()
        self._freed = self._op_node._freed

    @property
    def saved_tensors(self):
        return self._op_node.saved_tensors


def copy_slices(base, view_fns: tuple, op_node: Node, overlapping: bool = False) -> CopySlices:
    """The CopySlices node for ``op_node``, an in-place op applied to the view ``view_fns`` of
    ``base`` (``overlapping``: elements of the view share memory, so its backward raises, as
    PyTorch's does): it takes the base's place, and the op's other inputs keep their edges."""
    node = new_node(CopySlices)
    node._overlapping = overlapping
    op_edges = list(op_node.next_functions)
    set_edges(node, [edge(base)] + op_edges[1:])
    node._op_node = op_node
    node._positions = view_positions(base._data.shape, view_fns)
    node._base_shape, node._dtype = base._data.shape, base._dtype
    return node


class MultiViewNode(Node):
    """One node for all the pieces of ``split``/``chunk``/``unbind`` (SplitBackward0,
    SplitWithSizesBackward0, UnbindBackward0): piece k is output k."""

    rule = "each piece's gradient goes back to its own place in the input (0 where a piece got none)"
    __slots__ = ("_constants", "_aux", "_out_vc", "_out_version", "_n_out", "_dim", "_piece_shapes", "_dtype",
                 "_stacked")
    __module__ = "builtins"

    def apply(self, grads, create_graph):
        if self._n_out == 1:  # one piece: the engine hands its gradient over as it is, not in a list
            grads = (grads,)
        if create_graph:
            import autogradviz as T
            pieces = [g if g is not None else T.zeros(shape, dtype=self._dtype)
                      for g, shape in zip(grads, self._piece_shapes)]
            return ((T.stack if self._stacked else T.cat)(pieces, dim=self._dim),)
        pieces = [np.asarray(getattr(g, "_data", g)) if g is not None else np.zeros(shape, dtype=self._dtype.np)
                  for g, shape in zip(grads, self._piece_shapes)]
        return ((np.stack if self._stacked else np.concatenate)(pieces, axis=self._dim),)


_multi_classes: dict[str, type] = {}


def multi_view_node(name: str, input, pieces: list, dim: int, stacked: bool) -> MultiViewNode:
    """The node shared by ``pieces`` of ``input``, named as PyTorch names it."""
    cls = _multi_classes.get(name)
    if cls is None:
        cls = _multi_classes[name] = type(name, (MultiViewNode,), {"__slots__": (), "__module__": "builtins"})
    node = new_node(cls)
    set_edges(node, [edge(input)])
    node._n_out = len(pieces)
    node._dim, node._stacked = dim, stacked
    node._piece_shapes = tuple(p._data.shape for p in pieces)
    node._dtype = input._dtype
    return node


def _same(a):
    return a


def alias(tensor):
    """A new tensor that is a view of all of ``tensor`` (PyTorch's view_as(self)): what a custom
    Function gives back for an input its forward returned unchanged."""
    from ..tensor import _make
    out = _make(tensor._data, tensor._dtype)
    if tensor._vc is None:
        tensor._vc = [0]
    out._vc = tensor._vc
    parent, meta = tensor._meta, out._meta_()
    if parent is not None and parent.base is not None:
        meta.base, meta.view_fns, meta.creation = parent.base, parent.view_fns + (_same,), parent.creation
    else:
        meta.base, meta.view_fns = tensor, (_same,)
    meta.view_version = out._vc[0]
    return out
