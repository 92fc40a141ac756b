"""``torch.backends.cudnn``: not available; its flags can be set, as in PyTorch, and change nothing."""

enabled = True
benchmark = False
deterministic = False


def is_available() -> bool:
    """False: autogradviz has no cuDNN."""
    return False
