"""The op table and the functions built on it; also gives Tensor its operator methods.

``torch.<name>`` functions, ``Tensor.<name>`` methods and ``Tensor.<name>_`` in-place methods
come from each op's schema (``OpDef.functions``, ``methods``, ``inplace``); only Python's
operators and a few functions that are not ops of their own are listed here.
"""
from __future__ import annotations

import sys
import warnings
from collections.abc import Callable

from . import (
    activation,
    adaptive_pool,
    conv,
    elementwise,
    elementwise_more,
    gather_scatter,
    indexing,
    inplace_view,
    layout,
    linalg,
    linalg_extra,
    loss,
    matrix,
    nonlinear,
    normalization,
    pointwise,
    rearrange,
    reduction,
    robust_loss,
    selection,
    shape,
    special,
    strided,
)
from .registry import REGISTRY, OpDef, apply

__all__ = ["REGISTRY", "OpDef", "apply", "install_methods", "public_functions"]

_MODULES = (elementwise, reduction, shape, linalg, indexing, activation, loss, special, nonlinear, matrix, rearrange,
            normalization, conv, robust_loss, gather_scatter, strided, adaptive_pool, layout, pointwise,
            linalg_extra, selection, elementwise_more)

# PyTorch returns inf and nan silently (log(0), 1/0, sqrt(-1)); NumPy warns. Silence NumPy's
# floating-point warnings where our ops and rules compute, and nowhere else: no cost per call.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"autogradviz\.(ops|autograd|_summation)(\.|$)")

# Functions that record other ops (or none): torch.<name> and, for some, Tensor.<name>.
_OTHER_FUNCTIONS = {elementwise: ("allclose", "isclose", "equal", "bitwise_not", "floor_divide"),
                    reduction: ("argmax", "argmin", "all", "any", "count_nonzero"),
                    linalg: ("outer", "ger"),
                    matrix: ("diag",),
                    rearrange: ("tile", "argsort", "hstack", "vstack", "meshgrid", "nonzero", "unique"),
                    gather_scatter: ("scatter", "scatter_add", "einsum", "tensordot", "repeat_interleave"),
                    strided: ("unflatten", "ravel", "tensor_split"),
                    layout: tuple(layout.__all__),
                    linalg_extra: ("slogdet", "logdet", "matrix_power", "cross", "kron", "diff"),
                    selection: tuple(selection.__all__),
                    elementwise_more: tuple(elementwise_more.__all__)}
_OTHER_METHODS = ("allclose", "isclose", "equal", "floor_divide", "argmax", "argmin", "all", "any",
                  "count_nonzero", "outer", "diag", "tile", "argsort", "nonzero", "unique", "scatter", "scatter_add",
                  "repeat_interleave", "unflatten", "ravel", "tensor_split", "fliplr", "flipud", "moveaxis",
                  "slogdet", "logdet", "matrix_power", "cross", "kron", "diff", "bincount", "cummax", "cummin",
                  "masked_select", "median", "mode", "nanmean", "nanmedian", "nanquantile", "nansum", "quantile", "take_along_dim",
                  "msort", "argwhere", "positive")
_OTHER_INPLACE = ("floor_divide",)   # Tensor.<name>_ for functions of _OTHER_FUNCTIONS
# torch.<name>_(input, ...): PyTorch's top-level in-place functions, each Tensor.<name>_ (relu_ is elementwise's)
TOP_LEVEL_INPLACE = ("abs_", "acos_", "arccos_", "arcsin_", "arctan_", "asin_", "atan_", "ceil_", "clamp_",
                     "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_", "detach_", "erf_", "exp_", "expm1_",
                     "fill_", "fix_", "floor_", "log10_", "log1p_", "log2_", "log_", "neg_", "negative_",
                     "reciprocal_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_",
                     "tanh_", "trunc_", "zero_", "acosh_", "arccosh_", "arcsinh_", "arctanh_", "asinh_", "atanh_",
                     "deg2rad_", "erfc_", "exp2_", "frac_", "logit_", "nan_to_num_", "rad2deg_", "sinc_")


def _defined(op: OpDef, name: str) -> Callable:
    """The public function ``name`` of ``op``: from the op's own module, else another op module."""
    for module in (sys.modules.get(op.module), *_MODULES):
        fn = getattr(module, name, None)
        if callable(fn):
            return fn
    raise ImportError(f"op {op.name!r} lists the function {name!r}, but no module of autogradviz.ops defines it")


def public_functions() -> dict[str, Callable]:
    """``torch.<name>`` for every function the op table names, and the few built on other ops."""
    out: dict[str, Callable] = {}
    for op in REGISTRY.values():
        for name in op.functions:
            out.setdefault(name, _defined(op, name))
    for module, names in _OTHER_FUNCTIONS.items():
        for name in names:
            out[name] = getattr(module, name)
    for name in TOP_LEVEL_INPLACE:
        out[name] = _top_level_inplace(name)
    return out


def _top_level_inplace(name: str) -> Callable:
    """``torch.<name>(input, ...)``: ``input.<name>(...)`` (no ``out=``, as in PyTorch)."""
    def function(input, *args, out=None, **kwargs):
        from ..tensor import Tensor
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``input.{name}(...)``: the result written into ``input``."
    return function


def _methods() -> tuple[dict[str, Callable], list[str]]:
    """Tensor methods named by the schema, and the names that get an in-place version."""
    methods: dict[str, Callable] = {}
    inplace: list[str] = []
    for op in REGISTRY.values():
        for name in op.methods:
            methods.setdefault(name, _defined(op, name))
        inplace.extend(op.inplace)
    inplace.extend(_OTHER_INPLACE)
    for module, names in _OTHER_FUNCTIONS.items():
        for name in names:
            if name in _OTHER_METHODS:
                methods[name] = getattr(module, name)
    return methods, inplace


def install_methods(Tensor) -> None:
    """Attach operators and methods (``x + y``, ``x.sum()``, ``x.add_(y)``, ...) to Tensor."""
    E, S, L, I = elementwise, shape, linalg, indexing
    from ..creation import as_tensor

    def rsub(self, other):
        return E.rsub(self, other)

    def rtruediv(self, other):
        return E.mul(E.reciprocal(self), other)

    def rpow(self, other):
        return E.pow(other, self)

    def rmatmul(self, other):
        return L.matmul(as_tensor(other), self)

    def rfloordiv(self, other):
        return E.floor_divide(as_tensor(other, dtype=None), self)

    def rmod(self, other):
        return E.remainder(as_tensor(other), self)

    methods, inplace = _methods()
    methods.update({
        "__add__": E.add, "__radd__": E.reflected_add, "__sub__": E.sub, "__rsub__": rsub,
        "__mul__": E.mul, "__rmul__": E.reflected_mul, "__truediv__": E.div, "__rtruediv__": rtruediv,
        "__pow__": E.pow, "__rpow__": rpow, "__matmul__": L.matmul, "__rmatmul__": rmatmul,
        "__neg__": E.neg, "__pos__": lambda self: self, "__abs__": E.abs,
        "__floordiv__": E.floor_divide, "__rfloordiv__": rfloordiv, "__mod__": E.remainder, "__rmod__": rmod,
        "__eq__": E.eq, "__ne__": E.ne, "__lt__": E.lt, "__le__": E.le, "__gt__": E.gt, "__ge__": E.ge,
        "__and__": lambda a, b: E.logical_and(a, b) if a.dtype.name == "bool" else E.bitwise_and(a, b),
        "__or__": lambda a, b: E.logical_or(a, b) if a.dtype.name == "bool" else E.bitwise_or(a, b),
        "__xor__": lambda a, b: E.logical_xor(a, b) if a.dtype.name == "bool" else E.bitwise_xor(a, b),
        "__invert__": E.bitwise_not,
        "__getitem__": I.getitem, "__setitem__": I.setitem,
        "where": lambda self, condition, other: E.where(condition, self, other),
        "view_as": lambda self, other: S.view(self, *other.shape),
        "reshape_as": lambda self, other: S.reshape(self, *other.shape),
    })
    # Python operators give way (NotImplemented) to operands that are not tensors, numbers or
    # arrays, so `x + "a"` raises Python's own TypeError, `x == None` is False, as in PyTorch.
    import numbers

    import numpy as np
    operand_types = (Tensor, numbers.Number, np.generic, np.ndarray)

    def _operator(fn):
        def method(self, other):
            if not isinstance(other, operand_types):
                return NotImplemented
            return fn(self, other)
        method.__name__ = getattr(fn, "__name__", "operator")
        method.__doc__ = fn.__doc__
        return method

    binary_operators = ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
                        "__rtruediv__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__", "__floordiv__",
                        "__rfloordiv__", "__mod__", "__rmod__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__",
                        "__ge__", "__and__", "__or__", "__xor__")
    for name, fn in methods.items():
        setattr(Tensor, name, _operator(fn) if name in binary_operators else fn)

    import operator

    from .registry import operator_method

    def _arithmetic(op, kernel, fn, params=None):
        """A binary operator run by ``operator_method`` for the operands of a chain of ops; anything
        else goes through ``fn`` as above (same result, more checks)."""
        def fallback(self, other):
            if isinstance(other, Tensor) or other.__class__ is float or other.__class__ is int:
                return apply(op, (self, other), params)
            if not isinstance(other, operand_types):
                return NotImplemented
            return fn(self, other)
        method = operator_method(op, kernel, params, fallback)
        method.__name__ = fn.__name__
        method.__doc__ = fn.__doc__
        return method

    for name, op, kernel, params in (("__add__", E.ADD, operator.add, None),
                                     ("__radd__", E.ADD, operator.add, E._REFLECTED),
                                     ("__sub__", E.SUB, operator.sub, None),
                                     ("__mul__", E.MUL, operator.mul, None),
                                     ("__rmul__", E.MUL, operator.mul, E._REFLECTED),
                                     ("__truediv__", E.DIV, operator.truediv, None)):
        setattr(Tensor, name, _arithmetic(op, kernel, methods[name], params))

    Tensor.T = property(lambda self: S.permute(self, *reversed(range(self.ndim))) if self.ndim >= 2 else self)
    Tensor.mT = property(lambda self: _matrix_transpose(self, "mT"))
    Tensor.mH = property(lambda self: _matrix_transpose(self, "mH"))   # real tensors: mH is mT

    import numpy as np

    from .registry import apply_inplace, inplace_ufunc, warn_if_overlap, write_inplace

    ufuncs = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}

    def _inplace(fn, name):
        ufunc = ufuncs.get(name)

        def method(self, *args, **kwargs):
            if ufunc is not None:
                done = inplace_ufunc(self, ufunc, args, kwargs)  # None when it must be recorded
                if done is not None:
                    return done
            if name == "masked_fill":  # PyTorch writes it into shared memory too, with a warning
                warn_if_overlap(self, "masked_fill_", "tensor[mask] = scalar")
                return write_inplace(self, fn, *args, **kwargs)
            return apply_inplace(self, fn, *args, **kwargs)
        method.__name__ = fn.__name__ + "_"
        method.__doc__ = f"In-place {fn.__name__}: writes the result into this tensor."
        return method

    for name in inplace:
        setattr(Tensor, name + "_", _inplace(methods[name], name))
    for name, fn in inplace_view.METHODS.items():
        setattr(Tensor, name, fn)
    pointwise.install_inplace_comparisons(Tensor)
    Tensor.__iadd__ = _operator(Tensor.add_)
    Tensor.__isub__ = _operator(Tensor.sub_)
    Tensor.__imul__ = _operator(Tensor.mul_)
    Tensor.__itruediv__ = _operator(Tensor.div_)


def _matrix_transpose(tensor, name: str):
    """``tensor.mT``: the last two dims swapped; PyTorch refuses a 1-D tensor and leaves a 0-d one."""
    from . import shape as S
    if tensor.ndim == 1:
        raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return tensor if tensor.ndim == 0 else S.transpose(tensor, -2, -1)
