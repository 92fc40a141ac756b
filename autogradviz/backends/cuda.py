"""``torch.backends.cuda``: not built."""


def is_built() -> bool:
    """False: autogradviz has no CUDA back end."""
    return False
