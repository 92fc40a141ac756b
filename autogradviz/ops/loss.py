"""Loss functions that PyTorch records as one node each: mean squared error, negative log
likelihood (what ``cross_entropy`` ends in), binary cross entropy on probabilities and on logits.

Each loss is one ``OpDef``: the NumPy forward, the backward rule per input and its readable
formula side by side. The reduction ('none', 'mean', 'sum') is a parameter of the op; a rule sees
the incoming gradient ``g`` (a scalar after 'mean'/'sum', one value per element after 'none') and
spreads it over the elements with ``_per_element``. Targets that carry no gradient (class
indices, weights) are parameters, not inputs, so the node lists only differentiable inputs, as
PyTorch's does.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _summation as sums
from ..tensor import Size, Tensor
from .registry import OpDef, apply

REDUCTIONS = ("none", "mean", "sum")
LOG_FLOOR = -100.0   # PyTorch clamps log(p) and log(1 - p) at -100 in binary_cross_entropy
BCE_EPS = 1e-12      # ... and p·(1 − p) at 1e-12 in its gradient


def check_reduction(reduction: str) -> str:
    """PyTorch's ValueError for an unknown reduction."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: np.ndarray, reduction: str, n: float) -> np.ndarray:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return sums.sum(loss)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums.total(loss) / n).astype(loss.dtype)


def _per_element(g, c):
    """The incoming gradient as seen by each element: divided by the count after 'mean'."""
    return g / c.n if c.reduction == "mean" else g


def _weight(c):
    w = c.params.get("weight")
    return 1.0 if w is None else w


# ---------------------------------------------------------------------------------------------
# Mean squared error
# ---------------------------------------------------------------------------------------------
def _mse_grad(xp, g, c):
    return _per_element(g, c) * (2 * (c.a - c.b))


MSE_LOSS = OpDef(
    "mse_loss", "MseLossBackward0",
    inputs=("input", "target"), expression="mse_loss({input}, {target})",
    rules=("∂{out}/∂{input} = 2 × ({input} − {target}), ÷ n for 'mean'",
           "∂{out}/∂{target} = −2 × ({input} − {target}), ÷ n for 'mean'"),
    sends=("{grad} × 2 × ({input} − {target}), ÷ n for 'mean'",
           "−{grad} × 2 × ({input} − {target}), ÷ n for 'mean'"),
    forward=lambda a, b, reduction, n: _reduce((a - b) * (a - b), reduction, n),
    vjps=(_mse_grad, lambda xp, g, c: -_mse_grad(xp, g, c)),
    saves=(0, 1), description="mean squared error")


# ---------------------------------------------------------------------------------------------
# Negative log likelihood: loss_i = −w[y_i]·logp[i, y_i]; 'mean' divides by Σ w[y_i]
# ---------------------------------------------------------------------------------------------
def _nll_forward(logp, index, weight_t, reduction, n):
    picked = logp[index]
    loss = np.where(weight_t != 0, -picked * weight_t, 0).astype(logp.dtype, copy=False)
    return _reduce(loss, reduction, n)


def _nll_grad(xp, g, c):
    return xp.scatter_add(c.shape, c.index, _per_element(g, c) * (-c.weight_t), None)


def _nll_name(ndims, params) -> str:
    # PyTorch runs inputs with spatial dims (N, C, d1, ...) through its 2-D kernel.
    return "NllLoss2DBackward0" if ndims[0] >= 3 else "NllLossBackward0"


NLL_LOSS = OpDef(
    "nll_loss", _nll_name,
    inputs=("input",), expression="nll_loss({input}, target)",
    rules=("∂{out}/∂{input}[i, c] = −w[c]/W where c = target[i], else 0 (w: the class weights, 1 without "
           "weight=; W: Σ w[target] for reduction='mean', else 1)",),
    sends=("−{grad} × w[c]/W at each target class c = target[i], 0 elsewhere",),
    forward=_nll_forward, vjps=(_nll_grad,),
    dtype="same", description="negative log likelihood of the target classes")


# ---------------------------------------------------------------------------------------------
# Binary cross entropy on probabilities
# ---------------------------------------------------------------------------------------------
def _bce_forward(p, y, reduction, n, weight=None):
    if np.any((p < 0) | (p > 1)):
        raise RuntimeError("all elements of input should be between 0 and 1")
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), LOG_FLOOR)
        log_q = np.maximum(np.log1p(-p), LOG_FLOOR)
    loss = -(y * log_p + (1 - y) * log_q)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, n)


def _floor(xp, x, low):
    return xp.where(x > low, x, x * 0 + low)


def _bce_grad_p(xp, g, c):
    p, y = c.a, c.b
    return _per_element(g, c) * _weight(c) * (p - y) / _floor(xp, p * (1 - p), BCE_EPS)


def _bce_grad_y(xp, g, c):
    p = c.a
    return _per_element(g, c) * _weight(c) * (_floor(xp, xp.log(1 - p), LOG_FLOOR) - _floor(xp, xp.log(p), LOG_FLOOR))


BINARY_CROSS_ENTROPY = OpDef(
    "binary_cross_entropy", "BinaryCrossEntropyBackward0",
    inputs=("input", "target"), expression="binary_cross_entropy({input}, {target})",
    rules=("∂{out}/∂{input} = weight × ({input} − {target})/({input} × (1 − {input}))",
           "∂{out}/∂{target} = weight × (log(1 − {input}) − log({input}))"),
    forward=_bce_forward, vjps=(_bce_grad_p, _bce_grad_y),
    saves=(0, 1), dtype="float", description="binary cross entropy of probabilities")


# ---------------------------------------------------------------------------------------------
# Binary cross entropy on logits: w·[pw·y·softplus(−x) + (1 − y)·softplus(x)], never overflowing
# ---------------------------------------------------------------------------------------------
def _softplus_np(x):
    """log(1 + eˣ) without overflow or cancellation."""
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def _bcel_forward(x, y, reduction, n, weight=None, pos_weight=None):
    pos = _softplus_np(-x) * y          # −y·log σ(x)
    if pos_weight is not None:
        pos = pos * pos_weight
    loss = pos + (1 - y) * _softplus_np(x)   # − (1 − y)·log(1 − σ(x))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, n)


def _sigmoid(xp, x):
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _softplus(xp, x):
    return xp.log(1 + xp.exp(-xp.abs(x))) + xp.where(x > 0, x, x * 0)


def _bcel_grad_x(xp, g, c):
    # (1 − y)·σ(x) − pw·y·σ(−x): each term small where it should be, so no cancellation
    x, y = c.a, c.b
    pw = c.params.get("pos_weight")
    pos = y * _sigmoid(xp, -x)
    local = (1 - y) * _sigmoid(xp, x) - (pos if pw is None else pos * pw)
    return _per_element(g, c) * _weight(c) * local


def _bcel_grad_y(xp, g, c):
    x = c.a
    pw = c.params.get("pos_weight")
    pos = _softplus(xp, -x)
    local = (pos if pw is None else pos * pw) - _softplus(xp, x)
    return _per_element(g, c) * _weight(c) * local


BINARY_CROSS_ENTROPY_WITH_LOGITS = OpDef(
    "binary_cross_entropy_with_logits", "BinaryCrossEntropyWithLogitsBackward0",
    inputs=("input", "target"), expression="binary_cross_entropy_with_logits({input}, {target})",
    rules=("∂{out}/∂{input} = weight × ((1 − {target}) × sigmoid({input}) − pos_weight × {target} × sigmoid(−{input}))",
           "∂{out}/∂{target} = weight × (pos_weight × softplus(−{input}) − softplus({input}))"),
    forward=_bcel_forward, vjps=(_bcel_grad_x, _bcel_grad_y),
    saves=(0, 1), dtype="float", description="binary cross entropy of logits")


# ---------------------------------------------------------------------------------------------
# Public functions: argument checks in PyTorch's words, then one apply
# ---------------------------------------------------------------------------------------------
def _as_array(x, dtype) -> np.ndarray | None:
    """A weight given as a tensor, array or number, as a NumPy array of the loss's dtype."""
    if x is None:
        return None
    return np.asarray(getattr(x, "_data", x), dtype=dtype.np)


def _float_dtype(*tensors):
    from .. import _dtype as D
    d = D.result_type(*tensors)
    return d if d.is_floating_point else D.default_float()


def _require_tensor(x, fname: str, arg: str, position: int) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position {position}) must be Tensor, not {type(x).__name__}")


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input − target)²``, reduced by 'mean' (default), 'sum' or 'none'."""
    _require_tensor(input, "mse_loss", "input", 1)
    _require_tensor(target, "mse_loss", "target", 2)
    check_reduction(reduction)
    if input.shape != target.shape:
        warnings.warn(
            f"Using a target size ({target.shape!r}) that is different to the input size ({input.shape!r}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning, stacklevel=3)
    try:
        shape = np.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        from .registry import broadcast_error
        raise broadcast_error([input.shape, target.shape]) from None
    return apply(MSE_LOSS, (input, target), {"reduction": reduction, "n": int(np.prod(shape))})


def class_index_target(input: Tensor, target: Tensor, ignore_index: int) -> tuple:
    """Check class-index targets against ``input`` (N, C, d1, ...) or (C,), and return the
    NumPy index that picks ``input[n, target[n, ...], ...]`` plus the mask of counted targets."""
    _require_tensor(target, "nll_loss", "target", 2)
    if target.dtype.is_floating_point or target.dtype.name == "bool":
        names = {"float32": "Float", "float64": "Double", "float16": "Half", "bool": "Bool"}
        raise RuntimeError(
            f"expected scalar type Long but found {names[target.dtype.name]} (class-index targets must be an "
            f"integer tensor of shape {list(input.shape[:1]) + list(input.shape[2:]) if input.ndim >= 2 else []})")
    if input.ndim == 0:
        raise ValueError("Expected input to have at least 1 dimension (the classes), got a 0-dimensional tensor")
    t = target._data.astype(np.int64, copy=False)
    if input.ndim == 1:
        if target.ndim != 0:
            raise ValueError(f"Expected a 0-dimensional target for a 1-dimensional input (unbatched, {input.shape[0]} "
                             f"classes), got target of shape {list(target.shape)}")
        expected = ()
    else:
        if target.ndim == 0 or input.shape[0] != target.shape[0]:
            got = target.shape[0] if target.ndim else "none (a 0-dimensional target)"
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({got}).")
        expected = (input.shape[0],) + tuple(input.shape[2:])
        if tuple(target.shape) != expected:
            raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)} "
                               f"(input has shape {list(input.shape)}: the classes are dim 1)")
    n_classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    counted = t != ignore_index
    bad = counted & ((t < 0) | (t >= n_classes))
    if np.any(bad):
        first = int(t[bad].reshape(-1)[0])
        raise IndexError(f"Target {first} is out of bounds for {n_classes} classes "
                         f"(class indices go from 0 to {n_classes - 1}).")
    safe = np.where(counted, t, 0)
    if input.ndim == 1:
        return (safe,), counted
    grids = list(np.indices(safe.shape, sparse=True))
    index = (grids[0], safe) + tuple(grids[1:])
    return index, counted


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log likelihood of class indices ``target`` under log-probabilities ``input``."""
    _require_tensor(input, "nll_loss", "input", 1)
    check_reduction(reduction)
    index, counted = class_index_target(input, target, ignore_index)
    dtype = input.dtype
    if weight is not None:
        w = _as_array(weight, dtype)
        n_classes = input.shape[0] if input.ndim == 1 else input.shape[1]
        if w.shape != (n_classes,):
            raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no classes "
                               f"but got weight tensor of shape: {list(w.shape)}")
        weight_t = np.where(counted, w[index[0] if input.ndim == 1 else index[1]], 0).astype(dtype.np)
    else:
        weight_t = counted.astype(dtype.np)
    params = {"index": index, "weight_t": weight_t, "reduction": reduction, "n": float(np.sum(weight_t))}
    return apply(NLL_LOSS, (input,), params)


def _check_same_size(input: Tensor, target: Tensor, message: str) -> None:
    if input.shape != target.shape:
        raise ValueError(message.format(target=Size(target.shape), input=Size(input.shape)))


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """−w·(y·log p + (1 − y)·log(1 − p)) for probabilities ``input`` in [0, 1]."""
    _require_tensor(input, "binary_cross_entropy", "input", 1)
    _require_tensor(target, "binary_cross_entropy", "target", 2)
    check_reduction(reduction)
    _check_same_size(input, target, "Using a target size ({target!r}) that is different to the input size "
                                    "({input!r}) is deprecated. Please ensure they have the same size.")
    params = {"reduction": reduction, "n": input.numel()}
    if weight is not None:
        params["weight"] = np.broadcast_to(_as_array(weight, _float_dtype(input, target)), input.shape)
    return apply(BINARY_CROSS_ENTROPY, (input, target), params)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross entropy of ``sigmoid(input)``, computed from the logits without overflow."""
    _require_tensor(input, "binary_cross_entropy_with_logits", "input", 1)
    _require_tensor(target, "binary_cross_entropy_with_logits", "target", 2)
    check_reduction(reduction)
    _check_same_size(input, target, "Target size ({target!r}) must be the same as input size ({input!r})")
    dtype = _float_dtype(input, target)
    params = {"reduction": reduction, "n": input.numel()}
    for name, value in (("weight", weight), ("pos_weight", pos_weight)):
        if value is None:
            continue
        arr = _as_array(value, dtype)
        try:
            params[name] = np.broadcast_to(arr, input.shape)
        except ValueError:
            raise RuntimeError(f"binary_cross_entropy_with_logits: {name} of shape {list(arr.shape)} does not "
                               f"broadcast to the input's shape {list(input.shape)}") from None
    return apply(BINARY_CROSS_ENTROPY_WITH_LOGITS, (input, target), params)
