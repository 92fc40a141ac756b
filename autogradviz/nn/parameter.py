"""``nn.Parameter``: a tensor that a Module registers as one of its parameters."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default; assigning one to a Module attribute
    registers it, so it appears in ``module.parameters()``.

    It shares memory with the tensor it is made from (as PyTorch's does) and has no history.
    """

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            data = Tensor(np.zeros(0, dtype=D.default_float().np), dtype=D.default_float())
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): data must be a Tensor, got {type(data).__name__}")
        self._data = data._data
        self._dtype = data._dtype
        self._grad_fn = None
        self._requires_grad = False
        self._grad = None
        if data._vc is None:
            data._vc = [0]
        self._vc = data._vc       # in-place changes through either are seen by both
        self._meta = None
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data.copy(), self._dtype.name, self._requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(Tensor(self._data.copy(), dtype=self._dtype), self._requires_grad)
        if self._grad is not None:
            p._grad = self._grad.detach().clone()
        memo[id(self)] = p
        return p


def _rebuild_parameter(data, dtype_name, requires_grad):
    return Parameter(Tensor(data, dtype=D.from_name(dtype_name)), requires_grad)
