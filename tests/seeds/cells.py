"""Every code cell of the course material in ../shared/seeds/, with the output each file shows.

A cell is (code, expected). expected is the exact text printed and displayed, or one of:
- RANDOM(text): the cell prints random values; compared with every number masked.
- RAISES(type, message): the cell raises, as the material shows.
- None: the file shows no output to compare (the cell must still run).
Files are transcribed verbatim; only ``import torch`` becomes ``import autogradviz as torch``.
"""
from dataclasses import dataclass


@dataclass
class RANDOM:
    text: str


@dataclass
class RAISES:
    type: type
    message: str


F_CONTROL_FLOW_NORM = '''def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c
'''

F_CONTROL_FLOW_ITEM = '''def f(a):
    b = a * 2
    while b.norm().item() < 1000:
        b = b * 2
    if b.sum().item() > 0:
        c = b
    else:
        c = 100 * b
    return c
'''

def control_flow_f():
    """D2L's f(a) (the version with ``b.norm()``), built from the material's own text."""
    import autogradviz as torch
    scope = {"torch": torch}
    exec(F_CONTROL_FLOW_NORM, scope)
    return scope["f"]


SEED_000 = [  # D2L 2.5, PyTorch version
    ('''import torch

x = torch.arange(4.0)
print(x)
x.requires_grad_(True)  # Same as `x = torch.arange(4.0, requires_grad=True)`
print(x.grad)  # The default value is None

y = 2 * torch.dot(x, x)
print(y)
y.backward()
print(x.grad)
print(x.grad == 4 * x)

# PyTorch accumulates the gradient in default, we need to clear the previous values
x.grad.zero_()
y = x.sum()
print(y)
y.backward()
print(x.grad)
''', '''tensor([0., 1., 2., 3.])
None
tensor(28., grad_fn=<MulBackward0>)
tensor([ 0.,  4.,  8., 12.])
tensor([True, True, True, True])
tensor(6., grad_fn=<SumBackward0>)
tensor([1., 1., 1., 1.])
'''),
    ('''x.grad.zero_()
y = x * x
print(y)
# y.backward(torch.ones(len(x))) equivalent to the below
y.sum().backward()
print(x.grad)
''', '''tensor([0., 1., 4., 9.], grad_fn=<MulBackward0>)
tensor([0., 2., 4., 6.])
'''),
    ('''x.grad.zero_()
y = x * x
print(y)
u = y.detach()
print(u)
z = u * x
print(z)
z.sum().backward()
x.grad == u
''', '''tensor([0., 1., 4., 9.], grad_fn=<MulBackward0>)
tensor([0., 1., 4., 9.])
tensor([ 0.,  1.,  8., 27.], grad_fn=<MulBackward0>)
tensor([True, True, True, True])
'''),
    ('''x.grad.zero_()
y.sum().backward()
x.grad == 2 * x
''', 'tensor([True, True, True, True])\n'),
    (F_CONTROL_FLOW_NORM + '''
a = torch.randn(size=(), requires_grad=True)
print(a)

d = f(a)
print(d)

d.backward()
print(a.grad == d / a)
''', RANDOM('''tensor(1.2038, requires_grad=True)
tensor(1232.6451, grad_fn=<MulBackward0>)
tensor(True)
''')),
]

SEED_001 = [  # the chapter as a study sheet; x is the chapter's x (its snippets assume it)
    ('''import torch
x = torch.arange(4.0)
x.requires_grad_(True)  # Same as `x = torch.arange(4.0, requires_grad=True)`
y = 2 * torch.dot(x, x)
y.backward()
x.grad
assert x.grad == 4 * x
''', RAISES(RuntimeError, "Boolean value of Tensor with more than one value is ambiguous")),
    ('''x.grad.zero_()
y = x * x
# y.backward(torch.ones(len(x))) equivalent to the below
y.sum().backward()
x.grad
''', 'tensor([0., 2., 4., 6.])\n'),
    ('''x.grad.zero_()
y = x * x
u = y.detach()
z = u * x

z.sum().backward()
assert x.grad == u
''', RAISES(RuntimeError, "Boolean value of Tensor with more than one value is ambiguous")),
    (F_CONTROL_FLOW_NORM + '''
a = torch.randn(size=(), requires_grad=True)
d = f(a)
d.backward()
''', None),
]

SEED_002 = [  # the chapter worked by a student, exercises answered
    ('import torch\n', None),
    ('x = torch.arange(4.0, requires_grad = True)\n', None),
    ('print(x.grad) # Is se to None\n', 'None\n'),
    ('y = 2 * torch.dot(x, x)\ny\n', 'tensor(28., grad_fn=<MulBackward0>)\n'),
    ('y.backward()\n', None),
    ('x.grad\n', 'tensor([ 0.,  4.,  8., 12.])\n'),
    ('x.grad == 4 * x\n', 'tensor([True, True, True, True])\n'),
    ('x.grad.zero_() # Clean the gradient \ny = x.sum()\ny.backward()\nx.grad\n', 'tensor([1., 1., 1., 1.])\n'),
    ('x.grad.zero_() # Clean the gradient\ny = x * x\ny.backward()\nx.grad\n',
     RAISES(RuntimeError, "grad can be implicitly created only for scalar outputs")),
    ('x.grad.zero_() # Clean the gradient\ny = x * x\ny.backward(gradient=torch.ones_like(x))\nx.grad, y\n',
     '(tensor([0., 2., 4., 6.]), tensor([0., 1., 4., 9.], grad_fn=<MulBackward0>))\n'),
    ('x.grad.zero_() # Clean the gradient\ny = sum(x * x)\ny.backward()\nx.grad, y\n',
     '(tensor([0., 2., 4., 6.]), tensor(14., grad_fn=<AddBackward0>))\n'),
    ('''x.grad.zero_() # Clean the gradient
y = x * x
u = y.detach() # Trait u as a constant
z = u * x # z = u * x

z.sum().backward() # dz/dx = u (We sum because u is not scalar)
x.grad == u
''', 'tensor([True, True, True, True])\n'),
    ('''x.grad.zero_() # Clean the gradient
y.sum().backward() # Compute dy/dx = 2x (We sum because y is not scalar value)
x.grad == 2 * x
''', 'tensor([True, True, True, True])\n'),
    (F_CONTROL_FLOW_ITEM, None),
    ('''a = torch.randn(size=(1, ), requires_grad=True)
d = f(a) # a bunch of multiplications on a d = k * a
d.backward() # calculate df/da = k => f/a = df/da
''', None),
    ('a.grad == d/a\n', 'tensor([True])\n'),
    ('''x = torch.arange(4.0, requires_grad = True)
y = x * x
y.sum().backward(retain_graph=True)
print(x.grad)
x.grad.zero_()
y.sum().backward()
print(x.grad)
''', 'tensor([0., 2., 4., 6.])\ntensor([0., 2., 4., 6.])\n'),
    ('''a = torch.randn(size=(2,3), requires_grad=True)
d = f(a) # d = k * a
d.sum().backward() # calculate backward to the sum of non-scalars
                    # dd/da = k => then d/a = k
''', None),
    ('a, d, a.grad, d/a\n', RANDOM('''(tensor([[-0.0519, -0.5885,  0.0626],
         [ 0.1675,  1.7026,  1.4531]], requires_grad=True),
 tensor([[ -26.5704, -301.3363,   32.0743],
         [  85.7696,  871.7515,  743.9756]], grad_fn=<MulBackward0>),
 tensor([[512., 512., 512.],
         [512., 512., 512.]]),
 tensor([[512., 512., 512.],
         [512., 512., 512.]], grad_fn=<DivBackward0>))
''')),
    ('a.grad == d/a\n', 'tensor([[True, True, True],\n        [True, True, True]])\n'),
    ('''def f(a):
    if a.item() > 100:
        d = a/10
    while d.item() > 1:
        d /= 10
    return d
''', None),
    ('''a = torch.tensor(200, dtype=torch.float, requires_grad=True)
d = f(a) # f = k * a => f/a = k
d.backward()
''', None),
    ('d, a, a.grad, d/a\n', '''(tensor(0.2000, grad_fn=<DivBackward0>),
 tensor(200., requires_grad=True),
 tensor(0.0010),
 tensor(0.0010, grad_fn=<DivBackward0>))
'''),
    ('a.grad == d/a\n', 'tensor(False)\n'),
    ('''f = lambda x: torch.sin(x)
df = lambda x: torch.cos(x)
x = torch.linspace(-5, 5, steps = 200, requires_grad=True)
sin = f(x)
sin.sum().backward()
cos = df(x)
''', None),
    ('''import matplotlib.pyplot as plt
%matplotlib widget

fig = plt.figure(figsize=(8, 5))
plt.subplot(3, 1, 1)
plt.plot(x.detach(), sin.detach())
plt.title("sin(x)")

plt.subplot(3, 1, 2)
plt.plot(x.detach(), cos.detach())
plt.title("cos(x)")

plt.subplot(3, 1, 3)
plt.plot(x.detach(), x.grad)
plt.title("cos(x) autograd with pytorch of sin(x)")

plt.tight_layout()
plt.show()
''', None),
]

SEED_003 = [  # D2L 2.5, newer text
    ('import torch\n\nx = torch.arange(4.0)\nx\n', 'tensor([0., 1., 2., 3.])\n'),
    ('x.requires_grad_(True)  # Same as `x = torch.arange(4.0, requires_grad=True)`\nx.grad  # The default value is None\n', ''),
    ('y = 2 * torch.dot(x, x)\ny\n', 'tensor(28., grad_fn=<MulBackward0>)\n'),
    ('y.backward()\nx.grad\n', 'tensor([ 0.,  4.,  8., 12.])\n'),
    ('x.grad == 4 * x\n', 'tensor([True, True, True, True])\n'),
    ('''# PyTorch accumulates the gradient in default, we need to clear the previous values
x.grad.zero_()
y = x.sum()
y.backward()
x.grad
''', 'tensor([1., 1., 1., 1.])\n'),
]

SEED_004 = [  # the PyTorch autograd tutorial
    ('import torch\ntorch.__version__\n', RANDOM("'1.6.0'\n")),
    ('x = torch.ones(2, 2, requires_grad=True)\nx\n', 'tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)\n'),
    ('y = x + 2\ny\n', 'tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)\n'),
    ('y.grad_fn\n', RANDOM('<AddBackward0 at 0x7f38eb4926a0>\n')),
    ('z = y * y * 3\nz\n', 'tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>)\n'),
    ('out = z.mean()\nout\n', 'tensor(27., grad_fn=<MeanBackward0>)\n'),
    ('a = torch.randn(2,2)\na = ((a*3)/(a-1))\na\n', RANDOM('tensor([[ 1.4668, -3.3510],\n        [ 5.7669, -3.4547]])\n')),
    ('a.requires_grad\n', 'False\n'),
    ('a.requires_grad_(True)\na.requires_grad\n', 'True\n'),
    ('b = (a*a).sum()\nb\n', RANDOM('tensor(58.5728, grad_fn=<SumBackward0>)\n')),
    ('b.grad_fn\n', RANDOM('<SumBackward0 at 0x7f38eb495df0>\n')),
    ('out\n', 'tensor(27., grad_fn=<MeanBackward0>)\n'),
    ('out.backward()\n', None),
    ('x.grad\n', 'tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])\n'),
    ('x = torch.randn(3, requires_grad=True)\n', None),
    ('y = x*2\nwhile y.data.norm() < 1000:\n    y = y * 2\ny\n',
     RANDOM('tensor([  26.0017, -251.4094, 1184.7880], grad_fn=<MulBackward0>)\n')),
    ('v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)\ny.backward(v)\n', None),
    ('x.grad\n', RANDOM('tensor([1.0240e+02, 1.0240e+03, 1.0240e-01])\n')),
    ('x.requires_grad\n', 'True\n'),
    ('(x**2).requires_grad\n', 'True\n'),
    ('with torch.no_grad():\n    print( (x**2).requires_grad )\n', 'False\n'),
    ('x.requires_grad\n', 'True\n'),
    ('y = x.detach()\n', None),
    ('y.requires_grad\n', 'False\n'),
    ('x.eq(y)\n', 'tensor([True, True, True])\n'),
    ('x, y\n', RANDOM('(tensor([ 0.0254, -0.2455,  1.1570], requires_grad=True),\n tensor([ 0.0254, -0.2455,  1.1570]))\n')),
]

SEEDS = {
    "000_323f5a0577025239.txt": SEED_000,
    "001_e3168fc85e3e3f2d.txt": SEED_001,
    "002_e94a40f3d1615809.txt": SEED_002,
    "003_af1840828794122e.txt": SEED_003,
    "004_60428e276a459ce8.txt": SEED_004,
}
