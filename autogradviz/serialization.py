"""``torch.save`` and ``torch.load``: tensors, state dicts and whole objects, written with pickle.

``load`` reads only tensors, numbers, strings and containers unless ``weights_only=False``, as
PyTorch's does since 2.6: unpickling anything else can run code from whoever wrote the file.
"""
from __future__ import annotations

import os
import pickle
from typing import IO, Any

# (module, name) of every class or function a file of tensors and containers refers to
_WEIGHTS = {
    ("collections", "OrderedDict"),
    ("autogradviz.tensor", "_rebuild"),
    ("autogradviz.tensor", "Size"),
    ("autogradviz.nn.parameter", "_rebuild_parameter"),
    ("autogradviz._dtype", "from_name"),
    ("autogradviz._device", "device"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"),   # arrays in pickle protocol 5
    ("numpy.core.numeric", "_frombuffer"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "complex"),
    ("builtins", "slice"),
    ("_codecs", "encode"),            # bytes, in pickle protocol 2
}

File = str | os.PathLike | IO[bytes]


class _WeightsUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _WEIGHTS and not module.startswith("numpy.dtypes"):
            raise pickle.UnpicklingError(
                f"Weights only load failed. The file refers to {module}.{name}, which is not a tensor, "
                "a number, a string or a container of them. If you trust where the file came from, "
                "load it with weights_only=False (unpickling can run arbitrary code).")
        return super().find_class(module, name)


def save(obj: Any, f: File, pickle_protocol: int = 4) -> None:
    """Write ``obj`` (a tensor, a ``state_dict()``, a module, any picklable object) to ``f``."""
    if hasattr(f, "write"):
        pickle.dump(obj, f, protocol=pickle_protocol)
        return
    with open(os.fspath(f), "wb") as handle:
        pickle.dump(obj, handle, protocol=pickle_protocol)


def load(f: File, map_location=None, *, weights_only: bool = True, **kwargs) -> Any:
    """Read back what ``save`` wrote. ``map_location`` may name the CPU only (there is no GPU)."""
    from ._device import check_device
    if map_location is not None and not callable(map_location) and not isinstance(map_location, dict):
        check_device(map_location)
    if not hasattr(f, "read"):
        with open(os.fspath(f), "rb") as handle:
            return load(handle, weights_only=weights_only)
    if weights_only:
        return _WeightsUnpickler(f).load()
    return pickle.load(f)
