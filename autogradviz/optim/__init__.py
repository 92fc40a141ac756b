"""``torch.optim`` for autogradviz: SGD and Adam. Updates run under ``no_grad``, in place, so
each parameter stays the same object (and the same leaf of the next graph)."""
from .adam import Adam
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["SGD", "Adam", "Optimizer"]
