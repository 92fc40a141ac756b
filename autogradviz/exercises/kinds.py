"""The kinds of exercise: numeric (a value or a function), choice, and custom autograd.Function.

Built-in and teacher exercises are instances of these classes (or of subclasses that override a
hook such as ``NumericExercise.call``).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .._engines import library_for, library_of
from . import detectors as D
from .convert import (
    AnswerError,
    close,
    describe,
    fmt,
    is_tensor,
    is_torch_tensor,
    requires_grad,
    to_array,
)
from .detectors import Attempt, Detector
from .feedback import ERROR, INVALID, TIMEOUT, WRONG, Feedback
from .sandbox import error_location, error_summary, run_limited

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


class Exercise:
    """Base of every exercise: id, title, Markdown statement, topic, hints, tolerance, detectors.

    rtol/atol: the tolerance of numeric comparisons (float32 rounding passes by default).
    detectors: this exercise's own mistake detectors (``decoy(...)`` or ``@detector``); they
    run after the common error checks and before the generic wrong-value checks.
    """

    kind = "exercise"

    def __init__(self, id: str, title: str, statement: str, *, topic: str = "",
                 hints: Sequence[str] = (), rtol: float = 1e-4, atol: float = 1e-5,
                 detectors: Iterable[Detector] = (), answer_help: str | None = None,
                 success: str = "Correct!"):
        if not isinstance(id, str) or not _ID.match(id):
            raise ValueError(f"an exercise id is a word of letters, digits, '-', '_' or '.', got {id!r}")
        self.id, self.title, self.statement, self.topic = id, title, statement.strip(), topic
        self.hints = tuple(hints)
        self.rtol, self.atol = float(rtol), float(atol)
        self.detectors = tuple(detectors)
        self._answer_help = answer_help
        self.success = success
        self.source: str | None = None  # the module that defined it (set by register)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id!r}: {self.title}>"

    # --- to override -------------------------------------------------------------------------
    def check(self, answer: Any, *, timeout: float | None = None) -> Feedback:
        """Judge ``answer``; never raises because of what the student gave."""
        raise NotImplementedError

    @property
    def answer_help(self) -> str:
        """What the answer should be, in one sentence."""
        return self._answer_help or "see the statement"

    @property
    def answer_kinds(self) -> str:
        return self.kind

    # --- shared helpers -----------------------------------------------------------------------
    def markdown(self) -> str:
        """The statement as Markdown, with the answer format and the line that checks it."""
        head = f"### {self.title}\n\n`{self.id}`" + (f" · *{self.topic}*" if self.topic else "")
        return (f"{head}\n\n{self.statement}\n\n**Answer:** {self.answer_help}\n\n"
                f"Check it with `exercises.check({self.id!r}, answer)`; ask for a hint with "
                f"`exercises.hint({self.id!r})`.")

    def feedback(self, correct: bool, message: str, **fields: Any) -> Feedback:
        return Feedback(self.id, correct, message, **fields)

    def diagnose(self, attempt: Attempt, detectors: Iterable[Detector] | None = None) -> tuple[str, str] | None:
        """(name, message) of the first detector that recognises the mistake, or None."""
        chain = detectors if detectors is not None else (*D.BEFORE, *self.detectors, *D.AFTER)
        for det in chain:
            message = det(attempt)
            if message:
                return det.name, message
        return None

    def error_feedback(self, attempt: Attempt, context: str | None = None) -> Feedback:
        """Feedback for an exception raised by the student's code, with their own line."""
        exc = attempt.error
        found = self.diagnose(attempt, D.BEFORE + tuple(self.detectors))
        summary = f"Your code raised {error_summary(exc)}"
        message = f"{summary}. {found[1]}" if found else summary + "."
        return self.feedback(False, message, where=error_location(exc), context=context,
                             mistake=found[0] if found else None, status=ERROR)

    def timeout_feedback(self, seconds: float, context: str | None = None) -> Feedback:
        return self.feedback(False, f"Your code did not finish within {seconds:g} s (an infinite loop? "
                             "a while condition that never becomes false?). It was stopped.",
                             context=context, mistake="timeout", status=TIMEOUT)


# --- numeric exercises ----------------------------------------------------------------------------
_WRAPS = {"grad": ("float32", True), "tensor": ("float32", False), "grad64": ("float64", True),
          "tensor64": ("float64", False), "long": ("int64", False)}


def _default_wrap(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return "long" if value.dtype.kind in "iu" else "grad"
    return "raw"


class NumericExercise(Exercise):
    """An answer made of numbers: a value at the named ``inputs``, or a function called on fresh
    random inputs (and on the named ones), compared with ``reference``.

    reference(*inputs): the expected result, computed with NumPy from NumPy inputs.
    inputs: the inputs the statement names (allows value answers); random_inputs(rng): fresh
    inputs (allows function answers). wrap: how each input reaches the student's function:
    "grad"/"tensor" (float32 tensor with/without requires_grad), "grad64"/"tensor64", "long"
    (int64 tensor) or "raw" (a NumPy value). signature: how the function is called, e.g.
    ``"grad_f(a)"``. values: {name: fn(*inputs)}, quantities a student may give instead of the
    gradient. graph: "required" (the result must require grad) or "forbidden" (it must not).
    input_grad: (i, fn(*inputs)), the gradient of ``result.sum()`` that must reach input i.
    reveal: show the expected value for the named inputs (random inputs are always shown).
    """

    kind = "numeric"

    def __init__(self, id: str, title: str, statement: str, reference: Callable[..., Any], *,
                 inputs: Sequence | None = None, random_inputs: Callable[[np.random.Generator], Sequence] | None = None,
                 wrap: Sequence[str] | None = None, signature: str | None = None,
                 values: Mapping[str, Callable[..., Any]] | None = None, graph: str | None = None,
                 input_grad: tuple[int, Callable[..., Any]] | None = None, trials: int = 3,
                 quantity: str = "gradient", reveal: bool = False, **options: Any):
        super().__init__(id, title, statement, **options)
        if inputs is None and random_inputs is None:
            raise ValueError(f"exercise {id!r} needs inputs (for value answers), random_inputs (for "
                             "function answers), or both")
        if graph not in (None, "required", "forbidden"):
            raise ValueError(f"graph must be None, 'required' or 'forbidden', got {graph!r}")
        self.reference = reference
        self.inputs = None if inputs is None else tuple(inputs)
        self.random_inputs = random_inputs
        self.wrap = None if wrap is None else tuple(wrap)
        self.signature = signature
        self.values = dict(values or {})
        self.graph = graph
        self.input_grad = input_grad
        self.trials = int(trials)
        self.quantity = quantity
        self.reveal = reveal
        if self.wrap is not None:
            bad = [w for w in self.wrap if w not in _WRAPS and w != "raw"]
            if bad:
                raise ValueError(f"unknown wrap {bad[0]!r}: use one of {sorted(_WRAPS) + ['raw']}")

    @property
    def answer_kinds(self) -> str:
        kinds = []
        if self.inputs is not None:
            kinds.append("value")
        if self.random_inputs is not None:
            kinds.append("function")
        return " or ".join(kinds)

    @property
    def answer_help(self) -> str:
        if self._answer_help:
            return self._answer_help
        parts = []
        if self.inputs is not None:
            shape = np.shape(self.expected_for(self.inputs))
            parts.append(f"the {self.quantity} as a tensor or array of shape {shape}")
        if self.random_inputs is not None:
            sig = f"`{self.signature}`" if self.signature else "a function"
            parts.append(f"{sig} returning it (called on fresh random inputs)")
        return ", or ".join(parts) + "."

    def expected_for(self, inputs: Sequence) -> np.ndarray:
        return np.asarray(self.reference(*inputs), dtype=np.float64)

    # --- hooks ------------------------------------------------------------------------------------
    def call(self, fn: Callable, args: tuple) -> Any:
        """Call the student's function (inside the time limit); returns what is compared."""
        return fn(*args)

    def input_names(self, count: int) -> list[str]:
        if self.signature and "(" in self.signature:
            inside = self.signature[self.signature.index("(") + 1:self.signature.rindex(")")]
            names = [n.strip().split("=")[0].strip() for n in inside.split(",") if n.strip()]
            if len(names) == count:
                return names
        return [f"input {i + 1}" for i in range(count)]

    def describe_inputs(self, inputs: Sequence) -> str:
        pieces = []
        for name, value in zip(self.input_names(len(inputs)), inputs):
            text = fmt(np.asarray(value)) if isinstance(value, np.ndarray) else repr(value)
            pieces.append(f"{name} = {text}")
        return "; ".join(pieces)

    # --- checking -------------------------------------------------------------------------------
    def check(self, answer: Any, *, timeout: float | None = None) -> Feedback:
        if _is_function_answer(answer):
            if self.random_inputs is None:
                return self.feedback(False, f"This exercise expects a value ({self.answer_help}), "
                                     f"got {describe(answer)}.", status=INVALID, mistake="wrong_type")
            return self._check_function(answer, timeout)
        if self.inputs is None:
            return self.feedback(False, f"This exercise expects a function {self.signature or ''} "
                                 f"(it is called on fresh random inputs), got {describe(answer)}.",
                                 status=INVALID, mistake="wrong_type")
        return self._check_value(answer)

    def _graph_ok(self, answer: Any) -> bool:
        if self.graph == "required":
            return bool(requires_grad(answer))
        if self.graph == "forbidden":
            return not requires_grad(answer)
        return True

    def _convert(self, attempt: Attempt, from_function: bool) -> Feedback | None:
        if attempt.answer is None:
            return None  # the no_gradient detector explains None
        try:
            attempt.got = to_array(attempt.answer)
        except AnswerError as err:
            text = str(err)
            if from_function:
                text = text.replace("your answer is", "your function returned", 1)
            return self.feedback(False, text[0].upper() + text[1:] + ".", status=INVALID, mistake="unreadable")
        return None

    def _wrong(self, attempt: Attempt, *, context: str | None, reveal: bool) -> Feedback:
        found = self.diagnose(attempt)
        message = found[1] if found else f"Not the expected {self.quantity}."
        exp = attempt.expected
        expected = fmt(exp) if reveal else f"an array of shape {exp.shape}"
        return self.feedback(False, message, expected=expected, got=fmt(attempt.got) if attempt.got is not None
                             else describe(attempt.answer), context=context,
                             mistake=found[0] if found else None, status=WRONG)

    def _check_value(self, answer: Any) -> Feedback:
        expected = self.expected_for(self.inputs)
        attempt = Attempt(self, answer=answer, expected=expected, inputs=self.inputs)
        problem = self._convert(attempt, from_function=False)
        if problem is not None:
            return problem
        if close(attempt.got, expected, self.rtol, self.atol) and self._graph_ok(answer):
            return self.feedback(True, self.success)
        return self._wrong(attempt, context=None, reveal=self.reveal)

    def _student_args(self, inputs: tuple, lib=None) -> tuple[tuple, tuple]:
        """(NumPy inputs as the reference sees them, fresh objects for the student's function);
        ``lib`` makes the tensors: autogradviz, or torch for a function written with torch."""
        if lib is None:
            import autogradviz as lib
        wraps = self.wrap or tuple(_default_wrap(v) for v in inputs)
        ref_inputs, args = [], []
        for value, how in zip(inputs, wraps):
            if how == "raw":
                copy = np.array(value, copy=True) if isinstance(value, np.ndarray) else value
                ref_inputs.append(copy)
                args.append(np.array(value, copy=True) if isinstance(value, np.ndarray) else value)
                continue
            dtype_name, grad = _WRAPS[how]
            arr = np.asarray(value).astype(dtype_name)
            ref_inputs.append(arr.astype(np.float64) if dtype_name != "int64" else arr.copy())
            args.append(lib.tensor(arr.copy(), dtype=getattr(lib, dtype_name), requires_grad=grad))
        return tuple(ref_inputs), tuple(args)

    def _run(self, fn: Callable, args: tuple, lib) -> Any:
        with lib.enable_grad():
            return self.call(fn, args)

    def extra_check(self, output: Any, args: tuple, inputs: tuple, context: str,
                    timeout: float | None) -> Feedback | None:
        """Run after a function answer's values matched (override for more checks). By default:
        when ``input_grad`` is set, the gradient of ``output.sum()`` must reach that input."""
        if self.input_grad is None:
            return None
        index, compute = self.input_grad
        expected = np.asarray(compute(*inputs), dtype=np.float64)

        def backprop():
            # autograd.grad, not backward(): the .grad of the student's own tensors stays untouched
            (g,) = library_of(args[index]).autograd.grad(output.sum(), (args[index],), allow_unused=True)
            return None if g is None else to_array(g)
        outcome = run_limited(backprop, timeout=timeout)
        got = outcome.value if outcome.ok else None
        if close(got, expected, self.rtol, self.atol):
            return None
        name = self.input_names(len(inputs))[index]
        return self.feedback(
            False, f"The values are right, but the gradient that reaches {name} is not: part of your "
            "computation is cut from the graph (.detach(), .data, .item() or NumPy).",
            expected=fmt(expected), got=fmt(got) if got is not None else "no gradient",
            context=context, mistake="partial_graph")

    def _check_function(self, fn: Callable, timeout: float | None) -> Feedback:
        rng = np.random.default_rng()
        input_sets = [self.inputs] if self.inputs is not None else []
        input_sets += [tuple(self.random_inputs(rng)) for _ in range(self.trials)]
        attempts: list[tuple[Attempt, str]] = []
        lib = library_for(fn)   # a function written with real torch gets torch tensors
        for raw_inputs in input_sets:
            inputs, args = self._student_args(raw_inputs, lib)
            context = self.describe_inputs(inputs)
            outcome = run_limited(self._run, fn, args, lib, timeout=timeout)
            if outcome.timed_out:
                from .sandbox import time_limit
                return self.timeout_feedback(time_limit() if timeout is None else timeout, context)
            expected = self.expected_for(inputs)
            attempt = Attempt(self, answer=outcome.value, expected=expected, inputs=inputs,
                              error=outcome.error, is_function=True)
            if outcome.error is not None:
                return self.error_feedback(attempt, context)
            problem = self._convert(attempt, from_function=True)
            if problem is not None:
                problem.context = context
                return problem
            attempts.append((attempt, context))
            if close(attempt.got, expected, self.rtol, self.atol) and self._graph_ok(attempt.answer):
                problem = self.extra_check(attempt.answer, args, inputs, context, timeout)
                if problem is not None:
                    return problem
        for attempt, context in attempts:
            if not (close(attempt.got, attempt.expected, self.rtol, self.atol) and self._graph_ok(attempt.answer)):
                attempt.others = [(a.inputs, a.got, a.expected) for a, _ in attempts if a is not attempt]
                return self._wrong(attempt, context=context, reveal=True)
        n_random = len(input_sets) - (self.inputs is not None)
        return self.feedback(True, f"{self.success} Your function matches the reference on "
                             f"{len(input_sets)} inputs ({n_random} of them random).")


def _is_function_answer(answer: Any) -> bool:
    if answer is None or isinstance(answer, (np.ndarray, str, bytes)) or is_tensor(answer):
        return False
    if type(answer).__module__.startswith("torch") and is_torch_tensor(answer):
        return False
    return callable(answer)


# --- choice / keyword exercises ---------------------------------------------------------------------
def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[_\-]", " ", text.lower()).split())


class ChoiceExercise(Exercise):
    """A question answered by a letter (``"b"``) or in a sentence.

    choices: {letter: text}; correct: the right letter. keywords: groups of words; a sentence
    is right when it contains one word of every group. explanations: {wrong letter: why it is
    wrong}. misconceptions: [(words, message)]: a sentence with all ``words`` and without the
    key idea gets ``message``.
    """

    kind = "choice"

    def __init__(self, id: str, title: str, statement: str, choices: Mapping[str, str], correct: str, *,
                 keywords: Sequence[Sequence[str]] = (), explanations: Mapping[str, str] | None = None,
                 misconceptions: Sequence[tuple[Sequence[str], str]] = (), **options: Any):
        super().__init__(id, title, statement, **options)
        self.choices = {k.lower(): v for k, v in choices.items()}
        self.correct = correct.lower()
        if self.correct not in self.choices:
            raise ValueError(f"exercise {id!r}: the correct choice {correct!r} is not among {list(self.choices)}")
        self.keywords = [tuple(_normalise(w) for w in group) for group in keywords]
        self.explanations = {k.lower(): v for k, v in (explanations or {}).items()}
        self.misconceptions = [(tuple(_normalise(w) for w in words), msg) for words, msg in misconceptions]

    @property
    def answer_help(self) -> str:
        if self._answer_help:
            return self._answer_help
        letters = ", ".join(f'"{k}"' for k in self.choices)
        return f"one of {letters} as a string" + (", or a sentence in your own words." if self.keywords else ".")

    def markdown(self) -> str:
        options = "\n".join(f"- **{k}**) {v}" for k, v in self.choices.items())
        base = super().markdown()
        head, _, tail = base.partition("\n\n**Answer:**")
        return f"{head}\n\n{options}\n\n**Answer:**{tail}"

    def _letter(self, text: str) -> str | None:
        m = re.fullmatch(r"\s*\(?\s*([A-Za-z])\s*[).:]?\s*", text)
        return m.group(1).lower() if m else None

    def check(self, answer: Any, *, timeout: float | None = None) -> Feedback:
        if not isinstance(answer, str):
            return self.feedback(False, f"Expected {self.answer_help[:-1]}; got {describe(answer)}.",
                                 status=INVALID, mistake="wrong_type")
        if not answer.strip():
            return self.feedback(False, "Your answer is empty.", status=INVALID, mistake="wrong_type")
        letter = self._letter(answer)
        if letter is not None:
            if letter == self.correct:
                return self.feedback(True, self.success)
            if letter not in self.choices:
                return self.feedback(False, f"There is no choice {letter!r}: pick one of "
                                     f"{', '.join(self.choices)}.", status=INVALID, mistake="wrong_type")
            why = self.explanations.get(letter, "")
            return self.feedback(False, f"({letter}) is not right. {why}".strip(), mistake="wrong_choice")
        text = _normalise(answer)
        has_idea = bool(self.keywords) and all(any(w in text for w in group) for group in self.keywords)
        if has_idea:
            return self.feedback(True, self.success)
        for words, message in self.misconceptions:
            if all(w in text for w in words):
                return self.feedback(False, message, mistake="misconception")
        return self.feedback(False, "Your answer does not contain the key idea. Pick one of the choices "
                             f"or try exercises.hint({self.id!r}).", mistake="missing_idea")


# --- custom autograd.Function classes ---------------------------------------------------------------
def _function_flavour(cls: Any) -> str | None:
    """"autogradviz" or "torch" for a subclass of that library's autograd.Function, else None."""
    from ..autograd import Function
    if not isinstance(cls, type):
        return None
    if issubclass(cls, Function):
        return "autogradviz"
    if any(c.__module__.startswith("torch") and c.__name__ == "Function" for c in cls.__mro__[1:]):
        return "torch"
    return None


class FunctionClassExercise(Exercise):
    """Write a custom ``autograd.Function``: the checker runs its forward and backward on fresh
    random float64 inputs against NumPy references, then ``gradcheck``.

    forward(x) and backward(x, grad_output): NumPy references. random_inputs(rng): a tuple with
    one NumPy array, the input. class_name: the name used in the statement (``Exp``).
    """

    kind = "Function class"

    def __init__(self, id: str, title: str, statement: str, forward: Callable, backward: Callable,
                 random_inputs: Callable[[np.random.Generator], Sequence], *, class_name: str = "MyFunction",
                 trials: int = 3, **options: Any):
        super().__init__(id, title, statement, **options)
        self.forward, self.backward = forward, backward
        self.random_inputs = random_inputs
        self.class_name = class_name
        self.trials = trials

    @property
    def answer_help(self) -> str:
        return self._answer_help or (f"the class `{self.class_name}` itself (a subclass of "
                                     "`torch.autograd.Function`, not an instance).")

    def _tensor(self, flavour: str, arr: np.ndarray, grad: bool):
        if flavour == "torch":
            import torch
            return torch.tensor(arr.copy(), dtype=torch.float64, requires_grad=grad)
        from .. import float64, tensor
        return tensor(arr.copy(), dtype=float64, requires_grad=grad)

    def _autograd(self, flavour: str):
        if flavour == "torch":
            import torch
            return torch.autograd
        from .. import autograd
        return autograd

    def check(self, answer: Any, *, timeout: float | None = None) -> Feedback:
        flavour = _function_flavour(answer)
        if flavour is None:
            if _function_flavour(type(answer)) is not None:
                msg = f"Pass the class itself ({type(answer).__name__}), not an instance of it."
            else:
                msg = f"Expected a subclass of torch.autograd.Function, got {describe(answer)}."
            return self.feedback(False, msg, status=INVALID, mistake="wrong_type")
        autograd = self._autograd(flavour)
        rng = np.random.default_rng()
        for _ in range(self.trials):
            x_np = np.asarray(self.random_inputs(rng)[0], dtype=np.float64)
            g_np = rng.normal(size=x_np.shape)
            context = f"x = {fmt(x_np)}; grad_output = {fmt(g_np)}"
            x, g = self._tensor(flavour, x_np, True), self._tensor(flavour, g_np, False)

            def run(x=x, g=g):
                y = answer.apply(x)
                (gx,) = autograd.grad(y, (x,), (g,), allow_unused=True)
                return y, gx
            outcome = run_limited(run, timeout=timeout)
            if outcome.timed_out:
                from .sandbox import time_limit
                return self.timeout_feedback(time_limit() if timeout is None else timeout, context)
            if outcome.error is not None:
                return self.error_feedback(Attempt(self, error=outcome.error, inputs=(x_np, g_np)), context)
            y, gx = outcome.value
            for part, value, expected, inputs in (("forward", y, self.forward(x_np), (x_np,)),
                                                  ("backward", gx, self.backward(x_np, g_np), (x_np, g_np))):
                attempt = Attempt(self, answer=value, expected=np.asarray(expected, dtype=np.float64),
                                  inputs=inputs, is_function=True)
                if value is None:
                    return self.feedback(False, f"{part}: no gradient reached x; backward must return "
                                         "the gradient for x.", context=context, mistake="no_gradient")
                try:
                    attempt.got = to_array(value)
                except AnswerError as err:
                    return self.feedback(False, f"{part}: {err}.", context=context, status=INVALID,
                                         mistake="unreadable")
                if not close(attempt.got, attempt.expected, self.rtol, self.atol):
                    chain = D.AFTER if part == "forward" else (*self.detectors, *D.AFTER)
                    found = self.diagnose(attempt, chain)
                    message = found[1] if found else f"Not the expected {part} result."
                    return self.feedback(False, f"{part}: {message}", expected=fmt(attempt.expected),
                                         got=fmt(attempt.got), context=context,
                                         mistake=found[0] if found else None)
        x_np = np.asarray(self.random_inputs(rng)[0], dtype=np.float64)
        x = self._tensor(flavour, x_np, True)
        outcome = run_limited(lambda: autograd.gradcheck(answer.apply, (x,), raise_exception=False),
                              timeout=timeout)
        if not outcome.ok or not outcome.value:
            return self.feedback(False, "gradcheck failed: your backward disagrees with finite "
                                 "differences of your forward.", context=f"x = {fmt(x_np)}",
                                 mistake="gradcheck")
        return self.feedback(True, f"{self.success} forward and backward match the reference on "
                             f"{self.trials} random float64 inputs, and gradcheck passes.")
