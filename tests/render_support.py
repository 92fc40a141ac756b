"""Shared by the renderer tests: Graphviz's dot is required where AUTOGRADVIZ_REQUIRE_DOT=1."""
from __future__ import annotations

import os
import shutil

import pytest


def need_dot() -> None:
    """Skip without Graphviz, unless AUTOGRADVIZ_REQUIRE_DOT=1 demands it (then fail)."""
    if shutil.which("dot"):
        return
    if os.environ.get("AUTOGRADVIZ_REQUIRE_DOT") == "1":
        pytest.fail("AUTOGRADVIZ_REQUIRE_DOT=1 but Graphviz's `dot` is not installed")
    pytest.skip("Graphviz's `dot` is not installed")
