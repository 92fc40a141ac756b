"""The numbers a backward stepper shows are the engine's numbers of that step, whatever happens
to the tensors afterwards (property test on random graphs)."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autogradviz as torch
from autogradviz.autograd import backward_steps
from autogradviz.widgets.walk import BackwardWalk, value_text

NAMES = ("a", "b", "c")
UNARY = {"sin": lambda x: x.sin(), "tanh": lambda x: x.tanh(), "square": lambda x: x ** 2,
         "twice": lambda x: 2 * x, "neg": lambda x: -x}
BINARY = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
          "div": lambda x, y: x / (1 + y * y)}


@st.composite
def programs(draw):
    """Leaves (some already holding a .grad), then ops that each use one or two earlier values
    (so values are reused: diamonds, an input used twice by one op)."""
    n_leaves = draw(st.integers(1, 3))
    preset = [draw(st.booleans()) for _ in range(n_leaves)]
    ops = []
    for k in range(draw(st.integers(1, 6))):
        available = n_leaves + k
        if draw(st.booleans()):
            ops.append((draw(st.sampled_from(sorted(UNARY))), draw(st.integers(0, available - 1)), None))
        else:
            ops.append((draw(st.sampled_from(sorted(BINARY))), draw(st.integers(0, available - 1)),
                        draw(st.integers(0, available - 1))))
    return n_leaves, preset, ops, draw(st.integers(0, 2 ** 31))


def build(program):
    n_leaves, preset, ops, seed = program
    rng = np.random.default_rng(seed)
    leaves = [torch.tensor(rng.uniform(0.5, 1.5, 3), dtype=torch.float64, requires_grad=True)
              for _ in range(n_leaves)]
    for leaf, has_grad in zip(leaves, preset):
        if has_grad:
            leaf.grad = torch.tensor(rng.uniform(-1, 1, 3), dtype=torch.float64)
    values = list(leaves)
    for name, i, j in ops:
        values.append(UNARY[name](values[i]) if j is None else BINARY[name](values[i], values[j]))
    return leaves, values[-1].sum()


def _copy(x):
    return None if x is None else np.array(x, copy=True)


def _same(shown, recorded) -> bool:
    if recorded is None:
        return shown is None
    return shown is not None and np.array_equal(np.asarray(shown), recorded)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_each_shown_number_is_the_engines_number_of_that_step(program):
    leaves, y = build(program)
    names = dict(zip(NAMES, leaves))
    walk = BackwardWalk(y, names=names)
    # The engine's own records of the same pass, copied now: the reference.
    records = [(_copy(s.grad_output), [_copy(g) for g in s.grad_inputs], _copy(s.grad_before),
                _copy(s.grad_after), s.leaf is not None)
               for s in backward_steps([y], retain_graph=True, accumulate=False)]
    # After the stepper was made, the student runs backward (.grad changes in place) and more.
    y.backward(retain_graph=True)
    for leaf in leaves:
        if leaf.grad is not None:   # leaves the output does not depend on get no gradient
            leaf.grad.mul_(3)

    assert walk.total == len(records)
    for k, (arriving, sent, before, after, is_leaf) in enumerate(records, start=1):
        state = walk.goto(k)
        assert _same(state.incoming, arriving)
        assert f"= {value_text(arriving)} arrives" in state.text
        for node_id, position, g in state.outgoing:
            assert _same(g, sent[position])
            assert node_id is not None
        for g in sent:
            if g is not None:
                assert f"= {value_text(g)}" in state.text or f"receives {value_text(g)}" in state.text
        if is_leaf:
            step = walk.steps[k - 1]
            assert _same(step.grad_before, before) and _same(step.grad_after, after)
            assert np.array_equal(after, arriving if before is None else before + arriving)
            shown = (f"none yet → {value_text(after)}" if before is None
                     else f"{value_text(before)} + {value_text(arriving)} = {value_text(after)}")
            assert shown in state.text


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_the_stepper_ends_where_backward_ends(program):
    leaves, y = build(program)
    walk = BackwardWalk(y)
    stepped = {id(leaf): np.array(g, copy=True) for leaf, g in walk.final_grads().items()}
    y.backward()
    for leaf in leaves:
        if id(leaf) in stepped:
            assert np.array_equal(stepped[id(leaf)], leaf.grad.numpy())


def test_a_stepper_made_before_backward_keeps_its_numbers():
    x = torch.arange(4.0, requires_grad=True)
    x.grad = torch.tensor([0.0, 2.0, 4.0, 6.0])
    y = 2 * torch.dot(x, x)
    walk = BackwardWalk(y)
    y.backward()
    last = walk.goto(walk.total).text
    assert "x.grad: [0., 2., 4., 6.] + [ 0., 4., 8., 12.] = [ 0., 6., 12., 18.]" in last
    assert x.grad.tolist() == [0.0, 6.0, 12.0, 18.0]
