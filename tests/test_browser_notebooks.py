"""Issue 9: every notebook opened and run in a real JupyterLab in Debian's Chromium.

No cell may show an error, graph pictures must be visible, the stepper must move when clicked,
the derivative plot's slider must move the tangent; a screenshot of each notebook is saved
(the README's pictures come from these)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from browser_support import browser_page, error_outputs, graph_pictures, jupyterlab, open_and_run_all, require_browser
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    require_browser()
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    with jupyterlab(root) as server:
        yield server


def _click_stepper(page) -> None:
    stepper = page.locator(".autogradviz-stepper").first
    label = stepper.locator("div.widget-label", has_text="step ")
    before = label.inner_text()
    current_before = stepper.locator(".widget-html svg g[data-state='current']").count()
    stepper.locator("button.jupyter-button", has_text="next").click()
    page.wait_for_function(
        "([el, old]) => el.textContent !== old", arg=[label.element_handle(), before])
    assert label.inner_text() != before
    assert stepper.locator(".widget-html svg g[data-state='current']").count() == 1
    assert current_before in (0, 1)


def _move_plot_slider(page) -> None:
    widget = page.locator(".autogradviz-tangent").first
    text = widget.locator(".autogradviz-tangent-text")
    before = text.inner_text()
    handle = widget.locator(".widget-slider .noUi-handle, .widget-slider input").first
    # The slider may not take keys until its view has settled: press again until the text (re-read
    # through the locator each time, never a stale element) shows a new tangent.
    for _ in range(4):
        handle.focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        try:
            expect(text).not_to_have_text(before, timeout=5000)
            return
        except AssertionError:
            continue
    raise AssertionError(f"the tangent text never changed from {before!r} when the slider was moved")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab(lab, name, output_dir):
    base, token = lab
    with browser_page() as page:
        open_and_run_all(page, base, token, f"notebooks/{name}")
        if name == "03-exercises.ipynb":  # the last cell's output is there: so are all the others
            expect(page.locator(".jp-OutputArea-output", has_text="No exercise attempted yet")).to_be_visible()
        errors = error_outputs(page)
        if name == "03-exercises.ipynb":  # the student copy: each graded cell fails until answered
            errors = [e for e in errors if "AssertionError" not in e or "Not answered yet" not in e]
        assert not errors, errors[:1]
        if name != "03-exercises.ipynb":
            pictures = graph_pictures(page)
            assert pictures.count() >= 1
            pictures.first.scroll_into_view_if_needed()
            assert pictures.first.is_visible()
        if page.locator(".autogradviz-stepper").count():
            _click_stepper(page)
        if page.locator(".autogradviz-tangent").count():
            _move_plot_slider(page)
        if name == "03-exercises.ipynb":
            assert page.locator(".jp-OutputArea-output .agv-unanswered", has_text="Not answered yet").count() >= 12
        page.wait_for_selector(".jp-StatusBar-Widget:has-text('| Idle')")
        page.wait_for_timeout(500)
        page.screenshot(path=str(output_dir / f"{Path(name).stem}.png"), full_page=False)
