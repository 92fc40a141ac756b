"""nn.functional: values against NumPy formulas, gradients against finite differences (float64,
every reduction), the graph nodes PyTorch records, bad-input messages, and parity with real
PyTorch when it is installed."""
from __future__ import annotations

import numpy as np
import pytest
from torch_support import need_torch

import autogradviz as torch
import autogradviz.nn.functional as F
from autogradviz.autograd import gradcheck, gradgradcheck

REDUCTIONS = ["none", "mean", "sum"]
RNG = np.random.default_rng(1234)
X = RNG.normal(size=(4, 3))
Y = RNG.normal(size=(4, 3))
P = 1 / (1 + np.exp(-RNG.normal(size=(4, 3))))       # probabilities in (0, 1)
Q = RNG.uniform(size=(4, 3))                           # soft binary targets
PROBS = RNG.dirichlet(np.ones(3), size=4)              # class probabilities
CLASSES = np.array([0, 2, 1, 2])
CLASSES_IGNORED = np.array([0, 2, -100, 1])
CLASS_WEIGHT = np.array([1.0, 2.0, 0.5])


def leaf(a) -> torch.Tensor:
    return torch.tensor(np.array(a, dtype=np.float64), requires_grad=True)


def const(a, dtype=torch.float64) -> torch.Tensor:
    return torch.tensor(np.asarray(a), dtype=dtype)


def reduce_np(loss: np.ndarray, reduction: str, n: float | None = None) -> np.ndarray:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / (loss.size if n is None else n)


# ---------------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, ref", [
    ("relu", lambda a: np.maximum(a, 0)),
    ("sigmoid", lambda a: 1 / (1 + np.exp(-a))),
    ("tanh", np.tanh),
    ("softmax", lambda a: np.exp(a) / np.exp(a).sum(1, keepdims=True)),
    ("log_softmax", lambda a: a - np.log(np.exp(a).sum(1, keepdims=True))),
])
def test_activation_values_and_gradients(name, ref):
    fn = getattr(F, name)
    call = (lambda a: fn(a, dim=1)) if "softmax" in name else fn
    x = leaf(X)
    np.testing.assert_allclose(call(x).detach().numpy(), ref(X), rtol=1e-12, atol=1e-12)
    assert gradcheck(call, (leaf(X + 0.05),))   # away from relu's kink at 0


def test_relu_inplace_overwrites_its_input():
    x = torch.tensor([-1.0, 2.0])
    out = F.relu(x, inplace=True)
    assert out is x
    assert x.tolist() == [0.0, 2.0]



@pytest.mark.parametrize("call", [lambda x: torch.softmax(x), lambda x: x.softmax(), lambda x: torch.log_softmax(x),
                                  lambda x: x.log_softmax(), lambda x: torch.softmax(x, dtype=torch.float64)])
def test_softmax_of_torch_and_tensor_requires_dim_as_pytorch(call):
    with pytest.raises(TypeError, match=r'softmax\(\) missing 1 required positional arguments: "dim"'):
        call(const(X))


@pytest.mark.parametrize(("call", "dim"), [(lambda x: F.softmax(x), 1), (lambda x: torch.nn.Softmax()(x), 1),
                                           (lambda x: torch.nn.LogSoftmax()(x[0]).exp(), 0)])
def test_functional_softmax_without_dim_warns_at_the_callers_line_and_picks_pytorchs_dim(call, dim):
    with pytest.warns(UserWarning, match="Implicit dimension choice for (log_)?softmax has been deprecated") as caught:
        out = call(const(X))
    assert caught[0].filename == __file__
    np.testing.assert_allclose(out.numpy().sum(dim), 1.0, rtol=1e-12)

# ---------------------------------------------------------------------------------------------
# Losses: values (NumPy formulas), finite differences for every reduction, node names
# ---------------------------------------------------------------------------------------------
def _bce_np(p, y, w=1.0):
    return -w * (y * np.log(p) + (1 - y) * np.log(1 - p))


def _bcel_np(x, y, w=1.0, pw=1.0):
    s = 1 / (1 + np.exp(-x))
    return -w * (pw * y * np.log(s) + (1 - y) * np.log(1 - s))


def _log_softmax_np(x):
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


LOSSES = {
    # name: (function of (input, target), input, target, target differentiable, NumPy loss per element)
    "mse_loss": (lambda a, b, r: F.mse_loss(a, b, reduction=r), X, Y, True, lambda a, b: (a - b) ** 2),
    "l1_loss": (lambda a, b, r: F.l1_loss(a, b, reduction=r), X, Y, True, lambda a, b: np.abs(a - b)),
    "binary_cross_entropy": (lambda a, b, r: F.binary_cross_entropy(a, b, reduction=r), P, Q, True, _bce_np),
    "binary_cross_entropy_weighted": (
        lambda a, b, r: F.binary_cross_entropy(a, b, weight=const([[0.5], [1.0], [2.0], [1.5]]), reduction=r),
        P, Q, True, lambda a, b: _bce_np(a, b, np.array([[0.5], [1.0], [2.0], [1.5]]))),
    "binary_cross_entropy_with_logits": (
        lambda a, b, r: F.binary_cross_entropy_with_logits(a, b, reduction=r), X, Q, True, _bcel_np),
    "binary_cross_entropy_with_logits_weights": (
        lambda a, b, r: F.binary_cross_entropy_with_logits(a, b, weight=const([[0.5], [1.0], [2.0], [1.5]]),
                                                           pos_weight=const([1.0, 3.0, 0.5]), reduction=r),
        X, Q, True, lambda a, b: _bcel_np(a, b, np.array([[0.5], [1.0], [2.0], [1.5]]), np.array([1.0, 3.0, 0.5]))),
    "cross_entropy_probabilities": (
        lambda a, b, r: F.cross_entropy(a, b, reduction=r), X, PROBS, True,
        lambda a, b: -(b * _log_softmax_np(a)).sum(1)),
    "cross_entropy_probabilities_smoothed_weighted": (
        lambda a, b, r: F.cross_entropy(a, b, weight=const(CLASS_WEIGHT), label_smoothing=0.3, reduction=r),
        X, PROBS, True, lambda a, b: -((b * 0.7 + 0.1) * CLASS_WEIGHT * _log_softmax_np(a)).sum(1)),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_value_matches_formula(name, reduction):
    fn, a, b, _, per_element = LOSSES[name]
    out = fn(leaf(a), leaf(b), reduction)
    expected = reduce_np(per_element(a, b), reduction, n=a.shape[0] if name.startswith("cross_entropy") else None)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_gradients_match_finite_differences(name, reduction):
    fn, a, b, target_grad, _ = LOSSES[name]
    inputs = (leaf(a), leaf(b)) if target_grad else (leaf(a), const(b))
    assert gradcheck(lambda x, y: fn(x, y, reduction), inputs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits_weights"])
def test_loss_rules_are_differentiable_again(name, reduction):
    fn, a, b, _, _ = LOSSES[name]
    assert gradgradcheck(lambda x, y: fn(x, y, reduction), (leaf(a), leaf(b)))


CE_CASES = {
    "plain": {},
    "weight": {"weight": CLASS_WEIGHT},
    "ignore_index": {"ignore_index": 1},
    "label_smoothing": {"label_smoothing": 0.2},
    "smoothing_weight_ignored": {"label_smoothing": 0.1, "weight": CLASS_WEIGHT},
}


def _ce_np(x, t, reduction, weight=None, ignore_index=-100, label_smoothing=0.0):
    """Cross entropy with class indices, straight from PyTorch's documented formula."""
    logp = _log_softmax_np(x)
    c = x.shape[1]
    w = np.ones(c) if weight is None else weight
    counted = t != ignore_index
    safe = np.where(counted, t, 0)
    nll = np.where(counted, -logp[np.arange(len(t)), safe] * w[safe], 0)
    smooth = np.where(counted, -(logp * w).sum(1), 0)
    denom = np.sum(np.where(counted, w[safe], 0))
    if reduction == "none":
        return (1 - label_smoothing) * nll + label_smoothing / c * smooth
    if reduction == "sum":
        return (1 - label_smoothing) * nll.sum() + label_smoothing / c * smooth.sum()
    return (1 - label_smoothing) * nll.sum() / denom + label_smoothing / c * smooth.sum() / denom


def _ce_call(case, reduction, targets):
    kw = dict(CE_CASES[case])
    if "weight" in kw:
        kw["weight"] = const(kw["weight"])
    return lambda x: F.cross_entropy(x, torch.tensor(targets), reduction=reduction, **kw)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", sorted(CE_CASES))
def test_cross_entropy_class_indices_value_and_gradient(case, reduction):
    targets = CLASSES_IGNORED if case == "smoothing_weight_ignored" else CLASSES
    call = _ce_call(case, reduction, targets)
    np.testing.assert_allclose(call(leaf(X)).detach().numpy(), _ce_np(X, targets, reduction, **CE_CASES[case]),
                               rtol=1e-10)
    assert gradcheck(call, (leaf(X),))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_value_and_gradient_with_weights_and_ignored_targets(reduction):
    logp = _log_softmax_np(X)
    call = lambda x: F.nll_loss(x, torch.tensor(CLASSES_IGNORED), weight=const(CLASS_WEIGHT), reduction=reduction)
    ce = _ce_np(X, CLASSES_IGNORED, reduction, weight=CLASS_WEIGHT)
    np.testing.assert_allclose(call(leaf(logp)).detach().numpy(), ce, rtol=1e-10)
    assert gradcheck(call, (leaf(logp),))
    assert gradgradcheck(call, (leaf(logp),))


def test_nll_loss_mean_divides_by_the_weights_of_the_counted_targets():
    logp = leaf(np.log(np.full((2, 2), 0.5)))
    out = F.nll_loss(logp, torch.tensor([0, 1]), weight=const([1.0, 3.0]))
    # (1·log 2 + 3·log 2) / (1 + 3)
    assert out.item() == pytest.approx(np.log(2))
    out.backward()
    np.testing.assert_allclose(logp.grad.numpy(), [[-0.25, 0.0], [0.0, -0.75]])


def test_ignored_targets_get_zero_loss_and_zero_gradient():
    x = leaf(X)
    out = F.cross_entropy(x, torch.tensor(CLASSES_IGNORED), reduction="none")
    assert out[2].item() == 0.0
    out.sum().backward()
    assert np.all(x.grad.numpy()[2] == 0)


def test_cross_entropy_with_spatial_dims_and_unbatched_input():
    x4 = RNG.normal(size=(2, 3, 4))
    t4 = np.array([[0, 1, 2, 1], [2, 2, 0, 1]])
    out = F.cross_entropy(leaf(x4), torch.tensor(t4), reduction="none")
    logp = _log_softmax_np(np.moveaxis(x4, 1, -1))
    expected = -np.take_along_axis(logp, t4[..., None], -1)[..., 0]
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10)
    assert gradcheck(lambda x: F.cross_entropy(x, torch.tensor(t4)), (leaf(x4),))
    one = F.cross_entropy(leaf(X[0]), torch.tensor(2))
    assert one.shape == () and one.item() == pytest.approx(-_log_softmax_np(X[:1])[0, 2])


def test_bce_with_logits_is_stable_for_huge_logits():
    x = leaf([1000.0, -1000.0, 30.0, -30.0])
    y = const([0.0, 1.0, 1.0, 0.0])
    out = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(out.detach().numpy(), [1000.0, 1000.0, np.log1p(np.exp(-30)), np.log1p(np.exp(-30))])
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -1.0, -1 / (1 + np.exp(30)), 1 / (1 + np.exp(30))])


def test_bce_clamps_the_log_at_minus_100_like_pytorch():
    out = F.binary_cross_entropy(const([0.0, 1.0]), const([1.0, 0.0]))
    assert out.item() == pytest.approx(100.0)


def test_mse_loss_broadcasting_warns_and_sums_the_target_gradient_back():
    x, y = leaf(X), leaf(Y[0])
    with pytest.warns(UserWarning, match=r"target size \(torch.Size\(\[3\]\)\) that is different to the input size"):
        out = F.mse_loss(x, y, reduction="sum")
    out.backward()
    np.testing.assert_allclose(y.grad.numpy(), (-2 * (X - Y[0])).sum(0))


def test_legacy_size_average_and_reduce_flags_map_to_reduction():
    a, b = leaf(X), const(Y)
    assert F.mse_loss(a, b, reduce=False).shape == (4, 3)
    assert F.mse_loss(a, b, size_average=False).item() == pytest.approx(((X - Y) ** 2).sum())


@pytest.mark.parametrize("call, name", [
    (lambda x: F.mse_loss(x, const(Y)), "MseLossBackward0"),
    (lambda x: F.mse_loss(x, const(Y), reduction="none"), "MseLossBackward0"),
    (lambda x: F.l1_loss(x, const(Y)), "MeanBackward0"),
    (lambda x: F.l1_loss(x, const(Y), reduction="sum"), "SumBackward0"),
    (lambda x: F.nll_loss(x, torch.tensor(CLASSES)), "NllLossBackward0"),
    (lambda x: F.cross_entropy(x, torch.tensor(CLASSES)), "NllLossBackward0"),
    (lambda x: F.cross_entropy(x.reshape(2, 3, 2), torch.tensor([[0, 1], [2, 0]])), "NllLoss2DBackward0"),
    (lambda x: F.cross_entropy(x, torch.tensor(CLASSES), label_smoothing=0.1), "AddBackward0"),
    (lambda x: F.cross_entropy(x, const(PROBS), reduction="sum"), "NegBackward0"),
    (lambda x: F.binary_cross_entropy(x.sigmoid(), const(Q)), "BinaryCrossEntropyBackward0"),
    (lambda x: F.binary_cross_entropy_with_logits(x, const(Q)), "BinaryCrossEntropyWithLogitsBackward0"),
    (lambda x: F.dropout(x, 0.5), "MulBackward0"),
])
def test_graph_nodes_carry_pytorchs_names(call, name):
    assert call(leaf(X)).grad_fn.name() == name


def test_cross_entropy_is_log_softmax_then_one_nll_node():
    out = F.cross_entropy(leaf(X), torch.tensor(CLASSES))
    (child, _), = out.grad_fn.next_functions
    assert child.name() == "LogSoftmaxBackward0"
    assert out.grad_fn.schema.formula_text().startswith("∂nll_loss(input, target)/∂input[i, c] = −w[c]/W where c = target[i]")


def test_loss_ops_are_registered_in_the_op_table():
    from autogradviz.ops.registry import REGISTRY
    for name in ("mse_loss", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"):
        op = REGISTRY[name]
        assert op.vjps and all(op.rules[i] for i, r in enumerate(op.vjps) if r is not None)


# ---------------------------------------------------------------------------------------------
# linear and dropout
# ---------------------------------------------------------------------------------------------
def test_linear_on_a_matrix_is_one_addmm_node_like_pytorch():
    x, w, b = leaf(X), leaf(RNG.normal(size=(5, 3))), leaf(RNG.normal(size=5))
    out = F.linear(x, w, b)
    np.testing.assert_allclose(out.detach().numpy(), X @ w.detach().numpy().T + b.detach().numpy())
    assert out.grad_fn.name() == "AddmmBackward0"
    names = [f.name() if f is not None else None for f, _ in out.grad_fn.next_functions]
    assert names == ["AccumulateGrad", "AccumulateGrad", "TBackward0"]
    assert F.linear(x, w).grad_fn.name() == "MmBackward0"
    assert gradcheck(F.linear, (x, w, b))
    assert gradcheck(F.linear, (x, w))


@pytest.mark.parametrize("shape", [(3,), (2, 4, 3)])
def test_linear_on_other_ranks_views_an_addmm(shape):
    x, w, b = leaf(RNG.normal(size=shape)), leaf(RNG.normal(size=(5, 3))), leaf(RNG.normal(size=5))
    out = F.linear(x, w, b)
    assert out.shape == shape[:-1] + (5,)
    assert out.grad_fn.name() == "ViewBackward0"
    assert out.grad_fn.next_functions[0][0].name() == "AddmmBackward0"
    assert gradcheck(F.linear, (x, w, b))
    assert gradcheck(F.linear, (x, w))


def test_linear_shape_mismatch_names_the_features():
    with pytest.raises(RuntimeError) as err:
        F.linear(torch.randn(4, 3), torch.randn(5, 2))
    text = str(err.value)
    assert "mat1 and mat2 shapes cannot be multiplied (4x3 and 2x5)" in text
    assert "in_features=2" in text and "[4, 3] has 3" in text


def test_linear_refuses_mixed_dtypes_like_pytorch():
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype, but got Double and Float"):
        F.linear(torch.randn(4, 2, dtype=torch.float64), torch.randn(5, 2))


def test_dropout_zeroes_about_p_and_scales_the_rest():
    torch.manual_seed(0)
    x = torch.ones(100, 100, requires_grad=True)
    out = F.dropout(x, p=0.3)
    values = np.unique(out.detach().numpy())
    np.testing.assert_allclose(values, [0.0, 1 / 0.7])
    kept = (out.detach().numpy() != 0).mean()
    assert 0.67 < kept < 0.73
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.detach().numpy())   # gradient = mask / (1 − p)


def test_dropout_gradient_matches_finite_differences_for_a_fixed_mask():
    def fixed_mask_dropout(x):
        torch.manual_seed(11)          # the same mask on every call
        return F.dropout(x, p=0.4)
    assert gradcheck(fixed_mask_dropout, (leaf(X),))


def test_dropout_is_the_identity_when_not_training_or_p_is_zero():
    x = torch.randn(3, 3)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert np.all(F.dropout(x, 1.0).numpy() == 0)


def test_dropout_repeats_with_the_same_seed():
    torch.manual_seed(3)
    a = F.dropout(torch.ones(50))
    torch.manual_seed(3)
    b = F.dropout(torch.ones(50))
    assert torch.equal(a, b)


def test_dropout_rejects_a_bad_probability():
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout(torch.ones(2), 1.5)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------
def test_cross_entropy_target_out_of_range_names_the_class_count():
    with pytest.raises(IndexError, match="Target 5 is out of bounds for 3 classes"):
        F.cross_entropy(torch.randn(4, 3), torch.tensor([0, 1, 5, 2]))
    with pytest.raises(IndexError, match="Target -1 is out of bounds for 3 classes"):
        F.cross_entropy(torch.randn(4, 3), torch.tensor([0, 1, -1, 2]))


def test_cross_entropy_batch_size_mismatch():
    with pytest.raises(ValueError, match=r"Expected input batch_size \(4\) to match target batch_size \(3\)"):
        F.cross_entropy(torch.randn(4, 3), torch.tensor([0, 1, 2]))


def test_cross_entropy_float_target_of_another_shape_is_explained():
    with pytest.raises(RuntimeError, match=r"class probabilities and must have the input's shape \[4, 3\], got \[4\]"):
        F.cross_entropy(torch.randn(4, 3), torch.tensor([0.0, 1.0, 2.0, 1.0]))


def test_nll_loss_float_targets_are_refused():
    with pytest.raises(RuntimeError, match="expected scalar type Long but found Float"):
        F.nll_loss(torch.randn(4, 3), torch.ones(4, 3)[:, 0])


def test_unknown_reduction_is_refused():
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.mse_loss(torch.ones(2), torch.ones(2), reduction="avg")


def test_bce_input_outside_0_1_is_refused():
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0]))


def test_bce_sizes_must_match():
    with pytest.raises(ValueError, match=r"Using a target size \(torch.Size\(\[4\]\)\) that is different to the "
                                         r"input size \(torch.Size\(\[3\]\)\)"):
        F.binary_cross_entropy(torch.rand(3), torch.rand(4))
    with pytest.raises(ValueError, match=r"Target size \(torch.Size\(\[4\]\)\) must be the same as input size"):
        F.binary_cross_entropy_with_logits(torch.rand(3), torch.rand(4))


def test_label_smoothing_out_of_range_is_refused():
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0. Got: 1.5"):
        F.cross_entropy(torch.randn(2, 3), torch.tensor([0, 1]), label_smoothing=1.5)


# ---------------------------------------------------------------------------------------------
# Parity with real PyTorch (values, gradients, node names), when it is installed
# ---------------------------------------------------------------------------------------------
def _both(fn_name, reduction, a, b, kw_ag, kw_t, target_grad=True, target_int=False):
    T = need_torch(module_level=False)
    TF = T.nn.functional
    xa, xt = leaf(a), T.tensor(a, requires_grad=True)
    if target_int:
        ya, yt = torch.tensor(b), T.tensor(b)
    else:
        ya, yt = (leaf(b), T.tensor(b, requires_grad=True)) if target_grad else (const(b), T.tensor(b))
    out = getattr(F, fn_name)(xa, ya, reduction=reduction, **kw_ag)
    ref = getattr(TF, fn_name)(xt, yt, reduction=reduction, **{k: v(T) for k, v in kw_t.items()})
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    if not target_int and target_grad:
        np.testing.assert_allclose(ya.grad.numpy(), yt.grad.numpy(), rtol=1e-9, atol=1e-12)
    return out, ref


TORCH_CASES = {
    "mse": ("mse_loss", X, Y, {}, {}),
    "l1": ("l1_loss", X, Y, {}, {}),
    "bce": ("binary_cross_entropy", P, Q, {"weight": const(np.array([0.5, 1.0, 2.0]))},
            {"weight": lambda T: T.tensor([0.5, 1.0, 2.0], dtype=T.float64)}),
    "bce_logits": ("binary_cross_entropy_with_logits", X, Q,
                   {"pos_weight": const([1.0, 3.0, 0.5]), "weight": const([[0.5], [1.0], [2.0], [1.5]])},
                   {"pos_weight": lambda T: T.tensor([1.0, 3.0, 0.5], dtype=T.float64),
                    "weight": lambda T: T.tensor([[0.5], [1.0], [2.0], [1.5]], dtype=T.float64)}),
    "ce_probs_smoothed": ("cross_entropy", X, PROBS, {"label_smoothing": 0.2, "weight": const(CLASS_WEIGHT)},
                          {"label_smoothing": lambda T: 0.2, "weight": lambda T: T.tensor(CLASS_WEIGHT)}),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", sorted(TORCH_CASES))
def test_matches_pytorch(case, reduction):
    name, a, b, kw_ag, kw_t = TORCH_CASES[case]
    _both(name, reduction, a, b, kw_ag, kw_t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", sorted(CE_CASES))
def test_cross_entropy_class_indices_matches_pytorch(case, reduction):
    kw = dict(CE_CASES[case])
    targets = CLASSES_IGNORED if case == "smoothing_weight_ignored" else CLASSES
    kw_t = {k: (lambda T, v=v: T.tensor(v)) if k == "weight" else (lambda T, v=v: v) for k, v in kw.items()}
    kw_ag = {k: const(v) if k == "weight" else v for k, v in kw.items()}
    out, ref = _both("cross_entropy", reduction, X, targets, kw_ag, kw_t, target_int=True)
    assert out.grad_fn.name() == ref.grad_fn.name()


def test_linear_graph_matches_pytorch_for_every_rank():
    T = need_torch(module_level=False)
    w, b = RNG.normal(size=(5, 3)), RNG.normal(size=5)
    for shape in [(3,), (4, 3), (2, 4, 3)]:
        x = RNG.normal(size=shape)
        ours = F.linear(leaf(x), leaf(w), leaf(b))
        ref = T.nn.functional.linear(T.tensor(x, requires_grad=True), T.tensor(w, requires_grad=True),
                                     T.tensor(b, requires_grad=True))
        np.testing.assert_allclose(ours.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
        assert ours.grad_fn.name() == ref.grad_fn.name()
        assert type(ours.grad_fn.next_functions[0][0]).__name__ == type(ref.grad_fn.next_functions[0][0]).__name__
