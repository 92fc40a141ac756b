"""In-place changes of a tensor's shape: ``unsqueeze_``, ``squeeze_``, ``t_``, ``transpose_``
(and ``swapdims_``/``swapaxes_``). The tensor keeps its identity and memory, takes the new shape,
a new version and, in a graph, PyTorch's in-place node (UnsqueezeBackward1, SqueezeBackward3/4/5,
TBackward1, TransposeBackward1); a leaf that requires grad, or a view of one, is refused."""
from __future__ import annotations

import functools

import numpy as np

from .._grad_mode import is_grad_enabled
from .common import wrap_dim, wrap_dims
from .registry import OpDef, _view_inplace_error, apply


def _back_to_input_shape(xp, g, c):
    return xp.reshape(g, c.shape)


def _squeeze_name(ndims, p):
    many = p.get("many")
    return "SqueezeBackward3" if many is None else "SqueezeBackward5" if many else "SqueezeBackward4"


UNSQUEEZE_ = OpDef("unsqueeze_", "UnsqueezeBackward1",
                   inputs=("input",), expression="unsqueeze_({input}, {dim})",
                   rules=("∂{out}/∂{input} = 1",),
                   sends=("{grad} reshaped to the shape of {input}",),
                   forward=lambda a, shape, dim: np.reshape(a, shape),
                   vjps=(_back_to_input_shape,), dtype="same")
SQUEEZE_ = OpDef("squeeze_", _squeeze_name,
                 inputs=("input",), expression="squeeze_({input}{, dim={dims}})",
                 rules=("∂{out}/∂{input} = 1",),
                 sends=("{grad} reshaped to the shape of {input}",),
                 forward=lambda a, shape, dims=None, many=None: np.reshape(a, shape),
                 vjps=(_back_to_input_shape,), dtype="same")
TRANSPOSE_ = OpDef("transpose_", lambda nd, p: "TBackward1" if p.get("t") else "TransposeBackward1",
                   inputs=("input",), expression="transpose_({input}, {d0}, {d1})",
                   rules=("∂{out}/∂{input} = 1",),
                   sends=("transpose({grad}, {d0}, {d1})",),
                   forward=lambda a, d0, d1, t=False: np.swapaxes(a, d0, d1) if d0 != d1 else a,
                   vjps=(lambda xp, g, c: xp.transpose(g, c.d0, c.d1) if c.d0 != c.d1 else g,), dtype="same")


def _reshape_in_place(self, op, params):
    """Give ``self`` the op's new layout of its own memory, a new version and the op's node."""
    fn = functools.partial(op.forward, **params)
    meta = self._meta
    is_view = meta is not None and meta.base is not None
    if is_grad_enabled() and self.requires_grad:
        problem = _view_inplace_error(self) if is_view else (
            "a leaf Variable that requires grad is being used in an in-place operation."
            if self._grad_fn is None else None)
        if problem:
            raise RuntimeError(problem)
        result = apply(op, (self,), params)
        self._data, self._grad_fn = result._data, result._grad_fn
    else:
        self._data = fn(self._data)
    self._bump()
    if is_view:   # the view's layout from its base's memory, one step longer
        meta.view_fns = meta.view_fns + (fn,)
        meta.view_version = self._vc[0]
    return self


def unsqueeze_(self, dim):
    """Insert a dim of size 1 at ``dim``, in place."""
    d = wrap_dim(dim, self.ndim + 1)
    shape = tuple(self.shape[:d]) + (1,) + tuple(self.shape[d:])
    return _reshape_in_place(self, UNSQUEEZE_, {"shape": shape, "dim": d})


def squeeze_(self, dim=None):
    """Drop dims of size 1 (all of them, or the given one(s)), in place."""
    if dim is None:
        return _reshape_in_place(self, SQUEEZE_, {"shape": tuple(s for s in self.shape if s != 1)})
    dims = wrap_dims(dim, self.ndim) or ()
    shape = tuple(s for i, s in enumerate(self.shape) if not (i in dims and s == 1))
    return _reshape_in_place(self, SQUEEZE_, {"shape": shape, "dims": dims,
                                              "many": isinstance(dim, (tuple, list))})


def transpose_(self, dim0, dim1):
    """Swap two dims, in place."""
    if self.ndim == 0:
        wrap_dim(dim0, 0), wrap_dim(dim1, 0)
    return _reshape_in_place(self, TRANSPOSE_, {"d0": wrap_dim(dim0, self.ndim), "d1": wrap_dim(dim1, self.ndim)})


def t_(self):
    """Transpose a matrix in place (a vector or a scalar keeps its shape)."""
    if self.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    return _reshape_in_place(self, TRANSPOSE_, {"d0": 0, "d1": 1 if self.ndim == 2 else 0, "t": True})


METHODS = {"unsqueeze_": unsqueeze_, "squeeze_": squeeze_, "transpose_": transpose_, "swapdims_": transpose_,
           "swapaxes_": transpose_, "t_": t_}
