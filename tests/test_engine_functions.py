"""Custom autograd.Function as PyTorch: saved tensors, several outputs, the ctx flags."""
from __future__ import annotations

import numpy as np
import pytest
from engine_support import Square, leaf

import autogradviz as torch


# ---------------------------------------------------------------------------------------------
# Custom Function
# ---------------------------------------------------------------------------------------------
class Scale(torch.autograd.Function):
    calls: list = []  # noqa: RUF012  (shared on purpose: the test reads what forward/backward saw)

    @staticmethod
    def forward(ctx, x, k, w):
        Scale.calls.append(("forward", ctx.needs_input_grad, torch.is_grad_enabled()))
        ctx.save_for_backward(x, w)
        ctx.k = k
        return x * w * k

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        Scale.calls.append(("backward", ctx.needs_input_grad))
        gx = g * w * ctx.k if ctx.needs_input_grad[0] else None
        gw = g * x * ctx.k if ctx.needs_input_grad[2] else None
        return gx, None, gw


def test_custom_function_grad_fn_name_and_needs_input_grad():
    Scale.calls.clear()
    x = leaf([1.0, 2.0])
    w = torch.tensor([3.0, 4.0])
    y = Scale.apply(x, 2.0, w)
    assert type(y.grad_fn).__name__ == "ScaleBackward" and y.grad_fn.name() == "ScaleBackward"
    assert repr(y).endswith("grad_fn=<ScaleBackward>)")
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 8.0]
    assert Scale.calls == [("forward", (True, False, False), False), ("backward", (True, False, False))]


def test_custom_function_next_functions_have_one_entry_per_tensor_argument():
    x = leaf([1.0, 2.0])
    y = Scale.apply(x, 2.0, torch.tensor([3.0, 4.0]))
    fns = y.grad_fn.next_functions
    assert len(fns) == 2
    assert type(fns[0][0]).__name__ == "AccumulateGrad" and fns[0][0].variable is x
    assert fns[1] == (None, 0)


def test_custom_function_without_grad_returns_plain_tensor():
    y = Scale.apply(torch.tensor([1.0]), 2.0, torch.tensor([3.0]))
    assert y.grad_fn is None and not y.requires_grad and y.tolist() == [6.0]
    with torch.no_grad():
        z = Scale.apply(leaf([1.0]), 2.0, torch.tensor([3.0]))
    assert z.grad_fn is None


def test_custom_function_saved_tensors_freed_and_version_checked():
    x = leaf([1.0, 2.0])
    w = torch.tensor([3.0, 4.0])
    y = Scale.apply(x, 2.0, w)
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.sum().backward()
    y2 = Scale.apply(x, 2.0, w)
    w.add_(1)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0 instead"):
        y2.sum().backward()


def test_custom_function_wrong_number_of_gradients():
    class Bad(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match=r"function BadBackward returned an incorrect number of gradients \(expected 2, got 1\)"):
        Bad.apply(leaf([1.0]), 2.0).sum().backward()


def test_custom_function_wrong_gradient_shape():
    class BadShape(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return torch.ones(3)

    with pytest.raises(RuntimeError, match=r"returned an invalid gradient at index 0 - got \[3\] but expected shape compatible with \[2\]"):
        BadShape.apply(leaf([1.0, 2.0])).sum().backward()


def test_custom_function_twice_differentiable():
    x = leaf(3.0)
    (g,) = torch.autograd.grad(Square.apply(x), x, create_graph=True)
    (h,) = torch.autograd.grad(g, x)
    assert g.item() == 6.0 and h.item() == 2.0


def test_custom_function_with_two_outputs_shares_one_node():
    class TwoOut(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    x = leaf([1.0, 2.0])
    a, b = TwoOut.apply(x)
    assert a.grad_fn is b.grad_fn and a.grad_fn.name() == "TwoOutBackward"
    assert [nr for _, nr in (a * b).grad_fn.next_functions] == [0, 1]
    (a + b).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]
    x.grad = None
    b.sum().backward()   # the output that got no gradient is given zeros (materialized)
    assert x.grad.tolist() == [3.0, 3.0]


class ExpSavingItsOutput(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


def test_a_saved_output_takes_part_in_double_backward():
    """Row 12 of #21: PyTorch unpacks a saved output tied to the Function's node."""
    x = leaf([1.0, 2.0])
    (g,) = torch.autograd.grad(ExpSavingItsOutput.apply(x).sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
    assert g.grad_fn.name() == "MulBackward0"


def test_a_saved_output_changed_in_place_raises():
    x = leaf([1.0, 2.0])
    y = ExpSavingItsOutput.apply(x)
    y.mul_(2)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0 instead"):
        y.sum().backward()


class ScaledWithArgmax(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        index = x.argmax()
        ctx.mark_non_differentiable(index)
        return x * 1, index

    @staticmethod
    def backward(ctx, g, g_index):
        ScaledWithArgmax.seen = g_index
        return g


def test_mark_non_differentiable_output():
    """Row 14 of #21."""
    x = leaf([1.0, 3.0])
    y, i = ScaledWithArgmax.apply(x)
    assert not i.requires_grad and i.grad_fn is None and y.grad_fn.name() == "ScaledWithArgmaxBackward"
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    assert ScaledWithArgmax.seen.tolist() == 0 and ScaledWithArgmax.seen.dtype is torch.int64


class ScaleNewStyle(torch.autograd.Function):
    @staticmethod
    def forward(x, k):
        return x * k

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, k = inputs
        ctx.k = k
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None


def test_new_style_forward_with_setup_context():
    """Row 14 of #21."""
    x = leaf([1.0, 2.0])
    y = ScaleNewStyle.apply(x, 3.0)
    assert y.grad_fn.name() == "ScaleNewStyleBackward"
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


class DoubleInPlace(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2


def test_mark_dirty_rewrites_the_history_of_the_input():
    x = leaf([1.0, 2.0])
    y = x * 1
    z = DoubleInPlace.apply(y)
    assert z is y and y.grad_fn.name() == "DoubleInPlaceBackward" and y._version == 2
    assert y.grad_fn.next_functions[0][0].name() == "MulBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been used in an in-place operation"):
        DoubleInPlace.apply(x)


class TwoNotMaterialized(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        return x * 1, x * 2

    @staticmethod
    def backward(ctx, g1, g2):
        TwoNotMaterialized.seen = g2
        return g1


def test_set_materialize_grads_false_gives_none():
    x = leaf([1.0, 2.0])
    TwoNotMaterialized.apply(x)[0].sum().backward()
    assert TwoNotMaterialized.seen is None and x.grad.tolist() == [1.0, 1.0]


class SquareOnce(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    @torch.autograd.once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        SquareOnce.grad_mode = torch.is_grad_enabled()
        return 2 * x * g


def test_once_differentiable_runs_without_recording():
    x = leaf([1.0, 2.0])
    (g,) = torch.autograd.grad(SquareOnce.apply(x).sum(), x, create_graph=True)
    assert SquareOnce.grad_mode is False and g.grad_fn is None and g.tolist() == [2.0, 4.0]
    y = SquareOnce.apply(x)
    (g2,) = torch.autograd.grad(y, x, torch.ones(2, requires_grad=True), create_graph=True)
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked with "
                                           "@once_differentiable"):
        g2.sum().backward()


class ReturnsScalarGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g.sum()


class ReturnsBroadcastGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g[None].expand(3, 2)


def test_a_backward_gradient_must_be_expandable_to_the_input():
    """Row 6 of #21: a gradient the input's shape cannot broadcast to raises; one that the input
    broadcasts to is summed back, as PyTorch's validate_outputs does."""
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"Function ReturnsScalarGradientBackward returned an invalid gradient at "
                                           r"index 0 - got \[\] but expected shape compatible with \[2\]"):
        ReturnsScalarGradient.apply(x).sum().backward()
    ReturnsBroadcastGradient.apply(x).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
