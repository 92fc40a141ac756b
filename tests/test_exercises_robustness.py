"""The checker against hostile or broken student code: time limits, exceptions, fake objects,
odd types, and the promise never to modify the student's objects."""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from torch_support import need_torch

import autogradviz as torch
from autogradviz import exercises
from autogradviz.exercises import sandbox


def correct_2xtx():
    return torch.tensor([0.0, 4.0, 8.0, 12.0])


# --- time limits -----------------------------------------------------------------------------------
def spin(x):
    while True:
        pass


def test_infinite_loop_times_out_quickly_and_the_kernel_stays_usable():
    handler_before = signal.getsignal(signal.SIGALRM)
    start = time.perf_counter()
    fb = exercises.check("grad-2xTx", spin, timeout=0.5)
    elapsed = time.perf_counter() - start
    assert not fb and fb.status == "timeout" and fb.mistake == "timeout"
    assert "did not finish within 0.5 s" in fb.message
    assert elapsed < 3
    assert signal.getsignal(signal.SIGALRM) is handler_before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert exercises.check("grad-2xTx", lambda x: 4 * x)  # still works afterwards


LOOPS = """
import sys, time
import autogradviz as torch
from autogradviz import exercises

def spin(x):
    while True:
        pass

def spin_in_no_grad(x):
    with torch.no_grad():
        while True:
            pass

def stubborn(x):
    while True:
        try:
            while True:
                pass
        except BaseException:
            continue

def nested(x):
    while True:
        try:
            while True:
                pass
        except BaseException:
            try:
                pass
            except BaseException:
                pass

for name in sys.argv[1:]:
    start = time.perf_counter()
    fb = exercises.check("grad-2xTx", globals()[name], timeout=0.3)
    print(name, fb.status, time.perf_counter() - start < 3, sys.gettrace() is None, torch.is_grad_enabled())
print(bool(exercises.check("grad-2xTx", lambda x: 4 * x)))
print(exercises.check("vjp", lambda x, v: x).status)
"""

# What Pyodide (Python in a browser) lacks: signal.setitimer, and threads.
PYODIDE_LIMITS = """
import _thread, signal, threading

def no_thread(*args, **kwargs):
    raise RuntimeError("can't start new thread")

del signal.setitimer
_thread.start_new_thread = threading._start_new_thread = no_thread
"""


@pytest.mark.parametrize("limits", ["", PYODIDE_LIMITS], ids=["alarm", "pyodide-limits"])
def test_looping_answers_stop_and_the_checker_still_works(limits):
    loops = ["spin", "spin_in_no_grad"]
    # Code that swallows the interruption is stopped by the alarm, and without it from Python 3.12
    # on (Pyodide's Python is 3.12; the browser test checks it there).
    if not limits or hasattr(sys, "monitoring"):
        loops += ["stubborn", "nested"]
    out = subprocess.run([sys.executable, "-c", limits + LOOPS, *loops], capture_output=True, text=True,
                         timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f"{name} timeout True True True" for name in loops] + ["True", "wrong"]


def test_the_deadline_is_used_where_there_is_no_alarm():
    out = subprocess.run([sys.executable, "-c", PYODIDE_LIMITS + (
        "from autogradviz.exercises import sandbox\n"
        "import sys\n"
        "calls = []\n"
        "real = sandbox._run_with_deadline\n"
        "sandbox._run_with_deadline = lambda *a: calls.append(a[-1]) or real(*a)\n"
        "print(sandbox.run_limited(sum, [1, 2], timeout=2).value, calls)\n")],
        capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["3", "[2.0]"]


def test_time_limit_outside_the_main_thread():
    box = {}

    def worker():
        start = time.perf_counter()
        box["fb"] = exercises.check("grad-2xTx", spin, timeout=0.3)
        box["seconds"] = time.perf_counter() - start
        box["ok"] = exercises.check("grad-2xTx", lambda x: 4 * x)
    t = threading.Thread(target=worker)
    t.start()
    t.join(10)
    assert not t.is_alive()
    assert box["fb"].status == "timeout" and box["seconds"] < 3
    assert box["ok"]


def test_default_time_limit_is_five_seconds_and_settable():
    assert sandbox.DEFAULT_TIME_LIMIT == 5.0
    old = exercises.time_limit()
    try:
        exercises.set_time_limit(0.3)
        assert exercises.check("grad-2xTx", spin).message.startswith("Your code did not finish within 0.3 s")
    finally:
        exercises.set_time_limit(old)
    with pytest.raises(ValueError):
        exercises.set_time_limit(0)


def test_a_slow_but_finishing_function_is_not_interrupted():
    def slow(x):
        time.sleep(0.05)
        return 4 * x
    assert exercises.check("grad-2xTx", slow, timeout=2)


# --- exceptions in student code ---------------------------------------------------------------------
def broken_grad(x):
    y = 2 * torch.dot(x, x)
    return y.gradient_of(x)  # no such method


def test_exception_becomes_feedback_with_the_students_own_line():
    fb = exercises.check("grad-2xTx", broken_grad)
    assert not fb and fb.status == "error"
    assert fb.message.startswith("Your code raised AttributeError")
    assert __file__ in fb.where and "in broken_grad" in fb.where
    assert "return y.gradient_of(x)" in fb.where


def test_innermost_student_frame_is_chosen_over_engine_frames():
    def helper(x):
        return (x * x).backward()  # raises inside the engine

    def grad(x):
        helper(x)
        return x.grad
    fb = exercises.check("grad-sum-x-squared", grad)
    assert "in helper" in fb.where and "(x * x).backward()" in fb.where
    assert "autogradviz" not in fb.where.split("\n")[0].split("tests")[0]


def test_exceptions_of_any_kind_are_caught():
    def exits(x):
        raise SystemExit(3)

    def custom(x):
        class Oops(Exception):
            pass
        raise Oops("no")
    assert exercises.check("grad-2xTx", exits).status == "error"
    fb = exercises.check("grad-2xTx", custom)
    assert fb.status == "error" and "Oops: no" in fb.message


def test_student_text_is_html_escaped():
    def evil(x):
        raise ValueError("<script>alert(1)</script>")
    fb = exercises.check("grad-2xTx", evil)
    html = fb._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


# --- conversion of answers ----------------------------------------------------------------------
class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __array__(self, dtype=None, copy=None):
        return np.array([0.0, 4.0, 8.0, 12.0])


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)


class LyingFloat(float):
    def __eq__(self, other):
        return True

    def __float__(self):
        return 28.0


def test_fake_eq_objects_are_rejected():
    fb = exercises.check("grad-2xTx", AlwaysEqual())
    assert not fb and fb.status == "invalid" and "AlwaysEqual" in fb.message
    lying = np.array([9.0, 9.0, 9.0, 9.0]).view(LyingArray)
    assert not exercises.check("grad-2xTx", lying)
    assert not exercises.check("backward-twice-accumulate", [LyingFloat(1.0)] * 4)


@pytest.mark.parametrize("answer, fragment", [
    ({"grad": [0, 4, 8, 12]}, "dict"),
    ("0 4 8 12", "str"),
    (True, "boolean"),
    (torch.tensor([True, True, True, True]), "True/False"),
    (np.array([0, 4, 8, 12], dtype=complex), "complex"),
    (np.array([0, 4, 8, 12], dtype=object), "dtype object"),
    ([0.0, [4.0], 8.0, 12.0], "ragged"),
])
def test_wrong_types_are_reported_not_raised(answer, fragment):
    fb = exercises.check("grad-2xTx", answer)
    assert not fb and fb.status == "invalid" and fragment in fb.message


def test_many_answer_types_are_read():
    for answer in ([0, 4, 8, 12], (0.0, 4.0, 8.0, 12.0), np.array([0, 4, 8, 12]),
                   np.array([0, 4, 8, 12], dtype=np.float32), correct_2xtx(),
                   [torch.tensor(0.0), torch.tensor(4.0), torch.tensor(8.0), torch.tensor(12.0)]):
        assert exercises.check("grad-2xTx", answer), answer
    assert exercises.check("grad-2xTx", lambda x: 4 * x)
    assert exercises.check("backward-twice-accumulate", np.arange(4.0) * 8)


def test_a_scalar_answer_may_be_a_number_or_a_one_element_tensor():
    fb = exercises.check("grad-2xTx", 28)  # the value y, a number
    assert fb.mistake == "value_not_gradient"


def test_real_torch_tensors_are_accepted():
    real = need_torch(module_level=False)
    x = real.arange(4.0, requires_grad=True)
    (2 * real.dot(x, x)).backward()
    assert exercises.check("grad-2xTx", x.grad)
    assert exercises.check("grad-2xTx", x.grad.to(real.float16))
    fb = exercises.check("grad-2xTx", x.grad * 2)
    assert fb.mistake == "accumulated_twice"
    fb = exercises.check("grad-2xTx", x.grad == 4 * x)
    assert fb.status == "invalid" and "True/False" in fb.message


def test_real_torch_function_classes_are_checked():
    real = need_torch(module_level=False)

    class Exp(real.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            r = x.exp()
            ctx.save_for_backward(r)
            return r

        @staticmethod
        def backward(ctx, g):
            (r,) = ctx.saved_tensors
            return g * r
    assert exercises.check("custom-exp", Exp)


def test_importing_the_exercises_does_not_import_torch():
    code = ("import sys, autogradviz as t; from autogradviz import exercises as e; "
            "e.check('grad-2xTx', [0, 4, 8, 12]); e.check('grad-2xTx', lambda x: 4 * x); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- the student's objects are never modified ---------------------------------------------------------
def test_value_answers_are_not_modified():
    a = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], requires_grad=True)
    d = a * 512
    d.sum().backward()
    grad_before, data_before = a.grad.numpy().copy(), a.detach().numpy().copy()
    ratio = d / a
    ratio_fn = ratio.grad_fn
    assert exercises.check("control-flow-matrix", ratio)
    assert exercises.check("control-flow-matrix", a.grad)
    assert ratio.grad_fn is ratio_fn and ratio.requires_grad
    np.testing.assert_array_equal(a.grad.numpy(), grad_before)
    np.testing.assert_array_equal(a.detach().numpy(), data_before)
    assert a.requires_grad and a.is_leaf and a._version == 0

    arr = np.array([0.0, 4.0, 8.0, 12.0])
    arr_copy = arr.copy()
    exercises.check("grad-2xTx", arr)
    exercises.check("grad-2xTx", lambda x: x)
    np.testing.assert_array_equal(arr, arr_copy)
    assert arr.flags.writeable


def test_function_answers_get_fresh_copies_of_the_named_inputs():
    seen = []

    def vandal(x):
        seen.append(x)
        g = 4 * x.detach().clone()
        with torch.no_grad():
            x.zero_()  # vandalise the input it was given
        return g
    assert exercises.check("grad-2xTx", vandal)
    assert exercises.check("grad-2xTx", vandal)
    assert len({id(x) for x in seen}) == len(seen)  # never the same object twice
    np.testing.assert_array_equal(exercises.get("grad-2xTx").inputs[0], np.arange(4.0))
    assert exercises.check("grad-2xTx", [0.0, 4.0, 8.0, 12.0])


def test_checking_a_graph_leaves_the_students_global_leaves_alone():
    scale = torch.tensor(1.0, requires_grad=True)  # a student's global parameter

    def squared_loss(y_hat, y):
        return scale * (y_hat - y.reshape(y_hat.shape)) ** 2 / 2
    assert exercises.check("squared-loss", squared_loss)
    assert scale.grad is None


def test_function_answers_run_with_grad_enabled_even_under_no_grad():
    with torch.no_grad():
        fb = exercises.check("grad-2xTx", lambda x: grad_2xtx(x))
    assert fb, fb.text()
    assert torch.is_grad_enabled()


def grad_2xtx(x):
    y = 2 * torch.dot(x, x)
    y.backward()
    return x.grad
