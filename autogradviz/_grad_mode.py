"""Thread-local grad mode: no_grad, enable_grad, set_grad_enabled."""
from __future__ import annotations

import functools
import threading

__all__ = ["enable_grad", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled", "no_grad",
           "set_grad_enabled"]

_state = threading.local()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are being recorded."""
    return getattr(_state, "enabled", True)


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``."""
    return getattr(_state, "inference", False)


def _set(mode: bool) -> None:
    _state.enabled = bool(mode)


class _GradModeContext:
    """Base of the three grad-mode managers: a context manager that also decorates functions."""

    _mode: bool

    def __new__(cls, *args):
        # `@no_grad` without parentheses: the decorated function arrives here.
        if args and callable(args[0]) and cls is not set_grad_enabled:
            return cls()(args[0])
        return super().__new__(cls)

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set(self._mode)
        return self

    def __exit__(self, *exc) -> None:
        _set(self._prev)

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._ctor_args()):
                return func(*args, **kwargs)
        return wrapper

    def _ctor_args(self) -> tuple:
        return ()


class no_grad(_GradModeContext):
    """Context manager and decorator that turns off graph recording."""

    _mode = False


class enable_grad(_GradModeContext):
    """Context manager and decorator that turns graph recording back on."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Turn recording on or off: ``set_grad_enabled(False)`` is ``no_grad()``.

    Like PyTorch's, calling it as a plain function sets the mode at once.
    """

    def __init__(self, mode: bool):
        self._prev = is_grad_enabled()
        self._mode = bool(mode)
        _set(self._mode)

    def __enter__(self):
        return self

    def _ctor_args(self) -> tuple:
        return (self._mode,)

    def __call__(self, func):
        _set(self._prev)  # used as a decorator: restore what construction changed
        return super().__call__(func)


class inference_mode(_GradModeContext):
    """``no_grad`` for code that only evaluates a model: nothing is recorded inside.
    ``inference_mode(False)`` turns recording on, as in PyTorch."""

    def __init__(self, mode: bool = True):
        self._inference = bool(mode)
        self._mode = not self._inference

    def __enter__(self):
        self._prev_inference = is_inference_mode_enabled()
        if self._inference:
            _state.inference = True
        return super().__enter__()

    def __exit__(self, *exc) -> None:
        _state.inference = self._prev_inference
        super().__exit__(*exc)

    def _ctor_args(self) -> tuple:
        return (self._inference,)
