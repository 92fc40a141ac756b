"""The op table: each differentiable op is one ``OpDef`` holding its forward (NumPy), its
vector-Jacobian products (one per input, written once for NumPy and Tensor execution), and the
human-readable local derivative rule that the pictures and the stepper show.

``apply`` runs an op: it resolves dtypes like PyTorch, runs the forward, and, when grad is being
recorded, links a node into the graph. Adding an op means adding one ``OpDef`` in one module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .. import _dtype as D
from .._grad_mode import _state
from ..autograd.node import accumulator, new_node, node_class

REGISTRY: dict[str, "OpDef"] = {}


@dataclass(eq=False)
class OpDef:
    """One op: forward, backward rules and their formulas, side by side.

    name:      the function name (``"mul"``)
    backward:  PyTorch's grad_fn name (``"MulBackward0"``), or a function of the inputs' ndims
               and params that returns it (matmul is Dot/Mv/MmBackward0 by shape)
    symbol:    short symbol for pictures (``"×"``)
    forward:   NumPy function of the input arrays (and params) returning the output array
    vjps:      one rule per input: ``(xp, g, ctx) -> grad``, None for inputs with no gradient
    formulas:  one readable local derivative per input, e.g. ``"∂(a·b)/∂a = b"``
    saves:     which inputs the rules read (only those are kept and version-checked)
    save_out:  the rules read the output
    dtype:     "promote" (elementwise promotion), "float" (promotion, then ints become float32),
               "same" (the first input's dtype)
    view:      the output is a view of input 0 (shares memory and the version counter)
    """

    name: str
    backward: str | Callable
    symbol: str
    forward: Callable
    vjps: Sequence[Callable | None]
    formulas: Sequence[str | None]
    saves: tuple = ()
    save_out: bool = False
    dtype: str = "promote"
    view: bool = False
    aux: bool = False
    output: Callable | None = None   # maps the computed dtype to the output's (comparisons: bool)
    variadic: bool = False           # one rule for any number of inputs (cat, stack)
    description: str = ""
    check: Callable | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.name in REGISTRY:
            raise ValueError(f"op {self.name!r} is defined twice")
        if len(self.vjps) != len(self.formulas) and not self.variadic:
            raise ValueError(f"op {self.name!r}: one formula per backward rule")
        REGISTRY[self.name] = self

    def backward_name(self, ndims, params) -> str:
        return self.backward if isinstance(self.backward, str) else self.backward(ndims, params)

    def formula_text(self) -> str:
        return "\n".join(f for f in self.formulas if f)


def _tensor_type():
    from ..tensor import Tensor
    return Tensor


def _result_dtype(op: OpDef, args) -> D.dtype:
    if op.dtype == "same":
        return args[0]._dtype
    d = None
    uniform = True
    for a in args:
        ad = getattr(a, "_dtype", None)
        if ad is None or (d is not None and ad is not d):
            uniform = False
            break
        d = ad
    if not uniform:
        d = D.result_type(*args)
    if op.dtype == "float" and not d.is_floating_point:
        d = D.default_float()
    return d


def broadcast_error(shapes) -> RuntimeError:
    """PyTorch's text for two shapes that do not broadcast."""
    (sa, sb) = shapes[:2]
    for k in range(1, max(len(sa), len(sb)) + 1):
        x = sa[-k] if k <= len(sa) else 1
        y = sb[-k] if k <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            return RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                f"dimension {max(len(sa), len(sb)) - k}"
            )
    return RuntimeError(f"shapes {tuple(sa)} and {tuple(sb)} cannot be broadcast together")


def _run_forward(op, datas, params):
    if op.check is not None:
        op.check(*datas, **params)
    try:
        return op.forward(*datas, **params)
    except ValueError as exc:
        shapes = [np.shape(x) for x in datas]
        if "broadcast" in str(exc) and len(shapes) >= 2:
            raise broadcast_error(shapes) from None
        raise


def apply(op: OpDef, args: tuple, params: dict | None = None, out_dtype: D.dtype | None = None):
    """Run ``op`` on tensors and numbers; record a node when grad mode is on and an input needs it."""
    from ..tensor import _make, Tensor
    params = params or {}
    compute_dtype = _result_dtype(op, args)
    npd = compute_dtype.np
    if out_dtype is None:
        out_dtype = op.output(compute_dtype) if op.output is not None else compute_dtype
    datas = []
    needs_grad = False
    for a in args:
        if isinstance(a, Tensor):
            d = a._data
            if op.dtype != "same" and d.dtype is not npd and d.dtype != npd:
                d = d.astype(npd)
            datas.append(d)
            if a._grad_fn is not None or a._requires_grad:
                needs_grad = True
        else:
            datas.append(a)
    result = _run_forward(op, datas, params)
    aux = None
    if op.aux:
        result, aux = result
    if type(result) is not np.ndarray:
        result = np.asarray(result)
    if result.dtype != out_dtype.np:
        result = result.astype(out_dtype.np)
    record = needs_grad and getattr(_state, "enabled", True) and op.vjps
    if not record:
        out = _make(result, out_dtype, None)
        if op.view:
            _share_view(out, args[0])
        return (out, aux) if op.aux else out

    ndims = [np.ndim(x) for x in datas] if not isinstance(op.backward, str) else None
    node = new_node(node_class(op, op.backward_name(ndims, params)))
    edges = []
    constants = None
    for i, a in enumerate(args):
        if (isinstance(a, Tensor) and (a._grad_fn is not None or a._requires_grad)
                and (op.variadic or op.vjps[i] is not None)):
            edges.append((a._grad_fn if a._grad_fn is not None else accumulator(a), 0))
        else:
            edges.append((None, 0))
            if constants is None:
                constants = []
            constants.append((i, a))
    node.next_functions = tuple(edges)
    if constants:
        node._constants = tuple(constants)
    if op.saves:
        saved = [None] * len(args)
        versions = []
        for i in op.saves:
            a = args[i]
            saved[i] = a
            if isinstance(a, Tensor):
                vc = a._vc
                if vc is None:
                    vc = a._vc = [0]
                versions.append((i, vc[0]))
        node._saved = tuple(saved)
        node._versions = tuple(versions)
    else:
        node._saved = None
        node._versions = ()
    node._params = params
    node._shapes = tuple(np.shape(x) for x in datas)
    node._dtypes = tuple(getattr(a, "_dtype", out_dtype) for a in args)
    node._out = result
    node._out_dtype = out_dtype
    node._aux = aux
    out = _make(result, out_dtype, node)
    if op.view:
        _share_view(out, args[0])
    if op.save_out:
        out._vc = node._out_vc = out._vc or [0]
        node._versions += ((-1, out._vc[0]),)
    return (out, aux) if op.aux else out


def _share_view(out, base) -> None:
    vc = base._vc
    if vc is None:
        vc = base._vc = [0]
    out._vc = vc
    root = base._meta.base if base._meta is not None and base._meta.base is not None else base
    out._meta_().base = root


def apply_inplace(target, fn: Callable, *args, **kwargs):
    """Compute ``fn(target, *args)`` and write the result into ``target`` (``add_``, ``d /= 10``,
    ``x[i] = v``).

    When grad is recorded, ``fn`` runs on a snapshot of the old value that carries the old
    history, and ``target`` takes over the new grad_fn, as in PyTorch: the graph never reads the
    overwritten memory, and nodes that saved ``target`` itself see its version change.
    """
    from ..tensor import Tensor, _make
    recording = getattr(_state, "enabled", True) and (
        target._grad_fn is not None or target._requires_grad
        or any(isinstance(a, Tensor) and (a._grad_fn is not None or a._requires_grad) for a in args))
    if recording and target._grad_fn is None and target._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    if recording and target._meta is not None and target._meta.base is not None:
        base = target._meta.base
        if base._requires_grad or base._grad_fn is not None:
            raise RuntimeError(
                "autogradviz does not record in-place operations on a view of a tensor that requires "
                "grad (PyTorch would rewrite the base's history); apply the operation to the base "
                "tensor instead, for example with index assignment on the base.")
    source = _make(target._data.copy(), target._dtype, target._grad_fn) if recording else target
    result = fn(source, *args, **kwargs)
    _check_cast(result._dtype, target._dtype)
    if result._data.shape != target._data.shape:
        raise RuntimeError(
            f"output with shape {list(target._data.shape)} doesn't match the broadcast shape "
            f"{list(result._data.shape)}")
    np.copyto(target._data, result._data, casting="unsafe")
    if recording:
        target._grad_fn = result._grad_fn
        if target._grad_fn is not None and hasattr(target._grad_fn, "_out"):
            target._grad_fn._out = target._data
    vc = target._vc
    if vc is None:
        target._vc = [1]
    else:
        vc[0] += 1
    return target


def _check_cast(result: D.dtype, target: D.dtype) -> None:
    if result._category > target._category:
        names = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "bool": "Bool",
                 "float16": "Half", "int16": "Short", "int8": "Char", "uint8": "Byte"}
        raise RuntimeError(
            f"result type {names[result.name]} can't be cast to the desired output type {names[target.name]}"
        )
