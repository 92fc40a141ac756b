"""The layers of ``autogradviz.nn``."""
from .activation import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, LazyLinear, Linear
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
           "LazyLinear",
           "Linear",
           "LogSoftmax",
           "MSELoss",
           "Module",
           "ModuleDict",
           "ModuleList",
           "NLLLoss",
           "ParameterDict",
           "ParameterList",
           "ReLU",
           "Sequential",
           "Sigmoid",
           "Softmax",
           "Tanh",
]
