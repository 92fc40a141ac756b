"""The op table: each differentiable op is one ``OpDef`` holding its forward (NumPy), its
vector-Jacobian products (one per input, written once for NumPy and Tensor execution), and the
human-readable local derivative rule that the pictures and the stepper show.

``apply`` runs an op: it resolves dtypes like PyTorch, runs the forward, and, when grad is being
recorded, links a node into the graph. Adding an op means adding one ``OpDef`` in one module.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .. import _dtype as D
from .._grad_mode import _state
from ..autograd.node import accumulator, new_node, node_class
from ..tensor import Tensor, _make

REGISTRY: dict[str, OpDef] = {}


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
    _node_cls: type | None = field(default=None, repr=False)
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        # The node class of an op with one fixed grad_fn name is made once, here.
        self._node_cls = node_class(self, self.backward) if isinstance(self.backward, str) and self.vjps else None
        if self.name in REGISTRY:
            raise ValueError(f"op {self.name!r} is defined twice")
        if len(self.vjps) != len(self.formulas) and not self.variadic:
            raise ValueError(f"op {self.name!r}: one formula per backward rule")
        REGISTRY[self.name] = self

    def backward_name(self, ndims, params) -> str:
        return self.backward if isinstance(self.backward, str) else self.backward(ndims, params)

    def formula_text(self) -> str:
        return "\n".join(f for f in self.formulas if f)


def _result_dtype(op: OpDef, args) -> D.dtype:
    if op.dtype == "same":
        return args[0]._dtype
    d = None
    simple = True   # every operand a tensor of dtype d, or a Python float/int that d absorbs
    for a in args:
        ad = getattr(a, "_dtype", None)
        if ad is None:
            if not (a.__class__ is float or a.__class__ is int):
                simple = False
                break
            # a float lifts an integer tensor; any number lifts a bool tensor (bool + 1 is int64)
            if d is not None and (d is D.bool_ or (a.__class__ is float and not d.is_floating_point)):
                simple = False
                break
        elif d is None:
            d = ad
        elif ad is not d:
            simple = False
            break
    if not simple or d is None or (not d.is_floating_point and any(a.__class__ is float for a in args)):
        d = D.result_type(*args)
    if op.dtype == "float" and not d.is_floating_point:
        d = D.default_float()
    return d


def broadcast_error(shapes) -> RuntimeError:
    """PyTorch's text for two shapes that do not broadcast."""
    sa = tuple(shapes[0])
    for sb in shapes[1:]:  # the broadcast of the shapes so far against the next one (where has three)
        for k in range(1, max(len(sa), len(sb)) + 1):
            x = sa[-k] if k <= len(sa) else 1
            y = sb[-k] if k <= len(sb) else 1
            if x != y and x != 1 and y != 1:
                return RuntimeError(
                    f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                    f"dimension {max(len(sa), len(sb)) - k}"
                )
        sa = np.broadcast_shapes(sa, tuple(sb))
    return RuntimeError(f"shapes {', '.join(str(tuple(s)) for s in shapes)} cannot be broadcast together")


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


_NO_PARAMS: dict = {}


def apply(op: OpDef, args: tuple, params: dict | None = None, out_dtype: D.dtype | None = None):
    """Run ``op`` on tensors and numbers; record a node when grad mode is on and an input needs it."""
    if params is None:
        params = _NO_PARAMS
    compute_dtype = _result_dtype(op, args)
    npd = compute_dtype.np
    if out_dtype is None:
        out_dtype = op.output(compute_dtype) if op.output is not None else compute_dtype
    cast = op.dtype != "same"
    datas = []
    needs_grad = False
    for a in args:
        if isinstance(a, Tensor):
            d = a._data
            if cast and d.dtype is not npd and d.dtype != npd:
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
    if result.dtype is not out_dtype.np and result.dtype != out_dtype.np:
        result = result.astype(out_dtype.np)
    if not (needs_grad and op.vjps and getattr(_state, "enabled", True)):
        out = _make(result, out_dtype, None)
        if op.view:
            _share_view(out, args[0])
        return (out, aux) if op.aux else out
    out = _make(result, out_dtype, _record(op, args, datas, params, result, out_dtype, aux))
    if op.view:
        _share_view(out, args[0])
    if op.save_out:
        out._vc = out._grad_fn._out_vc = [0]
    return (out, aux) if op.aux else out


def _record(op, args, datas, params, result, out_dtype, aux):
    """Make the graph node for one recorded op call (few allocations: this is the hot path)."""
    backward = op.backward
    node = new_node(op._node_cls if op._node_cls is not None else
                    node_class(op, backward if backward.__class__ is str
                               else backward([np.ndim(x) for x in datas], params)))
    fns = []
    constants = None
    vjps, variadic = op.vjps, op.variadic
    out_shape = result.shape
    same_shapes = same_dtypes = True
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            if a._data.shape != out_shape:
                same_shapes = False
            if a._dtype is not out_dtype:
                same_dtypes = False
            if (a._grad_fn is not None or a._requires_grad) and (variadic or vjps[i] is not None):
                fn = a._grad_fn
                fns.append(fn if fn is not None else accumulator(a))
                continue
        fns.append(None)
        if constants is None:
            constants = []
        constants.append((i, a))
    node._fns = tuple(fns)
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
                versions.append(vc[0])
            else:
                versions.append(-1)
        node._saved = tuple(saved)
        node._versions = tuple(versions)
    else:
        node._saved = None
        node._versions = ()
    node._params = params
    node._out_shape = out_shape
    node._shapes = None if same_shapes else tuple([x.shape if x.__class__ is np.ndarray else () for x in datas])
    node._dtypes = None if same_dtypes else tuple([a._dtype if isinstance(a, Tensor) else out_dtype for a in args])
    node._out = result
    node._out_dtype = out_dtype
    node._aux = aux
    return node


_NO_EDGE = (None, 0)


def _share_view(out, base) -> None:
    vc = base._vc
    if vc is None:
        vc = base._vc = [0]
    out._vc = vc
    root = base._meta.base if base._meta is not None and base._meta.base is not None else base
    out._meta_().base = root


def inplace_ufunc(target, ufunc, args: tuple, kwargs: dict):
    """``x += y`` (and -=, *=, /=, add_ with alpha) straight into ``x``'s memory with NumPy, when
    nothing needs recording (an optimizer's update under no_grad). None when it can't apply."""
    if len(args) != 1 or (kwargs and set(kwargs) != {"alpha"}):
        return None
    other = args[0]
    grad_on = getattr(_state, "enabled", True)
    if isinstance(other, Tensor):
        if grad_on and (other._grad_fn is not None or other._requires_grad):
            return None
        data = other._data
    elif isinstance(other, (int, float, bool)):
        data = other
    else:
        return None
    if grad_on and (target._grad_fn is not None or target._requires_grad):
        return None
    out_dtype = D.result_type(target, other)
    if ufunc is np.true_divide and not out_dtype.is_floating_point:
        out_dtype = D.default_float()
    _check_cast(out_dtype, target._dtype)
    alpha = kwargs.get("alpha", 1)
    if alpha != 1:
        data = data * alpha
    try:
        ufunc(target._data, data, out=target._data, casting="unsafe")
    except ValueError:
        shape = np.broadcast_shapes(target._data.shape, np.shape(data))
        raise RuntimeError(f"output with shape {list(target._data.shape)} doesn't match the broadcast shape "
                           f"{list(shape)}") from None
    vc = target._vc
    if vc is None:
        target._vc = [1]
    else:
        vc[0] += 1
    return target


def apply_inplace(target, fn: Callable, *args, **kwargs):
    """Compute ``fn(target, *args)`` and write the result into ``target`` (``add_``, ``d /= 10``,
    ``x[i] = v``).

    When grad is recorded, ``fn`` runs on a snapshot of the old value that carries the old
    history, and ``target`` takes over the new grad_fn, as in PyTorch: the graph never reads the
    overwritten memory, and nodes that saved ``target`` itself see its version change.
    """
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
        # The node keeps result's own array as its output: aliasing target's memory would let a
        # later in-place op on target change what this node's backward reads.
        target._grad_fn = result._grad_fn
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
