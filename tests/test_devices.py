"""Devices: course code's ``"cuda" if torch.cuda.is_available() else "cpu"`` takes the CPU branch,
``torch.device`` builds and prints as in a CPU-only PyTorch, and asking for a GPU fails with
PyTorch's own error. Each expression runs under autogradviz and, when it is installed, PyTorch."""
from __future__ import annotations

import pickle

import pytest
from parity_support import outcome
from torch_support import need_torch

import autogradviz as agv

# Expressions over `lib` (the module) and `x` (a float tensor that requires grad).
EXPRESSIONS = [
    "lib.cuda.is_available()",
    "lib.cuda.device_count()",
    "lib.cuda.is_initialized()",
    "lib.cuda.is_bf16_supported()",
    "lib.cuda.manual_seed(0)",
    "lib.cuda.manual_seed_all(0)",
    "lib.cuda.empty_cache()",
    "lib.cuda.memory_allocated()",
    "lib.cuda.current_device()",
    "lib.cuda.get_device_name(0)",
    "lib.cuda.synchronize()",
    "lib.backends.mps.is_available()",
    "lib.backends.mps.is_built()",
    "lib.backends.cuda.is_built()",
    "lib.backends.cudnn.is_available()",
    "lib.accelerator.is_available()",
    "lib.accelerator.current_accelerator()",
    "'cuda' if lib.cuda.is_available() else 'cpu'",
    "repr(lib.device('cuda'))",
    "repr(lib.device('cuda:0'))",
    "repr(lib.device('cuda', 1))",
    "repr(lib.device('cpu'))",
    "repr(lib.device('cpu:0'))",
    "repr(lib.device('mps'))",
    "str(lib.device('cuda:0'))",
    "str(lib.device('cuda'))",
    "str(lib.device('cpu'))",
    "(lib.device('cuda:1').type, lib.device('cuda:1').index)",
    "(lib.device('cpu').type, lib.device('cpu').index)",
    "lib.device('cpu') == lib.device('cpu')",
    "lib.device('cpu') == 'cpu'",
    "lib.device('cuda') == lib.device('cuda:0')",
    "lib.device('cuda:0') == lib.device('cuda', 0)",
    "str(lib.device(lib.device('cuda:1')))",
    "lib.device('gpu')",
    "lib.device('CPU')",
    "lib.device('cuda:x')",
    "lib.device('cuda:0', 1)",
    "lib.device('cuda', -1)",
    "lib.device(0)",
    "str(x.device)",
    "repr(x.device)",
    "x.device == lib.device('cpu')",
    "(x.is_cuda, x.is_cpu, x.get_device())",
    "x.to('cpu') is x",
    "x.to(lib.device('cpu')) is x",
    "x.to(device='cpu') is x",
    "x.cpu() is x",
    "x.to('cpu', lib.float64).dtype",
    "x.to('cuda')",
    "x.to('cuda:0')",
    "x.to(lib.device('cuda'))",
    "x.to(device='cuda', dtype=lib.float64)",
    "x.cuda()",
    "x.to('mps')",
    "repr(lib.zeros(2, device='cpu'))",
    "repr(lib.ones(2, device=lib.device('cpu')))",
    "repr(lib.tensor([1.0, 2.0], device='cpu'))",
    "repr(lib.arange(3, device='cpu'))",
    "repr(lib.linspace(0, 1, 3, device='cpu'))",
    "repr(lib.eye(2, device='cpu'))",
    "repr(lib.full((2,), 7.0, device='cpu'))",
    "repr(lib.zeros_like(x, device='cpu'))",
    "lib.zeros(2, device='cuda')",
    "lib.tensor([1.0], device='cuda:0')",
    "lib.ones(2, device=lib.device('cuda'))",
    "lib.arange(3, device='cuda')",
    "lib.eye(2, device='cuda')",
    "lib.ones_like(x, device='cuda')",
    "lib.get_default_device()",
]


def evaluate(lib, expression: str) -> str:
    return outcome(lib, expression, x=lib.ones(2, requires_grad=True))


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_same_outcome_as_pytorch(expression):
    theirs = evaluate(need_torch(module_level=False), expression)
    assert evaluate(agv, expression) == theirs


def test_tutorial_device_line_picks_the_cpu():
    device = "cuda" if agv.cuda.is_available() else "mps" if agv.backends.mps.is_available() else "cpu"
    assert device == "cpu" and agv.cuda.device_count() == 0
    x = agv.linspace(-1, 1, 5, device=device, dtype=agv.float32)
    assert x.device == agv.device("cpu") and x.to(device) is x


@pytest.mark.parametrize("move", [lambda x: x.to("cuda"), lambda x: x.cuda(), lambda x: x.to(agv.device("cuda", 0)),
                                  lambda x: agv.zeros(1, device="cuda")])
def test_moving_to_cuda_raises_pytorchs_error(move):
    with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
        move(agv.ones(2))


def test_moving_to_mps_raises_pytorchs_error():
    with pytest.raises(RuntimeError, match="not linked with support for mps"):
        agv.ones(2).to("mps")


def test_modules_move_to_the_cpu_and_refuse_cuda():
    layer = agv.nn.Linear(2, 1)
    assert layer.to("cpu") is layer and layer.cpu() is layer and layer.to(agv.device("cpu")) is layer
    with pytest.raises(AssertionError, match="CUDA"):
        layer.to("cuda")
    with pytest.raises(AssertionError, match="CUDA"):
        layer.cuda()


def test_default_device_is_the_cpu_and_cannot_be_a_gpu():
    agv.set_default_device("cpu")
    agv.set_default_device(None)
    assert agv.get_default_device() == agv.device("cpu")
    with pytest.raises(AssertionError, match="CUDA"):
        agv.set_default_device("cuda")
    assert agv.zeros(1).device == agv.device("cpu")


def test_devices_are_hashable_immutable_and_pickle():
    d = agv.device("cuda:1")
    assert {d: 1}[agv.device("cuda", 1)] == 1
    assert pickle.loads(pickle.dumps(d)) == d
    with pytest.raises(AttributeError, match="not writable"):
        d.type = "cpu"


def test_cudnn_flags_can_be_set():
    agv.backends.cudnn.benchmark = True
    try:
        assert agv.backends.cudnn.benchmark is True and agv.backends.cudnn.is_available() is False
    finally:
        agv.backends.cudnn.benchmark = False
