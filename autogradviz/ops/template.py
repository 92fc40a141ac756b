"""The little template language of an op's texts, and how it is filled in with names.

An op's picture expression (``{input} × {other}``), its local rules
(``∂({input} × {other})/∂{input} = {other}``) and what each input is sent
(``{grad} × {other}``) are templates over the op's input names and parameter names:

- ``{name}`` is replaced by the input's (or parameter's) text: the student's variable name, a
  number, or, in the reviewed table of formulas, the name itself. In a rule, ``{out}`` is the
  op's own expression; in what is sent on, ``{grad}`` is the gradient that arrives at the op.
- ``{name=1}`` is replaced by ``1`` when the op was called without that parameter.
- ``{*shape}`` writes a tuple parameter without its parentheses (``x.view(2, 3)``).
- ``{, dim={dim}}``: an outer pair of braces around text that holds a placeholder is shown only
  when every parameter or input it names was given (``sum(x)`` or ``sum(x, dim=1)``).

Filling in puts parentheses where the neighbouring operators need them: ``{input} ^ {exponent}``
with ``pred − y`` as input reads ``(pred − y) ^ 2``, and ``{input}ᵀ`` of ``Wᵀ`` reads ``W``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

ATOM = 9      # a name, a number, a call f(…) or anything in brackets: never needs parentheses
POSTFIX = 8   # xᵀ, x[i], x²
POWER = 7     # x ^ n
UNARY = 6     # −x
PRODUCT = 5   # x × y, x ÷ y, x @ y, x · y, 1/x
SUM = 4       # x + y, x − y
COMPARE = 2   # x > 0
LOWEST = 0    # "=", "←", words, commas

_INFIX = {"+": SUM, "−": SUM, "-": SUM, "×": PRODUCT, "·": PRODUCT, "@": PRODUCT, "÷": PRODUCT,
          "/": PRODUCT, "^": POWER, ">": COMPARE, "<": COMPARE, "≥": COMPARE, "≤": COMPARE, "=": LOWEST,
          "←": LOWEST}
_NOT_ASSOCIATIVE = {"−", "-", "÷", "/", "^", "@"}   # the right operand needs parentheses at equal rank
_POSTFIX = ("ᵀ", "[", "²", "³")
_OPEN, _CLOSE = "([{", ")]}"


@dataclass(frozen=True)
class Term:
    """A piece of text put into a template, with how tightly it binds (``ATOM`` .. ``LOWEST``)."""

    text: str
    rank: int = ATOM
    unpacked: str | None = None   # a tuple's items without the parentheses, for {*name}


# --- parsing ---------------------------------------------------------------------------------
@cache
def parse(template: str) -> tuple:
    """Tokens: ``("text", s)``, ``("slot", name, default, unpack)`` and ``("group", tokens, names)``."""
    tokens: list = []
    text = ""
    i = 0
    while i < len(template):
        if template[i] != "{":
            text += template[i]
            i += 1
            continue
        if text:
            tokens.append(("text", text))
            text = ""
        close = _matching(template, i)
        inner = template[i + 1:close]
        if "{" in inner:
            group = parse(inner)
            tokens.append(("group", group, tuple(_names(group))))
        else:
            name, has_default, default = inner.partition("=")
            if not re.fullmatch(r"\*?[A-Za-z_]\w*", name):
                raise ValueError(f"template {template!r}: {{{inner}}} is not a placeholder")
            tokens.append(("slot", name.lstrip("*"), default if has_default else None, name.startswith("*")))
        i = close + 1
    if text:
        tokens.append(("text", text))
    return tuple(tokens)


def _matching(s: str, i: int) -> int:
    depth = 0
    for j in range(i, len(s)):
        depth += {"{": 1, "}": -1}.get(s[j], 0)
        if depth == 0:
            return j
    raise ValueError(f"template {s!r}: unbalanced braces")


def _names(tokens) -> list[str]:
    out = []
    for t in tokens:
        if t[0] == "slot":
            out.append(t[1])
        elif t[0] == "group":
            out.extend(t[2])
    return out


@cache
def placeholders(template: str) -> tuple[str, ...]:
    """Every name a template refers to, in order."""
    return tuple(_names(parse(template)))


# --- filling in ------------------------------------------------------------------------------
def fill(template: str, terms: Mapping[str, Term]) -> Term:
    """The template with each placeholder replaced by its term, parenthesised where needed.

    Names missing from ``terms`` drop their optional group, take their default, or else appear
    as themselves."""
    plan = _plan(template, frozenset(n for n in placeholders(template) if n in terms))
    if len(plan) == 1 and plan[0][0] == "slot":   # the template is one placeholder: its term as is
        term = terms[plan[0][1]]
        return Term(term.unpacked, ATOM) if plan[0][2] and term.unpacked else term
    pieces = []
    for item in plan:
        if item[0] == "text":
            pieces.append(item[1])
            continue
        _, name, unpack, need, default = item
        term = terms.get(name)
        if term is None:
            pieces.append(default if default is not None else name)
        elif unpack and term.unpacked:
            pieces.append(term.unpacked)
        else:
            pieces.append(f"({term.text})" if term.rank < need else term.text)
    text = _simplify("".join(pieces))
    return Term(text, rank_of(text))


@lru_cache(maxsize=4096)
def _plan(template: str, present: frozenset) -> tuple:
    """The template's pieces with ``present`` names given: text, and slots with the rank their
    neighbours need (``("slot", name, unpack, rank, default)``)."""
    flat = _flatten(parse(template), present)
    plan = []
    for k, tok in enumerate(flat):
        if tok[0] == "text":
            plan.append(tok)
            continue
        _, name, default, unpack = tok
        if name not in present:
            plan.append(("slot", name, unpack, LOWEST, default))
            continue
        need = _needed_rank("".join(t[1] if t[0] == "text" else "x" for t in flat[:k]),
                            "".join(t[1] if t[0] == "text" else "x" for t in flat[k + 1:]))
        plan.append(("slot", name, unpack, need, default))
    if len(plan) == 1 and plan[0][0] == "slot" and plan[0][1] not in present:
        plan.append(("text", ""))   # a lone missing name is written as text, not passed through
    return tuple(plan)


_POWER_MINUS_ONE = re.compile(r" \^ \((-?\d+(?:\.\d+)?(?:e-?\d+)?) − 1\)")


def _simplify(text: str) -> str:
    """Arithmetic on the numbers a template put side by side: ``x ^ (3 − 1)`` reads ``x ^ 2``,
    ``x ^ (2 − 1)`` reads ``x``, and ``Wᵀᵀ`` reads ``W``."""
    def power(m: re.Match) -> str:
        n = float(m.group(1)) - 1
        if n == 1:
            return ""
        return f" ^ ({number_text(n)})" if n < 0 else f" ^ {number_text(n)}"
    return _POWER_MINUS_ONE.sub(power, text).replace("ᵀᵀ", "")


def _flatten(tokens, present: frozenset) -> list:
    out: list = []
    for tok in tokens:
        if tok[0] == "group":
            if all(n in present for n in tok[2]):
                out.extend(_flatten(tok[1], present))
        else:
            out.append(tok)
    merged: list = []
    for tok in out:   # adjacent text pieces (from dropped groups) join up
        if tok[0] == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + tok[1])
        else:
            merged.append(tok)
    return merged


def _needed_rank(before: str, after: str) -> int:
    """How tightly a term must bind to sit between ``before`` and ``after`` without parentheses."""
    need = LOWEST
    left = before.rstrip()
    if left:
        ch = left[-1]
        if ch == "∂":
            need = ATOM
        elif ch in "−-" and _is_unary(left[:-1]):
            need = POWER
        elif ch in _INFIX:
            rank = _INFIX[ch]
            need = rank + 1 if ch in _NOT_ASSOCIATIVE else rank
        elif ch == "/":
            need = PRODUCT + 1
    right = after.lstrip()
    if right:
        if right.startswith(_POSTFIX):
            need = max(need, POSTFIX)
        elif right[0] in _INFIX:
            rank = _INFIX[right[0]]
            need = max(need, rank + 1 if right[0] == "^" else rank)
    return need


def _is_unary(before: str) -> bool:
    b = before.rstrip()
    return not b or b[-1] in "([,=←" or b.endswith("∂")


@lru_cache(maxsize=8192)
def rank_of(text: str) -> int:
    """How tightly a piece of text binds: the loosest operator outside its brackets."""
    depth = 0
    rank = ATOM
    prev = ""
    for i, ch in enumerate(text):
        if ch in _OPEN:
            if depth == 0 and ch == "[" and i > 0:
                rank = min(rank, POSTFIX)
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif depth == 0:
            if ch in "−-" and _is_unary(text[:i]):
                rank = min(rank, UNARY)
            elif ch in _INFIX and (ch not in "−-" or prev == " "):
                rank = min(rank, _INFIX[ch])
            elif ch in "ᵀ²³":
                rank = min(rank, POSTFIX)
            elif ch == " " and prev.isalpha() and text[i + 1:i + 2].isalpha():
                rank = min(rank, LOWEST)   # words: "1 where x > 0"
        prev = ch
    return rank


# --- terms for values ----------------------------------------------------------------------
def number_text(value) -> str:
    """A Python or NumPy number as the student would write it (``2``, ``0.5``, ``-1``)."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    return str(value)


def value_term(value) -> Term:
    """The term for a parameter or a constant: numbers, dims, index expressions, arrays."""
    if isinstance(value, (int, float, np.integer, np.floating, bool, np.bool_)):
        text = number_text(value)
        return Term(text, UNARY if text.startswith("-") else ATOM)
    if isinstance(value, str):
        return Term(repr(value))
    if isinstance(value, tuple) and all(isinstance(v, (int, np.integer)) for v in value):
        items = ", ".join(str(v) for v in value)
        return Term(items if len(value) == 1 else f"({items})", ATOM, items)
    if isinstance(value, np.ndarray):
        from .._printing import summary
        return Term(summary(value, 4))
    text = repr(value)
    return Term(text if len(text) <= 24 else type(value).__name__)


def index_term(index: tuple) -> Term:
    """An index tuple as written between brackets: ``0``, ``:, 1``, ``1:3``, ``mask``."""
    parts = []
    for i in index:
        if i is None:
            parts.append("None")
        elif i is Ellipsis:
            parts.append("...")
        elif isinstance(i, slice):
            text = ("" if i.start is None else str(i.start)) + ":" + ("" if i.stop is None else str(i.stop))
            parts.append(text + (f":{i.step}" if i.step not in (None, 1) else ""))
        elif isinstance(i, np.ndarray):
            if i.dtype == np.bool_:
                parts.append("mask")
            elif i.size <= 4 and i.ndim <= 1:
                parts.append(str(i.tolist()))
            else:
                parts.append("[…]")
        else:
            parts.append(str(i))
    return Term(", ".join(parts))
