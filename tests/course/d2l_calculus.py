# Derivatives as limits, then by autograd, and a function drawn with its tangent (D2L 2.4, on tensors).
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch


def f(x):
    return 3 * x ** 2 - 4 * x


for h in 10.0 ** torch.arange(-1, -6, -1, dtype=torch.float64):
    print(f"h={h:.5f}, numerical limit={(f(1 + h) - f(1)) / h:.5f}")

x = torch.tensor(1.0, requires_grad=True)
f(x).backward()
print(f"autograd: f'(1) = {x.grad}")

xs = torch.arange(0, 3, 0.1)
fig, ax = plt.subplots(figsize=(3.5, 2.5))
ax.plot(xs.numpy(), f(xs).numpy(), label="f(x)")
ax.plot(xs.numpy(), (2 * xs - 3).numpy(), "m--", label="Tangent line (x=1)")
ax.set_xlabel("x")
ax.set_ylabel("f(x)")
ax.legend()
print(len(ax.lines), "lines drawn")
plt.close(fig)
