"""The catalogue of exercises: registration, the ``@exercise`` decorator and ``load``."""
from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import os
import sys
import types
import warnings
from collections.abc import Callable
from typing import Any

from .kinds import Exercise, NumericExercise

_EXERCISES: dict[str, Exercise] = {}


def register(ex: Exercise, *, source: str | None = None) -> Exercise:
    """Add an exercise to the catalogue (replacing one with the same id) and return it."""
    if not isinstance(ex, Exercise):
        raise TypeError(f"register expects an Exercise, got {type(ex).__name__}")
    if source is not None or ex.source is None:
        ex.source = source or _caller_module()
    old = _EXERCISES.get(ex.id)
    if old is not None and old is not ex and old.source != ex.source:
        warnings.warn(f"exercise {ex.id!r} from {old.source} is replaced by the one from {ex.source}",
                      stacklevel=2)
    _EXERCISES[ex.id] = ex
    return ex


def _caller_module() -> str:
    """The module that called ``register``."""
    frame = sys._getframe(2)
    return frame.f_globals.get("__name__", "?")


def exercise(id: str, title: str, statement: str, *, cls: type[NumericExercise] = NumericExercise,
             **options: Any) -> Callable[[Callable[..., Any]], Exercise]:
    """Decorator: the decorated NumPy function is the reference of a new registered exercise.

    ``options`` are those of ``NumericExercise`` (inputs, random_inputs, hints, detectors...);
    ``cls`` may be a subclass. The name is bound to the Exercise object.
    """
    def wrap(reference: Callable[..., Any]) -> Exercise:
        ex = cls(id, title, statement, reference, **options)
        return register(ex, source=getattr(reference, "__module__", None))
    return wrap


def get(id: str) -> Exercise:
    """The exercise with this id; KeyError (with close matches) otherwise."""
    try:
        return _EXERCISES[id]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(id), list(_EXERCISES), n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise KeyError(f"no exercise {id!r}.{hint} exercises.list() shows them all.") from None


def all_exercises() -> list[Exercise]:
    return list(_EXERCISES.values())


def load(source: str | os.PathLike | types.ModuleType) -> list[Exercise]:
    """Import a teacher's module (a module object, an importable name or a ``.py`` path) and
    register its exercises: those it registered itself and any ``Exercise`` it defines."""
    if isinstance(source, types.ModuleType):
        module = source
    else:
        text = os.fspath(source)
        if text.endswith(".py") or os.path.sep in text or os.path.isfile(text):
            module = _import_path(text)
        else:
            module = importlib.import_module(text)
    found = [ex for ex in _EXERCISES.values() if ex.source == module.__name__]
    for value in vars(module).values():
        if isinstance(value, Exercise) and value not in found:
            found.append(register(value, source=module.__name__))
    return found


def _import_path(path: str) -> types.ModuleType:
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no exercise file {path}")
    stem = os.path.splitext(os.path.basename(path))[0]
    digest = hashlib.sha1(path.encode()).hexdigest()[:8]
    name = f"autogradviz_user_exercises_{''.join(c if c.isalnum() else '_' for c in stem)}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
