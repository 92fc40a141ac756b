"""Teachers' exercises: a module or .py file written with the API the built-ins use."""
from __future__ import annotations

import textwrap
import types
import warnings

import numpy as np
import pytest

import autogradviz as torch
from autogradviz import exercises
from autogradviz.exercises import registry

TEACHER_FILE = textwrap.dedent('''
    import numpy as np
    from autogradviz.exercises import ChoiceExercise, decoy, detector, exercise, register

    @detector("used_log10")
    def used_log10(attempt):
        if attempt.got is not None and attempt.close(attempt.got, 1 / (attempt.inputs[0] * np.log(10))):
            return "That is the derivative of log10; torch.log is the natural logarithm."

    @exercise("teacher-cube", "The gradient of x cubed",
              "`y = (x ** 3).sum()` with `x = torch.tensor([1.0, 2.0, 3.0])`. What is dy/dx?",
              inputs=(np.array([1.0, 2.0, 3.0]),),
              random_inputs=lambda rng: (rng.normal(size=4),),
              signature="grad(x)",
              values={"y": lambda x: (x ** 3).sum()},
              detectors=[decoy("forgot_power", lambda x: x ** 2, "d(x^3)/dx = 3x^2, not x^2.")],
              hints=["Differentiate one term."], topic="teacher")
    def cube(x):
        return 3 * x ** 2

    @exercise("teacher-log", "The gradient of log",
              "`y = torch.log(x).sum()` with `x = torch.tensor([1.0, 2.0, 4.0])`. What is dy/dx?",
              inputs=(np.array([1.0, 2.0, 4.0]),), detectors=[used_log10], topic="teacher")
    def log_grad(x):
        return 1 / x

    register(ChoiceExercise("teacher-leaf", "Leaves", "Which tensor is a leaf?",
                            choices={"a": "x = torch.ones(2, requires_grad=True)", "b": "y = x * 2"},
                            correct="a", explanations={"b": "y has a grad_fn: it was computed."}))
''')


@pytest.fixture
def teacher_file(tmp_path):
    path = tmp_path / "course_exercises.py"
    path.write_text(TEACHER_FILE)
    yield path
    for ex_id in [i for i in list(registry._EXERCISES) if i.startswith("teacher-")]:
        del registry._EXERCISES[ex_id]


def test_teacher_file_loads_and_checks(teacher_file):
    table = exercises.load(teacher_file)
    assert [row[0] for row in table] == ["teacher-cube", "teacher-log", "teacher-leaf"]
    assert "teacher-cube" in [row[0] for row in exercises.list()]

    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x ** 3).sum().backward()
    assert exercises.check("teacher-cube", x.grad)
    assert exercises.check("teacher-cube", lambda x: 3 * x ** 2)
    fb = exercises.check("teacher-cube", x.detach() ** 2)
    assert fb.mistake == "forgot_power" and "not x^2" in fb.message
    fb = exercises.check("teacher-cube", x.grad * 2)  # built-in detectors apply too
    assert fb.mistake == "accumulated_twice"
    fb = exercises.check("teacher-log", 1 / (np.array([1.0, 2.0, 4.0]) * np.log(10)))
    assert fb.mistake == "used_log10" and "natural logarithm" in fb.message
    assert exercises.check("teacher-log", [1.0, 0.5, 0.25])
    assert not exercises.check("teacher-leaf", "b") and exercises.check("teacher-leaf", "a")
    assert "Hint 1 of 1" in str(exercises.hint("teacher-cube"))
    assert "dy/dx" in exercises.show("teacher-cube")._repr_markdown_()


def test_loading_the_same_file_twice_replaces_quietly(teacher_file):
    exercises.load(str(teacher_file))
    first = exercises.get("teacher-cube")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exercises.load(str(teacher_file))
    assert exercises.get("teacher-cube") is not first


def test_load_a_module_object_with_unregistered_exercises():
    module = types.ModuleType("teacher_module_for_test")
    module.ex = exercises.NumericExercise(
        "teacher-double", "Twice x", "y = (2 * x).sum(); dy/dx?", lambda x: np.full_like(x, 2.0),
        inputs=(np.arange(3.0),))
    try:
        table = exercises.load(module)
        assert [row[0] for row in table] == ["teacher-double"]
        assert exercises.check("teacher-double", [2.0, 2.0, 2.0])
    finally:
        registry._EXERCISES.pop("teacher-double", None)


def test_replacing_a_builtin_warns():
    builtin = exercises.get("grad-2xTx")
    try:
        with pytest.warns(UserWarning, match="grad-2xTx"):
            exercises.register(exercises.NumericExercise(
                "grad-2xTx", "Shadow", "shadow", lambda x: x, inputs=(np.arange(2.0),)))
    finally:
        registry._EXERCISES["grad-2xTx"] = builtin


def test_bad_definitions_are_refused_early():
    with pytest.raises(ValueError, match="id"):
        exercises.NumericExercise("has space", "t", "s", lambda x: x, inputs=(np.ones(2),))
    with pytest.raises(ValueError, match="inputs"):
        exercises.NumericExercise("no-inputs", "t", "s", lambda x: x)
    with pytest.raises(ValueError, match="correct choice"):
        exercises.ChoiceExercise("bad-choice", "t", "s", choices={"a": "x"}, correct="b")
    with pytest.raises(FileNotFoundError):
        exercises.load("/nonexistent/exercises.py")
