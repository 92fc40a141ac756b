"""``torch.finfo`` and ``torch.iinfo``: the limits of a floating point or integer dtype."""
from __future__ import annotations

import numpy as np

from . import _dtype as D

__all__ = ["finfo", "iinfo"]


class finfo:
    """The limits of a floating point dtype (the default dtype when none is given)."""

    def __init__(self, type: D.dtype | None = None):
        dtype = D.get_default_dtype() if type is None else type
        if not isinstance(dtype, D.dtype) or not dtype.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'")
        info = np.finfo(dtype.np)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)
        self.dtype = dtype.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """The limits of an integer dtype."""

    def __init__(self, type: D.dtype):
        if type is D.bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if not isinstance(type, D.dtype) or type.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        info = np.iinfo(type.np)
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = type.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
