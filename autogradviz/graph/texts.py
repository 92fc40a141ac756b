"""An op's texts in the student's names: its expression, its box title, its rules.

Each input of an op is referred to by a *label*: the student's variable name when there is one,
a number for a Python number, and for an unnamed intermediate either its expression, when that is
short and written with operators (``pred − y``, ``net.0.weightᵀ``), or the name of its function
(``dot``, ``sum``). The op's schema (``autogradviz.ops``) fills its templates with these labels.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache

from .._engines import is_torch_tensor
from .._printing import summary
from ..ops.template import Term, index_term, rank_of, value_term
from ..tensor import Tensor
from .torch_graph import generic_label, is_built_in

INLINE_UP_TO = 24   # an unnamed result reads as its expression up to this many characters
CONSTANT_UP_TO = 12  # an unnamed constant tensor reads as its value up to this many characters


def term(label: str) -> Term:
    """A label as a term of a larger expression (knowing how tightly it binds)."""
    return Term(label, rank_of(label))


def constant_label(value, name: str | None = None) -> str:
    """How an input that takes no gradient is written: its name, its number, its short value."""
    if name:
        return name
    if isinstance(value, Tensor) or is_torch_tensor(value):
        text = summary(value.numpy(force=True), 4)
        return text if len(text) <= CONSTANT_UP_TO else "const"
    return value_term(value).text


def op_terms(fn, input_label: Callable[[int], str | None]) -> dict[str, Term]:
    """The terms that fill ``fn``'s templates: each input's label (``input_label(position)``,
    None for an absent input) and each parameter's value."""
    op = fn.schema
    terms: dict[str, Term] = {}
    params = fn.params()
    for key in params:
        value = params[key]
        terms[key] = index_term(value) if key == "index" else value_term(value)
    labels = [input_label(i) for i in range(len(fn.next_functions))]
    if op is None:   # a custom Function: its inputs by position
        return {f"#{i}": term(label) for i, label in enumerate(labels) if label is not None}
    if op.variadic:
        terms[op.inputs[0]] = Term("[" + ", ".join(lb or "?" for lb in labels) + "]")
        for i, label in enumerate(labels):
            terms[f"#{i}"] = term(label or "?")
    else:
        for name, label in zip(op.inputs, labels):
            if label is not None:
                terms[name] = term(label)
    return terms


def expression(fn, terms: Mapping[str, Term]) -> Term:
    """``fn``'s expression filled in (``2 × dot``); a custom Function reads ``Square.apply(v)``."""
    op = fn.schema
    if op is None:
        args = ", ".join(terms[f"#{i}"].text for i in range(len(fn.next_functions)) if f"#{i}" in terms)
        if is_built_in(fn):   # one of PyTorch's ops that the op table lacks: native_layer_norm(x, w, b)
            return Term(f"{generic_label(fn)}({args})")
        return Term(f"{type(fn).__name__.removesuffix('Backward')}.apply({args})")
    return op.out_term(terms, bool(fn.params().get("reflected")))


def unnamed_label(fn, expr: Term) -> str:
    """How an unnamed result is referred to: its expression when short and written with
    operators, else its function's name."""
    op = fn.schema
    if op is None:
        return generic_label(fn)
    if op.inline and len(expr.text) <= INLINE_UP_TO:
        return expr.text
    return op.label


def describe(fn, terms: Mapping[str, Term]) -> tuple[Term, tuple[str | None, ...]]:
    """``fn``'s expression and rules filled in with ``terms`` (remembered: in a loop the same op
    meets the same names again and again)."""
    if fn.schema is None:
        return expression(fn, terms), tuple(rule_texts(fn, terms))
    flows = tuple(nxt is not None for nxt, _ in fn.next_functions)
    return _describe(type(fn), frozenset(terms.items()), flows)


@lru_cache(maxsize=2048)
def _describe(cls, terms: frozenset, flows: tuple) -> tuple[Term, tuple[str | None, ...]]:
    fn = _Shape(cls, flows, dict(terms))
    given = dict(terms)
    return expression(fn, given), tuple(rule_texts(fn, given))


class _Shape:
    """What ``expression`` and ``rule_texts`` read of a node: its class, edges and parameters."""

    def __init__(self, cls, flows, terms):
        self.schema = cls.op
        self._cls = cls
        self.next_functions = tuple((object() if f else None, 0) for f in flows)
        reflected = terms.get("reflected")
        self._given = {"reflected": True} if reflected is not None and reflected.text == "True" else {}

    def params(self):
        return self._given

    def __getattr__(self, name):
        return getattr(self._cls, name)


def title(name: str | None, expr: Term) -> str:
    """A box title: ``y = 2 × dot`` for a named result, the expression alone for an unnamed one."""
    return f"{name} = {expr.text}" if name else expr.text


def rule_texts(fn, terms: Mapping[str, Term]) -> list[str | None]:
    """Each input's local rule in the student's names (None for inputs that take no gradient)."""
    op = fn.schema
    if op is None:
        return [None] * len(fn.next_functions)
    reflected = bool(fn.params().get("reflected"))
    out: list[str | None] = []
    for i, (nxt, _) in enumerate(fn.next_functions):
        if nxt is None:
            out.append(None)
            continue
        local = dict(terms)
        if op.variadic:
            local["each"] = _each(terms, op, i)
        out.append(op.rule_text(i, local, reflected))
    return out


def generic_rule(fn) -> str:
    """The rule of a node without an op-table entry: a custom Function's backward, or PyTorch's own."""
    rule = getattr(type(fn), "rule", None)
    if isinstance(rule, str):
        return rule
    if is_built_in(fn):
        return f"PyTorch's {fn.name()} (its formula is not in autogradviz's op table)"
    return f"custom rule: {type(fn).__name__.removesuffix('Backward')}.backward"


def send_text(fn, i: int, terms: Mapping[str, Term], grad: str) -> str | None:
    """What input ``i`` is sent, with ``grad`` written for the arriving gradient."""
    op = fn.schema
    if op is None:
        return None
    local = {**terms, "grad": term(grad)}
    if op.variadic:
        local["each"] = _each(terms, op, i)
    return op.send_text(i, local)


def _each(terms, op, i: int) -> Term:
    return terms.get(f"#{i}", Term(f"{op.inputs[0]}[{i}]"))
