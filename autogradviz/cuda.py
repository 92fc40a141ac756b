"""``torch.cuda`` as a CPU-only PyTorch build has it: no GPU is available, so course code takes its
``else "cpu"`` branch; asking for a GPU fails with PyTorch's own error."""
from __future__ import annotations

from ._device import device as _device

__all__ = ["current_device", "device_count", "empty_cache", "get_device_name", "is_available", "is_bf16_supported",
           "is_initialized", "manual_seed", "manual_seed_all", "max_memory_allocated", "memory_allocated", "seed",
           "synchronize"]


def _not_compiled():
    raise AssertionError("Torch not compiled with CUDA enabled")


def is_available() -> bool:
    """False: autogradviz computes with NumPy on the CPU."""
    return False


def device_count() -> int:
    """0: there is no CUDA device."""
    return 0


def is_initialized() -> bool:
    """False: CUDA is never initialised."""
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: there is no CUDA device."""
    return False


def manual_seed(seed: int) -> None:
    """Accepted and ignored, as in a CPU-only PyTorch (there is no CUDA generator)."""


def manual_seed_all(seed: int) -> None:
    """Accepted and ignored, as in a CPU-only PyTorch."""


def seed() -> None:
    """Accepted and ignored, as in a CPU-only PyTorch."""


def empty_cache() -> None:
    """Nothing to free: there is no CUDA memory."""


def memory_allocated(device=None) -> int:
    """0 bytes: there is no CUDA memory."""
    return 0


def max_memory_allocated(device=None) -> int:
    """0 bytes: there is no CUDA memory."""
    return 0


def current_device() -> int:
    """Raises PyTorch's error: there is no CUDA device."""
    _not_compiled()


def get_device_name(device: _device | str | int | None = None) -> str:
    """Raises PyTorch's error: there is no CUDA device."""
    _not_compiled()


def synchronize(device: _device | str | int | None = None) -> None:
    """Raises PyTorch's error: there is no CUDA device."""
    _not_compiled()
