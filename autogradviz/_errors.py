"""Errors that end in the student's code: in Jupyter, the traceback of an error raised by a public
entry point (``backward()``, ``step_backward``, ``draw_graph``, ...) shows the student's lines
and the message, not the frames of autogradviz itself. The exception and its message are
unchanged (``except RuntimeError`` and PyTorch's texts still apply).
"""
from __future__ import annotations

import functools
import os
import traceback
import types
from collections.abc import Callable
from typing import TypeVar

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_IPYTHON = os.sep + "IPython" + os.sep

F = TypeVar("F", bound=Callable)


def shown_from_callers_code(exc: BaseException) -> BaseException:
    """Let IPython show ``exc`` without autogradviz's frames (it reads ``_render_traceback_``)."""
    if not hasattr(exc, "_render_traceback_"):
        exc._render_traceback_ = lambda: _render(exc)
    return exc


def raised_in_callers_code(fn: F) -> F:
    """Wrap a public function so that its errors show up as raised by the line that called it."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        __tracebackhide__ = True
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            shown_from_callers_code(exc)
            raise
    return wrapper  # type: ignore[return-value]


def callers_frames(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback without the frames of autogradviz and IPython (the student's lines)."""
    kept = []
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE) and _IPYTHON not in filename:
            kept.append(tb)
        tb = tb.tb_next
    out = None
    for t in reversed(kept):
        out = types.TracebackType(out, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return out


def _render(exc: BaseException) -> list[str]:
    tb = callers_frames(exc.__traceback__)
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython calls this, so it is there
        shell = None
    if shell is not None:
        return shell.InteractiveTB.structured_traceback(type(exc), exc, tb, tb_offset=0)
    return traceback.format_exception(type(exc), exc, tb)
