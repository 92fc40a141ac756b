"""nn.ModuleDict, ParameterList, ParameterDict, LazyLinear; F.one_hot; inference_mode; Tensor.new_*:
behaviour, reprs and errors side by side with real PyTorch."""
from __future__ import annotations

import numpy as np
import parity_support
import pytest
from torch_support import need_torch

import autogradviz as agv
from autogradviz import nn, optim
from autogradviz.nn import functional as F

torch = need_torch()


def outcome(lib, program: str) -> str:
    return parity_support.outcome(lib, program, F=lib.nn.functional, nn=lib.nn)


PROGRAMS = [
    "nn.ModuleDict({'a': nn.Linear(2, 3), 'b': nn.ReLU()})",
    "list(nn.ModuleDict({'b': nn.ReLU(), 'a': nn.Tanh()}).keys())",
    "len(nn.ModuleDict([('a', nn.ReLU())])), 'a' in nn.ModuleDict([('a', nn.ReLU())])",
    "nn.ModuleDict({'a': nn.ReLU()})['zz']",
    "nn.ParameterList([nn.Parameter(lib.ones(2)), nn.Parameter(lib.zeros(3, 4))])",
    "[n for n, _ in nn.ParameterList([lib.ones(2), lib.zeros(1)]).named_parameters()]",
    "type(nn.ParameterList([lib.ones(2)])[0]).__name__",
    "[n for n, _ in nn.ParameterDict({'w': lib.ones(2), 'b': lib.zeros(1)}).named_parameters()]",
    "nn.LazyLinear(4)",
    "F.one_hot(lib.tensor([0, 2, 1]), 4)",
    "F.one_hot(lib.tensor([[1], [0]]))",
    "F.one_hot(lib.tensor([0.0, 2.0]))",
    "F.one_hot(lib.tensor([-1, 2]))",
    "F.one_hot(lib.tensor([0, 5]), 3)",
    "F.one_hot(lib.tensor([], dtype=lib.int64))",
    "F.one_hot(lib.tensor([1, 2], dtype=lib.int32), 3)",
    "lib.zeros(2, 3).new_zeros(2)",
    "lib.zeros(2, dtype=lib.float64).new_ones((1, 2))",
    "lib.zeros(2).new_ones(2, dtype=lib.int64)",
    "lib.zeros(2, dtype=lib.int64).new_tensor([1.5, 2.5])",
    "lib.zeros(2).new_full((2,), 3)",
    "lib.zeros(2).new_empty(3).shape",
    "lib.zeros(2).new_zeros(2, requires_grad=True)",
    "lib.zeros(2).new_zeros(2, device='cuda')",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_same_outcome_as_pytorch(program):
    assert outcome(agv, program) == outcome(torch, program)


def test_module_dict_registers_its_modules_with_the_owner():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)})

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["heads.a.weight", "heads.a.bias", "heads.b.weight", "heads.b.bias"]
    net.heads["c"] = nn.Linear(2, 2)
    assert len(net.heads) == 3 and list(net.heads) == ["a", "b", "c"]
    popped = net.heads.pop("a")
    assert isinstance(popped, nn.Linear) and "a" not in net.heads


def test_parameter_list_trains_with_an_optimizer():
    class Poly(nn.Module):
        def __init__(self):
            super().__init__()
            self.coeffs = nn.ParameterList([nn.Parameter(agv.zeros(())) for _ in range(3)])

        def forward(self, x):
            return sum(c * x ** i for i, c in enumerate(self.coeffs))

    model = Poly()
    x = agv.linspace(-1, 1, 50)
    y = 1 - 2 * x + 3 * x ** 2
    opt = optim.Adam(model.parameters(), lr=0.1)
    for _ in range(400):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    np.testing.assert_allclose([float(c) for c in model.coeffs], [1, -2, 3], atol=0.05)


def test_lazy_linear_becomes_a_linear_and_keeps_its_parameter_objects():
    layer = nn.LazyLinear(4)
    weight = layer.weight
    opt = optim.SGD(layer.parameters(), lr=0.1)   # made before the first call, as PyTorch allows
    out = layer(agv.ones(5, 3))
    assert type(layer) is nn.Linear and layer.in_features == 3 and out.shape == (5, 4)
    assert layer.weight is weight and weight.shape == (4, 3)
    assert repr(layer) == repr(torch.nn.Linear(3, 4))
    assert float(weight.abs().max()) <= 1 / 3 ** 0.5   # drawn from U(±1/√in_features)
    out.sum().backward()
    before = weight.detach().clone()
    opt.step()
    np.testing.assert_allclose((before - weight.detach()).numpy(), np.full((4, 3), 0.5), rtol=1e-6)


def test_inference_mode_records_nothing_like_no_grad():
    x = agv.ones(2, requires_grad=True)
    with agv.inference_mode():
        assert agv.is_inference_mode_enabled() and not agv.is_grad_enabled()
        y = x * 2
    assert not y.requires_grad and not agv.is_inference_mode_enabled() and agv.is_grad_enabled()

    @agv.inference_mode()
    def evaluate():
        return (x * 2).requires_grad

    @agv.inference_mode
    def evaluate_bare():
        return (x * 2).requires_grad

    assert evaluate() is False and evaluate_bare() is False


@pytest.mark.parametrize("outer", ["no_grad", "enable_grad"])
def test_inference_mode_false_matches_pytorch(outer):
    def run(lib):
        x = lib.ones(2, requires_grad=True)
        with getattr(lib, outer)(), lib.inference_mode(False):
            return (x * 2).requires_grad, lib.is_grad_enabled(), lib.is_inference_mode_enabled()
    assert run(agv) == run(torch)


def test_one_hot_feeds_a_manual_cross_entropy_gradient():
    logits = agv.tensor([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]], requires_grad=True)
    target = agv.tensor([1, 2])
    F.cross_entropy(logits, target).backward()
    manual = (F.softmax(logits.detach(), 1) - F.one_hot(target, 3)) / 2
    np.testing.assert_allclose(logits.grad.numpy(), manual.numpy(), rtol=1e-6)
