"""Dtypes with PyTorch's names, reprs and type-promotion rules."""
from __future__ import annotations

import numpy as np

__all__ = ["default_float", "dtype", "from_numpy_dtype", "result_type"]


class dtype:
    """A tensor element type, printed as ``torch.float32`` like PyTorch's."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_category", "_legacy")

    def __init__(self, name: str, np_type: type, category: int, legacy: str):
        self.name = name
        self.np = np.dtype(np_type)
        self._category = category          # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_signed = category == 2 or self.np.kind == "i"
        self.itemsize = self.np.itemsize
        self._legacy = legacy              # "FloatTensor", used in a few PyTorch messages

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return (from_name, (self.name,))

    @property
    def scalar_name(self) -> str:
        """PyTorch's name for the type in messages: Float, Double, Long, Int, Bool, ..."""
        return self._legacy[:-len("Tensor")]

    @property
    def is_complex(self) -> bool:
        return False

    def to_real(self) -> dtype:
        return self


bool_ = dtype("bool", np.bool_, 0, "BoolTensor")
uint8 = dtype("uint8", np.uint8, 1, "ByteTensor")
int8 = dtype("int8", np.int8, 1, "CharTensor")
int16 = dtype("int16", np.int16, 1, "ShortTensor")
int32 = dtype("int32", np.int32, 1, "IntTensor")
int64 = dtype("int64", np.int64, 1, "LongTensor")
float16 = dtype("float16", np.float16, 2, "HalfTensor")
float32 = dtype("float32", np.float32, 2, "FloatTensor")
float64 = dtype("float64", np.float64, 2, "DoubleTensor")

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}

_default_float = float32


def default_float() -> dtype:
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the dtype that Python floats and float factories produce (float32 or float64)."""
    global _default_float
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def get_default_dtype() -> dtype:
    return _default_float


def from_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The autogradviz dtype for a NumPy dtype, or a TypeError naming it."""
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promote_types: a higher category wins outright, else the wider type."""
    if a is b:
        return a
    if a._category != b._category:
        return a if a._category > b._category else b
    return _BY_NP[np.promote_types(a.np, b.np)]


def _scalar_dtype(value) -> dtype:
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    return _default_float


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> dtype:
    """The dtype of an elementwise op on tensors and Python numbers, by PyTorch's rules.

    Tensors with dimensions outrank zero-dim tensors, which outrank Python numbers, except that a
    higher category (bool < integer < floating) always lifts the result: an int64 tensor times 2.5
    is float32, a float32 tensor times a float64 zero-dim tensor stays float32.
    """
    dim_result = zero_result = wrapped_result = None
    for op in operands:
        d = getattr(op, "_dtype", None)
        if d is None:  # a Python or NumPy scalar
            d = _scalar_dtype(op)
            wrapped_result = d if wrapped_result is None else promote_types(wrapped_result, d)
        elif op._data.ndim == 0:
            zero_result = d if zero_result is None else promote_types(zero_result, d)
        else:
            dim_result = d if dim_result is None else promote_types(dim_result, d)
    return _combine(dim_result, _combine(zero_result, wrapped_result))
