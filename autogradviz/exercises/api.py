"""What students call: list, show, check, hint, progress, assert_correct, load."""
from __future__ import annotations

import builtins
import os
import sys
import types
from typing import Any

from .._errors import raised_in_callers_code
from . import registry
from .display import Markdown, Table
from .feedback import UNANSWERED, Feedback

# Per-kernel state: what has been attempted and passed, and how many hints were shown.
_progress: dict[str, dict[str, Any]] = {}
_hints_shown: dict[str, int] = {}


def list_exercises() -> Table:
    """All exercises: id, title, topic and the kind of answer each expects."""
    rows = [(ex.id, ex.title, ex.topic, ex.answer_kinds) for ex in registry.all_exercises()]
    return Table(("id", "title", "topic", "answer"), rows,
                 caption=f"{len(rows)} exercises: exercises.show(id) shows one")


def show(id: str) -> Markdown:
    """The statement of an exercise (rendered as Markdown in Jupyter)."""
    return Markdown(registry.get(id).markdown())


@raised_in_callers_code
def check(id: str, answer: Any, *, strict: bool = False, timeout: float | None = None) -> Feedback:
    """Judge ``answer`` to exercise ``id``. The Feedback is truthy when correct; with
    ``strict=True`` a wrong answer raises AssertionError with the same message.
    ``timeout``: seconds allowed to a function answer (default ``sandbox.time_limit()``).
    The blank of a student copy, ``answer = ...``, is "not answered yet" and is not an attempt."""
    ex = registry.get(id)
    if answer is Ellipsis:
        fb = Feedback(ex.id, False, "Not answered yet: replace the ... in `answer = ...` with your answer.",
                      status=UNANSWERED)
    else:
        fb = ex.check(answer, timeout=timeout)
        record = _progress.setdefault(ex.id, {"attempts": 0, "passed": False})
        record["attempts"] += 1
        record["passed"] = record["passed"] or bool(fb)
    if strict:
        fb.raise_if_wrong()
    return fb


@raised_in_callers_code
def assert_correct(id: str, answer: Any, *, timeout: float | None = None) -> Feedback:
    """``check(id, answer, strict=True)``: for autograded (nbgrader, otter) test cells. In Jupyter
    the failure shows the cell's own line and the feedback, not the checker's frames.

    In the browser (JupyterLite, where no grader runs) a wrong or blank answer is shown, not
    raised: JupyterLite's Run All would stop at the first graded cell, tag or no tag."""
    return check(id, answer, strict=not in_the_browser(), timeout=timeout)


def in_the_browser() -> bool:
    """Whether Python runs in a web page (Pyodide, as in JupyterLite)."""
    return sys.platform == "emscripten"


def hint(id: str) -> Markdown:
    """The next hint for an exercise; once all are shown, says there are no more."""
    ex = registry.get(id)
    shown = _hints_shown.get(ex.id, 0)
    total = len(ex.hints)
    if shown >= total:
        text = (f"No more hints for `{ex.id}`: you have seen all {total}." if total
                else f"There are no hints for `{ex.id}`.")
        return Markdown(text)
    _hints_shown[ex.id] = shown + 1
    return Markdown(f"**Hint {shown + 1} of {total}** for `{ex.id}`: {ex.hints[shown]}")


def progress() -> Table:
    """What this kernel has attempted and passed."""
    rows = []
    for ex in registry.all_exercises():
        rec = _progress.get(ex.id)
        if rec:
            rows.append((ex.id, ex.title, rec["attempts"], "✓ passed" if rec["passed"] else "✗ not yet"))
    passed = builtins.sum(1 for r in _progress.values() if r["passed"])
    total = len(registry.all_exercises())
    caption = (f"{passed} of {total} exercises passed ({len(rows)} attempted)" if rows
               else f"No exercise attempted yet ({total} available).")
    return Table(("id", "title", "attempts", "status"), rows, caption=caption)


def reset_progress() -> None:
    """Forget attempts and shown hints (for a fresh start in the same kernel)."""
    _progress.clear()
    _hints_shown.clear()


def load(source: str | os.PathLike | types.ModuleType) -> Table:
    """Register the exercises of a teacher's module or ``.py`` file; returns them as a table."""
    found = registry.load(source)
    rows = [(ex.id, ex.title, ex.topic, ex.answer_kinds) for ex in found]
    return Table(("id", "title", "topic", "answer"), rows, caption=f"loaded {len(rows)} exercises")
