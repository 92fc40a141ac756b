"""``Tensor.new_zeros``, ``new_ones``, ``new_full``, ``new_empty`` and ``new_tensor``: new tensors
with this tensor's dtype (unless ``dtype=`` says otherwise), as PyTorch's do."""
from __future__ import annotations

import warnings

from . import creation as C
from ._device import check_device
from .tensor import Tensor


def new_zeros(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``size``, with this tensor's dtype by default."""
    return C.zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_ones(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Ones of ``size``, with this tensor's dtype by default."""
    return C.ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_empty(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` (zero-filled here), with this tensor's dtype by default."""
    return C.empty(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere in ``size``, with this tensor's dtype by default."""
    return C.full(size, fill_value, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_tensor(self: Tensor, data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A copy of ``data`` with this tensor's dtype by default (and no history)."""
    check_device(device)
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "tensor.new_tensor(sourceTensor).", UserWarning, stacklevel=2)
        data = data.detach()
    return C.tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


def install(cls: type) -> None:
    """Attach the ``new_*`` methods to Tensor."""
    for fn in (new_zeros, new_ones, new_empty, new_full, new_tensor):
        setattr(cls, fn.__name__, fn)
