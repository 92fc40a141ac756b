"""``torch.backends``: which accelerator back ends this build has (none: NumPy on the CPU)."""
from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
