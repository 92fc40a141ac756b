"""The teachers' master of the worksheet and the student copy that the real
``nbgrader generate_assignment`` makes of it (notebooks/03-exercises.ipynb)."""
from __future__ import annotations

import json
import re

from grading_support import build, read, role, solution

from autogradviz import exercises

MASTER, STUDENT_COPY = build.MASTER, build.STUDENT_COPY


def exercise_cells(nb) -> dict[str, list]:
    """exercise id -> its cells, in order (the cells that name it in their metadata)."""
    found: dict[str, list] = {}
    for cell in nb.cells:
        if "exercise" in cell.metadata:
            found.setdefault(cell.metadata["exercise"], []).append(cell)
    return found


def test_student_copy_is_what_nbgrader_makes_of_the_master(nbgrader_course):
    released = nbgrader_course / "release" / build.ASSIGNMENT / f"{build.ASSIGNMENT}.ipynb"
    assert json.loads(released.read_text(encoding="utf-8")) == json.loads(STUDENT_COPY.read_text(encoding="utf-8")), \
        "notebooks/03-exercises.ipynb is not the student copy of the master: run ./dev student-copy"


def test_each_exercise_is_a_statement_an_answer_a_check_and_a_graded_cell():
    for nb in (read(MASTER), read(STUDENT_COPY)):
        by_exercise = exercise_cells(nb)
        assert set(by_exercise) <= {row[0] for row in exercises.list()} and len(by_exercise) >= 12
        for ex_id, cells in by_exercise.items():
            statement, answer, check, graded = cells
            assert statement.cell_type == "markdown" and f"`{ex_id}`" in statement.source
            assert [role(answer), role(check), role(graded)] == ["answer", "check", "graded"]
            assert check.source == f'exercises.check("{ex_id}", answer)'
            points = graded.metadata.nbgrader.points
            assert graded.source.splitlines()[-1] == f'exercises.assert_correct("{ex_id}", answer)'
            assert f"{points} point" in graded.source and f"({points} point" in statement.source.splitlines()[0]
            assert graded.metadata.nbgrader.locked and graded.metadata.nbgrader.grade_id == f"graded-{ex_id}"
            # Run All goes on past a failing graded cell; otter grades the question after it.
            assert "raises-exception" in graded.metadata.tags and graded.metadata.otter.tests == [ex_id]
        assert nb.metadata.otter.assignment_name == build.ASSIGNMENT


def test_student_copy_shows_no_solution_text():
    master, student = read(MASTER), read(STUDENT_COPY)

    def lines(cells) -> set[str]:
        return {ln.strip() for c in cells for ln in c.source.splitlines()} - {""}

    solved = [c for c in master.cells if role(c) == "answer"]
    secret = {ln.strip() for c in solved for ln in solution(c).splitlines()} - {""}
    secret -= lines(c for c in master.cells if role(c) != "answer")  # lines a statement also shows
    assert len(secret) >= 20
    assert not secret & lines(student.cells)
    assert "SOLUTION" not in "\n".join(c.source for c in student.cells)
    answers = {c.metadata.exercise: c for c in student.cells if role(c) == "answer"}
    for cell in master.cells:
        if role(cell) == "answer":
            blank = re.sub(rf"{re.escape(build.BEGIN)}\n.*?{re.escape(build.END)}", build.BLANK, cell.source, flags=re.S)
            assert answers[cell.metadata.exercise].source == blank


def test_notebooks_are_committed_without_outputs():
    for nb in (read(MASTER), read(STUDENT_COPY)):
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        assert code[0].id == "install-autogradviz"  # the install cell every notebook starts with
        assert "import autogradviz as torch" in code[1].source
        assert "from autogradviz import exercises" in code[1].source
