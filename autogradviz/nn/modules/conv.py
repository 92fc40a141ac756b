"""``nn.Conv2d`` and ``nn.LazyConv2d``."""
from __future__ import annotations

import math

from ..._device import check_device
from ...creation import empty
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


class Conv2d(Module):
    """2-D convolution (cross-correlation) with ``out_channels`` kernels of ``kernel_size`` over
    ``in_channels``, initialised as PyTorch does (kaiming_uniform with a=√5; bias U(±1/√fan_in))."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__()
        check_device(device)
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode != "zeros":
            raise NotImplementedError(f"Conv2d(padding_mode={padding_mode!r}) is not supported by autogradviz")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.dilation = _pair(kernel_size), _pair(stride), _pair(dilation)
        self.padding = padding if isinstance(padding, str) else _pair(padding)
        self.padding_mode = padding_mode
        self.weight = Parameter(empty(out_channels, in_channels // groups, *self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new initial values as PyTorch does."""
        if self.in_channels == 0:   # a lazy layer before its first input: nothing to draw yet
            return
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * self.kernel_size[0] * self.kernel_size[1]
            if fan_in:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class LazyConv2d(Conv2d):
    """A ``Conv2d`` whose ``in_channels`` is read from its first input; it then becomes a ``Conv2d``.
    Its parameters exist (empty) from the start and are filled in place, so an optimizer can be
    made before the first call; making it draws no random numbers, as in PyTorch."""

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1, groups: int = 1,
                 bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, device,
                         dtype)

    def __call__(self, *args, **kwargs):
        input = args[0] if args else kwargs.get("input")
        if isinstance(input, Tensor) and input.ndim in (3, 4):
            self.in_channels = input.shape[-3]
            self.weight._data = empty(self.out_channels, self.in_channels // self.groups, *self.kernel_size,
                                      dtype=self.weight.dtype)._data
            self.reset_parameters()
            self.__class__ = Conv2d   # as PyTorch does: a Conv2d from now on
        return Module.__call__(self, *args, **kwargs)
