"""``torch.random``: PyTorch's CPU random generator, bit for bit.

PyTorch's CPU generator is a Mersenne Twister (mt19937) seeded the classic way (``init_genrand``
with the low 32 bits of the seed). NumPy ships the same engine (``np.random.MT19937`` with its
legacy seeding), so a ``Generator`` here keeps its state in one and reads raw 32-bit words in bulk.
On top of the engine, PyTorch keeps one cached normal sample (the second value of a Box-Muller
pair) and packs everything into the 5056-byte state tensor of ``get_rng_state``; both are
reproduced, so states round-trip between the two libraries.

The draws themselves (uniform, normal, integers, permutations, ...) live in ``_sampling``.
"""
from __future__ import annotations

import os

import numpy as np

from . import _dtype as D
from ._device import CPU
from ._device import device as _device
from .tensor import Tensor, _make

__all__ = ["Generator", "default_generator", "get_rng_state", "initial_seed", "manual_seed", "seed",
           "set_rng_state"]

_N = 624                              # words of mt19937 state
_DEFAULT_SEED = 67280421310721        # what a new torch.Generator() starts from
_U64 = (1 << 64) - 1

# The layout of PyTorch's CPUGeneratorImplState (x86-64, little endian): the legacy header, the
# 624 state words widened to 64 bits, the double normal cache, then the float normal cache.
_STATE = np.dtype({
    "names": ["seed", "left", "seeded", "next", "state", "normal_y", "normal_is_valid",
              "float_normal", "float_normal_is_valid"],
    "formats": ["<u8", "<i4", "<i4", "<u8", ("<u8", _N), "<f8", "<i4", "<f4", "u1"],
    "offsets": [0, 8, 12, 16, 24, 5024, 5040, 5048, 5052],
    "itemsize": 5056,
})


def _nondeterministic_seed() -> int:
    return int.from_bytes(os.urandom(8), "little")


def _seed_value(seed, who: str) -> int:
    """A seed as PyTorch's unsigned 64-bit value (negative seeds wrap), or PyTorch's error."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise RuntimeError(f"{who} expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if not -(1 << 63) <= seed <= _U64:
        raise ValueError("Overflow when unpacking long long")
    return seed & _U64


class Generator:
    """``torch.Generator`` on the CPU: mt19937 with PyTorch's seeding, state and normal cache."""

    def __init__(self, device: str | _device = "cpu") -> None:
        kind = _device(device).type
        if kind == "cuda":
            raise RuntimeError("Cannot get CUDA generator without ATen_cuda library. (autogradviz computes on the "
                               "CPU only, with NumPy.)")
        if kind != "cpu":
            raise RuntimeError(f"{kind.upper()} device type not an accelerator.")
        self._engine = np.random.MT19937()
        self._set_seed(_DEFAULT_SEED)

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {hex(id(self))}>"

    @property
    def device(self) -> _device:
        return CPU

    def _set_seed(self, value: int) -> None:
        self._seed = value
        self._engine._legacy_seeding(value & 0xFFFFFFFF)
        self._fresh = True                   # seeded, nothing drawn yet (PyTorch's next = 0)
        self._next_double_normal: float | None = None
        self._next_float_normal: float | None = None

    def manual_seed(self, seed: int) -> Generator:
        """Seed the generator; returns it."""
        self._set_seed(_seed_value(seed, "manual_seed"))
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy and return the seed."""
        value = _nondeterministic_seed()
        self._set_seed(value)
        return value

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._seed

    # --- raw words ---------------------------------------------------------------------------
    def _words(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit outputs of the engine (as uint64), PyTorch's ``random()``."""
        self._fresh = False
        return self._engine.random_raw(n)

    def _words64(self, n: int) -> np.ndarray:
        """The next ``n`` 64-bit values, each two words high then low: PyTorch's ``random64()``."""
        w = self._words(2 * n)
        return (w[0::2] << np.uint64(32)) | w[1::2]

    # --- state bytes -------------------------------------------------------------------------
    def get_state(self) -> Tensor:
        """The generator's state as PyTorch's 5056-byte ``torch.uint8`` tensor."""
        engine = self._engine.state["state"]
        pos = int(engine["pos"])
        rec = np.zeros((), _STATE)
        rec["seed"] = self._seed
        rec["left"] = 1 if pos == _N else _N + 1 - pos
        rec["seeded"] = 1
        rec["next"] = 0 if self._fresh else pos
        rec["state"] = engine["key"]
        if self._next_double_normal is not None:
            rec["normal_y"], rec["normal_is_valid"] = self._next_double_normal, 1
        if self._next_float_normal is not None:
            rec["float_normal"], rec["float_normal_is_valid"] = self._next_float_normal, 1
        return _make(np.frombuffer(rec.tobytes(), np.uint8).copy(), D.uint8)

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state from ``get_state`` (or from PyTorch's ``get_rng_state``)."""
        if not isinstance(new_state, Tensor) or new_state.dtype is not D.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        data = np.ascontiguousarray(new_state._data).reshape(-1)
        if data.size != _STATE.itemsize:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE.itemsize} but found the input "
                               f"RNG state size to be {data.size}")
        rec = np.frombuffer(data.tobytes(), _STATE)[0]
        left, nxt = int(rec["left"]), int(rec["next"])
        if not (rec["seeded"] and 0 < left <= _N and nxt <= _N):
            raise RuntimeError("Invalid mt19937 state")
        key = (rec["state"] & 0xFFFFFFFF).astype(np.uint32)
        self._engine.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": _N if left == 1 else nxt}}
        self._seed = int(rec["seed"])
        self._fresh = left == 1 and nxt == 0
        self._next_double_normal = float(rec["normal_y"]) if rec["normal_is_valid"] else None
        self._next_float_normal = float(rec["float_normal"]) if rec["float_normal_is_valid"] else None
        return self


default_generator = Generator()
default_generator.seed()        # the global generator starts from a fresh random seed, as PyTorch's


def manual_seed(seed) -> Generator:
    """Seed the global generator so random numbers repeat; returns it."""
    return default_generator.manual_seed(_seed_value(int(seed), "manual_seed"))


def seed() -> int:
    """Seed the global generator from the operating system's entropy and return the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the global generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The global generator's state (PyTorch's 5056-byte layout)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the global generator's state from ``get_rng_state``."""
    default_generator.set_state(new_state)


def generator_or_default(generator: Generator | None) -> Generator:
    """The generator a random function draws from: the one given, or the global one."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a torch.Generator, not {type(generator).__name__}")
    return generator
