"""dtypes and promotion, creation functions, conversions and Python protocols, as PyTorch."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from engine_support import leaf

import autogradviz as torch

# ---------------------------------------------------------------------------------------------
# Type promotion
# ---------------------------------------------------------------------------------------------
I32, I64, F32, F64, B = torch.int32, torch.int64, torch.float32, torch.float64, torch.bool


@pytest.mark.parametrize("expr, dtype", [
    (lambda: torch.tensor([1, 2]) * 2.5, F32),
    (lambda: torch.tensor([1, 2]) * 2, I64),
    (lambda: torch.tensor([1.0, 2.0], dtype=F64) * 2.5, F64),
    (lambda: torch.tensor([1.0]) * torch.tensor([2.0], dtype=F64), F64),
    (lambda: torch.tensor([1.0]) * torch.tensor(2.0, dtype=F64), F32),
    (lambda: torch.tensor([1, 2]) + True, I64),
    (lambda: torch.tensor([True]) + True, B),
    (lambda: torch.tensor([True]) + 1, I64),
    (lambda: torch.tensor([True]) * 2.5, F32),
    (lambda: torch.tensor([1, 2], dtype=I32) + torch.tensor(3), I32),
    (lambda: torch.tensor([1, 2], dtype=I32) + torch.tensor([3]), I64),
    (lambda: torch.tensor([1.0, 2.0]) + torch.tensor([3.0], dtype=F64), F64),
    (lambda: torch.tensor(2, dtype=I32) * torch.tensor(2.0, dtype=F64), F64),
    (lambda: torch.tensor([1, 2], dtype=I32) * torch.tensor(2.0, dtype=F64), F64),
    (lambda: torch.tensor([1, 2], dtype=I32) * torch.tensor(2.0, dtype=torch.float16), torch.float16),
    (lambda: torch.tensor([True]) * torch.tensor(2, dtype=I32), I32),
    (lambda: torch.tensor(True) * 2.5, F32),
    (lambda: torch.tensor(2, dtype=I32) * torch.tensor(2), I64),
    (lambda: torch.tensor([1], dtype=torch.uint8) * torch.tensor(-2), torch.uint8),
    (lambda: torch.tensor([1], dtype=torch.int8) + 100, torch.int8),
    (lambda: torch.tensor(2, dtype=I32) * 2.0, F32),
    (lambda: torch.tensor([1, 2], dtype=torch.uint8) + torch.tensor([1], dtype=torch.int8), torch.int16),
    (lambda: torch.tensor([1.0], dtype=torch.float16) + torch.tensor([1]), torch.float16),
    (lambda: torch.tensor([1, 2]) / torch.tensor([1, 2]), F32),
    (lambda: torch.tensor([1, 2]) / 2, F32),
    (lambda: torch.tensor([1, 2]) // 2, I64),
    (lambda: torch.tensor([1, 2]) < torch.tensor([1, 2]), B),
    (lambda: torch.tensor([1.0]) == 1, B),
    (lambda: torch.tensor([1, 2], dtype=I32).sum(), I64),
    (lambda: torch.tensor([True, False]).sum(), I64),
    (lambda: torch.tensor([1, 2], dtype=I32).prod(), I64),
    (lambda: torch.tensor([1, 2], dtype=I32).cumsum(0), I64),
    (lambda: torch.tensor([1.0], dtype=F64).sum(), F64),
    (lambda: torch.tensor([1, 2]) ** 2, I64),
    (lambda: torch.tensor([1, 2]) ** 2.0, F32),
    (lambda: 2 ** torch.tensor([1, 2]), I64),
    (lambda: 2.0 ** torch.tensor([1, 2]), F32),
    (lambda: torch.tensor([1, 2]) ** torch.tensor([1.0, 2.0]), F32),
    (lambda: torch.tensor([1, 2]).exp(), F32),
    (lambda: torch.tensor([1, 2]).sqrt(), F32),
    (lambda: torch.tensor([-1, 2]).abs(), I64),
    (lambda: torch.tensor([-1, 2]).relu(), I64),
    (lambda: torch.tensor([1, 2]).sigmoid(), F32),
    (lambda: -torch.tensor([1, 2], dtype=I32), I32),
    (lambda: torch.tensor([1, 2]).float(), F32),
    (lambda: torch.tensor([1.5]).long(), I64),
    (lambda: torch.tensor([1.5]).int(), I32),
    (lambda: torch.tensor([1.5]).double(), F64),
    (lambda: torch.tensor([1.5]).half(), torch.float16),
    (lambda: torch.tensor([0.0, 1.5]).bool(), B),
    (lambda: torch.where(torch.tensor([True]), torch.tensor([1]), 2.5), F32),
    (lambda: torch.tensor([1, 2]) @ torch.tensor([3, 4]), I64),
])
def test_type_promotion(expr, dtype):
    assert expr().dtype is dtype


def test_promote_types_function():
    assert torch.promote_types(torch.int32, torch.float32) is torch.float32
    assert torch.promote_types(torch.uint8, torch.int8) is torch.int16
    assert torch.promote_types(torch.bool, torch.int32) is torch.int32
    assert torch.promote_types(torch.float16, torch.float64) is torch.float64


def test_mean_of_ints_raises():
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype. Input dtype must be either a "
                                           "floating point or complex dtype. Got: Long"):
        torch.tensor([1, 2]).mean()
    assert torch.tensor([1, 2]).float().mean().item() == 1.5
    assert torch.tensor([1, 2]).mean(dtype=torch.float64).dtype is torch.float64


def test_var_std_norm_of_ints_raise():
    with pytest.raises(RuntimeError, match="std and var only support floating point and complex dtypes"):
        torch.tensor([1, 2]).var()
    with pytest.raises(RuntimeError, match="std and var only support floating point and complex dtypes"):
        torch.tensor([1, 2]).std()
    with pytest.raises(RuntimeError, match="linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"):
        torch.tensor([1, 2]).norm()


def test_integer_ops_keep_exact_values():
    x = torch.tensor([7, -7])
    assert (x // 2).tolist() == [3, -4]
    assert (x % 3).tolist() == [1, 2]
    assert torch.div(x, 2, rounding_mode="trunc").tolist() == [3, -3]
    assert (x * 3).tolist() == [21, -21]
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed."):
        x ** -1


def test_default_dtype_can_be_changed():
    try:
        torch.set_default_dtype(torch.float64)
        assert torch.get_default_dtype() is torch.float64
        assert torch.tensor([1.0]).dtype is torch.float64 and torch.ones(2).dtype is torch.float64
        assert (torch.tensor([1, 2]) * 2.5).dtype is torch.float64
    finally:
        torch.set_default_dtype(torch.float32)
    assert torch.tensor([1.0]).dtype is torch.float32


# ---------------------------------------------------------------------------------------------
# Creation functions
# ---------------------------------------------------------------------------------------------
def test_tensor_from_nested_lists_infers_the_dtype():
    assert torch.tensor([[1, 2], [3, 4]]).dtype is I64
    assert torch.tensor([[1, 2], [3, 4.5]]).dtype is F32
    assert torch.tensor([True, False]).dtype is B
    assert torch.tensor([1, 2.0, True]).dtype is F32
    assert torch.tensor([True, 2]).dtype is I64
    assert torch.tensor(3).dtype is I64 and torch.tensor(3).shape == ()
    assert torch.tensor(3.5).dtype is F32
    assert torch.tensor([]).dtype is F32 and torch.tensor([]).shape == (0,)
    assert torch.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert torch.tensor(((1, 2), (3, 4))).shape == (2, 2)
    assert torch.tensor([torch.tensor(1.5), torch.tensor(2.5)]).tolist() == [1.5, 2.5]
    assert torch.tensor([1, 2], dtype=torch.float64).dtype is F64


def test_numpy_arrays_keep_their_dtype():
    assert torch.tensor(np.array([1.0, 2.0])).dtype is F64
    assert torch.tensor(np.array([1, 2], dtype=np.int32)).dtype is I32
    assert torch.tensor(np.array([1.0], dtype=np.float32)).dtype is F32
    assert torch.tensor(np.float64(2.5)).dtype is F64
    assert torch.tensor(np.array([True])).dtype is B
    assert torch.as_tensor(np.array([1, 2])).dtype is I64


def test_tensor_copies_but_from_numpy_and_as_tensor_share_memory():
    a = np.zeros(3)
    t, f, s = torch.tensor(a), torch.from_numpy(a), torch.as_tensor(a)
    a[0] = 5.0
    assert t.tolist() == [0.0, 0.0, 0.0]
    assert f.tolist() == [5.0, 0.0, 0.0] and s.tolist() == [5.0, 0.0, 0.0]
    f[1] = 7.0
    assert a[1] == 7.0
    x = torch.ones(2)
    assert torch.as_tensor(x) is x
    assert torch.as_tensor(x, dtype=torch.float64).dtype is F64
    assert torch.as_tensor([1, 2]).dtype is I64


def test_numpy_shares_memory_with_the_tensor():
    x = torch.zeros(2)
    a = x.numpy()
    a[0] = 3.0
    assert x.tolist() == [3.0, 0.0]


def test_arange_dtypes_and_values():
    assert torch.arange(5).dtype is I64 and torch.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert torch.arange(5.0).dtype is F32
    assert torch.arange(1, 4).tolist() == [1, 2, 3]
    assert torch.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    assert torch.arange(0, 1, 0.3).shape == (4,)
    assert torch.arange(5, 0, -2).tolist() == [5, 3, 1]
    assert torch.arange(3, dtype=torch.float64).dtype is F64


def test_linspace_logspace_eye():
    assert torch.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert torch.linspace(0, 1, 5).dtype is F32
    assert torch.linspace(2, 2, 1).tolist() == [2.0]
    assert torch.logspace(0, 2, 3).tolist() == [1.0, 10.0, 100.0]
    assert torch.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]] and torch.eye(2).dtype is F32
    assert torch.eye(2, 3, dtype=torch.int64).tolist() == [[1, 0, 0], [0, 1, 0]]


def test_constant_factories():
    assert torch.zeros(2, 3).dtype is F32 and torch.zeros((2, 3)).shape == (2, 3)
    assert torch.zeros([2, 3]).shape == (2, 3) and torch.zeros(torch.Size([2, 3])).shape == (2, 3)
    assert torch.ones(2).tolist() == [1.0, 1.0]
    assert torch.zeros(()).shape == () and torch.ones(0).shape == (0,)
    assert torch.full((2,), 3).dtype is I64 and torch.full((2,), 3.0).dtype is F32
    assert torch.full((2,), True).dtype is B and torch.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert torch.empty(2, 3).shape == (2, 3)
    assert torch.zeros(2, requires_grad=True).requires_grad


def test_like_factories():
    i = torch.tensor([1, 2])
    f = torch.tensor([1.0, 2.0], dtype=torch.float64)
    assert torch.zeros_like(i).dtype is I64 and torch.zeros_like(i).tolist() == [0, 0]
    assert torch.ones_like(f).dtype is F64
    assert torch.full_like(i, 2.7).tolist() == [2, 2]
    assert torch.full_like(f, 2.5).tolist() == [2.5, 2.5]
    assert torch.ones_like(i, dtype=torch.float32).dtype is F32
    assert torch.empty_like(f).shape == (2,)
    assert torch.rand_like(f).dtype is F64 and torch.randn_like(f).shape == (2,)


def test_random_factories():
    r = torch.rand(100)
    assert r.dtype is F32 and r.shape == (100,) and r.min().item() >= 0 and r.max().item() < 1
    assert torch.randn(2, 3).shape == (2, 3) and torch.randn(2, dtype=torch.float64).dtype is F64
    ri = torch.randint(0, 5, (50,))
    assert ri.dtype is I64 and set(ri.tolist()) <= {0, 1, 2, 3, 4}
    assert torch.randint(3, (4,)).max().item() < 3
    assert torch.normal(0.0, 1.0, (2,)).dtype is F32
    assert torch.normal(torch.zeros(3), 1.0).shape == (3,)
    assert sorted(torch.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    assert torch.rand(size=(2, 2)).shape == (2, 2)


def test_manual_seed_repeats():
    torch.manual_seed(123)
    a = (torch.rand(3), torch.randn(3), torch.randint(0, 100, (3,)), torch.normal(0.0, 1.0, (2,)))
    torch.manual_seed(123)
    b = (torch.rand(3), torch.randn(3), torch.randint(0, 100, (3,)), torch.normal(0.0, 1.0, (2,)))
    assert all(x.tolist() == y.tolist() for x, y in zip(a, b))
    torch.manual_seed(124)
    assert torch.rand(3).tolist() != a[0].tolist()
    g = torch.Generator().manual_seed(5)
    h = torch.Generator().manual_seed(5)
    assert torch.rand(3, generator=g).tolist() == torch.rand(3, generator=h).tolist()


def test_cat_and_stack():
    a, b = torch.tensor([[1, 2]]), torch.tensor([[3, 4]])
    assert torch.cat([a, b]).tolist() == [[1, 2], [3, 4]]
    assert torch.cat((a, b), dim=1).tolist() == [[1, 2, 3, 4]]
    assert torch.stack([a, b]).shape == (2, 1, 2)
    assert torch.stack([a, b], dim=2).tolist() == [[[1, 3], [2, 4]]]
    assert torch.cat([torch.tensor([1.0]), torch.tensor([2], dtype=torch.int64)]).dtype is F32
    assert torch.cat([torch.tensor([]), torch.tensor([1.0, 2.0])]).tolist() == [1.0, 2.0]


# ---------------------------------------------------------------------------------------------
# Conversions and Python protocols
# ---------------------------------------------------------------------------------------------
def test_tolist_and_item():
    assert torch.tensor([[1.5, 2.0], [3.0, 4.0]]).tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert torch.tensor(3.5).tolist() == 3.5
    assert type(torch.tensor([1, 2]).tolist()[0]) is int
    assert torch.tensor(3.5).item() == 3.5 and type(torch.tensor(3).item()) is int
    assert torch.tensor([[2.5]]).item() == 2.5
    assert type(torch.tensor(True).item()) is bool
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        torch.tensor([1.0, 2.0]).item()


def test_python_number_conversions():
    assert float(torch.tensor([2.5])) == 2.5 and int(torch.tensor([2.7])) == 2
    assert bool(torch.tensor([0.0])) is False and bool(torch.tensor(3)) is True
    assert [10, 20, 30][torch.tensor(1)] == 20
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(torch.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        if torch.tensor([1, 2]) > 0:
            pass
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        float(torch.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="only integer tensors of a single element can be converted to an index"):
        [1, 2][torch.tensor(1.0)]


def test_len_and_iteration():
    x = torch.arange(6).view(3, 2)
    assert len(x) == 3
    rows = list(x)
    assert [r.tolist() for r in rows] == [[0, 1], [2, 3], [4, 5]]
    assert [v.item() for v in torch.tensor([1, 2])] == [1, 2]
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(torch.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(torch.tensor(1.0))
    assert 3 in torch.tensor([1, 2, 3]) and 4 not in torch.tensor([1, 2, 3])


def test_array_protocol():
    x = torch.tensor([1.0, 2.0])
    a = np.asarray(x)
    assert a.dtype == np.float32 and a.tolist() == [1.0, 2.0]
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert np.add(np.zeros(2), x).tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad. Use tensor.detach\(\).numpy\(\) instead."):
        np.asarray(leaf([1.0]))
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        leaf([1.0]).numpy()
    assert leaf([1.0]).detach().numpy().tolist() == [1.0]


def test_numpy_array_on_the_left_of_an_operator_gives_a_tensor():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0]) * x
    assert isinstance(y, torch.Tensor) and y.requires_grad
    z = np.array([1.0, 1.0]) + torch.tensor([1.0, 2.0])
    assert isinstance(z, torch.Tensor)


def test_T_data_device_type_to():
    x = torch.zeros(2, 3)
    assert x.T.shape == (3, 2) and torch.zeros(3).T.shape == (3,)
    assert str(x.device) == "cpu" and repr(x.device) == "device(type='cpu')" and x.device == torch.device("cpu") and x.device != "cpu"
    assert x.type() == "torch.FloatTensor" and torch.zeros(2, dtype=torch.int64).type() == "torch.LongTensor"
    assert x.type(torch.float64).dtype is F64 and x.type("torch.DoubleTensor").dtype is F64
    assert x.to(torch.float64).dtype is F64 and x.to("cpu") is x and x.to(dtype=torch.int32).dtype is I32
    assert x.to(torch.zeros(1, dtype=torch.int64)).dtype is I64
    assert x.to("cpu", torch.float16).dtype is torch.float16
    assert x.to(torch.float32) is x and x.to(torch.float32, copy=True) is not x
    assert x.cpu() is x and x.is_floating_point() and not x.is_cuda


def test_size_shape_dim_numel():
    x = torch.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.size() == torch.Size([2, 3, 4]) and x.size(1) == 3 and x.size(-1) == 4
    assert x.dim() == x.ndim == 3 and x.numel() == 24 and torch.numel(x) == 24
    assert isinstance(x.shape, torch.Size) and x.shape.numel() == 24
    assert x.element_size() == 4 and torch.zeros(1, dtype=torch.float64).element_size() == 8


def test_clone_copies_and_stays_in_the_graph():
    x = leaf([1.0, 2.0])
    c = x.clone()
    assert c.grad_fn.name() == "CloneBackward0"
    with torch.no_grad():
        c.add_(1)
    assert x.tolist() == [1.0, 2.0]


def test_deepcopy_and_pickle_of_leaves():
    x = leaf([1.0, 2.0])
    y = copy.deepcopy(x)
    assert y.tolist() == [1.0, 2.0] and y.requires_grad and y is not x
    z = pickle.loads(pickle.dumps(x))
    assert z.tolist() == [1.0, 2.0] and z.requires_grad
    with pytest.raises(RuntimeError, match="Only Tensors created explicitly by the user"):
        copy.deepcopy(x * 2)


def test_comparisons_with_non_tensors_follow_python():
    x = torch.tensor([1.0, 2.0])
    assert (x == None) is False  # noqa: E711 (the == None comparison itself is under test)
    assert (x != "a") is True
    assert (x == 1.0).tolist() == [True, False]


@pytest.mark.parametrize("dtype, other, expected", [
    ("int8", 1000, [-23]), ("uint8", 300, [45]), ("int16", 70000, [4465]), ("int32", 2**33 + 5, [6]),
    ("int8", -1000, [25]),
])
def test_python_int_out_of_range_of_a_narrow_int_tensor_wraps_around(dtype, other, expected):
    """PyTorch casts the Python int to the tensor's dtype modulo 2**bits; NumPy 2 would raise."""
    t = torch.tensor([1], dtype=getattr(torch, dtype))
    out = t + other
    assert out.dtype == getattr(torch, dtype) and out.tolist() == expected


@pytest.mark.parametrize("cast", [lambda t: t.long(), lambda t: t.bool(), lambda t: t.to(torch.int64),
                                  lambda t: t.int(), lambda t: t.round().long(), lambda t: t.argmax()])
def test_integer_and_bool_results_never_require_grad(cast):
    """Row 7 of #21."""
    out = cast(leaf([1.5, 2.5]))
    assert not out.requires_grad and out.grad_fn is None


def test_float_casts_stay_in_the_graph():
    x = leaf([1.5, 2.5])
    assert x.double().grad_fn.name() == "ToCopyBackward0" and x.floor().requires_grad
