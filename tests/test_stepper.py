"""The backward/forward steppers, driven as Python models (no browser)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from engine_support import Square

import autogradviz as torch
from autogradviz.autograd import backward_steps
from autogradviz.widgets.walk import BackwardWalk


def _fresh_grads(build):
    """Run build() twice: once stepped, once with a real backward; return both results."""
    torch.manual_seed(0)
    leaves, y, gradient = build()
    stepper = torch.step_backward(y, gradient)
    stepper.goto(stepper.walk.total)
    stepped = {id(k): v for k, v in stepper.walk.final_grads().items()}
    untouched = [leaf.grad is None for leaf in leaves]
    y.backward(gradient)
    return leaves, stepped, untouched, stepper


def _scalar():
    x = torch.arange(4.0, requires_grad=True)
    return [x], 2 * torch.dot(x, x), None


def _non_scalar():
    x = torch.arange(4.0, requires_grad=True)
    return [x], x * x, torch.ones(4)


def _used_twice():
    a = torch.tensor(3.0, requires_grad=True)
    return [a], a * a + a, None


def _detach():
    x = torch.arange(4.0, requires_grad=True)
    y = x * x
    u = y.detach()
    return [x], (u * x).sum(), None


def _control_flow():
    def f(a):
        b = a * 2
        while b.norm() < 1000:
            b = b * 2
        return b if b.sum() > 0 else 100 * b
    a = torch.randn(size=(), requires_grad=True)
    return [a], f(a), None


def _custom_function():
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    return [x], Square.apply(x).sum(), None


def _mlp_step():
    X = torch.randn(8, 3)
    y = torch.randint(0, 2, (8,))
    W1 = torch.randn(3, 5, requires_grad=True)
    b1 = torch.zeros(5, requires_grad=True)
    W2 = torch.randn(5, 2, requires_grad=True)
    h = (X @ W1 + b1).relu()
    logits = h @ W2
    loss = -logits.log_softmax(dim=1)[torch.arange(8), y].mean()
    return [W1, b1, W2], loss, None


CASES = {"scalar": _scalar, "non_scalar_with_gradient": _non_scalar, "used_twice": _used_twice,
         "detach": _detach, "control_flow": _control_flow, "custom_function": _custom_function,
         "mlp_step": _mlp_step}


@pytest.mark.parametrize("case", sorted(CASES))
def test_final_grads_are_exactly_backwards_and_user_grads_untouched(case):
    leaves, stepped, untouched, _ = _fresh_grads(CASES[case])
    assert all(untouched), "stepping must not write .grad"
    for leaf in leaves:
        assert np.array_equal(stepped[id(leaf)], leaf.grad.numpy())


def test_steps_are_the_engines_steps_in_the_engines_order():
    x = torch.arange(4.0, requires_grad=True)
    y = (x.sin() * x).sum()
    walk = BackwardWalk(y)
    engine = list(backward_steps([y], retain_graph=True, accumulate=False))
    assert [s.node for s in walk.steps] == [s.node for s in engine]
    assert [type(s.node).__name__ for s in walk.steps] == [
        "SumBackward0", "MulBackward0", "SinBackward0", "AccumulateGrad"]


def test_variable_used_twice_shows_two_contributions_summing():
    a = torch.tensor(3.0, requires_grad=True)
    y = a * a
    walk = BackwardWalk(y)
    last = walk.goto(walk.total)
    assert len(last.contributions) == 2
    assert "∂L/∂a = 6. arrives = 3. from y + 3. from y" in last.text
    assert "a.grad: none yet → 6." in last.text


def test_accumulation_into_a_grad_that_already_holds_a_value():
    x = torch.tensor(2.0, requires_grad=True)
    (x * 3).backward()
    y = x * 3
    walk = BackwardWalk(y)
    assert "x.grad: 3. + 3. = 6." in walk.goto(walk.total).text
    assert x.grad.item() == 3.0


def test_worked_solution_text_names_the_rule_and_the_numbers():
    x = torch.tensor(2.0, requires_grad=True)
    y = torch.tensor(3.0, requires_grad=True)
    z = x * y
    L = z * 2.0
    walk = BackwardWalk(L)
    text = walk.goto(2).text
    assert "z = x × y" in text and "∂L/∂z = 2. arrives" in text
    assert "∂(x × y)/∂x = y = 3.  →  x receives 2. × y = 6." in text
    assert "∂(x × y)/∂y = x = 2.  →  y receives 2. × x = 4." in text


def test_prev_and_goto_agree():
    _leaves, y, _ = _mlp_step()
    s = torch.step_backward(y)
    for _ in range(4):
        s.next()
    forward_state = s.state
    s.goto(6)
    s.prev()
    s.prev()
    assert s.index == 4 and s.state.node_id == forward_state.node_id
    assert s.label.value == f"step 4 of {s.walk.total}"
    s.reset()
    assert s.index == 0 and s.slider.value == 0


def test_highlight_moves_and_edges_get_gradient_labels():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    s = torch.step_backward(y, engine="python")
    states = []
    for _ in range(3):
        s.next()
        root = ET.fromstring(s.picture.value)
        current = [g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("data-state") == "current"]
        states.append(current)
    assert len({tuple(c) for c in states}) == 3 and all(len(c) == 1 for c in states)
    assert "∂ 2." in s.picture.value


def test_apply_accumulates_into_grad_at_the_end():
    x = torch.arange(4.0, requires_grad=True)
    y = (x * x).sum()
    s = torch.step_backward(y, apply=True)
    assert x.grad is None
    s.goto(s.walk.total)
    assert np.array_equal(x.grad.numpy(), [0, 2, 4, 6])
    y.backward()  # the graph was not freed by stepping
    assert np.array_equal(x.grad.numpy(), [0, 4, 8, 12])


def test_detach_is_drawn_as_a_cut_edge():
    x = torch.arange(4.0, requires_grad=True)
    y = x * x
    u = y.detach()
    z = (u * x).sum()
    s = torch.step_backward(z, engine="python")
    assert any(e.cut for e in s.walk.graph.edges)
    assert "detach" in s.picture.value


def test_bad_input_messages():
    with pytest.raises(ValueError, match="does not require grad and has no graph"):
        torch.step_backward(torch.ones(3))
    with pytest.raises(ValueError, match="is a leaf"):
        torch.step_backward(torch.ones(3, requires_grad=True))
    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        torch.step_backward(x * 2)
    with pytest.raises(TypeError, match="needs a tensor, got int"):
        torch.step_backward(3)


class _Frames(HTMLParser):
    def __init__(self):
        super().__init__()
        self.script = ""
        self._in = False

    def handle_starttag(self, tag, attrs):
        self._in = tag == "script"

    def handle_data(self, data):
        if self._in:
            self.script += data


def test_save_html_has_every_frame(tmp_path):
    import json
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    s = torch.step_backward(y)
    path = s.save_html(tmp_path / "walk.html")
    parser = _Frames()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    frames = json.loads(re.search(r"const frames = (\[.*\]);", parser.script, re.S).group(1))
    assert len(frames) == s.walk.total + 1 == 4
    assert "x.grad: none yet → [ 0., 4., 8., 12.]" in frames[-1]["text"]
    for frame in frames:
        ET.fromstring(frame["svg"])


def test_forward_stepper_grows_the_graph_op_by_op():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    f = torch.step_forward(y)
    f.goto(1)
    assert "x = [0., 1., 2., 3.]" in f.state["text"]
    f.next()
    assert "dot(x, x) = 14." in f.state["text"] or "·(x, x) = 14." in f.state["text"]
    f.next()
    assert "28." in f.state["text"] and f.index == f.walk.total == 3


def test_static_export_bundle_has_the_current_frame():
    x = torch.arange(2.0, requires_grad=True)
    s = torch.step_backward((x * x).sum())
    bundle = s._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "<svg" in bundle["text/html"]


def test_split_step_shows_each_piece_arriving_apart_and_an_unused_piece():
    x = torch.arange(6.0, requires_grad=True)
    a, b, c = x.split(2)
    y = (a * b).sum()
    assert c.requires_grad   # c is named but unused
    s = torch.step_backward(y)
    mul, split = s.frame_text(2), s.frame_text(3)
    assert "a receives [1., 1.] × b = [2., 3.]" in mul and "b receives [1., 1.] × a = [0., 1.]" in mul
    assert split.splitlines()[2:5] == ["∂L/∂a = [2., 3.] arrives", "∂L/∂b = [0., 1.] arrives",
                                       "nothing arrives for c (it is not used)"]
    assert "x receives [2., 3., 0., 1., 0., 0.]" in split and "PyTorch" not in split
