"""Check analytic gradients against central finite differences, in float64."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


class GradcheckError(RuntimeError):
    """Raised by gradcheck when a gradient disagrees with finite differences."""


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def numerical_jacobian(fn: Callable, inputs: Sequence, eps: float = 1e-6):
    """For each input that requires grad: d(outputs flattened)/d(input flattened) by central differences."""
    from .._grad_mode import no_grad
    from ..tensor import Tensor
    jacobians = []
    with no_grad():
        for x in inputs:
            if not (isinstance(x, Tensor) and x.requires_grad):
                jacobians.append(None)
                continue
            flat = x._data.reshape(-1)
            cols = []
            for k in range(flat.size):
                orig = flat[k]
                flat[k] = orig + eps
                plus = [o._data.astype(np.float64).ravel().copy() for o in _as_tuple(fn(*inputs))]
                flat[k] = orig - eps
                minus = [o._data.astype(np.float64).ravel().copy() for o in _as_tuple(fn(*inputs))]
                flat[k] = orig
                cols.append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]))
            jacobians.append(np.stack(cols, axis=1) if cols else np.zeros((0, 0)))
    return jacobians


def analytical_jacobian(fn: Callable, inputs: Sequence):
    """The same Jacobians from reverse mode: one backward per output element."""
    from ..creation import zeros_like
    from ..tensor import Tensor
    from .engine import grad
    outputs = _as_tuple(fn(*inputs))
    diff = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    sizes = [o.numel() for o in outputs]
    rows = {id(x): [] for x in diff}
    for oi, o in enumerate(outputs):
        for k in range(o.numel()):
            grads_out = []
            for oj, o2 in enumerate(outputs):
                g = zeros_like(o2)
                if oj == oi:
                    g._data.reshape(-1)[k] = 1
                grads_out.append(g)
            live = [(o2, g) for o2, g in zip(outputs, grads_out) if o2.requires_grad]
            if not live:
                for x in diff:
                    rows[id(x)].append(np.zeros(x.numel()))
                continue
            gs = grad([o2 for o2, _ in live], diff, [g for _, g in live], retain_graph=True, allow_unused=True)
            for x, gx in zip(diff, gs):
                rows[id(x)].append(np.zeros(x.numel()) if gx is None else gx._data.astype(np.float64).ravel())
    out = []
    for x in inputs:
        if isinstance(x, Tensor) and x.requires_grad:
            r = rows[id(x)]
            out.append(np.stack(r, axis=0) if r else np.zeros((sum(sizes), x.numel())))
        else:
            out.append(None)
    return out


def gradcheck(fn: Callable, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_ignored) -> bool:
    """True when ``fn``'s autograd gradients match central differences for every input that
    requires grad. Inputs should be float64 (a warning-free float32 check is not reliable)."""
    from ..tensor import Tensor
    inputs = _as_tuple(inputs)
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and x.dtype.name != "float64":
            import warnings
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision floating point.",
                          UserWarning, stacklevel=2)
    numeric = numerical_jacobian(fn, inputs, eps)
    analytic = analytical_jacobian(fn, inputs)
    for i, (n, a) in enumerate(zip(numeric, analytic)):
        if n is None:
            continue
        if n.shape != a.shape or not np.allclose(a, n, atol=atol, rtol=rtol):
            if raise_exception:
                worst = float(np.max(np.abs(a - n))) if n.shape == a.shape else float("nan")
                raise GradcheckError(
                    f"Jacobian mismatch for output 0 with respect to input {i},\n"
                    f"numerical:{n}\nanalytical:{a}\n(largest difference {worst:.3g})")
            return False
    return True


def gradgradcheck(fn: Callable, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True) -> bool:
    """Check second derivatives: gradcheck of the gradient (taken with create_graph=True)."""
    from ..tensor import Tensor
    from .engine import grad
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    from .._grad_mode import enable_grad
    from ..creation import tensor
    outs = _as_tuple(fn(*inputs))
    rng = np.random.default_rng(0)  # fixed weights, and the global generator is left alone
    weights = [tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype) for o in outs]

    def first_grads(*xs):
        # The numerical Jacobian evaluates this under no_grad; the gradient itself needs a graph.
        with enable_grad():
            ys = _as_tuple(fn(*xs))
            total = sum((y * w).sum() for y, w in zip(ys, weights) if y.requires_grad)
            if not isinstance(total, Tensor):  # no output depends on the inputs: all zero
                return tuple(xs[i] * 0 for i in diff_idx)
            gs = grad(total, [xs[i] for i in diff_idx], create_graph=True, allow_unused=True)
            return tuple(g if g is not None else xs[i] * 0 for g, i in zip(gs, diff_idx))

    return gradcheck(first_grads, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
