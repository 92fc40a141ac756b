"""A real JupyterLab on localhost, driven in Debian's Chromium by Playwright.

Never downloads a browser: it launches /usr/bin/chromium (or $AUTOGRADVIZ_CHROMIUM). When
AUTOGRADVIZ_REQUIRE_BROWSER=1 (set by .ci/run) a missing browser fails the tests instead of
skipping them.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

DOCS_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    path = os.environ.get("AUTOGRADVIZ_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return path if path and os.path.exists(path) else None


def require_browser() -> str:
    """The browser's path, or skip (fail when AUTOGRADVIZ_REQUIRE_BROWSER=1)."""
    path = chromium_path()
    try:
        import playwright  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        message = "Debian's chromium and the playwright package are needed (./dev test installs both)"
        if os.environ.get("AUTOGRADVIZ_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _without_the_graders(config: Path) -> None:
    """The test extra installs nbgrader, whose extensions add a menu, a Validate button and a
    side panel to JupyterLab; a student's JupyterLab has none of them, so they are switched off."""
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyter/nbgrader": True}}))
    extensions = ["formgrader", "validate_assignment", "assignment_list", "course_list"]
    (config / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {f"nbgrader.server_extensions.{e}": False for e in extensions}}}))


@contextlib.contextmanager
def jupyterlab(root: Path):
    """Start JupyterLab serving ``root``; yield its base URL with the token; stop it after."""
    port, token = free_port(), "autogradviz-test"
    state = Path(tempfile.mkdtemp(prefix="agv-jupyter-"))
    settings = state / "user-settings"
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    # No "get notified about news?" toast over the screenshots.
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    # Render every cell (no virtual scrolling), so checks see outputs and errors below the fold.
    notebook = settings / "@jupyterlab" / "notebook-extension"
    notebook.mkdir(parents=True)
    (notebook / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    _without_the_graders(state / "config")
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(state / "runtime"), JUPYTER_CONFIG_DIR=str(state / "config"),
               JUPYTER_DATA_DIR=str(state / "data"), JUPYTERLAB_SETTINGS_DIR=str(settings))
    env.pop("MPLBACKEND", None)
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--allow-root",
           "--LabApp.news_url=''"]
    log = open(state / "server.log", "w")  # noqa: SIM115 (held by the server process until it stops)
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n" + (state / "server.log").read_text()[-3000:]) from None
                time.sleep(0.3)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(state, ignore_errors=True)


@contextlib.contextmanager
def browser_page(width: int = 1280, height: int = 900):
    from playwright.sync_api import sync_playwright
    path = require_browser()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


def open_and_run_all(page, base: str, token: str, notebook: str) -> None:
    """Open a notebook in JupyterLab and run all its cells; wait until the kernel is idle."""
    page.goto(f"{base}/lab/tree/{notebook}?reset&token={token}")  # reset: no tabs from earlier runs
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_selector(".jp-StatusBar-Widget:has-text('| Idle')", timeout=90_000)
    # Fresh-workspace race: focus the notebook before using the Run menu.
    page.locator(".jp-Cell .jp-InputPrompt").first.click()
    page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click()
    page.locator(".lm-Menu-itemLabel:text-is('Run All Cells')").click()
    with contextlib.suppress(Exception):
        page.locator(".jp-Dialog .jp-mod-accept").click(timeout=2000)
    wait_until_idle(page)


def wait_until_idle(page, timeout: float = 120) -> None:
    """Wait until no cell shows a running prompt ``[*]``, then a little for widgets to render."""
    deadline = time.time() + timeout
    page.wait_for_timeout(500)
    while time.time() < deadline:
        prompts = page.locator(".jp-InputPrompt").all_inner_texts()
        if prompts and not any("*" in p for p in prompts):
            page.wait_for_timeout(800)
            return
        page.wait_for_timeout(300)
    raise AssertionError("cells were still running after the timeout")


def graph_pictures(page):
    """Graph SVGs in outputs: inline, as JupyterLab's <img> rendering, or inside widgets."""
    return page.locator(".jp-RenderedSVG svg, .jp-RenderedSVG img, .jp-OutputArea-output svg.autogradviz-graph")


def error_outputs(page) -> list[str]:
    return page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'], "
                        ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").all_inner_texts()


# Measures every graph picture in the page as it is shown: the font size of each line of node
# text (the width of its box, over the width the same text takes at font-size 100 px in the same
# font), and the boxes and edge labels that overlap. A picture JupyterLab shows as an <img> is
# measured on a copy of its SVG drawn inline at the same size.
_MEASURE_JS = """
async () => {
  const NS = 'http://www.w3.org/2000/svg';
  const probe = document.createElementNS(NS, 'svg');
  probe.setAttribute('width', '4000'); probe.setAttribute('height', '200');
  probe.style.position = 'absolute'; probe.style.left = '0'; probe.style.top = '0';
  probe.innerHTML = `<text font-family="${FONT}" font-size="100" y="150"></text>`;
  document.body.appendChild(probe);
  const sample = probe.querySelector('text');
  const fontPx = t => {
    sample.textContent = t.textContent;
    sample.setAttribute('font-weight', t.closest('[font-weight]') ? t.closest('[font-weight]').getAttribute('font-weight') : 'normal');
    return 100 * t.getBoundingClientRect().width / sample.getBoundingClientRect().width;
  };
  const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
                            a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const measure = (svg, shown, area) => {
    const fonts = [...svg.querySelectorAll('g.node tspan')].filter(t => t.textContent.trim()).map(fontPx);
    const rects = [...svg.querySelectorAll('g.node > rect:last-of-type, g.edge-label > rect')]
      .map(r => r.getBoundingClientRect());
    let overlaps = 0;
    for (let i = 0; i < rects.length; i++)
      for (let j = i + 1; j < rects.length; j++) if (overlap(rects[i], rects[j])) overlaps++;
    // edges drawn through a box other than their own two: points along each path, in the page
    const boxes = [...svg.querySelectorAll('g.node')].map(g => [g.id, g.querySelector('rect:last-of-type').getBoundingClientRect()]);
    let crossings = 0;
    for (const e of svg.querySelectorAll('g.edge')) {
      const path = e.querySelector('path'), own = ['node-' + e.dataset.src, 'node-' + e.dataset.dst];
      const matrix = path.getScreenCTM(), length = path.getTotalLength(), hit = new Set();
      for (let s = 0; s <= length; s += 2) {
        const p = new DOMPoint(path.getPointAtLength(s).x, path.getPointAtLength(s).y).matrixTransform(matrix);
        for (const [id, r] of boxes)
          if (!own.includes(id) && p.x > r.left + 1 && p.x < r.right - 1 && p.y > r.top + 1 && p.y < r.bottom - 1) hit.add(id);
      }
      crossings += hit.size;
    }
    const box = shown.getBoundingClientRect();
    const screen = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer')
                   || document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
    return {screenHeight: screen ? screen.getBoundingClientRect().height : null, nodes: svg.querySelectorAll('g.node').length, labels: svg.querySelectorAll('g.edge-label').length,
            minFont: Math.min(...fonts), maxFont: Math.max(...fonts), overlaps, crossings,
            width: box.width, height: box.height, naturalWidth: shown.naturalWidth || +shown.getAttribute('width'),
            areaWidth: area ? area.getBoundingClientRect().width : null,
            inWidget: !!shown.closest('.jupyter-widgets')};
  };
  const out = [];
  for (const shown of document.querySelectorAll('.jp-OutputArea-output img, .jp-OutputArea-output svg.autogradviz-graph')) {
    const area = shown.closest('.jp-OutputArea-output');
    if (shown.tagName.toLowerCase() === 'svg') { out.push(measure(shown, shown, area)); continue; }
    if (!shown.src.startsWith('data:image/svg+xml')) continue;
    const data = shown.src.slice(shown.src.indexOf(',') + 1);
    const text = shown.src.includes(';base64,')
      ? new TextDecoder().decode(Uint8Array.from(atob(data), c => c.charCodeAt(0))) : decodeURIComponent(data);
    if (!text.includes('autogradviz-graph')) continue;
    const holder = document.createElement('div');
    holder.style.position = 'absolute'; holder.style.left = '0'; holder.style.top = '0';
    holder.innerHTML = text;
    const copy = holder.querySelector('svg');
    copy.setAttribute('width', shown.getBoundingClientRect().width);
    copy.setAttribute('height', shown.getBoundingClientRect().height);
    copy.style.maxWidth = 'none';
    document.body.appendChild(holder);
    const m = measure(copy, shown, area);
    holder.remove();
    out.push(m);
  }
  probe.remove();
  return out;
}
"""


def measure_pictures(page) -> list[dict]:
    """Every graph picture in the page: node count, smallest and largest node text (px), overlapping
    box/label pairs, edges drawn through other boxes, its width, height and natural width, the width
    of its output area and the height of the notebook's visible area (see _MEASURE_JS)."""
    from autogradviz.render.svg import FONT
    return page.evaluate(_MEASURE_JS.replace("${FONT}", FONT.replace("'", "")))


def hide_left_sidebar(page) -> None:
    """Close the file browser, as a teacher does at a projector (a click on its open tab)."""
    if page.locator("#jp-left-stack").is_visible():
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
        page.locator("#jp-left-stack").wait_for(state="hidden")


def click_stepper(page) -> None:
    """Click the first stepper's "next": its step label changes and one node is highlighted."""
    from playwright.sync_api import expect

    stepper = page.locator(".autogradviz-stepper").first
    label = stepper.locator("div.widget-label", has_text="step ")
    before = label.inner_text()
    current_before = stepper.locator(".widget-html svg g[data-state='current']").count()
    stepper.locator("button.jupyter-button", has_text="next").click()
    # wait on the condition, re-read through the locators (never a stale element)
    expect(label).not_to_have_text(before, timeout=30_000)
    expect(stepper.locator(".widget-html svg g[data-state='current']")).to_have_count(1)
    assert current_before in (0, 1)


def move_tangent_slider(page) -> None:
    """Drag the first tangent explorer's slider handle, as a student would, until its text changes
    (the kernel computes the new tangent). Keys did not move it in JupyterLite's JupyterLab."""
    from playwright.sync_api import expect

    widget = page.locator(".autogradviz-tangent").first
    text = widget.locator(".autogradviz-tangent-text")
    before = text.inner_text()
    handle = widget.locator(".widget-slider .noUi-handle").first
    # The slider may not answer until its view has settled: drag again until the text (re-read
    # through the locator each time, never a stale element) shows a new tangent.
    for attempt in range(4):
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + (40 if attempt % 2 == 0 else -40), y, steps=5)
        page.mouse.up()
        try:
            expect(text).not_to_have_text(before, timeout=5000)
            return
        except AssertionError:
            continue
    raise AssertionError(f"the tangent text never changed from {before!r} when the slider was dragged")


def measure_tangents(page) -> list[dict]:
    """Each tangent explorer: its figure's shown and natural width, the height of the whole
    explorer (slider, text and figure) next to the height of the notebook's visible area, and the
    slider's track and the plot's x axis (as the widget says it drew it), in px from the figure's left."""
    return page.evaluate("""() => {
      const screen = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer')
                     || document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
      return [...document.querySelectorAll('.autogradviz-tangent')].map(t => {
        const img = t.querySelector('img'), left = img.getBoundingClientRect().left;
        const track = t.querySelector('.noUi-base').getBoundingClientRect();
        return {width: img.getBoundingClientRect().width, naturalWidth: img.naturalWidth,
                height: t.getBoundingClientRect().height, screenHeight: screen.getBoundingClientRect().height,
                track: [track.left - left, track.right - left],
                axes: t.querySelector('[data-axes]').dataset.axes.split(' ').map(Number)};
      });
    }""")


def readme_picture(page, name: str, shows: str | None) -> None:
    """The README's picture docs/images/NAME.png is a screenshot from this test. With
    AUTOGRADVIZ_README_PICTURES=1 the test writes it there, with `shows` (the text the picture
    shows, such as the stepper's explanation) into docs/images/shows.json; otherwise the text must
    still be what the stored picture shows, or the picture is out of date. `shows=None` for a
    picture whose text depends on the run (a dragged slider): written, never compared."""
    record = DOCS_IMAGES / "shows.json"
    known = json.loads(record.read_text(encoding="utf-8")) if record.exists() else {}
    if os.environ.get("AUTOGRADVIZ_README_PICTURES") == "1":
        page.screenshot(path=str(DOCS_IMAGES / f"{name}.png"))
        if shows is not None:
            known[name] = shows
            record.write_text(json.dumps(known, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    elif shows is not None:
        assert known.get(name) == shows, (
            f"docs/images/{name}.png shows {known.get(name)!r}, the notebook now {shows!r}: remake the README's "
            "pictures with AUTOGRADVIZ_README_PICTURES=1 ./dev test tests/test_browser_notebooks.py "
            "tests/test_browser_stepper.py tests/test_browser_assignment.py, and look at them")
