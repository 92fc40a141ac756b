"""An independent finite-difference checker, shared by the gradient tests and the op coverage test.

It evaluates the function on fresh leaves for ``x ± eps`` and compares the directional derivative
along a random cotangent ``v`` with what ``backward(v)`` puts in ``.grad``. Second derivatives
differentiate the first gradient (taken with ``create_graph=True``) the same way.
"""
from __future__ import annotations

import numpy as np

import autogradviz as torch

F64 = torch.float64


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------
class P(tuple):
    """A shape whose values are positive, in [0.5, 2] (log, sqrt, div, pow bases)."""


class Away(tuple):
    """A shape whose values are at least 0.2 away from 0 (abs, relu, sign-like kinks)."""


def make_array(spec, rng) -> np.ndarray:
    if isinstance(spec, np.ndarray):
        return spec.astype(np.float64)
    if isinstance(spec, (int, float)):
        return np.array(float(spec))
    if isinstance(spec, P):
        return rng.uniform(0.5, 2.0, tuple(spec))
    if isinstance(spec, Away):
        shape = tuple(spec)
        return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return rng.standard_normal(tuple(spec))


def arrays_for(specs, seed=0):
    rng = np.random.default_rng(seed)
    return [make_array(s, rng) for s in specs]


# ---------------------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------------------
def leaves(arrays):
    return [torch.tensor(a, dtype=F64, requires_grad=True) for a in arrays]


def numeric_vjp(fn, arrays, v, eps):
    """d<v, fn(x)>/dx for each input, by central differences (fresh leaves for every point)."""
    grads = []
    for i, a in enumerate(arrays):
        g = np.zeros_like(a)
        flat, gflat = a.reshape(-1), g.reshape(-1)
        for k in range(flat.size):
            vals = []
            for sign in (1, -1):
                shifted = [x.copy() for x in arrays]
                shifted[i].reshape(-1)[k] = flat[k] + sign * eps
                out = fn(*leaves(shifted))
                vals.append(float(np.sum(out.detach().numpy().astype(np.float64) * v)))
            gflat[k] = (vals[0] - vals[1]) / (2 * eps)
        grads.append(g)
    return grads


def check_grad(fn, *specs, eps=1e-6, atol=1e-6, rtol=1e-5, seed=0):
    """Assert that backward through ``fn`` gives the finite-difference gradient for every input."""
    arrays = arrays_for(specs, seed)
    xs = leaves(arrays)
    out = fn(*xs)
    assert isinstance(out, torch.Tensor) and out.requires_grad, "the output must be in the graph"
    v = np.random.default_rng(seed + 100).standard_normal(tuple(out.shape))
    out.backward(torch.tensor(v, dtype=out.dtype))
    expected = numeric_vjp(fn, arrays, v, eps)
    for i, (x, e) in enumerate(zip(xs, expected)):
        assert x.grad is not None, f"input {i} got no gradient"
        assert x.grad.dtype is F64, f"input {i}: gradient dtype {x.grad.dtype}"
        assert tuple(x.grad.shape) == e.shape, f"input {i}: gradient shape {tuple(x.grad.shape)} vs {e.shape}"
        np.testing.assert_allclose(x.grad.numpy(), e, atol=atol, rtol=rtol, err_msg=f"gradient of input {i}")
    return xs, out


def first_grad_fn(fn, cotangent_seed=7):
    """x -> d<v, fn(x)>/dx (all inputs, flattened and concatenated), recorded for differentiation."""
    def g(*xs):
        out = fn(*xs)
        v = torch.tensor(np.random.default_rng(cotangent_seed).standard_normal(tuple(out.shape)), dtype=out.dtype)
        grads = torch.autograd.grad(out, xs, grad_outputs=v, create_graph=True, allow_unused=True)
        parts = [(gr if gr is not None else x * 0).reshape(-1) for gr, x in zip(grads, xs)]
        # + 0*sum(x) keeps the result in the graph when the gradient is constant (linear fn).
        return torch.cat(parts) + sum((x * 0).sum() for x in xs)
    return g


def check_second(fn, *specs, eps=1e-5, atol=1e-5, rtol=1e-4, seed=0):
    """Second derivatives: the recorded first gradient, checked against finite differences."""
    return check_grad(first_grad_fn(fn), *specs, eps=eps, atol=atol, rtol=rtol, seed=seed)
