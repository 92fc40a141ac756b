"""``torch.nn.functional``: activations, losses, linear and dropout, built on the engine's ops.

Every function records ordinary nodes, named as PyTorch names them: ``linear`` on a matrix is
one ``AddmmBackward0``; ``cross_entropy`` is ``LogSoftmaxBackward0`` then ``NllLossBackward0``;
``mse_loss`` and the binary cross entropies are one node each (see ``autogradviz.ops.loss``).
Where PyTorch composes a loss from smaller ops (``l1_loss``, cross entropy with class
probabilities or label smoothing), so does this module, with the same nodes.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._inplace_random import bernoulli_
from ..ops import adaptive_pool as _adaptive_pool
from ..ops import conv as _conv
from ..ops import nonlinear as _nonlinear
from ..ops import normalization as _normalization
from ..ops import robust_loss as _robust_loss
from ..ops.activation import implicit_dim as _implicit_dim
from ..ops.activation import log_softmax as _log_softmax
from ..ops.activation import softmax as _softmax
from ..ops.common import fmt_shape
from ..ops.elementwise import relu as _relu
from ..ops.elementwise import sigmoid as _sigmoid
from ..ops.elementwise import tanh as _tanh
from ..ops.elementwise import where as _where
from ..ops.linalg import addmm, matmul
from ..ops.loss import binary_cross_entropy as _bce
from ..ops.loss import binary_cross_entropy_with_logits as _bce_logits
from ..ops.loss import check_reduction, class_index_target
from ..ops.loss import mse_loss as _mse
from ..ops.loss import nll_loss as _nll
from ..ops.registry import apply_inplace as _apply_inplace
from ..tensor import Tensor, _make

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "cosine_similarity",
    "cross_entropy",
    "dropout",
    "elu",
    "elu_",
    "embedding",
    "gelu",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "leaky_relu_",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "relu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "tanh",
]

_DTYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int"}


# --- activations ------------------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(input, 0) elementwise (``inplace=True`` overwrites ``input``)."""
    return input.relu_() if inplace else _relu(input)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(−input)) elementwise."""
    return _sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent elementwise."""
    return _tanh(input)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: D.dtype | None = None) -> Tensor:
    """exp(x) / Σ exp(x) along ``dim`` (left out: PyTorch's deprecated implicit choice, with its warning)."""
    if dim is None:
        dim = _implicit_dim(input, "softmax", _stacklevel)
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: D.dtype | None = None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed stably."""
    if dim is None:
        dim = _implicit_dim(input, "log_softmax", _stacklevel)
    return _log_softmax(input, dim, dtype=dtype)


def _maybe_inplace(input: Tensor, inplace: bool, fn, *args) -> Tensor:
    return _apply_inplace(input, fn, *args) if inplace else fn(input, *args)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x), Φ the standard normal CDF; ``approximate="tanh"`` uses the tanh approximation."""
    return _nonlinear.gelu(input, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x·sigmoid(x) elementwise."""
    return _maybe_inplace(input, inplace, _nonlinear.silu)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope·x (``inplace=True``: ``leaky_relu_``)."""
    return _nonlinear.leaky_relu_(input, negative_slope) if inplace else _nonlinear.leaky_relu(input, negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``leaky_relu`` written into ``input``."""
    return _nonlinear.leaky_relu_(input, negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else alpha·(exp(x) − 1) (``inplace=True``: ``elu_``)."""
    return _nonlinear.elu_(input, alpha) if inplace else _nonlinear.elu(input, alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``elu`` written into ``input``."""
    return _nonlinear.elu_(input, alpha)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta·x)) / beta, and x where beta·x > threshold."""
    return _nonlinear.softplus(input, beta, threshold)


# --- lookups and normalisation -----------------------------------------------------------------
def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """The rows of ``weight`` at the indices in ``input``."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding(): max_norm, scale_grad_by_freq and sparse are not supported by "
                                  "autogradviz")
    return _normalization.embedding(input, weight, padding_idx)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the last dims to mean 0 and variance 1, then scale and shift."""
    return _normalization.layer_norm(input, normalized_shape, weight, bias, eps)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel with the batch's statistics (training) or the running ones."""
    return _normalization.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


# --- convolution, pooling, padding ---------------------------------------------------------------
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-D cross-correlation of (N, C, H, W) input with (O, C/groups, kh, kw) kernels, plus bias."""
    return _conv.conv2d(input, weight, bias, stride, padding, dilation, groups)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """The maximum of each window (and where it was, with ``return_indices``)."""
    return _conv.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """The mean of each window."""
    return _conv.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """The mean over an ``output_size`` grid of bins (``1``: one mean per channel)."""
    return _adaptive_pool.adaptive_avg_pool2d(input, output_size)


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last dims by (left, right, top, bottom, ...) with ``value`` (negative amounts crop)."""
    return _conv.pad(input, pad, mode, value)


# --- more losses and similarities ------------------------------------------------------------------
def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """½·d²/beta where |d| < beta, else |d| − ½·beta (d = input − target); one SmoothL1LossBackward0."""
    return _robust_loss.smooth_l1_loss(input, target, _legacy_reduction(size_average, reduce, reduction), beta)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """½·d² where |d| < delta, else delta·(|d| − ½·delta) (d = input − target); one HuberLossBackward0."""
    if weight is not None:
        raise NotImplementedError("huber_loss(weight=...) is not supported by autogradviz")
    return _robust_loss.huber_loss(input, target, reduction, delta)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL(target ‖ exp(input)) pointwise: target·(log target − input), with input log-probabilities
    (and target too when ``log_target``); composed from elementwise ops, as PyTorch does."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        if target.requires_grad:
            plogp = _where(target > 0, target * target.log(), target * 0)
        else:   # xlogy(target, target): 0 where the target is 0
            t = target.detach().numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                plogp = Tensor(np.where(t > 0, t * np.log(np.where(t > 0, t, 1)), 0).astype(t.dtype))
        loss = plogp - target * input
    if reduction == "mean":
        import warnings
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
        return loss.mean()
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return loss.sum() if reduction == "sum" else loss


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """``input`` divided by its p-norm along ``dim`` (at least ``eps``)."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x1·x2 / (‖x1‖·‖x2‖) along ``dim`` (each norm at least ``eps``)."""
    shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    x1, x2 = x1.expand(*shape), x2.expand(*shape)
    n1 = x1.norm(2, dim, keepdim=True).clamp_min(eps)
    n2 = x2.norm(2, dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


# --- encodings --------------------------------------------------------------------------------
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor with one more dim of size ``num_classes``: 1 at each index, 0 elsewhere."""
    if not isinstance(tensor, Tensor) or tensor.dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    index = tensor._data
    if num_classes == -1:
        if index.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(index.max()) + 1
    if index.size and index.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if index.size and index.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return _make((index[..., None] == np.arange(num_classes)).astype(np.int64), D.int64)


# --- layers -----------------------------------------------------------------------------------
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``. A matrix input records one ``AddmmBackward0``, as in PyTorch;
    other ranks are flattened to a matrix and viewed back (``ViewBackward0`` over the addmm)."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        bad, arg = (input, "input") if not isinstance(input, Tensor) else (weight, "weight")
        raise TypeError(f"linear(): argument '{arg}' must be Tensor, not {type(bad).__name__}")
    if weight.ndim != 2:
        raise RuntimeError(f"linear(): weight must be a matrix (out_features x in_features), got shape {list(weight.shape)}")
    check_linear_input(input, weight)
    return linear_unchecked(input, weight, bias)


def linear_unchecked(input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """``linear`` once the shapes and dtypes are known to fit (what ``nn.Linear`` calls)."""
    if bias is None:
        return matmul(input, weight.t())
    if input.ndim == 2:
        return addmm(bias, input, weight.t())
    lead = tuple(input.shape[:-1])
    out = addmm(bias, input.reshape(-1, weight.shape[1]), weight.t())
    return out.reshape(*lead, weight.shape[0])


def check_linear_input(input: Tensor, weight: Tensor, layer=None) -> None:
    """PyTorch's error for an input whose last dim is not ``in_features``, followed by one that
    names the features expected and given; and its error for mixed dtypes."""
    out_f, in_f = weight.shape
    if input.ndim == 0 or input.shape[-1] != in_f:
        rows = int(np.prod(input.shape[:-1])) if input.ndim >= 1 else 1
        given = input.shape[-1] if input.ndim else "nothing (a 0-d tensor)"
        mat1 = f"{rows}x{input.shape[-1]}" if input.ndim else "scalar"
        who = repr(layer) if layer is not None else f"linear with a weight of shape {fmt_shape(weight.shape)}"
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({mat1} and {in_f}x{out_f}): {who} expects inputs whose "
            f"last dimension is in_features={in_f}, but the input of shape {list(input.shape)} has {given}.")
    if input.dtype is not weight.dtype:
        a, b = (_DTYPE_NAMES.get(d.name, d.name) for d in (input.dtype, weight.dtype))
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {a} and {b} (the input is "
                           f"{input.dtype.name}, the weight {weight.dtype.name}: convert the input with "
                           f"input.to({weight.dtype!r}), or the layer)")


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1 − p) (inverted
    dropout); the identity when not ``training``. The mask is PyTorch's: ``bernoulli_(1 − p)`` on a
    tensor like ``input``, drawn from the global generator, then divided by 1 − p in the input's
    precision."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        zero = _make(np.zeros((), input.dtype.np), input.dtype)
        return input.mul_(zero) if inplace else input * zero
    keep = bernoulli_(_make(np.empty_like(input._data), input.dtype), 1.0 - p)._data
    precision = np.dtype(np.float32) if input.dtype is D.float16 else input.dtype.np   # float16 divides in float
    scaled = keep.astype(precision) / precision.type(1.0 - p)
    mask = _make(scaled.astype(input.dtype.np), input.dtype)
    return input.mul_(mask) if inplace else input * mask


# --- losses -----------------------------------------------------------------------------------
def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    """The deprecated ``size_average``/``reduce`` flags, as PyTorch maps them."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Mean squared error; one ``MseLossBackward0`` node."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if weight is not None:   # PyTorch composes the weighted form from elementwise ops
        check_reduction(reduction)
        loss = (input - target) ** 2 * weight
        return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()
    return _mse(input, target, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|input − target|``. PyTorch 2 composes it (``SubBackward0``,
    ``AbsBackward0``, then ``MeanBackward0``/``SumBackward0``), and so does this."""
    reduction = check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError("l1_loss(): input and target must be Tensors")
    if input.shape != target.shape:
        import warnings
        warnings.warn(
            f"Using a target size ({target.shape!r}) that is different to the input size ({input.shape!r}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning, stacklevel=2)
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of class indices under log-probabilities; one ``NllLossBackward0``."""
    return _nll(input, target, weight, ignore_index, _legacy_reduction(size_average, reduce, reduction))


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy of logits ``input`` (N, C, ...) or (C,) against class indices (N, ...) or
    class probabilities (the input's shape).

    Class indices record ``LogSoftmaxBackward0`` → ``NllLossBackward0``, as PyTorch does;
    probabilities and label smoothing are composed from engine ops the way PyTorch composes them.
    """
    reduction = check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError("cross_entropy(): input and target must be Tensors")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.ndim == 1 else 1
    logp = _log_softmax(input, class_dim)
    if target.dtype.is_floating_point:
        if target.shape != input.shape:
            raise RuntimeError(
                f"cross_entropy: a floating-point target holds class probabilities and must have the input's shape "
                f"{list(input.shape)}, got {list(target.shape)}; for class indices pass an integer (long) tensor")
        return _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, class_dim)
    loss = _nll(logp, target, weight, ignore_index, reduction)
    if label_smoothing == 0.0:
        return loss
    return _smoothed(loss, logp, target, weight, ignore_index, reduction, label_smoothing, class_dim)


def _class_weight(weight, logp, class_dim):
    """``weight`` (C,) shaped to broadcast along the class dim of ``logp``."""
    w = weight if isinstance(weight, Tensor) else _make(np.asarray(weight, dtype=logp.dtype.np), logp.dtype)
    shape = [1] * logp.ndim
    shape[class_dim] = logp.shape[class_dim]
    return w.to(logp.dtype).reshape(*shape)


def _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, class_dim):
    n_classes = logp.shape[class_dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    prod = logp * _class_weight(weight, logp, class_dim) if weight is not None else logp
    prod = prod * target
    if reduction == "none":
        return -prod.sum(class_dim)
    total = -prod.sum()
    return total if reduction == "sum" else total / (logp.numel() / n_classes)


def _smoothed(nll, logp, target, weight, ignore_index, reduction, label_smoothing, class_dim):
    """(1 − ε)·nll + ε/C · Σ_c −w_c·logp_c, the second term masked and normalised like nll."""
    n_classes = logp.shape[class_dim]
    if weight is not None:
        smooth = -(logp * _class_weight(weight, logp, class_dim)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    _, counted = class_index_target(logp, target, ignore_index)
    ignored = _make(~counted, D.bool_)
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        if weight is not None:
            w = np.asarray(getattr(weight, "_data", weight), dtype=np.float64)
            denom = float(np.sum(w[target._data[counted]]))
        else:
            denom = float(np.sum(counted))
        smooth = smooth.sum() / denom if denom else smooth.sum() * float("nan")
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """Binary cross entropy of probabilities in [0, 1]; one ``BinaryCrossEntropyBackward0``."""
    return _bce(input, target, weight, _legacy_reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross entropy of ``sigmoid(input)`` computed stably from logits, with optional
    ``pos_weight`` for the positive class; one ``BinaryCrossEntropyWithLogitsBackward0``."""
    return _bce_logits(input, target, weight, _legacy_reduction(size_average, reduce, reduction), pos_weight)


def __getattr__(name: str):
    from .._pytorch_names import missing
    raise missing("torch.nn.functional", name, f"module 'autogradviz.nn.functional' has no attribute {name!r}")
