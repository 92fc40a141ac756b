"""The student copy of the worksheet in a real JupyterLab (Debian's Chromium): after Run All, a
wrong answer typed into an answer cell gets the checker's hint in the check cell below it, and the
graded cell fails with the same words."""
from __future__ import annotations

import shutil

import pytest
from browser_support import browser_page, jupyterlab, open_and_run_all, readme_picture, require_browser
from grading_support import MISTAKES, ROOT, build
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
WAIT = 60_000  # ms: each check waits on its own condition, generously (CI runs under load)


def test_a_wrong_answer_typed_into_the_student_copy_gets_the_hint(tmp_path, output_dir):
    require_browser()
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    wrong, words = MISTAKES["grad-2xTx"]
    with jupyterlab(tmp_path) as (base, token), browser_page() as page:
        open_and_run_all(page, base, token, f"notebooks/{build.STUDENT_COPY.name}")
        check = page.locator(".jp-CodeCell", has_text='exercises.check("grad-2xTx", answer)')
        feedback = check.locator(".jp-OutputArea-output")
        expect(feedback).to_contain_text("Not answered yet", timeout=WAIT)
        answer = check.locator("xpath=preceding-sibling::div[contains(@class, 'jp-Cell')][1]")
        expect(answer).to_contain_text(build.BLANK, timeout=WAIT)
        answer.locator(".cm-content").click()
        page.keyboard.press("Control+End")  # the blank is the cell's last line: replace it
        page.keyboard.press("Shift+Home")
        page.keyboard.type(wrong)
        page.keyboard.press("Shift+Enter")  # run the answer cell, go to the check cell
        page.keyboard.press("Shift+Enter")  # run the check cell
        page.keyboard.press("Shift+Enter")  # and the graded cell below it
        expect(feedback).to_contain_text(words, timeout=WAIT)
        expect(feedback).to_contain_text("✗ grad-2xTx: Your answer is 2× the expected gradient", timeout=WAIT)
        graded = check.locator("xpath=following-sibling::div[contains(@class, 'jp-Cell')][1]")
        expect(graded).to_contain_text("AssertionError: ✗ grad-2xTx: Your answer is 2×", timeout=WAIT)
        expect(graded).to_contain_text(words, timeout=WAIT)
        answer.scroll_into_view_if_needed()
        page.screenshot(path=str(output_dir / "03-exercises-wrong-answer.png"))
        readme_picture(page, "notebook-03-exercises", feedback.inner_text())
