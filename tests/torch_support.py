"""Real PyTorch for the parity tests: skipped where it is not installed, except where
AUTOGRADVIZ_REQUIRE_TORCH=1 (CI, whose ./dev installs the local CPU wheel) makes its absence a
failure."""
from __future__ import annotations

import os
import re

import pytest


def need_torch(module_level: bool = True):
    """``import torch`` (on one thread: a shared CI machine has few cores), or skip; fail
    instead when PyTorch is required."""
    try:
        import torch
    except ImportError:
        if os.environ.get("AUTOGRADVIZ_REQUIRE_TORCH") == "1":
            pytest.fail("PyTorch is required here (./dev test installs its local CPU wheel)")
        pytest.skip("PyTorch is not installed", allow_module_level=module_level)
    torch.set_num_threads(1)
    return torch


_ADDRESS = re.compile(r"0x[0-9a-f]+")


def without_addresses(text: str) -> str:
    """Printed output with object addresses (``<AddBackward0 object at 0x7f...>``) blanked."""
    return _ADDRESS.sub("0x…", text)


def intel_cpu() -> bool:
    """Whether this machine's CPU is Intel's (``vendor_id`` in /proc/cpuinfo, else the platform)."""
    try:
        with open("/proc/cpuinfo") as info:
            return any(line.startswith("vendor_id") and "GenuineIntel" in line for line in info)
    except OSError:
        import platform
        return "intel" in platform.processor().lower()


def bernoulli_drawn_by_mkl(torch) -> bool:
    """PyTorch's MKL builds draw ``bernoulli_(p)`` with a number p (and so dropout masks) from MKL's
    own generator on Intel CPUs, which autogradviz does not reproduce (docs/random.md)."""
    return torch.backends.mkl.is_available() and intel_cpu()
