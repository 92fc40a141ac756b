"""Run student code with a time limit, and find the student's own line in a traceback.

Neither of the two ways to stop code that runs too long needs a thread or a process, which Python
in a browser (Pyodide) cannot start:

- In CPython's main thread a repeating SIGALRM timer (``signal.setitimer``) raises
  ``TimeLimitExceeded`` inside the student's code; it costs nothing while the code runs.
- Elsewhere (Pyodide, Windows, another thread) a *deadline* is checked at each line the code
  runs, with ``sys.monitoring`` (Python 3.12 and newer, Pyodide's too) or else ``sys.settrace``.
  It slows pure-Python code down while it runs.

The exception is raised where the code is when the time is up, and after that again at every line
of the student's own code, so ``except BaseException: pass`` in a loop does not keep it running,
while the ``finally`` clauses and ``__exit__`` methods of libraries still run. One gap: before
Python 3.12, a trace function that raises is switched off, so without the alarm (Windows, another
thread) code that catches the first exception and loops on runs until the kernel is interrupted.
Only Python code is interrupted: a long NumPy call finishes first.
"""
from __future__ import annotations

import functools
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
        out = _run_with_deadline(fn, args, kwargs, limit)
    out.seconds = time.perf_counter() - start
    return out


def _call(fn, args, kwargs) -> Outcome:
    """Call ``fn``; its value, its exception, or the time limit's exception as a timeout."""
    out = Outcome()
    try:
        out.value = fn(*args, **kwargs)
    except TimeLimitExceeded:
        out.timed_out = True
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        out.error = exc
    return out


def _run_with_alarm(fn, args, kwargs, limit: float) -> Outcome:
    state = {"active": False, "fired": False}
    traced: list = []  # frames given the tripwire, and the previous global trace function

    def tripwire(frame, event, arg):
        # Raised at the next line the student's code runs: after it caught the alarm's exception
        # that line is inside its own except clause, so this one escapes. (A trace function that
        # raises is removed; every repeat of the alarm installs it again.)
        if state["active"] and event == "line" and not _is_library_file(frame.f_code.co_filename):
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
            out = _call(fn, args, kwargs)
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


class _Deadline:
    """When student code must stop: once the time is up, the first check raises wherever the code
    is, later checks only in the student's own code (never in this module)."""

    def __init__(self, limit: float) -> None:
        self.at = time.perf_counter() + limit
        self.fired = False

    def due(self, code) -> bool:
        filename = code.co_filename
        if filename == __file__ or (self.fired and _is_library_file(filename)):
            return False
        if time.perf_counter() < self.at:
            return False
        self.fired = True
        return True


def _run_with_deadline(fn, args, kwargs, limit: float) -> Outcome:
    deadline = _Deadline(limit)
    monitoring = getattr(sys, "monitoring", None)
    tool = None if monitoring is None else next((t for t in range(6) if monitoring.get_tool(t) is None), None)
    if tool is None:
        out = _call_with_settrace(fn, args, kwargs, deadline)
    else:
        out = _call_with_monitoring(fn, args, kwargs, deadline, monitoring, tool)
    if deadline.fired:  # also when the student's code caught the exception and went on
        out.timed_out, out.value, out.error = True, None, None
    return out


def _call_with_monitoring(fn, args, kwargs, deadline: _Deadline, monitoring, tool: int) -> Outcome:
    events = (monitoring.events.LINE, monitoring.events.JUMP)  # JUMP: a loop on one line
    owner = threading.get_ident()                             # the events come from every thread

    def check(code, *_):
        if threading.get_ident() == owner and deadline.due(code):
            raise TimeLimitExceeded()

    monitoring.use_tool_id(tool, "autogradviz time limit")
    try:
        for event in events:
            monitoring.register_callback(tool, event, check)
        monitoring.set_events(tool, events[0] | events[1])
        return _call(fn, args, kwargs)
    finally:
        monitoring.set_events(tool, 0)
        for event in events:
            monitoring.register_callback(tool, event, None)
        monitoring.free_tool_id(tool)


def _call_with_settrace(fn, args, kwargs, deadline: _Deadline) -> Outcome:
    def tripwire(frame, event, arg):
        if frame.f_code.co_filename == __file__:
            return None
        if deadline.due(frame.f_code):
            raise TimeLimitExceeded()
        return tripwire

    previous = sys.gettrace()
    sys.settrace(tripwire)
    try:
        return _call(fn, args, kwargs)
    finally:
        sys.settrace(previous)


# --- tracebacks --------------------------------------------------------------------------------
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@functools.cache
def _library_dirs() -> tuple[str, ...]:
    dirs = {_PACKAGE_DIR, os.path.dirname(os.__file__)}  # the latter: a zipped standard library (Pyodide)
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            dirs.add(os.path.abspath(path))
    return tuple(d.rstrip(os.sep) + os.sep for d in dirs)


_library_files: dict[str, bool] = {}


def _is_library_file(filename: str) -> bool:
    """True for code of autogradviz, the standard library or installed packages."""
    known = _library_files.get(filename)
    if known is None:
        known = filename.startswith("<frozen") or os.path.abspath(filename).startswith(_library_dirs())
        _library_files[filename] = known
    return known


def student_frame(exc: BaseException) -> traceback.FrameSummary | None:
    """The innermost traceback frame that belongs to the student's code (not to autogradviz,
    the standard library or installed packages)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if not _is_library_file(frame.filename):
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
