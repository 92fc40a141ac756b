"""torch.save and torch.load (D2L's file I/O section): tensors, lists and dicts of tensors, state
dicts into a fresh model, whole modules only with weights_only=False, as PyTorch since 2.6."""
from __future__ import annotations

import io
import pickle
import warnings

import numpy as np
import pytest
from parity_support import outcome
from torch_support import need_torch

import autogradviz as torch
from autogradviz import nn


def round_trip(obj, **load_options):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return torch.load(buffer, **load_options)


def test_d2l_file_io_section(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    x = torch.arange(4)
    torch.save(x, "x-file")
    assert torch.equal(torch.load("x-file"), x) and torch.load("x-file").dtype == torch.int64
    y = torch.zeros(4)
    torch.save([x, y], "x-files")
    x2, y2 = torch.load("x-files")
    assert torch.equal(x2, x) and torch.equal(y2, y)
    torch.save({"x": x, "y": y}, "mydict")
    assert sorted(torch.load("mydict")) == ["x", "y"]

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    X = torch.randn(size=(2, 20))
    torch.save(net.state_dict(), "mlp.params")
    clone = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    clone.load_state_dict(torch.load("mlp.params"))
    clone.eval()
    assert (clone(X) == net(X)).all()
    assert all(type(p) is nn.Parameter and p.requires_grad for p in clone.parameters())


@pytest.mark.parametrize("make", [lambda: torch.ones(2, 3, dtype=torch.float64), lambda: torch.tensor([True, False]),
                                  lambda: torch.ones(2, requires_grad=True), lambda: torch.ones(2, requires_grad=True) * 2,
                                  lambda: torch.ones(2, 3).shape, lambda: torch.device("cpu"), lambda: torch.float16,
                                  lambda: {"step": 3, "lr": [0.1, 0.01], "name": "adam", "t": torch.ones(1)}])
def test_what_goes_in_comes_out(make):
    obj = make()
    back = round_trip(obj)
    assert type(back) is type(obj) and repr(back) == repr(obj).replace(", grad_fn=<MulBackward0>", ", requires_grad=True")


@pytest.mark.parametrize("protocol", [2, 4, pickle.HIGHEST_PROTOCOL])
def test_every_pickle_protocol_loads_with_weights_only(protocol):
    buffer = io.BytesIO()
    torch.save({"w": torch.arange(6.0).reshape(2, 3), "n": 1}, buffer, pickle_protocol=protocol)
    buffer.seek(0)
    assert torch.load(buffer)["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_a_saved_tensor_keeps_requires_grad_as_a_leaf_as_in_pytorch():
    y = torch.ones(2, requires_grad=True) * 2
    for back in (round_trip(y), pickle.loads(pickle.dumps(y))):
        assert back.requires_grad and back.is_leaf and back.grad_fn is None


def test_optimizer_state_round_trips():
    w = nn.Parameter(torch.ones(3))
    opt = torch.optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    state = round_trip(opt.state_dict())
    fresh = torch.optim.Adam([nn.Parameter(torch.ones(3))], lr=0.5)
    fresh.load_state_dict(state)
    assert fresh.param_groups[0]["lr"] == 0.1
    np.testing.assert_array_equal(fresh.state_dict()["state"][0]["exp_avg"].numpy(),
                                  opt.state_dict()["state"][0]["exp_avg"].numpy())


def test_a_whole_module_needs_weights_only_false():
    net = nn.Linear(2, 1)
    with pytest.raises(pickle.UnpicklingError, match=r"^Weights only load failed\. .*weights_only=False"):
        round_trip(net)
    back = round_trip(net, weights_only=False)
    assert type(back) is nn.Linear and torch.equal(back.weight, net.weight)


def test_map_location_names_the_cpu_only():
    assert torch.equal(round_trip(torch.ones(2), map_location="cpu"), torch.ones(2))
    with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
        round_trip(torch.ones(2), map_location="cuda")


def test_lazy_linear_draws_nothing_until_its_first_input_as_pytorch():
    real = need_torch(module_level=False)
    for lib in (real, torch):
        lib.manual_seed(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = nn.LazyLinear(3)
    assert caught == []   # PyTorch's lazy layer warns of no zero-element initialisation
    theirs = real.nn.LazyLinear(3)
    assert torch.rand(1).item() == real.rand(1).item()   # making the layers took no draw
    ours(torch.ones(1, 2))
    theirs(real.ones(1, 2))
    for a, b in ((ours.weight, theirs.weight), (ours.bias, theirs.bias)):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_pickling_a_non_leaf_matches_pytorch():
    real = need_torch(module_level=False)
    expr = "(lambda y: (y.requires_grad, y.is_leaf))(__import__('pickle').loads(__import__('pickle').dumps(x * 2)))"
    assert outcome(torch, expr, x=torch.ones(2, requires_grad=True)) == \
        outcome(real, expr, x=real.ones(2, requires_grad=True))
