"""Mistake detectors: named checks that recognise a typical wrong answer and say what to fix.

A detector is ``Detector(name, fn)`` where ``fn(attempt) -> str | None`` returns a message when
it recognises the mistake. Exercises run their detectors in order; the first message wins.
Write your own with the ``@detector("name")`` decorator, or ``decoy(name, compute, message)`` for
"the answer equals this other quantity".
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .convert import close, same_shape


@dataclass
class Attempt:
    """One answer (or one call of a function answer) being judged.

    answer: the raw object (the value given, or what the student's function returned).
    got: ``answer`` as a float64 array (None when unreadable). expected: the reference.
    inputs: the NumPy inputs used (the exercise's named inputs, or fresh random ones).
    error: the exception the student's code raised, if any. others: (inputs, got, expected) of
    the other calls of a function answer (used to spot hard-coded results).
    """

    exercise: Any
    answer: Any = None
    got: np.ndarray | None = None
    expected: np.ndarray | None = None
    inputs: tuple = ()
    error: BaseException | None = None
    others: list = field(default_factory=list)
    is_function: bool = False

    def close(self, a, b) -> bool:
        return close(a, b, self.exercise.rtol, self.exercise.atol)

    @property
    def comparable(self) -> bool:
        return self.got is not None and self.expected is not None

    def nonzero_expected(self) -> bool:
        return self.expected is not None and bool(np.any(np.abs(self.expected) > 10 * self.exercise.atol))


@dataclass(frozen=True)
class Detector:
    """A named mistake check: ``fn(attempt)`` returns a message, or None when it does not apply."""

    name: str
    fn: Callable[[Attempt], str | None]

    def __call__(self, attempt: Attempt) -> str | None:
        return self.fn(attempt)


def detector(name: str) -> Callable[[Callable[[Attempt], str | None]], Detector]:
    """Decorator: turn ``fn(attempt) -> str | None`` into a named ``Detector``."""
    def wrap(fn):
        return Detector(name, fn)
    return wrap


def decoy(name: str, compute: Callable[..., Any], message: str) -> Detector:
    """A detector that fires when the answer equals ``compute(*inputs)``: a known wrong quantity
    (the value instead of the gradient, a forgotten factor...)."""
    def check(attempt: Attempt) -> str | None:
        if not attempt.comparable:
            return None
        wrong = np.asarray(compute(*attempt.inputs), dtype=np.float64)
        if attempt.close(attempt.expected, wrong):  # the decoy is right here: no information
            return None
        return message if attempt.close(attempt.got, wrong) else None
    return Detector(name, check)


def _error_text(attempt: Attempt) -> str:
    return "" if attempt.error is None else str(attempt.error)


# --- errors raised by the student's code --------------------------------------------------------
@detector("non_scalar_backward")
def non_scalar_backward(attempt: Attempt) -> str | None:
    """backward() on a non-scalar without gradient=, or an answer that is the summed gradient."""
    if "grad can be implicitly created only for scalar outputs" in _error_text(attempt):
        return ("backward() without arguments only works on a scalar. Your output is a vector: "
                "pass the head gradient, y.backward(gradient=v), or reduce it first, y.sum().backward().")
    if (attempt.comparable and attempt.got.size == 1 and attempt.expected.size > 1
            and attempt.close(attempt.got, attempt.expected.sum())):
        return (f"Your answer is one number, the sum of the expected gradient's entries; the "
                f"gradient has one entry per element of the input (shape {attempt.expected.shape}). "
                "Read x.grad itself instead of summing it.")
    return None


@detector("second_backward")
def second_backward(attempt: Attempt) -> str | None:
    if "backward through the graph a second time" in _error_text(attempt):
        return ("The first backward() freed the graph's saved values. Call the first one as "
                "backward(retain_graph=True) if you need to go backward through the graph again.")
    return None


@detector("inplace_on_leaf")
def inplace_on_leaf(attempt: Attempt) -> str | None:
    if "leaf Variable that requires grad is being used in an in-place operation" in _error_text(attempt):
        return ("You updated a parameter that requires grad in place while autograd was recording. "
                "Do the update inside `with torch.no_grad():`.")
    return None


# --- answers with no gradient -------------------------------------------------------------------
_NO_GRAD_CAUSES = ("it was computed under torch.no_grad(), or from a detached tensor (.detach(), "
                   ".data, .numpy()), so backward() cannot reach it")


@detector("no_gradient")
def no_gradient(attempt: Attempt) -> str | None:
    """None where a gradient was expected, a result that should carry a graph but does not, or
    the engine's "does not require grad" error."""
    from .convert import requires_grad
    if "does not require grad and does not have a grad_fn" in _error_text(attempt):
        return "backward() was called on a result that does not require grad: " + _NO_GRAD_CAUSES + "."
    if attempt.error is None and attempt.answer is None:
        return ("Your answer is None. x.grad stays None until backward() reaches x: make sure "
                "backward() ran, and that the result was not computed under torch.no_grad() or "
                "from a detached tensor.")
    if getattr(attempt.exercise, "graph", None) == "required" and attempt.got is not None:
        flag = requires_grad(attempt.answer)
        if flag is None:
            return (f"Your result is a plain {type(attempt.answer).__name__}, which carries no graph: "
                    "return the tensor itself so that backward() can go through it.")
        if not flag:
            return "Your result does not require grad: " + _NO_GRAD_CAUSES + "."
    return None


@detector("still_tracked")
def still_tracked(attempt: Attempt) -> str | None:
    """The opposite case: the result should be untracked but still requires grad."""
    from .convert import requires_grad
    if (getattr(attempt.exercise, "graph", None) == "forbidden" and attempt.got is not None
            and requires_grad(attempt.answer)):
        return ("The values are right, but your result still requires grad, so autograd recorded "
                "the computation. Compute it inside `with torch.no_grad():` (or detach it).")
    return None


# --- wrong values ----------------------------------------------------------------------------
@detector("not_finite")
def not_finite(attempt: Attempt) -> str | None:
    if attempt.got is not None and not np.all(np.isfinite(attempt.got)):
        bad = "NaN" if np.any(np.isnan(attempt.got)) else "inf"
        return f"Your answer contains {bad}: check for a division by zero or a log of zero."
    return None


@detector("hard_coded")
def hard_coded(attempt: Attempt) -> str | None:
    """A function that returns the same numbers whatever its inputs."""
    if not (attempt.is_function and attempt.comparable):
        return None
    for _inputs, got, expected in attempt.others:
        if got is None or expected is None:
            continue
        if (got.shape == attempt.got.shape and np.array_equal(got, attempt.got)
                and not attempt.close(expected, attempt.expected)):
            return ("Your function returned the same result for different inputs: it must compute "
                    "the answer from its arguments (is the answer hard-coded?).")
    return None


@detector("value_not_gradient")
def value_not_gradient(attempt: Attempt) -> str | None:
    """The answer equals the value of the function (or of another named quantity)."""
    if not attempt.comparable:
        return None
    for name, compute in getattr(attempt.exercise, "values", {}).items():
        value = np.asarray(compute(*attempt.inputs), dtype=np.float64)
        if attempt.close(attempt.got, value) and not attempt.close(attempt.expected, value):
            return (f"Your answer is the value of {name}, not its gradient. Call backward() and "
                    "read the .grad of the input (or work out the derivative).")
    return None


@detector("wrong_shape")
def wrong_shape(attempt: Attempt) -> str | None:
    """Transposed, reshaped, not reduced over broadcast dimensions, or simply the wrong shape."""
    if not attempt.comparable or same_shape(attempt.got, attempt.expected):
        return None
    got, expected = attempt.got, attempt.expected
    msg = f"Your answer has shape {got.shape}, expected {expected.shape}"
    if got.ndim == 2 and got.T.shape == expected.shape and attempt.close(got.T, expected):
        return msg + ": it is transposed (use .T)."
    if got.size == expected.size and attempt.close(got.reshape(expected.shape), expected):
        return msg + ": the numbers are right, the shape is not (reshape it)."
    try:
        if np.broadcast_shapes(got.shape, expected.shape) == got.shape and got.size > expected.size:
            lead = got.ndim - expected.ndim
            axes = tuple(range(lead)) + tuple(
                lead + i for i, n in enumerate(expected.shape) if n == 1 and got.shape[lead + i] != 1)
            reduced = got.sum(axis=axes, keepdims=True).reshape(expected.shape)
            if attempt.close(reduced, expected):
                return msg + (": the input was broadcast, so its gradient is summed over the "
                              "broadcast dimensions.")
    except ValueError:
        pass
    return msg + "."


@detector("accumulated_twice")
def accumulated_twice(attempt: Attempt) -> str | None:
    """The answer is k times the right one (k = 2..10): gradients accumulated over k backwards."""
    if not (attempt.comparable and attempt.nonzero_expected()):
        return None
    if not same_shape(attempt.got, attempt.expected):
        return None
    for k in range(2, 11):
        if attempt.close(attempt.got, k * attempt.expected):
            return (f"Your answer is {k}× the expected gradient. Gradients accumulate in .grad: "
                    "did you zero x.grad (x.grad.zero_()) before calling backward() again?")
    return None


@detector("sign_error")
def sign_error(attempt: Attempt) -> str | None:
    if attempt.comparable and attempt.nonzero_expected() and attempt.close(attempt.got, -attempt.expected):
        return "Sign error: your answer is the negative of the expected one."
    return None


@detector("all_zeros")
def all_zeros(attempt: Attempt) -> str | None:
    if attempt.comparable and attempt.nonzero_expected() and not np.any(attempt.got):
        return ("Your answer is all zeros: did you read .grad after zeroing it, or before "
                "backward() ran?")
    return None


BEFORE = (non_scalar_backward, second_backward, inplace_on_leaf, no_gradient, not_finite)
"""Run first: the student's exceptions, missing gradients, unusable results."""

AFTER = (hard_coded, still_tracked, value_not_gradient, wrong_shape, accumulated_twice, sign_error, all_zeros)
"""Run after an exercise's own detectors: generic wrong-value checks."""

ALL = {d.name: d for d in BEFORE + AFTER}
