"""The student worksheet notebooks/03-exercises.ipynb, executed with nbclient: as written every
check is ✓; with a wrong answer injected, that exercise's check is ✗ with the detector's message."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "03-exercises.ipynb"

WRONG_2XTX = """x = torch.arange(4.0, requires_grad=True)
for _ in range(2):          # ran the cell twice without zeroing x.grad
    y = 2 * torch.dot(x, x)
    y.backward()
answer = x.grad"""


def read() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def run(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    NotebookClient(nb, kernel_name="python3", timeout=120,
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    return nb


def check_results(nb) -> dict[str, tuple[str, str]]:
    """exercise id -> (text/html, text/plain) of its check cell's result."""
    results = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and "check" in cell.metadata.get("tags", []):
            data = next(o for o in cell.outputs if o.output_type == "execute_result")["data"]
            results[cell.metadata["exercise"]] = (data["text/html"], data["text/plain"])
    return results


def test_notebook_is_committed_without_outputs_and_uses_the_course_imports():
    nb = read()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert "%pip install autogradviz" in code[0].source  # the install cell every notebook starts with
    assert "import autogradviz as torch" in code[1].source
    assert "from autogradviz import exercises" in code[1].source
    answers = [c for c in code if "answer" in c.metadata.get("tags", [])]
    checks = [c for c in code if "check" in c.metadata.get("tags", [])]
    assert len(answers) == len(checks) >= 12
    for answer, check in zip(answers, checks):
        assert check.source == f'exercises.check("{answer.metadata["exercise"]}", answer)'
    # each exercise: a markdown statement, the answer cell, the check cell
    for i, cell in enumerate(nb.cells):
        if "answer" in cell.metadata.get("tags", []):
            assert nb.cells[i - 1].cell_type == "markdown" and "check" in nb.cells[i + 1].metadata["tags"]


@pytest.mark.slow
def test_notebook_as_written_passes_every_exercise():
    results = check_results(run(read()))
    assert len(results) >= 12
    for ex_id, (html, text) in results.items():
        assert "✓" in html and "✗" not in html, (ex_id, text)
        assert text.startswith(f"✓ {ex_id}:"), text


@pytest.mark.slow
def test_notebook_with_a_wrong_answer_shows_the_mistake():
    nb = read()
    cell = next(c for c in nb.cells if c.metadata.get("exercise") == "grad-2xTx"
                and "answer" in c.metadata.get("tags", []))
    cell.source = WRONG_2XTX
    results = check_results(run(nb))
    html, text = results["grad-2xTx"]
    assert "✗" in html and "did you zero x.grad" in html
    assert text.startswith("✗ grad-2xTx: Your answer is 2× the expected gradient")
    others = [t for ex_id, (_, t) in results.items() if ex_id != "grad-2xTx"]
    assert others and all(t.startswith("✓") for t in others)
