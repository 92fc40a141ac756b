"""The engine's fast paths change nothing but speed: backward visits nodes in the ready queue's
order even where it skips the queue (a chain), the garbage collector is paused only while a
backward pass runs, apply's fast path builds the same nodes as its general path, and backward's
rule runner for NumPy arrays (``OpNode.numpy_grads``) gives what the general one (``OpNode.apply``,
which ``autograd.grad`` uses) gives, bit for bit, for every op of the table."""
from __future__ import annotations

import gc
import heapq
import random
import weakref

import numpy as np
import pytest
from gradient_support import arrays_for, leaves
from op_cases import CASES

import autogradviz as torch
from autogradviz.autograd import backward_steps
from autogradviz.autograd.engine import _Ready
from autogradviz.ops import elementwise as E
from autogradviz.ops.registry import _record, apply


def _queue_order(out) -> list:
    """The nodes in the order a plain ready queue (a heap of every ready node) gives them."""
    root = out.grad_fn
    deps: dict = {}
    stack, seen = [root], {root}
    while stack:
        for nxt in stack.pop()._fns:
            if nxt is None:
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    ready, order = [_Ready(root)], []
    while ready:
        node = heapq.heappop(ready).node
        order.append(node)
        for nxt in node._fns:
            if nxt is None:
                continue
            deps[nxt] -= 1
            if deps[nxt] == 0:
                heapq.heappush(ready, _Ready(nxt))
    return order


def _random_graph(seed: int):
    """Chains, branches that meet again, leaves used several times, a number now and then."""
    rng = random.Random(seed)
    leaves = [torch.tensor([0.5 + k, 1.5 - k], requires_grad=True) for k in range(rng.randint(1, 4))]
    values = list(leaves)
    for _ in range(rng.randint(5, 40)):
        kind = rng.random()
        a = rng.choice(values[-4:]) if rng.random() < 0.8 else rng.choice(values)
        if kind < 0.3:
            v = a * rng.choice(values)
        elif kind < 0.5:
            v = a + rng.choice(values)
        elif kind < 0.7:
            v = a.sin()
        elif kind < 0.85:
            v = a * 0.5
        else:
            v = torch.cat([a, rng.choice(values)])[:2]
        values.append(v)
    out = values[-1]
    for v in rng.sample(values[len(leaves):], min(3, len(values) - len(leaves))):
        out = out + v   # branches that meet again
    return out.sum(), leaves


@pytest.mark.parametrize("seed", range(40))
def test_backward_visits_nodes_in_the_ready_queues_order(seed):
    out, _ = _random_graph(seed)
    steps = [s.node for s in backward_steps([out], retain_graph=True, accumulate=False)]
    assert steps == _queue_order(out)


@pytest.mark.parametrize("seed", range(10))
def test_backward_gives_the_gradients_the_stepper_reports(seed):
    out, leaves = _random_graph(seed)
    reported = {}
    for s in backward_steps([out], retain_graph=True, accumulate=False):
        if s.leaf is not None:
            reported[id(s.leaf)] = s.grad_after
    out.backward()
    for x in leaves:
        if x.grad is not None:
            np.testing.assert_array_equal(x.grad.numpy(), reported[id(x)])


def test_a_chain_runs_hooks_retain_grad_and_version_checks_in_order():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    y = x * 2.0
    y.retain_grad()
    y.register_hook(lambda g: seen.append(("y", g.tolist())) or g * 10)
    z = y.exp()
    z.grad_fn.register_prehook(lambda gs: seen.append(("exp pre", [g.tolist() for g in gs])))
    z.grad_fn.register_hook(lambda gi, go: seen.append(("exp post", len(gi))))
    z.sum().backward()
    assert [s[0] for s in seen] == ["exp pre", "exp post", "y"]
    np.testing.assert_allclose(y.grad.numpy(), 10 * np.exp([2.0, 4.0]), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), 20 * np.exp([2.0, 4.0]), rtol=1e-6)
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    v = w * 1.0
    u = v.exp()
    u.add_(1)   # exp saved its output: the chain's backward must refuse it
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        u.sum().backward()


def test_the_garbage_collector_is_paused_only_while_backward_runs():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    during = []
    y = x * 3.0
    y.register_hook(lambda g: during.append(gc.isenabled()))
    assert gc.isenabled()
    y.sum().backward()
    torch.autograd.grad((x * 3.0).sum(), x)
    assert during == [False] and gc.isenabled()

    def fail(g):
        raise ValueError("from a hook")
    z = x * 2.0
    z.register_hook(fail)
    with pytest.raises(ValueError, match="from a hook"):
        z.sum().backward()
    assert gc.isenabled()
    gc.disable()
    try:
        (x * 2.0).sum().backward()
        assert not gc.isenabled()   # a caller's own pause is left alone
    finally:
        gc.enable()


_FIELDS = ("_fns", "_nrs", "_saved", "_versions", "_params", "_shapes", "_dtypes", "_out_dtype", "_out_shape",
           "_constants", "_aux", "_freed", "_pre_hooks", "_hooks", "metadata")


@pytest.mark.parametrize("case", ["tensor*tensor", "tensor*number", "number needs no grad", "broadcast", "exp",
                                  "log", "leaf twice", "0-d", "float64"])
def test_applys_fast_path_builds_the_node_the_general_path_builds(case):
    x = torch.tensor([0.5, 2.0], requires_grad=True)
    c = torch.tensor([3.0, 4.0])
    op, args = {"tensor*tensor": (E.MUL, (x * 1.0, c)), "tensor*number": (E.MUL, (x, 1.5)),
                "number needs no grad": (E.ADD, (c, x)), "broadcast": (E.MUL, (x, torch.tensor([[1.0], [2.0]]))),
                "exp": (E.EXP, (x * 1.0,)), "log": (E.LOG, (x,)), "leaf twice": (E.MUL, (x, x)),
                "0-d": (E.MUL, (torch.tensor(1.5, requires_grad=True), 2)),
                "float64": (E.MUL, (x.double(), torch.tensor([1.0, 2.0], dtype=torch.float64)))}[case]
    fast = apply(op, args)
    datas = [a._data if isinstance(a, torch.Tensor) else a for a in args]
    general = _record(op, args, datas, {}, fast._data, fast.dtype, None)
    for name in _FIELDS:
        assert getattr(fast.grad_fn, name) == getattr(general, name), name
    assert type(fast.grad_fn) is type(general)
    assert (fast.grad_fn._out_vc is None) == (general._out_vc is None)


@pytest.mark.parametrize("name", ["exp", "tanh", "sigmoid", "log", "sin", "relu", "sqrt"])
@pytest.mark.parametrize("shape", [(2,), ()], ids=["vector", "0-d"])
def test_one_input_functions_build_the_node_the_general_path_builds(name, shape):
    """``x.exp()`` and its kin link their node in one function (``registry.unary_function``):
    every field equals what the general ``_record`` makes, the saved output's version counter included."""
    x = torch.full(shape, 0.75, requires_grad=True) * 1.0
    fast = getattr(x, name)()
    op = type(fast.grad_fn).op
    general = _record(op, (x,), (x._data,), {}, fast._data, fast.dtype, None)
    for field in _FIELDS:
        assert getattr(fast.grad_fn, field) == getattr(general, field), field
    assert type(fast.grad_fn) is type(general)
    assert fast.grad_fn._out_vc == general._out_vc and fast.grad_fn._out_version == general._out_version
    if general._out_vc is not None:   # the output shares its node's counter: x.exp().mul_(2) is caught
        assert fast._vc is fast.grad_fn._out_vc


@pytest.mark.parametrize("case", ["x*c", "x*1.5", "c+x", "2.0*x", "3+x", "x/c", "x/4", "x-c", "c-x", "x*x",
                                  "broadcast", "0-d", "float64", "c needs grad", "view operand", "no grad"])
def test_python_operators_build_the_node_the_general_path_builds(case):
    x = torch.tensor([0.5, 2.0], requires_grad=True)
    c = torch.tensor([3.0, 4.0])
    w = torch.tensor([1.0, -1.0], requires_grad=True)
    row = torch.tensor([[1.0], [2.0]])
    s = torch.tensor(1.5, requires_grad=True)
    x64 = torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)
    cases = {"x*c": (E.MUL, (x * 1.0, c), {}, lambda a, b: a * b),
             "x*1.5": (E.MUL, (x, 1.5), {}, lambda a, b: a * b),
             "c+x": (E.ADD, (c, x), {}, lambda a, b: a + b),
             "2.0*x": (E.MUL, (x, 2.0), E._REFLECTED, lambda a, b: b * a),
             "3+x": (E.ADD, (x, 3), E._REFLECTED, lambda a, b: b + a),
             "x/c": (E.DIV, (x, c), {}, lambda a, b: a / b),
             "x/4": (E.DIV, (x * 1.0, 4), {}, lambda a, b: a / b),
             "x-c": (E.SUB, (x, c), {}, lambda a, b: a - b),
             "c-x": (E.SUB, (c, x), {}, lambda a, b: a - b),
             "x*x": (E.MUL, (x, x), {}, lambda a, b: a * b),
             "broadcast": (E.MUL, (x, row), {}, lambda a, b: a * b),
             "0-d": (E.MUL, (s, 2), {}, lambda a, b: a * b),
             "float64": (E.DIV, (x64, x64 * 2.0), {}, lambda a, b: a / b),
             "c needs grad": (E.MUL, (c, w), {}, lambda a, b: a * b),
             "view operand": (E.MUL, (x[:1], c[:1]), {}, lambda a, b: a * b),
             "no grad": (E.MUL, (c, 2.0), {}, lambda a, b: a * b)}
    op, args, params, run = cases[case]
    fast = run(*args)
    if case == "no grad":
        assert fast.grad_fn is None and not fast.requires_grad
        return
    datas = [a._data if isinstance(a, torch.Tensor) else a for a in args]
    general = _record(op, args, datas, params, fast._data, fast.dtype, None)
    for name in _FIELDS:
        assert getattr(fast.grad_fn, name) == getattr(general, name), name
    assert type(fast.grad_fn) is type(general)
    assert (fast.grad_fn._out_vc is None) == (general._out_vc is None)
    assert fast.grad_fn.params() == general.params()


def test_a_large_recording_freezes_the_collector_until_backward(monkeypatch):
    from autogradviz.autograd.node import GRAPH_FREEZER
    monkeypatch.setattr(type(GRAPH_FREEZER), "EVERY", 50)
    GRAPH_FREEZER.thaw()
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(200):
        y = y * 1.0001
    assert gc.get_freeze_count() > 0   # the graph so far is not walked by each collection

    class Cycle:
        pass
    garbage = Cycle()
    garbage.me = garbage
    alive = weakref.ref(garbage)
    del garbage
    y.backward()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert alive() is None   # cyclic garbage made while frozen is collected once backward has thawed
    np.testing.assert_allclose(x.grad.item(), 1.0001 ** 200, rtol=1e-5)


def test_nothing_is_frozen_while_the_collector_is_off_or_the_graph_small(monkeypatch):
    from autogradviz.autograd.node import GRAPH_FREEZER
    monkeypatch.setattr(type(GRAPH_FREEZER), "EVERY", 50)
    GRAPH_FREEZER.thaw()
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(40):
        y = y * 1.0001
    assert gc.get_freeze_count() == 0
    gc.disable()
    try:
        for _ in range(200):
            y = y * 1.0001
        assert gc.get_freeze_count() == 0
    finally:
        gc.enable()
    y.backward()


@pytest.mark.parametrize("fn, specs, opts, second", CASES)
def test_backwards_numpy_rule_runner_equals_the_general_one(fn, specs, opts, second):
    arrays = arrays_for(specs)
    torch.manual_seed(0)
    xs = leaves(arrays)
    out = fn(*xs)
    v = torch.tensor(np.random.default_rng(3).standard_normal(tuple(out.shape)), dtype=out.dtype)
    out.backward(v)                       # OpNode.numpy_grads on every op node
    torch.manual_seed(0)
    xs_again = leaves(arrays)
    expected = torch.autograd.grad(fn(*xs_again), xs_again, v, allow_unused=True)   # OpNode.apply
    for i, (x, e) in enumerate(zip(xs, expected)):
        if e is None:
            assert x.grad is None, f"input {i}"
            continue
        assert x.grad.dtype is e.dtype and x.grad.shape == e.shape, f"input {i}"
        np.testing.assert_array_equal(x.grad.numpy(), e.numpy(), err_msg=f"input {i}")


@pytest.mark.parametrize("hooked", [False, True], ids=["numpy_grads", "release"])
def test_backward_forgets_large_constants_and_keeps_small_ones_and_numbers(hooked):
    """After backward (no retain_graph) a node keeps the constants a picture shows: Python numbers
    and tensors of up to 64 elements; larger constant tensors are let go. Both runners (the NumPy
    fast branch, and release() after a hooked node) agree."""
    x = torch.ones(100, requires_grad=True)
    small, large = torch.full((64,), 2.0), torch.full((100,), 3.0)
    y = x[:64] * small            # small constant tensor
    z = x * large                 # large constant tensor
    w = (x * 0.5).sum()           # Python number
    loss = y.sum() + z.sum() + w
    nodes = (y.grad_fn, z.grad_fn, w.grad_fn.next_functions[0][0])
    if hooked:
        for node in nodes:
            node.register_hook(lambda grad_inputs, grad_outputs: None)
    loss.backward()
    kept = [node.constants() for node in nodes]
    assert kept[0].keys() == {1} and kept[0][1] is small
    assert kept[1] == {}
    assert kept[2] == {1: 0.5}
    assert x.grad.tolist() == [2.0 + 3.0 + 0.5] * 64 + [3.0 + 0.5] * 36


def test_an_operator_reuses_a_python_number_only_for_the_same_number_and_dtype():
    """``y * 1.0001`` in a loop multiplies by the number cast once to the tensor's dtype: values are
    NumPy's with the Python number itself, bit for bit, whichever dtype comes next, and what the
    nodes keep (constants, saved operands) is the Python number."""
    number = 1.0001
    values = [0.3, 7.0, -2.5e4]
    results = []
    for dtype in (torch.float32, torch.float64, torch.float16, torch.float32):
        x = torch.tensor(values, dtype=dtype, requires_grad=True)
        for op in ("mul", "truediv", "add", "sub", "rsub", "rtruediv"):
            y = getattr(x, f"__{op}__")(number)
            array = np.asarray(values, dtype=dtype.np)
            # number / x is reciprocal(x) * number, as in PyTorch (MulBackward0)
            expected = np.reciprocal(array) * number if op == "rtruediv" else getattr(array, f"__{op}__")(number)
            assert y.dtype is dtype and y.detach().numpy().tobytes() == expected.tobytes(), (dtype, op)
            if not op.startswith("r"):   # (x.__rsub__ keeps the number as a parameter, as PyTorch's RsubBackward1)
                assert y.grad_fn.constants() == {1: number}
            results.append(y.grad_fn.saved_values())
    assert all(v is number for saved in results for v in saved if v is not None and not isinstance(v, torch.Tensor))
    other = number + 1.0   # another number after it: not the last one's operand
    assert (x * number * other).detach().numpy().tobytes() == (np.float32(values) * number * other).tobytes()
    (x * number).sum().backward()
    assert x.grad.dtype is torch.float32 and x.grad.numpy().tobytes() == np.full(3, number, np.float32).tobytes()
    with pytest.raises(OverflowError, match="int too large to convert to float"):
        x * 10 ** 400
