"""``out=``: write a function's result into a tensor the caller gives, as PyTorch does.

Every public function whose PyTorch twin takes ``out=`` is wrapped once, where the package's
namespace is built (``install_out``); the others take no ``out`` argument at all, so passing one
raises Python's TypeError rather than being ignored. The wrapped call runs the function as usual,
then checks and writes:

- the result's dtype must cast to ``out``'s (PyTorch's "result type Float can't be cast to the
  desired output type Long"); factories make their values in ``out``'s dtype;
- an ``out`` of another shape is resized (with PyTorch's warning unless it was empty);
- ``out`` keeps its identity, its memory when the shape fits (views of it see the values) and
  gets a new version; nothing is recorded: like PyTorch, ``out=`` refuses arguments that
  require grad while grad mode is on.
"""
from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable

import numpy as np

from .._grad_mode import is_grad_enabled, no_grad
from ..tensor import Tensor
from .registry import _check_cast, check_no_overlap

# The functions of ``torch`` that take ``out=`` (checked against PyTorch by tests/test_out.py).
OUT_FUNCTIONS = (
    "abs", "absolute", "acos", "add", "addcdiv", "addcmul", "addmm", "all", "amax", "amin", "any", "arccos", "arcsin", "arctan",
    "arctan2", "argmax", "argmin", "asin", "atan", "atan2", "bernoulli", "bitwise_and", "bitwise_not", "bitwise_or",
    "bitwise_xor", "bmm", "cat", "ceil", "column_stack", "clamp", "clamp_max", "clamp_min", "clip", "concat", "concatenate", "cos",
    "cosh", "cross", "cumprod", "cumsum", "diag", "diff", "div", "divide", "dot", "dstack", "eq", "erf", "exp", "expm1", "floor",
    "fix", "floor_divide", "fmod", "gather", "ge", "ger", "greater", "greater_equal", "gt", "hstack", "index_add", "index_copy",
    "index_select", "inner", "inverse", "kron",
    "le", "lerp", "less", "less_equal", "log", "log10", "log1p", "log2", "log_softmax", "logaddexp", "logical_and",
    "logical_not", "logical_or", "logical_xor", "logsumexp", "lt", "matmul", "matrix_power", "max", "maximum", "mean", "min",
    "minimum", "mm", "mul", "multinomial", "multiply", "mv", "ne", "neg", "negative", "nonzero", "norm",
    "not_equal", "outer", "pow", "prod", "reciprocal", "remainder", "round", "row_stack", "rsqrt", "scatter", "scatter_add",
    "sigmoid", "sign", "sin", "sinh", "slogdet", "softmax", "sort", "sqrt", "square", "stack", "std", "sub", "subtract", "sum",
    "tan", "tanh", "tensordot", "topk", "tril", "triu", "true_divide", "trunc", "var", "vdot", "vstack", "where",
)
# ... and the selections and statistics of ops/selection.py
OUT_FUNCTIONS += ("cummax", "cummin", "masked_select", "median", "mode", "nanmean", "nanmedian", "nanquantile", "nansum",
                  "quantile", "searchsorted", "take_along_dim")
# ... and the functions of ops/elementwise_more.py
OUT_FUNCTIONS += ("acosh", "arccosh", "arcsinh", "arctanh", "asinh", "atanh", "bucketize", "deg2rad", "erfc", "exp2",
                  "fmax", "fmin", "frac", "hypot", "isin", "logaddexp2", "logit", "msort", "nan_to_num", "rad2deg",
                  "sinc")
# Factories take ``out=`` too; their values are made in ``out``'s dtype unless ``dtype=`` says otherwise.
OUT_FACTORIES = ("arange", "empty", "eye", "full", "linspace", "logspace", "normal", "ones", "rand", "randint",
                 "randn", "randperm", "range", "zeros")

_RESIZED = ("An output with one or more elements was resized since it had shape {old}, which does not match the "
            "required output shape {new}. This behavior is deprecated, and in a future PyTorch release outputs "
            "will not be resized unless they have zero elements. You can explicitly reuse an out tensor t by "
            "resizing it, inplace, to zero elements with t.resize_(0).")


def _needs_grad(values) -> bool:
    for v in values:
        if isinstance(v, Tensor):
            if v._requires_grad or v._grad_fn is not None:
                return True
        elif isinstance(v, (list, tuple)) and _needs_grad(v):
            return True
    return False


def write_out(name: str, out, result):
    """Write ``result`` (a tensor, or a tuple of them) into ``out`` and return ``out``."""
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be tuple of {len(result)} Tensors, "
                            f"not {type(out).__name__}")
        written = [write_out(name, o, r) for o, r in zip(out, result)]
        from .reduction import _return_type
        return _return_type(f"{name}_out", result._fields)(*written) if hasattr(result, "_fields") else tuple(written)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    _check_cast(result._dtype, out._dtype)
    data = result._data
    if out._data.shape != data.shape:
        if out._data.size:
            warnings.warn(_RESIZED.format(old=list(out._data.shape), new=list(data.shape)), UserWarning, stacklevel=3)
        out._data = np.empty(data.shape, dtype=out._dtype.np)
    else:
        check_no_overlap(out)  # an expand()ed out: refused, as PyTorch refuses it
    np.copyto(out._data, data, casting="unsafe")
    out._bump()
    return out


def with_out(fn: Callable, name: str, factory: bool = False) -> Callable:
    """``fn`` taking ``out=`` as PyTorch's function ``name`` does."""

    @functools.wraps(fn)
    def function(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if is_grad_enabled() and (_needs_grad(args) or _needs_grad(kwargs.values()) or _needs_grad((out,))):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        if factory and kwargs.get("dtype") is None and isinstance(out, Tensor):
            kwargs["dtype"] = out._dtype
        with no_grad():
            result = fn(*args, **kwargs)
        return write_out(name, out, result)
    return function


def without_out(fn: Callable, name: str) -> Callable:
    """``fn`` refusing ``out=``, as PyTorch's function ``name`` does (never ignoring it)."""

    @functools.wraps(fn)
    def function(*args, out=None, **kwargs):
        if out is not None:
            raise TypeError(f"{name}() got an unexpected keyword argument 'out'")
        return fn(*args, **kwargs)
    return function


def install_out(namespace: dict) -> None:
    """Give the functions of a namespace (``autogradviz``'s) their ``out=`` argument; functions
    that PyTorch gives none refuse it."""
    for name in OUT_FUNCTIONS:
        if name in namespace:
            namespace[name] = with_out(namespace[name], name)
    for name in OUT_FACTORIES:
        if name in namespace:
            namespace[name] = with_out(namespace[name], name, factory=True)
    wrapped = set(OUT_FUNCTIONS + OUT_FACTORIES)
    for name, fn in list(namespace.items()):
        if name not in wrapped and inspect.isfunction(fn) and "out" in inspect.signature(fn).parameters:
            namespace[name] = without_out(fn, name)
