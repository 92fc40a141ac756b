"""optim.AdamW, RMSprop, Adagrad and the lr_scheduler classes, side by side with real PyTorch:
the same parameter trajectories under fixed gradients, the same learning rates epoch by epoch,
the same errors for bad hyperparameters."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from torch_support import need_torch

import autogradviz as agv
from autogradviz import nn, optim

torch = need_torch()

W0 = np.array([[0.5, -1.0], [2.0, 0.25]])
GRADS = [np.random.default_rng(k).standard_normal(W0.shape) for k in range(6)]

CASES = {
    "AdamW": [{}, {"lr": 0.05, "weight_decay": 0.3}, {"lr": 0.01, "amsgrad": True}, {"lr": 0.01, "maximize": True}],
    "RMSprop": [{}, {"lr": 0.05, "alpha": 0.9}, {"lr": 0.01, "momentum": 0.9}, {"lr": 0.01, "centered": True},
                {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1}, {"maximize": True}],
    "Adagrad": [{}, {"lr": 0.1, "lr_decay": 0.05}, {"lr": 0.1, "weight_decay": 0.2},
                {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}, {"maximize": True}],
}


def trajectory(lib, name, kw, dtype):
    """The parameter's values after each step of ``GRADS``."""
    p = lib.nn.Parameter(lib.tensor(W0, dtype=dtype))
    opt = getattr(lib.optim, name)([p], **kw)
    out = []
    for g in GRADS:
        p.grad = lib.tensor(g, dtype=dtype)
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


@pytest.mark.parametrize("name, kw", [(n, kw) for n, cases in CASES.items() for kw in cases],
                         ids=lambda v: v if isinstance(v, str) else ",".join(f"{k}={x}" for k, x in v.items()))
def test_optimizer_trajectory_equals_pytorchs(name, kw):
    ours = trajectory(agv, name, kw, agv.float64)
    theirs = trajectory(torch, name, kw, torch.float64)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    ours32 = trajectory(agv, name, kw, agv.float32)
    theirs32 = trajectory(torch, name, kw, torch.float32)
    assert ours32[-1].dtype == np.float32
    np.testing.assert_allclose(ours32, theirs32, rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(CASES))
def test_defaults_and_repr_equal_pytorchs(name):
    ours = getattr(optim, name)([nn.Parameter(agv.ones(2))])
    theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(2))])
    shared = {k: v for k, v in theirs.defaults.items() if k in ours.defaults}
    assert {k: ours.defaults[k] for k in shared} == shared
    assert set(ours.defaults) <= set(theirs.defaults)


BAD = [("RMSprop", {"lr": -0.1}), ("RMSprop", {"eps": -1.0}), ("RMSprop", {"momentum": -0.5}),
       ("RMSprop", {"weight_decay": -1.0}), ("RMSprop", {"alpha": -0.9}), ("Adagrad", {"lr": -1.0}),
       ("Adagrad", {"lr_decay": -1.0}), ("Adagrad", {"weight_decay": -0.1}),
       ("Adagrad", {"initial_accumulator_value": -1.0}), ("Adagrad", {"eps": -1.0}), ("AdamW", {"lr": -1.0}),
       ("AdamW", {"betas": (0.9, 1.5)}), ("AdamW", {"weight_decay": -1.0})]


@pytest.mark.parametrize("name, kw", BAD, ids=lambda v: v if isinstance(v, str) else str(v))
def test_bad_hyperparameters_raise_pytorchs_error(name, kw):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(1))], **kw)
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([nn.Parameter(agv.ones(1))], **kw)
    assert str(ours.value) == str(theirs.value)


def test_adamw_decays_the_weights_not_the_gradient():
    p = nn.Parameter(agv.tensor([1.0, 1.0]))
    opt = optim.AdamW([p], lr=0.1, weight_decay=0.5)
    p.grad = agv.zeros(2)
    opt.step()   # a zero gradient: Adam moves nothing, the decay alone shrinks p
    np.testing.assert_allclose(p.detach().numpy(), [0.95, 0.95], rtol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_optimizer_minimises_a_quadratic_in_place(name):
    target = agv.tensor([3.0, -2.0])
    p = nn.Parameter(agv.zeros(2))
    data = p._data
    opt = getattr(optim, name)([p], lr=1.0 if name == "Adagrad" else 0.1)
    for _ in range(300):
        opt.zero_grad()
        loss = ((p - target) ** 2).sum()
        loss.backward()
        opt.step()
    assert p._data is data and p.is_leaf
    assert float(((p - target) ** 2).sum()) < 0.05


SCHEDULERS = [
    ("StepLR", {"step_size": 3}), ("StepLR", {"step_size": 2, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10}), ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 0.95 ** epoch}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 1 / (epoch + 1)}),
]


def learning_rates(lib, name, kw, epochs=25, groups=(0.1, 0.03)):
    params = [lib.nn.Parameter(lib.ones(2)) for _ in groups]
    opt = lib.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, groups)], lr=0.5)
    sched = getattr(lib.optim.lr_scheduler, name)(opt, **kw)
    rates = [sched.get_last_lr()]
    for _ in range(epochs):
        for p in params:
            p.grad = lib.ones(2)
        opt.step()
        sched.step()
        rates.append(sched.get_last_lr())
        assert [g["lr"] for g in opt.param_groups] == rates[-1]
    return rates


@pytest.mark.parametrize("name, kw", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
def test_scheduler_rates_equal_pytorchs(name, kw):
    assert learning_rates(agv, name, kw) == learning_rates(torch, name, kw)


@pytest.mark.parametrize("name, kw", [s for s in SCHEDULERS if s[0] != "LambdaLR"],
                         ids=[n for n, _ in SCHEDULERS if n != "LambdaLR"])
def test_stepping_to_an_epoch_uses_the_closed_form(name, kw):
    def jump(lib):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.ones(1))], lr=0.1)
        sched = getattr(lib.optim.lr_scheduler, name)(opt, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched.step(7)
        return sched.get_last_lr()
    np.testing.assert_allclose(jump(agv), jump(torch), rtol=1e-15)


def test_cosine_reaches_eta_min_at_t_max():
    opt = optim.SGD([nn.Parameter(agv.ones(1))], lr=1.0)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=8, eta_min=0.1)
    for _ in range(8):
        opt.step()
        sched.step()
    assert math.isclose(opt.param_groups[0]["lr"], 0.1, rel_tol=1e-12)


def test_scheduler_state_dict_round_trip_resumes():
    def make(lib):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.ones(1))], lr=1.0)
        return opt, lib.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    opt, sched = make(agv)
    for _ in range(3):
        opt.step()
        sched.step()
    state = sched.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    opt2, sched2 = make(agv)
    sched2.load_state_dict(state)
    opt2.param_groups[0]["lr"] = opt.param_groups[0]["lr"]
    sched.step()
    sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr() == [0.25]


def test_lambda_lr_needs_one_function_per_group():
    opt = optim.SGD([{"params": [nn.Parameter(agv.ones(1))]}, {"params": [nn.Parameter(agv.ones(1))]}], lr=1.0)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        optim.lr_scheduler.LambdaLR(opt, [lambda e: 1.0])


def test_resuming_without_initial_lr_raises_pytorchs_key_error():
    def resume(lib):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.ones(1))], lr=1.0)
        lib.optim.lr_scheduler.StepLR(opt, step_size=2, last_epoch=4)
    with pytest.raises(KeyError) as theirs:
        resume(torch)
    with pytest.raises(KeyError) as ours:
        resume(agv)
    assert str(ours.value) == str(theirs.value)
