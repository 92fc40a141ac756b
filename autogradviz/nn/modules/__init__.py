"""The layers of ``autogradviz.nn``."""
from .activation import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module

__all__ = [
           "BCELoss",
           "BCEWithLogitsLoss",
           "CrossEntropyLoss",
           "Dropout",
           "Flatten",
           "Identity",
           "L1Loss",
           "Linear",
           "LogSoftmax",
           "MSELoss",
           "Module",
           "ModuleList",
           "NLLLoss",
           "ReLU",
           "Sequential",
           "Sigmoid",
           "Softmax",
           "Tanh",
]
