"""``out=``: every public function of the package that PyTorch also has is called with ``out=`` under
both. Where PyTorch writes the result into ``out``, autogradviz must write the same values into
the same object; where PyTorch refuses ``out=``, autogradviz must refuse it too (never ignore it)."""
from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from torch_support import need_torch

import autogradviz as agv
from autogradviz.ops import TOP_LEVEL_INPLACE
from autogradviz.ops.out import OUT_FACTORIES, OUT_FUNCTIONS

torch = need_torch()

POS = [[0.5, 1.25, 2.0], [1.5, 0.75, 1.0]]
OTHER = [[1.0, 0.5, 2.5], [0.25, 1.5, 1.0]]
INTS = [[3, 1, 4], [1, 5, 9]]
MASK = [[True, False, True], [False, True, True]]

UNARY = ("abs", "absolute", "acos", "arccos", "arcsin", "arctan", "asin", "atan", "cosh", "erf", "sinh", "ceil", "clone", "cos", "exp", "expm1", "flatten", "floor", "isfinite", "isinf",
         "isnan", "log", "log10", "log1p", "log2", "logical_not", "neg", "negative", "numel", "reciprocal", "relu",
         "round", "rsqrt", "sigmoid", "sign", "sin", "sqrt", "square", "t", "tan", "tanh", "detach", "norm",
         "is_floating_point", "count_nonzero")
BINARY = ("add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "maximum", "minimum", "pow",
          "remainder", "floor_divide", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
          "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor", "allclose", "isclose", "equal",
          "rsub", "atan2", "arctan2", "logaddexp")
ALONG_DIM_0 = ("sum", "mean", "prod", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin", "cumsum",
               "logsumexp", "softmax", "log_softmax", "squeeze", "unsqueeze", "unbind", "flip")


def samples(lib) -> dict:
    """A call of each function: name -> (args, kwargs)."""
    x, y = lib.tensor(POS), lib.tensor(OTHER)
    i, b = lib.tensor(INTS), lib.tensor(MASK)
    m = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
    v = lib.tensor([1.0, -1.0])
    calls = {name: ((x,), {}) for name in UNARY}
    calls.update({name: ((x, y), {}) for name in BINARY})
    calls.update({name: ((x, 0), {}) for name in ALONG_DIM_0})
    calls.update({name: ((i, i), {}) for name in ("bitwise_and", "bitwise_or", "bitwise_xor")})
    calls.update({name: ((x, 0.8, 1.6), {}) for name in ("clamp", "clip")})
    calls.update({name: ((m, m), {}) for name in ("matmul", "mm")})
    calls.update({name: ((v, v), {}) for name in ("dot", "vdot", "inner", "outer", "ger")})
    calls.update({name: (([x, y],), {}) for name in ("cat", "concat", "concatenate", "stack")})
    calls.update({name: ((x, 0, 1), {}) for name in ("transpose", "swapaxes", "swapdims", "movedim")})
    calls.update({
        "bitwise_not": ((i,), {}), "lerp": ((x, y, 0.25), {}),
        "bmm": ((m[None], m[None]), {}), "tril": ((m,), {}), "trace": ((m,), {}), "triu": ((m,), {}), "diag": ((m,), {}),
        "roll": ((x, 1), {}), "tile": ((x, (2,)), {}), "sort": ((x, 1), {}), "argsort": ((x, 1), {}),
        "topk": ((x, 2), {}), "cumprod": ((x, 1), {}), "hstack": (([x, y],), {}), "vstack": (([x, y],), {}),
        "meshgrid": ((v, v), {"indexing": "ij"}), "nonzero": ((i,), {}), "unique": ((i,), {}),
        "scatter": ((x, 0, lib.tensor([[0, 1, 0]]), y), {}), "scatter_add": ((x, 0, lib.tensor([[0, 1, 0]]), y), {}),
        "einsum": (("ij,jk->ik", m, m), {}), "tensordot": ((m, m), {"dims": 1}), "cdist": ((m, m), {}),
        "repeat_interleave": ((v, 2), {}), "bernoulli": ((x * 0.3,), {}), "multinomial": ((x, 2), {}),
        "randint_like": ((i, 10), {}), "all": ((b, 0), {}), "any": ((b, 0), {}), "clamp_min": ((x, 1.0), {}),
        "clamp_max": ((x, 1.0), {}), "where": ((b, x, y), {}), "addmm": ((v, m, m), {}), "mv": ((m, v), {}),
        "gather": ((x, 1, lib.tensor([[0, 0], [2, 1]])), {}), "index_select": ((x, 1, lib.tensor([2, 0])), {}),
        "masked_fill": ((x, b, 0.0), {}), "permute": ((x, (1, 0)), {}), "reshape": ((x, (3, 2)), {}),
        "broadcast_to": ((v, (3, 2)), {}), "split": ((x, 1), {}), "chunk": ((x, 2, 1), {}),
        "select": ((x, 1, 0), {}), "narrow": ((x, 1, 1, 2), {}), "diagonal": ((x,), {}), "relu_": ((x * 1,), {}),
        "zeros": ((2, 3), {}), "ones": ((2, 3), {}), "empty": ((2, 3), {}), "full": (((2, 3), 1.5), {}),
        "arange": ((5,), {}), "linspace": ((0, 1, 5), {}), "logspace": ((0, 2, 3), {}), "eye": ((3,), {}),
        "rand": ((2, 3), {}), "randn": ((2, 3), {}), "randint": ((0, 5, (3,)), {}), "randperm": ((4,), {}),
        "normal": ((x, 1.0), {}), "tensor": ((POS,), {}), "as_tensor": ((POS,), {}), "asarray": ((POS,), {}),
        "zeros_like": ((x,), {}), "ones_like": ((x,), {}), "empty_like": ((x,), {}), "rand_like": ((x,), {}),
        "randn_like": ((x,), {}), "full_like": ((x, 2.0), {}), "from_numpy": ((np.ones(2),), {}),
        "as_strided": ((x, (2, 2), (1, 3)), {}), "index_add": ((x, 1, lib.tensor([2, 0]), y[:, :2]), {}),
        "index_copy": ((x, 1, lib.tensor([2, 0]), y[:, :2]), {}), "index_fill": ((x, 1, lib.tensor([2]), 0.5), {}),
        "ravel": ((x,), {}), "tensor_split": ((x, 2, 1), {}), "unflatten": ((x, 1, (3, 1)), {}),
        "atleast_1d": ((x,), {}), "atleast_2d": ((v,), {}), "atleast_3d": ((x,), {}), "fliplr": ((x,), {}),
        "flipud": ((x,), {}), "moveaxis": ((x, 0, 1), {}), "broadcast_shapes": (((2, 1), (3,)), {}),
        "broadcast_tensors": ((x, v[:1]), {}), "column_stack": (([v, v],), {}), "dstack": (([x, y],), {}),
        "row_stack": (([x, y],), {}), "range": ((0, 4), {}), "addcmul": ((x, y, x), {"value": 0.5}),
        "addcdiv": ((x, y, x), {"value": 2}), "trunc": ((x * 3,), {}), "fix": ((x * -3,), {}), "fmod": ((x, 0.4), {}),
        "clamp_": ((x * 1, 0.8, 1.6), {}), "clip_": ((x * 1, 0.8), {}), "clamp_min_": ((x * 1, 1.0), {}),
        "clamp_max_": ((x * 1, 1.0), {}), "fill_": ((x * 1, 2.0), {}), "inverse": ((m,), {}), "det": ((m,), {}),
        "slogdet": ((m,), {}), "logdet": ((m,), {}), "matrix_power": ((m, 3), {}), "kron": ((m, v), {}),
        "cross": ((lib.ones(2, 3), x), {"dim": 1}), "diff": ((x,), {}), "diag_embed": ((x,), {}),
        "bincount": ((i[0],), {}), "cummax": ((x, 1), {}), "cummin": ((x, 1), {}), "masked_select": ((x, b), {}),
        "median": ((x, 1), {}), "mode": ((x, 1), {}), "nanmean": ((x,), {}), "nanmedian": ((x, 1), {}),
        "nanquantile": ((x, 0.5), {}), "nansum": ((x,), {}), "quantile": ((x, 0.5), {}), "std_mean": ((x,), {}),
        "searchsorted": ((lib.tensor([1.0, 2.0]), x), {}), "take_along_dim": ((x, lib.tensor([[0], [1]]), 1), {}),
        "var_mean": ((x,), {}), "acosh": ((x + 1,), {}), "arccosh": ((x + 1,), {}), "atanh": ((x * 0.3,), {}),
        "arctanh": ((x * 0.3,), {}), "logit": ((x * 0.3,), {}), "nan_to_num": ((x,), {}), "msort": ((x,), {}),
        "argwhere": ((i,), {}), "isin": ((i, i[0]), {}), "bucketize": ((x, lib.tensor([1.0, 2.0])), {}),
        "positive": ((x,), {}),
    })
    calls.update({name: ((x,), {}) for name in ("asinh", "arcsinh", "frac", "exp2", "erfc", "deg2rad", "rad2deg",
                                                "sinc")})
    calls.update({name: ((x, y), {}) for name in ("hypot", "logaddexp2", "fmax", "fmin")})
    calls.update({name: ((x * 1,), {}) for name in TOP_LEVEL_INPLACE if name not in calls})
    return calls


RANDOM = {"rand", "randn", "randint", "randperm", "empty", "normal", "rand_like", "randn_like", "empty_like", "bernoulli",
          "multinomial", "randint_like"}


def tensor_functions() -> list[str]:
    """The public functions of autogradviz that PyTorch has too."""
    names = []
    for name in dir(agv):
        fn = getattr(agv, name)
        if (name.startswith("_") or name in ("manual_seed", "seed") or not inspect.isfunction(fn)
                or not callable(getattr(torch, name, None))):
            continue
        if inspect.unwrap(fn).__module__.startswith(("autogradviz.ops", "autogradviz.creation")):
            names.append(name)
    return sorted(names)


def test_every_tensor_function_has_a_sample_call():
    missing = sorted(set(tensor_functions()) - set(samples(agv)))
    assert not missing, f"add a sample call for: {missing}"


def _values(result):
    if isinstance(result, tuple):
        return [r.numpy() for r in result]
    return result.numpy()


def _blank_like(lib, result):
    """An out tensor (or tuple) of the result's dtypes and shapes, filled with a sentinel."""
    if isinstance(result, (tuple, list)):
        return tuple(_blank_like(lib, r) for r in result)
    if not isinstance(result, torch.Tensor):
        return lib.zeros(1)
    return lib.full(tuple(result.shape), 7, dtype=getattr(lib, str(result.dtype).split(".")[-1]))


@pytest.mark.parametrize("name", tensor_functions())
def test_out_is_written_as_pytorch_writes_it(name):
    args, kwargs = samples(torch)[name]
    try:
        expected = getattr(torch, name)(*args, **kwargs)
        theirs_out = _blank_like(torch, expected)
        getattr(torch, name)(*args, out=theirs_out, **kwargs)
    except TypeError:
        with pytest.raises(TypeError, match="out"):
            ours_args, ours_kwargs = samples(agv)[name]
            getattr(agv, name)(*ours_args, out=agv.zeros(1), **ours_kwargs)
        assert name not in OUT_FUNCTIONS + OUT_FACTORIES
        return
    assert name in OUT_FUNCTIONS + OUT_FACTORIES
    ours_args, ours_kwargs = samples(agv)[name]
    ours_out = _blank_like(agv, expected)
    keep = ours_out if isinstance(ours_out, tuple) else (ours_out,)
    arrays = [o._data for o in keep]
    returned = getattr(agv, name)(*ours_args, out=ours_out, **ours_kwargs)
    got = returned if isinstance(returned, tuple) else (returned,)
    assert all(g is o and g._data is a for g, o, a in zip(got, keep, arrays))   # written in place
    assert all(o._version == 1 for o in keep)
    if name in RANDOM:
        assert all((o.numpy() != 7).any() or name == "empty" for o in keep)
    else:
        np.testing.assert_allclose(_values(ours_out), _values(theirs_out), rtol=1e-6)
    assert repr(type(returned).__name__) == repr(type(expected if not isinstance(expected, tuple)
                                                      else getattr(torch, name)(*args, out=theirs_out, **kwargs)).__name__)


def _outcome(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}", []
    return repr(result), [str(w.message).split(" (Triggered internally")[0] for w in caught]


ERRORS = [
    "lib.mul(a, g, out=lib.empty(3))",
    "lib.mul(a, a, out=lib.empty(3, requires_grad=True))",
    "lib.mul(a, a, out=[1])",
    "lib.mul(a, a, out=lib.empty(3, dtype=lib.int64))",
    "lib.mul(a, a, out=lib.empty(3, dtype=lib.float64))",
    "lib.eq(a, a, out=lib.empty(3))",
    "lib.mul(a, a, out=lib.empty(2))",
    "lib.mul(a, a, out=lib.empty(0))",
    "lib.zeros(2, out=lib.empty(2, dtype=lib.int64))",
    "lib.arange(4, out=lib.empty(4, dtype=lib.float64))",
    "lib.matmul(lib.ones(2, 2), lib.ones(2, 2), out=lib.empty(2, 2))",
    "lib.reshape(a, (3,), out=lib.empty(3))",
    "lib.clone(a, out=lib.empty(3))",
]


@pytest.mark.parametrize("program", ERRORS)
def test_out_errors_and_warnings_equal_pytorchs(program):
    def run(lib):
        names = {"lib": lib, "a": lib.ones(3), "g": lib.ones(3, requires_grad=True)}
        return _outcome(lambda: eval(program, names))
    assert run(agv) == run(torch)


def test_max_along_a_dim_needs_a_pair_of_out_tensors():
    with pytest.raises(TypeError, match=r"max\(\): argument 'out' must be tuple of 2 Tensors, not Tensor"):
        agv.max(agv.ones(2, 3), 1, out=agv.empty(2))


def test_out_under_no_grad_takes_inputs_that_require_grad():
    g = agv.ones(3, requires_grad=True)
    out = agv.empty(3)
    with agv.no_grad():
        agv.mul(g, 2.0, out=out)
    assert out.tolist() == [2.0, 2.0, 2.0] and not out.requires_grad


def test_views_of_out_see_the_written_values():
    out = agv.zeros(2, 2)
    row = out[0]
    agv.add(agv.ones(2, 2), 1.0, out=out)
    assert row.tolist() == [2.0, 2.0]


def test_learn_the_basics_out_lines():
    tensor = agv.ones(4, 4)
    tensor[:, 1] = 0
    y3 = agv.rand_like(tensor)
    agv.matmul(tensor, tensor.T, out=y3)
    z3 = agv.rand_like(tensor)
    agv.mul(tensor, tensor, out=z3)
    assert agv.equal(y3, tensor @ tensor.T) and agv.equal(z3, tensor * tensor)
