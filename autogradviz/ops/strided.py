"""Strides, and the ops PyTorch's course code reaches for beyond indexing: ``as_strided`` (a view
at any sizes and strides over a tensor's memory, AsStridedBackward0), ``unflatten``, ``ravel``,
``tensor_split``, and ``index_add``, ``index_copy``, ``index_fill`` (one ``OpDef`` each, with
PyTorch's grad_fn names and in-place forms ``Tensor.<name>_``).

A tensor's *storage* is the NumPy allocation its array lies in (following ``ndarray.base``);
``stride()`` and ``storage_offset()`` count elements in it, as PyTorch's do. Where an
``as_strided`` view lies in its base is worked out from the base's own strides, so that in-place
writes through the view are tracked like those through any other view (autograd/views.py).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor
from .common import wrap_dim
from .registry import OpDef, apply


# --- storage geometry ------------------------------------------------------------------------------
def storage_of(a: np.ndarray) -> np.ndarray:
    """The array that owns ``a``'s memory (``a`` itself when it owns it)."""
    owner = a
    while True:
        base = owner.base
        if isinstance(base, np.ndarray):
            owner = base
        elif isinstance(getattr(base, "base", None), np.ndarray):   # NumPy's as_strided wraps its input once
            owner = base.base
        else:
            return owner


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def _offset(a: np.ndarray) -> int:
    """How many elements into its storage ``a``'s first element lies."""
    return (_address(a) - _address(storage_of(a))) // a.itemsize


def _strides(a: np.ndarray) -> tuple[int, ...]:
    """``a``'s strides in elements. A dim of size 1 is never stepped along, and NumPy leaves its
    stride to chance (often 0): it gets PyTorch's, the stride of a contiguous layout there."""
    steps = [s // a.itemsize for s in a.strides]
    for d in range(a.ndim - 1, -1, -1):
        if a.shape[d] == 1:
            steps[d] = steps[d + 1] * max(a.shape[d + 1], 1) if d + 1 < a.ndim else 1
    return tuple(steps)


def _storage_size(a: np.ndarray) -> int:
    return storage_of(a).nbytes // a.itemsize


def _memory_index(storage_size: int, shape, strides_, offset: int, size, stride, start: int) -> np.ndarray:
    """For each element of the (size, stride, start) view of a storage, the flat index of the
    element of the (shape, strides_, offset) tensor at the same place (-1 where there is none)."""
    memory = np.full(storage_size, -1, dtype=np.int64)
    np.lib.stride_tricks.as_strided(memory[offset:], shape, tuple(s * 8 for s in strides_))[...] = \
        np.arange(math.prod(shape), dtype=np.int64).reshape(shape)
    return np.lib.stride_tricks.as_strided(memory[start:], size, tuple(s * 8 for s in stride)).copy()


# --- as_strided -----------------------------------------------------------------------------------
def _as_strided_forward(a, size, stride, storage_offset, **geometry):
    owner = storage_of(a)
    if not owner.flags.contiguous and not owner.flags.f_contiguous:
        raise NotImplementedError("as_strided(): autogradviz needs the tensor's storage to be one block of memory")
    memory = owner.ravel(order="K").view(np.uint8)   # in memory order, without a copy
    start = memory[storage_offset * a.itemsize:]
    start = start[:start.size - start.size % a.itemsize].view(a.dtype)
    return np.lib.stride_tricks.as_strided(start, size, tuple(s * a.itemsize for s in stride),
                                           writeable=a.flags.writeable)


def _as_strided_positions(positions, size, stride, storage_offset, storage_size, base_shape, base_strides,
                          base_offset, **_):
    """The view's elements as flat indices into its base (replayed by autograd/views.py)."""
    index = _memory_index(storage_size, base_shape, base_strides, base_offset, size, stride, storage_offset)
    if (index < 0).any():
        raise RuntimeError("as_strided(): the view reaches memory outside its base tensor, where autogradviz "
                           "cannot follow in-place changes")
    return index


def _as_strided_grad(xp, g, c):
    """Each element's gradient added to the element of the input at the same memory (none where
    the view read memory outside the input)."""
    index = _memory_index(c.storage_size, c.shape, c.input_strides, c.input_offset, c.size, c.stride,
                          c.storage_offset).reshape(-1)
    flat = xp.reshape(g, (-1,))
    inside = index >= 0
    if not inside.all():
        flat, index = xp.take(flat, (np.flatnonzero(inside),)), index[inside]
    return xp.reshape(xp.scatter_add((math.prod(c.shape),), (index,), flat, None), tuple(c.shape))


AS_STRIDED = OpDef("as_strided", "AsStridedBackward0",
                   inputs=("input",), expression="{input}.as_strided({size}, {stride})",
                   rules=("∂{out}/∂{input} = 1 for each time an element's memory is read",),
                   sends=("{grad} added back at the memory each element was read from",),
                   functions=("as_strided",), methods=("as_strided",),
                   forward=_as_strided_forward, vjps=(_as_strided_grad,), dtype="same", view=True,
                   extra={"replay": _as_strided_positions})


def _int_list(values, what: str) -> tuple[int, ...]:
    if isinstance(values, (int, np.integer)):
        values = (values,)
    out = tuple(int(v) for v in values)
    if any(isinstance(v, bool) for v in values):
        raise TypeError(f"as_strided(): argument '{what}' must be tuple of ints")
    return out


def as_strided(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """A view of ``input``'s storage with the given sizes and strides (in elements), starting
    ``storage_offset`` elements in (``input``'s own offset by default)."""
    size, stride = _int_list(size, "size"), _int_list(stride, "stride")
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: {list(stride)}")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: {list(size)}")
    data = input._data
    offset = storage_offset_of(input) if storage_offset is None else int(storage_offset)
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    available = _storage_size(data)
    needed = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if needed > available:
        item = data.itemsize
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {item} requiring a storage size of {needed * item} are out of bounds for "
                           f"storage of size {available * item}")
    meta = input._meta
    base = meta.base if meta is not None and meta.base is not None else input
    params = {"size": size, "stride": stride, "storage_offset": offset, "storage_size": available,
              "input_strides": _strides(data), "input_offset": _offset(data),
              "base_shape": tuple(base._data.shape), "base_strides": _strides(base._data),
              "base_offset": _offset(base._data)}
    return apply(AS_STRIDED, (input,), params)


def storage_offset_of(tensor: Tensor) -> int:
    """``Tensor.storage_offset()``."""
    return _offset(tensor._data)


def stride_of(tensor: Tensor, dim: int | None = None):
    """``Tensor.stride()``: the strides in elements, or the stride of one dim."""
    steps = _strides(tensor._data)
    return steps if dim is None else steps[wrap_dim(dim, tensor.ndim)]


# --- unflatten, ravel, tensor_split ----------------------------------------------------------------
def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one of them may be -1): a view (ViewBackward0)."""
    d = wrap_dim(dim, input.ndim)
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if sizes.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(s for s in sizes if s != -1)
    n = input.shape[d]
    if -1 in sizes:
        if known == 0 or n % known:
            raise RuntimeError(f"shape '{list(sizes)}' is invalid for input of size {n}")
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    elif known != n:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {d} ({n}) "
                           "in the input tensor")
    return input.view(*input.shape[:d], *sizes, *input.shape[d + 1:])


def ravel(input: Tensor) -> Tensor:
    """The elements in one dim: a view when the memory is in C order, else of a copy (as PyTorch's
    ``contiguous().view(-1)``)."""
    return input.contiguous().view(-1)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of ``input`` split along ``dim``: into ``n`` nearly equal parts (the first ones one
    longer), or at the given indices."""
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if isinstance(indices_or_sections, Tensor):
        if indices_or_sections.dtype not in (D.int64, D.int32, D.int16, D.int8, D.uint8):
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have integer dtype, but got "
                               f"{indices_or_sections.dtype}")
        if indices_or_sections.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {indices_or_sections.ndim} dims")
        indices_or_sections = (indices_or_sections.item() if indices_or_sections.ndim == 0
                               else indices_or_sections.tolist())
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        small, extra = divmod(n, sections)
        bounds, start = [], 0
        for k in range(sections - 1):
            start += small + (k < extra)
            bounds.append(start)
    else:
        bounds = [int(i) for i in indices_or_sections]
    pieces, start = [], 0
    for stop in bounds + [n]:
        lo = min(max(start if start >= 0 else start + n, 0), n)
        hi = min(max(stop if stop >= 0 else stop + n, 0), n)
        pieces.append(input.narrow(d, lo, max(hi - lo, 0)))
        start = stop
    return tuple(pieces)


# --- index_add, index_copy, index_fill ---------------------------------------------------------------
def _along(dim: int, index: np.ndarray) -> tuple:
    return (slice(None),) * dim + (index,)


def _index_add_forward(a, source, dim, index, alpha=1):
    out = a.copy()
    np.add.at(out, _along(dim, index), source * alpha if alpha != 1 else source)
    return out


def _index_copy_forward(a, source, dim, index):
    out = a.copy()
    out[_along(dim, index)] = source
    return out


def _index_fill_forward(a, *tensor_value, dim, index, value=None):
    out = a.copy()
    out[_along(dim, index)] = tensor_value[0] if tensor_value else value
    return out


def _selected(xp, g, c):
    """The gradient at the indexed slices, as the source's gradient (times alpha)."""
    picked = xp.take(g, _along(c.dim, c.index))
    alpha = c.params.get("alpha", 1)
    return picked * alpha if alpha != 1 else picked


def _zeroed(xp, g, c):
    return xp.zero_at(g, _along(c.dim, c.index))


INDEX_ADD = OpDef("index_add", "IndexAddBackward0",
                  inputs=("input", "source"), expression="{input}.index_add({dim}, index, {source})",
                  rules=("∂{out}/∂{input} = 1", "∂{out}/∂{source} = {alpha=1} at the slice each was added to"),
                  sends=("{grad}", "{alpha=1} × {grad} at the indexed slices"),
                  functions=("index_add",), methods=("index_add",), inplace=("index_add",),
                  forward=_index_add_forward, vjps=(lambda xp, g, c: g, _selected), dtype="same")
INDEX_COPY = OpDef("index_copy", "IndexCopyBackward0",
                   inputs=("input", "source"), expression="{input}.index_copy({dim}, index, {source})",
                   rules=("∂{out}/∂{input} = 1 except in the indexed slices, 0 there",
                          "∂{out}/∂{source} = 1 at the slice each was copied to"),
                   sends=("{grad} with the indexed slices zeroed", "{grad} at the indexed slices"),
                   functions=("index_copy",), methods=("index_copy",), inplace=("index_copy",),
                   forward=_index_copy_forward, vjps=(_zeroed, _selected), dtype="same")
INDEX_FILL = OpDef("index_fill", "IndexFillBackward0",
                   inputs=("input",), expression="{input}.index_fill({dim}, index, {value})",
                   rules=("∂{out}/∂{input} = 1 except in the indexed slices, 0 there",),
                   sends=("{grad} with the indexed slices zeroed",),
                   functions=("index_fill",), methods=("index_fill",), inplace=("index_fill",),
                   forward=_index_fill_forward, vjps=(_zeroed,), dtype="same")
INDEX_FILL_TENSOR = OpDef("index_fill_tensor", "IndexFillBackward1",
                          inputs=("input", "value"), expression="{input}.index_fill({dim}, index, {value})",
                          rules=("∂{out}/∂{input} = 1 except in the indexed slices, 0 there",
                                 "∂{out}/∂{value} = 1 for each element of the indexed slices"),
                          sends=("{grad} with the indexed slices zeroed", "{grad} summed over the indexed slices"),
                          forward=_index_fill_forward,
                          vjps=(_zeroed, lambda xp, g, c: xp.sum(xp.take(g, _along(c.dim, c.index)))),
                          dtype="same")


def _index_of(name: str, input: Tensor, dim: int, index) -> tuple:
    """(dim, the index as a 1-D int64 array) checked as PyTorch checks them for ``name``: index_add
    takes int32 or int64, the other two int64 only; only index_fill counts negative indices from
    the end."""
    if input.ndim == 0:
        raise NotImplementedError(f"{name}() of a 0-dim tensor is not supported by autogradviz: reshape it to (1,)")
    d = wrap_dim(dim, input.ndim)
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' (position 2) must be Tensor, not {type(index).__name__}")
    kind = index.dtype.scalar_name
    if name == "index_add" and index.dtype not in (D.int64, D.int32):
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: {kind}")
    if name == "index_copy" and index.dtype is not D.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {kind}")
    if name == "index_fill" and index.dtype is not D.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if index.ndim > 1:
        if name == "index_add":
            raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: {index.ndim} with type: "
                             f"{kind} and size: {list(index.shape)}")
        if name == "index_copy":
            raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.ndim})")
        raise RuntimeError("Index has to be a vector/scalar")
    idx = index._data.astype(np.int64).reshape(-1)
    n = input.shape[d]
    bad = (idx >= n) | (idx < (-n if name == "index_fill" else 0))
    if bad.any():
        message = f"index {int(idx[bad][0])} is out of bounds for dimension {d} with size {n}"
        if name == "index_add":
            raise RuntimeError(message)
        raise IndexError(("index_copy_(): " if name == "index_copy" else "") + message)
    return d, idx % n


def _source_of(name: str, input: Tensor, source, d: int, idx: np.ndarray) -> Tensor:
    """``source`` checked against ``input`` and the index, in PyTorch's order and words."""
    if not isinstance(source, Tensor):
        raise TypeError(f"{name}(): argument 'source' (position 3) must be Tensor, not {type(source).__name__}")
    mine, theirs = input.dtype.scalar_name, source.dtype.scalar_name
    if name == "index_copy":
        if source.ndim != input.ndim:
            raise IndexError("index_copy_(): When source and destination are not scalars, their dimensionality must "
                             f"match. Source dimensionality ({source.ndim}), destination dimensionality ({input.ndim})")
        if source.shape[d] != len(idx):
            raise IndexError(f"index_copy_(): Number of indices ({len(idx)}) should be equal to source.size(dim) "
                             f"({source.shape[d]})")
        rest = [s for k, s in enumerate(input.shape) if k != d], [s for k, s in enumerate(source.shape) if k != d]
        if rest[0] != rest[1]:
            raise RuntimeError("index_copy_(): Source/destination tensor must have same slice shapes. Destination "
                               f"slice shape: {' '.join(map(str, rest[0]))} at dimension {d} and source slice shape: "
                               f"{' '.join(map(str, rest[1]))} at dimension 0.")
        if source.dtype is not input.dtype:
            raise RuntimeError("index_copy_(): self and source expected to have the same dtype, but got (self) "
                               f"{mine} and (source) {theirs}")
        return source
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({mine}) and source ({theirs}) must have the same scalar type")
    along = source.shape[d] if d < source.ndim else 1
    if along != len(idx):
        raise RuntimeError(f"index_add_(): Number of indices ({len(idx)}) should be equal to source.size(dim): "
                           f"({along}), for dim: {d}")
    expected = input.shape[:d] + (len(idx),) + input.shape[d + 1:]
    if tuple(source.shape) != tuple(expected):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(input.shape)} source.shape = {list(source.shape)}")
    return source


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """A copy of ``input`` with ``alpha × source`` added at the slices ``index`` along ``dim``
    (repeated indices add up)."""
    d, idx = _index_of("index_add", input, dim, index)
    source = _source_of("index_add", input, source, d, idx)
    params = {"dim": d, "index": idx}
    if alpha != 1:
        params["alpha"] = alpha
    return apply(INDEX_ADD, (input, source), params)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with the slices of ``source`` copied to the slices ``index`` along ``dim``."""
    d, idx = _index_of("index_copy", input, dim, index)
    source = _source_of("index_copy", input, source, d, idx)
    return apply(INDEX_COPY, (input, source), {"dim": d, "index": idx})


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of ``input`` with the slices ``index`` along ``dim`` set to ``value`` (a number or a
    0-dim tensor)."""
    d, idx = _index_of("index_fill", input, dim, index)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        if value.dtype is not input.dtype:
            value = value.to(input.dtype)
        return apply(INDEX_FILL_TENSOR, (input, value), {"dim": d, "index": idx})
    return apply(INDEX_FILL, (input,), {"dim": d, "index": idx, "value": value})
