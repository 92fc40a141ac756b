"""Issue 18: the notebooks as an offline JupyterLite site, run by Pyodide in Debian's Chromium.

`./dev lite --offline` builds the site (a missing Pyodide file fails the build, and so this test,
with the files named and the command that brings them). The site is served on 127.0.0.1; every
request to another host is blocked and counted, and the browser cannot resolve another host
anyway. Every notebook runs top to bottom with the Pyodide kernel, with no error output; the
pictures, the stepper and the tangent slider work; in notebook 03 a function answer, a looping one
and one that swallows the interruption get their feedback. The figures for the issue (site size,
time to a ready kernel, run time per notebook) go to test-output/lite-figures.json.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser_support import (
    CHROMIUM_ARGS,
    click_stepper,
    free_port,
    graph_pictures,
    move_tangent_slider,
    require_browser,
    wait_until_idle,
)
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lite"))
from build_site import site_notebooks  # noqa: E402  (lite/ is a folder of tools, not a package)

NOTEBOOKS = [p.name for p in site_notebooks()]   # notebook 06 needs real PyTorch: not on the site
LOCAL = "http://127.0.0.1:"
# Belt and braces: whatever Playwright's routing might not see cannot leave the machine either.
OFFLINE_ARGS = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
# Pyodide keeps no files between sessions, so matplotlib builds its font cache in every new kernel
# and says so on stderr: the one stderr line that is not a problem.
FONT_CACHE_NOTE = "Matplotlib is building the font cache; this may take a moment."
SITE_LIMIT = 80e6  # bytes, without source maps
FIGURES: dict = {"run_seconds": {}, "kernel_ready_seconds": {}}

LOOPING_ANSWERS = '''from IPython.display import display

def right(x):
    return 4 * x

def loops(x):
    while True:
        pass

def swallows(x):
    while True:
        try:
            while True:
                pass
        except BaseException:
            continue

for answer in (right, loops, swallows):
    display(exercises.check("grad-2xTx", answer, timeout=1))'''


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The offline site, built by `./dev lite --offline` as a teacher would build it."""
    require_browser()
    out = tmp_path_factory.mktemp("lite") / "site"
    start = time.perf_counter()
    build = subprocess.run([str(ROOT / "dev"), "lite", "--offline", "--out", str(out)], capture_output=True,
                           text=True, timeout=1200, check=False)
    if build.returncode != 0:
        pytest.fail(f"./dev lite --offline failed:\n{build.stderr[-4000:]}", pytrace=False)
    FIGURES["build_seconds"] = round(time.perf_counter() - start, 1)
    yield out
    report = ROOT / "test-output" / "lite-figures.json"
    report.parent.mkdir(exist_ok=True)
    report.write_text(json.dumps(FIGURES, indent=2) + "\n")


@pytest.fixture(scope="module")
def base(site):
    """The site's URL: one server for every notebook, so that later tabs find the browser's cache warm."""
    with served(site) as url:
        yield url


@contextlib.contextmanager
def served(folder: Path):
    """Serve ``folder`` on 127.0.0.1; yield its base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port), "-d", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"{LOCAL}{port}/"
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(base + "jupyter-lite.json", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"the static server on {base} did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


class OfflineBrowser:
    """One Chromium context (one browser cache, cold at first) that blocks and counts every
    request outside 127.0.0.1, from the page and from the kernel's web worker alike."""

    def __init__(self, context) -> None:
        self.context = context
        self.blocked: list[str] = []
        context.route("**/*", self._route)

    def _route(self, route) -> None:
        if route.request.url.startswith(LOCAL):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def open(self, base: str, notebook: str):
        """A new tab with the notebook; returns it with the seconds until its kernel was idle."""
        page = self.context.new_page()
        page.set_default_timeout(60_000)
        start = time.perf_counter()
        page.goto(f"{base}lab/index.html?path={notebook}")
        page.wait_for_selector(".jp-Notebook .jp-Cell")
        page.wait_for_selector(".jp-StatusBar-Widget:has-text('Python (Pyodide) | Idle')", timeout=180_000)
        return page, time.perf_counter() - start


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    path = require_browser()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=OFFLINE_ARGS)
        try:
            yield OfflineBrowser(chromium.new_context(viewport={"width": 1280, "height": 900}))
        finally:
            chromium.close()


def run_all(page) -> tuple[float, int]:
    """Run > Run All Cells, until no cell is running. JupyterLite's kernel stops a run at a cell
    that raises, even one tagged raises-exception (as the worksheet's graded cells are, which fail
    until answered); then run on from the first cell not run. Returns the seconds it all took and
    how many times the run stopped early."""
    page.locator(".jp-Cell .jp-InputPrompt").first.click()
    start, stops = time.perf_counter(), 0
    command = "Run All Cells"
    while True:
        page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click()
        page.locator(f".lm-Menu-itemLabel:text-is('{command}')").click()
        wait_until_idle(page, timeout=600)
        not_run = page.locator(".jp-CodeCell .jp-InputPrompt", has_text="[ ]:")
        if not not_run.count():
            return time.perf_counter() - start, stops
        stops += 1
        assert stops < 100, "the notebook never ran to its end"
        # ("and All Below" is disabled on the last cell)
        command = "Run Selected Cell and All Below" if not_run.count() > 1 else "Run Selected Cell and Do not Advance"
        not_run.first.click()


def problems(page) -> list[str]:
    """Error outputs and stderr, but for matplotlib's font-cache note and the worksheet's graded
    cells, which fail until the student copy is answered, saying so: that is what they are for."""
    texts = page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.error'], "
                         ".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
    return [text for text in texts if text.strip() != FONT_CACHE_NOTE
            and not ("AssertionError" in text and "Not answered yet" in text)]


def add_cell_and_run(page, code: str):
    """Type a new cell below the last one, as a student would, run it; return its output area."""
    cells = page.locator(".jp-Notebook .jp-Cell")
    count = cells.count()
    cells.last.locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    new = cells.nth(count)
    new.wait_for()
    page.keyboard.press("Enter")
    page.keyboard.insert_text(code)
    page.keyboard.press("Shift+Enter")
    wait_until_idle(page, timeout=120)
    return new.locator(".jp-OutputArea-output")


def test_the_offline_site_is_small_enough(site):
    sizes = [p.stat().st_size for p in site.rglob("*") if p.is_file() and not p.name.endswith(".map")]
    FIGURES["site_megabytes"] = round(sum(sizes) / 1e6, 1)
    assert not list(site.rglob("*.map")), "the site is built without source maps"
    assert sum(sizes) <= SITE_LIMIT, f"{sum(sizes) / 1e6:.1f} MB"
    config = json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.js" and kernel["disablePyPIFallback"] is True


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_offline_in_the_browser(base, browser, name, output_dir):
    page, ready = browser.open(base, name)
    try:
        FIGURES["kernel_ready_seconds"][name] = round(ready, 1)
        FIGURES.setdefault("cold_kernel_ready_seconds", round(ready, 1))  # the first tab: empty cache
        seconds, stops = run_all(page)
        FIGURES["run_seconds"][name] = round(seconds, 1)
        # graded cells show a blank or wrong answer in the browser rather than raise: nothing stops Run All
        assert stops == 0, f"Run All stopped {stops} times"
        assert not problems(page), problems(page)[:2]
        if name != "03-exercises.ipynb":
            pictures = graph_pictures(page)
            assert pictures.count() >= 1
            pictures.first.scroll_into_view_if_needed()
            assert pictures.first.is_visible()
        if name == "01-autograd-basics.ipynb":  # it has both widgets: they must be there
            assert page.locator(".autogradviz-stepper").count() and page.locator(".autogradviz-tangent").count()
        if page.locator(".autogradviz-stepper").count():
            click_stepper(page)
        if page.locator(".autogradviz-tangent").count():
            move_tangent_slider(page)
        if name == "03-exercises.ipynb":
            # Every cell ran, the last one too, and each graded cell shows its blank answer.
            expect(page.locator(".jp-OutputArea-output", has_text="No exercise attempted yet")).to_be_visible()
            blanks = page.locator(".jp-OutputArea-output", has_text="Not answered yet").count()
            assert blanks >= 2 * 17, blanks   # the check cell and the graded cell of each of the 17
            feedback = add_cell_and_run(page, LOOPING_ANSWERS).all_inner_texts()
            assert len(feedback) == 3, feedback
            assert feedback[0].startswith("✓ grad-2xTx: Correct!")
            for text in feedback[1:]:
                assert text.startswith("✗ grad-2xTx: Your code did not finish within 1 s"), text
            assert not problems(page), problems(page)[:2]
        page.screenshot(path=str(output_dir / f"lite-{Path(name).stem}.png"))
    finally:
        page.close()
    assert browser.blocked == [], f"{len(browser.blocked)} requests to other hosts: {browser.blocked[:5]}"


def test_requests_to_other_hosts_are_seen_and_counted(site, browser, tmp_path):
    """The counter is not blind: the same site told to load Pyodide from its CDN (the default
    site) makes the kernel's worker ask another host, and that request is counted."""
    online = tmp_path / "online"
    online.mkdir()
    for entry in site.iterdir():
        if entry.name != "jupyter-lite.json":
            os.symlink(entry, online / entry.name)
    config = json.loads((site / "jupyter-lite.json").read_text())
    del config["jupyter-config-data"]["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]["pyodideUrl"]
    (online / "jupyter-lite.json").write_text(json.dumps(config))
    before = len(browser.blocked)
    with served(online) as base:
        page = browser.context.new_page()
        page.goto(f"{base}lab/index.html?path={NOTEBOOKS[0]}")
        deadline = time.time() + 60
        while len(browser.blocked) == before and time.time() < deadline:
            page.wait_for_timeout(250)
        page.close()
    seen = browser.blocked[before:]
    del browser.blocked[before:]
    assert seen and all(not url.startswith(LOCAL) for url in seen)
    assert any(url.endswith("/pyodide.js") for url in seen), seen
