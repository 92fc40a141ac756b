"""The rest of the visual layer on real PyTorch: step_forward, the steppers' widgets, plot_derivative
with torch functions, exercises.check with torch answers and torch-written functions, and the
%autograd magics in a notebook that imported torch.

Runs where PyTorch is installed (always in CI: ./dev installs its CPU wheel).
"""
from __future__ import annotations

import numpy as np
import pytest
from IPython.utils.capture import capture_output
from torch_support import need_torch

import autogradviz as agv
from autogradviz import exercises
from autogradviz._engines import library_for, uses_torch
from autogradviz.widgets.plot_eval import derivative_stack

torch = need_torch()

WIDGET = "application/vnd.jupyter.widget-view+json"


def test_step_forward_replays_a_torch_graph_in_the_order_it_ran():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = h.exp().sum()
    stepper = agv.step_forward(y)
    texts = [stepper.walk.goto(k)["text"] for k in range(1, stepper.walk.total + 1)]
    assert texts[0] == "x = [1., 2.]  (requires grad)"
    assert texts[1] == "h = x × 3 = [3., 6.]   [MulBackward0]"
    assert texts[2] == "exp(h) = [ 20.0855, 403.4288]   [ExpBackward0]"   # ExpBackward0 keeps its result
    assert texts[-1].startswith("y = sum(exp) = 423.")
    walk = agv.step_forward((x * 3).sum()).walk   # sum keeps nothing: x × 3 is not kept by PyTorch
    assert walk.goto(2)["text"] == "x × 3 = (value not kept by PyTorch)   [MulBackward0]"


def test_step_backward_widget_draws_each_step_of_a_torch_mlp():
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    loss = ((net(torch.ones(4, 2)) - 1.0) ** 2).mean()
    stepper = agv.step_backward(loss)
    assert stepper.walk.total == 12   # 8 ops and 4 parameters
    stepper.goto(stepper.walk.total)
    text = stepper.panel.value
    assert "net.0.weight.grad: none yet" in text
    assert 'data-state="current"' in stepper.picture.value or "current" in stepper.picture.value
    assert all(p.grad is None for p in net.parameters())


def test_which_engine_a_function_computes_with():
    assert uses_torch(torch.sin) and uses_torch(torch.nn.Tanh())
    assert uses_torch(lambda x: torch.sin(x) * x)          # a notebook that imported torch
    helper = lambda x: torch.exp(x)
    assert uses_torch(lambda x: helper(x) + 1)               # through a function it calls
    assert not uses_torch(agv.sin) and not uses_torch(lambda x: agv.sin(x) * x)
    assert library_for(np.cos) is agv


def test_plot_derivative_of_torch_functions():
    xs = np.array([0.0, 0.5, 1.0])
    stack = derivative_stack(torch.sin, xs, 2)
    assert np.allclose(stack, [np.sin(xs), np.cos(xs), -np.sin(xs)])
    stack = derivative_stack(lambda x: torch.tanh(x) * x, xs, 1)
    assert np.allclose(stack[1], np.tanh(xs) + xs / np.cosh(xs) ** 2)
    fig = agv.plot_derivative(torch.sin, reference=torch.cos, n=50)
    data = fig.autograd_data
    assert np.allclose(data["df"], np.cos(data["x"])) and data["pointwise"] is False
    import matplotlib.pyplot as plt
    plt.close(fig.figure if hasattr(fig, "figure") else "all")


def test_exercise_answers_and_functions_written_with_torch():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    y.backward()
    assert exercises.check("grad-2xTx", x.grad).correct
    assert not exercises.check("grad-2xTx", 2 * x.grad).correct

    def squared_loss(y_hat, y):
        return (y_hat - torch.reshape(y, y_hat.shape)) ** 2 / 2
    assert exercises.check("squared-loss", squared_loss).correct

    def cut(y_hat, y):
        return torch.tensor(((y_hat - y.reshape(y_hat.shape)) ** 2 / 2).detach().numpy())
    feedback = exercises.check("squared-loss", cut)
    assert not feedback.correct and "does not require grad" in feedback.message

    def sgd(params, lr, batch_size):
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad / batch_size
                p.grad.zero_()
    assert exercises.check("sgd-step", sgd).correct


@pytest.fixture
def shell(ipython):
    ipython.run_line_magic("load_ext", "autogradviz")
    ipython.run_cell("import torch")
    return ipython


def test_cell_magic_draws_the_torch_graph_with_names(shell):
    with capture_output() as cap:
        result = shell.run_cell("%%autograd\nx = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)")
    assert result.success
    svg = [o.data["image/svg+xml"] for o in cap.outputs if "image/svg+xml" in o.data][-1]
    assert "y = dot × 2" in svg and "DotBackward0" in svg


def test_magic_steps_a_torch_tensor_and_the_live_view_follows_torch(shell, monkeypatch):
    monkeypatch.setattr("autogradviz.magic._side_panel", lambda: None)
    with capture_output() as cap:
        assert shell.run_cell("w = torch.tensor([1.0, 2.0], requires_grad=True)\nloss = (w * w).sum()").success
        shell.run_line_magic("autograd", "loss --backward")
        shell.run_cell("%autograd --live")
        shell.run_cell("out = loss * 3")
    assert any(WIDGET in o.data for o in cap.outputs)
    magics = shell.magics_manager.registry["AutogradMagics"]
    assert {"w", "loss", "out"} <= {n.name for n in magics.live_view.graph.nodes}
    assert shell.user_ns["w"].grad is None
    shell.run_line_magic("autograd", "--off")
