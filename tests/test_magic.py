"""The %autograd magics, driven through a real IPython InteractiveShell."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def shell(ipython):
    ipython.run_line_magic("load_ext", "autogradviz")
    ipython.run_cell("import autogradviz as torch")
    return ipython


def _cell(shell, body, flags=""):
    with capture_output() as cap:
        result = shell.run_cell(f"%%autograd {flags}\n{body}")
    return result, cap


def _svg_texts(cap):
    bundles = [o.data for o in cap.outputs if "image/svg+xml" in o.data]
    assert bundles, "no SVG was displayed"
    root = ET.fromstring(bundles[-1]["image/svg+xml"])
    return " ".join(root.itertext())


def test_cell_runs_as_if_the_magic_were_not_there_then_draws_with_names(shell):
    result, cap = _cell(shell, "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\nprint('printed')\ny")
    assert result.success
    assert "printed" in cap.stdout
    assert "y" in shell.user_ns and shell.user_ns["y"].item() == 28.0
    text = _svg_texts(cap)
    assert "x" in text.split() and "28." in text and "y = 2 × dot" in text


def test_only_the_final_results_of_the_cell_are_drawn(shell):
    result, cap = _cell(shell, "a = torch.ones(2, requires_grad=True)\nb = a * 3\nc = b.sum()")
    assert result.success
    svgs = [o.data["image/svg+xml"] for o in cap.outputs if "image/svg+xml" in o.data]
    assert len(svgs) == 1
    from autogradviz.magic import final_tensors
    ns = shell.user_ns
    assert final_tensors([ns["b"], ns["c"]]) == [ns["c"]]  # b is used by c, so only c is an output
    assert "c" in " ".join(ET.fromstring(svgs[0]).itertext()).split()


def test_show_names_the_tensor_to_draw(shell):
    result, cap = _cell(shell, "a = torch.ones(2, requires_grad=True)\nb = a * 3\nc = b.sum()", "--show b")
    assert result.success
    text = _svg_texts(cap)
    assert "b = a × 3" in text and "c" not in text.split()


def test_line_magic_draws_an_existing_tensor(shell):
    shell.run_cell("w = torch.ones(3, requires_grad=True)\nloss = (w * w).sum()")
    with capture_output() as cap:
        shell.run_line_magic("autograd", "loss --rankdir LR --no-values")
    text = _svg_texts(cap)
    assert "loss" in text and "w" in text.split() and "value" not in text


def test_backward_flag_shows_the_stepper(shell):
    result, cap = _cell(shell, "x = torch.ones(2, requires_grad=True)\ny = (x * x).sum()", "--backward")
    assert result.success
    assert any(WIDGET in o.data for o in cap.outputs)
    assert shell.user_ns["x"].grad is None


def test_forward_flag_shows_the_forward_stepper(shell):
    result, cap = _cell(shell, "x = torch.ones(2, requires_grad=True)\ny = (x * x).sum()", "--forward")
    assert result.success and any(WIDGET in o.data for o in cap.outputs)


class FakePanel:
    """Stands in for sidecar's side panel: records what is displayed into it."""

    def __init__(self):
        self.shown, self.closed = [], False

    def __enter__(self):
        from IPython.core.getipython import get_ipython
        self._pub = get_ipython().display_pub.publish
        get_ipython().display_pub.publish = lambda data, *a, **k: self.shown.append(data)

    def __exit__(self, *exc):
        from IPython.core.getipython import get_ipython
        get_ipython().display_pub.publish = self._pub

    def close(self):
        self.closed = True


def _magics(shell):
    return shell.magics_manager.registry["AutogradMagics"]


def test_live_view_grows_and_follows_the_latest_cell(shell, monkeypatch):
    monkeypatch.setattr("autogradviz.magic._side_panel", lambda: None)     # no sidecar installed
    with capture_output() as cap:
        shell.run_cell("%autograd --live")
        shell.run_cell("p = torch.ones(2, requires_grad=True)\nq = p * 2")
        shell.run_cell("r = (q + 1).sum()")
    widgets = [o for o in cap.outputs if WIDGET in o.data]
    assert len(widgets) == 3, "shown below each cell that ran"
    assert len({o.data[WIDGET]["model_id"] for o in widgets}) == 1, "one live view, not a new picture each time"
    magics = _magics(shell)
    names = {n.name for n in magics.live_view.graph.nodes}
    assert {"p", "q", "r"} <= names
    assert "r" in magics.live.value
    shell.run_line_magic("autograd", "--off")
    assert magics.live is None
    shell.run_cell("s = r * 2")
    assert "s" not in {n.name for n in magics.live_view.graph.nodes}


def test_live_view_opens_in_the_side_panel_when_sidecar_is_there(shell, monkeypatch):
    panel = FakePanel()
    monkeypatch.setattr("autogradviz.magic._side_panel", lambda: panel)
    with capture_output() as cap:
        shell.run_cell("%autograd --live")
        shell.run_cell("p = torch.ones(2, requires_grad=True)\nq = p * 2")
    assert len(panel.shown) == 1 and WIDGET in panel.shown[0]
    in_cells = [o for o in cap.outputs if WIDGET in o.data]
    assert len(in_cells) == 1, "also once where it was switched on (what a static export shows), never again"
    assert "q" in _magics(shell).live.value
    shell.run_line_magic("autograd", "--off")
    assert panel.closed


def test_live_follows_the_names_given_or_what_comes_after_since_now(shell, monkeypatch):
    monkeypatch.setattr("autogradviz.magic._side_panel", lambda: None)
    shell.run_cell("old = (torch.ones(2, requires_grad=True) * 3).sum()")
    with capture_output():
        shell.run_cell("%autograd --live since now")
        shell.run_cell("a = torch.ones(2, requires_grad=True)\nnew = (a * a).sum()")
    names = {n.name for n in _magics(shell).live_view.graph.nodes}
    assert "new" in names and "old" not in names
    with capture_output():
        shell.run_cell("%autograd --live old")
        shell.run_cell("other = new * 2")
    names = {n.name for n in _magics(shell).live_view.graph.nodes}
    assert names & {"old"} and not names & {"new", "other"}
    shell.run_line_magic("autograd", "--off")


@pytest.mark.parametrize("line, message", [
    ("q", "name 'q' is not defined in the notebook"),
    ("n", "'n' is an int, not a tensor"),
    ("plain", "'plain' has no graph"),
    ("--bogus", "unrecognized arguments: --bogus"),
    ("", "name a tensor"),
])
def test_bad_input_is_a_one_line_usage_error(shell, line, message):
    shell.run_cell("n = 3\nplain = torch.ones(2)")
    with pytest.raises(UsageError, match=message):
        shell.run_line_magic("autograd", line)


def test_a_cell_with_no_tensor_is_a_usage_error_and_keeps_its_variables(shell):
    result, _ = _cell(shell, "k = 41 + 1")
    assert isinstance(result.error_in_exec, UsageError)
    assert "computed no tensor" in str(result.error_in_exec)
    assert shell.user_ns["k"] == 42


def test_exceptions_in_the_cell_propagate_and_nothing_is_drawn(shell):
    result, cap = _cell(shell, "x = torch.ones(2, requires_grad=True)\nraise ValueError('boom')")
    assert isinstance(result.error_in_exec, ValueError)
    assert not any("image/svg+xml" in o.data for o in cap.outputs)


def test_a_drawing_failure_keeps_the_cells_side_effects(shell, tmp_path):
    result, _ = _cell(shell, "x = torch.ones(2, requires_grad=True)\ny = x.sum()", f"--save {tmp_path}/pic.txt")
    assert isinstance(result.error_in_exec, UsageError)
    assert "y" in shell.user_ns


def test_save_writes_svg(shell, tmp_path):
    path = tmp_path / "pic.svg"
    result, _ = _cell(shell, "x = torch.ones(2, requires_grad=True)\ny = x.sum()", f"--save {path}")
    assert result.success
    ET.parse(path)


def test_help_lists_every_flag(shell):
    with capture_output() as cap:
        shell.run_line_magic("autograd", "--help")
    for flag in ["--show", "--backward", "--forward", "--values", "--no-values", "--grads", "--max-nodes",
                 "--rankdir", "--engine", "--save", "--live", "--off"]:
        assert flag in cap.stdout


def test_works_without_the_torch_alias(ipython):
    ipython.run_line_magic("load_ext", "autogradviz")
    with capture_output() as cap:
        result = ipython.run_cell("%%autograd\nimport autogradviz\nv = autogradviz.ones(3, requires_grad=True)\nt = v.exp().sum()")
    assert result.success
    assert "t" in _svg_texts(cap).split()
