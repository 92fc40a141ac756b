"""``torch.utils`` for autogradviz: only ``data``."""
from . import data

__all__ = ["data"]
