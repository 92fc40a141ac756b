"""``torch.accelerator``: the current accelerator, of which there is none (NumPy on the CPU)."""
from __future__ import annotations


def is_available() -> bool:
    """False: autogradviz computes on the CPU."""
    return False


def device_count() -> int:
    """0: there is no accelerator."""
    return 0


def current_accelerator(check_available: bool = False) -> None:
    """None: there is no accelerator (PyTorch returns None too when it has none)."""
    return None
