"""otter-grader on the same master and the same submissions: ``otter assign`` on the master's
otter twin (teachers/build.py --otter), then ``otter run`` (no Docker) on the students' notebooks."""
from __future__ import annotations

import json
import subprocess

import pytest
from grading_support import MISTAKES, build, expected_scores, read, role

pytestmark = pytest.mark.slow
STUDENTS = ("correct", "mistakes", "blank")


@pytest.fixture(scope="module")
def assigned(tmp_path_factory):
    """``otter assign`` of the otter twin: (the student notebook, the autograder zip). The tests
    below run the master's answers through the autograder, so otter's own run is skipped."""
    folder = tmp_path_factory.mktemp("otter")
    twin = build.write_otter_twin(folder / "master")
    build.run_tool(["otter", "assign", "--no-run-tests", str(twin), str(folder / "dist")], cwd=folder)
    (autograder,) = (folder / "dist" / "autograder").glob("*.zip")
    return folder / "dist" / "student" / f"{build.ASSIGNMENT}.ipynb", autograder


@pytest.fixture(scope="module")
def results(assigned, submitted, tmp_path_factory) -> dict[str, dict[str, dict]]:
    """student -> {question: its entry in the results.json of ``otter run``}. The three runs go
    side by side (each waits on its own kernel)."""
    runs = {}
    for student in STUDENTS:
        out = tmp_path_factory.mktemp(f"otter-{student}")
        command = build.tool_command(["otter", "run", "-a", str(assigned[1]), "-o", str(out), "--no-logo",
                                      str(submitted[student])])
        runs[student] = out, subprocess.Popen(command, cwd=out, env=build.tool_env(), text=True,
                                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    found = {}
    for student, (out, run) in runs.items():
        log = run.communicate(timeout=600)[0]
        assert run.returncode == 0, log[-4000:]
        tests = json.loads((out / "results.json").read_text(encoding="utf-8"))["tests"]
        found[student] = {test["name"]: test for test in tests if "score" in test}  # not the summary entry
    return found


@pytest.mark.parametrize("student", STUDENTS)
def test_otter_run_gives_the_same_scores_as_nbgrader(results, student):
    assert {name: test["score"] for name, test in results[student].items()} == expected_scores(student)
    assert {name: test["max_score"] for name, test in results[student].items()} == expected_scores("correct")


def test_otter_shows_the_checkers_words_for_each_mistake(results):
    for ex_id, (_, words) in MISTAKES.items():
        output = results["mistakes"][ex_id]["output"]
        assert f"AssertionError: ✗ {ex_id}:" in output and words in output, output
    blank = results["blank"]
    assert all("Not answered yet" in test["output"] for test in blank.values())


def test_otters_student_notebook_has_the_same_blanks_as_nbgraders(assigned):
    def answers(nb):
        return {c.metadata["exercise"]: c.source for c in nb.cells
                if "answer" in c.metadata.get("tags", []) and c.cell_type == "code"}
    otter_copy, student_copy = read(assigned[0]), read(build.STUDENT_COPY)
    assert answers(otter_copy) == answers(student_copy)
    checks = [c.source for c in student_copy.cells if role(c) == "check"]
    assert [c.source for c in otter_copy.cells if "check" in c.metadata.get("tags", [])] == checks
    assert "SOLUTION" not in "\n".join(c.source for c in otter_copy.cells)
