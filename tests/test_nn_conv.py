"""conv2d, max_pool2d, avg_pool2d and pad (functional and as layers) side by side with PyTorch:
values, grad_fn names and gradients over strides, paddings, dilations, groups and ceil_mode; LeNet
at D2L chapter 7's sizes; reprs and the errors of a student's bad inputs."""
from __future__ import annotations

import numpy as np
import pytest
from parity_support import outcome
from torch_support import need_torch

import autogradviz as agv

torch = need_torch()

# id -> (call on (F, *tensors), input shapes)
CALLS = {
    "conv": (lambda F, x, w, b: F.conv2d(x, w, b), [(2, 3, 7, 6), (4, 3, 3, 2), (4,)]),
    "conv_stride_padding_dilation": (lambda F, x, w: F.conv2d(x, w, None, 2, (1, 2), (2, 1)), [(2, 3, 9, 8), (4, 3, 3, 3)]),
    "conv_groups": (lambda F, x, w: F.conv2d(x, w, groups=2, padding=1), [(1, 4, 5, 5), (6, 2, 3, 3)]),
    "conv_same": (lambda F, x, w: F.conv2d(x, w, padding="same"), [(1, 2, 5, 5), (3, 2, 3, 3)]),
    "conv_valid": (lambda F, x, w: F.conv2d(x, w, padding="valid", stride=(1, 2)), [(1, 2, 5, 5), (3, 2, 3, 3)]),
    "conv_unbatched": (lambda F, x, w: F.conv2d(x, w), [(2, 5, 5), (3, 2, 3, 3)]),
    "max_pool": (lambda F, x: F.max_pool2d(x, 2), [(2, 3, 6, 7)]),
    "max_pool_stride_padding": (lambda F, x: F.max_pool2d(x, 3, 2, 1), [(2, 3, 7, 8)]),
    "max_pool_dilation": (lambda F, x: F.max_pool2d(x, 2, 1, 0, 2), [(1, 2, 6, 6)]),
    "max_pool_ceil": (lambda F, x: F.max_pool2d(x, 2, ceil_mode=True), [(1, 2, 5, 7)]),
    "max_pool_unbatched": (lambda F, x: F.max_pool2d(x, (2, 3)), [(2, 4, 6)]),
    "avg_pool": (lambda F, x: F.avg_pool2d(x, 2), [(2, 3, 6, 7)]),
    "avg_pool_padding": (lambda F, x: F.avg_pool2d(x, 3, 2, 1), [(2, 3, 7, 8)]),
    "avg_pool_padding_not_counted": (lambda F, x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [(2, 3, 7, 8)]),
    "avg_pool_ceil": (lambda F, x: F.avg_pool2d(x, 2, ceil_mode=True), [(1, 2, 5, 7)]),
    "avg_pool_ceil_padding": (lambda F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True), [(1, 2, 6, 6)]),
    "avg_pool_divisor": (lambda F, x: F.avg_pool2d(x, 2, divisor_override=3), [(1, 2, 4, 4)]),
    "pad": (lambda F, x: F.pad(x, (1, 2, 0, 1)), [(2, 3, 4)]),
    "pad_crop_value": (lambda F, x: F.pad(x, (-1, 2), value=3.0), [(2, 3, 4)]),
}


def _run(lib, name, dtype_name):
    call, shapes = CALLS[name]
    rng = np.random.default_rng(0)
    dtype = getattr(lib, dtype_name)
    xs = [lib.tensor(rng.standard_normal(s), dtype=dtype, requires_grad=True) for s in shapes]
    y = call(lib.nn.functional, *xs)
    v = lib.tensor(np.random.default_rng(1).standard_normal(tuple(y.shape)), dtype=dtype)
    grads = lib.autograd.grad(y, xs, v)
    return type(y.grad_fn).__name__, str(y.dtype), y.detach().numpy(), [g.numpy() for g in grads]


@pytest.mark.parametrize("dtype_name", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_values_names_and_gradients_equal_pytorchs(name, dtype_name):
    ours, theirs = _run(agv, name, dtype_name), _run(torch, name, dtype_name)
    assert ours[:2] == theirs[:2]
    rtol = 1e-10 if dtype_name == "float64" else 1e-5
    np.testing.assert_allclose(ours[2], theirs[2], rtol=rtol, atol=rtol)
    for mine, want in zip(ours[3], theirs[3]):
        np.testing.assert_allclose(mine, want, rtol=rtol, atol=rtol)


def test_max_pool_indices_equal_pytorchs():
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 6)).astype(np.float32)
    _, ours = agv.nn.functional.max_pool2d(agv.tensor(x), 3, 2, 1, return_indices=True)
    _, theirs = torch.nn.functional.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    assert ours.dtype == agv.int64 and ours.tolist() == theirs.tolist()


def lenet(nn):
    """D2L chapter 7's LeNet (sigmoid activations, average pooling) for 28×28 images."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))


def test_lenet_on_a_batch_of_256_images_equals_pytorch():
    theirs = lenet(torch.nn)
    ours = lenet(agv.nn)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        p.data = agv.tensor(q.detach().numpy().copy())
    rng = np.random.default_rng(3)
    images = rng.random((256, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, 256)
    losses, grads = [], []
    for lib, net in ((agv, ours), (torch, theirs)):
        loss = lib.nn.functional.cross_entropy(net(lib.tensor(images)), lib.tensor(labels))
        loss.backward()
        losses.append(loss.item())
        grads.append([p.grad.numpy() for p in net.parameters()])
    assert abs(losses[0] - losses[1]) < 1e-5
    for mine, want in zip(*grads):
        np.testing.assert_allclose(mine, want, rtol=1e-3, atol=1e-6)
    assert type(ours[0](agv.zeros(1, 1, 28, 28)).grad_fn).__name__ == "ConvolutionBackward0"


@pytest.mark.parametrize("name", ["conv", "avg_pool"])
def test_second_derivatives_of_conv_and_avg_pool_are_refused_clearly(name):
    call, shapes = CALLS[name]
    xs = [agv.randn(*s, requires_grad=True) for s in shapes]
    y = call(agv.nn.functional, *xs)
    with pytest.raises(NotImplementedError, match="second derivatives are not supported"):
        agv.autograd.grad(y.sum(), xs[0], create_graph=True)


PROGRAMS = [
    "[repr(m) for m in (nn.Conv2d(1, 6, 5), nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), "
    "nn.Conv2d(1, 1, (3, 5), padding='same'), nn.Conv2d(4, 4, 3, dilation=2, groups=2), nn.MaxPool2d(2), "
    "nn.MaxPool2d(3, 2, 1), nn.AvgPool2d(2), nn.AvgPool2d(kernel_size=2, stride=2))]",
    "[tuple(p.shape) for p in nn.Conv2d(4, 6, (3, 2), groups=2).parameters()]",
    "F.conv2d(lib.ones(2, 3, 28, 28), lib.ones(6, 1, 5, 5))",
    "F.conv2d(lib.ones(2, 1, 3, 3), lib.ones(6, 1, 5, 5))",
    "F.conv2d(lib.ones(1, 1, 3, 3), lib.ones(2, 1, 2, 2), padding='same', stride=2)",
    "F.conv2d(lib.ones(3, 3), lib.ones(2, 1, 2, 2))",
    "F.conv2d(lib.ones(1, 1, 3, 3), lib.ones(2, 1, 2, 2), bias=lib.ones(3))",
    "F.conv2d(lib.ones(1, 1, 3, 3), lib.ones(2, 1, 2, 2), padding='full')",
    "F.max_pool2d(lib.ones(1, 1, 4, 4), 3, padding=2)",
    "F.max_pool2d(lib.ones(1, 1, 1, 1), 2)",
    "F.max_pool2d(lib.ones(4, 4), 2)",
    "F.avg_pool2d(lib.ones(1, 1, 1, 1), 2)",
    "F.pad(lib.ones(2, 3), (1, 2, 3))",
    "F.pad(lib.ones(2, 3), (1, 1, 1, 1, 1, 1))",
    "nn.Conv2d(3, 4, 3, groups=2)",
    "F.max_pool2d(lib.tensor([[[[1.0, 5.0], [3.0, 2.0]]]]), 2)",
    "F.avg_pool2d(lib.tensor([[[[1.0, 5.0], [3.0, 2.0]]]]), 2)",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_reprs_and_errors_equal_pytorchs(program):
    def run(lib):
        return outcome(lib, program, nn=lib.nn, F=lib.nn.functional)
    assert run(agv) == run(torch)
