"""``torch.optim`` for autogradviz: SGD, Adam, AdamW, RMSprop, Adagrad and ``lr_scheduler``.
Updates run under ``no_grad``, in place, so each parameter stays the same object (and the same
leaf of the next graph)."""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
