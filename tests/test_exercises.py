"""The built-in exercises: each passes a correct answer and fails a wrong one with the message of
the detector that recognises the mistake; each named mistake detector; the student-facing API."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import autogradviz as torch
from autogradviz import exercises


@pytest.fixture(autouse=True)
def _fresh_progress():
    exercises.reset_progress()
    yield
    exercises.reset_progress()


# --- answers as a student writes them --------------------------------------------------------------
def control_flow_f(a):
    b = a * 2
    while b.norm().item() < 1000:
        b = b * 2
    if b.sum().item() > 0:
        c = b
    else:
        c = 100 * b
    return c


def grad_after_backward(make_y, x):
    y = make_y(x)
    y.backward()
    return x.grad


def two_backwards(x):
    for _ in range(2):
        y = 2 * torch.dot(x, x)
        y.backward()
    return x.grad


def backward_twice_value():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    y.backward(retain_graph=True)
    y.backward()
    return x.grad


def control_flow_grad(a):
    d = control_flow_f(a)
    d.sum().backward()
    return a.grad


def control_flow_no_sum(a):
    d = control_flow_f(a)
    d.backward()
    return a.grad


def sin_grid():
    return torch.linspace(-5, 5, 200, requires_grad=True)


def sin_grad():
    x = sin_grid()
    torch.sin(x).sum().backward()
    return x.grad


def chain(x_values, fn):
    x = torch.tensor(x_values, requires_grad=True)
    fn(x).sum().backward()
    return x.grad


BX = [[1.0], [2.0], [3.0]]
BB = [0.0, 1.0, 2.0, 3.0]


def broadcast_grad():
    x, b = torch.tensor(BX, requires_grad=True), torch.tensor(BB, requires_grad=True)
    ((x + b) ** 2).sum().backward()
    return x.grad


def softmax_grad(z, labels):
    loss = -torch.log_softmax(z, dim=1)[torch.arange(len(z)), labels].mean()
    loss.backward()
    return z.grad


def softmax_value_grad():
    z = torch.tensor([[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]], requires_grad=True)
    return softmax_grad(z, torch.tensor([0, 2]))


W = torch.tensor([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])


def vjp(x, v):
    y = (W @ x) ** 2
    y.backward(gradient=v)
    return x.grad


def vjp_summed(x, v):
    y = (W @ x) ** 2
    y.sum().backward()
    return x.grad


def detach_grad(detach=True):
    x = torch.arange(4.0, requires_grad=True)
    y = x * x
    u = y.detach() if detach else y
    (u * x).sum().backward()
    return x.grad


NG_W = [[1.0], [-2.0], [0.5]]
NG_X = [[1.0, 2.0, 3.0], [0.0, 1.0, 0.0], [2.0, 0.0, -1.0], [1.0, 1.0, 1.0]]


def predict(untracked=True):
    w, X = torch.tensor(NG_W, requires_grad=True), torch.tensor(NG_X)
    if untracked:
        with torch.no_grad():
            return X @ w
    return X @ w


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def squared_loss_detached(y_hat, y):
    return (y_hat.detach() - y.reshape(y_hat.shape)) ** 2 / 2


class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        result = torch.exp(x)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


class ExpIgnoringGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        result = torch.exp(x)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return result


def sigmoid_backward(x, grad_out):
    s = torch.sigmoid(x)
    return grad_out * s * (1 - s)


def sigmoid_backward_no_chain(x, grad_out):
    s = torch.sigmoid(x)
    return s * (1 - s)


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def sgd_recorded(params, lr, batch_size):
    for param in params:
        param -= lr * param.grad / batch_size
        param.grad.zero_()


# id: (correct answer, wrong answer, expected detector, a fragment of its message)
CASES = {
    "second-derivative-cost": (
        lambda: ("The second derivative is built on top of the first derivative, so we need to build "
                 "the first derivative computational graph and then calculate the second derivative on "
                 "top of that graph"),
        lambda: "c", "wrong_choice", "never finite differences"),
    "backward-twice": (
        lambda: "It's calculate the same derivative, we need to pass an arguments telling pytorch to retain_graph",
        lambda: "Wrap the second call in torch.no_grad()", "misconception", "does not keep the graph"),
    "backward-twice-accumulate": (
        backward_twice_value,
        lambda: grad_after_backward(lambda x: 2 * torch.dot(x, x), torch.arange(4.0, requires_grad=True)),
        "one_backward", "gradients accumulate"),
    "control-flow-matrix": (lambda: control_flow_grad, lambda: control_flow_no_sum,
                            "non_scalar_backward", "y.backward(gradient=v)"),
    "sin-derivative": (sin_grad, lambda: torch.sin(sin_grid()), "value_not_gradient", "value of sin(x)"),
    "grad-2xTx": (
        lambda: grad_after_backward(lambda x: 2 * torch.dot(x, x), torch.arange(4.0, requires_grad=True)),
        lambda: two_backwards(torch.arange(4.0, requires_grad=True)),
        "accumulated_twice", "did you zero x.grad"),
    "grad-sum-x-squared": (
        lambda: grad_after_backward(lambda x: (x * x).sum(), torch.arange(4.0, requires_grad=True)),
        lambda: (lambda x: grad_after_backward(lambda t: t * t, x)),
        "non_scalar_backward", "only works on a scalar"),
    "chain-sin-x2": (
        lambda: chain([-1.5, -0.5, 0.0, 1.0, 2.0], lambda x: torch.sin(x ** 2)),
        lambda: torch.cos(torch.tensor([-1.5, -0.5, 0.0, 1.0, 2.0]) ** 2),
        "missing_inner_derivative", "inner derivative"),
    "broadcast-sum": (broadcast_grad, lambda: 2 * (torch.tensor(BX) + torch.tensor(BB)),
                      "wrong_shape", "summed over the broadcast dimensions"),
    "softmax-cross-entropy": (softmax_value_grad, lambda: softmax_value_grad() * 2, "forgot_mean",
                              "divide each row"),
    "vjp": (lambda: vjp, lambda: vjp_summed, "ones_instead_of_v", "pass gradient=v"),
    "detach": (detach_grad, lambda: detach_grad(detach=False), "not_detached", "u = y.detach() is a constant"),
    "no-grad-predict": (predict, lambda: predict(untracked=False), "still_tracked", "torch.no_grad()"),
    "squared-loss": (lambda: squared_loss, lambda: squared_loss_detached, "no_gradient",
                     "does not require grad"),
    "custom-exp": (lambda: Exp, lambda: ExpIgnoringGrad, "ignored_grad_output", "grad_output * exp(x)"),
    "sigmoid-backward": (lambda: sigmoid_backward, lambda: sigmoid_backward_no_chain, "ignored_grad_out",
                         "multiply it by grad_out"),
    "sgd-step": (lambda: sgd, lambda: sgd_recorded, "inplace_on_leaf", "torch.no_grad()"),
}


def test_catalogue_has_every_case_and_enough_exercises():
    ids = [row[0] for row in exercises.list()]
    assert len(ids) >= 12
    assert set(CASES) == set(ids)


@pytest.mark.parametrize("exercise_id", sorted(CASES))
def test_correct_answer_passes(exercise_id):
    correct, _, _, _ = CASES[exercise_id]
    fb = exercises.check(exercise_id, correct())
    assert fb, fb.text()
    assert fb.status == "correct" and fb.mark == "✓"
    assert "✓" in fb._repr_html_()


@pytest.mark.parametrize("exercise_id", sorted(CASES))
def test_wrong_answer_fails_with_the_detector_message(exercise_id):
    _, wrong, mistake, fragment = CASES[exercise_id]
    fb = exercises.check(exercise_id, wrong())
    assert not fb
    assert fb.mistake == mistake, fb.text()
    assert fragment in fb.message
    assert "✗" in fb._repr_html_() and fragment in fb.text()


# --- each mistake detector ---------------------------------------------------------------------
def x4():
    return torch.arange(4.0, requires_grad=True)


def test_accumulated_twice_names_the_factor():
    x = x4()
    for _ in range(3):
        (2 * torch.dot(x, x)).backward()
    fb = exercises.check("grad-2xTx", x.grad)
    assert fb.mistake == "accumulated_twice" and "3×" in fb.message


def test_non_scalar_backward_error_in_student_code():
    fb = exercises.check("grad-sum-x-squared", lambda x: grad_after_backward(lambda t: t * t, x))
    assert fb.status == "error" and fb.mistake == "non_scalar_backward"
    assert "grad can be implicitly created only for scalar outputs" in fb.message
    assert "gradient=" in fb.message and "sum()" in fb.message


def test_non_scalar_backward_summed_answer():
    grad = grad_after_backward(lambda x: (x * x).sum(), x4())
    fb = exercises.check("grad-sum-x-squared", grad.sum())
    assert fb.mistake == "non_scalar_backward" and "sum of the expected gradient" in fb.message


def test_wrong_shape_says_both_shapes():
    fb = exercises.check("grad-2xTx", torch.tensor([0.0, 4.0, 8.0]))
    assert fb.mistake == "wrong_shape"
    assert "your answer has shape (3,), expected (4,)" in fb.message.lower()


def test_wrong_shape_transposed_and_reshaped():
    fb = exercises.check("broadcast-sum", broadcast_grad().T)
    assert fb.mistake == "wrong_shape" and "transposed" in fb.message
    fb = exercises.check("broadcast-sum", broadcast_grad().reshape(3))
    assert fb.mistake == "wrong_shape" and "reshape" in fb.message


def test_sign_error():
    fb = exercises.check("chain-sin-x2", -chain([-1.5, -0.5, 0.0, 1.0, 2.0], lambda x: torch.sin(x ** 2)))
    assert fb.mistake == "sign_error" and "negative" in fb.message


def test_sign_error_in_a_function():
    fb = exercises.check("sigmoid-backward", lambda x, g: -sigmoid_backward(x, g))
    assert fb.mistake == "sign_error"
    assert fb.context and "x = " in fb.context  # the random inputs are shown


def test_value_instead_of_gradient():
    x = x4()
    y = 2 * torch.dot(x, x)
    fb = exercises.check("grad-2xTx", y)
    assert fb.mistake == "value_not_gradient" and "value of y" in fb.message


def test_no_gradient_for_none():
    x = x4()
    with torch.no_grad():
        y = 2 * torch.dot(x, x)
    assert x.grad is None and not y.requires_grad
    fb = exercises.check("grad-2xTx", x.grad)
    assert fb.mistake == "no_gradient" and "None" in fb.message and "no_grad" in fb.message


def test_no_gradient_for_an_untracked_result():
    def grad(x):
        with torch.no_grad():
            y = 2 * torch.dot(x, x)
        y.backward()
        return x.grad
    fb = exercises.check("grad-2xTx", grad)
    assert fb.status == "error" and fb.mistake == "no_gradient"
    assert "does not require grad" in fb.message


def test_no_gradient_for_a_plain_number_where_a_graph_is_needed():
    fb = exercises.check("squared-loss", lambda y_hat, y: squared_loss(y_hat, y).detach().numpy())
    assert fb.mistake == "no_gradient" and "carries no graph" in fb.message


def test_partially_detached_graph():
    def loss(y_hat, y):
        r = y_hat - y.reshape(y_hat.shape)
        return r.detach() * r / 2
    fb = exercises.check("squared-loss", loss)
    assert fb.mistake == "partial_graph" and "y_hat" in fb.message


def test_float32_rounding_is_accepted():
    x32 = torch.tensor([-1.5, -0.5, 0.0, 1.0, 2.0], dtype=torch.float32, requires_grad=True)
    torch.sin(x32 ** 2).sum().backward()
    x64 = torch.tensor([-1.5, -0.5, 0.0, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
    torch.sin(x64 ** 2).sum().backward()
    assert not np.array_equal(x32.grad.numpy().astype(np.float64), x64.grad.numpy())
    assert exercises.check("chain-sin-x2", x32.grad)
    assert exercises.check("chain-sin-x2", x64.grad)
    assert exercises.check("sin-derivative", np.cos(np.linspace(-5, 5, 200)).astype(np.float32))


def test_still_tracked_in_a_function():
    fb = exercises.check("no-grad-predict", lambda w, X: X @ w)
    assert fb.mistake == "still_tracked"


def test_second_backward_error():
    def twice(x):
        y = 2 * torch.dot(x, x)
        y.backward()
        y.backward()
        return x.grad
    fb = exercises.check("backward-twice-accumulate", twice)
    assert fb.status == "error" and fb.mistake == "second_backward" and "retain_graph=True" in fb.message


def test_hard_coded_function_fails():
    fb = exercises.check("grad-2xTx", lambda x: torch.tensor([0.0, 4.0, 8.0, 12.0]))
    assert not fb and fb.mistake == "hard_coded" and "hard-coded" in fb.message


def test_hard_coded_function_without_named_inputs_fails():
    fixed = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    fb = exercises.check("sigmoid-backward", lambda x, g: torch.tensor(fixed))
    assert not fb and fb.status == "wrong"


def test_not_finite_and_all_zeros():
    fb = exercises.check("grad-2xTx", np.array([0.0, np.inf, 8.0, 12.0]))
    assert fb.mistake == "not_finite" and "inf" in fb.message
    fb = exercises.check("grad-2xTx", np.array([0.0, 4.0, np.nan, 12.0]))
    assert fb.mistake == "not_finite" and "NaN" in fb.message
    fb = exercises.check("grad-2xTx", torch.zeros(4))
    assert fb.mistake == "all_zeros"


def test_sgd_specific_mistakes():
    def not_in_place(params, lr, batch_size):
        with torch.no_grad():
            for param in params:
                param = param - lr * param.grad / batch_size

    def no_zero(params, lr, batch_size):
        with torch.no_grad():
            for param in params:
                param -= lr * param.grad / batch_size

    def no_batch(params, lr, batch_size):
        with torch.no_grad():
            for param in params:
                param -= lr * param.grad
                param.grad.zero_()
    assert exercises.check("sgd-step", not_in_place).mistake == "not_in_place"
    assert exercises.check("sgd-step", no_zero).mistake == "gradient_not_zeroed"
    assert exercises.check("sgd-step", no_batch).mistake == "forgot_batch_size"


def test_value_only_and_function_only_exercises_explain_the_expected_kind():
    fb = exercises.check("sin-derivative", lambda x: x)
    assert not fb and fb.status == "invalid" and "expects a value" in fb.message
    fb = exercises.check("sigmoid-backward", np.ones(3))
    assert not fb and "expects a function" in fb.message and "sigmoid_backward(x, grad_out)" in fb.message


def test_choice_answers_accept_letters_in_several_forms():
    for answer in ("b", "B", "(b)", " b) ", "b."):
        assert exercises.check("second-derivative-cost", answer), answer
    fb = exercises.check("second-derivative-cost", "z")
    assert fb.status == "invalid" and "no choice" in fb.message
    fb = exercises.check("second-derivative-cost", 2)
    assert fb.status == "invalid"
    fb = exercises.check("second-derivative-cost", "it is slow")
    assert fb.mistake == "missing_idea"


def test_custom_function_given_an_instance_or_a_plain_function():
    fb = exercises.check("custom-exp", Exp())
    assert fb.status == "invalid" and "the class itself" in fb.message
    fb = exercises.check("custom-exp", torch.exp)
    assert fb.status == "invalid" and "subclass of torch.autograd.Function" in fb.message


def test_custom_function_backward_checked_against_finite_differences_too():
    class Wrong(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.exp(x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * x  # not exp(x)
    fb = exercises.check("custom-exp", Wrong)
    assert not fb and fb.message.startswith("backward:")


# --- API ---------------------------------------------------------------------------------------
def test_list_is_a_table_with_html_and_text():
    table = exercises.list()
    rows = list(table)
    assert rows[[r[0] for r in rows].index("grad-2xTx")][:2] == ("grad-2xTx", "The gradient of 2·xᵀx")
    assert "<table" in table._repr_html_() and "grad-2xTx" in table._repr_html_()
    assert "grad-2xTx" in repr(table) and "topic" in repr(table)


def test_show_renders_markdown_with_the_check_line():
    shown = exercises.show("vjp")
    md = shown._repr_markdown_()
    assert md.startswith("### A vector-Jacobian product")
    assert "y.backward(gradient=v)" in md and "exercises.check('vjp', answer)" in md
    assert repr(shown) == md


def test_unknown_id_suggests_close_ids():
    with pytest.raises(KeyError, match="grad-2xTx"):
        exercises.check("grad-2xtx", 1.0)


def test_hints_one_at_a_time_then_no_more():
    first, second, third = (str(exercises.hint("grad-2xTx")) for _ in range(3))
    assert "Hint 1 of 2" in first and "Hint 2 of 2" in second and first != second
    assert "No more hints" in third
    assert "No more hints" in str(exercises.hint("grad-2xTx"))


def test_progress_counts_attempts_and_passes():
    assert "No exercise attempted" in repr(exercises.progress())
    exercises.check("grad-2xTx", [1.0, 2.0, 3.0, 4.0])
    exercises.check("grad-2xTx", [0.0, 4.0, 8.0, 12.0])
    exercises.check("detach", [1.0, 1.0, 1.0, 1.0])
    table = exercises.progress()
    rows = {r[0]: r for r in table}
    assert rows["grad-2xTx"][2:] == (2, "✓ passed")
    assert rows["detach"][2:] == (1, "✗ not yet")
    assert "1 of 17 exercises passed (2 attempted)" in table.caption
    assert "<table" in table._repr_html_()


def test_in_the_browser_a_graded_cell_shows_a_wrong_or_blank_answer_without_raising(monkeypatch):
    """JupyterLite's Run All stops at a cell that raises, tag or no tag, and no grader runs there."""
    monkeypatch.setattr(sys, "platform", "emscripten")
    wrong = exercises.assert_correct("grad-2xTx", [0.0, 8.0, 16.0, 24.0])
    assert not wrong and "did you zero x.grad" in wrong.text()
    blank = exercises.assert_correct("grad-2xTx", ...)
    assert not blank and blank.text().startswith("○ grad-2xTx: Not answered yet")
    assert exercises.assert_correct("grad-2xTx", [0.0, 4.0, 8.0, 12.0])


def test_strict_raises_assertion_error_with_the_same_message():
    fb = exercises.check("grad-2xTx", [0.0, 8.0, 16.0, 24.0])
    with pytest.raises(AssertionError) as err:
        exercises.check("grad-2xTx", [0.0, 8.0, 16.0, 24.0], strict=True)
    assert str(err.value) == fb.text() and "did you zero x.grad" in str(err.value)
    with pytest.raises(AssertionError, match="did you zero"):
        exercises.assert_correct("grad-2xTx", [0.0, 8.0, 16.0, 24.0])
    ok = exercises.assert_correct("grad-2xTx", [0.0, 4.0, 8.0, 12.0])
    assert ok and exercises.check("grad-2xTx", [0.0, 4.0, 8.0, 12.0], strict=True)


def test_feedback_plain_and_html_forms():
    fb = exercises.check("grad-2xTx", [0.0, 4.0, 8.0])
    text = repr(fb)
    assert text.startswith("✗ grad-2xTx: ") and "expected: an array of shape (4,)" in text
    assert "got:" in text and "(shape (3,))" in text
    html = fb._repr_html_()
    assert "expected" in html and "got" in html and "✗" in html


def test_the_blank_of_a_student_copy_is_not_answered_yet_and_no_attempt():
    for ex_id in ("grad-2xTx", "second-derivative-cost", "custom-exp", "sgd-step"):
        fb = exercises.check(ex_id, ...)
        assert not fb and fb.status == "unanswered" and fb.mark == "○"
        assert fb.text() == f"○ {ex_id}: Not answered yet: replace the ... in `answer = ...` with your answer."
        assert "agv-unanswered" in fb._repr_html_() and "✗" not in fb._repr_html_()
        with pytest.raises(AssertionError, match=f"^○ {ex_id}: Not answered yet"):
            exercises.assert_correct(ex_id, ...)
    assert "No exercise attempted" in repr(exercises.progress())
