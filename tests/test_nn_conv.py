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
    "adaptive_avg_pool": (lambda F, x: F.adaptive_avg_pool2d(x, (1, 1)), [(2, 3, 6, 7)]),
    "adaptive_avg_pool_divides": (lambda F, x: F.adaptive_avg_pool2d(x, (3, 2)), [(2, 3, 6, 8)]),
    "adaptive_avg_pool_overlapping_bins": (lambda F, x: F.adaptive_avg_pool2d(x, (4, 3)), [(1, 2, 7, 5)]),
    "adaptive_avg_pool_none_unbatched": (lambda F, x: F.adaptive_avg_pool2d(x, (None, 2)), [(2, 5, 7)]),
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


def _second(lib, name):
    """Second derivatives through the call: d/dx of <u, d<v, y>/dx>, with y squared so that the
    first gradient depends on the inputs in every case (pooling and padding are linear)."""
    call, shapes = CALLS[name]
    rng = np.random.default_rng(0)
    xs = [lib.tensor(rng.standard_normal(s), dtype=lib.float64, requires_grad=True) for s in shapes]
    y = call(lib.nn.functional, *xs)
    v = lib.tensor(np.random.default_rng(1).standard_normal(tuple(y.shape)))
    firsts = lib.autograd.grad((y * y * v).sum(), xs, create_graph=True)
    us = [lib.tensor(np.random.default_rng(2 + k).standard_normal(tuple(x.shape))) for k, x in enumerate(xs)]
    seconds = lib.autograd.grad(sum((g * u).sum() for g, u in zip(firsts, us)), xs)
    return [type(g.grad_fn).__name__ for g in firsts], [g.numpy() for g in seconds]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_second_derivatives_equal_pytorchs(name):
    (_, ours), (_, theirs) = _second(agv, name), _second(torch, name)
    for mine, want in zip(ours, theirs):
        np.testing.assert_allclose(mine, want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", ["conv", "conv_stride_padding_dilation", "conv_groups", "conv_unbatched", "avg_pool",
                                  "adaptive_avg_pool_overlapping_bins",
                                  "avg_pool_ceil_padding", "avg_pool_padding_not_counted", "max_pool"])
def test_gradients_taken_with_create_graph_are_differentiable_again(name):
    """gradgradcheck (finite differences of the recorded gradient), and PyTorch's node for the
    gradient of a convolution or an average pooling."""
    call, shapes = CALLS[name]
    rng = np.random.default_rng(0)
    xs = [agv.tensor(rng.standard_normal(s), dtype=agv.float64, requires_grad=True) for s in shapes]
    assert agv.autograd.gradgradcheck(lambda *t: call(agv.nn.functional, *t), tuple(xs))
    (our_names, _), (their_names, _) = _second(agv, name), _second(torch, name)
    if not name.startswith("max_pool") and name != "conv_unbatched":   # max pooling's gradient: an index_put
        assert our_names[:2] == their_names[:2]   # (the bias's gradient is a sum here)


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
    "[repr(m) for m in (nn.AdaptiveAvgPool2d((1, 1)), nn.AdaptiveAvgPool2d(2), nn.AdaptiveAvgPool2d((None, 3)))]",
    "F.adaptive_avg_pool2d(lib.ones(5, 7), 2)", "F.adaptive_avg_pool2d(lib.ones(1, 1, 5, 7), (2, 2, 2))",
    "F.adaptive_avg_pool2d(lib.arange(12.).reshape(1, 3, 4), (2, 3))",
    "[repr(m) for m in (nn.LazyConv2d(6, 5), nn.LazyConv2d(8, 3, stride=2, padding=1, bias=False))]",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_reprs_and_errors_equal_pytorchs(program):
    def run(lib):
        return outcome(lib, program, nn=lib.nn, F=lib.nn.functional)
    assert run(agv) == run(torch)


def test_unfold_second_derivatives_equal_pytorchs():
    results = []
    for lib in (agv, torch):
        x = lib.tensor(np.random.default_rng(0).standard_normal((3, 7)), requires_grad=True)
        windows = x.unfold(1, 3, 2)
        (g,) = lib.autograd.grad((windows ** 3).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad((g * lib.tensor(np.arange(21.0).reshape(3, 7))).sum(), x)
        results.append((type(g.grad_fn).__name__, g.detach().numpy(), h.numpy()))
    (our_name, our_g, our_h), (their_name, their_g, their_h) = results
    assert our_name == their_name == "UnfoldBackwardBackward0"
    np.testing.assert_allclose(our_g, their_g, rtol=1e-13)
    np.testing.assert_allclose(our_h, their_h, rtol=1e-13)


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, float("inf")])
def test_cdist_gradients_equal_pytorchs_and_differentiate_again(p):
    """PyTorch has no second derivative of cdist (its _cdist_backward is not differentiable):
    here the gradient is written with recorded ops, and gradgradcheck checks it."""
    rng = np.random.default_rng(0)
    a0, b0 = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))
    b0[0, 0] = a0[0, 1]   # a zero distance: no gradient there, as in PyTorch
    grads = []
    for lib in (agv, torch):
        a, b = lib.tensor(a0, requires_grad=True), lib.tensor(b0, requires_grad=True)
        (lib.cdist(a, b, p=p) * lib.tensor(np.arange(30.0).reshape(2, 3, 5))).sum().backward()
        grads.append((a.grad.numpy(), b.grad.numpy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    if p not in (0.0, 1.0, float("inf")):   # elsewhere the gradient is piecewise constant
        a, b = (agv.tensor(rng.standard_normal(shape), requires_grad=True) for shape in ((1, 2, 3), (1, 3, 3)))
        assert agv.autograd.gradgradcheck(lambda s, t: agv.cdist(s, t, p=p), (a, b))


def d2l_residual(lib, use_1x1conv):
    """D2L's ResNet block (chapter 8.6), written with lazy layers as the book writes it."""
    nn, F = lib.nn, lib.nn.functional

    class Residual(nn.Module):
        def __init__(self, num_channels, use_1x1conv=False, strides=1):
            super().__init__()
            self.conv1 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1, stride=strides)
            self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
            self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1, stride=strides) if use_1x1conv else None
            self.bn1 = nn.LazyBatchNorm2d()
            self.bn2 = nn.LazyBatchNorm2d()

        def forward(self, X):
            Y = F.relu(self.bn1(self.conv1(X)))
            Y = self.bn2(self.conv2(Y))
            if self.conv3:
                X = self.conv3(X)
            Y += X
            return F.relu(Y)

    return nn.Sequential(Residual(6, use_1x1conv, strides=2 if use_1x1conv else 1), nn.AdaptiveAvgPool2d((1, 1)),
                         nn.Flatten(), nn.LazyLinear(10), nn.LazyBatchNorm1d())


@pytest.mark.parametrize("use_1x1conv", [False, True])
def test_d2l_resnet_block_with_lazy_layers_equals_pytorch(use_1x1conv):
    """Same seed, same draws: the lazy layers draw at their first input in PyTorch's order, become
    Conv2d/BatchNorm2d/Linear/BatchNorm1d, and an optimizer made before that first call trains them."""
    x = np.random.default_rng(4).standard_normal((4, 6, 8, 8)).astype(np.float32)
    results = []
    for lib in (agv, torch):
        lib.manual_seed(0)
        net = d2l_residual(lib, use_1x1conv)
        opt = lib.optim.SGD(net.parameters(), lr=0.1)
        for _ in range(2):
            loss = net(lib.tensor(x)).square().mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        results.append(([type(m).__name__ for m in net.modules()], loss.item(),
                        [p.detach().numpy().copy() for p in net.parameters()], lib.rand(1).item()))
    (names, loss, params, after), (their_names, their_loss, their_params, their_after) = results
    assert names == their_names and "LazyConv2d" not in names and "BatchNorm2d" in names
    assert after == their_after   # the layers took PyTorch's draws, no more, no fewer
    assert abs(loss - their_loss) <= 1e-5 * abs(their_loss)
    for mine, want in zip(params, their_params, strict=True):
        np.testing.assert_allclose(mine, want, rtol=1e-4, atol=1e-5)
