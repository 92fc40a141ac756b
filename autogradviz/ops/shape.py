"""Shape ops: view/reshape, flatten, squeeze/unsqueeze, transpose/permute, expand, cat/stack, split."""
from __future__ import annotations

import numpy as np

from .common import accept_numpy_names, shape_arg, wrap_dim, wrap_dims
from .registry import OpDef, apply


def _back_to_input_shape(xp, g, c):
    return xp.reshape(g, c.shape)


def _view_forward(a, shape):
    v = a.view()
    try:
        v.shape = shape
    except AttributeError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead.") from None
    return v


def _reshape_name(ndims, p):
    how = p.get("is_view", True)
    return "ViewBackward0" if how is True else "ReshapeAliasBackward0" if how == "alias" else "UnsafeViewBackward0"


def _reshape_params(array: np.ndarray, shape: tuple) -> dict:
    """A contiguous input is viewed (ViewBackward0), another that can be is aliased
    (ReshapeAliasBackward0), else copied (UnsafeViewBackward0), as PyTorch's reshape."""
    if array.flags.c_contiguous:
        return {"shape": shape}
    return {"shape": shape, "is_view": "alias" if _can_view(array, shape) else False}


def _expand_forward(a, shape):
    """A writable strided view (PyTorch's expand): in-place writes are refused only where
    elements share memory (see registry.check_no_overlap)."""
    lead = len(shape) - a.ndim
    strides = (0,) * lead + tuple(0 if n == 1 and s != 1 else st
                                  for n, s, st in zip(a.shape, shape[lead:], a.strides))
    return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=a.flags.writeable)


VIEW = OpDef("view", "ViewBackward0",
             inputs=("input",), expression="{input}.view({*shape})",
             rules=("∂{out}/∂{input} = 1",),
             sends=("{grad} reshaped to the shape of {input}",),
             methods=("view",), forward=_view_forward,
             vjps=(_back_to_input_shape,), dtype="same", view=True,
             extra={"replay": lambda a, shape: np.reshape(a, shape)})  # positions are replayed, whatever the layout
# reshape and flatten are views when the memory allows it (ViewBackward0, or ReshapeAliasBackward0
# for a non-contiguous input), else copies (UnsafeViewBackward0), as in PyTorch
RESHAPE = OpDef("reshape", _reshape_name,
                inputs=("input",), expression="{input}.reshape({*shape})",
                rules=("∂{out}/∂{input} = 1",),
                sends=("{grad} reshaped to the shape of {input}",),
                functions=("reshape",), methods=("reshape",),
                forward=lambda a, shape, is_view=True: np.reshape(a, shape),
                vjps=(_back_to_input_shape,), dtype="same", view=True)


def _squeeze_name(ndims, p):
    """PyTorch's three: all size-1 dims (0), one dim (1), a tuple of dims (2)."""
    dims = p.get("dims")
    return "SqueezeBackward0" if dims is None else "SqueezeBackward2" if isinstance(dims, tuple) else "SqueezeBackward1"


SQUEEZE = OpDef("squeeze", _squeeze_name,
                inputs=("input",), expression="squeeze({input}{, dim={dims}})",
                rules=("∂{out}/∂{input} = 1",),
                sends=("{grad} reshaped to the shape of {input}",),
                functions=("squeeze",), methods=("squeeze",), forward=lambda a, shape, dims=None: np.reshape(a, shape),
                vjps=(_back_to_input_shape,), dtype="same", view=True)
UNSQUEEZE = OpDef("unsqueeze", "UnsqueezeBackward0",
                  inputs=("input",), expression="unsqueeze({input}, {dim})",
                  rules=("∂{out}/∂{input} = 1",),
                  sends=("{grad} reshaped to the shape of {input}",),
                  functions=("unsqueeze",), methods=("unsqueeze",), forward=lambda a, shape, dim: np.reshape(a, shape),
                  vjps=(_back_to_input_shape,), dtype="same", view=True)
FLATTEN = OpDef("flatten", _reshape_name,
                inputs=("input",), expression="flatten({input})",
                rules=("∂{out}/∂{input} = 1",),
                sends=("{grad} reshaped to the shape of {input}",),
                functions=("flatten",), methods=("flatten",),
                forward=lambda a, shape, is_view=True: np.reshape(a, shape),
                vjps=(_back_to_input_shape,), dtype="same", view=True)
TRANSPOSE = OpDef("transpose", "TransposeBackward0",
                  inputs=("input",), expression="transpose({input}, {d0}, {d1})",
                  rules=("∂{out}/∂{input} = 1",),
                  sends=("transpose({grad}, {d0}, {d1})",),
                  functions=("transpose", "swapaxes", "swapdims"), methods=("transpose", "swapaxes", "swapdims"),
                  forward=lambda a, d0, d1: np.swapaxes(a, d0, d1),
                  vjps=(lambda xp, g, c: xp.transpose(g, c.d0, c.d1),), dtype="same", view=True)
T = OpDef("t", "TBackward0",
          inputs=("input",), expression="{input}ᵀ",
          rules=("∂{out}/∂{input} = 1",),
          sends=("{grad}ᵀ",),
          functions=("t",), methods=("t",),
          forward=lambda a: np.swapaxes(a, 0, 1),
          vjps=(lambda xp, g, c: xp.transpose(g, 0, 1),), dtype="same", view=True)
PERMUTE = OpDef("permute", "PermuteBackward0",
                inputs=("input",), expression="permute({input}, {*dims})",
                rules=("∂{out}/∂{input} = 1",),
                sends=("{grad} permuted back",),
                functions=("permute", "movedim"), methods=("permute", "movedim"),
                forward=lambda a, dims: np.transpose(a, dims),
                vjps=(lambda xp, g, c: xp.permute(g, tuple(np.argsort(c.dims))),),
                dtype="same", view=True)
EXPAND = OpDef("expand", "ExpandBackward0",
               inputs=("input",), expression="{input}.expand({*shape})",
               rules=("∂{out}/∂{input} = 1",),
               sends=("{grad} summed over the copies",),
               functions=("expand", "broadcast_to"), methods=("expand", "expand_as", "broadcast_to"),
               forward=_expand_forward,
               vjps=(lambda xp, g, c: g,), dtype="same", view=True)
FLIP = OpDef("flip", "FlipBackward0",
             inputs=("input",), expression="flip({input}, {dims})",
             rules=("∂{out}/∂{input} = 1",),
             sends=("flip({grad}, {dims})",),
             functions=("flip",), methods=("flip",), forward=lambda a, dims: np.flip(a, dims).copy(),  # a copy, as PyTorch
             vjps=(lambda xp, g, c: xp.flip(g, c.dims),), dtype="same")


def _diagonal_forward(a, offset, dim1, dim2):
    """A writable strided view of a diagonal (NumPy's own diagonal is read-only)."""
    d1, d2 = dim1, dim2
    n1, n2 = a.shape[d1], a.shape[d2]
    length = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    start = [0] * a.ndim
    if length:
        start[d2 if offset >= 0 else d1] = abs(offset)
    begin = a[tuple(slice(s, None) for s in start)] if length else a
    rest = [k for k in range(a.ndim) if k not in (d1, d2)]
    shape = tuple(a.shape[k] for k in rest) + (length,)
    strides = tuple(a.strides[k] for k in rest) + (a.strides[d1] + a.strides[d2],)
    return np.lib.stride_tricks.as_strided(begin, shape, strides, writeable=a.flags.writeable)


def _diagonal_grad(xp, g, c):
    n = int(np.prod(c.shape, dtype=np.int64))
    positions = _diagonal_forward(np.arange(n).reshape(c.shape), c.offset, c.dim1, c.dim2).reshape(-1)
    return xp.reshape(xp.scatter_add((n,), (positions,), xp.reshape(g, (-1,)), None), c.shape)


DIAGONAL = OpDef("diagonal", "DiagonalBackward0",
                 inputs=("input",), expression="diagonal({input}, {offset}, {dim1}, {dim2})",
                 rules=("∂{out}/∂{input} = 1 on the diagonal, else 0",),
                 sends=("{grad} put on the diagonal, 0 elsewhere",),
                 functions=("diagonal",), methods=("diagonal",), forward=_diagonal_forward,
                 vjps=(_diagonal_grad,), dtype="same", view=True)


def _cat_grad(xp, g, c):
    return xp.split(g, [s[c.dim] for s in c.shapes], c.dim)[c.position]


CAT = OpDef("cat", "CatBackward0",
            inputs=("tensors",), expression="cat({tensors}, dim={dim})",
            rules=("∂{out}/∂{each} = 1 on its block",),
            sends=("the block of {grad} where {each} went",),
            functions=("cat", "concat", "concatenate"), forward=lambda *xs, dim: np.concatenate(xs, axis=dim),
            vjps=(_cat_grad,), variadic=True)
STACK = OpDef("stack", "StackBackward0",
              inputs=("tensors",), expression="stack({tensors}, dim={dim})",
              rules=("∂{out}/∂{each} = 1 on its slice",),
              sends=("the slice of {grad} where {each} went",),
              functions=("stack",), forward=lambda *xs, dim: np.stack(xs, axis=dim),
              vjps=(lambda xp, g, c: xp.unstack(g, c.dim)[c.position],),
              variadic=True)


# ---------------------------------------------------------------------------------------------
def _infer_shape(shape, numel):
    shape = list(shape)
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = int(np.prod([s for s in shape if s != -1])) if shape else 1
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[shape.index(-1)] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    for s in shape:
        if s < 0:
            raise RuntimeError(f"invalid shape dimension {s}")
    return tuple(shape)


def view(input, *shape):
    """The same data with another shape (no copy); fails where a copy would be needed."""
    from .. import _dtype as D
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        raise NotImplementedError("view(dtype) is not supported; use .to(dtype)")
    return apply(VIEW, (input,), {"shape": _infer_shape(shape_arg(shape), input.numel())})


def _can_view(array: np.ndarray, shape: tuple) -> bool:
    v = array.view()
    try:
        v.shape = shape
    except AttributeError:
        return False
    return True


def reshape(input, *shape):
    """The same elements with another shape (a view where possible)."""
    shape = _infer_shape(shape_arg(shape), input.numel())
    return apply(RESHAPE, (input,), _reshape_params(input._data, shape))


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one."""
    if input.ndim == 0:
        return reshape(input, 1)
    s, e = wrap_dim(start_dim, input.ndim), wrap_dim(end_dim, input.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input.shape[:s] + (int(np.prod(input.shape[s:e + 1])),) + input.shape[e + 1:]
    if s == e:
        return input
    return apply(FLATTEN, (input,), _reshape_params(input._data, tuple(shape)))


def squeeze(input, dim=None):
    """Drop dims of size 1 (all of them, or the given one(s))."""
    if dim is None:
        shape = tuple(s for s in input.shape if s != 1)
        return apply(SQUEEZE, (input,), {"shape": shape})
    dims = wrap_dims(dim, input.ndim) or ()
    shape = tuple(s for i, s in enumerate(input.shape) if not (i in dims and s == 1))
    # kept as PyTorch keeps it (an int for one dim, a tuple for several): it names the node
    kept = tuple(dims) if isinstance(dim, (tuple, list)) else dims[0] if dims else 0   # 0-d: dim 0
    return apply(SQUEEZE, (input,), {"shape": shape, "dims": kept})


def unsqueeze(input, dim):
    """Insert a dim of size 1 at ``dim``."""
    d = wrap_dim(dim, input.ndim + 1)
    shape = input.shape[:d] + (1,) + input.shape[d:]
    return apply(UNSQUEEZE, (input,), {"shape": tuple(shape), "dim": d})


def transpose(input, dim0, dim1):
    """Swap two dims (a view)."""
    if input.ndim == 0:
        wrap_dim(dim0, 0), wrap_dim(dim1, 0)
        return input
    return apply(TRANSPOSE, (input,), {"d0": wrap_dim(dim0, input.ndim), "d1": wrap_dim(dim1, input.ndim)})


swapaxes = swapdims = transpose


def t(input):
    """Transpose a matrix (a vector or scalar is returned as is)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    if input.ndim < 2:
        return input
    return apply(T, (input,))


def permute(input, *dims):
    """Reorder the dims (a view)."""
    dims = shape_arg(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of "
            f"the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not equal to len(dims) = {len(dims)}")
    wrapped = tuple(wrap_dim(d, input.ndim) for d in dims)
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return apply(PERMUTE, (input,), {"dims": wrapped})


def expand(input, *sizes):
    """Broadcast to a larger shape without copying (-1 keeps a size)."""
    sizes = shape_arg(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(
            f"expand(torch.{input.dtype._legacy}{{{list(input.shape)}}}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({input.ndim})")
    lead = len(sizes) - input.ndim
    shape = []
    for i, s in enumerate(sizes):
        if i >= lead:
            cur = input.shape[i - lead]
            if s == -1:
                s = cur
            elif cur != 1 and cur != s:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at non-singleton "
                    f"dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(input.shape)}")
        elif s == -1:
            raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension {i}")
        shape.append(s)
    return apply(EXPAND, (input,), {"shape": tuple(shape)})


def expand_as(input, other):
    return expand(input, *other.shape)


def broadcast_to(input, shape):
    return expand(input, *shape_arg((shape,)))


def flip(input, dims):
    return apply(FLIP, (input,), {"dims": wrap_dims(dims, input.ndim)})


def _check_seq(tensors, name):
    from ..tensor import Tensor
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not {type(tensors).__name__}")
    if not tensors:
        if name == "stack":
            raise RuntimeError("stack expects a non-empty TensorList")
        raise ValueError(f"torch.{name}(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): expected Tensor as element {i} in argument 0, but got {type(t).__name__}")


def cat(tensors, dim=0):
    """Join tensors along an existing dim."""
    _check_seq(tensors, "cat")
    tensors = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or list(tensors[:1])
    ref = tensors[0]
    d = wrap_dim(dim, ref.ndim)
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != ref.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {ref.shape[k]} but got "
                    f"size {t.shape[k]} for tensor number {i} in the list.")
    return apply(CAT, tuple(tensors), {"dim": d})


concat = concatenate = cat


def stack(tensors, dim=0):
    """Join same-shaped tensors along a new dim."""
    _check_seq(tensors, "stack")
    ref = tensors[0]
    for i, t in enumerate(tensors[1:], 1):
        if t.shape != ref.shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(ref.shape)} at entry 0 and "
                f"{list(t.shape)} at entry {i}")
    return apply(STACK, tuple(tensors), {"dim": wrap_dim(dim, ref.ndim + 1)})


def split(input, split_size_or_sections, dim=0):
    """Split into chunks of a size, or into the given sizes, along ``dim``."""
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
        if step == 0 and n != 0:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [min(step, n - s) for s in range(0, n, step)] if step else [0]
        sizes = sizes or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension "
                f"{d}), but got split_sizes={sizes}")
    indexes, start = [], 0
    for s in sizes:
        indexes.append((slice(None),) * d + (slice(start, start + s),))
        start += s
    name = "SplitBackward0" if isinstance(split_size_or_sections, (int, np.integer)) else "SplitWithSizesBackward0"
    return _pieces(input, indexes, name, d, stacked=False)


def _pieces(input, indexes, name: str, dim: int, stacked: bool) -> tuple:
    """Views of ``input`` at ``indexes`` that share one node (output k is piece k), as PyTorch's
    split/chunk/unbind: in-place changes to them are refused while they need grad."""
    from .._grad_mode import is_grad_enabled, no_grad
    from ..autograd.views import multi_view_node
    from .indexing import getitem_named
    grad_mode = is_grad_enabled()
    with no_grad():
        pieces = [getitem_named(input, index, name) for index in indexes]
    if grad_mode:  # PyTorch refuses in-place changes of these pieces, with or without history
        for nr, piece in enumerate(pieces):
            meta = piece._meta_()
            meta.output_nr, meta.creation = nr, "multi"
    if not (grad_mode and input.requires_grad):
        return tuple(pieces)
    node = multi_view_node(name, input, pieces, dim, stacked)
    for piece in pieces:
        piece._grad_fn = node
    return tuple(pieces)


def chunk(input, chunks, dim=0):
    """Split into ``chunks`` nearly equal pieces."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input.shape[wrap_dim(dim, input.ndim)]
    return split(input, max(1, -(-n // chunks)), dim)


def unbind(input, dim=0):
    """The slices along ``dim``, as a tuple."""
    d = wrap_dim(dim, input.ndim)
    return _pieces(input, [(slice(None),) * d + (i,) for i in range(input.shape[d])], "UnbindBackward0", d,
                   stacked=True)


def select(input, dim, index):
    """The slice at ``index`` along ``dim``, one dim fewer (a view)."""
    from .indexing import getitem_named
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {d}")
    return getitem_named(input, (slice(None),) * d + (int(index) % n,), "SelectBackward0")


def narrow(input, dim, start, length):
    """``length`` elements from ``start`` along ``dim`` (a view)."""
    from .indexing import getitem_named
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    start = int(start) + n if start < 0 else int(start)
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return getitem_named(input, (slice(None),) * d + (slice(start, start + length),), "SliceBackward0")


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of the 2-D slices over ``dim1`` and ``dim2``, as the last dim (a view)."""
    d1, d2 = wrap_dim(dim1, input.ndim), wrap_dim(dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(DIAGONAL, (input,), {"offset": int(offset), "dim1": d1, "dim2": d2})


def movedim(input, source, destination):
    """The dims ``source`` (an int or a sequence) moved to ``destination``; the others keep their order."""
    if not isinstance(source, (tuple, list)) and not isinstance(destination, (tuple, list)):
        order = list(range(input.ndim))
        s, dd = wrap_dim(source, input.ndim), wrap_dim(destination, input.ndim)
        order.remove(s)
        order.insert(dd, s)
        return permute(input, *order)
    source = list(source) if isinstance(source, (tuple, list)) else [source]
    destination = list(destination) if isinstance(destination, (tuple, list)) else [destination]
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({source} dims) should contain the "
                           f"same number of dims as destination ({destination} dims)")
    src = [wrap_dim(d, input.ndim) for d in source]
    dst = [wrap_dim(d, input.ndim) for d in destination]
    for name, dims, given in (("source", src, source), ("destination", dst, destination)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({given})")
    order = [None] * input.ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(input.ndim) if i not in src)
    return permute(input, *[d if d is not None else next(rest) for d in order])


# NumPy's axis=/keepdims= spellings, accepted like PyTorch accepts them.
accept_numpy_names(globals(), ['cat', 'stack', 'squeeze', 'unsqueeze', 'flip', 'split', 'chunk', 'unbind'])
