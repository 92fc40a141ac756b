"""``nn.BatchNorm1d``, ``nn.BatchNorm2d`` and their lazy forms."""
from __future__ import annotations

from ... import _dtype as D
from ..._device import check_device
from ...creation import ones, tensor, zeros
from ...tensor import Tensor
from .. import functional as F
from ..parameter import Parameter
from .module import Module


class _BatchNorm(Module):
    """Normalise each channel with the batch's statistics while training (and keep running
    averages of them), with the running averages in eval mode; then scale and shift."""

    _dims: tuple[int, ...]

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        check_device(device)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features, dtype=dtype))
            self.bias = Parameter(zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=D.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in self._dims:
            wanted = " or ".join(f"{d}D" for d in self._dims)
            raise ValueError(f"expected {wanted} input (got {input.ndim}D input)")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if momentum is None:   # a cumulative average
                momentum = 1.0 / float(self.num_batches_tracked)
        use_batch = self.training or not self.track_running_stats
        running = self.track_running_stats and (self.training or not use_batch)
        return F.batch_norm(input, self.running_mean if running else None, self.running_var if running else None,
                            self.weight, self.bias, use_batch, momentum if momentum is not None else 0.0, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs, per channel C."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) images, per channel C."""

    _dims = (4,)


class _LazyBatchNorm:
    """A batch norm whose ``num_features`` is read from its first input (its dim 1); it then becomes
    the plain layer. Its parameters and buffers exist (empty) from the start and are filled in place."""

    _becomes: type

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None) -> None:
        self._becomes.__init__(self, 0, eps, momentum, affine, track_running_stats, device, dtype)

    def __call__(self, *args, **kwargs):
        input = args[0] if args else kwargs.get("input")
        if isinstance(input, Tensor) and input.ndim >= 2:
            n = input.shape[1]
            self.num_features = n
            for name, fill in (("weight", ones), ("bias", zeros), ("running_mean", zeros), ("running_var", ones)):
                held = getattr(self, name)
                if held is not None:
                    held._data = fill(n, dtype=held.dtype)._data
            self.__class__ = self._becomes   # as PyTorch does: a BatchNorm1d/2d from now on
        return Module.__call__(self, *args, **kwargs)


class LazyBatchNorm1d(_LazyBatchNorm, BatchNorm1d):
    """``BatchNorm1d`` with ``num_features`` read from the first input."""

    _becomes = BatchNorm1d


class LazyBatchNorm2d(_LazyBatchNorm, BatchNorm2d):
    """``BatchNorm2d`` with ``num_features`` read from the first input."""

    _becomes = BatchNorm2d
