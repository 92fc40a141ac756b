"""The rules around views, side by side with PyTorch: writes into memory that elements share
(expand), views made under no_grad, and what a custom Function gives back for an input it
returns. Each program runs under both libraries; what it gives (or raises), and its warnings,
must be the same."""
from __future__ import annotations

import pytest
from engine_support import CUSTOM_FUNCTIONS as FUNCTIONS
from parity_support import run_statements
from torch_support import need_torch

import autogradviz

torch = need_torch()


def d(t):
    """A tensor as the programs compare it: values, requires_grad and grad_fn name."""
    return t.tolist(), t.requires_grad, None if t.grad_fn is None else type(t.grad_fn).__name__


# Writes into an expand()ed tensor: refused where the written tensor's own elements share memory
# (PyTorch's has_internal_overlap), except fill_/zero_ and, with a warning, masked_fill_ and
# index_put_; a recorded write there is refused at backward.
OVERLAP = {
    "add_": "e = lib.zeros(1).expand(3); e.add_(1)",
    "fill_": "e = lib.zeros(1).expand(3); e.fill_(2.); result = e.tolist()",
    "zero_": "e = lib.ones(1).expand(3); e.zero_(); result = e.tolist()",
    "fill_tensor": "e = lib.zeros(1).expand(3); e.fill_(lib.tensor(2.))",
    "copy_": "e = lib.zeros(1).expand(3); e.copy_(lib.ones(3))",
    "relu_": "e = lib.zeros(1).expand(3); e.relu_()",
    "out=": "b = lib.zeros(1); e = b.expand(3); lib.add(lib.ones(3), 1, out=e)",
    "same_size": "e = lib.tensor([1., 2.]).expand(-1); e += 1; result = e.tolist()",
    "size_one": "b = lib.zeros(1); e = b.expand(1); e.add_(1); result = b.tolist()",
    "index_one": "b = lib.zeros(1); e = b.expand(3); e[0] = 5.; result = (e.tolist(), b.tolist())",
    "index_tensor": "b = lib.zeros(1); e = b.expand(3); e[0] = lib.tensor(5.); result = b.tolist()",
    "slice_of_one": "b = lib.zeros(1); e = b.expand(3); e[0:1] = 5.; result = b.tolist()",
    "slice": "e = lib.zeros(1).expand(3); e[1:] = 5.",
    "ellipsis": "e = lib.zeros(1).expand(3); e[...] = 5.",
    "row": "b = lib.zeros(3); e = b.expand(2, 3); e[0].add_(5.); result = (e.tolist(), b.tolist())",
    "column": "b = lib.zeros(3); e = b.expand(2, 3); e[:, 0].add_(5.)",
    "slice_fill_": "b = lib.zeros(1); e = b.expand(3); e[1:].fill_(5.); result = b.tolist()",
    "mask": "b = lib.zeros(1); e = b.expand(3); e[lib.tensor([True, False, True])] = 1.; result = b.tolist()",
    "indices": "b = lib.zeros(1); e = b.expand(3); e[[0, 2]] = lib.tensor([1., 2.]); result = b.tolist()",
    "row_indices": "b = lib.zeros(1); e = b.expand(2, 3); e[0, [0, 2]] = 1.; result = b.tolist()",
    "indices_no_overlap": "b = lib.zeros(3); e = b.expand(2, 3); e[0, [0, 2]] = 1.; result = b.tolist()",
    "masked_fill_": "b = lib.zeros(1); e = b.expand(3); e.masked_fill_(lib.tensor([False, True, False]), 2.); "
                    "result = b.tolist()",
    "masked_fill_rows": "b = lib.zeros(3); e = b.expand(2, 3); "
                        "e.masked_fill_(lib.tensor([[True, False, False], [False, False, True]]), 7.); result = b.tolist()",
    "contiguous": "e = lib.zeros(1).expand(3).contiguous(); e.add_(1); result = e.tolist()",
    "unfold": "b = lib.zeros(5); w = b.unfold(0, 3, 1); w[1, 2] = 7.; w[0].add_(1); "
              "result = (w._base is b, b.tolist(), w.tolist())",
    "recorded_unfold": "a = lib.ones(5, requires_grad=True); x = a * 1; w = x.unfold(0, 2, 2); w[1].mul_(3.); "
                       "x.sum().backward(); result = (d(x), d(w), a.grad.tolist())",
    "contiguous_copies": "a = lib.ones(2, 3, requires_grad=True); y = a.t().contiguous(); y[0, 0] = 9.; "
                         "result = (a.tolist(), d(y))",
    "leaf": "x = lib.zeros(1, requires_grad=True); e = x.expand(3); e.fill_(2.)",
    "recorded_fill_": "a = lib.ones(1, requires_grad=True); x = a * 1; e = x.expand(3); e.fill_(2.); "
                      "result = (d(e), d(x))",
    "recorded_fill_backward": "a = lib.ones(1, requires_grad=True); x = a * 1; e = x.expand(3); e.zero_(); "
                              "x.sum().backward()",
    "recorded_masked_fill_": "a = lib.ones(1, requires_grad=True); x = a * 1; e = x.expand(3); "
                             "e.masked_fill_(lib.tensor([True, False, True]), 2.); result = (d(e), d(x))",
    "recorded_row": "a = lib.ones(3, requires_grad=True); x = a * 1; e = x.expand(2, 3); e[0].mul_(2.); "
                    "e.sum().backward(); result = (d(x), a.grad.tolist())",
    "recorded_index": "a = lib.ones(3, requires_grad=True); x = a * 1; e = x.expand(2, 3); "
                      "e[1] = lib.tensor([1., 2., 3.]); e.sum().backward(); result = (d(x), a.grad.tolist())",
}

# Views made under no_grad: they require grad while their base does; once the base (or another
# view of it) changed in place, in either grad mode, using them with grad mode on raises, and
# reading their values does not. An optimizer step changes its parameters under no_grad.
P = "p = lib.ones(3, requires_grad=True)\n"
CHANGED = P + "with lib.no_grad():\n    v = p[0:2]\nwith lib.no_grad():\n    p.add_(1)\n"
STEP = (P + "opt = lib.optim.SGD([p], lr=0.5)\nwith lib.no_grad():\n    v = p.view(3)\n"
        "(p * p).sum().backward()\nopt.step()\n")
NO_GRAD = {
    "made": P + "with lib.no_grad():\n    v = p.view(3)\nresult = (v.is_leaf, v.requires_grad, v._is_view(), v.grad_fn)",
    "values": CHANGED + "result = (v.tolist(), v.detach().tolist(), v.requires_grad, v._version, v.shape)",
    "repr": CHANGED + "result = repr(v)",
    "under_no_grad": CHANGED + "with lib.no_grad():\n    result = ((v * 2).tolist(), v[0].item(), repr(v.view(2)))",
    "grad_fn": CHANGED + "result = v.grad_fn",
    "is_leaf": CHANGED + "result = v.is_leaf",
    "op": CHANGED + "result = v * 2",
    "index": CHANGED + "result = v[0]",
    "retain_grad": CHANGED + "result = v.retain_grad()",
    "hook": CHANGED + "v.register_hook(lambda g: g)",
    "comparison": CHANGED + "result = ((v > 1).tolist(), v.long().tolist())",
    "optimizer_step_values": STEP + "with lib.no_grad():\n    result = (v * 1).tolist()",
    "optimizer_step_then_graph": STEP + "result = (v * 1).sum()",
    "in_place_no_grad": P + "with lib.no_grad():\n    v = p.view(3)\nwith lib.no_grad():\n    v.mul_(2)\n"
                        "result = (repr(v), p.tolist())",
    "in_place_grad": P + "x = p * 1\nwith lib.no_grad():\n    v = x[0:2]\nv.mul_(2)",
    "grad_mode_view": P + "v = p[0:2]\nwith lib.no_grad():\n    p.add_(1)\nresult = d(v)",
    "view_of_view": P + "x = p * 1\nwith lib.no_grad():\n    v = x[0:2]\nw = v[0:1]\nresult = d(w)",
    "view_of_view_in_place": P + "x = p * 1\nwith lib.no_grad():\n    v = x[0:2]\nw = v[0:1]\nw.add_(1)",
    "view_of_view_base_changed": P + "x = p * 1\nwith lib.no_grad():\n    v = x[0:2]\nw = v[0:1]\nx.add_(1)\n"
                                     "result = w.grad_fn",
    "plain_base_view_in_place": "x = lib.ones(3)\nwith lib.no_grad():\n    v = x.view(3)\n"
                                "v.mul_(lib.ones(3, requires_grad=True))",
    "plain_base_in_place": "x = lib.ones(3)\nwith lib.no_grad():\n    v = x.view(3)\n"
                           "x.mul_(lib.ones(3, requires_grad=True))\nresult = v.grad_fn",
    "base_requires_grad_later": "x = lib.ones(3)\nwith lib.no_grad():\n    v = x.view(3)\nx.requires_grad_()\n"
                                "result = (v.requires_grad, v.grad_fn, v.is_leaf)",
    "split_of_plain": "x = lib.zeros(4)\nq = x.split(2)\nq[0].mul_(lib.ones(2, requires_grad=True))",
    "view_of_split_piece": P + "q = (p * 1).split(1)\nq[0][0:1].add_(1)",
    "split_piece_base_changed": P + "x = p * 1\nq = x.split(1)\nx.add_(1)\nresult = q[1].grad_fn",
}

A = FUNCTIONS + "a = lib.ones(3, requires_grad=True)\n"
X = A + "x = a * 1\n"
# A custom Function that returns an input unchanged gives back a view of it, whose in-place
# changes PyTorch refuses (they would bypass the custom backward); so do views made in forward.
CUSTOM = {
    "leaf_input": A + "y = Id.apply(a)\nresult = (y is a, y._is_view(), y._base is a, d(y), y.is_leaf)",
    "leaf_input_backward": A + "y = Id.apply(a)\ny.sum().backward()\nresult = a.grad.tolist()",
    "input": X + "y = Id.apply(x)\nresult = (y is x, y._is_view(), y._base is x, d(y))",
    "input_in_place": X + "y = Id.apply(x)\ny.mul_(2)",
    "leaf_input_in_place": A + "y = Id.apply(a)\ny.mul_(2)",
    "base_changed": X + "y = Id.apply(x)\nx.mul_(2)\nresult = y.grad_fn",
    "base_changed_repr": X + "y = Id.apply(x)\nx.mul_(2)\nresult = repr(y)",
    "versions": A + "y = Id.apply(a)\nresult = (y._version, a._version)",
    "plain_input": FUNCTIONS + "b = lib.ones(3)\ny = Id.apply(b)\nresult = (y is b, y._is_view(), y.requires_grad)",
    "no_grad": A + "with lib.no_grad():\n    y = Id.apply(a)\nresult = (y is a, y._is_view(), y.requires_grad)",
    "view_in_forward": A + "y = IdView.apply(a)\nresult = (y._is_view(), y._base is a, d(y))",
    "view_in_forward_in_place": X + "y = IdView.apply(x)\ny.mul_(2)",
    "two_outputs": A + "b = lib.ones(3, requires_grad=True)\ny, z = IdTwo.apply(a, b)\n"
                       "result = (y is a, y._is_view(), y._base is a, d(y), z._is_view())",
    "two_outputs_in_place": X + "y, z = IdTwo.apply(x, lib.ones(3, requires_grad=True))\ny.add_(1)",
    "two_outputs_base_changed": X + "y, z = IdTwo.apply(x, lib.ones(3, requires_grad=True))\nx.add_(1)\n"
                                    "result = y.grad_fn",
    "non_differentiable": A + "y = Constant.apply(a)\nresult = (y is a, y._is_view(), y.requires_grad, y.grad_fn)",
    "input_a_view": A + "y = Id.apply(a[1:])\nresult = (y._is_view(), y._base is a, d(y))",
    "view_of_output": A + "z = Id.apply(a)[0:2]\nresult = (z._base is a, d(z))",
    "view_of_output_in_place": X + "z = Id.apply(x)[0:2]\nz.mul_(2)",
}


def _same_as_pytorch(program: str) -> None:
    ours = run_statements(autogradviz, program, d=d, torch=autogradviz)
    theirs = run_statements(torch, program, d=d, torch=torch)
    assert ours == theirs, f"\n{program}\nautogradviz: {ours}\nPyTorch:     {theirs}"


@pytest.mark.parametrize("name", OVERLAP)
def test_writes_into_shared_memory_as_pytorch(name):
    _same_as_pytorch(OVERLAP[name])


@pytest.mark.parametrize("name", NO_GRAD)
def test_views_made_under_no_grad_as_pytorch(name):
    _same_as_pytorch(NO_GRAD[name])


@pytest.mark.parametrize("name", CUSTOM)
def test_custom_function_outputs_that_are_views_as_pytorch(name):
    _same_as_pytorch(CUSTOM[name])


def test_the_programs_say_something():
    """Each family has programs that run and programs that raise (no family passes vacuously)."""
    for family in (OVERLAP, NO_GRAD, CUSTOM):
        shown = [run_statements(torch, program, d=d, torch=torch)[0] for program in family.values()]
        assert any("Error: " in s for s in shown) and any("Error: " not in s for s in shown)
