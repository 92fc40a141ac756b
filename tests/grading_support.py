"""Shared by the grading tests: teachers/build.py (the real graders' commands) and the master."""
from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def _load_build():
    spec = importlib.util.spec_from_file_location("teachers_build", ROOT / "teachers" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def role(cell) -> str | None:
    """"answer" (an nbgrader solution cell), "graded" (an nbgrader grade cell), "check", or None."""
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "graded"
    return "check" if "check" in cell.metadata.get("tags", []) else None


def solution(cell) -> str:
    """The lines between the solution markers of a master's answer cell."""
    lines = cell.source.splitlines()
    return "\n".join(lines[lines.index(build.BEGIN) + 1: lines.index(build.END)])


def solutions(master) -> dict[str, str]:
    """exercise id -> the master's solution code."""
    return {c.metadata["exercise"]: solution(c) for c in master.cells if role(c) == "answer"}


# The classic mistakes, each typed into the answer cell of the student copy in place of the blank,
# with words of the checker's feedback that name it.
MISTAKES = {
    "grad-2xTx": ("y.backward()\n"
                  "y = 2 * torch.dot(x, x)   # ran the cell a second time, without x.grad.zero_()\n"
                  "y.backward()\n"
                  "answer = x.grad",
                  "did you zero x.grad"),
    "vjp": ("def vjp(x, v):\n"
            "    return torch.tensor([5.0, 0.0, 30.0])   # worked out by hand for the x and v above\n\n"
            "answer = vjp",
            "is the answer hard-coded?"),
    "squared-loss": ("def squared_loss(y_hat, y):\n"
                     "    return (y_hat.detach() - y.reshape(y_hat.shape)) ** 2 / 2\n\n"
                     "answer = squared_loss",
                     "from a detached tensor"),
    "control-flow-matrix": ("def grad_f(a):\n"
                            "    b = a * 2\n"
                            "    while b.norm().item() < 1000:\n"
                            "        b * 2              # meant b = b * 2\n"
                            "    return b / a\n\n"
                            "answer = grad_f",
                            "did not finish within"),
}


def fill(student_copy, answers: dict[str, str]):
    """A submission: the student copy with ``answers`` (exercise id -> code) in place of the blanks."""
    nb = copy.deepcopy(student_copy)
    for cell in nb.cells:
        if role(cell) == "answer" and cell.metadata["exercise"] in answers:
            assert build.BLANK in cell.source
            cell.source = cell.source.replace(build.BLANK, answers[cell.metadata["exercise"]])
    return nb


def submissions() -> dict[str, dict[str, str]]:
    """student name -> their answers: all correct, the classic mistakes among correct ones, none."""
    correct = solutions(read(build.MASTER))
    mistakes = {ex_id: code for ex_id, (code, _) in MISTAKES.items()}
    return {"correct": correct, "mistakes": {**correct, **mistakes}, "blank": {}}


def write_submissions(course: Path) -> dict[str, Path]:
    """Each submission as nbgrader collects it: ``submitted/<student>/<assignment>/<notebook>``."""
    student_copy = read(course / "release" / build.ASSIGNMENT / f"{build.ASSIGNMENT}.ipynb")
    paths = {}
    for student, answers in submissions().items():
        folder = course / "submitted" / student / build.ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        paths[student] = folder / f"{build.ASSIGNMENT}.ipynb"
        nbformat.write(fill(student_copy, answers), paths[student])
    return paths


def expected_scores(student: str) -> dict[str, float]:
    """exercise id -> the points a submission earns: all of them for a right answer, none otherwise."""
    master, answers = read(build.MASTER), submissions()[student]
    right = solutions(master)
    return {c.metadata["exercise"]: float(c.metadata.nbgrader.points) if answers.get(c.metadata["exercise"])
            == right[c.metadata["exercise"]] else 0.0 for c in master.cells if role(c) == "graded"}
