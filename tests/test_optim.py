"""optim.SGD and optim.Adam: update rules against NumPy references (and real PyTorch when
installed), in-place updates that keep each Parameter object, param groups, state_dict, errors."""
from __future__ import annotations

import numpy as np
import pytest
from torch_support import need_torch

import autogradviz as torch
from autogradviz import nn, optim

W0 = np.array([[0.5, -1.0], [2.0, 0.25]])
GRADS = [np.array([[0.1, -0.2], [0.3, 0.05]]), np.array([[-0.4, 0.1], [0.2, -0.3]]),
         np.array([[0.05, 0.5], [-0.1, 0.2]])]


def run(opt_cls, steps=3, **kw):
    """Apply the fixed gradients GRADS to one parameter; return its values after each step."""
    p = nn.Parameter(torch.tensor(W0))
    opt = opt_cls([p], **kw)
    history = []
    for g in GRADS[:steps]:
        p.grad = torch.tensor(g)
        opt.step()
        history.append(p.detach().numpy().copy())
    return p, opt, history


def sgd_reference(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    w, buf, out = W0.copy(), None, []
    for g in GRADS:
        d = -g if maximize else g.copy()
        d = d + weight_decay * w
        if momentum:
            buf = d.copy() if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        w = w - lr * d
        out.append(w.copy())
    return out


def adam_reference(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    w, m, v, vmax, out = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), np.zeros_like(W0), []
    for t, g in enumerate(GRADS, 1):
        g = g + weight_decay * w
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        vmax = np.maximum(vmax, v)
        m_hat = m / (1 - betas[0] ** t)
        v_hat = (vmax if amsgrad else v) / (1 - betas[1] ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(w.copy())
    return out


SGD_CASES = {
    "plain": {"lr": 0.1},
    "momentum": {"lr": 0.1, "momentum": 0.9},
    "dampening": {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
    "nesterov": {"lr": 0.1, "momentum": 0.9, "nesterov": True},
    "weight_decay": {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01},
    "maximize": {"lr": 0.1, "maximize": True},
}
ADAM_CASES = {
    "default": {},
    "lr_betas": {"lr": 0.05, "betas": (0.8, 0.99)},
    "weight_decay": {"lr": 0.01, "weight_decay": 0.1},
    "amsgrad": {"lr": 0.01, "amsgrad": True},
}


@pytest.mark.parametrize("case", sorted(SGD_CASES))
def test_sgd_follows_the_update_rule(case):
    _, _, history = run(optim.SGD, **SGD_CASES[case])
    for got, want in zip(history, sgd_reference(**SGD_CASES[case])):
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("case", sorted(ADAM_CASES))
def test_adam_follows_the_update_rule(case):
    _, _, history = run(optim.Adam, **ADAM_CASES[case])
    for got, want in zip(history, adam_reference(**ADAM_CASES[case])):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def _torch_history(T, cls_name, kw):
    p = T.nn.Parameter(T.tensor(W0))
    opt = getattr(T.optim, cls_name)([p], **kw)
    out = []
    for g in GRADS:
        p.grad = T.tensor(g)
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


@pytest.mark.parametrize("cls_name, case", [("SGD", c) for c in sorted(SGD_CASES)] +
                         [("Adam", c) for c in sorted(ADAM_CASES)])
def test_matches_pytorch_optimizers(cls_name, case):
    T = need_torch(module_level=False)
    kw = (SGD_CASES if cls_name == "SGD" else ADAM_CASES)[case]
    _, _, ours = run(getattr(optim, cls_name), **kw)
    for got, want in zip(ours, _torch_history(T, cls_name, kw)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam])
def test_step_updates_in_place_without_recording(cls):
    p = nn.Parameter(torch.tensor(W0))
    data = p._data
    opt = cls([p], lr=0.1)
    p.grad = torch.tensor(GRADS[0])
    opt.step()
    assert p.is_leaf and p.grad_fn is None and p.requires_grad
    assert p._data is data                       # the same memory was written
    assert p._version > 0                        # and the version counter moved, as PyTorch's does
    assert not np.allclose(p.detach().numpy(), W0)


def test_parameter_object_identity_is_kept_through_training():
    model = nn.Linear(2, 1)
    ids = [id(p) for p in model.parameters()]
    opt = optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        model(torch.randn(4, 2)).sum().backward()
        opt.step()
    assert [id(p) for p in model.parameters()] == ids
    assert opt.param_groups[0]["params"][0] is model.weight


def test_parameters_without_grad_are_skipped():
    a, b = nn.Parameter(torch.ones(2)), nn.Parameter(torch.ones(2))
    opt = optim.SGD([a, b], lr=1.0)
    a.grad = torch.ones(2)
    opt.step()
    assert a.tolist() == [0.0, 0.0] and b.tolist() == [1.0, 1.0]


def test_zero_grad_sets_to_none_by_default_or_zeroes():
    p = nn.Parameter(torch.ones(2))
    opt = optim.Adam([p])
    p.grad = torch.ones(2)
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and p.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_param_groups_with_their_own_hyperparameters():
    a, b = nn.Parameter(torch.ones(1)), nn.Parameter(torch.ones(1))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.0)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0.0
    a.grad, b.grad = torch.ones(1), torch.ones(1)
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)
    opt.param_groups[0]["lr"] = 1.0            # schedules edit the groups directly
    opt.step()
    assert a.item() == pytest.approx(-0.1)


def test_named_parameters_are_accepted():
    model = nn.Linear(2, 2)
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["params"] == [model.weight, model.bias]


def test_empty_parameter_list_is_pytorchs_value_error():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.Adam(nn.ReLU().parameters())


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD([p], lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.SGD([p], lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: optim.Adam([p], betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.SGD([p * 2], lr=0.1), "can't optimize a non-leaf Tensor"),
    (lambda p: optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1),
     "some parameters appear in more than one parameter group"),
])
def test_bad_arguments_are_refused(make, message):
    p = nn.Parameter(torch.ones(1))
    with pytest.raises(ValueError, match=message):
        make(p)


def test_a_set_of_parameters_in_a_group_is_refused():
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {nn.Parameter(torch.ones(1))}}], lr=0.1)


def test_state_dict_numbers_parameters_and_holds_buffers():
    _, opt, _ = run(optim.SGD, steps=1, lr=0.1, momentum=0.9)
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0]
    assert sd["param_groups"][0]["lr"] == 0.1 and sd["param_groups"][0]["momentum"] == 0.9
    np.testing.assert_allclose(sd["state"][0]["momentum_buffer"].numpy(), GRADS[0])


def test_load_state_dict_resumes_adam_exactly():
    _, _, history = run(optim.Adam, steps=3, lr=0.05)
    p2 = nn.Parameter(torch.tensor(W0))
    first = optim.Adam([p2], lr=0.05)
    for g in GRADS[:2]:
        p2.grad = torch.tensor(g)
        first.step()
    p3 = nn.Parameter(torch.tensor(p2.detach().numpy().copy()))
    resumed = optim.Adam([p3], lr=0.5)
    resumed.load_state_dict(first.state_dict())
    assert resumed.param_groups[0]["lr"] == 0.05
    p3.grad = torch.tensor(GRADS[2])
    resumed.step()
    np.testing.assert_allclose(p3.detach().numpy(), history[2], rtol=1e-12)


def test_closure_is_evaluated_with_grad_enabled():
    p = nn.Parameter(torch.tensor([3.0]))
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p ** 2).sum()
        loss.backward()
        return loss

    with torch.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0 and p.item() == pytest.approx(3.0 - 0.25 * 6.0)


def test_repr_lists_each_group():
    text = repr(optim.SGD([nn.Parameter(torch.ones(1))], lr=0.1))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1\n" in text and text.endswith(")")


def test_sgd_minimises_a_quadratic_and_adam_too():
    for cls, kw in ((optim.SGD, {"lr": 0.1, "momentum": 0.5}), (optim.Adam, {"lr": 0.1})):
        x = nn.Parameter(torch.tensor([5.0, -3.0]))
        opt = cls([x], **kw)
        for _ in range(300):
            opt.zero_grad()
            ((x - torch.tensor([1.0, 2.0])) ** 2).sum().backward()
            opt.step()
        np.testing.assert_allclose(x.detach().numpy(), [1.0, 2.0], atol=1e-3)
