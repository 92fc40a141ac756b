"""Programs run once with ``import autogradviz as torch`` and once with real PyTorch, to compare
their pictures and their backward steps (tests/test_torch_trace.py, tests/test_torch_steps.py).

Each program leaves ``out`` (the tensor to draw and step) and, for a non-scalar ``out``,
``gradient``. Inputs are written out (no random draws), so both engines see the same numbers.
"""
from __future__ import annotations

from seeds.cells import F_CONTROL_FLOW_NORM  # D2L's f(a), the material's own text

# Weights set to fixed values in both engines (module initialisation draws random numbers).
_FIXED_WEIGHTS = '''
with torch.no_grad():
    for k, p in enumerate(net.parameters()):
        p.copy_(torch.linspace(-1.0 + 0.1 * k, 1.0, p.numel()).reshape(p.shape))
'''

PROGRAMS: dict[str, str] = {
    # D2L 2.5 (seeds 000-003)
    "d2l_dot": '''
x = torch.arange(4.0, requires_grad=True)
y = 2 * torch.dot(x, x)
out = y
''',
    "d2l_sum": '''
x = torch.arange(4.0, requires_grad=True)
out = x.sum()
''',
    "d2l_non_scalar": '''
x = torch.arange(4.0, requires_grad=True)
y = x * x
out = y
gradient = torch.ones(len(y))
''',
    "d2l_detach": '''
x = torch.arange(4.0, requires_grad=True)
y = x * x
u = y.detach()
z = u * x
out = z.sum()
''',
    "d2l_control_flow": F_CONTROL_FLOW_NORM + '''
a = torch.tensor(0.37, requires_grad=True)
d = f(a)
out = d
''',
    "d2l_control_flow_vector": F_CONTROL_FLOW_NORM + '''
a = torch.tensor([0.5, -1.25, 2.0], requires_grad=True)
d = f(a)
out = d
gradient = torch.tensor([1.0, 0.5, 0.25])
''',
    "d2l_retain_graph_twice": '''
x = torch.arange(4.0, requires_grad=True)
y = (x * x).sum()
y.backward(retain_graph=True)
out = 3 * y
''',
    # PyTorch's autograd tutorial (seed 004)
    "tutorial_y_z_out": '''
x = torch.ones(2, 2, requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()
''',
    "tutorial_requires_grad_": '''
a = torch.tensor([[1.5, 2.0], [3.0, 4.0]])
a = ((a * 3) / (a - 1))
a.requires_grad_(True)
b = (a * a).sum()
out = b
''',
    "tutorial_vjp": '''
x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = x * 2
while y.data.norm() < 1000:
    y = y * 2
out = y
gradient = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
''',
    "tutorial_no_grad": '''
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
with torch.no_grad():
    c = x * 2
out = (c * x).sum()
''',
    "tutorial_exp_function": '''
class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        result, = ctx.saved_tensors
        return grad_output * result

x = torch.tensor([0.0, 0.5, 1.0], requires_grad=True)
e = Exp.apply(x)
out = (e * x).sum()
''',
    # used twice, at several depths
    "used_twice": '''
x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
out = (x * x).sum()
''',
    "used_three_times": '''
x = torch.tensor([0.5, 1.5], requires_grad=True)
h = x.exp()
out = (h * h + h).sum()
''',
    "leaf_at_two_depths": '''
w = torch.tensor(1.5, requires_grad=True)
x = torch.tensor([1.0, 2.0, 3.0])
out = ((w * x + w) * w).sum()
''',
    # small networks
    "micrograd_neuron": '''
x1 = torch.tensor(2.0, requires_grad=True)
x2 = torch.tensor(0.0, requires_grad=True)
w1 = torch.tensor(-3.0, requires_grad=True)
w2 = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(6.8813735870195432, requires_grad=True)
n = x1 * w1 + x2 * w2 + b
o = torch.tanh(n)
out = o
''',
    "linear_regression": '''
X = torch.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5], [2.0, 1.0]])
y = torch.tensor([1.0, 0.0, 2.0, -1.0])
w = torch.tensor([0.3, -0.2], requires_grad=True)
b = torch.tensor(0.1, requires_grad=True)
y_hat = X @ w + b
loss = ((y_hat - y) ** 2).mean()
out = loss
''',
    "mlp_sequential": '''
net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
''' + _FIXED_WEIGHTS + '''
X = torch.linspace(-0.9, 1.3, 15).reshape(5, 3)
target = torch.linspace(0.0, 1.0, 10).reshape(5, 2)
loss = ((net(X) - target) ** 2).mean()
out = loss
''',
    "mlp_cross_entropy": '''
F = torch.nn.functional
net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
''' + _FIXED_WEIGHTS + '''
X = torch.linspace(-2.0, 2.0, 24).reshape(6, 4)
labels = torch.tensor([0, 2, 1, 1, 0, 2])
loss = F.cross_entropy(net(X), labels)
out = loss
''',
    "mlp_sigmoid_mse": '''
F = torch.nn.functional
net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sigmoid(), torch.nn.Linear(3, 1))
''' + _FIXED_WEIGHTS + '''
X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
t = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
loss = F.mse_loss(net(X), t)
out = loss
''',
    "custom_square": '''
class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, v):
        ctx.save_for_backward(v)
        return v * v

    @staticmethod
    def backward(ctx, g):
        v, = ctx.saved_tensors
        return 2 * v * g

x = torch.tensor([1.0, 2.0, -0.5], requires_grad=True)
s = Square.apply(x)
out = s.sum()
''',
    "custom_two_inputs": '''
class Scale(torch.autograd.Function):
    @staticmethod
    def forward(ctx, v, k):
        ctx.k = k
        return v * k

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None

x = torch.tensor([1.0, 2.0], requires_grad=True)
s = Scale.apply(x, 3.0)
out = (s * x).sum()
''',
    # ops of every family
    "matmul_tanh": '''
W = torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], requires_grad=True)
v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
bias = torch.tensor([0.01, -0.02], requires_grad=True)
h = torch.tanh(W @ v + bias)
out = h.sum()
''',
    "broadcasting": '''
col = torch.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
row = torch.tensor([[0.5, -1.0, 2.0, 0.0]], requires_grad=True)
grid = col * row + col
out = grid.sum()
''',
    "reductions_dim": '''
m = torch.tensor([[1.0, 2.0, 3.0], [4.0, -5.0, 6.0]], requires_grad=True)
out = (m.mean(dim=0) * m.sum(1, keepdim=True)).sum()
''',
    "softmax_log": '''
logits = torch.tensor([[1.0, 2.0, 0.5], [0.1, -0.3, 0.2]], requires_grad=True)
p = torch.softmax(logits, dim=1)
out = -(p.log() * p).sum()
''',
    "pow_div": '''
x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
out = (x ** 3 / (1 + x)).sum()
''',
    "indexing": '''
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
out = x[1:3].sum() + x[0] * x[-1]
''',
    "shapes": '''
x = torch.arange(6.0, requires_grad=True)
m = x.view(2, 3)
out = (m.t() * torch.tensor([1.0, 2.0])).sum()
''',
    "rsub_neg_sqrt": '''
x = torch.tensor([0.25, 0.5, 0.75], requires_grad=True)
out = (1 - x).neg().exp().sqrt().sum()
''',
    "split_pieces_used_apart": '''
x = torch.tensor([0.5, 1.0, 1.5, 2.0, 2.5, 3.0], requires_grad=True)
a, b, c = x.split(2)
out = (a * b).sum()
''',
    "cat_stack": '''
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = torch.tensor([3.0], requires_grad=True)
out = (torch.cat([x, y * 2]) * torch.stack([y[0], x[0], x[1]])).sum()
''',
    "retain_grad_intermediate": '''
x = torch.tensor([1.0, -1.0, 2.0], requires_grad=True)
h = x * 2
h.retain_grad()
out = (h * h).sum()
''',
    "leaves_readied_together": '''
A = torch.tensor([[1.0, 2.0]], requires_grad=True)
B = torch.tensor([[0.5], [-1.0]], requires_grad=True)
bias = torch.tensor([[0.25]], requires_grad=True)
p, q, r, s = (torch.tensor([float(k)], requires_grad=True) for k in range(4))
out = torch.addmm(bias, A, B).sum() + (torch.cat([p, q, r, s]) * torch.cat([s, r, q, p])).sum()
''',
    "relu_sigmoid_chain": '''
x = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True)
out = torch.sigmoid(torch.relu(x) * 3 - 1).sum()
''',
}
