"""Errors in the student's terms: one line, and in Jupyter a traceback that ends in the student's
cell (no frames of autogradviz), driven through a real IPython shell."""
from __future__ import annotations

import os
import re

import pytest
from IPython.utils.capture import capture_output

import autogradviz as torch

SETUP = "import autogradviz as torch\nx = torch.arange(4.0, requires_grad=True)\ny = (x * x).sum()\nz = x * 2"

# (what the student runs first, the line that fails, the error type, what the message says)
MISTAKES = {
    "backward twice": ("y.backward()", "y.backward()", RuntimeError,
                       "Trying to backward through the graph a second time"),
    "backward on a non-scalar": ("", "z.backward()", RuntimeError,
                                 "grad can be implicitly created only for scalar outputs"),
    "step_backward after backward": ("y.backward()", "torch.step_backward(y)", RuntimeError,
                                     "step_backward(y): y.backward() has already run and freed the graph behind y; "
                                     "compute y again (run the cell that makes it), or call "
                                     "y.backward(retain_graph=True) the first time"),
    "step_backward of a non-scalar": ("", "torch.step_backward(z)", RuntimeError,
                                      "z has shape (4,), so pass the gradient that arrives at it, for example "
                                      "step_backward(z, gradient=torch.ones_like(z)), or step through z.sum()"),
    "draw_graph of a number": ("", "torch.draw_graph(3)", TypeError,
                               "draw_graph(3): 3 is an int, not a tensor; pass the tensor whose graph you want "
                               "to see, for example draw_graph(loss)"),
}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_the_traceback_ends_in_the_students_cell_with_one_line(ipython, mistake):
    before, line, kind, message = MISTAKES[mistake]
    assert ipython.run_cell(SETUP + "\n" + before).success
    with capture_output() as cap:
        result = ipython.run_cell(line)
    error = result.error_in_exec
    assert type(error) is kind and message in str(error) and "\n" not in str(error)
    shown = ANSI.sub("", cap.stdout + cap.stderr)
    assert f"----> 1 {line}" in shown and message in shown
    assert "autogradviz" + os.sep not in shown, shown   # no frame of the library
    assert shown.count("Cell In[") == 1


def test_a_students_own_frames_stay(ipython):
    cell = ("import autogradviz as torch\nx = torch.ones(2, requires_grad=True)\n"
            "def loss_of(t):\n    return (t * 2)\nloss_of(x).backward()")
    with capture_output() as cap:
        result = ipython.run_cell(cell)
    shown = ANSI.sub("", cap.stdout + cap.stderr)
    assert isinstance(result.error_in_exec, RuntimeError)
    assert "loss_of(x).backward()" in shown and "autogradviz" + os.sep not in shown


def test_outside_ipython_the_error_is_the_ordinary_one():
    x = torch.arange(4.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar outputs$"):
        (x * 2).backward()
