"""Devices as PyTorch names them. autogradviz computes with NumPy on the CPU: ``torch.device("cuda")``
builds and prints as in a CPU-only PyTorch, and moving data there fails with PyTorch's error."""
from __future__ import annotations

import re

_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
          "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class device:
    """Where a tensor lives: ``device("cpu")``, ``device("cuda:0")``, ``device("cuda", 1)``."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device | int, index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError("Cannot access accelerator device when none is available.")
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({_type_name(type)}), "
                            "but expected one of: (torch.device device) or (str type, int index = -1)")
        kind, sep, number = type.partition(":")
        if kind not in _TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of device string: {type}")
        if sep:
            if not re.fullmatch(r"0|[1-9][0-9]*", number):
                raise RuntimeError(f"Invalid device string: '{type}'")
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {type}")
            index = int(number)
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name, value):
        raise AttributeError(f"attribute '{name}' of 'torch.device' objects is not writable")

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))


def _type_name(value) -> str:
    return type(value).__name__


CPU = device("cpu")
_default = CPU


def check_device(where) -> None:
    """Accept the CPU (``None``, ``"cpu"``, ``device("cpu")``); refuse any other device with
    PyTorch's error from a build that has no GPU support."""
    if where is None:
        return
    if where.__class__ is str and where == "cpu":
        return
    d = where if isinstance(where, device) else device(where)
    if d.type == "cpu":
        return
    if d.type == "cuda":
        raise AssertionError("Torch not compiled with CUDA enabled")
    if d.type == "mps":
        raise RuntimeError("PyTorch is not linked with support for mps devices")
    raise RuntimeError(f"autogradviz computes on the CPU only (NumPy): there is no '{d.type}' device")


def set_default_device(where) -> None:
    """Where new tensors are made: only the CPU (or None) is accepted, as in a CPU-only build."""
    check_device(where)


def get_default_device() -> device:
    """The device new tensors are made on: always the CPU."""
    return _default
