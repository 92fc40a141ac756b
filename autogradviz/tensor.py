"""The Tensor: a NumPy array plus the autograd state PyTorch's tensors carry.

Arithmetic and math methods are attached from the op table (``autogradviz.ops``); this module
holds the state, the conversions, the in-place helpers and ``backward``.
"""
from __future__ import annotations

import warnings
import weakref
from typing import Any

import numpy as np

from . import _dtype as D
from . import _pytorch_names
from ._device import CPU, check_device, device
from ._errors import raised_in_callers_code
from ._grad_mode import _state as _grad_state
from ._tensor_meta import Meta, view_rebase_message


class Size(tuple):
    """A tensor's shape, printed as ``torch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


def _make(data: np.ndarray, dtype: D.dtype, grad_fn=None) -> Tensor:
    t = object.__new__(Tensor)
    t._data = data
    t._dtype = dtype
    t._grad_fn = grad_fn
    t._requires_grad = False
    t._grad = None
    t._vc = None
    t._meta = None
    return t


class Tensor:
    """A multi-dimensional array that records the operations applied to it for autograd."""

    __slots__ = ("_data", "_dtype", "_grad_fn", "_requires_grad", "_grad", "_vc", "_meta", "__weakref__")
    __array_priority__ = 1000  # NumPy defers `ndarray * tensor` to Tensor.__rmul__
    __hash__ = object.__hash__

    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, data: Any = (), *, dtype: D.dtype | None = None, requires_grad: bool = False):
        from .creation import _to_array
        arr, dt = _to_array(data, dtype)
        self._data, self._dtype = arr, dt
        self._grad_fn = None
        self._requires_grad = False
        self._grad = None
        self._vc = None
        self._meta = None
        if requires_grad:
            self.requires_grad_(True)

    def _meta_(self) -> Meta:
        if self._meta is None:
            self._meta = Meta()
        return self._meta

    # --- autograd attributes --------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        # a view requires grad while its base does, whenever and however it was made (PyTorch)
        return self._requires_grad or self._grad_fn is not None or (
            self._meta is not None and self._meta.base is not None and self._meta.base.requires_grad)

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self._grad_fn is not None:
            if value:  # PyTorch's short message: the flag is already on
                raise RuntimeError("you can only change requires_grad flags of leaf variables.")
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if value and not self._dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        meta = self._meta
        if meta is None or meta.base is None or self._vc[0] == meta.view_version:
            return self._grad_fn
        if self._grad_fn is None and not meta.base.requires_grad:
            return None
        # The base or another view of it changed in place (with grad mode on or off): make this
        # view's grad_fn again from the base's history (AsStridedBackward0), as PyTorch does;
        # a view made under no_grad, by split/unbind or by a custom Function cannot have one.
        if meta.creation is not None:
            raise RuntimeError(view_rebase_message(self, indirect=True))
        from .autograd.views import regenerated_view_fn
        self._grad_fn = regenerated_view_fn(self)
        meta.view_version = self._vc[0]
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def output_nr(self) -> int:
        """Which output of its ``grad_fn`` this tensor is (split pieces: 0, 1, ...; else 0)."""
        return (self._meta.output_nr or 0) if self._meta is not None else 0

    @property
    def _base(self) -> Tensor | None:
        """The tensor this one is a view of (None for a tensor that is not a view)."""
        meta = self._meta
        return meta.base if meta is not None else None

    def _is_view(self) -> bool:
        """True when this tensor is a view of another one (shares its memory and version)."""
        return self._base is not None

    @property
    def grad(self) -> Tensor | None:
        if self._grad_fn is not None and self._grad is None and not (self._meta and self._meta.retains_grad):
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf "
                "Tensor.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of size "
                    f"'{list(self.shape)}'. Please ensure that the gradient and the tensor are the same size")
            if value._dtype is not self._dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{value._dtype.scalar_name.lower()}' to a tensor "
                    f"with grad_dtype '{self._dtype.scalar_name}'. The gradient must match the tensor's grad_dtype "
                    "(defaults to the tensor's dtype).")
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return bool(self._meta and self._meta.retains_grad)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor during backward."""
        if self._grad_fn is None:  # PyTorch asks the view's own grad_fn here, without remaking it
            if not self.requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        meta = self._meta_()
        if meta.retains_grad:
            return
        meta.retains_grad = True
        ref = weakref.ref(self)

        def store(grad):
            t = ref()
            if t is not None:
                from .autograd.engine import _as_tensor_grad
                g = _as_tensor_grad(grad, t._dtype)  # carries a graph under create_graph=True
                t._grad = g.clone() if t._grad is None else t._grad + g
            return None
        store._retains_grad = True  # register_hook keeps this one last (see there)
        self.grad_fn.register_prehook(self._for_this_output(store))

    def _for_this_output(self, hook):
        """A grad_fn pre-hook that sees only this tensor's gradient when the grad_fn has several
        outputs (split pieces, custom Functions): it receives one gradient per output."""
        nr = self._meta.output_nr if self._meta is not None else None
        if nr is None:
            return hook

        def pre(grads):
            if grads[nr] is None:
                return None
            r = hook(grads[nr])
            if r is None:
                return None
            grads = list(grads)
            grads[nr] = r
            return grads
        pre._retains_grad = getattr(hook, "_retains_grad", False)
        return pre

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient is computed; it may return a new grad."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            from .autograd.engine import _as_tensor_grad, checked_hook_result
            dtype = self._dtype

            def pre(grad):
                g = _as_tensor_grad(grad, dtype)
                return checked_hook_result(hook, hook(g), g)
            handle = self.grad_fn.register_prehook(self._for_this_output(pre))
            # As in PyTorch, .grad kept by retain_grad() is the gradient after all of the tensor's
            # hooks, whatever the order they were registered in: keep the retain hook last.
            hooks = self.grad_fn._pre_hooks
            retain = [h for h in hooks if getattr(h, "_retains_grad", False)]
            if retain:
                hooks[:] = [h for h in hooks if not getattr(h, "_retains_grad", False)] + retain
            return handle
        meta = self._meta_()
        if meta.hooks is None:
            meta.hooks = []
        meta.hooks.append(hook)
        from .autograd.node import _RemovableHandle
        return _RemovableHandle(meta.hooks, hook)

    @raised_in_callers_code
    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves it depends on."""
        from .autograd.engine import backward
        backward([self], [gradient], retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """A tensor sharing this one's memory with no history: gradients stop here."""
        t = _make(self._data, self._dtype)
        if self._vc is None:
            self._vc = [0]
        t._vc = self._vc
        if self._grad_fn is not None:
            t._meta_().detached_from = weakref.ref(self._grad_fn)
        return t

    def detach_(self) -> Tensor:
        """Make this tensor a leaf with no history, in place."""
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
                "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        if self._grad_fn is not None:
            self._meta_().detached_from = weakref.ref(self._grad_fn)
        self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        t = _make(self._data, self._dtype)
        return t

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data
        self._dtype = value._dtype

    # --- plain attributes -----------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._dim(dim)]

    @property
    def dtype(self) -> D.dtype:
        return self._dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._dtype.itemsize

    @property
    def device(self) -> device:
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_cpu(self) -> bool:
        return True

    def get_device(self) -> int:
        return -1

    def is_floating_point(self) -> bool:
        return self._dtype.is_floating_point

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim: int | None = None):
        """The step, in elements, between neighbours along each dim (or along ``dim``)."""
        from .ops.strided import stride_of
        return stride_of(self, dim)

    def storage_offset(self) -> int:
        """How many elements into its memory block this tensor's first element lies."""
        from .ops.strided import storage_offset_of
        return storage_offset_of(self)

    def contiguous(self) -> Tensor:
        """This tensor when its memory is in C order, else a copy that is (CloneBackward0)."""
        return self if self._data.flags.c_contiguous else self.clone()

    def cpu(self) -> Tensor:
        return self

    def cuda(self, device=None, non_blocking: bool = False) -> Tensor:
        """Raises PyTorch's error of a build without CUDA."""
        check_device("cuda")

    @property
    def _version(self) -> int:
        return 0 if self._vc is None else self._vc[0]

    @property
    def names(self):
        return (None,) * self.ndim

    def _dim(self, dim: int) -> int:
        from .ops.common import wrap_dim
        return wrap_dim(dim, self._data.ndim)

    # --- conversions ----------------------------------------------------------------------
    def _no_grad_needed(self, what: str) -> None:
        if self.requires_grad:
            raise RuntimeError(f"Can't call {what} on Tensor that requires grad. Use tensor.detach().{what} instead.")

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying NumPy array (shared memory)."""
        if not force:
            self._no_grad_needed("numpy()")
        return self._data

    def __array__(self, dtype=None, copy=None):
        self._no_grad_needed("numpy()")
        arr = self._data
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def tolist(self):
        """Nested Python lists of Python numbers."""
        return self._data.tolist()

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()).item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __contains__(self, item) -> bool:
        return bool((self == item).any())

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self) -> str:
        from ._printing import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __getattr__(self, name: str):
        """Called only for a name the tensor does not have: PyTorch's names say PyTorch has them."""
        raise _pytorch_names.missing("torch.Tensor", name, f"'{type(self).__name__}' object has no attribute {name!r}")

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data.copy(), self._dtype.name, self.requires_grad))

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment.")
        t = _make(self._data.copy(), self._dtype)
        t._requires_grad = self._requires_grad
        if self._grad is not None:
            t._grad = _make(self._grad._data.copy(), self._grad._dtype)
        memo[id(self)] = t
        return t

    def type(self, dtype=None):
        """The type name (``'torch.FloatTensor'``), or a copy converted to ``dtype``."""
        if dtype is None:
            return f"torch.{self._dtype._legacy}"
        if isinstance(dtype, str):
            legacy = dtype.rsplit(".", 1)[-1]
            matches = [d for d in D.ALL if d._legacy == legacy]
            if not matches:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = matches[0]
        return self.to(dtype)

    def to(self, *args, **kwargs) -> Tensor:
        """Convert to a dtype; the CPU is the only device (others raise PyTorch's error)."""
        dtype = kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        for a in args:
            if isinstance(a, D.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a._dtype
            elif isinstance(a, (str, device, int)):
                check_device(a)
        check_device(kwargs.get("device"))
        if dtype is None or dtype is self._dtype:
            return self.clone() if copy else self
        from .ops.elementwise import to_dtype
        return to_dtype(self, dtype)

    def float(self) -> Tensor:
        return self.to(D.float32)

    def double(self) -> Tensor:
        return self.to(D.float64)

    def half(self) -> Tensor:
        return self.to(D.float16)

    def long(self) -> Tensor:
        return self.to(D.int64)

    def int(self) -> Tensor:
        return self.to(D.int32)

    def bool(self) -> Tensor:
        return self.to(D.bool_)

    def byte(self) -> Tensor:
        return self.to(D.uint8)

    def char(self) -> Tensor:
        return self.to(D.int8)

    def short(self) -> Tensor:
        return self.to(D.int16)

    def type_as(self, other: Tensor) -> Tensor:
        """This tensor cast to ``other``'s dtype (itself when they match)."""
        return self.to(other.dtype)

    # --- in-place helpers that are not ops ------------------------------------------------
    def _bump(self) -> None:
        if self._vc is None:
            self._vc = [1]
        else:
            self._vc[0] += 1

    def _check_inplace_leaf(self) -> None:
        from ._grad_mode import is_grad_enabled
        if is_grad_enabled() and self._grad_fn is None and self._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")

    def zero_(self) -> Tensor:
        """Fill with zeros in place."""
        if getattr(_grad_state, "enabled", True) and self.requires_grad:
            from .ops.elementwise import ZERO
            from .ops.registry import apply, write_inplace
            return write_inplace(self, lambda old: apply(ZERO, (old,)))
        self._data.fill(0)   # nothing recorded (an optimizer's zero_grad): fill_(0) without its checks
        self._bump()
        return self

    def fill_(self, value) -> Tensor:
        """Fill with ``value`` in place (also where elements share memory, as PyTorch allows, but
        not from a tensor value)."""
        from ._grad_mode import is_grad_enabled
        from .ops.registry import check_no_overlap
        if isinstance(value, Tensor):
            check_no_overlap(self)
        if is_grad_enabled() and self.requires_grad:
            from .ops.elementwise import FILL
            from .ops.registry import apply, write_inplace
            v = value.item() if isinstance(value, Tensor) else value
            return write_inplace(self, lambda old: apply(FILL, (old,), {"value": v}))
        self._data[...] = value.item() if isinstance(value, Tensor) else value
        self._bump()
        return self

    def copy_(self, src) -> Tensor:
        """Copy ``src``'s values into this tensor (broadcasting), in place."""
        from .ops.common import operand
        from .ops.elementwise import COPY
        from .ops.registry import apply, apply_inplace
        return apply_inplace(self, lambda old, s: apply(COPY, (old, s)), operand(src, "copy_", "src", 1))


def _rebuild(data, dtype_name, requires_grad):
    t = _make(data, D.from_name(dtype_name))
    t._requires_grad = requires_grad
    return t


def is_tensor(obj: Any) -> bool:
    """True for autogradviz tensors."""
    return isinstance(obj, Tensor)
