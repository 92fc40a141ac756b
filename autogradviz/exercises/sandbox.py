"""Run student code with a time limit, and find the student's own line in a traceback.

In the main thread the limit is a SIGALRM timer (``signal.setitimer``) that raises
``TimeLimitExceeded`` inside the student's code, so an infinite loop stops and the kernel stays
usable. Elsewhere (no SIGALRM, or another thread) the code runs in a daemon thread joined with a
timeout; a thread still running is sent ``TimeLimitExceeded`` asynchronously (best effort:
pure-Python code only, as with the alarm; a long NumPy call finishes before it is interrupted).
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import sysconfig
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEFAULT_TIME_LIMIT = 5.0
_limit = [DEFAULT_TIME_LIMIT]


def set_time_limit(seconds: float) -> None:
    """Change the default time limit for student code (seconds)."""
    if not seconds > 0:
        raise ValueError(f"the time limit must be positive, got {seconds!r}")
    _limit[0] = float(seconds)


def time_limit() -> float:
    """The default time limit for student code (seconds)."""
    return _limit[0]


class TimeLimitExceeded(BaseException):
    """Raised inside student code when its time is up (a BaseException: ``except Exception``
    in student code does not swallow it)."""


@dataclass
class Outcome:
    """What running student code gave: a value, an exception, or a timeout."""

    value: Any = None
    error: BaseException | None = None
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out


def run_limited(fn: Callable, *args: Any, timeout: float | None = None, **kwargs: Any) -> Outcome:
    """Call ``fn(*args, **kwargs)``; exceptions and timeouts are returned, never raised
    (KeyboardInterrupt excepted, so the user can still interrupt the kernel)."""
    limit = time_limit() if timeout is None else float(timeout)
    start = time.perf_counter()
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        out = _run_with_alarm(fn, args, kwargs, limit)
    else:
        out = _run_in_thread(fn, args, kwargs, limit)
    out.seconds = time.perf_counter() - start
    return out


def _run_with_alarm(fn, args, kwargs, limit: float) -> Outcome:
    state = {"active": False, "fired": False}
    traced: list = []  # frames given the tripwire, and the previous global trace function

    def tripwire(frame, event, arg):
        # Raised at the next line the student's code runs: after it caught the alarm's exception
        # that line is inside its own except clause, so this one escapes. (A trace function that
        # raises is removed; every repeat of the alarm installs it again.)
        if state["active"] and event == "line":
            raise TimeLimitExceeded()
        return tripwire

    def on_alarm(signum, frame):
        if not state["active"]:
            return
        if not state["fired"]:
            state["fired"] = True
            traced.append(sys.gettrace())
        sys.settrace(tripwire)
        f = frame
        while f is not None:
            f.f_trace, f.f_trace_lines = tripwire, True
            traced.append(f)
            f = f.f_back
        raise TimeLimitExceeded()

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    # The timer repeats, so student code that catches the first alarm is interrupted again.
    previous_timer = signal.setitimer(signal.ITIMER_REAL, limit, 0.05)
    out = Outcome()
    try:
        try:
            state["active"] = True
            out.value = fn(*args, **kwargs)
        except TimeLimitExceeded:
            out.timed_out = True
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            out.error = exc
        finally:
            state["active"] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except TimeLimitExceeded:  # the alarm landed between the call returning and the timer stopping
        out.timed_out = True
    finally:
        state["active"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_timer[0] > 0:
            signal.setitimer(signal.ITIMER_REAL, *previous_timer)
        if traced:
            sys.settrace(traced[0])
            for f in traced[1:]:
                f.f_trace = None
            traced.clear()
    if state["fired"]:
        out.timed_out, out.value, out.error = True, None, None
    return out


def _async_raise(thread_id: int, exc_type: type) -> None:
    """Raise ``exc_type`` in another thread at its next bytecode check."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc_type))


def _run_in_thread(fn, args, kwargs, limit: float) -> Outcome:
    out = Outcome()

    def target():
        try:
            out.value = fn(*args, **kwargs)
        except TimeLimitExceeded:
            out.timed_out = True
        except BaseException as exc:
            out.error = exc

    worker = threading.Thread(target=target, name="autogradviz-exercise", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        _async_raise(worker.ident, TimeLimitExceeded)
        worker.join(0.5)
        return Outcome(timed_out=True)
    return out


# --- tracebacks --------------------------------------------------------------------------------
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _library_dirs() -> tuple[str, ...]:
    dirs = {_PACKAGE_DIR}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            dirs.add(os.path.abspath(path))
    return tuple(d.rstrip(os.sep) + os.sep for d in dirs)


def student_frame(exc: BaseException) -> traceback.FrameSummary | None:
    """The innermost traceback frame that belongs to the student's code (not to autogradviz,
    the standard library or installed packages)."""
    libs = _library_dirs()
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        name = frame.filename
        if name.startswith("<frozen") or os.path.abspath(name).startswith(libs):
            continue
        return frame
    return None


def error_summary(exc: BaseException) -> str:
    """``RuntimeError: message`` (the message's first line)."""
    lines = str(exc).strip().splitlines()
    if not lines:
        return type(exc).__name__
    text = lines[0]
    if len(text) > 120 and ". " in text:
        text = text[:text.index(". ")]
    return f"{type(exc).__name__}: {text.rstrip('.')}"


def error_location(exc: BaseException) -> str | None:
    """``File "...", line N, in f`` and the code line, for the student's innermost frame."""
    frame = student_frame(exc)
    if frame is None:
        return None
    where = f'File "{frame.filename}", line {frame.lineno}, in {frame.name}'
    code = (frame.line or "").strip()
    return f"{where}\n    {code}" if code else where
