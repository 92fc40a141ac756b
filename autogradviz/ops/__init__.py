"""The op table and the functions built on it; also gives Tensor its operator methods."""
from __future__ import annotations

import warnings

from . import activation, elementwise, indexing, linalg, reduction, shape
from .registry import REGISTRY, OpDef, apply

__all__ = ["REGISTRY", "OpDef", "apply", "install_methods"]

# PyTorch returns inf and nan silently (log(0), 1/0, sqrt(-1)); NumPy warns. Silence NumPy's
# floating-point warnings where our ops and rules compute, and nowhere else: no cost per call.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"autogradviz\.(ops|autograd)(\.|$)")


def install_methods(Tensor) -> None:
    """Attach operators and methods (``x + y``, ``x.sum()``, ``x.add_(y)``, ...) to Tensor."""
    E, R, S, L, I, A = elementwise, reduction, shape, linalg, indexing, activation
    from ..creation import as_tensor

    def radd(self, other):
        return E.add(self, other)

    def rmul(self, other):
        return E.mul(self, other)

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

    methods = {
        "__add__": E.add, "__radd__": radd, "__sub__": E.sub, "__rsub__": rsub,
        "__mul__": E.mul, "__rmul__": rmul, "__truediv__": E.div, "__rtruediv__": rtruediv,
        "__pow__": E.pow, "__rpow__": rpow, "__matmul__": L.matmul, "__rmatmul__": rmatmul,
        "__neg__": E.neg, "__pos__": lambda self: self, "__abs__": E.abs,
        "__floordiv__": E.floor_divide, "__rfloordiv__": rfloordiv, "__mod__": E.remainder, "__rmod__": rmod,
        "__eq__": E.eq, "__ne__": E.ne, "__lt__": E.lt, "__le__": E.le, "__gt__": E.gt, "__ge__": E.ge,
        "__and__": lambda a, b: E.logical_and(a, b) if a.dtype.name == "bool" else E.bitwise_and(a, b),
        "__or__": lambda a, b: E.logical_or(a, b) if a.dtype.name == "bool" else E.bitwise_or(a, b),
        "__xor__": lambda a, b: E.logical_xor(a, b) if a.dtype.name == "bool" else E.bitwise_xor(a, b),
        "__invert__": E.bitwise_not,
        "__getitem__": I.getitem, "__setitem__": I.setitem,
        "add": E.add, "sub": E.sub, "subtract": E.sub, "mul": E.mul, "multiply": E.mul, "div": E.div,
        "divide": E.div, "true_divide": E.div, "neg": E.neg, "negative": E.neg, "pow": E.pow,
        "square": E.square, "reciprocal": E.reciprocal, "exp": E.exp, "log": E.log, "log1p": E.log1p,
        "expm1": E.expm1, "log2": E.log2, "log10": E.log10, "sin": E.sin, "cos": E.cos, "tan": E.tan,
        "tanh": E.tanh, "sigmoid": E.sigmoid, "relu": E.relu, "sqrt": E.sqrt, "rsqrt": E.rsqrt,
        "abs": E.abs, "absolute": E.abs, "sign": E.sign, "floor": E.floor, "ceil": E.ceil, "round": E.round,
        "clamp": E.clamp, "clip": E.clamp, "clamp_min": E.clamp_min, "clamp_max": E.clamp_max,
        "maximum": E.maximum, "minimum": E.minimum, "clone": E.clone,
        "eq": E.eq, "ne": E.ne, "lt": E.lt, "le": E.le, "gt": E.gt, "ge": E.ge,
        "greater": E.gt, "less": E.lt, "logical_not": E.logical_not, "logical_and": E.logical_and,
        "logical_or": E.logical_or, "isnan": E.isnan, "isinf": E.isinf, "isfinite": E.isfinite,
        "allclose": E.allclose, "isclose": E.isclose, "equal": E.equal, "remainder": E.remainder,
        "where": lambda self, condition, other: E.where(condition, self, other),
        "sum": R.sum, "mean": R.mean, "prod": R.prod, "var": R.var, "std": R.std, "norm": R.norm,
        "max": R.max, "min": R.min, "amax": R.amax, "amin": R.amin, "argmax": R.argmax, "argmin": R.argmin,
        "all": R.all, "any": R.any, "logsumexp": R.logsumexp, "cumsum": R.cumsum,
        "count_nonzero": R.count_nonzero,
        "view": S.view, "reshape": S.reshape, "flatten": S.flatten, "squeeze": S.squeeze,
        "unsqueeze": S.unsqueeze, "transpose": S.transpose, "swapaxes": S.transpose, "t": S.t,
        "permute": S.permute, "expand": S.expand, "expand_as": S.expand_as, "flip": S.flip,
        "split": S.split, "chunk": S.chunk, "unbind": S.unbind, "movedim": S.movedim,
        "view_as": lambda self, other: S.view(self, *other.shape),
        "reshape_as": lambda self, other: S.reshape(self, *other.shape),
        "matmul": L.matmul, "mm": L.mm, "mv": L.mv, "dot": L.dot, "outer": L.outer,
        "softmax": A.softmax, "log_softmax": A.log_softmax,
        "masked_fill": I.masked_fill, "gather": I.gather, "index_select": I.index_select,
    }
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

    Tensor.T = property(lambda self: S.permute(self, *reversed(range(self.ndim))) if self.ndim >= 2 else self)
    Tensor.mT = property(lambda self: S.transpose(self, -2, -1))

    import numpy as np

    from .registry import apply_inplace, inplace_ufunc

    ufuncs = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}

    def _inplace(fn, name):
        ufunc = ufuncs.get(name)

        def method(self, *args, **kwargs):
            if ufunc is not None:
                done = inplace_ufunc(self, ufunc, args, kwargs)  # None when it must be recorded
                if done is not None:
                    return done
            return apply_inplace(self, fn, *args, **kwargs)
        method.__name__ = fn.__name__ + "_"
        method.__doc__ = f"In-place {fn.__name__}: writes the result into this tensor."
        return method

    for name in ("add", "sub", "mul", "div", "pow", "exp", "log", "sin", "cos", "tanh", "sigmoid",
                 "relu", "sqrt", "abs", "neg", "clamp", "sign", "floor", "ceil", "round", "reciprocal",
                 "masked_fill", "clamp_min", "clamp_max", "square"):
        setattr(Tensor, name + "_", _inplace(methods[name], name))
    Tensor.__iadd__ = _operator(Tensor.add_)
    Tensor.__isub__ = _operator(Tensor.sub_)
    Tensor.__imul__ = _operator(Tensor.mul_)
    Tensor.__itruediv__ = _operator(Tensor.div_)
