"""The worksheet executed with nbclient: the teachers' master passes every exercise; the student
copy (notebooks/03-exercises.ipynb) says "not answered yet" for each blank, and a wrong answer
typed into it gets the detector's message, in its check cell and in its graded cell."""
from __future__ import annotations

import nbformat
import pytest
from grading_support import build, read, role
from nbclient import NotebookClient

WRONG_2XTX = """for _ in range(2):          # ran the cell twice without zeroing x.grad
    y = 2 * torch.dot(x, x)
    y.backward()
answer = x.grad"""


def run(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    NotebookClient(nb, kernel_name="python3", timeout=120,
                   resources={"metadata": {"path": str(build.STUDENT_COPY.parent)}}).execute()
    return nb


def results(nb, kind: str) -> dict[str, dict]:
    """exercise id -> the output of its check cell (kind="check") or graded cell (kind="graded")."""
    found = {}
    for cell in nb.cells:
        if role(cell) == kind:
            found[cell.metadata["exercise"]] = next(o for o in cell.outputs
                                                    if o.output_type in ("execute_result", "error"))
    return found


@pytest.mark.slow
def test_master_as_written_passes_every_exercise():
    nb = run(read(build.MASTER))
    checks, graded = results(nb, "check"), results(nb, "graded")
    assert len(checks) == len(graded) >= 12
    for ex_id in checks:
        html, text = checks[ex_id]["data"]["text/html"], checks[ex_id]["data"]["text/plain"]
        assert "✓" in html and "✗" not in html and text.startswith(f"✓ {ex_id}:"), text
        assert graded[ex_id].output_type == "execute_result", graded[ex_id]
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    progress = nb.cells[-1].outputs[0]["data"]["text/plain"]
    assert f"{len(checks)} of {len(checks)} exercises passed" in progress


@pytest.mark.slow
def test_student_copy_with_one_wrong_answer_names_the_mistake_and_the_blanks():
    nb = read(build.STUDENT_COPY)
    cell = next(c for c in nb.cells if c.metadata.get("exercise") == "grad-2xTx" and role(c) == "answer")
    assert cell.source.endswith(build.BLANK)
    cell.source = cell.source.replace(build.BLANK, WRONG_2XTX)
    nb = run(nb)
    checks, graded = results(nb, "check"), results(nb, "graded")
    html, text = checks["grad-2xTx"]["data"]["text/html"], checks["grad-2xTx"]["data"]["text/plain"]
    assert "✗" in html and "did you zero x.grad" in html
    assert text.startswith("✗ grad-2xTx: Your answer is 2× the expected gradient")
    assert graded["grad-2xTx"].ename == "AssertionError" and graded["grad-2xTx"].evalue == text
    shown = "\n".join(graded["grad-2xTx"].traceback)  # the graded cell's line and the feedback, no more
    assert "assert_correct" in shown and "raise_if_wrong" not in shown and "autogradviz/exercises" not in shown
    blanks = [ex_id for ex_id in checks if ex_id != "grad-2xTx"]
    assert len(blanks) >= 11
    for ex_id in blanks:
        feedback = checks[ex_id]["data"]["text/plain"]
        assert feedback.startswith(f"○ {ex_id}: Not answered yet"), feedback
        assert graded[ex_id].ename == "AssertionError" and graded[ex_id].evalue == feedback
    errors = [c for c in nb.cells if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert all(role(c) == "graded" for c in errors)  # nothing else fails in a fresh student copy
    progress = nb.cells[-1].outputs[0]["data"]["text/plain"]
    assert f"0 of {len(checks)} exercises passed (1 attempted)" in progress
