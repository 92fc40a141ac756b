"""nn.Embedding, LayerNorm, BatchNorm1d/2d (and their functional forms) side by side with PyTorch:
outputs, grad_fn names, gradients of every input and parameter, running statistics over several
training steps, eval mode, reprs and the errors of a student's bad inputs."""
from __future__ import annotations

import numpy as np
import pytest
from parity_support import outcome
from torch_support import need_torch

import autogradviz as agv

torch = need_torch()


def copy_parameters(ours, theirs) -> None:
    """Give the autogradviz module the PyTorch module's parameter values (their init draws differ)."""
    for p, q in zip(ours.parameters(), theirs.parameters()):
        p.data = agv.tensor(q.detach().numpy().copy())


def run_layer(make, inputs, steps=3, train=True):
    """Forward, backward of a weighted sum, for each input in turn; outputs, grads and buffers."""
    results, reference = {}, None
    for lib in (torch, agv):
        layer = make(lib).to(getattr(lib, str(inputs[0].dtype)))
        if lib is agv:
            copy_parameters(layer, reference)
        else:
            reference = layer
        layer.train(train)
        record = []
        for step in range(steps):
            x = lib.tensor(inputs[step], requires_grad=True)
            y = layer(x)
            weights = lib.tensor(np.random.default_rng(step).standard_normal(tuple(y.shape)), dtype=y.dtype)
            (y * weights).sum().backward()
            record.append([type(y.grad_fn).__name__, y.detach().numpy().copy(), x.grad.numpy().copy()]
                          + [p.grad.numpy().copy() for p in layer.parameters()]
                          + [b.numpy().copy() for b in layer.buffers()])
            layer.zero_grad()
        results[lib.__name__] = record
    return results["autogradviz"], results["torch"]


def assert_same(ours, theirs, rtol):
    for step_ours, step_theirs in zip(ours, theirs):
        assert step_ours[0] == step_theirs[0]
        for a, b in zip(step_ours[1:], step_theirs[1:]):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


RNG = np.random.default_rng(0)
LAYERS = {
    "LayerNorm": (lambda L: L.nn.LayerNorm(5), [RNG.standard_normal((4, 5)) for _ in range(3)]),
    "LayerNorm_2d_shape": (lambda L: L.nn.LayerNorm((3, 4), eps=1e-3), [RNG.standard_normal((2, 3, 4)) for _ in range(3)]),
    "LayerNorm_no_affine": (lambda L: L.nn.LayerNorm(4, elementwise_affine=False), [RNG.standard_normal((3, 4))] * 3),
    "BatchNorm1d": (lambda L: L.nn.BatchNorm1d(3), [RNG.standard_normal((6, 3)) * 2 + 1 for _ in range(3)]),
    "BatchNorm1d_3d": (lambda L: L.nn.BatchNorm1d(3, momentum=0.3), [RNG.standard_normal((4, 3, 5)) for _ in range(3)]),
    "BatchNorm1d_cumulative": (lambda L: L.nn.BatchNorm1d(2, momentum=None), [RNG.standard_normal((5, 2)) for _ in range(3)]),
    "BatchNorm2d": (lambda L: L.nn.BatchNorm2d(2), [RNG.standard_normal((3, 2, 4, 4)) for _ in range(3)]),
    "BatchNorm2d_no_affine": (lambda L: L.nn.BatchNorm2d(2, affine=False), [RNG.standard_normal((2, 2, 3, 3))] * 3),
    "BatchNorm1d_no_running": (lambda L: L.nn.BatchNorm1d(3, track_running_stats=False),
                               [RNG.standard_normal((4, 3)) for _ in range(3)]),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_trains_as_pytorchs(name, dtype):
    make, inputs = LAYERS[name]
    inputs = [x.astype(dtype) for x in inputs]
    ours, theirs = run_layer(make, inputs)
    assert_same(ours, theirs, rtol=1e-10 if dtype == "float64" else 2e-5)


@pytest.mark.parametrize("name", ["BatchNorm1d", "BatchNorm2d", "BatchNorm1d_no_running"])
def test_batch_norm_in_eval_mode_uses_the_running_statistics(name):
    make, inputs = LAYERS[name]

    def run(lib):
        layer = make(lib)
        for x in inputs:                      # train a little to move the running statistics
            layer(lib.tensor(x, dtype=lib.float32))
        layer.eval()
        x = lib.tensor(inputs[0] * 3, dtype=lib.float32, requires_grad=True)
        y = layer(x)
        y.sum().backward()
        return type(y.grad_fn).__name__, y.detach().numpy(), x.grad.numpy()
    ours, theirs = run(agv), run(torch)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("padding_idx", [None, 1, -1])
def test_embedding_looks_up_rows_and_adds_their_gradients(padding_idx):
    def run(lib):
        table = lib.nn.Embedding(5, 3, padding_idx=padding_idx)
        if lib is agv:
            table.weight.data = agv.tensor(reference)
        idx = lib.tensor([[0, 1, 4], [4, 4, 2]])
        y = table(idx)
        (y * lib.arange(18.0).reshape(2, 3, 3)).sum().backward()
        return type(y.grad_fn).__name__, y.detach().numpy(), table.weight.grad.numpy()
    torch.manual_seed(0)
    reference = torch.nn.Embedding(5, 3, padding_idx=padding_idx).weight.detach().numpy().copy()
    torch.manual_seed(0)
    theirs = run(torch)
    ours = run(agv)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6)


def test_embedding_is_drawn_from_a_standard_normal_with_a_zero_padding_row():
    table = agv.nn.Embedding(2000, 4, padding_idx=3)
    w = table.weight.detach().numpy()
    assert (w[3] == 0).all() and abs(w.mean()) < 0.05 and abs(w.std() - 1) < 0.05


PROGRAMS = [
    "[repr(m) for m in (nn.Embedding(10, 3), nn.Embedding(10, 3, padding_idx=0), nn.LayerNorm(4), "
    "nn.LayerNorm((2, 4), eps=1e-6, elementwise_affine=False), nn.LayerNorm(4, bias=False), nn.BatchNorm1d(4), "
    "nn.BatchNorm2d(3, affine=False), nn.BatchNorm1d(4, track_running_stats=False))]",
    "[n for n, _ in nn.BatchNorm1d(4).named_buffers()]",
    "[n for n, _ in nn.LayerNorm(4).named_parameters()]",
    "nn.BatchNorm1d(4).num_batches_tracked",
    "F.embedding(lib.tensor([1.0]), lib.ones(10, 3))",
    "F.embedding(lib.tensor([10]), lib.ones(10, 3))",
    "F.embedding(lib.tensor([-1]), lib.ones(10, 3))",
    "F.embedding(lib.tensor([1], dtype=lib.int32), lib.ones(4, 2))",
    "nn.BatchNorm1d(4)(lib.ones(1, 4))",
    "nn.BatchNorm1d(4)(lib.ones(2, 4, 3, 3))",
    "nn.BatchNorm2d(4)(lib.ones(2, 4))",
    "nn.BatchNorm1d(4)(lib.ones(3, 5))",
    "F.layer_norm(lib.ones(3, 5), (4,))",
    "nn.LayerNorm(4)(lib.ones(3, 5))",
    "F.batch_norm(lib.tensor([[1.0, 2.0], [3.0, 5.0]]), lib.zeros(2), lib.ones(2))",
    "F.layer_norm(lib.tensor([[1.0, 2.0, 4.0]]), (3,))",
    "nn.Embedding(3, 2, padding_idx=5)",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_reprs_and_errors_equal_pytorchs(program):
    def run(lib):
        return outcome(lib, program, nn=lib.nn, F=lib.nn.functional)
    assert run(agv) == run(torch)
