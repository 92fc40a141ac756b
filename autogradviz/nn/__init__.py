"""``torch.nn`` for autogradviz: Module, Parameter, layers, losses, ``functional`` and ``init``.

Everything is built on the engine's ops, so a model's forward pass is an ordinary autograd
graph with PyTorch's node names.
"""
from . import functional, init
from .modules import (
                      BCELoss,
                      BCEWithLogitsLoss,
                      CrossEntropyLoss,
                      Dropout,
                      Flatten,
                      Identity,
                      L1Loss,
                      Linear,
                      LogSoftmax,
                      Module,
                      ModuleList,
                      MSELoss,
                      NLLLoss,
                      ReLU,
                      Sequential,
                      Sigmoid,
                      Softmax,
                      Tanh,
)
from .parameter import Parameter

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
                      "Parameter",
                      "ReLU",
                      "Sequential",
                      "Sigmoid",
                      "Softmax",
                      "Tanh",
                      "functional",
                      "init",
]
