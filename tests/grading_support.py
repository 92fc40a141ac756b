"""Shared by the grading tests: teachers/build.py (the real graders' commands) and the master."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def _load_build():
    spec = importlib.util.spec_from_file_location("teachers_build", ROOT / "teachers" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def role(cell) -> str | None:
    """"answer" (an nbgrader solution cell), "graded" (an nbgrader grade cell), "check", or None."""
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "graded"
    return "check" if "check" in cell.metadata.get("tags", []) else None


def solution(cell) -> str:
    """The lines between the solution markers of a master's answer cell."""
    lines = cell.source.splitlines()
    return "\n".join(lines[lines.index(build.BEGIN) + 1: lines.index(build.END)])


def solutions(master) -> dict[str, str]:
    """exercise id -> the master's solution code."""
    return {c.metadata["exercise"]: solution(c) for c in master.cells if role(c) == "answer"}
