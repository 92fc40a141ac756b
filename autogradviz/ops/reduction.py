"""Reductions: sum, mean, prod, var, std, norm, max/min (three forms), argmax, all/any."""
from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from .. import _dtype as D
from .. import _summation as sums
from ..tensor import Tensor
from .common import accept_numpy_names, wrap_dim, wrap_dims
from .registry import OpDef, apply


def _regrow(xp, g, c):
    """Broadcast a reduced gradient back over the reduced dims (the shape of the input)."""
    dims = c.params.get("dim")
    if dims is not None and not c.params.get("keepdim"):
        g = xp.unsqueeze_dims(g, dims)
    return xp.expand(g, c.shape)


def _int_to_long(d):
    return d if d.is_floating_point else D.int64


def _backward_name(base0, base1):
    return lambda ndims, p: base1 if p.get("dim") is not None else base0


SUM = OpDef("sum", _backward_name("SumBackward0", "SumBackward1"),
            inputs=("input",), expression="sum({input}{, dim={dim}})",
            rules=("∂{out}/∂{input}ᵢ = 1",),
            sends=("{grad} copied to every element of {input}",),
            functions=("sum",), methods=("sum",),
            forward=lambda a, dim=None, keepdim=False: sums.sum(a, dim, keepdim),
            vjps=(_regrow,), dtype="same")   # integer input: int64 out, given by sum() (apply's fast path stays open)

MEAN = OpDef("mean", _backward_name("MeanBackward0", "MeanBackward1"),
             inputs=("input",), expression="mean({input}{, dim={dim}})",
             rules=("∂{out}/∂{input}ᵢ = 1/{n}",),
             sends=("{grad}/{n} copied to every element of {input}",),
             functions=("mean",), methods=("mean",),
             forward=lambda a, dim=None, keepdim=False, n=1: sums.mean(a, dim, keepdim),
             vjps=(lambda xp, g, c: _regrow(xp, g, c) / c.n,),
             dtype="same")


def _prod_grad(xp, g, c):
    """Π_{j≠i} aⱼ for each i, exact where elements are 0 (and differentiable: second derivatives
    are right with up to two zeros in a slice)."""
    a, out = c.a, c.out
    dims = c.params.get("dim")
    g = _regrow(xp, g, c)
    out_full = _regrow(xp, out, c)
    nonzero = a != 0
    safe = xp.where(nonzero, a, a * 0 + 1)
    zeros = xp.sum(1 - nonzero * 1, dim=dims, keepdim=True)     # how many zeros in each slice
    prod_nonzero = xp.prod(safe, dims)                          # product of the non-zero elements
    # At a zero element, the product of the others is prod_nonzero times the product of the
    # *other* zeros: 1 when it is the only zero; with two zeros, the other one, written as
    # (sum of the slice's zeros) − a so that its derivative is right; 0 with more.
    zero_sum = xp.sum(xp.where(nonzero, a * 0, a), dim=dims, keepdim=True)
    other_zeros = xp.where(zeros == 1, a * 0 + 1, xp.where(zeros == 2, xp.expand(zero_sum, c.shape) - a, a * 0))
    at_zero = xp.expand(prod_nonzero, c.shape) * other_zeros
    return g * xp.where(nonzero, out_full / safe, at_zero)


PROD = OpDef("prod", _backward_name("ProdBackward0", "ProdBackward1"),
             inputs=("input",), expression="prod({input}{, dim={dim}})",
             rules=("∂{out}/∂{input}ᵢ = product of the other elements",),
             sends=("{grad} × the product of the other elements",),
             functions=("prod",), methods=("prod",),
             forward=lambda a, dim=None, keepdim=False, out_shape=None: sums.prod(a, dim, keepdim),
             vjps=(_prod_grad,), saves=(0,), save_out=True,
             dtype="same", output=_int_to_long)


def _var_grad(xp, g, c):
    a = c.a
    dims = c.params.get("dim")
    mean = xp.sum(a, dim=dims, keepdim=True) / c.params["n"]
    return _regrow(xp, g, c) * (2 * (a - mean) / (c.params["n"] - c.params["correction"]))


VAR = OpDef("var", "VarBackward0",
            inputs=("input",), expression="var({input}{, dim={dim}})",
            rules=("∂{out}/∂{input}ᵢ = 2 × ({input}ᵢ − mean)/({n} − {correction})",),
            sends=("{grad} × 2 × ({input} − mean)/({n} − {correction})",),
            functions=("var",), methods=("var",),
            forward=lambda a, dim=None, keepdim=False, correction=1, n=1: sums.var(a, dim, correction, keepdim),
            vjps=(_var_grad,), saves=(0,), dtype="same")


def _std_grad(xp, g, c):
    a = c.a
    dims = c.params.get("dim")
    mean = xp.sum(a, dim=dims, keepdim=True) / c.params["n"]
    out = _regrow(xp, c.out, c)
    # 0 where the std is 0 (all elements equal), as PyTorch, instead of 0/0
    safe = xp.where(out == 0, out * 0 + 1, out)
    return _regrow(xp, g, c) * xp.where(out == 0, out * 0, (a - mean) / ((c.params["n"] - c.params["correction"]) * safe))


STD = OpDef("std", "StdBackward0",
            inputs=("input",), expression="std({input}{, dim={dim}})",
            rules=("∂{out}/∂{input}ᵢ = ({input}ᵢ − mean)/(({n} − {correction}) × std)",),
            sends=("{grad} × ({input} − mean)/(({n} − {correction}) × std)",),
            functions=("std",), methods=("std",),
            forward=lambda a, dim=None, keepdim=False, correction=1, n=1: sums.std(a, dim, correction, keepdim),
            vjps=(_std_grad,), saves=(0,),
            save_out=True, dtype="same")


def _norm_forward(a, p=2, dim=None, keepdim=False):
    x = np.abs(a)
    if p == 2:
        return np.sqrt(sums.total(x * x, dim, keepdim)).astype(a.dtype)
    if p == 1:
        return sums.sum(x, dim, keepdim)
    if p == math.inf:
        return np.max(x, axis=dim, keepdims=keepdim)
    if p == -math.inf:
        return np.min(x, axis=dim, keepdims=keepdim)
    if p == 0:
        return np.sum(x != 0, axis=dim, keepdims=keepdim).astype(a.dtype)
    return (sums.total(x ** p, dim, keepdim) ** (1.0 / p)).astype(a.dtype)


def _norm_grad(xp, g, c):
    a, p = c.a, c.params.get("p", 2)
    out = _regrow(xp, c.out, c)
    g = _regrow(xp, g, c)
    if p == 2:
        return g * xp.where(out == 0, out * 0, a / xp.where(out == 0, out * 0 + 1, out))
    if p == 1:
        return g * xp.sign(a)
    if p == 0:
        return g * 0
    if p == math.inf or p == -math.inf:
        hit = xp.abs(a) == out
        count = xp.expand(xp.sum(hit * 1.0, dim=c.params.get("dim"), keepdim=True), c.shape)
        return g * xp.sign(a) * hit / count
    safe = xp.where(out == 0, out * 0 + 1, out)
    return g * xp.where(out == 0, out * 0, xp.sign(a) * xp.abs(a) ** (p - 1) / safe ** (p - 1))


NORM = OpDef("norm", "LinalgVectorNormBackward0",
             inputs=("input",), expression="norm({input}{, p={p}}{, dim={dim}})",
             rules=("∂{out}/∂{input}ᵢ = sign({input}ᵢ) × abs({input}ᵢ) ^ ({p} − 1)/{out} ^ ({p} − 1)",),
             sends=("{grad} × sign({input}) × abs({input}) ^ ({p} − 1)/{out} ^ ({p} − 1)",),
             functions=("norm",), methods=("norm",),
             forward=_norm_forward, vjps=(_norm_grad,),
             saves=(0,), save_out=True, dtype="same")


def _extreme_all_grad(xp, g, c):
    hit = c.a == c.out
    return g * hit / xp.sum(hit * 1.0)


def _amax_grad(xp, g, c):
    """The gradient goes to the extreme elements of each slice, shared evenly between ties."""
    hit = c.a == _regrow(xp, c.out, c)
    count = xp.expand(xp.sum(hit * 1.0, dim=c.params.get("dim"), keepdim=True), c.shape)
    return _regrow(xp, g, c) * hit / count


AMAX = OpDef("amax", "AmaxBackward0",
             inputs=("input",), expression="amax({input}{, dim={dim}})",
             rules=("∂{out}/∂{input}ᵢ = 1 at the maximum, shared between ties",),
             sends=("{grad} shared between the maximums",),
             functions=("amax",), methods=("amax",), forward=lambda a, dim=None, keepdim=False: np.max(a, axis=dim, keepdims=keepdim),
             vjps=(_amax_grad,), saves=(0,),
             save_out=True, dtype="same")
AMIN = OpDef("amin", "AminBackward0",
             inputs=("input",), expression="amin({input}{, dim={dim}})",
             rules=("∂{out}/∂{input}ᵢ = 1 at the minimum, shared between ties",),
             sends=("{grad} shared between the minimums",),
             functions=("amin",), methods=("amin",), forward=lambda a, dim=None, keepdim=False: np.min(a, axis=dim, keepdims=keepdim),
             vjps=(_amax_grad,), saves=(0,),
             save_out=True, dtype="same")


MAX_ALL = OpDef("max_all", "MaxBackward1",
                inputs=("input",), expression="max({input})",
                rules=("∂{out}/∂{input}ᵢ = 1 at the maximum, shared between ties",),
                sends=("{grad} shared between the maximums",),
                functions=("max",), methods=("max",), forward=np.max, vjps=(_extreme_all_grad,),
                saves=(0,), save_out=True, dtype="same")
MIN_ALL = OpDef("min_all", "MinBackward1",
                inputs=("input",), expression="min({input})",
                rules=("∂{out}/∂{input}ᵢ = 1 at the minimum, shared between ties",),
                sends=("{grad} shared between the minimums",),
                functions=("min",), methods=("min",), forward=np.min, vjps=(_extreme_all_grad,),
                saves=(0,), save_out=True, dtype="same")


def _extreme_dim_forward(arg):
    def forward(a, dim, keepdim=False):
        dim = dim[0]
        idx = arg(a, axis=dim, keepdims=True)
        values = np.take_along_axis(a, idx, axis=dim)
        if not keepdim:
            values, idx = np.squeeze(values, axis=dim), np.squeeze(idx, axis=dim)
        return values, idx
    return forward


def _extreme_dim_grad(xp, g, c):
    dim = c.params["dim"][0]
    idx = c.aux if c.params.get("keepdim") else np.expand_dims(c.aux, dim)
    n = c.shape[dim]
    shape = [1] * len(c.shape)
    shape[dim] = n
    onehot = np.arange(n).reshape(shape) == idx
    return _regrow(xp, g, c) * onehot


MAX_DIM = OpDef("max_dim", "MaxBackward0",
                inputs=("input",), expression="max({input}, dim={dim})",
                rules=("∂{out}/∂{input}ᵢ = 1 at the argmax, else 0",),
                sends=("{grad} at the argmax, 0 elsewhere",), forward=_extreme_dim_forward(np.argmax),
                vjps=(_extreme_dim_grad,), dtype="same", aux=True)
MIN_DIM = OpDef("min_dim", "MinBackward0",
                inputs=("input",), expression="min({input}, dim={dim})",
                rules=("∂{out}/∂{input}ᵢ = 1 at the argmin, else 0",),
                sends=("{grad} at the argmin, 0 elsewhere",), forward=_extreme_dim_forward(np.argmin),
                vjps=(_extreme_dim_grad,), dtype="same", aux=True)

LOGSUMEXP = OpDef("logsumexp", "LogsumexpBackward0",
                  inputs=("input",), expression="logsumexp({input}, dim={dim})",
                  rules=("∂{out}/∂{input}ᵢ = softmax({input})ᵢ",),
                  sends=("{grad} × softmax({input})",),
                  functions=("logsumexp",), methods=("logsumexp",),
                  forward=lambda a, dim=None, keepdim=False: _logsumexp(a, dim, keepdim),
                  vjps=(lambda xp, g, c: _regrow(xp, g, c) * xp.exp(c.a - _regrow(xp, c.out, c)),),
                  saves=(0,), save_out=True, dtype="float")


def _logsumexp(a, dim, keepdim):
    m = np.max(a, axis=dim, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = (np.log(sums.total(np.exp(a - m), dim, keepdims=True)) + m).astype(a.dtype)
    return out if keepdim else np.squeeze(out, axis=dim)


# ---------------------------------------------------------------------------------------------
def _reduce_dims(input, dim):
    """Checked, sorted dims to reduce; None for dim=None. An empty dim list means every dim, as in
    PyTorch (sum(dim=()) is a full sum, named SumBackward1)."""
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        return tuple(range(input.ndim))  # PyTorch: dim=() reduces everything (SumBackward1)
    return wrap_dims(dim, input.ndim)


def _require_tensor(input, name: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _count(input, dims) -> int:
    return int(np.prod([input.shape[d] for d in dims])) if dims is not None else input.numel()


def _reduce(op, input, dim, keepdim, extra=None, out_dtype=None):
    if dim is None and not keepdim and not extra:   # x.sum(): the common case, nothing to work out
        return apply(op, (input,), None, out_dtype)
    dims = _reduce_dims(input, dim)
    params = {"dim": dims, "keepdim": bool(keepdim)} if dims is not None else {}
    if dims is None and keepdim:
        params = {"dim": tuple(range(input.ndim)), "keepdim": True}
    if extra:
        params.update(extra)
    return apply(op, (input,), params, out_dtype)


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum of all elements, or along ``dim`` (an int or a tuple)."""
    if not isinstance(input, Tensor):
        _require_tensor(input, "sum")
    if dtype is not None:
        input = input.to(dtype)
    d = input._dtype
    return _reduce(SUM, input, dim, keepdim, None, None if d.is_floating_point else _int_to_long(d))


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of all elements, or along ``dim``; floating tensors only, as in PyTorch."""
    _require_tensor(input, "mean")
    if dtype is not None:
        input = input.to(dtype)
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {input.dtype.scalar_name}")
    return _reduce(MEAN, input, dim, keepdim, {"n": _count(input, _reduce_dims(input, dim))})


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of all elements, or along one ``dim``."""
    _require_tensor(input, "prod")
    if dtype is not None:
        input = input.to(dtype)
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod(): argument 'dim' must be int, not tuple")
    return _reduce(PROD, input, dim, keepdim)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def _var_like(op, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # var(x, False): the old positional unbiased flag
        unbiased, dim = dim, None
    _require_tensor(input, op.name)
    if not input.dtype.is_floating_point:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    n = _count(input, _reduce_dims(input, dim))
    return _reduce(op, input, dim, keepdim, {"correction": _correction(unbiased, correction), "n": n})


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance (Bessel-corrected by default) of all elements or along ``dim``."""
    return _var_like(VAR, input, dim, unbiased, keepdim, correction)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation (Bessel-corrected by default) of all elements or along ``dim``."""
    return _var_like(STD, input, dim, unbiased, keepdim, correction)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm of all elements (default 2, also 'fro'), or along ``dim``."""
    _require_tensor(input, "norm")
    if p in ("fro", None):
        p = 2
    if p == "nuc" or isinstance(p, str):
        raise NotImplementedError(f"norm with p={p!r} is not supported; use p=1, 2, inf or a number")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {input.dtype.scalar_name}")
    return _reduce(NORM, input, dim, keepdim, {"p": p})


ReturnTypes = {}


def _return_type(name, fields=("values", "indices")):
    """PyTorch's torch.return_types.<name>: a named tuple (values, indices), or of ``fields``."""
    if name not in ReturnTypes:
        base = namedtuple(name, fields)

        def __repr__(self):
            shown = ",\n".join(f"{field}={value!r}" for field, value in zip(fields, self))
            return f"torch.return_types.{name}(\n{shown})"
        ReturnTypes[name] = type(name, (base,), {"__repr__": __repr__, "__slots__": ()})
    return ReturnTypes[name]


def _extreme(all_op, dim_op, elementwise, name, input, dim=None, keepdim=False):
    from ..tensor import Tensor, _make
    _require_tensor(input, name)
    if isinstance(dim, Tensor):
        return elementwise(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
        return apply(all_op, (input,))
    d = wrap_dim(dim, input.ndim)
    values, idx = apply(dim_op, (input,), {"dim": (d,), "keepdim": bool(keepdim)})
    return _return_type(name)(values, _make(np.asarray(idx, dtype=np.int64), D.int64))


def max(input, dim=None, keepdim=False):
    """The maximum: of all elements; along ``dim`` as (values, indices); or elementwise with a tensor."""
    from .elementwise import maximum
    return _extreme(MAX_ALL, MAX_DIM, maximum, "max", input, dim, keepdim)


def min(input, dim=None, keepdim=False):
    """The minimum: of all elements; along ``dim`` as (values, indices); or elementwise with a tensor."""
    from .elementwise import minimum
    return _extreme(MIN_ALL, MIN_DIM, minimum, "min", input, dim, keepdim)


def amax(input, dim=(), keepdim=False):
    """The maximum over ``dim`` (all dims by default); ties share the gradient."""
    return _amax_like(AMAX, "amax", input, dim, keepdim)


def amin(input, dim=(), keepdim=False):
    """The minimum over ``dim`` (all dims by default); ties share the gradient."""
    return _amax_like(AMIN, "amin", input, dim, keepdim)


def _amax_like(op, name, input, dim, keepdim):
    dims = wrap_dims(() if dim is None else dim, input.ndim)
    if not dims:
        dims = tuple(range(input.ndim))
    for d in dims:
        if input.ndim and input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    if input.numel() == 0 and not dims:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
    return apply(op, (input,), {"dim": dims, "keepdim": bool(keepdim)})


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) along ``dim``, computed stably."""
    _require_tensor(input, "logsumexp")
    return _reduce(LOGSUMEXP, input, dim, keepdim)


def _arg(fn, input, dim, keepdim):
    from ..tensor import _make
    if dim is None:
        out = np.asarray(fn(input._data))
        if keepdim:
            out = out.reshape((1,) * input.ndim)
    else:
        out = fn(input._data, axis=wrap_dim(dim, input.ndim), keepdims=keepdim)
    return _make(np.asarray(out, dtype=np.int64), D.int64)


def argmax(input, dim=None, keepdim=False):
    """Index of the maximum (of the flattened tensor, or along ``dim``)."""
    return _arg(np.argmax, input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    """Index of the minimum (of the flattened tensor, or along ``dim``)."""
    return _arg(np.argmin, input, dim, keepdim)


def _logical_reduce(fn, input, dim, keepdim):
    from ..tensor import _make
    dims = wrap_dims(dim, input.ndim)
    return _make(np.asarray(fn(input._data, axis=dims, keepdims=keepdim)), D.bool_)


def all(input, dim=None, keepdim=False):
    """True where every element (along ``dim``) is non-zero."""
    return _logical_reduce(np.all, input, dim, keepdim)


def any(input, dim=None, keepdim=False):
    """True where some element (along ``dim``) is non-zero."""
    return _logical_reduce(np.any, input, dim, keepdim)


def count_nonzero(input, dim=None):
    from ..tensor import _make
    return _make(np.asarray(np.count_nonzero(input._data, axis=wrap_dims(dim, input.ndim)), dtype=np.int64), D.int64)


CUMSUM = OpDef("cumsum", "CumsumBackward0",
               inputs=("input",), expression="cumsum({input}, dim={dim})",
               rules=("∂{out}ⱼ/∂{input}ᵢ = 1 for i ≤ j",),
               sends=("reversed cumsum of {grad} along dim {dim}",),
               functions=("cumsum",), methods=("cumsum",), inplace=("cumsum",),
               forward=lambda a, dim: sums.cumsum(a, dim),
               vjps=(lambda xp, g, c: xp.flip(xp.cumsum(xp.flip(g, (c.dim,)), c.dim), (c.dim,)),),
               dtype="same", output=_int_to_long)


def cumsum(input, dim, *, dtype=None):
    """Running sum along ``dim``."""
    _require_tensor(input, "cumsum")
    if dtype is not None:
        input = input.to(dtype)
    return apply(CUMSUM, (input,), {"dim": wrap_dim(dim, input.ndim)})


# NumPy's axis=/keepdims= spellings, accepted like PyTorch accepts them.
accept_numpy_names(globals(), ['sum', 'mean', 'prod', 'var', 'std', 'norm', 'max', 'min', 'amax', 'amin', 'argmax', 'argmin', 'all', 'any', 'logsumexp', 'cumsum', 'count_nonzero'])
