"""The Binder set-up and the README are the newcomer's door: test them like code."""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import venv
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_binder_requirements_install_this_package_with_its_notebook_extras():
    lines = [ln.strip() for ln in (ROOT / "binder" / "requirements.txt").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert lines == [".[notebook]"]
    extras = project["optional-dependencies"]
    assert "notebook" in extras and any(d.startswith("jupyterlab") for d in extras["notebook"])
    for dep in ("numpy", "ipywidgets", "graphviz", "matplotlib"):
        assert any(d.startswith(dep) for d in project["dependencies"]), dep


def test_binder_apt_and_runtime():
    assert "graphviz" in (ROOT / "binder" / "apt.txt").read_text().split()
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    major, minor = map(int, re.fullmatch(r"python-(\d+)\.(\d+)", runtime).groups())
    required = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert (major, minor) >= tuple(map(int, re.search(r"(\d+)\.(\d+)", required).groups()))


def test_badge_opens_the_first_notebook_in_jupyterlab():
    badge = re.search(r"\(https://mybinder\.org/v2/gh/[^)]*\?urlpath=lab/tree/([^)\s]+)\)", README)
    assert badge, "the README needs a Binder badge with urlpath=lab/tree/..."
    assert badge.group(1) == "notebooks/01-autograd-basics.ipynb"
    assert (ROOT / badge.group(1)).is_file()
    assert "https://mybinder.org/badge_logo.svg" in README


def test_readme_gives_two_commands_and_ci_runs_the_test_one():
    block = re.search(r"## Two commands.*?```bash\n(.*?)```", README, re.S).group(1)
    commands = [ln.split("#")[0].strip() for ln in block.splitlines() if ln.strip()]
    assert commands == ["./dev lab", "./dev test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^exec \./dev test$", ci, re.M)


def test_readme_pictures_exist():
    for path in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        if not path.startswith("http"):
            assert (ROOT / path).is_file(), path


def test_readme_is_short_and_its_links_lead_somewhere():
    """The README is the door (what it is, a picture, two commands, a tour); the rest lives in
    docs/. Every relative link in the README and in docs/*.md leads to a file or folder."""
    assert len(README.splitlines()) <= 90
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if not target.startswith(("http://", "https://", "#")):
                assert (page.parent / target.split("#")[0]).exists(), (page.name, target)


def _blocks(language: str) -> list[str]:
    tour = README[README.index("## A tour"):README.index("\n## ", README.index("## A tour") + 1)]
    return re.findall(rf"```{language}\n(.*?)```", tour, re.S)


def test_the_readme_tour_runs_and_shows_what_its_comments_say(ipython):
    """The tour's Python block, statement by statement: each `# tensor(...)` comment is the repr
    of its line's value; the pictures, the stepper, the plots and the check come back; then the
    %%autograd cells run in the same shell and draw a graph."""
    from IPython.utils.capture import capture_output

    (code,) = _blocks("python")
    lines, namespace, values = code.splitlines(), ipython.user_ns, []
    for stmt in ast.parse(code).body:
        if not isinstance(stmt, ast.Expr):
            exec(compile(ast.Module([stmt], []), "README", "exec"), namespace)
            continue
        value = eval(compile(ast.Expression(stmt.value), "README", "eval"), namespace)
        comment = lines[stmt.end_lineno - 1].partition("#")[2].strip()
        if comment.startswith("tensor("):
            assert repr(value) == comment
        if value is not None:                                         # y.backward() shows nothing
            values.append(value)
    kinds = [type(v).__name__ for v in values]
    assert kinds[:2] == ["Tensor", "Tensor"] and kinds.count("GraphView") == 2, kinds
    assert all("node-" in v._repr_mimebundle_()["image/svg+xml"] for v in values[2:4])
    assert values[4].steps and values[-1], values[-1]                 # a stepper; the check says correct
    with capture_output() as cap:
        for cell in _blocks("ipython"):
            assert ipython.run_cell(cell).success, cell
    assert any("image/svg+xml" in o.data for o in cap.outputs)


@pytest.mark.slow
def test_simulated_binder_build_runs_notebook_01(tmp_path):
    """repo2docker can't run here (no Docker engine): do what it does with binder/ in a fresh
    virtual environment, then execute notebook 01 there."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(".venv", ".git", "test-output", "*.egg-info",
                                                             "build", "__pycache__", ".pytest_cache"))
    env_dir = tmp_path / "srv-conda"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"], cwd=repo, check=True,
                   timeout=900)
    out = tmp_path / "executed.ipynb"
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}"
    subprocess.run([env_dir / "bin" / "jupyter", "nbconvert", "--to", "notebook", "--execute",
                    "--ExecutePreprocessor.kernel_name=python3", "--ExecutePreprocessor.timeout=300",
                    "--output", str(out), "notebooks/01-autograd-basics.ipynb"],
                   cwd=repo, check=True, env=env, timeout=900)
    import nbformat
    nb = nbformat.read(out, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors
    assert any("image/svg+xml" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    # It really used the fresh environment, not this one.
    where = subprocess.run([python, "-c", "import autogradviz, sys; print(autogradviz.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert str(env_dir) in where
