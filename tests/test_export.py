"""Static HTML exports show every picture with the network off.

Each notebook is exported the way `./dev export` does it (`jupyter nbconvert --to html --execute`
with the widget renderer and require.js that ./dev fetched from npm, beside the page), then opened
in Debian's Chromium with every request that leaves the file system blocked. No output area that
draws may be blank: steppers show their current frame, tangent explorers their figure, live
graphs their last picture. Without widget state, the static fallbacks show instead."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from browser_support import CHROMIUM_ARGS, require_browser
from nbclient import NotebookClient

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
EXPORT_JS = Path(sys.prefix) / "share" / "autogradviz" / "export-js"

# Output areas that draw something, and what must be visible inside each.
_BLANK_JS = """
() => [...document.querySelectorAll('.jp-OutputArea-output')]
  .filter(o => o.matches('.jupyter-widgets, .jp-RenderedImage, .jp-RenderedSVG')
               || o.querySelector('.autogradviz-picture'))
  .map(o => ({kind: o.className.split(' ')[0],
              shown: [...o.querySelectorAll('svg, img, canvas')].filter(e => {
                const r = e.getBoundingClientRect(); return r.width > 20 && r.height > 20; }).length,
              text: o.innerText.slice(0, 80)}))
"""


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    require_browser()
    if not (EXPORT_JS / "embed-amd.js").exists():
        pytest.fail(f"the widget renderer is missing from {EXPORT_JS}: ./dev test fetches it from npm")
    out = tmp_path_factory.mktemp("export")
    shutil.copytree(ROOT / "notebooks", out / "notebooks")
    for name in NOTEBOOKS:
        subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--execute",
                        "--ExecutePreprocessor.kernel_name=python3", "--ExecutePreprocessor.timeout=300",
                        "--HTMLExporter.widget_renderer_url=embed-amd.js", "--HTMLExporter.require_js_url=require.js",
                        str(out / "notebooks" / name)], check=True, env=_env(), capture_output=True)
    for js in ("embed-amd.js", "require.js"):
        shutil.copy(EXPORT_JS / js, out / "notebooks" / js)
    return out / "notebooks"


@pytest.fixture(scope="module")
def offline_page():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=require_browser(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.requests_out = []

        def only_files(route):
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                page.requests_out.append(route.request.url)
                route.abort()

        page.route("**/*", only_files)
        yield page
        browser.close()


def _areas_once_drawn(page) -> list[dict]:
    """The drawing output areas, once the widget renderer has drawn every widget (or timed out)."""
    with contextlib.suppress(Exception):  # on a time-out, the assertion that follows names the blank areas
        page.wait_for_function(f"() => ({_BLANK_JS})().every(a => a.shown > 0)", timeout=30_000)
    return page.evaluate(_BLANK_JS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_export_shows_every_picture_offline(exported, offline_page, name, output_dir):
    page = offline_page
    page.goto((exported / name).with_suffix(".html").as_uri())
    areas = _areas_once_drawn(page)
    blank = [a for a in areas if not a["shown"]]
    assert not blank, blank
    assert not [u for u in page.requests_out if "mathjax" not in u], page.requests_out  # only the unused MathJax
    assert areas, "every lesson draws something"
    source = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    for k in range(page.locator(".autogradviz-stepper").count()):   # each stepper's current frame
        frame = page.locator(".autogradviz-stepper").nth(k)
        assert frame.locator("svg.autogradviz-graph").count() == 1
        assert "Step 0 of" in frame.locator(".autogradviz-stepper-text").inner_text()
    if "interactive=True" in "".join(c.source for c in source.cells):  # the tangent explorer's figure
        assert page.locator(".autogradviz-tangent img").first.bounding_box()["width"] > 300
    if "%autograd --live" in "".join(c.source for c in source.cells):     # the live graph's last picture
        assert page.locator(".autogradviz-live svg.autogradviz-graph").first.bounding_box()["width"] > 100
    shown = page.locator(".autogradviz-stepper, .autogradviz-tangent, .autogradviz-live, .jp-OutputArea-output img")
    if shown.count():
        shown.first.screenshot(path=str(output_dir / f"{Path(name).stem}-offline.png"))


def test_without_widget_state_the_static_fallbacks_show(tmp_path):
    """A notebook saved without widget state (or seen in a viewer): the stepper's current frame and
    the tangent explorer's figure are in its outputs as HTML and PNG."""
    from nbconvert import HTMLExporter
    work = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", work)
    nb = nbformat.read(work / "01-autograd-basics.ipynb", as_version=4)
    saved = dict(os.environ)
    os.environ.pop("MPLBACKEND", None)
    try:
        NotebookClient(nb, timeout=180, kernel_name="python3", store_widget_state=False,
                       resources={"metadata": {"path": str(work)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    html, _ = HTMLExporter().from_notebook_node(nb)
    assert "Step 0 of 3" in html and 'class="autogradviz-graph"' in html
    widgets = [o for c in nb.cells for o in c.get("outputs", []) if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widgets) == 2
    assert all("text/html" in o["data"] or "image/png" in o["data"] for o in widgets)
    assert html.count("data:image/png;base64") >= 2     # the derivative plot and the tangent explorer
