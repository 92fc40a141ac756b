"""embedding, layer_norm and batch_norm: one ``OpDef`` each, as PyTorch records them
(EmbeddingBackward0, NativeLayerNormBackward0, NativeBatchNormBackward0), with the input, weight
and bias as the inputs of one node and the backward rules written out."""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .. import _summation as sums
from .._grad_mode import no_grad
from ..tensor import Tensor
from .registry import OpDef, apply

_LEGACY = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
           "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


# --- embedding ------------------------------------------------------------------------------------
def _embedding_forward(weight, indices, padding_idx=None):
    return weight[indices]


def _embedding_grad(xp, g, c):
    """Each looked-up row's gradient is added into that row (none for padding_idx)."""
    indices = c.indices
    if c.params.get("padding_idx") is not None:
        keep = indices != c.padding_idx
        indices, g = indices[keep], g[keep] if isinstance(g, np.ndarray) else g[Tensor(keep)]
    return xp.scatter_add(c.shape, (indices,), g, None)


EMBEDDING = OpDef("embedding", "EmbeddingBackward0",
                  inputs=("weight",), expression="{weight}[indices]",
                  rules=("∂{out}/∂{weight} = 1 in each looked-up row",),
                  sends=("each row of {grad} added into the row it was looked up from",),
                  forward=_embedding_forward, vjps=(_embedding_grad,), dtype="same")


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """The rows of ``weight`` at the indices in ``input`` (shape ``input.shape + (dim,)``)."""
    if input.dtype not in (D.int64, D.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{input.dtype._legacy} instead (while checking arguments for "
                           "embedding)")
    indices = input._data.astype(np.int64)
    if indices.size and (indices.min() < 0 or indices.max() >= weight.shape[0]):
        raise IndexError("index out of range in self")
    params = {"indices": indices}
    if padding_idx is not None:
        params["padding_idx"] = padding_idx % weight.shape[0]
    return apply(EMBEDDING, (weight,), params)


# --- layer_norm -----------------------------------------------------------------------------------
def _moments(a, dims):
    """The mean and the biased variance of ``a`` over ``dims`` (kept), each accumulated in
    float64 and rounded once (_summation.py), as PyTorch's CPU norms add up in double."""
    return sums.mean(a, dims, keepdims=True), sums.var(a, dims, correction=0, keepdims=True)


def _layer_norm_forward(a, w=None, b=None, dims=(), eps=1e-5, affine=False):
    mean, var = _moments(a, dims)
    rstd = (1.0 / np.sqrt(var + eps)).astype(a.dtype, copy=False)
    xhat = (a - mean) * rstd
    out = xhat * w if w is not None else xhat
    return (out + b if b is not None else out), (xhat, rstd)


def _stats(xp, g, c):
    """(x̂, rstd) of the forward: kept from it for an ordinary backward, recomputed from the saved
    input as recorded ops when the backward itself is recorded (create_graph), so that second
    derivatives see how they depend on the input."""
    if isinstance(g, np.ndarray):
        return c.aux[0], c.aux[1]
    a, dims = c.a, c.dims
    if c.params.get("mean") is not None:   # batch norm in eval mode: fixed statistics
        rstd = 1.0 / np.sqrt(c.var + c.eps)
        return (a - c.mean) * rstd, rstd
    n = math.prod(c.shape[d] for d in dims)
    centred = a - xp.sum(a, dim=dims, keepdim=True) / n
    rstd = 1 / xp.sqrt(xp.sum(centred * centred, dim=dims, keepdim=True) / n + c.eps)
    return centred * rstd, rstd


def _layer_norm_input_grad(xp, g, c):
    xhat, rstd = _stats(xp, g, c)
    dims = c.dims
    dxhat = g * c.inputs[1] if c.params.get("affine") else g
    n = math.prod(c.shape[d] for d in dims)
    mean_dx = xp.sum(dxhat, dim=dims, keepdim=True) / n
    mean_dx_xhat = xp.sum(dxhat * xhat, dim=dims, keepdim=True) / n
    return (dxhat - mean_dx - xhat * mean_dx_xhat) * rstd


def _sum_over_batch(xp, x, ndims):
    lead = tuple(range(ndims))
    return xp.sum(x, dim=lead) if lead else x


def _layer_norm_weight_grad(xp, g, c):
    xhat, _ = _stats(xp, g, c)
    return _sum_over_batch(xp, g * xhat, len(c.shape) - len(c.dims))


def _layer_norm_bias_grad(xp, g, c):
    return _sum_over_batch(xp, g, len(c.shape) - len(c.dims))


LAYER_NORM = OpDef("layer_norm", "NativeLayerNormBackward0",
                   inputs=("input", "weight", "bias"), expression="layer_norm({input})",
                   rules=("∂{out}/∂{input} = rstd × (weight × grad − mean(weight × grad) − x̂ × mean(weight × grad × x̂)) "
                          "over the normalized dims",
                          "∂{out}/∂{weight} = x̂ = ({input} − mean) × rstd", "∂{out}/∂{bias} = 1"),
                   sends=("rstd × (ĝ − mean(ĝ) − x̂ × mean(ĝ × x̂)), ĝ = {weight} × {grad}",
                          "{grad} × x̂, summed over the batch", "{grad} summed over the batch"),
                   forward=_layer_norm_forward, aux=True, saves=(0, 1),
                   vjps=(_layer_norm_input_grad, _layer_norm_weight_grad, _layer_norm_bias_grad))
LAYER_NORM_PLAIN = OpDef("layer_norm_plain", "NativeLayerNormBackward0",
                         inputs=("input",), expression="layer_norm({input})",
                         rules=("∂{out}/∂{input} = rstd × (grad − mean(grad) − x̂ × mean(grad × x̂)) "
                                "over the normalized dims",),
                         sends=("rstd × ({grad} − mean({grad}) − x̂ × mean({grad} × x̂))",),
                         forward=_layer_norm_forward, aux=True, saves=(0,), vjps=(_layer_norm_input_grad,))


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims to mean 0 and variance 1, then scale
    by ``weight`` and shift by ``bias``."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if tuple(input.shape[input.ndim - k:]) != shape or input.ndim < k:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(str(s) for s in shape)}], but got input of size{list(input.shape)}")
    dims = tuple(range(input.ndim - k, input.ndim))
    if weight is None and bias is None:
        out, _ = apply(LAYER_NORM_PLAIN, (input,), {"dims": dims, "eps": eps})
        return out
    if weight is None:
        from ..creation import ones
        weight = ones(*shape, dtype=input.dtype)
    if bias is None:
        from ..creation import zeros
        bias = zeros(*shape, dtype=input.dtype)
    out, _ = apply(LAYER_NORM, (input, weight, bias), {"dims": dims, "eps": eps, "affine": True})
    return out


# --- batch_norm -----------------------------------------------------------------------------------
def _batch_norm_forward(a, w, b, dims=(), stat_shape=(), eps=1e-5, mean=None, var=None):
    if mean is None:   # training: the batch's own statistics (biased variance)
        mean, var = _moments(a, dims)
    rstd = (1.0 / np.sqrt(var + eps)).astype(a.dtype, copy=False)
    xhat = (a - mean) * rstd
    return xhat * w.reshape(stat_shape) + b.reshape(stat_shape), (xhat, rstd, mean, var)


def _batch_norm_input_grad(xp, g, c):
    xhat, rstd = _stats(xp, g, c)
    dxhat = g * xp.reshape(c.inputs[1], c.stat_shape)
    if c.params.get("mean") is not None:   # evaluation: the statistics are constants
        return dxhat * rstd
    dims = c.dims
    n = math.prod(c.shape[d] for d in dims)
    mean_dx = xp.sum(dxhat, dim=dims, keepdim=True) / n
    mean_dx_xhat = xp.sum(dxhat * xhat, dim=dims, keepdim=True) / n
    return (dxhat - mean_dx - xhat * mean_dx_xhat) * rstd


def _channel_sum(xp, x, c):
    return xp.reshape(xp.sum(x, dim=c.dims, keepdim=True), (c.shape[1],))


BATCH_NORM = OpDef("batch_norm", "NativeBatchNormBackward0",
                   inputs=("input", "weight", "bias"), expression="batch_norm({input})",
                   rules=("∂{out}/∂{input} = rstd × (ĝ − mean(ĝ) − x̂ × mean(ĝ × x̂)) per channel, "
                          "ĝ = weight × grad (in eval: rstd × ĝ)",
                          "∂{out}/∂{weight} = x̂ = ({input} − mean) × rstd", "∂{out}/∂{bias} = 1"),
                   sends=("rstd × (ĝ − mean(ĝ) − x̂ × mean(ĝ × x̂)), ĝ = {weight} × {grad}",
                          "{grad} × x̂, summed per channel", "{grad} summed per channel"),
                   forward=_batch_norm_forward, aux=True, saves=(0, 1),
                   vjps=(_batch_norm_input_grad,
                         lambda xp, g, c: _channel_sum(xp, g * _stats(xp, g, c)[0], c),
                         lambda xp, g, c: _channel_sum(xp, g, c)))


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) over the batch and the other dims: with the batch's statistics
    when training (and update the running ones in place), with the running ones otherwise."""
    from ..creation import ones, zeros
    channels = input.shape[1] if input.ndim > 1 else 1
    for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
        if stat is not None and stat.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {stat.numel()}")
    if training and input.numel() // channels <= 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape!r}")
    dims = tuple(d for d in range(input.ndim) if d != 1)
    stat_shape = [1] * input.ndim
    stat_shape[1] = channels
    weight = weight if weight is not None else ones(channels, dtype=input.dtype)
    bias = bias if bias is not None else zeros(channels, dtype=input.dtype)
    params = {"dims": dims, "stat_shape": tuple(stat_shape), "eps": eps}
    if not training:
        params["mean"] = running_mean._data.reshape(stat_shape)
        params["var"] = running_var._data.reshape(stat_shape)
    out, (_, _, mean, var) = apply(BATCH_NORM, (input, weight, bias), params)
    if training and running_mean is not None:
        n = input.numel() // channels   # the running variance is the unbiased one
        with no_grad():
            running_mean.mul_(1 - momentum).add_(Tensor(mean.reshape(channels)) * momentum)
            running_var.mul_(1 - momentum).add_(Tensor((var * (n / (n - 1))).reshape(channels)) * momentum)
    return out
