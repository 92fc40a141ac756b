"""plot_derivative in a real Jupyter kernel: one PNG per plot, the tangent widget as a widget."""
from __future__ import annotations

import base64
import os

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

PNG = b"\x89PNG\r\n\x1a\n"


def run(tmp_path, *cells: str):
    """Execute the cells in a fresh python3 kernel with Jupyter's default (inline) backend."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in cells]
    nbformat.write(nb, tmp_path / "plot.ipynb")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # as a user's kernel
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=180,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)
    return nb


def outputs(cell, mime: str) -> list:
    return [o["data"][mime] for o in cell.outputs if mime in o.get("data", {})]


def test_sin_plot_is_one_png(tmp_path, output_dir):
    nb = run(tmp_path, "import autogradviz as torch, numpy as np\n"
                       "torch.plot_derivative(torch.sin, reference=np.cos)")
    cell = nb.cells[0]
    assert not [o for o in cell.outputs if o.output_type == "error"]
    (png,) = outputs(cell, "image/png")  # exactly one picture: the figure is not also left in pyplot
    data = base64.b64decode(png)
    assert data.startswith(PNG) and len(data) > 20_000
    (output_dir.parent / "plot_derivative").mkdir(exist_ok=True)
    (output_dir.parent / "plot_derivative" / "sin.png").write_bytes(data)


def test_tangent_widget_in_a_kernel(tmp_path):
    nb = run(tmp_path,
             "import autogradviz as torch\n"
             "w = torch.plot_derivative(torch.sin, interactive=True)\n"
             "w.x0 = 1.0\n"
             "print(w.text)\n"
             "w",
             "%matplotlib widget\n"
             "import matplotlib.pyplot as plt\n"
             "w2 = torch.plot_derivative(torch.relu, range=(-2, 2), interactive=True)\n"
             "w2.x0 = 0.0\n"
             "print(type(w2.children[2]).__name__, len(plt.get_fignums()))\n"
             "print(w2.text)\n"
             "w2")
    inline, widget = nb.cells
    for cell in nb.cells:
        assert not [o for o in cell.outputs if o.output_type == "error"]
        (view,) = outputs(cell, "application/vnd.jupyter.widget-view+json")
        assert view["model_id"]
        # the picture lives inside the widget; a PNG rides along in the same output only as the
        # static fallback (exports without widget state), never as a figure of its own
        assert all("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                   for o in cell.outputs if "image/png" in o.get("data", {}))
    text = "".join(o.get("text", "") for o in inline.outputs)
    assert "x₀ = 1:  sin(x₀) = 0.841471,  sin′(x₀) = 0.540302" in text
    text = "".join(o.get("text", "") for o in widget.outputs)
    assert text.startswith("Canvas 1\n")  # ipympl's canvas widget, one figure
    assert "relu′(x₀) = 0  (relu is not differentiable here" in text
