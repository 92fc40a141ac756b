"""The two array namespaces that backward rules are written against.

A rule such as ``lambda xp, g, c: g * xp.cos(c.a)`` runs on NumPy arrays for an ordinary backward
(fast, nothing recorded) and on Tensors when ``create_graph=True`` (so the backward pass is itself
recorded and can be differentiated again). One rule text, two executions: no rule is written twice.
"""
from __future__ import annotations

import numpy as np

from .. import _summation as sums
from ..tensor import Tensor, _make

_PACKAGE: list = []


def _package():
    """The autogradviz package, imported on first use (it imports this module)."""
    if not _PACKAGE:
        import autogradviz
        _PACKAGE.append(autogradviz)
    return _PACKAGE[0]


class Context:
    """What a backward rule may read: saved inputs (``a``, ``b``, ``inputs``), the output, the
    input shapes, the op's parameters (as attributes) and any auxiliary forward result."""

    __slots__ = ("inputs", "out", "shapes", "params", "aux", "position", "a", "b")

    def __init__(self, inputs, out, shapes, params, aux):
        self.inputs, self.out, self.shapes, self.params, self.aux = inputs, out, shapes, params, aux
        self.position = 0  # which input a variadic rule (cat, stack) is computing
        n = len(inputs) if inputs else 0   # the first two inputs by name: rules read them most
        self.a = inputs[0] if n else None
        self.b = inputs[1] if n > 1 else None

    @property
    def shape(self):
        return self.shapes[0]

    def __getattr__(self, name):
        params = object.__getattribute__(self, "params")
        if params and name in params:
            return params[name]
        raise AttributeError(name)


def broadcast(x: np.ndarray, shape: tuple) -> np.ndarray:
    """``np.broadcast_to(x, shape)`` (a read-only view, its base ``x``), made directly from the
    strides when ``x`` is C-contiguous: a quarter of ``np.broadcast_to``'s time, which backward
    rules spend on every sum and mean (the general case goes to ``np.broadcast_to``)."""
    if x.__class__ is not np.ndarray:
        x = np.asarray(x)
    n = len(shape)
    lead = n - x.ndim
    if lead < 0 or not x.flags.c_contiguous or not x.size:
        return np.broadcast_to(x, shape)
    strides = [0] * n
    for i, (size, stride) in enumerate(zip(x.shape, x.strides)):
        if size != 1:
            if size != shape[lead + i]:
                return np.broadcast_to(x, shape)   # raises NumPy's error
            strides[lead + i] = stride
    out = np.ndarray(shape, x.dtype, x, 0, tuple(strides))
    out.flags.writeable = False
    return out


def _dims(dim, ndim):
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        dim = (dim,)
    return tuple(sorted(d % ndim if ndim else 0 for d in dim))


class _NumpyXP:
    """Backward-rule helpers on plain NumPy arrays."""

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    tanh = staticmethod(np.tanh)
    sqrt = staticmethod(np.sqrt)
    sign = staticmethod(np.sign)
    floor = staticmethod(np.floor)
    abs = staticmethod(np.abs)
    where = staticmethod(np.where)
    matmul = staticmethod(np.matmul)
    reshape = staticmethod(np.reshape)

    @staticmethod
    def sum(x, dim=None, keepdim=False):
        return np.asarray(sums.sum(x, dim, keepdim))

    @staticmethod
    def expand(x, shape):
        return broadcast(x, shape)

    @staticmethod
    def unsqueeze_dims(g, dims):
        return np.expand_dims(g, dims) if dims else g

    @staticmethod
    def permute(x, dims):
        return np.transpose(x, dims)

    @staticmethod
    def transpose(x, d0, d1):
        return np.swapaxes(x, d0, d1)

    @staticmethod
    def mT(x):
        return np.swapaxes(x, -1, -2)

    @staticmethod
    def outer(a, b):
        return np.multiply.outer(a, b)

    @staticmethod
    def scatter_add(shape, index, g, dtype):
        out = np.zeros(shape, dtype=g.dtype)
        np.add.at(out, index, g)
        return out

    @staticmethod
    def zero_at(g, index):
        out = np.array(g, copy=True)
        out[index] = 0
        return out

    @staticmethod
    def take(g, index):
        return np.asarray(g[index])

    @staticmethod
    def split(g, sizes, dim):
        return np.split(g, np.cumsum(sizes)[:-1], axis=dim)

    @staticmethod
    def unstack(g, dim):
        return [np.take(g, i, axis=dim) for i in range(g.shape[dim])]

    @staticmethod
    def to_dtype(g, dtype):
        return g.astype(dtype.np)

    @staticmethod
    def softmax_grad(g, y, dim):
        return y * (g - sums.sum(g * y, dim, keepdims=True))

    @staticmethod
    def threshold_grad(g, out):
        """relu's rule: g where out > 0 (or NaN), else 0 (a product: much faster than np.where)."""
        return g * ~(out <= 0)

    @staticmethod
    def numel(x):
        return np.size(x)

    @staticmethod
    def prod(x, dims):
        return sums.prod(x, dims, keepdims=True)

    @staticmethod
    def flip(x, dims):
        return np.flip(x, axis=dims)

    @staticmethod
    def cumsum(x, dim):
        return sums.cumsum(x, dim)


class _TensorXP:
    """The same helpers on Tensors, recorded in the graph (used with create_graph=True)."""

    def __getattr__(self, name):
        value = getattr(_package(), name)
        setattr(self, name, value)   # found once: later rules read it as a plain attribute
        return value

    @staticmethod
    def sum(x, dim=None, keepdim=False):
        return x.sum() if dim is None and not keepdim else x.sum(dim=_dims(dim, x.ndim), keepdim=keepdim)

    @staticmethod
    def expand(x, shape):
        if not isinstance(x, Tensor):
            x = _package().as_tensor(x)
        if not shape:
            return x
        if x._grad_fn is None and not x._requires_grad and x._meta is None:
            # Nothing to record (a gradient that is not itself differentiable, such as the ones
            # that start a pass): the broadcast alone, as the NumPy rules give it.
            return _make(broadcast(x._data, tuple(shape)), x._dtype)
        return x.expand(*shape)

    @staticmethod
    def unsqueeze_dims(g, dims):
        for d in sorted(dims):
            g = g.unsqueeze(d)
        return g

    @staticmethod
    def reshape(x, shape):
        return x.reshape(shape)

    @staticmethod
    def permute(x, dims):
        return x.permute(*dims)

    @staticmethod
    def transpose(x, d0, d1):
        return x.transpose(d0, d1)

    @staticmethod
    def mT(x):
        return x.transpose(-1, -2)

    @staticmethod
    def outer(a, b):
        import autogradviz as T
        return T.outer(a, b)

    @staticmethod
    def scatter_add(shape, index, g, dtype):
        from ..ops.indexing import index_add_into_zeros
        return index_add_into_zeros(g, shape, index)

    @staticmethod
    def zero_at(g, index):
        from ..ops.indexing import zero_at
        return zero_at(g, index)

    @staticmethod
    def take(g, index):
        from ..ops.indexing import getitem
        return getitem(g, index)

    @staticmethod
    def split(g, sizes, dim):
        return list(g.split(list(sizes), dim))

    @staticmethod
    def unstack(g, dim):
        return list(g.unbind(dim))

    @staticmethod
    def to_dtype(g, dtype):
        return g.to(dtype)

    @staticmethod
    def softmax_grad(g, y, dim):
        return y * (g - (g * y).sum(dim=dim, keepdim=True))

    @staticmethod
    def threshold_grad(g, out):
        """relu's rule, in the graph of ``out`` as well as ``g`` (PyTorch's threshold_backward(g, out)):
        out is 0 where it is not positive."""
        import autogradviz as T
        return T.where(out <= 0, out, g)

    @staticmethod
    def numel(x):
        return x.numel() if hasattr(x, "numel") else np.size(x)

    @staticmethod
    def prod(x, dims):
        for d in (range(x.ndim) if dims is None else dims):
            x = x.prod(dim=d, keepdim=True)
        return x


NUMPY = _NumpyXP()
TENSOR = _TensorXP()


def sum_to(g, shape, xp):
    """Undo broadcasting: sum ``g`` down to ``shape``. The one place broadcasting is reversed."""
    gshape = g.shape
    if tuple(gshape) == tuple(shape):
        return g
    lead = len(gshape) - len(shape)
    dims = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1
    )
    if dims:
        g = xp.sum(g, dim=dims, keepdim=True)
    if lead:
        g = xp.reshape(g, tuple(shape))
    return g


def fit_grad(g, shape, dtype, xp):
    """Make an input's gradient match the input: its shape (undo broadcasting) and its dtype."""
    if g is None:
        return None
    if xp is NUMPY:
        if type(g) is not np.ndarray:
            g = np.asarray(g)
        if g.shape != shape:
            g = sum_to(g, shape, xp) if g.ndim >= len(shape) else broadcast(g, shape)
        if g.dtype != dtype.np:
            g = g.astype(dtype.np)
        return g
    if not isinstance(g, Tensor):
        g = _package().as_tensor(np.asarray(g, dtype=dtype.np))
    gshape = g._data.shape
    if gshape != shape and gshape != tuple(shape):
        g = sum_to(g, shape, xp) if g.ndim >= len(shape) else g.expand(*shape)
    if g._dtype is not dtype:
        g = g.to(dtype)
    return g
