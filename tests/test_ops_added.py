"""The ops added for the lessons after the autograd chapter, side by side with PyTorch: values and
dtypes in float32 and float64, grad_fn names, gradients (float64), and the errors a student's bad
inputs raise. Their finite-difference cases live with every other op's in test_engine_gradients.py."""
from __future__ import annotations

import numpy as np
import pytest
from parity_support import outcome
from torch_support import need_torch

import autogradviz as agv

torch = need_torch()

# id -> (function of (lib, *tensors), input specs); "u" is a spec of values in (−0.9, 0.9), "p" positive.
CALLS = {
    "atan": (lambda L, a: L.atan(a), [(2, 3)]),
    "arctan": (lambda L, a: L.arctan(a), [(3,)]),
    "asin": (lambda L, a: L.asin(a), ["u"]),
    "acos": (lambda L, a: a.acos(), ["u"]),
    "arcsin": (lambda L, a: a.arcsin(), ["u"]),
    "sinh": (lambda L, a: L.sinh(a), [(2, 3)]),
    "cosh": (lambda L, a: a.cosh(), [(2, 3)]),
    "erf": (lambda L, a: L.erf(a), [(2, 3)]),
    "atan2": (lambda L, a, b: L.atan2(a, b), [(2, 3), (3,)]),
    "atan2_method": (lambda L, a, b: a.atan2(b), [(2, 3), (2, 3)]),
    "logaddexp": (lambda L, a, b: L.logaddexp(a, b), [(2, 3), (2, 3)]),
    "logaddexp_large": (lambda L, a, b: L.logaddexp(a * 500, b * 500), [(4,), (4,)]),
    "lerp": (lambda L, a, b: L.lerp(a, b, 0.25), [(2, 3), (3,)]),
    "lerp_tensor": (lambda L, a, b, w: a.lerp(b, w), [(2, 3), (2, 3), (3,)]),
    "gelu": (lambda L, a: L.nn.functional.gelu(a * 3), [(2, 3)]),
    "gelu_tanh": (lambda L, a: L.nn.GELU("tanh")(a * 3), [(2, 3)]),
    "silu": (lambda L, a: L.nn.SiLU()(a * 3), [(2, 3)]),
    "leaky_relu": (lambda L, a: L.nn.functional.leaky_relu(a, 0.1), [(2, 3)]),
    "leaky_relu_module": (lambda L, a: L.nn.LeakyReLU()(a), [(2, 3)]),
    "elu": (lambda L, a: L.nn.ELU(0.5)(a * 2), [(2, 3)]),
    "softplus": (lambda L, a: L.nn.Softplus(beta=2.0, threshold=3.0)(a * 3), [(2, 3)]),
    "softplus_default": (lambda L, a: L.nn.functional.softplus(a * 30), [(2, 3)]),
    "bmm": (lambda L, a, b: L.bmm(a, b), [(2, 3, 4), (2, 4, 5)]),
    "bmm_method": (lambda L, a, b: a.bmm(b), [(1, 2, 2), (1, 2, 3)]),
    "tril": (lambda L, a: L.tril(a), [(3, 4)]),
    "tril_diagonal": (lambda L, a: a.tril(-1), [(2, 3, 3)]),
    "triu": (lambda L, a: L.triu(a, 2), [(4, 4)]),
    "diag_vector": (lambda L, a: L.diag(a), [(3,)]),
    "diag_vector_offset": (lambda L, a: L.diag(a, -2), [(3,)]),
    "diag_matrix": (lambda L, a: a.diag(1), [(3, 4)]),
    "roll": (lambda L, a: L.roll(a, 1, 0), [(3, 4)]),
    "roll_flat": (lambda L, a: a.roll(-5), [(3, 4)]),
    "roll_dims": (lambda L, a: L.roll(a, (2, 1), (1, 0)), [(3, 4)]),
    "repeat": (lambda L, a: a.repeat(2, 3), [(2, 3)]),
    "repeat_more_dims": (lambda L, a: a.repeat(2, 1, 2), [(3,)]),
    "tile": (lambda L, a: L.tile(a, (3,)), [(2, 2)]),
    "sort": (lambda L, a: L.sort(a)[0], [(3, 4)]),
    "sort_descending": (lambda L, a: a.sort(0, descending=True).values, [(3, 4)]),
    "topk": (lambda L, a: L.topk(a, 2).values, [(3, 4)]),
    "topk_smallest": (lambda L, a: a.topk(3, dim=0, largest=False)[0], [(4, 2)]),
    "cumprod": (lambda L, a: L.cumprod(a, 1), [(2, 4)]),
    "cumprod_method": (lambda L, a: a.cumprod(0), [(3, 2)]),
    "hstack": (lambda L, a, b: L.hstack([a, b]), [(2, 3), (2, 1)]),
    "hstack_vectors": (lambda L, a, b: L.hstack((a, b)), [(3,), (2,)]),
    "vstack": (lambda L, a, b: L.vstack([a, b]), [(3,), (2, 3)]),
    "meshgrid_ij": (lambda L, a, b: L.meshgrid(a, b, indexing="ij")[0], [(3,), (2,)]),
    "meshgrid_xy": (lambda L, a, b: L.meshgrid(a, b, indexing="xy")[1], [(3,), (2,)]),
    "smooth_l1_loss": (lambda L, a, b: L.nn.functional.smooth_l1_loss(a, b), [(3, 4), (3, 4)]),
    "smooth_l1_loss_beta_none": (lambda L, a, b: L.nn.SmoothL1Loss(reduction="none", beta=0.5)(a, b), [(3, 4), (4,)]),
    "smooth_l1_loss_beta_zero": (lambda L, a, b: L.nn.functional.smooth_l1_loss(a, b, beta=0.0), [(3, 4), (3, 4)]),
    "huber_loss": (lambda L, a, b: L.nn.HuberLoss(delta=0.5)(a, b), [(3, 4), (3, 4)]),
    "huber_loss_sum": (lambda L, a, b: L.nn.functional.huber_loss(a, b, reduction="sum", delta=2.0), [(5,), (5,)]),
    "kl_div_batchmean": (lambda L, a, b: L.nn.functional.kl_div(a.log_softmax(1), b.softmax(1), reduction="batchmean"),
                         [(3, 4), (3, 4)]),
    "kl_div_sum_log_target": (lambda L, a, b: L.nn.KLDivLoss(reduction="sum", log_target=True)(a.log_softmax(1),
                                                                                              b.log_softmax(1)),
                              [(3, 4), (3, 4)]),
    "kl_div_none": (lambda L, a, b: L.nn.functional.kl_div(a, b.softmax(0), reduction="none"), [(3, 4), (3, 4)]),
    "normalize": (lambda L, a: L.nn.functional.normalize(a), [(3, 4)]),
    "normalize_p1_dim0": (lambda L, a: L.nn.functional.normalize(a, p=1.0, dim=0), [(3, 4)]),
    "cosine_similarity": (lambda L, a, b: L.nn.functional.cosine_similarity(a, b), [(3, 4), (3, 4)]),
    "cosine_similarity_broadcast": (lambda L, a, b: L.nn.functional.cosine_similarity(a, b, dim=-1), [(3, 4), (4,)]),
    "scatter": (lambda L, x, s: x.scatter(0, L.tensor([[0, 1, 2, 0]]), s), [(3, 4), (1, 4)]),
    "scatter_value": (lambda L, x: L.scatter(x, 1, L.tensor([[0], [3], [1]]), 2.5), [(3, 4)]),
    "scatter_inplace": (lambda L, x, s: (x * 1).scatter_(0, L.tensor([[0, 1, 2, 0]]), s), [(3, 4), (1, 4)]),
    "scatter_add": (lambda L, x, s: L.scatter_add(x, 0, L.tensor([[0, 1, 0, 0], [0, 0, 2, 1]]), s), [(3, 4), (2, 4)]),
    "scatter_add_inplace": (lambda L, x, s: (x * 1).scatter_add_(1, L.tensor([[0, 0], [1, 3], [2, 2]]), s),
                            [(3, 4), (3, 2)]),
    "unfold": (lambda L, x: x.unfold(1, 2, 1), [(3, 4)]),
    "unfold_step": (lambda L, x: x.unfold(0, 2, 2), [(5, 2)]),
    "cdist": (lambda L, a, b: L.cdist(a, b), [(3, 4), (5, 4)]),
    "cdist_p1_batched": (lambda L, a, b: L.cdist(a, b, p=1), [(2, 3, 4), (2, 5, 4)]),
    "cdist_p3": (lambda L, a, b: L.cdist(a, b, p=3), [(3, 4), (5, 4)]),
    "tensordot": (lambda L, a, b: L.tensordot(a, b, dims=1), [(3, 4), (4, 2)]),
    "tensordot_lists": (lambda L, a, b: L.tensordot(a, b, dims=([0, 1], [1, 0])), [(3, 4), (4, 3)]),
    "einsum_matmul": (lambda L, a, b: L.einsum("ij,jk->ik", a, b), [(3, 4), (4, 2)]),
    "einsum_sum": (lambda L, a: L.einsum("ij->j", a), [(3, 4)]),
    "einsum_batched": (lambda L, a, b: L.einsum("bij,bjk->bik", a, b), [(2, 3, 4), (2, 4, 5)]),
    "einsum_attention": (lambda L, q, k: L.einsum("bhqd,bhkd->bhqk", q, k), [(2, 2, 3, 4), (2, 2, 5, 4)]),
    "einsum_three": (lambda L, a, b, c: L.einsum("ij,jk,kl->il", a, b, c), [(2, 3), (3, 4), (4, 2)]),
    "einsum_implicit": (lambda L, a, b: L.einsum("ij,jk", a, b), [(3, 4), (4, 2)]),
    "einsum_transpose": (lambda L, a: L.einsum("ij->ji", a), [(3, 4)]),
    "einsum_row_dots": (lambda L, a, b: L.einsum("ij,ij->i", a, b), [(3, 4), (3, 4)]),
    "einsum_outer": (lambda L, a, b: L.einsum("i,j->ij", a, b), [(3,), (4,)]),
    "repeat_interleave": (lambda L, a: L.repeat_interleave(a, 2), [(3,)]),
    "repeat_interleave_dim": (lambda L, a: a.repeat_interleave(2, dim=0), [(3, 4)]),
    "repeat_interleave_counts": (lambda L, a: L.repeat_interleave(a, L.tensor([1, 2, 1]), dim=0), [(3, 4)]),
}
# einsum picks its own order of permutes, reshapes and products: PyTorch ends these two with another
# node (a view, a product); the values and gradients are the same.
OTHER_LAST_NODE = {"einsum_row_dots", "einsum_outer"}


def _array(spec, rng):
    if spec == "u":
        return rng.uniform(-0.9, 0.9, (2, 3))
    if spec == "p":
        return rng.uniform(0.5, 2.0, (2, 3))
    return rng.standard_normal(spec)


def _run(lib, call, dtype_name):
    fn, specs = CALLS[call]
    rng = np.random.default_rng(0)
    dtype = getattr(lib, dtype_name)
    xs = [lib.tensor(_array(s, rng), dtype=dtype, requires_grad=True) for s in specs]
    out = fn(lib, *xs)
    v = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)), dtype=dtype)
    grads = lib.autograd.grad(out, xs, grad_outputs=v, allow_unused=True)
    return {"value": out.detach().numpy(), "dtype": str(out.dtype), "grad_fn": type(out.grad_fn).__name__,
            "grads": [None if g is None else g.numpy() for g in grads]}


@pytest.mark.parametrize("dtype_name", ["float64", "float32"])
@pytest.mark.parametrize("call", sorted(CALLS))
def test_values_dtypes_names_and_gradients_equal_pytorchs(call, dtype_name):
    ours, theirs = _run(agv, call, dtype_name), _run(torch, call, dtype_name)
    assert ours["dtype"] == theirs["dtype"]
    assert ours["grad_fn"] == theirs["grad_fn"] or call in OTHER_LAST_NODE
    rtol = 1e-12 if dtype_name == "float64" else 2e-6
    np.testing.assert_allclose(ours["value"], theirs["value"], rtol=rtol, atol=rtol)
    for mine, want in zip(ours["grads"], theirs["grads"]):
        assert (mine is None) == (want is None)
        if want is not None:
            np.testing.assert_allclose(mine, want, rtol=rtol, atol=rtol)


# What a student gets wrong: the same exception type and message as PyTorch.
ERRORS = [
    "lib.atan([1.0, 2.0])",
    "lib.atan2(lib.ones(2), lib.ones(3))",
    "lib.logaddexp(lib.ones(2, 3), lib.ones(2))",
    "lib.lerp(lib.ones(2), lib.ones(3), 0.5)",
    "lib.ones(2).atan_().dtype",
    "lib.arange(3).sinh().dtype",
    "lib.arange(3).atan2(lib.arange(3)).dtype",
    "lib.tensor([2.0]).asin()",
    "lib.nn.functional.gelu(lib.ones(2), approximate='bad')",
    "lib.nn.functional.gelu(lib.tensor([1, 2]))",
    "lib.nn.functional.silu(lib.tensor([1, 2]))",
    "lib.nn.functional.leaky_relu(lib.tensor([1, -2]))",
    "lib.nn.functional.elu(lib.tensor([1, -2]))",
    "lib.nn.functional.softplus(lib.tensor([1, 2]))",
    "lib.nn.functional.leaky_relu(lib.ones(2, requires_grad=True), 0.1, inplace=True)",
    "lib.nn.functional.elu(lib.tensor([1.0, -1.0]), inplace=True)",
    "lib.bmm(lib.ones(2, 3), lib.ones(2, 3))",
    "lib.bmm(lib.ones(2, 2, 3), lib.ones(2, 2, 3))",
    "lib.tril(lib.ones(3))",
    "lib.diag(lib.ones(2, 2, 2))",
    "lib.ones(2, 3).repeat(2)",
    "lib.roll(lib.ones(2, 3), (1, 2), 0)",
    "lib.topk(lib.ones(3), 4)",
    "lib.sort(lib.tensor([3, 1, 2]))",
    "lib.argsort(lib.tensor([[3.0, 1.0, 2.0]]), dim=1, descending=True)",
    "lib.cumprod(lib.tensor([1, 2, 3]), 0)",
    "lib.nonzero(lib.tensor([[0, 1], [2, 0]]))",
    "lib.nonzero(lib.tensor([0.0, 1.5, 2.0]), as_tuple=True)",
    "lib.unique(lib.tensor([3, 1, 3, 2]))",
    "lib.unique(lib.tensor([3.0, 1.0, 3.0]), return_inverse=True, return_counts=True)",
    "lib.meshgrid(lib.ones(2), lib.ones(3), indexing='ab')",
    "lib.tensor([[1.0, 2.0], [3.0, 4.0]]).diag()",
    "lib.nn.functional.smooth_l1_loss(lib.ones(2), lib.ones(2), beta=-1)",
    "lib.nn.functional.huber_loss(lib.ones(2), lib.ones(2), delta=0)",
    "lib.nn.functional.huber_loss(lib.ones(2), lib.ones(2), reduction='avg')",
    "lib.nn.functional.kl_div(lib.ones(2), lib.ones(2), reduction='avg')",
    "lib.zeros(3, 4).scatter(0, lib.tensor([[0.5]]), lib.ones(3, 4))",
    "lib.arange(12.0).reshape(3, 4).unfold(1, 5, 1)",
    "lib.einsum('ij,jk->ik', lib.ones(3, 4), lib.ones(3, 4))",
    "lib.einsum('ij,jk->ik', lib.ones(3, 4))",
    "lib.cdist(lib.ones(3, 4), lib.ones(3, 2))",
    "lib.tensordot(lib.arange(6.0).reshape(2, 3), lib.arange(6.0).reshape(3, 2), dims=1)",
    "lib.repeat_interleave(lib.tensor([1, 2, 3]), 2)",
    "[repr(m) for m in (lib.nn.SmoothL1Loss(), lib.nn.HuberLoss(), lib.nn.KLDivLoss())]",
    "[repr(m) for m in (lib.nn.GELU(), lib.nn.GELU('tanh'), lib.nn.SiLU(), lib.nn.LeakyReLU(0.2, True), lib.nn.ELU(), "
    "lib.nn.Softplus(2, 10))]",
]


@pytest.mark.parametrize("program", ERRORS)
def test_bad_inputs_raise_pytorchs_errors(program):
    assert outcome(agv, program) == outcome(torch, program)
