"""``nn.Linear`` and ``nn.Identity``."""
from __future__ import annotations

import math

from ..._device import check_device
from ...creation import empty
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


class Identity(Module):
    """Returns its input unchanged (any constructor arguments are ignored)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` (out_features, in_features) and ``bias``
    (out_features), both initialised from U(−1/√in_features, 1/√in_features) as in PyTorch."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        check_device(device)
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Linear: {name} must be a non-negative int, got {value!r}")
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new initial values (kaiming_uniform with a=√5, i.e. U(±1/√in_features))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"linear(): argument 'input' must be Tensor, not {type(input).__name__}")
        F.check_linear_input(input, self.weight, layer=self)
        return F.linear_unchecked(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class LazyLinear(Linear):
    """A ``Linear`` whose ``in_features`` is read from its first input; it then becomes a ``Linear``.

    Its parameters exist (empty) from the start, so an optimizer can be made before the first
    call: the first call fills those same Parameter objects in place.
    """

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(0, out_features, bias, device, dtype)

    def reset_parameters(self) -> None:
        """Nothing to draw until the first input says how many in_features there are (so making
        the layer takes no random numbers, as in PyTorch)."""
        if self.in_features > 0:
            super().reset_parameters()

    def __call__(self, *args, **kwargs):
        input = args[0] if args else kwargs.get("input")
        if isinstance(input, Tensor) and input.ndim >= 1:
            self._materialize(input.shape[-1])
        return Module.__call__(self, *args, **kwargs)   # self is a Linear now

    def _materialize(self, in_features: int) -> None:
        self.in_features = in_features
        self.weight._data = empty(self.out_features, in_features, dtype=self.weight.dtype)._data
        self.reset_parameters()
        self.__class__ = Linear   # as PyTorch does: the module is a Linear from now on
