"""The real nbgrader round trip: ``generate_assignment`` on the teachers' master, three students'
submissions through ``autograde`` into nbgrader's SQLite gradebook, and ``generate_feedback``."""
from __future__ import annotations

import html
import re
import sqlite3

import pytest
from grading_support import MISTAKES, build, expected_scores

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(nbgrader_course, submitted):
    """The course after ``nbgrader autograde`` and ``nbgrader generate_feedback``."""
    build.run_tool(["nbgrader", "autograde", build.ASSIGNMENT], cwd=nbgrader_course)
    build.run_tool(["nbgrader", "generate_feedback", build.ASSIGNMENT], cwd=nbgrader_course)
    return nbgrader_course


def gradebook_scores(course, student: str) -> tuple[dict[str, float], float, float]:
    """(exercise id -> score, total, maximum) of a submission, read from nbgrader's gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(build.ASSIGNMENT, student)
        grades = {g.name.removeprefix("graded-"): g.score for nb in submission.notebooks for g in nb.grades}
        return grades, submission.score, submission.max_score


@pytest.mark.parametrize("student", ["correct", "mistakes", "blank"])
def test_autograde_scores_each_exercise(graded, student):
    grades, total, maximum = gradebook_scores(graded, student)
    assert grades == expected_scores(student)
    assert total == sum(grades.values())
    assert maximum == sum(expected_scores("correct").values())


def test_full_marks_partial_marks_and_none(graded):
    totals = {student: gradebook_scores(graded, student)[1:] for student in ("correct", "mistakes", "blank")}
    (full, maximum), (partial, _), (blank, _) = totals["correct"], totals["mistakes"], totals["blank"]
    assert full == maximum and 0 < partial < maximum and blank == 0
    assert not [ex_id for ex_id in MISTAKES if gradebook_scores(graded, "mistakes")[0][ex_id]]


def test_the_gradebook_is_an_sqlite_database(graded):
    with sqlite3.connect(graded / "gradebook.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"student", "submitted_assignment", "grade", "grade_cells"} <= tables
        students = {row[0] for row in db.execute("SELECT id FROM student")}
        grades = db.execute("SELECT COUNT(*) FROM grade").fetchone()[0]
    assert students == {"correct", "mistakes", "blank"}
    assert grades == 3 * len(expected_scores("correct"))


def feedback_sections(course, student: str) -> dict[str, str]:
    """exercise id -> the text of its graded cell in the feedback page: score, source and output."""
    page = (course / "feedback" / student / build.ASSIGNMENT / f"{build.ASSIGNMENT}.html").read_text(encoding="utf-8")
    parts = re.split(r'<a name="graded-([\w-]+)"></a>', page)  # [before, id, its cell and after, id, ...]
    cells = [after.split('<div class="cell border-box-sizing')[0] for after in parts[2::2]]
    return {ex_id: " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for ex_id, cell in zip(parts[1::2], cells)}


def test_feedback_names_each_mistake_in_the_checkers_words(graded):
    sections = feedback_sections(graded, "mistakes")
    assert set(sections) == set(expected_scores("correct"))
    points = expected_scores("correct")
    for ex_id, (_, words) in MISTAKES.items():
        assert f"Score: 0.0 / {points[ex_id]}" in sections[ex_id]
        assert f"AssertionError : ✗ {ex_id}:" in sections[ex_id] and words in sections[ex_id], sections[ex_id][-600:]
    for ex_id in set(sections) - set(MISTAKES):
        assert f"Score: {points[ex_id]} / {points[ex_id]}" in sections[ex_id] and f"✓ {ex_id}" in sections[ex_id]
