"""Feedback: what ``exercises.check`` returns. Truthy when the answer is correct."""
from __future__ import annotations

from dataclasses import dataclass

from .display import esc

CORRECT, WRONG, ERROR, TIMEOUT, INVALID = "correct", "wrong", "error", "timeout", "invalid"
UNANSWERED = "unanswered"
_MARKS = {CORRECT: "✓", UNANSWERED: "○"}
_COLOURS = {CORRECT: "#2e7d32", UNANSWERED: "#757575"}


@dataclass(eq=False)
class Feedback:
    """The verdict on one answer.

    exercise: the exercise id. correct: the verdict. message: what was wrong (or right).
    expected/got: formatted values, when showing them helps. where: the student's own traceback
    line when their code raised. context: the inputs a function answer was called on.
    mistake: the name of the mistake detector that recognised the error, if any.
    status: "correct", "wrong", "error" (student code raised), "timeout", "invalid" (unusable) or
    "unanswered" (the blank ``...`` of a student copy).
    """

    exercise: str
    correct: bool
    message: str
    expected: str | None = None
    got: str | None = None
    where: str | None = None
    context: str | None = None
    mistake: str | None = None
    status: str = WRONG

    def __post_init__(self) -> None:
        if self.correct:
            self.status = CORRECT

    def __bool__(self) -> bool:
        return bool(self.correct)

    @property
    def mark(self) -> str:
        return _MARKS.get(self.status, "✗")

    def text(self) -> str:
        """The whole message as plain text (the same text AssertionError carries)."""
        lines = [f"{self.mark} {self.exercise}: {self.message}"]
        if self.context:
            lines.append(f"  checked with: {self.context}")
        if self.expected is not None:
            lines.append(f"  expected: {self.expected}")
        if self.got is not None:
            lines.append(f"  got:      {self.got}")
        if self.where:
            lines.extend("  " + ln for ln in self.where.splitlines())
        return "\n".join(lines)

    __repr__ = text
    __str__ = text

    def _repr_html_(self) -> str:
        colour = _COLOURS.get(self.status, "#c62828")
        box = f"border-left:4px solid {colour};padding:4px 10px;margin:2px 0"
        parts = [f"<div class='agv-feedback agv-{self.status}' style='{box}'>",
                 (f"<span style='color:{colour};font-weight:bold'>{self.mark}</span> "
                  f"<code>{esc(self.exercise)}</code>: {esc(self.message)}")]
        rows = []
        if self.context:
            rows.append(("checked with", self.context))
        if self.expected is not None:
            rows.append(("expected", self.expected))
        if self.got is not None:
            rows.append(("got", self.got))
        if rows:
            parts.append("<table style='margin-top:4px'>" + "".join(
                f"<tr><th style='text-align:left;vertical-align:top;padding-right:8px'>{esc(k)}</th>"
                f"<td style='text-align:left'><pre style='margin:0'>{esc(v)}</pre></td></tr>" for k, v in rows)
                + "</table>")
        if self.where:
            parts.append(f"<pre style='margin:4px 0 0 0'>{esc(self.where)}</pre>")
        parts.append("</div>")
        return "".join(parts)

    def raise_if_wrong(self) -> Feedback:
        """Raise ``AssertionError`` carrying this feedback's text unless the answer is correct."""
        __tracebackhide__ = True  # pytest shows the message without this frame
        if not self.correct:
            raise AssertionError(self.text())
        return self
