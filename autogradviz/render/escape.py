"""Escaping of user text (names, labels, values, tooltips) for SVG/XML/HTML and for DOT.

Everything a user can name ends up in a picture, so every string goes through here:
control characters are replaced, newlines split into lines, markup characters escaped.
Unicode (∂, ×, Σ, emoji) is kept as is.
"""
from __future__ import annotations

import re

# Characters that are not allowed in XML 1.0 or that are invisible controls:
# C0 controls (except tab/newlines, handled separately), DEL, C1 controls,
# lone surrogates and the two non-characters U+FFFE/U+FFFF.
_BAD = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# Everything that a human would read as a line break.
_NEWLINES = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
REPLACEMENT = "\ufffd"


def clean(text: object, keep_newlines: bool = False) -> str:
    """`str(text)` with control characters replaced by U+FFFD and tabs turned into spaces.

    Newlines become "\\n" when `keep_newlines`, otherwise spaces.
    """
    s = "" if text is None else str(text)
    s = _NEWLINES.sub("\n" if keep_newlines else " ", s)
    s = s.replace("\t", " ")
    return _BAD.sub(REPLACEMENT, s)


def split_lines(text: object) -> list[str]:
    """Cleaned lines of `text` (any kind of line break splits)."""
    return clean(text, keep_newlines=True).split("\n")


def xml_text(text: object) -> str:
    """Escape for XML/SVG/HTML element content (newlines kept as "\\n")."""
    s = clean(text, keep_newlines=True)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(text: object) -> str:
    """Escape for a double- or single-quoted XML/SVG/HTML attribute value (one line)."""
    s = clean(text)
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def dot_string(text: object, one_line: bool = False) -> str:
    """A complete double-quoted DOT string (with its quotes) for labels, tooltips and ids.

    Backslashes and quotes are escaped (so `\\N`, `\\G`, `\\l` stay literal), `&` is written
    as `&amp;` because Graphviz decodes HTML entities in labels, and newlines become DOT's
    centred line break `\\n` (spaces when `one_line`, e.g. for ids).  Braces, `<`, `>` and
    `|` are harmless in a quoted string of a non-record shape (we never use record or HTML
    labels).
    """
    lines = [clean(text)] if one_line else split_lines(text)
    out = []
    for line in lines:
        out.append(line.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;"))
    return '"' + "\\n".join(out) + '"'
