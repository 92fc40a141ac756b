"""Every class notebook runs top to bottom in a real kernel, with Graphviz's dot and again with
the pure-Python renderer forced, with no error output; notebooks are committed without outputs."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from render_support import assert_readable

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NAMES = [p.name for p in NOTEBOOKS]


def execute(path: Path, engine: str, monkeypatch, workdir: Path) -> nbformat.NotebookNode:
    """Run a notebook in a fresh kernel (in a scratch copy of notebooks/) and return it."""
    monkeypatch.setenv("AUTOGRADVIZ_ENGINE", engine)
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel picks the inline backend itself
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=180, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()
    return nb


def outputs(nb, output_type=None):
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if output_type is None or out["output_type"] == output_type:
                yield cell, out


def test_every_notebook_starts_with_the_same_install_cell():
    """JupyterLab, Binder and JupyterLite all run the same first cell."""
    firsts = [nbformat.read(path, as_version=4).cells[0] for path in NOTEBOOKS]
    assert all(cell.cell_type == "code" for cell in firsts)
    assert len({cell.source for cell in firsts}) == 1
    assert "%pip install autogradviz" in firsts[0].source


@pytest.mark.parametrize("installed", [True, False])
def test_the_install_cell_installs_only_where_autogradviz_is_missing(ipython, monkeypatch, installed):
    import importlib.util
    pip_calls = []
    ipython.register_magic_function(pip_calls.append, "line", "pip")  # no real pip here
    if not installed:
        find_spec = importlib.util.find_spec
        monkeypatch.setattr(importlib.util, "find_spec",
                            lambda name, *args: None if name == "autogradviz" else find_spec(name, *args))
    first = nbformat.read(NOTEBOOKS[0], as_version=4).cells[0]
    assert ipython.run_cell(first.source).success
    assert pip_calls == ([] if installed else ["install autogradviz"])


def blank_answer_failure(cell, out) -> bool:
    """The graded cell of an exercise the student copy leaves blank: it fails, saying so."""
    return ("graded" in cell.metadata.get("tags", []) and out["ename"] == "AssertionError"
            and "Not answered yet" in out["evalue"])


def test_there_are_the_six_lessons():
    assert NAMES == ["01-autograd-basics.ipynb", "02-pytorch-autograd-tutorial.ipynb", "03-exercises.ipynb",
                     "04-gallery.ipynb", "05-for-teachers.ipynb", "06-with-pytorch.ipynb"]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_without_outputs(name):
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: clear outputs before committing"
    assert nb.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("engine", ["dot", "python"])
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_without_errors(name, engine, monkeypatch, tmp_path):
    if engine == "dot" and shutil.which("dot") is None:
        if os.environ.get("AUTOGRADVIZ_REQUIRE_DOT") == "1" or os.environ.get("CI"):
            pytest.fail("Graphviz's dot is required here (./dev test installs it)")
        pytest.skip("Graphviz's dot is not installed")
    work = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", work)
    nb = execute(work / name, engine, monkeypatch, work)
    errors = [out for cell, out in outputs(nb, "error") if not blank_answer_failure(cell, out)]
    assert not errors, f"{name}: {errors[0]['ename']}: {errors[0]['evalue']}"
    if name == "03-exercises.ipynb":  # the student copy: every graded cell fails until answered
        graded = [cell for cell in nb.cells if "graded" in cell.metadata.get("tags", [])]
        assert len(graded) >= 12 and all(blank_answer_failure(c, c.outputs[-1]) for c in graded)
    stderr = [out["text"] for _, out in outputs(nb, "stream") if out["name"] == "stderr"]
    assert not [s for s in stderr if "Traceback" in s or "Error" in s], stderr
    mimes = {m for _, out in outputs(nb) for m in out.get("data", {})}
    if name != "03-exercises.ipynb":
        assert "image/svg+xml" in mimes, f"{name} shows no graph picture"
    svgs = [out["data"]["image/svg+xml"] for _, out in outputs(nb) if "image/svg+xml" in out.get("data", {})]
    assert all(f'data-engine="{engine}"' in s for s in svgs if "autogradviz-graph" in s)
    # every picture, inline or in a widget (the stepper's frame), is readable: no overlaps, no cut numbers
    pictures = [s for s in svgs + widget_pictures(nb) if "autogradviz-graph" in s]
    for svg in pictures:
        assert_readable(svg)
    assert len(pictures) >= (0 if name == "03-exercises.ipynb" else 2)


def widget_pictures(nb) -> list[str]:
    """The graph SVGs held in a notebook's saved widget state (stepper and live pictures)."""
    import re
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    values = [w.get("state", {}).get("value") for w in state.values()]
    return [m for v in values if isinstance(v, str) for m in re.findall(r"<svg\b.*?</svg>", v, re.S)]


def _gallery_mlp(library: str, stepper: bool = False) -> dict:
    """Run notebook 04's softmax-regression and MLP cells on ``library``, without the pictures,
    up to the stepper (its cell too, the stepper as ``stepper``, when asked), and return the
    variables they made."""
    nb = nbformat.read(ROOT / "notebooks" / "04-gallery.ipynb", as_version=4)
    lines = []
    for cell in (c for c in nb.cells if c.cell_type == "code" and c.get("id") != "install-autogradviz"):
        if "step_backward(loss)" in cell.source:
            if stepper:
                lines += cell.source.replace("torch.step_backward(loss)", "stepper = torch.step_backward(loss)").splitlines()
            break
        lines += [ln for ln in cell.source.splitlines() if "draw_graph" not in ln]
    code = "\n".join(lines)
    if library == "torch":
        code = code.replace("import autogradviz as torch", "import torch").replace("from autogradviz import", "from torch import")
    scope: dict = {}
    exec(compile(code, "04-gallery.ipynb", "exec"), scope)
    return scope


def test_gallery_stepper_steps_a_training_step_from_cleared_gradients():
    """Notebook 04 steps through the MLP's next training step after optimizer.zero_grad(): every
    parameter's step starts from no gradient. (It used to add onto the gradient of the step before,
    net.2.bias.grad: [0.2010, -0.2010] + [0.1758, -0.1758], a training-loop bug on the screen.)"""
    walk = _gallery_mlp("autogradviz", stepper=True)["stepper"]
    leaves = [walk.frame_text(k) for k in range(1, walk.walk.total + 1) if "is a leaf" in walk.frame_text(k)]
    assert len(leaves) == 4, leaves
    for text in leaves:
        assert ".grad: none yet → " in text, text


def test_gallery_mlp_shows_pytorchs_numbers():
    """Under the notebook's seed the data and initial weights are PyTorch's bit for bit, and the
    MLP's parameters, gradients and loss print as PyTorch prints them. (The softmax-regression
    cell computes exp and matmul in float32, whose last bits NumPy and PyTorch round differently:
    compared to that precision.)"""
    from torch_support import need_torch, without_addresses
    need_torch(module_level=False)
    ours, theirs = _gallery_mlp("autogradviz"), _gallery_mlp("torch")
    for name in ("X", "W", "b", "y"):
        assert repr(ours[name]) == repr(theirs[name])
        assert np.array_equal(ours[name].detach().numpy(), theirs[name].detach().numpy()), name

    def mlp(scope) -> list[str]:
        params = list(scope["net"].parameters())
        return [without_addresses(repr(v)) for v in [scope["loss"], *params, *(p.grad for p in params)]]
    assert mlp(ours) == mlp(theirs)
    for name in ("y_hat", "loss"):
        np.testing.assert_allclose(ours[name].detach().numpy(), theirs[name].detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours["W"].grad.numpy(), theirs["W"].grad.numpy(), rtol=1e-5)
