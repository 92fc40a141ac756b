"""autogradviz: a NumPy autograd engine with PyTorch's API, and Jupyter widgets that show it.

``import autogradviz as torch`` runs autograd course material unchanged. The engine imports
NumPy only; the pictures and widgets (``draw_graph``, ``step_backward``, ``plot_derivative``,
``exercises``) load on first use.
"""
from __future__ import annotations

import importlib as _importlib
import math as _math

from . import _dtype, _inplace_random, _tensor_new, autograd, random
from ._device import device, get_default_device, set_default_device
from ._dtype import bool_ as bool
from ._dtype import (
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from ._dtype import result_type as _result_type
from ._grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from ._numeric_info import finfo, iinfo
from ._printing import set_printoptions
from .creation import (
    arange,
    as_tensor,
    asarray,
    bernoulli,
    deprecated_range,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .ops import install_methods as _install_methods
from .ops import public_functions as _public_functions
from .ops.out import install_out as _install_out
from .random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from .serialization import load, save
from .tensor import Size, Tensor, is_tensor

_install_methods(Tensor)
_tensor_new.install(Tensor)
_inplace_random.install(Tensor)
# torch.add, torch.sum, torch.matmul, ...: every function the op table names (autogradviz/ops/).
globals().update(_public_functions())
range = deprecated_range   # PyTorch's deprecated torch.range (this module uses no builtin range)
_install_out(globals())   # out= where PyTorch takes it, refused elsewhere

__version__ = "0.1.0"

float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
cfloat = None  # complex numbers are not supported

pi = _math.pi
e = _math.e
inf = _math.inf
nan = _math.nan
newaxis = None

FloatTensor = DoubleTensor = LongTensor = Tensor

# What loads lazily, so that ``import autogradviz`` never imports the visual layer.
_LAZY = {
    "draw_graph": ("autogradviz.render.api", "draw_graph"),
    "GraphView": ("autogradviz.render.view", "GraphView"),
    "graph": ("autogradviz.graph", None),
    "step_backward": ("autogradviz.widgets.stepper", "step_backward"),
    "step_forward": ("autogradviz.widgets.stepper", "step_forward"),
    "plot_derivative": ("autogradviz.widgets.plot", "plot_derivative"),
    "exercises": ("autogradviz.exercises", None),
    "nn": ("autogradviz.nn", None),
    "linalg": ("autogradviz.linalg", None),
    "optim": ("autogradviz.optim", None),
    "utils": ("autogradviz.utils", None),
    "cuda": ("autogradviz.cuda", None),
    "backends": ("autogradviz.backends", None),
    "accelerator": ("autogradviz.accelerator", None),
    "distributions": ("autogradviz.distributions", None),
}


def __getattr__(name: str):
    if name in _LAZY:
        module, attr = _LAZY[name]
        mod = _importlib.import_module(module)
        value = mod if attr is None else getattr(mod, attr)
        globals()[name] = value
        return value
    from ._pytorch_names import missing
    raise missing("torch", name, f"module 'autogradviz' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))


def result_type(tensor, other) -> dtype:  # noqa: F811 (PyTorch names the argument tensor)
    """The dtype an elementwise op on ``tensor`` and ``other`` (tensors or numbers) gives."""
    return _result_type(tensor, other)


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether PyTorch's type promotion may cast ``from_`` to ``to`` (never to a lower kind: float to int, int to bool)."""
    return from_._category <= to._category


def is_floating_point(input: Tensor) -> bool:
    return input.dtype.is_floating_point


def numel(input: Tensor) -> int:
    return input.numel()


def detach(input: Tensor) -> Tensor:
    return input.detach()


def get_num_threads() -> int:
    return 1


def set_num_threads(n: int) -> None:
    """Accepted for compatibility; NumPy decides its own threading."""


def load_ipython_extension(ipython) -> None:
    """``%load_ext autogradviz``: register the ``%autograd`` magics."""
    from .magic import load_ipython_extension as _load
    _load(ipython)
