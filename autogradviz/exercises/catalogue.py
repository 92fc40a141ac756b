"""The built-in exercises: D2L 2.5 (Automatic Differentiation) as the course states and answers
them, gradients by hand, vector-Jacobian products, detach/no_grad, custom Functions, backward
rules and one "from scratch" training step. References are plain NumPy, independent of the engine.

They are written with the same public API a teacher uses (``@exercise``, the exercise classes,
``decoy`` and ``register``).
"""
from __future__ import annotations

import numpy as np

from .._engines import library_of
from .convert import fmt
from .detectors import decoy
from .kinds import ChoiceExercise, FunctionClassExercise, NumericExercise
from .registry import exercise, register

D2L = "D2L 2.5"
BY_HAND = "gradients by hand"


def _size(rng: np.random.Generator, low: int = 3, high: int = 7) -> int:
    return int(rng.integers(low, high))


# --- D2L 2.5 exercises -------------------------------------------------------------------------
register(ChoiceExercise(
    "second-derivative-cost", "Why is a second derivative more expensive?",
    "D2L 2.5, exercise 1: why is the second derivative much more expensive to compute than the "
    "first derivative?",
    choices={
        "a": "The second derivative needs a bigger `.grad` tensor to store its result.",
        "b": "It differentiates the first derivative's own computation: the backward pass must itself "
             "be recorded as a graph (`create_graph=True`), and that larger graph is then "
             "differentiated again.",
        "c": "Autograd computes second derivatives with finite differences, which need many "
             "evaluations of the function.",
        "d": "Floating-point multiplication is slower for the small numbers second derivatives produce.",
    },
    correct="b",
    keywords=[("graph",), ("first derivative", "first order", "backward", "gradient", "create graph",
                           "derivative of the derivative")],
    explanations={
        "a": "The result has the same shape as x either way: the cost is in the extra graph, not in "
             "storing the result.",
        "c": "Autograd is exact: it applies the chain rule on a recorded graph, never finite differences.",
        "d": "The size of the numbers does not change the cost of floating-point operations.",
    },
    misconceptions=[(("finite difference",), ("Autograd never uses finite differences: it applies the "
                     "chain rule to a recorded graph. What must be recorded to differentiate twice?"))],
    hints=["Autograd can only differentiate what it has recorded as a graph.",
           ("To differentiate the first derivative, the backward pass itself must be recorded "
            "(`create_graph=True`): a second, larger graph.")],
    topic=D2L,
    success="Correct: the first derivative must be built as a differentiable graph, then differentiated again."),
    source=__name__)

register(ChoiceExercise(
    "backward-twice", "Running backward twice",
    "D2L 2.5, exercise 2: after running `y.backward()`, immediately run it again. What happens, "
    "and how do you make the second call work?\n\n"
    "```python\nx = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward()\n"
    "y.backward()   # again\n```",
    choices={
        "a": "Nothing special: the second call overwrites `x.grad` with the same gradient.",
        "b": "A RuntimeError: the first backward freed the graph's saved values. Call the first one "
             "with `retain_graph=True`; the second call then adds the same gradient to `x.grad` again.",
        "c": "A RuntimeError; wrap the second call in `with torch.no_grad():` to fix it.",
        "d": "The second call silently sets `x.grad` to zeros.",
    },
    correct="b",
    keywords=[("retain graph",)],
    explanations={
        "a": "Run it: the second call raises a RuntimeError. And gradients add up in .grad, they are "
             "never overwritten.",
        "c": "torch.no_grad() stops recording new operations; it cannot bring back what the first "
             "backward freed.",
        "d": "Run it: the second call raises a RuntimeError.",
    },
    misconceptions=[(("no grad",), ("torch.no_grad() stops recording new operations; it does not keep the "
                                   "graph's saved values alive for a second backward.")),
                    (("detach",), ("detach() cuts a tensor from the graph; it does not keep the graph's saved "
                                   "values alive for a second backward."))],
    hints=["Run the two calls and read the error message to the end.",
           "The first backward frees what the graph saved; an argument of backward() keeps it."],
    topic=D2L,
    success="Correct: backward(retain_graph=True) keeps the graph, and the gradients then accumulate."),
    source=__name__)


@exercise(
    "backward-twice-accumulate", "Two backward calls add up",
    "```python\nx = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\n"
    "y.backward(retain_graph=True)\ny.backward()\n```\n\nWhat is `x.grad` now?",
    inputs=(np.arange(4.0),),
    random_inputs=lambda rng: (rng.normal(size=_size(rng)),),
    signature="twice(x)",
    values={"y": lambda x: 2 * x @ x},
    detectors=[decoy("one_backward", lambda x: 4 * x,
                     "That is the gradient of a single backward() call. The second call adds its "
                     "gradient to x.grad: gradients accumulate.")],
    hints=["What does each backward() call do to x.grad: replace it, or add to it?",
           "dy/dx = 4x, and two calls accumulate it."],
    topic=D2L)
def _backward_twice_accumulate(x):
    return 8 * x


def _control_flow_gain(a: np.ndarray) -> float:
    """f(a) = k * a in D2L's control-flow example: the k for this a."""
    k, b = 2.0, 2.0 * a
    while np.linalg.norm(b) < 1000:
        b, k = 2.0 * b, 2.0 * k
    return k if b.sum() > 0 else 100.0 * k


def _control_flow_f(a):
    return _control_flow_gain(a) * a


@exercise(
    "control-flow-matrix", "Control flow with a matrix input",
    "D2L 2.5, exercise 3. With the control-flow function of the chapter,\n\n"
    "```python\ndef f(a):\n    b = a * 2\n    while b.norm().item() < 1000:\n        b = b * 2\n"
    "    if b.sum().item() > 0:\n        c = b\n    else:\n        c = 100 * b\n    return c\n\n"
    "a = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], requires_grad=True)\nd = f(a)\n```\n\n"
    "`d` is now a matrix, not a scalar. Compute the gradient of `d.sum()` with respect to `a`. "
    "How does it relate to `d / a`?",
    inputs=(np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]),),
    random_inputs=lambda rng: (rng.normal(size=[(2, 3), (3,), (2, 2), (4, 1)][int(rng.integers(4))]),),
    signature="grad_f(a)",
    values={"d = f(a)": _control_flow_f},
    hints=["d is a matrix: backward() needs a scalar, so use d.sum().backward() (or pass gradient=).",
           "f(a) = k * a for a number k that depends on a: every entry of the gradient is k, which is d / a."],
    topic=D2L)
def _control_flow_matrix(a):
    return np.full(np.shape(a), _control_flow_gain(a))


_GRID = np.linspace(-5.0, 5.0, 200)


@exercise(
    "sin-derivative", "The derivative of sin without the formula",
    "D2L 2.5, exercise 5: let f(x) = sin(x). Compute df/dx with autograd, without using that "
    "f'(x) = cos(x), on the grid\n\n```python\nx = torch.linspace(-5, 5, 200, requires_grad=True)\n```\n\n"
    "(then plot both: `plt.plot(x.detach(), torch.sin(x).detach()); plt.plot(x.detach(), x.grad)`).",
    inputs=(_GRID,),
    values={"sin(x)": np.sin},
    answer_help="the 200 values of df/dx on that grid (x.grad), as a tensor or array of shape (200,).",
    hints=["y = torch.sin(x) is a vector: call y.sum().backward() (or y.backward(torch.ones_like(x))).",
           "The answer is x.grad after that backward call."],
    topic=D2L)
def _sin_derivative(x):
    return np.cos(x)


# --- gradients by hand ----------------------------------------------------------------------------
@exercise(
    "grad-2xTx", "The gradient of 2·xᵀx",
    "```python\nx = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\n```\n\n"
    "What is dy/dx? Work it out by hand, then check it with `y.backward()` and `x.grad`.",
    inputs=(np.arange(4.0),),
    random_inputs=lambda rng: (rng.normal(size=_size(rng)),),
    signature="grad(x)",
    values={"y": lambda x: 2 * x @ x, "x": lambda x: x},
    hints=["y = 2 Σ xᵢ²; differentiate with respect to one xᵢ.", "dy/dx = 4x."],
    topic=BY_HAND)
def _grad_2xtx(x):
    return 4 * x


@exercise(
    "grad-sum-x-squared", "A non-scalar output: sum(x * x)",
    "```python\nx = torch.arange(4.0, requires_grad=True)\ny = x * x        # a vector\n```\n\n"
    "`y.backward()` alone raises an error. Compute the gradient of `y.sum()` with respect to `x` "
    "(the same as `y.backward(gradient=torch.ones_like(y))`).",
    inputs=(np.arange(4.0),),
    random_inputs=lambda rng: (rng.normal(size=_size(rng)),),
    signature="grad(x)",
    values={"y = x * x": lambda x: x * x},
    hints=["backward() needs a scalar: reduce y with y.sum() first, or pass gradient=torch.ones_like(y).",
           "d(Σ xᵢ²)/dxᵢ = 2xᵢ."],
    topic=BY_HAND)
def _grad_sum_x_squared(x):
    return 2 * x


@exercise(
    "chain-sin-x2", "Chain rule: sin(x²)",
    "```python\nx = torch.tensor([-1.5, -0.5, 0.0, 1.0, 2.0], requires_grad=True)\n"
    "y = torch.sin(x ** 2)\n```\n\nWhat is the gradient of `y.sum()` with respect to `x`?",
    inputs=(np.array([-1.5, -0.5, 0.0, 1.0, 2.0]),),
    random_inputs=lambda rng: (rng.uniform(-2, 2, size=_size(rng)),),
    signature="grad(x)",
    values={"y = sin(x²)": lambda x: np.sin(x ** 2)},
    detectors=[decoy("missing_inner_derivative", lambda x: np.cos(x ** 2),
                     "Chain rule: d sin(u)/dx = cos(u) · du/dx. You forgot the inner derivative du/dx = 2x.")],
    hints=["Write u = x², y = sin(u) and apply the chain rule.", "dy/dx = cos(x²) · 2x."],
    topic=BY_HAND)
def _chain_sin_x2(x):
    return 2 * x * np.cos(x ** 2)


@exercise(
    "broadcast-sum", "The gradient through broadcasting",
    "```python\nx = torch.tensor([[1.0], [2.0], [3.0]], requires_grad=True)   # shape (3, 1)\n"
    "b = torch.tensor([0.0, 1.0, 2.0, 3.0], requires_grad=True)        # shape (4,)\n"
    "y = ((x + b) ** 2).sum()                                           # x + b is (3, 4)\n```\n\n"
    "What is dy/dx? Mind its shape.",
    inputs=(np.array([[1.0], [2.0], [3.0]]), np.array([0.0, 1.0, 2.0, 3.0])),
    random_inputs=lambda rng: (rng.normal(size=(_size(rng, 2, 5), 1)), rng.normal(size=_size(rng, 2, 6))),
    signature="grad_x(x, b)",
    values={"y": lambda x, b: ((x + b) ** 2).sum()},
    hints=["A gradient always has the shape of its input: here (3, 1).",
           "x was broadcast along the columns, so its gradient sums 2(x + b) over them."],
    topic=BY_HAND)
def _broadcast_sum(x, b):
    return (2 * (x + b)).sum(axis=1, keepdims=True)


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _onehot(labels, classes):
    return np.eye(classes)[np.asarray(labels, dtype=int)]


def _ce_loss(z, labels):
    p = _softmax(z)
    return -np.mean(np.log(p[np.arange(len(z)), np.asarray(labels, dtype=int)]))


def _random_logits(rng):
    n, c = _size(rng, 2, 6), _size(rng, 3, 6)
    return rng.normal(size=(n, c)) * 2, rng.integers(0, c, size=n)


@exercise(
    "softmax-cross-entropy", "Softmax cross-entropy",
    "The mean cross-entropy of a batch of logits `z` (one row per sample) with integer labels:\n\n"
    "```python\nz = torch.tensor([[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]], requires_grad=True)\n"
    "labels = torch.tensor([0, 2])\n"
    "loss = -torch.log_softmax(z, dim=1)[torch.arange(2), labels].mean()\n```\n\n"
    "What is d loss / dz?",
    inputs=(np.array([[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]]), np.array([0, 2])),
    random_inputs=_random_logits,
    signature="grad_z(z, labels)",
    wrap=("grad", "long"),
    values={"loss": _ce_loss},
    detectors=[
        decoy("forgot_mean", lambda z, y: _softmax(z) - _onehot(y, z.shape[1]),
              "The loss is the mean over the batch: divide each row of softmax(z) - onehot(labels) by "
              "the batch size N."),
        decoy("forgot_onehot", lambda z, y: _softmax(z) / len(z),
              "d(-log pᵧ)/dz = softmax(z) - onehot(y): subtract 1 at each sample's label."),
    ],
    hints=["For one sample, d(-log softmax(z)ᵧ)/dz = softmax(z) - onehot(y).",
           "The batch loss is a mean, so divide by the number of rows."],
    topic=BY_HAND)
def _softmax_cross_entropy(z, labels):
    return (_softmax(z) - _onehot(labels, z.shape[1])) / len(z)


# --- vector-Jacobian products, detach, no_grad -------------------------------------------------------
_W = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])


@exercise(
    "vjp", "A vector-Jacobian product",
    "```python\nW = torch.tensor([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])\n"
    "x = torch.tensor([1.0, 2.0, -1.0], requires_grad=True)\nv = torch.tensor([0.5, -1.0])\n"
    "y = (W @ x) ** 2        # a vector of 2 values\n```\n\n"
    "Compute vᵀ·J, where J = dy/dx is the 2×3 Jacobian, with `y.backward(gradient=v)`: what is "
    "`x.grad`? (For the function form, `W` is the global above.)",
    inputs=(np.array([1.0, 2.0, -1.0]), np.array([0.5, -1.0])),
    random_inputs=lambda rng: (rng.normal(size=3), rng.normal(size=2)),
    signature="vjp(x, v)",
    wrap=("grad", "tensor"),
    values={"y": lambda x, v: (_W @ x) ** 2},
    detectors=[
        decoy("ones_instead_of_v", lambda x, v: _W.T @ (2 * (_W @ x)),
              "That is the gradient of y.sum(), i.e. v = ones: pass gradient=v to backward()."),
        decoy("jacobian", lambda x, v: (2 * (_W @ x))[:, None] * _W,
              "That is the Jacobian J itself; the answer is the product vᵀJ, a vector shaped like x."),
    ],
    hints=["y is a vector, so backward() needs gradient=v: y.backward(gradient=v).",
           "J = diag(2·Wx)·W, so vᵀJ = Wᵀ(2·Wx ⊙ v)."],
    topic="vector-Jacobian products")
def _vjp(x, v):
    return _W.T @ (2 * (_W @ x) * v)


@exercise(
    "detach", "Detaching computation",
    "```python\nx = torch.arange(4.0, requires_grad=True)\ny = x * x\nu = y.detach()\nz = u * x\n"
    "z.sum().backward()\n```\n\nWhat is `x.grad`?",
    inputs=(np.arange(4.0),),
    random_inputs=lambda rng: (rng.normal(size=_size(rng)),),
    signature="grad(x)",
    values={"z": lambda x: x ** 3},
    detectors=[
        decoy("not_detached", lambda x: 3 * x ** 2,
              "That is the derivative of x·x·x: gradients flowed through y. But u = y.detach() is a "
              "constant, so dz/dx = u."),
        decoy("gradient_of_y", lambda x: 2 * x,
              "That is dy/dx. The question asks for the gradient of z = u * x, with u a constant."),
    ],
    hints=["After u = y.detach(), autograd treats u as a constant.", "z = u * x with u constant: dz/dx = u."],
    topic="detach and no_grad")
def _detach(x):
    return x ** 2


@exercise(
    "no-grad-predict", "Predictions without a graph",
    "A trained linear model makes predictions. Autograd should not record them:\n\n"
    "```python\nw = torch.tensor([[1.0], [-2.0], [0.5]], requires_grad=True)\n"
    "X = torch.tensor([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0], [2.0, 0.0, -1.0], [1.0, 1.0, 1.0]])\n```\n\n"
    "Compute `y_hat = X @ w` so that no graph is recorded (`y_hat.requires_grad` is False).",
    inputs=(np.array([[1.0], [-2.0], [0.5]]), np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0],
                                                         [2.0, 0.0, -1.0], [1.0, 1.0, 1.0]])),
    random_inputs=lambda rng: (rng.normal(size=(3, 1)), rng.normal(size=(_size(rng, 2, 6), 3))),
    signature="predict(w, X)",
    wrap=("grad", "tensor"),
    graph="forbidden",
    quantity="prediction",
    answer_help="the tensor `y_hat` (shape (4, 1)), or a function `predict(w, X)` returning it.",
    hints=["Operations inside `with torch.no_grad():` are not recorded.",
           "with torch.no_grad():\n    y_hat = X @ w"],
    topic="detach and no_grad")
def _no_grad_predict(w, X):
    return X @ w


def _squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def _squared_loss_inputs(rng):
    n = _size(rng, 3, 8)
    return rng.normal(size=(n, 1)), rng.normal(size=n)


@exercise(
    "squared-loss", "Squared loss that autograd can follow",
    "D2L's linear regression from scratch. Write `squared_loss(y_hat, y)`: `y_hat` has shape "
    "(n, 1) and requires grad, `y` has shape (n,). Return the per-example losses "
    "(y_hat - y)² / 2 with shape (n, 1), as a tensor autograd can backpropagate through.",
    random_inputs=_squared_loss_inputs,
    signature="squared_loss(y_hat, y)",
    wrap=("grad", "tensor"),
    graph="required",
    input_grad=(0, lambda y_hat, y: y_hat - y.reshape(y_hat.shape)),
    quantity="loss",
    detectors=[
        decoy("no_reshape", lambda y_hat, y: (y_hat - y) ** 2 / 2,
              "y has shape (n,) and y_hat (n, 1): without y.reshape(y_hat.shape) the subtraction "
              "broadcasts to an (n, n) matrix."),
        decoy("forgot_half", lambda y_hat, y: (y_hat - y.reshape(y_hat.shape)) ** 2,
              "D2L's squared loss has a factor 1/2: (y_hat - y)² / 2."),
    ],
    hints=["Reshape y to y_hat's shape before subtracting.",
           "Stay with tensor operations (no .detach(), .numpy() or .item()) so that the graph is kept."],
    topic="training from scratch")
def _squared_loss_ref(y_hat, y):
    return _squared_loss(y_hat, y)


# --- custom Functions and backward rules ---------------------------------------------------------
register(FunctionClassExercise(
    "custom-exp", "A custom autograd.Function: Exp",
    "Write `Exp`, a subclass of `torch.autograd.Function` computing eˣ, with static `forward(ctx, x)` "
    "and `backward(ctx, grad_output)` methods. Save what backward needs with "
    "`ctx.save_for_backward(...)`; use it as `Exp.apply(x)`.",
    forward=np.exp,
    backward=lambda x, g: g * np.exp(x),
    random_inputs=lambda rng: (rng.normal(size=[(3,), (2, 3), (4,)][int(rng.integers(3))]),),
    class_name="Exp",
    detectors=[
        decoy("ignored_grad_output", lambda x, g: np.exp(x),
              "backward must multiply the local derivative by grad_output (the chain rule): "
              "return grad_output * exp(x)."),
        decoy("returned_grad_output", lambda x, g: g,
              "You returned grad_output unchanged: multiply it by the local derivative exp(x)."),
    ],
    hints=["The derivative of eˣ is eˣ: save the forward result with ctx.save_for_backward(result).",
           "backward returns grad_output * result."],
    topic="custom Functions"),
    source=__name__)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _sigmoid_inputs(rng):
    shape = [(5,), (2, 3), (4, 1)][int(rng.integers(3))]
    return rng.normal(size=shape) * 2, rng.normal(size=shape)


@exercise(
    "sigmoid-backward", "The backward rule of sigmoid",
    "Write `sigmoid_backward(x, grad_out)`: given the input `x` of `torch.sigmoid` and the "
    "gradient `grad_out` arriving at its output, return the gradient with respect to `x`. Both are "
    "tensors of the same shape.",
    random_inputs=_sigmoid_inputs,
    signature="sigmoid_backward(x, grad_out)",
    wrap=("tensor", "tensor"),
    values={"sigmoid(x)": lambda x, g: _sigmoid(x)},
    detectors=[
        decoy("ignored_grad_out", lambda x, g: _sigmoid(x) * (1 - _sigmoid(x)),
              "That is the local derivative σ(x)(1 - σ(x)) alone: multiply it by grad_out (the chain rule)."),
        decoy("x_instead_of_sigmoid", lambda x, g: g * x * (1 - x),
              "The rule is σ(x)(1 - σ(x)), with σ(x) = torch.sigmoid(x), not x(1 - x)."),
    ],
    hints=["σ'(x) = σ(x)(1 - σ(x)).", "Return grad_out * s * (1 - s) with s = torch.sigmoid(x)."],
    topic="backward rules")
def _sigmoid_backward(x, g):
    s = _sigmoid(x)
    return g * s * (1 - s)


# --- one training step from scratch ---------------------------------------------------------------
class SGDStepExercise(NumericExercise):
    """The student's ``sgd(params, lr, batch_size)`` is called on a linear model's parameters
    whose gradients come from a fresh random minibatch; the update it makes is compared with
    ``-lr * grad / batch_size``, and the gradients must be reset afterwards."""

    def call(self, fn, args):
        w, b, X, y, lr, batch_size = args
        torch = library_of(w)   # autogradviz, or real torch for an sgd written with torch
        loss = ((torch.matmul(X, w) + b - y.reshape(-1, 1)) ** 2 / 2).sum()
        loss.backward()
        before = [w.detach().clone(), b.detach().clone()]
        fn([w, b], lr, batch_size)
        return np.concatenate([(w.detach() - before[0]).numpy().ravel(),
                               (b.detach() - before[1]).numpy().ravel()])

    def input_names(self, count):
        return ["w", "b", "X", "y", "lr", "batch_size"]

    def describe_inputs(self, inputs):
        w, b, X, _y, lr, n = inputs
        return (f"a linear model w = {fmt(w)}, b = {fmt(b)}, on a random minibatch X of shape "
                f"{X.shape}; lr = {lr}, batch_size = {n}")

    def extra_check(self, output, args, inputs, context, timeout):
        w, b = args[0], args[1]
        for name, p in (("w", w), ("b", b)):
            if p.grad is not None and np.any(p.grad.detach().numpy()):
                return self.feedback(False, f"The update is right, but {name}.grad was not reset: the next "
                                     "minibatch's gradients would add to it. Call param.grad.zero_() "
                                     "after the update.", context=context, mistake="gradient_not_zeroed")
        return None


def _sgd_inputs(rng):
    n = _size(rng, 4, 10)
    X = rng.normal(size=(n, 2))
    y = X @ np.array([2.0, -3.4]) + 4.2 + rng.normal(scale=0.01, size=n)
    return (rng.normal(scale=0.1, size=(2, 1)), np.zeros(1), X, y, float(rng.choice([0.03, 0.1, 0.3])), n)


def _sgd_grads(w, b, X, y):
    r = X @ w + b - y.reshape(-1, 1)
    return np.concatenate([(X.T @ r).ravel(), [r.sum()]])


@exercise(
    "sgd-step", "Minibatch SGD from scratch",
    "D2L's linear regression from scratch. Write `sgd(params, lr, batch_size)`: for each `param` "
    "in `params` (whose `.grad` holds the gradient of the minibatch's summed loss), update it in "
    "place, `param -= lr * param.grad / batch_size`, without autograd recording the update, then "
    "reset `param.grad` to zero. The checker calls it on a linear model's `[w, b]` after a "
    "backward pass on a fresh random minibatch.",
    cls=SGDStepExercise,
    random_inputs=_sgd_inputs,
    signature="sgd(params, lr, batch_size)",
    wrap=("grad", "grad", "tensor", "tensor", "raw", "raw"),
    quantity="parameter update",
    detectors=[
        decoy("not_in_place", lambda w, b, X, y, lr, n: np.zeros(3),
              "The parameters did not change. `param = param - ...` only rebinds a name: update them in "
              "place (`param -= ...`) inside `with torch.no_grad():`."),
        decoy("forgot_batch_size", lambda w, b, X, y, lr, n: -lr * _sgd_grads(w, b, X, y),
              "The gradient is of the minibatch's summed loss: divide it by batch_size."),
        decoy("wrong_direction", lambda w, b, X, y, lr, n: lr * _sgd_grads(w, b, X, y) / n,
              "Your step goes up the gradient: subtract lr * param.grad / batch_size."),
    ],
    hints=["Updates must not be recorded: `with torch.no_grad():` around the loop.",
           ("with torch.no_grad():\n    for param in params:\n        param -= lr * param.grad / batch_size\n"
            "        param.grad.zero_()")],
    topic="training from scratch")
def _sgd_step(w, b, X, y, lr, batch_size):
    return -lr * _sgd_grads(w, b, X, y) / batch_size
