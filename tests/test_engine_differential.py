"""A differential test against PyTorch: hypothesis writes short random programs of in-place ops,
views, hooks, casts and custom Functions; each statement runs under autogradviz and under PyTorch
side by side, and after each one the two must agree on whether it raised, and on the new tensor's
values, dtype, requires_grad and grad_fn name. At the end every tensor of the program (in-place
writes through views change earlier ones) and the leaves' grads are compared again.

Each family runs AUTOGRADVIZ_DIFFERENTIAL_PROGRAMS programs (420 by default: 2,100 in all) and
writes how many it ran to test-output/differential-counts.json."""
from __future__ import annotations

import collections
import json
import os

import numpy as np
import pytest
from engine_support import CUSTOM_FUNCTIONS as FUNCTIONS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch_support import need_torch

import autogradviz

torch = need_torch()


FAMILIES = ("inplace", "views", "hooks", "casts", "functions")
PROGRAMS_PER_FAMILY = int(os.environ.get("AUTOGRADVIZ_DIFFERENTIAL_PROGRAMS", "420"))
COUNTS: collections.Counter = collections.Counter()


def _world(lib):
    ns = {"torch": lib, "np": np}
    exec(FUNCTIONS, ns)
    # float64, so that chains such as sin(exp(exp(x))) compare to the last digit whatever libm does
    f64 = lib.float64
    ns["a"] = lib.tensor([[0.5, 1.0, 1.5], [2.0, 0.25, 0.75]], dtype=f64, requires_grad=True)
    ns["b"] = lib.tensor([1.5, 0.5, 2.0], dtype=f64, requires_grad=True)
    ns["c"] = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=f64)  # a plain buffer
    return ns


def _fingerprint(t):
    try:
        fn = t.grad_fn
        name = None if fn is None else type(fn).__name__
    except RuntimeError:  # a view whose grad_fn cannot be made again (PyTorch raises too)
        name = "raises"
    return (str(t.dtype), bool(t.requires_grad), name, tuple(t.shape))


def _same(ours, theirs, what, program):
    assert _fingerprint(ours) == _fingerprint(theirs), (what, _fingerprint(ours), _fingerprint(theirs), program)
    mine = ours.detach().numpy().astype(np.float64)
    real = theirs.detach().numpy().astype(np.float64)
    assert np.allclose(mine, real, rtol=1e-5, atol=1e-6, equal_nan=True), (what, mine, real, program)


def _run(statement, ns):
    try:
        exec(statement, ns)
    except Exception as exc:
        return type(exc).__name__
    return None


# Statements by family. Each is a function of the tensors so far (name -> shape) that returns a
# statement text, or None when it does not apply. The result goes into a new name.
def _pick(draw, tensors, want=None):
    names = [n for n, shape in tensors.items() if want is None or want(shape)]
    return draw(st.sampled_from(names)) if names else None


COMPUTE = [
    lambda x: f"{x} * 1", lambda x: f"{x}.sin()", lambda x: f"{x}.exp()", lambda x: f"{x} * 0.5",
    lambda x: f"{x} * {x}", lambda x: f"{x}.sigmoid()", lambda x: f"{x} + 1", lambda x: f"{x}.sqrt()",
]
INPLACE = [
    lambda x: f"{x}.mul_(2)", lambda x: f"{x}.add_(1)", lambda x: f"{x}.sqrt_()", lambda x: f"{x}.sigmoid_()",
    lambda x: f"{x}.exp_()", lambda x: f"{x}.zero_()", lambda x: f"{x}.fill_(1.5)", lambda x: f"{x}.div_(4)",
    lambda x: f"torch.relu_({x})", lambda x: f"{x}.sub_(0.25)", lambda x: f"{x}.tanh_()",
    lambda x: f"{x}.masked_fill_({x} > 1, 0.5)",
    lambda x: f"with torch.no_grad():\n    {x}.mul_(0.5)",   # an optimizer's step
]
VIEWS = [
    (lambda s: len(s) >= 1, lambda x: f"{x}[0]"), (lambda s: len(s) >= 2, lambda x: f"{x}[:, 1]"),
    (lambda s: len(s) >= 1, lambda x: f"{x}[1:]"), (lambda s: len(s) == 2, lambda x: f"{x}.t()"),
    (lambda s: True, lambda x: f"{x}.reshape(-1)"), (lambda s: True, lambda x: f"{x}.view(-1)"),
    (lambda s: True, lambda x: f"{x}.unsqueeze(0)"), (lambda s: len(s) >= 1, lambda x: f"{x}.narrow(0, 0, 1)"),
    (lambda s: len(s) >= 1, lambda x: f"{x}.select(0, -1)"), (lambda s: len(s) == 2, lambda x: f"{x}.diagonal()"),
    (lambda s: len(s) >= 1, lambda x: f"{x}.split(1)[0]"),
    (lambda s: len(s) >= 1, lambda x: f"{x}.unbind()[-1]"), (lambda s: len(s) == 2, lambda x: f"{x}.T[0]"),
    (lambda s: True, lambda x: f"{x}[None]"), (lambda s: True, lambda x: f"{x}.detach()"),
    (lambda s: len(s) >= 1, lambda x: f"{x}[0:1].expand(2, *{x}.shape[1:])"),   # elements share memory
    (lambda s: len(s) == 2, lambda x: f"{x}.t().contiguous()"), (lambda s: True, lambda x: f"{x}.contiguous()"),
]
HOOKS = [
    lambda x: f"{x}.register_hook(lambda g: g * 3)", lambda x: f"{x}.register_hook(lambda g: None)",
    lambda x: f"{x}.retain_grad()", lambda x: f"{x}.register_hook(lambda g: g.sum())",
    lambda x: f"{x}.register_hook(lambda g: g.double())",
]
CASTS = [
    lambda x: f"{x}.long()", lambda x: f"{x}.bool()", lambda x: f"{x}.double()", lambda x: f"{x}.to(torch.int32)",
    lambda x: f"{x}.float() * 2", lambda x: f"({x} > 1)", lambda x: f"{x} * 2", lambda x: f"{x}.double() * 2",
]
FUNCTION_CALLS = [
    lambda x: f"Square.apply({x})", lambda x: f"ExpOut.apply({x})", lambda x: f"TwoOut.apply({x})[0]",
    lambda x: f"TwoOut.apply({x})[1]", lambda x: f"Dirty.apply({x})", lambda x: f"Scaled.apply({x}, 3.0)",
    lambda x: f"Id.apply({x})", lambda x: f"Constant.apply({x})",
]


def _statement(draw, family, tensors, n):
    """One statement of the program; it assigns a new tensor to ``v{n}`` or acts on one."""
    x = _pick(draw, tensors)
    kind = draw(st.sampled_from(["compute", "own", "own", "own"]))
    if kind == "compute":
        return f"v{n} = " + draw(st.sampled_from(COMPUTE))(x)
    if family == "inplace":
        y = _pick(draw, tensors, lambda s: s == tensors[x])
        return draw(st.sampled_from([draw(st.sampled_from(INPLACE))(x), f"{x}.copy_({y})", f"{x}.mul_({y})",
                                     f"{x} += {y}", f"{x}.detach_()"]))
    if family == "views":
        fitting = [make for ok, make in VIEWS if ok(tensors[x])]
        if draw(st.booleans()):
            return f"v{n} = " + draw(st.sampled_from(fitting))(x)
        return draw(st.sampled_from(INPLACE + [lambda t: f"{t}[0] = 7.0" if tensors[x] else f"{t}.fill_(7.0)"]))(x)
    if family == "hooks":
        return draw(st.sampled_from(HOOKS))(x)
    if family == "casts":
        if draw(st.booleans()):
            fitting = [make for ok, make in VIEWS if ok(tensors[x])]
            return f"with torch.no_grad():\n    v{n} = " + draw(st.sampled_from(fitting))(x)
        return f"v{n} = " + draw(st.sampled_from(CASTS))(x)
    return f"v{n} = " + draw(st.sampled_from(FUNCTION_CALLS))(x)


def _ending(draw, tensors):
    x = _pick(draw, tensors)
    return draw(st.sampled_from([
        f"{x}.sum().backward()", f"{x}.sum().backward(retain_graph=True)",
        f"grads = torch.autograd.grad({x}.sum(), [a, b], allow_unused=True)",
        f"{x}.sum().backward(create_graph=True)",
    ]))


def _check_program(draw, family):
    ours, theirs = _world(autogradviz), _world(torch)
    tensors = {"a": (2, 3), "b": (3,), "c": (2, 3)}
    program = []
    retained = []
    for n in range(draw(st.integers(2, 7))):
        statement = _statement(draw, family, tensors, n)
        program.append(statement)
        raised = (_run(statement, ours), _run(statement, theirs))
        assert (raised[0] is None) == (raised[1] is None), (raised, "\n".join(program))
        new = f"v{n}"
        if raised[0] is None and isinstance(theirs.get(new), torch.Tensor):
            _same(ours[new], theirs[new], new, program)
            tensors[new] = tuple(theirs[new].shape)
        if "retain_grad" in statement and raised[0] is None:
            retained.append(statement.split(".")[0])
    ending = _ending(draw, tensors)
    program.append(ending)
    raised = (_run(ending, ours), _run(ending, theirs))
    assert (raised[0] is None) == (raised[1] is None), (raised, "\n".join(program))
    for name in tensors:
        _same(ours[name], theirs[name], name, program)
    for name in ["a", "b", *retained]:
        for side in (ours, theirs):
            side[name + "_grad"] = side[name].grad
        assert (ours[name + "_grad"] is None) == (theirs[name + "_grad"] is None), (name, "\n".join(program))
        if theirs[name + "_grad"] is not None:
            _same(ours[name + "_grad"], theirs[name + "_grad"], name + ".grad", program)
    if "grads = " in ending and raised[0] is None:
        for mine, real in zip(ours["grads"], theirs["grads"]):
            assert (mine is None) == (real is None), program
            if real is not None:
                _same(mine, real, "autograd.grad", program)
    COUNTS[family] += 1


@pytest.mark.parametrize("family", FAMILIES)
def test_random_programs_agree_with_pytorch(family, output_dir):
    @settings(max_examples=PROGRAMS_PER_FAMILY, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data):
        _check_program(data.draw, family)
    COUNTS[family] = 0
    check()
    assert COUNTS[family] >= PROGRAMS_PER_FAMILY, f"{family}: {COUNTS[family]} programs ran"
    report = output_dir.parent / "differential-counts.json"
    counts = json.loads(report.read_text()) if report.exists() else {}
    counts[family] = COUNTS[family]
    report.write_text(json.dumps(counts, indent=1, sort_keys=True))
