"""conv2d, max_pool2d, avg_pool2d and constant padding, one ``OpDef`` each, on NumPy windows:
``sliding_window_view`` gives every kernel-sized window of the (padded) input without copying,
so a convolution is one matrix product (im2col) and a pooling one reduction. The backward passes
add each window's gradient back with one vectorised step per kernel position (a loop of kh·kw
steps, never one per pixel).

The gradients of conv2d and avg_pool2d are ops of their own, differentiable again: second
derivatives (gradient penalties, Hessian-vector products) go through them as in PyTorch.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..tensor import Tensor
from .registry import OpDef, apply


def _pair(value, name: str) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    value = tuple(value)
    if len(value) == 1:
        return value[0], value[0]
    if len(value) != 2:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of 2 values to match the "
                           f"convolution dimensions, but got {name}={list(value)}")
    return value


def _windows(x, kernel, stride, dilation):
    """(N, C, H', W', kh, kw) windows of an already padded (N, C, H, W) array, as a view."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    span = ((kh - 1) * dh + 1, (kw - 1) * dw + 1)
    view = sliding_window_view(x, span, axis=(2, 3))
    return view[:, :, ::sh, ::sw, ::dh, ::dw]


def _add_windows_back(dwin, padded_shape, padding, stride, dilation):
    """The adjoint of ``_windows`` (col2im): add each window's values back where it was taken from,
    then drop the padding."""
    _, _, oh, ow, kh, kw = dwin.shape
    (sh, sw), (dh, dw), (ph, pw) = stride, dilation, padding
    out = np.zeros(padded_shape, dtype=dwin.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i * dh: i * dh + sh * (oh - 1) + 1: sh, j * dw: j * dw + sw * (ow - 1) + 1: sw] += dwin[:, :, :, :, i, j]
    return out[:, :, ph: padded_shape[2] - ph, pw: padded_shape[3] - pw]


def _pad_input(x, padding, value=0.0):
    ph, pw = padding
    if not (ph or pw):
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


# --- conv2d ---------------------------------------------------------------------------------------
def _conv_forward(x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    win = _windows(_pad_input(x, padding), w.shape[2:], stride, dilation)
    n, c, oh, ow, kh, kw = win.shape
    g, o = groups, w.shape[0]
    cols = win.reshape(n, g, c // g, oh, ow, kh, kw).transpose(1, 0, 3, 4, 2, 5, 6).reshape(g, n * oh * ow, -1)
    out = np.matmul(cols, w.reshape(g, o // g, -1).transpose(0, 2, 1))          # (g, n·oh·ow, o/g)
    out = out.reshape(g, n, oh, ow, o // g).transpose(1, 0, 4, 2, 3).reshape(n, o, oh, ow)
    return out + b.reshape(1, o, 1, 1) if b is not None else out


def _geometry(c) -> dict:
    return {"stride": c.stride, "padding": c.padding, "dilation": c.dilation, "groups": c.params.get("groups", 1)}


def _conv_input_grad_forward(g, w, input_shape, stride, padding, dilation, groups=1):
    """The gradient of a convolution's input (a transposed convolution of ``g`` with ``w``)."""
    n, _, oh, ow = g.shape
    o, cg, kh, kw = w.shape
    gg = g.reshape(n, groups, o // groups, oh, ow).transpose(1, 0, 3, 4, 2).reshape(groups, n * oh * ow, o // groups)
    dcols = np.matmul(gg, w.reshape(groups, o // groups, -1))                   # (g, n·oh·ow, c/g·kh·kw)
    dwin = dcols.reshape(groups, n, oh, ow, cg, kh, kw).transpose(1, 0, 4, 2, 3, 5, 6)
    dwin = dwin.reshape(n, cg * groups, oh, ow, kh, kw)
    padded = (n, cg * groups, input_shape[2] + 2 * padding[0], input_shape[3] + 2 * padding[1])
    return _add_windows_back(dwin, padded, padding, stride, dilation)


def _conv_weight_grad_forward(x, g, weight_shape, stride, padding, dilation, groups=1):
    """The gradient of a convolution's weight (the input windows correlated with ``g``)."""
    win = _windows(_pad_input(x, padding), weight_shape[2:], stride, dilation)
    n, ch, oh, ow, kh, kw = win.shape
    o = weight_shape[0]
    gg = g.reshape(n, groups, o // groups, oh, ow).transpose(1, 0, 3, 4, 2).reshape(groups, n * oh * ow, o // groups)
    cols = win.reshape(n, groups, ch // groups, oh, ow, kh, kw).transpose(1, 0, 3, 4, 2, 5, 6)
    cols = cols.reshape(groups, n * oh * ow, -1)
    return np.matmul(gg.transpose(0, 2, 1), cols).reshape(weight_shape)


# The three ops of a convolution (its forward and the gradients of its input and weight) are each
# linear in each of their two inputs, and each one's gradients are the other two: so the backward
# of a convolution can be differentiated again, as often as wanted, with nothing new.
def _recorded(*operands) -> bool:
    """Whether a rule runs on Tensors (create_graph) rather than on NumPy arrays."""
    return any(isinstance(x, Tensor) for x in operands)


def _conv(x, w, geometry):
    if not _recorded(x, w):
        return _conv_forward(x, w, **geometry)
    return apply(CONV2D_NO_BIAS, (x, w), geometry)


def _input_grad(g, w, input_shape, geometry):
    if not _recorded(g, w):
        return _conv_input_grad_forward(g, w, input_shape, **geometry)
    return apply(CONV2D_INPUT_GRAD, (g, w), {**geometry, "input_shape": tuple(input_shape)})


def _weight_grad(x, g, weight_shape, geometry):
    if not _recorded(x, g):
        return _conv_weight_grad_forward(x, g, weight_shape, **geometry)
    return apply(CONV2D_WEIGHT_GRAD, (x, g), {**geometry, "weight_shape": tuple(weight_shape)})


def _conv_input_vjp(xp, g, c):
    return _input_grad(g, c.inputs[1], c.shapes[0], _geometry(c))


def _conv_weight_vjp(xp, g, c):
    return _weight_grad(c.inputs[0], g, c.shapes[1], _geometry(c))


_CONV_RULES = ("∂{out}/∂{input} = {weight}, slid back over each window (transposed convolution)",
               "∂{out}/∂{weight} = the input windows", "∂{out}/∂{bias} = 1 for every position")
_CONV_SENDS = ("{grad} convolved back with {weight} (transposed convolution)",
               "{grad} correlated with the input windows", "{grad} summed over batch and positions")
CONV2D = OpDef("conv2d", "ConvolutionBackward0",
               inputs=("input", "weight", "bias"), expression="conv2d({input}, {weight}) + {bias}",
               rules=_CONV_RULES, sends=_CONV_SENDS, forward=_conv_forward, saves=(0, 1),
               vjps=(_conv_input_vjp, _conv_weight_vjp, lambda xp, g, c: xp.sum(g, dim=(0, 2, 3))))
CONV2D_NO_BIAS = OpDef("conv2d_no_bias", "ConvolutionBackward0",
                       inputs=("input", "weight"), expression="conv2d({input}, {weight})",
                       rules=_CONV_RULES[:2], sends=_CONV_SENDS[:2], forward=_conv_forward, saves=(0, 1),
                       vjps=(_conv_input_vjp, _conv_weight_vjp))
# d/dg and d/dw of the input's gradient conv_transpose2d(g, w), for a cotangent a of the input's shape:
# conv2d(a, w) and the weight gradient of a convolution of a whose output gradient is g
def _transposed_grad_output_vjp(xp, a, c):
    return _conv(a, c.inputs[1], _geometry(c))


def _transposed_weight_vjp(xp, a, c):
    return _weight_grad(a, c.inputs[0], c.shapes[1], _geometry(c))


# d/dx and d/dg of the weight's gradient, for a cotangent b of the weight's shape: the input gradient of
# a convolution with weight b whose output gradient is g, and conv2d(x, b)
def _weight_grad_input_vjp(xp, b, c):
    return _input_grad(c.inputs[1], b, c.shapes[0], _geometry(c))


def _weight_grad_grad_output_vjp(xp, b, c):
    return _conv(c.inputs[0], b, _geometry(c))


# (inputs, picture, rules, what each input is sent) of the two gradient ops, both ConvolutionBackwardBackward0
_GRAD_OPS = {
    "conv2d_input_grad": (("grad_output", "weight"), "conv_transpose2d({grad_output}, {weight})",
                          ("∂{out}/∂{grad_output} = {weight}, slid over each window (convolution)",
                           "∂{out}/∂{weight} = the windows of {grad_output}"),
                          ("conv2d({grad}, {weight})", "the windows of {grad} correlated with {grad_output}")),
    "conv2d_weight_grad": (("input", "grad_output"), "conv2d_weight_grad({input}, {grad_output})",
                           ("∂{out}/∂{input} = {grad_output}, slid back over each window (transposed convolution)",
                            "∂{out}/∂{grad_output} = the windows of {input}"),
                           ("conv_transpose2d({grad_output}, {grad})", "conv2d({input}, {grad})")),
}


def _grad_op(name: str, forward, vjps) -> OpDef:
    inputs, expression, rules, sends = _GRAD_OPS[name]
    return OpDef(name, "ConvolutionBackwardBackward0", inputs=inputs, expression=expression, rules=rules,
                 sends=sends, forward=forward, saves=(0, 1), vjps=vjps, module=__name__)


CONV2D_INPUT_GRAD = _grad_op("conv2d_input_grad", _conv_input_grad_forward,
                             (_transposed_grad_output_vjp, _transposed_weight_vjp))
CONV2D_WEIGHT_GRAD = _grad_op("conv2d_weight_grad", _conv_weight_grad_forward,
                              (_weight_grad_input_vjp, _weight_grad_grad_output_vjp))


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-D cross-correlation of (N, C, H, W) (or unbatched (C, H, W)) input with (O, C/groups, kh, kw)
    kernels, plus an optional bias per output channel."""
    if input.ndim not in (3, 4):
        raise RuntimeError("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                           f"{list(input.shape)}")
    if input.ndim == 3:
        return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    kh, kw = weight.shape[2], weight.shape[3]
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            total = ((kh - 1) * dilation[0], (kw - 1) * dilation[1])
            if total[0] % 2 or total[1] % 2:
                raise NotImplementedError("padding='same' with an even kernel size is not supported by autogradviz")
            padding = (total[0] // 2, total[1] // 2)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    padding = _pair(padding, "padding")
    if input.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {weight.shape[1] * groups} channels, but got "
                           f"{input.shape[1]} channels instead")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{weight.shape[0]} elements, but got bias of size {list(bias.shape)} instead")
    ph, pw = input.shape[2] + 2 * padding[0], input.shape[3] + 2 * padding[1]
    eh, ew = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    if eh > ph or ew > pw:
        raise RuntimeError(f"Calculated padded input size per channel: ({ph} x {pw}). Kernel size: ({eh} x {ew}). "
                           "Kernel size can't be greater than actual input size")
    params = {"stride": stride, "padding": padding, "dilation": dilation}
    if groups != 1:
        params["groups"] = groups
    if bias is None:
        return apply(CONV2D_NO_BIAS, (input, weight), params)
    return apply(CONV2D, (input, weight, bias), params)


# --- pooling --------------------------------------------------------------------------------------
def _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode):
    kernel = _pair(kernel_size, "kernel_size")
    stride = kernel if stride is None or stride == [] else _pair(stride, "stride")
    padding, dilation = _pair(padding, "padding"), _pair(dilation, "dilation")
    for p, k, d in zip(padding, kernel, dilation):
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    sizes, extra = [], []
    for size, k, s, p, d in zip(input.shape[-2:], kernel, stride, padding, dilation):
        span = (k - 1) * d + 1
        out = (size + 2 * p - span + ((s - 1) if ceil_mode else 0)) // s + 1
        if ceil_mode and (out - 1) * s >= size + p:   # the last window must start inside the input
            out -= 1
        sizes.append(out)
        extra.append(max((out - 1) * s + span - (size + 2 * p), 0))
    if min(sizes) < 1:
        c, h, w = input.shape[-3:]
        raise RuntimeError(f"Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{sizes[0]}x{sizes[1]}). "
                           "Output size is too small")
    return {"kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation, "extra": tuple(extra)}


def _pool_pad(x, padding, extra, value):
    (ph, pw), (eh, ew) = padding, extra
    if not (ph or pw or eh or ew):
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph + eh), (pw, pw + ew)), constant_values=value)


def _max_pool_forward(x, kernel, stride, padding, dilation, extra):
    if x.ndim == 3:   # unbatched (C, H, W): the positions (aux) keep a batch dim of 1
        out, arg = _max_pool_forward(x[None], kernel, stride, padding, dilation, extra)
        return out[0], arg
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    win = _windows(_pool_pad(x, padding, extra, fill), kernel, stride, dilation)
    flat = win.reshape(*win.shape[:4], -1)
    arg = flat.argmax(axis=-1)
    return np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0], arg


def _max_pool_positions(arg, kernel, stride, dilation, padding):
    """Row and column in the input of each output's maximum (``arg``: its place in the window)."""
    (_, kw), (sh, sw), (dh, dw), (ph, pw) = kernel, stride, dilation, padding
    oh, ow = arg.shape[2:]
    rows = np.arange(oh)[:, None] * sh + (arg // kw) * dh - ph
    cols = np.arange(ow)[None, :] * sw + (arg % kw) * dw - pw
    return rows, cols


def _max_pool_grad(xp, g, c):
    rows, cols = _max_pool_positions(c.aux, c.kernel, c.stride, c.dilation, c.padding)
    n, ch = np.indices(rows.shape[:2], sparse=True)
    shape = tuple(c.shape) if len(c.shape) == 4 else (1, *c.shape)
    grad = xp.scatter_add(shape, (n[..., None, None], ch[..., None, None], rows, cols), xp.reshape(g, rows.shape), None)
    return xp.reshape(grad, tuple(c.shape))


MAX_POOL2D = OpDef("max_pool2d", "MaxPool2DWithIndicesBackward0",
                   inputs=("input",), expression="max_pool2d({input}, {kernel})",
                   rules=("∂{out}/∂{input} = 1 at each window's maximum, else 0",),
                   sends=("{grad} to each window's maximum",),
                   forward=_max_pool_forward, vjps=(_max_pool_grad,), dtype="same", aux=True)


def _avg_pool_forward(x, kernel, stride, padding, dilation, extra, count_include_pad=True, divisor=None):
    if x.ndim == 3:
        return _avg_pool_forward(x[None], kernel, stride, padding, dilation, extra, count_include_pad, divisor)[0]
    win = _windows(_pool_pad(x, padding, extra, 0), kernel, stride, dilation)
    total = win.sum(axis=(-2, -1))
    return (total / _avg_divisor(x.shape, kernel, stride, padding, extra, count_include_pad, divisor)).astype(x.dtype)


def _avg_divisor(shape, kernel, stride, padding, extra, count_include_pad, divisor):
    if divisor is not None:
        return divisor
    ones = np.ones((1, 1) + tuple(shape[2:]))
    if count_include_pad:   # PyTorch counts the zero padding, not the extra cells of ceil_mode
        ones = np.pad(ones, ((0, 0), (0, 0), padding[:1] * 2, padding[1:] * 2), constant_values=1)
        return _windows(_pool_pad(ones, (0, 0), extra, 0), kernel, stride, (1, 1)).sum(axis=(-2, -1))
    return _windows(_pool_pad(ones, padding, extra, 0), kernel, stride, (1, 1)).sum(axis=(-2, -1))


def _avg_pool_grad_forward(g, input_shape, kernel, stride, padding, dilation, extra, count_include_pad=True,
                           divisor=None):
    """The gradient of avg_pool2d's input: each output's gradient shared equally over its window."""
    if len(input_shape) == 3:
        return _avg_pool_grad_forward(g[None], (1, *input_shape), kernel, stride, padding, dilation, extra,
                                      count_include_pad, divisor)[0]
    divisor = _avg_divisor(input_shape, kernel, stride, padding, extra, count_include_pad, divisor)
    share = (g / divisor)[..., None, None]
    dwin = np.broadcast_to(share, share.shape[:4] + tuple(kernel))
    (ph, pw), (eh, ew) = padding, extra
    padded = (input_shape[0], input_shape[1], input_shape[2] + 2 * ph + eh, input_shape[3] + 2 * pw + ew)
    full = _add_windows_back(dwin, padded, (0, 0), stride, (1, 1))
    return full[:, :, ph: ph + input_shape[2], pw: pw + input_shape[3]].astype(g.dtype, copy=False)


def _avg_pool_grad(xp, g, c):
    if isinstance(g, np.ndarray):
        return _avg_pool_grad_forward(g, tuple(c.shape), **c.params)
    return apply(AVG_POOL2D_GRAD, (g,), {**c.params, "input_shape": tuple(c.shape)})


AVG_POOL2D = OpDef("avg_pool2d", "AvgPool2DBackward0",
                   inputs=("input",), expression="avg_pool2d({input}, {kernel})",
                   rules=("∂{out}/∂{input} = 1/(window size) in each window",),
                   sends=("{grad} shared equally over each window",),
                   forward=_avg_pool_forward, vjps=(_avg_pool_grad,), dtype="same")
# The backward of avg_pool2d is linear in the gradient, and its own gradient is avg_pool2d again.
AVG_POOL2D_GRAD = OpDef("avg_pool2d_grad", "AvgPool2DBackwardBackward0",
                        inputs=("grad_output",), expression="avg_pool2d_backward({grad_output}, {kernel})",
                        rules=("∂{out}/∂{grad_output} = 1/(window size) for each window an element is in",),
                        sends=("avg_pool2d({grad}, {kernel})",),
                        forward=_avg_pool_grad_forward, dtype="same",
                        vjps=(lambda xp, g, c: _avg_pool(g, {k: v for k, v in c.params.items() if k != "input_shape"}),))


def _avg_pool(x, params):
    return _avg_pool_forward(x, **params) if isinstance(x, np.ndarray) else apply(AVG_POOL2D, (x,), params)


def _pool_input(input: Tensor) -> None:
    if input.ndim not in (3, 4) or input.numel() == 0:
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """The maximum of each kernel-sized window (windows ``stride`` apart, ``kernel_size`` by default)."""
    _pool_input(input)
    geometry = _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode)
    out, arg = apply(MAX_POOL2D, (input,), geometry)
    if not return_indices:
        return out
    from .. import _dtype as D
    from ..tensor import _make
    rows, cols = _max_pool_positions(arg, geometry["kernel"], geometry["stride"], geometry["dilation"],
                                     geometry["padding"])
    flat = (rows * input.shape[-1] + cols).astype(np.int64)   # flat indices into each input plane, as PyTorch
    return out, _make(flat[0] if input.ndim == 3 else flat, D.int64)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """The mean of each kernel-sized window (windows ``stride`` apart, ``kernel_size`` by default)."""
    _pool_input(input)
    geometry = _pool_geometry(input, kernel_size, stride, padding, 1, ceil_mode)
    params = dict(geometry)
    if not count_include_pad:
        params["count_include_pad"] = False
    if divisor_override is not None:
        params["divisor"] = divisor_override
    return apply(AVG_POOL2D, (input,), params)


# --- constant padding -----------------------------------------------------------------------------
def _pad_forward(x, pad, value=0.0):
    """Pad (or, with negative amounts, crop) the last dims: pad = (left, right, top, bottom, ...)."""
    widths = [(0, 0)] * x.ndim
    crops = [slice(None)] * x.ndim
    for k in range(len(pad) // 2):
        before, after = pad[2 * k], pad[2 * k + 1]
        dim = x.ndim - 1 - k
        widths[dim] = (max(before, 0), max(after, 0))
        size = x.shape[dim] + max(before, 0) + max(after, 0)
        crops[dim] = slice(max(-before, 0), size - max(-after, 0))
    return np.pad(x, widths, constant_values=value)[tuple(crops)]


def _pad_grad(xp, g, c):
    back = tuple(-p for p in c.pad)
    return _pad_forward(g, back) if isinstance(g, np.ndarray) else pad(g, back)


PAD = OpDef("constant_pad_nd", "ConstantPadNdBackward0",
            inputs=("input",), expression="pad({input}, {pad})",
            rules=("∂{out}/∂{input} = 1 where {input} was copied, 0 for the padding",),
            sends=("{grad} with the padding cut off",),
            forward=_pad_forward, vjps=(_pad_grad,), dtype="same")


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, ...)``; negative amounts crop."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    if mode != "constant":
        raise NotImplementedError(f"pad(mode={mode!r}) is not supported by autogradviz; only mode='constant' is")
    params = {"pad": pad}
    if value:
        params["value"] = value
    return apply(PAD, (input,), params)
