"""Backward runs nodes in PyTorch's order: the highest sequence number first, and a leaf's
AccumulateGrad (sequence number UINT64_MAX, as in PyTorch) as soon as its gradient is complete;
leaves made ready by the same node follow the ready queue's heap, as in PyTorch.
tests/test_torch_steps.py checks the same orders against PyTorch's own backward pass."""
from __future__ import annotations

import autogradviz as torch
from autogradviz.autograd import backward_steps


def _order(out, leaves) -> list[str]:
    label = {id(t): name for name, t in leaves.items()}
    return [label[id(s.leaf)] if s.leaf is not None else s.node.name()
            for s in backward_steps([out], retain_graph=True, accumulate=False)]


def test_a_leaf_accumulates_as_soon_as_its_gradient_is_complete():
    x1, x2, w1, w2, b = (torch.tensor(v, requires_grad=True) for v in (2.0, 0.0, -3.0, 1.0, 6.88))
    o = torch.tanh(x1 * w1 + x2 * w2 + b)
    assert _order(o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}) == [
        "TanhBackward0", "AddBackward0", "b", "AddBackward0", "MulBackward0", "x2", "w2",
        "MulBackward0", "x1", "w1"]
    assert x1.grad_fn is None and (x1 * w1).grad_fn.next_functions[0][0]._sequence_nr == 2 ** 64 - 1


def test_leaves_made_ready_together_follow_the_ready_queue_heap():
    p, q, r, s = (torch.tensor([float(k)], requires_grad=True) for k in range(4))
    out = (torch.cat([p, q, r, s]) * torch.cat([s, r, q, p])).sum()
    assert _order(out, {"p": p, "q": q, "r": r, "s": s}) == [
        "SumBackward0", "MulBackward0", "CatBackward0", "CatBackward0", "p", "r", "q", "s"]
