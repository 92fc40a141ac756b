"""nn.Module, Parameter, the layers, the loss layers and nn.init."""
from __future__ import annotations

import copy
import math
import pickle
from collections import OrderedDict

import numpy as np
import pytest
from torch_support import need_torch

import autogradviz as torch
import autogradviz.nn.functional as F
from autogradviz import nn


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.out = nn.Linear(4, 2)
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return self.out(self.act(self.hidden(x))) * self.scale


# ---------------------------------------------------------------------------------------------
# Access paths
# ---------------------------------------------------------------------------------------------
def test_torch_nn_optim_and_utils_data_are_reachable_from_the_package():
    import autogradviz.nn.functional as F2
    from autogradviz import nn as nn2
    assert torch.nn is nn2 and torch.nn.functional is F2
    assert torch.optim.SGD.__name__ == "SGD"
    assert torch.utils.data.DataLoader.__name__ == "DataLoader"


def test_autogradviz_never_imports_real_torch():
    import sys

    for name in ("autogradviz.nn", "autogradviz.nn.functional", "autogradviz.optim", "autogradviz.utils.data",
                 "autogradviz.ops.loss"):
        with open(sys.modules[name].__file__) as f:
            source = f.read()
        assert "import torch" not in source and "from torch" not in source


# ---------------------------------------------------------------------------------------------
# Parameter
# ---------------------------------------------------------------------------------------------
def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter(torch.ones(2, 2))
    assert isinstance(p, torch.Tensor) and p.requires_grad and p.is_leaf
    assert nn.Parameter(torch.ones(2), requires_grad=False).requires_grad is False


def test_parameter_repr_is_pytorchs():
    assert repr(nn.Parameter(torch.ones(2, 2))) == (
        "Parameter containing:\ntensor([[1., 1.],\n        [1., 1.]], requires_grad=True)")
    assert repr(nn.Parameter(torch.ones(2), requires_grad=False)) == "Parameter containing:\ntensor([1., 1.])"


def test_parameter_shares_memory_with_its_data_and_ops_give_plain_tensors():
    t = torch.zeros(3)
    p = nn.Parameter(t)
    p.data.fill_(2.0)
    assert t.tolist() == [2.0, 2.0, 2.0]
    y = p * 2
    assert type(y) is torch.Tensor and y.grad_fn.name() == "MulBackward0"


def test_parameter_survives_deepcopy_and_pickle_as_a_parameter():
    p = nn.Parameter(torch.arange(3.0))
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(q) is nn.Parameter and q.requires_grad and q.tolist() == [0.0, 1.0, 2.0]
        assert q._data is not p._data


def test_integer_parameter_cannot_require_grad():
    with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
        nn.Parameter(torch.tensor([1, 2]))


# ---------------------------------------------------------------------------------------------
# Module: registration and walking the tree
# ---------------------------------------------------------------------------------------------
def test_attribute_assignment_registers_parameters_and_submodules():
    m = TwoLayer()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["scale", "hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert [n for n, _ in m.named_children()] == ["hidden", "act", "out"]
    assert [n for n, _ in m.named_modules()] == ["", "hidden", "act", "out"]
    assert next(iter(m.children())) is m.hidden
    assert len(list(m.modules())) == 4
    assert sum(p.numel() for p in m.parameters()) == 3 * 4 + 4 + 4 * 2 + 2 + 1


def test_shared_parameters_are_listed_once():
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]


def test_assigning_a_tensor_over_a_parameter_is_refused():
    m = TwoLayer()
    with pytest.raises(TypeError, match=r"cannot assign 'torch.FloatTensor' as parameter 'scale' "
                                        r"\(torch.nn.Parameter or None expected\)"):
        m.scale = torch.ones(1)
    m.scale = None
    assert "scale" not in dict(m.named_parameters())


def test_assigning_before_init_is_refused():
    class Forgot(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(torch.ones(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Forgot()


def test_missing_attribute_and_missing_forward():
    m = TwoLayer()
    with pytest.raises(AttributeError, match="'TwoLayer' object has no attribute 'nope'"):
        m.nope  # noqa: B018 - the attribute access is what raises
    with pytest.raises(NotImplementedError, match='Module \\[Module\\] is missing the required "forward" function'):
        nn.Module()(torch.ones(1))


def test_buffers_are_state_but_not_parameters():
    m = nn.Module()
    m.register_buffer("running", torch.zeros(2))
    m.register_buffer("scratch", torch.ones(1), persistent=False)
    assert list(m.parameters()) == []
    assert [n for n, _ in m.named_buffers()] == ["running", "scratch"]
    assert list(m.state_dict()) == ["running"]
    m.running = torch.ones(2)
    assert m.running.tolist() == [1.0, 1.0]


def test_delattr_removes_a_registered_member():
    m = TwoLayer()
    del m.act
    assert [n for n, _ in m.named_children()] == ["hidden", "out"]


def test_call_runs_forward_and_hooks():
    m = TwoLayer()
    seen = []
    handle = m.register_forward_hook(lambda mod, args, out: seen.append(tuple(out.shape)))
    pre = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    out = m(torch.ones(5, 3))
    assert seen == [(5, 2)]
    expected = m.out(torch.relu(m.hidden.bias)).detach() * m.scale.detach()   # input zeroed by the pre-hook
    np.testing.assert_allclose(out.detach().numpy(), np.broadcast_to(expected.numpy(), (5, 2)), rtol=1e-6)
    handle.remove()
    pre.remove()
    m(torch.ones(1, 3))
    assert seen == [(5, 2)]


def test_train_and_eval_set_training_everywhere():
    m = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.Sequential(nn.Dropout(0.1)))
    assert all(mod.training for mod in m.modules())
    assert m.eval() is m
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train("yes")


def test_dropout_layer_respects_training():
    torch.manual_seed(0)
    drop = nn.Dropout(0.5)
    x = torch.ones(1000)
    assert (drop(x) == 0).sum().item() > 400
    drop.eval()
    assert drop(x) is x


def test_zero_grad_sets_to_none_or_zeroes():
    m = TwoLayer()
    m(torch.randn(4, 3)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_apply_visits_children_then_self():
    order = []
    TwoLayer().apply(lambda mod: order.append(type(mod).__name__))
    assert order == ["Linear", "ReLU", "Linear", "TwoLayer"]


def test_to_double_converts_parameters_in_place():
    m = nn.Linear(2, 3)
    w = m.weight
    m.double()
    assert m.weight is w and w.dtype is torch.float64
    assert m(torch.ones(1, 2, dtype=torch.float64)).dtype is torch.float64
    m.to(torch.float32)
    assert w.dtype is torch.float32


# ---------------------------------------------------------------------------------------------
# state_dict
# ---------------------------------------------------------------------------------------------
def test_state_dict_holds_detached_tensors_sharing_memory():
    m = TwoLayer()
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == ["scale", "hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert not sd["hidden.weight"].requires_grad
    assert np.shares_memory(sd["hidden.weight"].numpy(), m.hidden.weight.detach().numpy())


def test_load_state_dict_copies_values_into_the_same_parameters():
    a, b = TwoLayer(), TwoLayer()
    weight = b.hidden.weight
    result = b.load_state_dict(a.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert b.hidden.weight is weight
    x = torch.randn(2, 3)
    assert torch.allclose(a(x), b(x))


def test_load_state_dict_reports_missing_unexpected_and_size_mismatch():
    m = nn.Linear(2, 3)
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "bias"'):
        m.load_state_dict({"weight": torch.zeros(3, 2)})
    with pytest.raises(RuntimeError) as err:
        m.load_state_dict({"weight": torch.zeros(3, 3), "bias": torch.zeros(3), "extra": torch.zeros(1)})
    text = str(err.value)
    assert text.startswith("Error(s) in loading state_dict for Linear:")
    assert 'Unexpected key(s) in state_dict: "extra"' in text
    assert ("size mismatch for weight: copying a param with shape torch.Size([3, 3]) from checkpoint, the shape "
            "in current model is torch.Size([3, 2]).") in text
    keys = m.load_state_dict({"weight": torch.zeros(3, 2)}, strict=False)
    assert keys.missing_keys == ["bias"] and keys.unexpected_keys == []
    assert not m.weight.detach().numpy().any()


def test_deepcopy_and_pickle_of_a_model_give_independent_equal_models():
    m = TwoLayer()
    x = torch.randn(3, 3)
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert torch.allclose(clone(x), m(x))
        assert all(type(p) is nn.Parameter for p in clone.parameters())
        with torch.no_grad():
            clone.hidden.weight.fill_(0.0)
        assert m.hidden.weight.detach().numpy().any()


# ---------------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------------
def test_linear_shapes_attributes_and_repr():
    lin = nn.Linear(2, 1)
    assert lin.weight.shape == (1, 2) and lin.bias.shape == (1,)
    assert isinstance(lin.weight, nn.Parameter)
    assert repr(lin) == "Linear(in_features=2, out_features=1, bias=True)"
    assert repr(nn.Linear(3, 4, bias=False)) == "Linear(in_features=3, out_features=4, bias=False)"
    assert nn.Linear(3, 4, bias=False).bias is None


def test_linear_initialisation_is_uniform_within_one_over_sqrt_fan_in():
    torch.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound                  # fills the interval
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)   # the std of U(−b, b)


def test_linear_forward_records_addmm_and_computes_x_wT_plus_b():
    lin = nn.Linear(3, 2)
    x = torch.randn(4, 3)
    out = lin(x)
    assert out.grad_fn.name() == "AddmmBackward0"
    expected = x.numpy() @ lin.weight.detach().numpy().T + lin.bias.detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6)
    assert lin(torch.randn(5, 2, 3)).shape == (5, 2, 2)


def test_linear_shape_mismatch_names_in_features():
    lin = nn.Linear(2, 5)
    with pytest.raises(RuntimeError) as err:
        lin(torch.randn(4, 3))
    text = str(err.value)
    assert "mat1 and mat2 shapes cannot be multiplied (4x3 and 2x5)" in text
    assert "Linear(in_features=2, out_features=5, bias=True) expects inputs whose last dimension is in_features=2" in text
    assert "has 3" in text


def test_sequential_indexing_len_iteration_and_names():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3
    assert isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.Linear) and seq[-1] is seq[2]
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    assert list(dict(seq.named_parameters())) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is seq[0]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]
    x = torch.randn(4, 2)
    assert torch.allclose(seq(x), seq[2](seq[1](seq[0](x))))


def test_sequential_from_ordered_dict_and_append():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert [n for n, _ in seq.named_children()] == ["fc", "act"]
    assert isinstance(seq.fc, nn.Linear)
    seq.append(nn.Sigmoid())
    assert len(seq) == 3 and isinstance(seq[2], nn.Sigmoid)


def test_nested_repr_matches_pytorch():
    seq = nn.Sequential(nn.Linear(2, 1), nn.ReLU(), nn.Sequential(nn.Flatten(), nn.Dropout(0.2)),
                        nn.Softmax(dim=1), nn.Identity(), nn.MSELoss(), nn.CrossEntropyLoss())
    assert repr(seq) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=1, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Flatten(start_dim=1, end_dim=-1)\n"
        "    (1): Dropout(p=0.2, inplace=False)\n"
        "  )\n"
        "  (3): Softmax(dim=1)\n"
        "  (4): Identity()\n"
        "  (5): MSELoss()\n"
        "  (6): CrossEntropyLoss()\n"
        ")")
    assert repr(nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])) == (
        "ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n  (3): ReLU()\n)")


def test_repr_of_a_custom_module():
    assert repr(TwoLayer()) == (
        "TwoLayer(\n"
        "  (hidden): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (act): ReLU()\n"
        "  (out): Linear(in_features=4, out_features=2, bias=True)\n"
        ")")


def test_module_list_registers_its_modules():
    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    s = Stack()
    assert len(list(s.parameters())) == 6 and len(s.layers) == 3
    assert s(torch.ones(1, 2)).shape == (1, 2)


@pytest.mark.parametrize("layer, fn", [
    (nn.ReLU(), torch.relu), (nn.Sigmoid(), torch.sigmoid), (nn.Tanh(), torch.tanh),
    (nn.Softmax(dim=1), lambda x: torch.softmax(x, 1)), (nn.LogSoftmax(dim=1), lambda x: torch.log_softmax(x, 1)),
    (nn.Identity(54, unused="ignored"), lambda x: x), (nn.Flatten(), lambda x: x.reshape(2, -1)),
])
def test_simple_layers_compute_their_function(layer, fn):
    x = torch.randn(2, 3, 2)
    x2 = x if isinstance(layer, (nn.Flatten, nn.Identity)) else x.reshape(2, 6)
    np.testing.assert_allclose(layer(x2).numpy(), fn(x2).numpy(), rtol=1e-6)


def test_flatten_records_a_view_like_pytorch():
    x = torch.randn(2, 3, 4, requires_grad=True)
    out = nn.Flatten()(x)
    assert out.shape == (2, 12) and out.grad_fn.name() == "ViewBackward0"


# ---------------------------------------------------------------------------------------------
# Loss layers
# ---------------------------------------------------------------------------------------------
def test_loss_layers_call_the_functional_losses_with_their_options():
    torch.manual_seed(0)
    x, y = torch.randn(4, 3), torch.randn(4, 3)
    t = torch.tensor([0, 2, 1, 1])
    p = torch.rand(4, 3)
    w = torch.tensor([1.0, 2.0, 0.5])
    assert torch.allclose(nn.MSELoss()(x, y), F.mse_loss(x, y))
    assert torch.allclose(nn.L1Loss(reduction="sum")(x, y), F.l1_loss(x, y, reduction="sum"))
    assert torch.allclose(nn.CrossEntropyLoss(weight=w, label_smoothing=0.1)(x, t),
                          F.cross_entropy(x, t, weight=w, label_smoothing=0.1))
    assert torch.allclose(nn.NLLLoss(ignore_index=1)(x.log_softmax(1), t),
                          F.nll_loss(x.log_softmax(1), t, ignore_index=1))
    assert torch.allclose(nn.BCELoss(reduction="none")(p, p.round()), F.binary_cross_entropy(p, p.round(), reduction="none"))
    assert torch.allclose(nn.BCEWithLogitsLoss(pos_weight=w)(x, p), F.binary_cross_entropy_with_logits(x, p, pos_weight=w))
    assert nn.CrossEntropyLoss().reduction == "mean"
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        nn.MSELoss(reduction="avg")


# ---------------------------------------------------------------------------------------------
# nn.init
# ---------------------------------------------------------------------------------------------
def test_init_functions_fill_in_place_without_recording_and_return_the_tensor():
    torch.manual_seed(0)
    w = nn.Parameter(torch.empty(200, 100))
    assert nn.init.zeros_(w) is w and not w.detach().numpy().any()
    assert nn.init.ones_(w) is w and (w.detach().numpy() == 1).all()
    assert nn.init.constant_(w, 0.5) is w and (w.detach().numpy() == 0.5).all()
    nn.init.uniform_(w, -2, 3)
    assert w.grad_fn is None and w.is_leaf
    assert w.detach().numpy().min() >= -2 and w.detach().numpy().max() <= 3
    nn.init.normal_(w, 1.0, 0.1)
    assert w.detach().numpy().mean() == pytest.approx(1.0, abs=0.01)
    assert w.detach().numpy().std() == pytest.approx(0.1, rel=0.05)


def test_xavier_and_kaiming_bounds():
    torch.manual_seed(0)
    w = torch.empty(300, 200)
    nn.init.xavier_uniform_(w)
    bound = math.sqrt(6 / (300 + 200))
    assert np.abs(w.numpy()).max() <= bound and np.abs(w.numpy()).max() > 0.99 * bound
    nn.init.kaiming_uniform_(w, nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / 200)
    assert np.abs(w.numpy()).max() <= bound and np.abs(w.numpy()).max() > 0.99 * bound
    nn.init.kaiming_uniform_(w, a=math.sqrt(5))
    assert np.abs(w.numpy()).max() <= 1 / math.sqrt(200)
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)


def test_fan_needs_two_dimensions():
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"):
        nn.init.xavier_uniform_(torch.ones(3))


def test_net_weight_data_normal_and_bias_data_fill_as_in_d2l():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 1))
    net[0].weight.data.normal_(0, 0.01)
    net[0].bias.data.fill_(0)
    assert net[0].bias.tolist() == [0.0]
    assert np.abs(net[0].weight.detach().numpy()).max() < 0.05
    assert net[0].weight.requires_grad and net[0].weight.is_leaf


def test_linear_matches_pytorch_values_and_gradients():
    T = need_torch(module_level=False)
    ours = nn.Linear(3, 2).double()
    ref = T.nn.Linear(3, 2).double()
    with T.no_grad():
        ref.weight.copy_(T.tensor(ours.weight.detach().numpy()))
        ref.bias.copy_(T.tensor(ours.bias.detach().numpy()))
    x = np.random.default_rng(0).normal(size=(5, 3))
    a, b = ours(torch.tensor(x)), ref(T.tensor(x))
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)
    a.pow(2).sum().backward()
    b.pow(2).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), ref.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.bias.grad.numpy(), ref.bias.grad.numpy(), rtol=1e-12)
    assert repr(ours) == repr(ref)
