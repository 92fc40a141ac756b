"""Make what is generated from the teachers' master of the worksheet.

    python teachers/build.py                  # notebooks/03-exercises.ipynb, the student copy (nbgrader)
    python teachers/build.py --otter DIR      # DIR/03-exercises.ipynb, the master in otter-grader's format

The master, ``teachers/source/03-exercises/03-exercises.ipynb``, is in nbgrader's format: solutions
between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, graded read-only cells that call
``exercises.assert_correct`` with their points. The student copy is what the real
``nbgrader generate_assignment`` makes of it; the otter twin holds the same cells in the blocks
``otter assign`` reads. Needs the ``grading`` extra (nbgrader, otter-grader).
"""
from __future__ import annotations

import argparse
import ast
import builtins
import copy
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TEACHERS = Path(__file__).resolve().parent
ROOT = TEACHERS.parent
ASSIGNMENT = "03-exercises"
MASTER = TEACHERS / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
STUDENT_COPY = ROOT / "notebooks" / f"{ASSIGNMENT}.ipynb"
NBGRADER_CONFIG = TEACHERS / "nbgrader_config.py"

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BLANK = "answer = ..."


def tool_env() -> dict[str, str]:
    """The environment for the graders' commands: this Python's scripts first on PATH (nbgrader
    runs ``alembic`` by name)."""
    scripts = str(Path(sys.executable).parent)
    return dict(os.environ, PATH=scripts + os.pathsep + os.environ.get("PATH", ""))


def tool_command(args: list[str]) -> list[str]:
    """A grader's command line (``nbgrader ...``, ``otter ...``) with the script of this Python."""
    return [str(Path(sys.executable).parent / args[0]), *args[1:]]


def run_tool(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run a grader's command line; raise with its output when it fails."""
    done = subprocess.run(tool_command(args), cwd=cwd, env=tool_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(args)}` failed with exit code {done.returncode}:\n"
                           f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done


def make_course(root: Path, master: Path = MASTER) -> Path:
    """Lay out an nbgrader course folder in ``root`` holding the master; return ``root``."""
    source = root / "source" / ASSIGNMENT
    source.mkdir(parents=True, exist_ok=True)
    shutil.copy(master, source / f"{ASSIGNMENT}.ipynb")
    shutil.copy(NBGRADER_CONFIG, root / "nbgrader_config.py")
    return root


def generate_assignment(course: Path) -> Path:
    """``nbgrader generate_assignment`` in ``course``; returns the released student copy."""
    run_tool(["nbgrader", "generate_assignment", ASSIGNMENT, "--force"], cwd=course)
    return course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def generate_student_copy(out: Path = STUDENT_COPY, master: Path = MASTER) -> Path:
    """Write the student copy of ``master`` to ``out``, made by nbgrader in a scratch course."""
    with tempfile.TemporaryDirectory(prefix="agv-course-") as scratch:
        released = generate_assignment(make_course(Path(scratch), master))
        shutil.copy(released, out)
    return out


# --- the otter-grader twin --------------------------------------------------------------------
def _raw(text: str) -> dict:
    return {"cell_type": "raw", "metadata": {}, "source": text}


def _otter_answer(cell: dict) -> dict:
    """nbgrader's solution region as otter's: the solution, and ``answer = ...`` as the prompt."""
    lines, out = source_lines(cell), []
    for line in lines:
        indent = line[: len(line) - len(line.lstrip())]
        if line.strip() == BEGIN:
            out += [f'{indent}""" # BEGIN PROMPT', f"{indent}{BLANK}", f'{indent}"""; # END PROMPT',
                    f"{indent}# BEGIN SOLUTION NO PROMPT"]
        elif line.strip() == END:
            out.append(f"{indent}# END SOLUTION")
        else:
            out.append(line)
    twin = copy.deepcopy(cell)
    twin["source"] = "\n".join(out)
    twin["metadata"] = {k: v for k, v in cell["metadata"].items() if k != "nbgrader"}
    return twin


def _otter_test(cell: dict) -> dict:
    """A graded cell as an exception-based otter test: a function whose parameters are the
    notebook's names that the cell reads (otter passes them in from the student's globals)."""
    code = "\n".join(ln for ln in source_lines(cell) if not ln.lstrip().startswith("#"))
    reads = sorted({node.id for node in ast.walk(ast.parse(code))
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)} - set(dir(builtins)))
    name = "test_" + re.sub(r"\W", "_", cell["metadata"]["exercise"])
    body = "\n".join("    " + ln for ln in code.splitlines())
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": f"def {name}({', '.join(reads)}):\n{body}"}


def source_lines(cell: dict) -> list[str]:
    src = cell["source"]
    return ("".join(src) if isinstance(src, list) else src).splitlines()


def otter_twin(master: dict) -> dict:
    """The master's cells in ``otter assign``'s format: each exercise (the cells that name it in
    their metadata) one question worth its graded cell's points. No ``grader.check`` cells: the
    grader runs a question's test after its last cell."""
    config = (f"# ASSIGNMENT CONFIG\nname: {ASSIGNMENT}\ninit_cell: false\ncheck_all_cell: false\n"
              "export_cell: false\nrun_tests: true\ngenerate: true\ntests:\n  ok_format: false")
    cells = [_raw(config)]
    for exercise, group in itertools.groupby(master["cells"], key=lambda c: c["metadata"].get("exercise")):
        group = list(group)
        if exercise is None:
            cells += group
            continue
        graded = [c for c in group if c["metadata"].get("nbgrader", {}).get("grade")]
        if len(graded) != 1:
            raise ValueError(f"exercise {exercise!r} needs one graded cell, the master has {len(graded)}")
        points = graded[0]["metadata"]["nbgrader"]["points"]
        cells.append(_raw(f"# BEGIN QUESTION\nname: {exercise}\npoints: {points}\ncheck_cell: false"))
        for cell in group:
            role = cell["metadata"].get("nbgrader", {})
            if role.get("solution"):
                cells += [_raw("# BEGIN SOLUTION"), _otter_answer(cell), _raw("# END SOLUTION")]
            elif not role.get("grade"):
                cells.append({k: v for k, v in cell.items() if k != "id"})
        cells += [_raw("# BEGIN TESTS"), _otter_test(graded[0]), _raw("# END TESTS"), _raw("# END QUESTION")]
    return {**master, "nbformat_minor": 4, "cells": [{k: v for k, v in c.items() if k != "id"} for c in cells]}


def write_otter_twin(folder: Path, master: Path = MASTER) -> Path:
    """Write the otter twin of ``master`` into ``folder``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    twin = otter_twin(json.loads(master.read_text(encoding="utf-8")))
    out = folder / f"{ASSIGNMENT}.ipynb"
    out.write_text(json.dumps(twin, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--otter", metavar="DIR", type=Path,
                        help="write the master in otter-grader's format into DIR instead")
    args = parser.parse_args(argv)
    if args.otter:
        print(write_otter_twin(args.otter))
    else:
        print(generate_student_copy())


if __name__ == "__main__":
    main()
