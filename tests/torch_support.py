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
