"""Small display objects: a table and a Markdown text, each with a rich and a plain form."""
from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from typing import Any


def esc(value: Any) -> str:
    """HTML-escape anything (student-derived text is always passed through here)."""
    return html.escape(str(value), quote=True)


class Table:
    """Rows of values shown as an HTML table in Jupyter and as aligned text elsewhere.

    Iterating gives the rows (named tuples when ``row_type`` is given), so code can use it too.
    """

    def __init__(self, columns: Sequence[str], rows: Sequence[tuple], caption: str = ""):
        self.columns = tuple(columns)
        self.rows = [tuple(r) for r in rows]
        self.caption = caption

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> tuple:
        return self.rows[index]

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{esc(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'>{esc(v)}</td>" for v in row) + "</tr>"
            for row in self.rows)
        cap = f"<caption style='text-align:left'>{esc(self.caption)}</caption>" if self.caption else ""
        return f"<table class='agv-table'>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __repr__(self) -> str:
        cells = [list(map(str, self.columns))] + [[str(v) for v in row] for row in self.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.columns))]
        lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        if self.caption:
            lines.insert(0, self.caption)
        return "\n".join(lines)


class Markdown:
    """A piece of Markdown: rendered by Jupyter, printed as-is elsewhere."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__
