"""``torch.backends.mps``: Apple's GPU back end, not available."""


def is_available() -> bool:
    """False: autogradviz computes with NumPy on the CPU."""
    return False


def is_built() -> bool:
    """False: autogradviz has no MPS back end."""
    return False
