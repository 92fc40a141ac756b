"""The Binder set-up and the README are the newcomer's door: test them like code."""
from __future__ import annotations

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
