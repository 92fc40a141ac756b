"""Course code that uses nn, optim and utils.data runs with ``import autogradviz as torch``:
PyTorch's "Learn the Basics" autograd and optimization tutorials, D2L's concise linear
regression, and a small classifier whose accuracy matches PyTorch's on the same data."""
from __future__ import annotations

import contextlib
import functools
import io
import itertools
import re

import numpy as np
import pytest
from torch_support import need_torch, without_addresses

import autogradviz

# ---------------------------------------------------------------------------------------------
# The tutorials' code, as written for PyTorch ("import torch" is swapped for autogradviz below)
# ---------------------------------------------------------------------------------------------
AUTOGRAD_TUTORIAL = '''
import torch

x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w)+b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")

loss.backward()
print(w.grad)
print(b.grad)

z = torch.matmul(x, w)+b
print(z.requires_grad)

with torch.no_grad():
    z = torch.matmul(x, w)+b
print(z.requires_grad)

z = torch.matmul(x, w)+b
z_det = z.detach()
print(z_det.requires_grad)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp+1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\\nSecond call\\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\\nCall after zeroing gradients\\n{inp.grad}")
'''

# The optimization tutorial with FashionMNIST swapped for a small synthetic dataset of 28x28
# one-channel images (class templates plus noise), served by a Dataset as torchvision would.
OPTIMIZATION_TUTORIAL = '''
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class SyntheticImages(Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        templates = torch.rand(10, 1, 28, 28, generator=torch.Generator().manual_seed(0))
        self.labels = torch.randint(0, 10, (n,), generator=g)
        self.images = templates[self.labels] + 0.5 * torch.randn(n, 1, 28, 28, generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return self.images[idx], int(self.labels[idx])


training_data = SyntheticImages(640, seed=1)
test_data = SyntheticImages(256, seed=2)

train_dataloader = DataLoader(training_data, batch_size=64)
test_dataloader = DataLoader(test_data, batch_size=64)


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28*28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork()

learning_rate = 1e-2
batch_size = 64
epochs = 5

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)


def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    # Set the model to training mode - important for batch normalization and dropout layers
    # Unnecessary in this situation but added for best practices
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        # Compute prediction and loss
        pred = model(X)
        loss = loss_fn(pred, y)

        # Backpropagation
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        if batch % 5 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    # Set the model to evaluation mode - important for batch normalization and dropout layers
    # Unnecessary in this situation but added for best practices
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0

    # Evaluating the model with torch.no_grad() ensures that no gradients are computed during test mode
    # also serves to reduce unnecessary gradient computations and memory usage for tensors with requires_grad=True
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()

    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \\n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \\n")


print(model)
for t in range(epochs):
    print(f"Epoch {t+1}\\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loop(test_dataloader, model, loss_fn)
print("Done!")
'''

# D2L 3.5, "Concise Implementation of Linear Regression" (PyTorch tab), with d2l.synthetic_data
# written out as the book defines it in 3.3.
D2L_LINEAR_REGRESSION = '''
import numpy as np
import torch
from torch.utils import data


def synthetic_data(w, b, num_examples):
    """Generate y = Xw + b + noise."""
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))


true_w = torch.tensor([2, -3.4])
true_b = 4.2
features, labels = synthetic_data(true_w, true_b, 1000)


def load_array(data_arrays, batch_size, is_train=True):
    """Construct a PyTorch data iterator."""
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train)


batch_size = 10
data_iter = load_array((features, labels), batch_size)
print(next(iter(data_iter)))

from torch import nn

net = nn.Sequential(nn.Linear(2, 1))
net[0].weight.data.normal_(0, 0.01)
net[0].bias.data.fill_(0)
loss = nn.MSELoss()
trainer = torch.optim.SGD(net.parameters(), lr=0.03)

num_epochs = 3
for epoch in range(num_epochs):
    for X, y in data_iter:
        l = loss(net(X) ,y)
        trainer.zero_grad()
        l.backward()
        trainer.step()
    l = loss(net(features), labels)
    print(f'epoch {epoch + 1}, loss {l:f}')

w = net[0].weight.data
print('error in estimating w:', true_w - w.reshape(true_w.shape))
b = net[0].bias.data
print('error in estimating b:', true_b - b)
'''


def run(code: str, seed: int = 0) -> tuple[dict, str]:
    """Run course code with ``import torch`` meaning autogradviz; return its globals and output."""
    code = code.replace("import torch\n", "import autogradviz as torch\n")
    code = code.replace("from torch ", "from autogradviz ").replace("from torch.", "from autogradviz.")
    autogradviz.manual_seed(seed)
    scope: dict = {"__name__": "__tutorial__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<tutorial>", "exec"), scope)
    return scope, out.getvalue()


# ---------------------------------------------------------------------------------------------
def test_autograd_tutorial_prints_pytorchs_grad_fns_and_gradients():
    scope, out = run(AUTOGRAD_TUTORIAL)
    assert re.search(r"^Gradient function for z = <AddBackward0 object at 0x[0-9a-f]+>$", out, re.MULTILINE)
    assert re.search(r"^Gradient function for loss = <BinaryCrossEntropyWithLogitsBackward0 object at 0x[0-9a-f]+>$",
                     out, re.MULTILINE)
    w, b, x = scope["w"], scope["b"], scope["x"]
    z = x.numpy() @ w.detach().numpy() + b.detach().numpy()
    dz = 1 / (1 + np.exp(-z)) / 3          # d mean(bce(z, 0)) / dz = sigmoid(z) / 3
    np.testing.assert_allclose(b.grad.numpy(), dz, rtol=1e-5)
    np.testing.assert_allclose(w.grad.numpy(), np.outer(np.ones(5), dz), rtol=1e-5)
    assert "True\nFalse\nFalse\n" in out
    assert ("First call\ntensor([[4., 2., 2., 2., 2.],\n        [2., 4., 2., 2., 2.],\n"
            "        [2., 2., 4., 2., 2.],\n        [2., 2., 2., 4., 2.]])") in out
    assert "Second call\ntensor([[8., 4., 4., 4., 4.]," in out
    assert "Call after zeroing gradients\ntensor([[4., 2., 2., 2., 2.]," in out


@functools.cache
def optimization_tutorial_output() -> str:
    """The optimization tutorial's output under autogradviz (a few seconds; two tests read it)."""
    return run(OPTIMIZATION_TUTORIAL)[1]


def test_optimization_tutorial_training_loop_lowers_the_loss():
    out = optimization_tutorial_output()
    test_losses = [float(v) for v in re.findall(r"Avg loss: ([0-9.]+)", out)]
    accuracies = [float(v) for v in re.findall(r"Accuracy: ([0-9.]+)%", out)]
    train_losses = [float(v) for v in re.findall(r"^loss: +([0-9.]+)", out, re.MULTILINE)]
    assert len(test_losses) == 5 and out.rstrip().endswith("Done!")
    assert test_losses[-1] < 0.9 * test_losses[0]
    assert all(b <= a + 1e-6 for a, b in itertools.pairwise(test_losses))
    assert train_losses[-1] < train_losses[0]
    assert accuracies[-1] > 80.0
    assert out.startswith("NeuralNetwork(\n  (flatten): Flatten(start_dim=1, end_dim=-1)\n"
                          "  (linear_relu_stack): Sequential(\n    (0): Linear(in_features=784, out_features=512, bias=True)")
    assert re.search(r"^loss: \d\.\d{6}  \[   64/  640\]$", out, re.MULTILINE)


def test_d2l_concise_linear_regression_recovers_w_and_b():
    scope, out = run(D2L_LINEAR_REGRESSION)
    net = scope["net"]
    np.testing.assert_allclose(net[0].weight.detach().numpy(), [[2.0, -3.4]], atol=0.01)
    np.testing.assert_allclose(net[0].bias.detach().numpy(), [4.2], atol=0.01)
    losses = [float(v) for v in re.findall(r"epoch \d, loss ([0-9.]+)", out)]
    assert len(losses) == 3 and losses[-1] < 1e-3
    assert "error in estimating w: tensor([" in out and "error in estimating b: tensor([" in out
    first_batch = out.split("\n")[0]
    assert first_batch.startswith("[tensor([[")


# ---------------------------------------------------------------------------------------------
# The same printed lines as PyTorch under the same seed
# ---------------------------------------------------------------------------------------------
def run_pytorch(code: str, seed: int = 0) -> str:
    """Run the same course code on real PyTorch; return what it prints."""
    torch = need_torch(module_level=False)
    torch.manual_seed(seed)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<tutorial>", "exec"), {"__name__": "__tutorial__"})
    return out.getvalue()


@pytest.mark.parametrize("code", [AUTOGRAD_TUTORIAL, D2L_LINEAR_REGRESSION], ids=["learn-the-basics-autograd", "d2l-3.5"])
def test_tutorial_prints_pytorchs_lines_exactly(code):
    """Random weights, gradients, the first shuffled batch, losses: every line as PyTorch prints it
    (object addresses aside)."""
    expected = without_addresses(run_pytorch(code))
    assert without_addresses(run(code)[1]).splitlines() == expected.splitlines()


_NUMBER = re.compile(r"-?\d+\.\d+")


def test_optimization_tutorial_prints_pytorchs_lines_to_float32_rounding():
    """The same weights, batches and steps as PyTorch. Its float32 matrix products sum in another
    order (MKL's blocking against NumPy's BLAS), so the printed losses may differ in the last of
    their seven digits; everything else is equal."""
    expected = run_pytorch(OPTIMIZATION_TUTORIAL).splitlines()
    got = optimization_tutorial_output().splitlines()
    assert [_NUMBER.sub("N", line) for line in got] == [_NUMBER.sub("N", line) for line in expected]
    for ours, theirs in zip(got, expected):
        values = [float(v) for v in _NUMBER.findall(ours)], [float(v) for v in _NUMBER.findall(theirs)]
        np.testing.assert_allclose(*values, rtol=2e-6, atol=1e-6, err_msg=f"{ours!r} vs {theirs!r}")


# ---------------------------------------------------------------------------------------------
# A classifier on synthetic blobs: the same accuracy as PyTorch
# ---------------------------------------------------------------------------------------------
# Measured once with PyTorch 2.13 (same data, initial weights and batch order): 0.96 test
# accuracy. Used when PyTorch is not installed.
TORCH_BLOBS_ACCURACY = 0.96


def _blobs(seed: int, n: int):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    y = rng.integers(0, 3, n)
    x = centers[y] + rng.normal(scale=0.9, size=(n, 2))
    return x.astype(np.float32), y.astype(np.int64)


def _train_blobs(lib, init: list[np.ndarray], steps_per_epoch_order: list[np.ndarray]) -> float:
    """Train an MLP 2-16-3 with SGD on fixed minibatches; return test accuracy. ``lib`` is
    autogradviz or real torch: the code is the same for both."""
    x_train, y_train = _blobs(0, 300)
    x_test, y_test = _blobs(1, 300)
    model = lib.nn.Sequential(lib.nn.Linear(2, 16), lib.nn.ReLU(), lib.nn.Linear(16, 3))
    with lib.no_grad():
        for p, value in zip(model.parameters(), init):
            p.copy_(lib.tensor(value))
    loss_fn = lib.nn.CrossEntropyLoss()
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    X, Y = lib.tensor(x_train), lib.tensor(y_train)
    for order in steps_per_epoch_order:
        for start in range(0, len(order), 30):
            idx = lib.tensor(order[start:start + 30])
            opt.zero_grad()
            loss_fn(model(X[idx]), Y[idx]).backward()
            opt.step()
    with lib.no_grad():
        pred = model(lib.tensor(x_test)).argmax(1)
    return float((pred == lib.tensor(y_test)).float().mean().item())


def _blobs_setup():
    rng = np.random.default_rng(5)
    init = [rng.uniform(-0.7, 0.7, (16, 2)), rng.uniform(-0.7, 0.7, 16),
            rng.uniform(-0.25, 0.25, (3, 16)), rng.uniform(-0.25, 0.25, 3)]
    init = [a.astype(np.float32) for a in init]
    orders = [rng.permutation(300) for _ in range(20)]
    return init, orders


def test_blobs_classifier_reaches_pytorchs_accuracy():
    init, orders = _blobs_setup()
    ours = _train_blobs(autogradviz, init, orders)
    try:
        import torch as real_torch
    except ImportError:
        reference = TORCH_BLOBS_ACCURACY
    else:
        reference = _train_blobs(real_torch, init, orders)
        assert reference == pytest.approx(TORCH_BLOBS_ACCURACY, abs=0.005)   # the note above is current
    assert ours >= reference - 0.01
    assert ours > 0.9
