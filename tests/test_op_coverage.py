"""Every op of the table has finite-difference cases, and its texts equal the reviewed table.

Walks ``REGISTRY``: an op fails here when no case of ``op_cases.CASES`` records it
(those cases are checked against finite differences there), or when its picture expression, its
rules and what it sends, rendered with its argument names, differ from its line in
``tests/op_formulas.md``, the table a teacher reviews. A new op needs both: a ``case(...)`` row in ``op_cases.py``
and the line this test prints for it (read it before pasting it in).
"""
from __future__ import annotations

from pathlib import Path

from gradient_support import arrays_for, first_grad_fn, leaves
from op_cases import CASES

from autogradviz.ops import REGISTRY
from autogradviz.ops.template import Term, placeholders

TABLE = Path(__file__).with_name("op_formulas.md")
HEADER = ("| op | grad_fn | picture | local rule per input → what that input is sent |\n"
          "| --- | --- | --- | --- |")


def _ops_in(tensor) -> set[str]:
    """The names of the ops recorded in the graph behind ``tensor`` (public node API only)."""
    seen, found = set(), set()
    stack = [tensor.grad_fn] if tensor.grad_fn is not None else []
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        if fn.schema is not None:
            found.add(fn.schema.name)
        stack.extend(f for f, _ in fn.next_functions if f is not None)
    return found


def _covered() -> dict[str, list[str]]:
    """Op name -> the finite-difference cases whose graphs (first or second order) record it."""
    covered: dict[str, list[str]] = {}
    for param in CASES:
        fn, specs, _opts, second = param.values
        xs = leaves(arrays_for(specs))
        ops = _ops_in(fn(*xs))
        if second:
            ops |= _ops_in(first_grad_fn(fn)(*xs))
        for name in ops:
            covered.setdefault(name, []).append(param.id)
    return covered


def _differentiable():
    return {name: op for name, op in REGISTRY.items() if op.vjps}


def test_every_differentiable_op_has_finite_difference_cases():
    covered = _covered()
    missing = sorted(set(_differentiable()) - set(covered))
    assert not missing, (f"no case(...) in tests/test_engine_gradients.py records {missing}: add one "
                         "that calls each through its public function")


def _backward_names(op) -> str:
    return op.backward if isinstance(op.backward, str) else "by shape or parameters"


def table_line(op) -> str:
    """The op's texts with its argument and parameter names (the reviewed table's line)."""
    names = set(op.inputs)
    for template in (op.expression, op.reflected, *[r for r in op.rules if r], *[s for s in op.sends if s]):
        names.update(placeholders(template))
    terms = {n: Term(n) for n in names - {"out", "grad", "each"}}
    terms["grad"] = Term("grad")
    if op.variadic:
        terms["each"] = Term(f"{op.inputs[0]}[k]")
    picture = op.out_term(terms).text
    if op.reflected:
        picture += f" (a number on the left: {op.out_term(terms, reflected=True).text})"
    parts = []
    for i in range(len(op.rules)):
        rule = op.rule_text(i, terms)
        if rule is None:
            parts.append(f"{op.inputs[i]}: no gradient")
            continue
        parts.append(f"{rule} → {op.send_text(i, terms)}")
    return f"| {op.name} | {_backward_names(op)} | {picture} | {' ; '.join(parts)} |"


def test_every_op_reads_as_the_reviewed_table():
    reviewed = {line.split("|")[1].strip(): line for line in TABLE.read_text(encoding="utf-8").splitlines()
                if line.startswith("| ") and not line.startswith(("| op ", "| ---"))}
    ops = _differentiable()
    expected = {name: table_line(op) for name, op in sorted(ops.items())}
    missing = [expected[n] for n in expected if n not in reviewed]
    stale = sorted(set(reviewed) - set(expected))
    changed = [f"table:  {reviewed[n]}\nschema: {expected[n]}" for n in expected
               if n in reviewed and reviewed[n] != expected[n]]
    assert not missing, "ops missing from tests/op_formulas.md (review, then add):\n" + "\n".join(missing)
    assert not stale, f"tests/op_formulas.md lists ops that no longer exist: {stale}"
    assert not changed, "texts differ from the reviewed table:\n" + "\n".join(changed)


def test_the_table_is_in_registry_order_with_its_header():
    text = TABLE.read_text(encoding="utf-8")
    assert HEADER in text
    rows = [line.split("|")[1].strip() for line in text.splitlines()
            if line.startswith("| ") and not line.startswith(("| op ", "| ---"))]
    assert rows == sorted(rows), "keep the table's rows sorted by op name"
