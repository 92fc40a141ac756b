"""Issue 5's real-browser test: the backward stepper in JupyterLab, clicked in Chromium."""
from __future__ import annotations

import nbformat
import pytest
from browser_support import (
    browser_page,
    error_outputs,
    jupyterlab,
    open_and_run_all,
    readme_picture,
    require_browser,
)
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_clicking_next_moves_the_step_and_the_highlight(tmp_path, output_dir):
    require_browser()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import autogradviz as torch\n"
        "x = torch.arange(4.0, requires_grad=True)\n"
        "y = 2 * torch.dot(x, x)\n"
        "torch.step_backward(y)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "stepper.ipynb")
    with jupyterlab(tmp_path) as (base, token), browser_page() as page:
        open_and_run_all(page, base, token, "stepper.ipynb")
        stepper = page.locator(".autogradviz-stepper")
        stepper.wait_for()
        label = stepper.locator("div.widget-label", has_text="step ")
        assert label.inner_text().strip() == "step 0 of 3"
        current = []
        highlighted = stepper.locator(".widget-html svg g[data-state='current']")
        for k in range(1, 4):
            stepper.locator("button.jupyter-button", has_text="next").click()
            expect(label).to_have_text(f"step {k} of 3")
            # the picture is a widget message of its own: wait until it shows the new step too
            if current:
                expect(highlighted).not_to_have_id(current[-1])
            current.append(highlighted.get_attribute("id"))
        assert label.inner_text().strip() == "step 3 of 3"
        assert len(set(current)) == 3, current
        # the explanation panel updates after the label: wait for its own text
        page.wait_for_function(
            "t => document.querySelector('.autogradviz-stepper').innerText.includes(t)",
            arg="x.grad: none yet → [ 0., 4., 8., 12.]", timeout=30_000)
        assert not error_outputs(page)
        page.screenshot(path=str(output_dir / "stepper.png"), full_page=True)
        readme_picture(page, "stepper", stepper.locator(".autogradviz-stepper-text").inner_text())
