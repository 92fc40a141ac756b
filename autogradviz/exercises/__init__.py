"""Exercises with instant, specific feedback (usable in nbgrader/otter autograded cells).

>>> from autogradviz import exercises
>>> exercises.list()                      # ids, titles, topics
>>> exercises.show("grad-2xTx")           # the statement
>>> exercises.check("grad-2xTx", x.grad)  # ✓ or ✗ with what to fix; truthy when correct
>>> exercises.hint("grad-2xTx")           # one more hint per call
>>> exercises.progress()                  # what this kernel attempted and passed
>>> exercises.assert_correct("grad-2xTx", x.grad)   # raises AssertionError when wrong
>>> exercises.load("my_exercises.py")     # a teacher's exercises (see README.md here)
"""
from __future__ import annotations

from . import catalogue as _catalogue  # noqa: F401 - importing it registers the built-ins
from . import detectors
from .api import assert_correct, check, hint, load, progress, reset_progress, show
from .api import list_exercises as list
from .convert import AnswerError, to_array
from .detectors import Attempt, Detector, decoy, detector
from .feedback import Feedback
from .kinds import ChoiceExercise, Exercise, FunctionClassExercise, NumericExercise
from .registry import exercise, get, register
from .sandbox import TimeLimitExceeded, run_limited, set_time_limit, time_limit

__all__ = [
    "AnswerError", "Attempt", "ChoiceExercise", "Detector", "Exercise", "Feedback",
    "FunctionClassExercise", "NumericExercise", "TimeLimitExceeded", "assert_correct", "check",
    "decoy", "detector", "detectors", "exercise", "get", "hint", "list", "load", "progress",
    "register", "reset_progress", "run_limited", "set_time_limit", "show", "time_limit", "to_array",
]
