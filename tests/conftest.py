"""Shared fixtures: an in-process IPython shell, float64 helpers, output folders."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def output_dir(request) -> Path:
    """A folder under test-output/ for files a test produces (screenshots, exports)."""
    path = OUTPUT / request.node.name.replace("/", "_").replace("[", "_").replace("]", "")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(params=["python", "dot"])
def engine(request) -> str:
    """Both layout engines; dot is skipped where missing (failed if AUTOGRADVIZ_REQUIRE_DOT=1)."""
    if request.param == "dot":
        from render_support import need_dot
        need_dot()
    return request.param


@pytest.fixture
def no_dot(monkeypatch):
    """A machine without Graphviz: shutil.which finds no dot."""
    import shutil
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "dot" else real(name, *a, **k))


@pytest.fixture
def ipython():
    """A fresh in-process IPython shell that writes no history to the home folder."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config
    InteractiveShell.clear_instance()
    c = Config()
    c.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=c)
    # A kernel's enable_gui does nothing for the inline and widget (ipympl) backends; the base
    # shell raises instead. Behave like the kernel so `%matplotlib widget` cells run.
    shell.enable_gui = lambda gui=None: None
    yield shell
    InteractiveShell.clear_instance()


@pytest.fixture(scope="session")
def nbgrader_course(tmp_path_factory) -> Path:
    """An nbgrader course folder holding the teachers' master, after the real
    ``nbgrader generate_assignment`` (its student copy is in ``release/``)."""
    from grading_support import build
    course = build.make_course(tmp_path_factory.mktemp("course"))
    build.generate_assignment(course)
    return course


@pytest.fixture(scope="session")
def submitted(nbgrader_course) -> dict[str, Path]:
    """Three students' submissions in the course: all right, the classic mistakes, all blank."""
    from grading_support import write_submissions
    return write_submissions(nbgrader_course)
