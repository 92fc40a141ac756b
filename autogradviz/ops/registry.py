"""The op table: each differentiable op is one ``OpDef`` holding its forward (NumPy), its
vector-Jacobian products (one per input, written once for NumPy and Tensor execution), and the
texts the pictures and the stepper show, as templates over the op's input names.

``apply`` runs an op: it resolves dtypes like PyTorch, runs the forward, and, when grad is being
recorded, links a node into the graph.

Adding an op means one entry in one module of ``autogradviz/ops/``; ``atan2`` in
``elementwise.py`` reads::

    ATAN2 = OpDef("atan2", "Atan2Backward0",
                  inputs=("input", "other"),                 # PyTorch's argument names, in order
                  expression="atan2({input}, {other})",     # what a box in the picture says
                  rules=("∂{out}/∂{input} = {other}/({input}² + {other}²)",    # {out}: the expression
                         "∂{out}/∂{other} = −{input}/({input}² + {other}²)"),
                  sends=(None, "−{grad} × {input}/({input}² + {other}²)"),  # None: grad × the rule
                  functions=("atan2", "arctan2"), methods=("atan2", "arctan2"), inplace=("atan2",),
                  forward=np.arctan2,
                  vjps=(lambda xp, g, c: g * c.b / (c.a * c.a + c.b * c.b),
                        lambda xp, g, c: -g * c.a / (c.a * c.a + c.b * c.b)),
                  saves=(0, 1), dtype="float")

    def atan2(input, other, *, out=None): ...             # the public function, same module

plus a finite-difference ``case(...)`` in ``tests/op_cases.py`` and its line in the reviewed table
of formulas, ``tests/op_formulas.md``: ``tests/test_op_coverage.py`` fails until both exist, and
prints the line to review. ``torch.atan2``, ``Tensor.atan2`` and ``Tensor.atan2_`` come from
``functions``, ``methods`` and ``inplace``; the template language is described in ``ops/template.py``.
"""
from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .. import _dtype as D
from .._grad_mode import _state
from .._tensor_meta import view_rebase_message
from ..autograd.node import GRAPH_FREEZER, _sequence, accumulator, edge, node_class
from ..tensor import Tensor, _make
from . import template as T

REGISTRY: dict[str, OpDef] = {}
OUT = -1  # in ``OpDef.reads``: the rule reads the op's output


@dataclass(eq=False)
class OpDef:
    """One op: its forward, its backward rules and their texts, side by side.

    name:       the op's own name (``"mul"``), unique in ``REGISTRY``
    backward:   PyTorch's grad_fn name (``"MulBackward0"``), or a function of the inputs' ndims
                and params that returns it (matmul is Dot/Mv/MmBackward0 by shape)
    inputs:     PyTorch's argument names of the tensor inputs, in the order ``apply`` gets them
                (``("input", "other")``); a variadic op (cat, stack) has one name for all
    expression: the picture's text of the result, a template over inputs and params
                (``"{input} × {other}"``)
    rules:      one local derivative per input, a template in which ``{out}`` is the expression
                (``"∂{out}/∂{input} = {other}"`` reads ``∂(x × y)/∂x = y``)
    sends:      per input, what is sent on, with ``{grad}`` the arriving gradient (and ``{out}``); None (or no
                entry) means ``{grad} × <the rule's right-hand side>``
    reflected:  the expression when the op ran for a reflected operator (``2 * x`` is
                ``mul(x, 2)``, shown ``2 × x``); the rules follow it through ``{out}``
    functions:  public ``torch.<name>`` functions recording this op, each defined in the op's module
    methods:    ``Tensor.<name>`` methods (the module's function of that name)
    inplace:    ``Tensor.<name>_`` in-place methods (the out-of-place method, written back)
    forward:    NumPy function of the input arrays (and params) returning the output array
    vjps:       one rule per input: ``(xp, g, ctx) -> grad``, None for inputs with no gradient
    saves:      which inputs the rules read (only those are kept and version-checked)
    save_out:   the rules read the output
    reads:      per rule, which inputs it reads (``OUT`` for the output); when given, a call saves
                only what the rules of its grad-requiring inputs read, as PyTorch's nodes do
                (``mul(a, b)`` keeps b only if a needs grad). None: every rule reads ``saves``.
    dtype:      "promote" (elementwise promotion), "float" (promotion, then ints become float32),
                "same" (the first input's dtype)
    view:       the output is a view of input 0 (shares memory and the version counter)
    """

    name: str
    backward: str | Callable
    forward: Callable
    vjps: Sequence[Callable | None]
    inputs: tuple[str, ...] = ()
    expression: str = ""
    rules: Sequence[str | None] = ()
    sends: Sequence[str | None] = ()
    reflected: str = ""
    functions: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    inplace: tuple[str, ...] = ()
    saves: tuple = ()
    save_out: bool = False
    reads: tuple | None = None
    dtype: str = "promote"
    view: bool = False
    aux: bool = False
    output: Callable | None = None   # maps the computed dtype to the output's (comparisons: bool)
    variadic: bool = False           # one rule for any number of inputs (cat, stack)
    description: str = ""
    check: Callable | None = None
    module: str = field(default="", repr=False)   # the module that defines it (and its functions)
    _node_cls: type | None = field(default=None, repr=False)
    _saving: dict = field(default_factory=dict, repr=False)   # what a call saves, by inputs needing grad
    _plain: bool = field(default=False, repr=False)
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        # ``apply``'s fast path: no check, no auxiliary result, no view, the computed dtype as output
        self._plain = self.check is None and not self.aux and not self.view and self.output is None
        # The node class of an op with one fixed grad_fn name is made once, here.
        self._node_cls = node_class(self, self.backward) if isinstance(self.backward, str) and self.vjps else None
        if self.name in REGISTRY:
            raise ValueError(f"op {self.name!r} is defined twice")
        if not self.module:
            self.module = sys._getframe(2).f_globals.get("__name__", "")
        if self.vjps:
            n = 1 if self.variadic else len(self.vjps)
            if len(self.inputs) != n or len(self.rules) != n or len(self.sends) > n:
                raise ValueError(f"op {self.name!r}: one input name and one rule per backward rule")
            if not self.expression:
                raise ValueError(f"op {self.name!r}: a differentiable op needs its picture expression")
            for text in (self.expression, self.reflected, *[r for r in self.rules if r], *[s for s in self.sends if s]):
                T.parse(text)   # a malformed template fails at import, not in a student's cell
        REGISTRY[self.name] = self

    def backward_name(self, ndims, params) -> str:
        return self.backward if isinstance(self.backward, str) else self.backward(ndims, params)

    @property
    def label(self) -> str:
        """The short name of the op's result in pictures: its function's name (``dot``)."""
        return self.functions[0] if self.functions else self.name

    @property
    def inline(self) -> bool:
        """Whether the expression is written with operators (``x × y``, ``Wᵀ``), so that an
        unnamed result reads as its expression; a call (``dot(x, x)``) is named by its function."""
        return T.rank_of(self.expression) < T.ATOM

    def send_template(self, i: int) -> str | None:
        """What input ``i`` is sent, with ``{grad}`` the arriving gradient."""
        if i < len(self.sends) and self.sends[i]:
            return self.sends[i]
        rule = self.rules[i] if i < len(self.rules) else None
        if not rule:
            return None
        rhs = rule.rsplit(" = ", 1)[-1]
        if rhs == "1":
            return "{grad}"
        if rhs in ("−1", "-1"):
            return "−{grad}"
        if rhs == "0":
            return "0"
        return "{grad} × " + (rhs if T.rank_of(rhs) >= T.PRODUCT else f"({rhs})")

    def out_term(self, terms: Mapping[str, T.Term], reflected: bool = False) -> T.Term:
        """The expression filled in with ``terms`` (the inputs' and parameters' texts)."""
        return T.fill(self.reflected if reflected and self.reflected else self.expression, terms)

    def rule_text(self, i: int, terms: Mapping[str, T.Term], reflected: bool = False) -> str | None:
        """Input ``i``'s local rule filled in with ``terms``."""
        rule = self.rules[0 if self.variadic else i] if self.rules else None
        if not rule:
            return None
        return T.fill(rule, {**terms, "out": self.out_term(terms, reflected)}).text

    def send_text(self, i: int, terms: Mapping[str, T.Term]) -> str | None:
        """What input ``i`` is sent, filled in with ``terms`` (``grad`` among them)."""
        template = self.send_template(0 if self.variadic else i)
        return None if template is None else T.fill(template, {**terms, "out": self.out_term(terms)}).text

    def formula_text(self) -> str:
        """The rules with PyTorch's argument names, one per line (tooltips, the reviewed table)."""
        terms = {name: T.Term(name) for name in self.inputs}
        return "\n".join(self.rule_text(i, terms) for i, r in enumerate(self.rules) if r)


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


def _wrapped(value: int, npd: np.dtype) -> np.ndarray:
    """A Python int cast to a narrow integer dtype the way PyTorch casts it: modulo 2**bits
    (``int8 + 1000`` adds -24), where NumPy 2 would refuse the value."""
    return np.asarray(value, dtype=np.int64).astype(npd)


def apply(op: OpDef, args: tuple, params: dict | None = None, out_dtype: D.dtype | None = None):
    """Run ``op`` on tensors and numbers; record a node when grad mode is on and an input needs it."""
    if params is None:
        params = _NO_PARAMS
    datas = None
    if op._plain and out_dtype is None:
        # The common call: one or two floating tensors of one dtype, or a tensor and a Python
        # number (which the tensor's dtype absorbs): no dtype resolution, no casts.
        a = args[0]
        if isinstance(a, Tensor):
            dtype = a._dtype
            if dtype.is_floating_point:
                n = len(args)
                if n == 1:
                    datas = (a._data,)
                elif n == 2:
                    b = args[1]
                    if isinstance(b, Tensor):
                        if b._dtype is dtype:
                            datas = (a._data, b._data)
                    elif b.__class__ is float or b.__class__ is int:
                        datas = (a._data, b)
    if datas is not None:
        try:
            result = op.forward(*datas, **params) if params else op.forward(*datas)
        except ValueError as exc:
            if "broadcast" in str(exc) and len(datas) >= 2:
                raise broadcast_error([np.shape(x) for x in datas]) from None
            raise
        return _plain_result(op, args, datas, params, result, dtype)
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
            if a._grad_fn is not None or a._requires_grad or (a._meta is not None and a.requires_grad):
                needs_grad = True
        elif a.__class__ is int and npd.kind in "iu" and npd.itemsize < 8:
            datas.append(_wrapped(a, npd))
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
    # Integer and bool results never require grad (PyTorch: only floating point can).
    if not (needs_grad and op.vjps and out_dtype.is_floating_point and getattr(_state, "enabled", True)):
        out = _make(result, out_dtype, None)
        if op.view:
            _share_view(out, args[0], op, params, datas[0])
        return (out, aux) if op.aux else out
    out = _make(result, out_dtype, _record(op, args, datas, params, result, out_dtype, aux))
    if op.view:
        _share_view(out, args[0], op, params, datas[0])
    if out._grad_fn._out_vc is not None:  # the output is saved: version-checked like an input
        out._vc = out._grad_fn._out_vc
    return (out, aux) if op.aux else out


def _plain_result(op, args, datas, params, result, dtype):
    """The output tensor of a call of apply's fast path (operands of one floating dtype, the op's
    own output dtype), linked into the graph when grad is recorded and an operand needs it."""
    if result.__class__ is not np.ndarray:
        result = np.asarray(result)   # a 0-d result comes back as a NumPy scalar
    npd = dtype.np
    if result.dtype is not npd and result.dtype != npd:
        result = result.astype(npd)
    out = object.__new__(Tensor)
    out._data = result
    out._dtype = dtype
    out._requires_grad = False
    out._grad = out._vc = out._meta = out._grad_fn = None
    if op.vjps and getattr(_state, "enabled", True):
        # The node's edges straight from the operands, when none is a view or one output of
        # several (those go through _record, which may remake a view's grad_fn)
        plain = op._node_cls is not None and not op.variadic
        needs_grad = False
        edges = []
        for a in args:
            if not isinstance(a, Tensor):
                edges.append(None)
                continue
            meta = a._meta
            fn = a._grad_fn
            if meta is not None and (meta.base is not None or meta.output_nr is not None):
                plain = False
                if a.requires_grad:
                    needs_grad = True
                continue
            if fn is None and a._requires_grad:
                fn = _leaf_edge(a, meta)
            if fn is not None:
                needs_grad = True
            edges.append(fn)
        if needs_grad:
            node = out._grad_fn = (_record_plain(op, args, params, result, dtype, edges) if plain
                                   else _record(op, args, datas, params, result, dtype, None))
            if node._out_vc is not None:  # the output is saved: version-checked like an input
                out._vc = node._out_vc
    return out


def operator_method(op: OpDef, kernel: Callable, params: dict | None, fallback: Callable) -> Callable:
    """``Tensor.__mul__`` and its kin: ``apply(op, (self, other), params)`` for the operands of a
    chain of ops (a tensor of the same floating dtype, a Python float or int), run by ``kernel``
    (``operator.mul``: the op's forward without its parameters) and linked into the graph in one
    function, as ``_record_plain`` links it; any other operand goes to ``fallback`` (the checks and
    messages of the public function), a view or the output of a multi-output node to ``apply``."""
    params = params or _NO_PARAMS
    if not op._plain or not op.vjps or op._node_cls is None or op.variadic or len(op.vjps) != 2:
        raise ValueError(f"op {op.name!r} has no fast path")
    node_cls = op._node_cls
    vjp_a, vjp_b = op.vjps
    # what a call saves, by which operands need grad (bit 0: self, bit 1: other)
    saving = {needed: (_what_to_save(op, needed) if op.reads is not None else (op.saves, op.save_out))
              for needed in (1, 2, 3)}
    ndarray, asarray, enabled = np.ndarray, np.asarray, _state
    # The Python number of the last call, as (number, dtype, operand, constants, saved): a loop's
    # `y * 1.0001` meets the same float object again and again. NumPy multiplies by a 0-d array
    # of the tensor's dtype in half the time it takes for a Python float (which it casts to that
    # dtype first: the same value), and the node's tuples that hold the number are shared.
    recent = [None]

    def number_entry(number, dtype):
        try:
            operand = asarray(number, dtype.np)
        except OverflowError:   # an int too large for a float: NumPy's own error, from the kernel
            operand = number
        return (number, dtype, operand, ((1, number),), (None, number))

    def method(self, other):
        dtype = self._dtype
        cls = other.__class__
        if cls is float or cls is int:
            number = True
        elif isinstance(other, Tensor) and other._dtype is dtype:
            number = False
        else:
            return fallback(self, other)
        if not dtype.is_floating_point:
            return fallback(self, other)
        a = self._data
        if number:
            entry = recent[0]
            if entry is None or entry[0] is not other or entry[1] is not dtype:
                entry = recent[0] = number_entry(other, dtype)
        try:
            result = kernel(a, entry[2] if number else other._data)
        except ValueError:
            return apply(op, (self, other), params)   # PyTorch's message for shapes that do not broadcast
        if result.__class__ is not ndarray:
            result = asarray(result)   # a 0-d result comes back as a NumPy scalar
        if result.dtype is not dtype.np:
            return _plain_result(op, (self, other), (a, other if number else other._data), params, result, dtype)
        out = object.__new__(Tensor)
        out._data = result
        out._dtype = dtype
        out._requires_grad = False
        out._grad = out._vc = out._meta = out._grad_fn = None
        if not getattr(enabled, "enabled", True):
            return out
        # the edges: each operand's grad_fn, else its AccumulateGrad when it requires grad
        meta = self._meta
        fa = self._grad_fn
        if meta is not None:
            if meta.base is not None or meta.output_nr is not None:
                return _plain_result(op, (self, other), (a, other if number else other._data), params, result, dtype)
            if fa is None and self._requires_grad:
                fa = _leaf_edge(self, meta)
        elif fa is None and self._requires_grad:
            fa = accumulator(self)
        if vjp_a is None:
            fa = None
        fb = None
        if not number:
            meta = other._meta
            fb = other._grad_fn
            if meta is not None:
                if meta.base is not None or meta.output_nr is not None:
                    return _plain_result(op, (self, other), (a, other._data), params, result, dtype)
                if fb is None and other._requires_grad:
                    fb = _leaf_edge(other, meta)
            elif fb is None and other._requires_grad:
                fb = accumulator(other)
            if vjp_b is None:
                fb = None
        if fa is None:
            if fb is None:
                return out
            needed = 2
        else:
            needed = 1 if fb is None else 3
        node = out._grad_fn = object.__new__(node_cls)
        seq = node._seq = next(_sequence)
        if seq >= GRAPH_FREEZER.at:
            GRAPH_FREEZER.due(seq)
        node._pre_hooks = node._hooks = node._nrs = node.metadata = node._aux = node._dtypes = None
        node._freed = False
        node._fns = (fa, fb)
        node._params = params
        node._out = result
        node._out_dtype = dtype
        shape = node._out_shape = result.shape
        if number:
            node._shapes = None if a.shape == shape else (a.shape, ())
        else:
            sb = other._data.shape
            node._shapes = None if a.shape == shape and sb == shape else (a.shape, sb)
        if number:
            node._constants = entry[3]
        else:
            node._constants = ((1, other),) if needed == 1 else ((0, self),) if needed == 2 else None
        saves, save_out = saving[needed]
        if len(saves) == 1 and not save_out:   # x * c, x / c: one saved operand
            if saves[0] == 0:
                node._saved = (self, None)
                s = self
            else:
                node._saved = entry[4] if number else (None, other)
                s = other
            if number and s is other:
                node._versions = ()
            else:
                vc = s._vc
                if vc is None:
                    vc = s._vc = [0]
                node._versions = _AT_VERSION_0[saves[0]] if vc[0] == 0 else ((saves[0], vc[0]),)
            node._out_vc = node._out_version = None
        else:
            _keep_saved(node, (self, other), saves, save_out)
            if save_out:
                out._vc = node._out_vc
        return out
    return method


def unary_function(op: OpDef, name: str) -> Callable:
    """The public function (and method) of a one-input op (``torch.exp``, ``Tensor.exp``):
    ``apply(op, (input,))``, for a floating tensor run and linked into the graph in one function,
    as ``_record_plain`` links it."""
    plain = op._plain and op.vjps and op._node_cls is not None and not op.variadic and len(op.vjps) == 1
    node_cls, forward = op._node_cls, op.forward
    saves, save_out = op.saves, op.save_out
    one_saved = saves == (0,)
    out_only = not saves and save_out
    ndarray, asarray, enabled = np.ndarray, np.asarray, _state

    def fn(input, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        dtype = input._dtype
        if not plain or not dtype.is_floating_point:
            return apply(op, (input,))
        a = input._data
        result = forward(a)
        if result.__class__ is not ndarray:
            result = asarray(result)   # a 0-d result comes back as a NumPy scalar
        if result.dtype is not dtype.np:
            return _plain_result(op, (input,), (a,), _NO_PARAMS, result, dtype)
        out = object.__new__(Tensor)
        out._data = result
        out._dtype = dtype
        out._requires_grad = False
        out._grad = out._vc = out._meta = out._grad_fn = None
        if not getattr(enabled, "enabled", True):
            return out
        meta = input._meta
        fa = input._grad_fn
        if meta is not None:
            if meta.base is not None or meta.output_nr is not None:
                return _plain_result(op, (input,), (a,), _NO_PARAMS, result, dtype)
            if fa is None and input._requires_grad:
                fa = _leaf_edge(input, meta)
        elif fa is None and input._requires_grad:
            fa = accumulator(input)
        if fa is None:
            return out
        node = out._grad_fn = object.__new__(node_cls)
        seq = node._seq = next(_sequence)
        if seq >= GRAPH_FREEZER.at:
            GRAPH_FREEZER.due(seq)
        node._pre_hooks = node._hooks = node._nrs = node.metadata = node._aux = node._dtypes = None
        node._constants = None
        node._freed = False
        node._fns = (fa,)
        node._params = _NO_PARAMS
        node._out = result
        node._out_dtype = dtype
        shape = node._out_shape = result.shape
        node._shapes = None if a.shape == shape else (a.shape,)
        if one_saved and not save_out:   # log, sin: the input is saved
            node._saved = (input,)
            vc = input._vc
            if vc is None:
                vc = input._vc = [0]
            node._versions = _AT_VERSION_0[0] if vc[0] == 0 else ((0, vc[0]),)
            node._out_vc = node._out_version = None
        elif out_only:   # exp, tanh, sigmoid: the output is saved, version-checked like an input
            node._saved = None
            node._versions = ()
            out._vc = node._out_vc = [0]
            node._out_version = 0
        else:
            _keep_saved(node, (input,), saves, save_out)
            if save_out:
                out._vc = node._out_vc
        return out
    return fn


def _leaf_edge(a, meta):
    """The AccumulateGrad of a leaf that requires grad (made on first use)."""
    if meta is not None and meta.accumulator is not None:
        fn = meta.accumulator()
        if fn is not None:
            return fn
    return accumulator(a)


_AT_VERSION_0 = (((0, 0),), ((1, 0),))   # a node's _versions when it saved one operand at version 0


def _record_plain(op, args, params, result, dtype, edges):
    """``_record`` for the calls of ``apply``'s fast path (one or two operands of one dtype, no view
    among them, an op with one node class), given each operand's edge: the same node, made with
    fewer steps."""
    node = object.__new__(op._node_cls)
    seq = node._seq = next(_sequence)
    if seq >= GRAPH_FREEZER.at:
        GRAPH_FREEZER.due(seq)
    node._pre_hooks = node._hooks = node._nrs = node.metadata = node._aux = node._dtypes = None
    node._freed = False
    vjps = op.vjps
    out_shape = result.shape
    a = args[0]
    fa = edges[0] if vjps[0] is not None else None
    if len(args) == 1:
        node._fns = (fa,)
        needed = 0 if fa is None else 1
        node._constants = ((0, a),) if fa is None else None
        sa = a._data.shape
        node._shapes = None if sa == out_shape else (sa,)
    else:
        b = args[1]
        if b.__class__ is float or b.__class__ is int:
            fb = None
            sa = a._data.shape
            node._shapes = None if sa == out_shape else (sa, ())
        else:
            fb = edges[1] if vjps[1] is not None else None
            sa, sb = a._data.shape, b._data.shape
            node._shapes = None if sa == out_shape and sb == out_shape else (sa, sb)
        node._fns = (fa, fb)
        if fa is None:
            needed = 0 if fb is None else 2
            node._constants = ((0, a), (1, b)) if fb is None else ((0, a),)
        else:
            needed = 1 if fb is None else 3
            node._constants = ((1, b),) if fb is None else None
    if op.reads is not None:  # keep only what the rules of the inputs that need grad read
        found = op._saving.get(needed)
        saves, save_out = found if found is not None else _what_to_save(op, needed)
    else:
        saves, save_out = op.saves, op.save_out
    if len(saves) == 1:   # log, sin, x * c: one saved operand
        i = saves[0]
        s = args[i]
        node._saved = (s,) if len(args) == 1 else (s, None) if i == 0 else (None, s)
        if s.__class__ is float or s.__class__ is int:
            node._versions = ()
        else:
            vc = s._vc
            if vc is None:
                vc = s._vc = [0]
            node._versions = _AT_VERSION_0[i] if vc[0] == 0 else ((i, vc[0]),)
        node._out_vc, node._out_version = ([0], 0) if save_out else (None, None)
    else:
        _keep_saved(node, args, saves, save_out)
    node._params = params
    node._out_shape = out_shape
    node._out = result
    node._out_dtype = dtype
    return node


def _keep_saved(node, args, saves, save_out: bool) -> None:
    """Keep the operands ``saves`` names (with their versions, to catch in-place changes before
    backward) and, with ``save_out``, a version counter for the saved output."""
    if saves:
        saved = [None] * len(args)
        versions = []
        for i in saves:
            a = args[i]
            saved[i] = a
            if isinstance(a, Tensor):
                vc = a._vc
                if vc is None:
                    vc = a._vc = [0]
                versions.append((i, vc[0]))
        node._saved = tuple(saved)
        node._versions = tuple(versions) if versions else ()
    else:
        node._saved = None
        node._versions = ()
    if save_out:
        node._out_vc = [0]
        node._out_version = 0
    else:
        node._out_vc = node._out_version = None


def _record(op, args, datas, params, result, out_dtype, aux):
    """Make the graph node for one recorded op call (few allocations: this is the hot path)."""
    cls = op._node_cls
    if cls is None:
        backward = op.backward
        cls = node_class(op, backward if backward.__class__ is str
                         else backward([x.ndim if x.__class__ is np.ndarray else np.ndim(x) for x in datas], params))
    node = object.__new__(cls)
    seq = node._seq = next(_sequence)
    if seq >= GRAPH_FREEZER.at:
        GRAPH_FREEZER.due(seq)
    node._pre_hooks = node._hooks = node._nrs = node.metadata = None
    node._aux = aux
    node._freed = False
    fns = []
    nrs = None
    constants = None
    needed = 0   # bit i: input i gets a gradient
    vjps, variadic = op.vjps, op.variadic
    out_shape = result.shape
    same_shapes = same_dtypes = True
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            if a._data.shape != out_shape:
                same_shapes = False
            if a._dtype is not out_dtype:
                same_dtypes = False
            meta = a._meta
            if meta is None:  # the common case: no view, no output number, no AccumulateGrad yet
                if (a._grad_fn is not None or a._requires_grad) and (variadic or vjps[i] is not None):
                    fn = a._grad_fn
                    fns.append(fn if fn is not None else accumulator(a))
                    needed |= 1 << i
                    continue
            elif (a._grad_fn is not None or a._requires_grad or (meta.base is not None and meta.base.requires_grad)) \
                    and (variadic or vjps[i] is not None):
                if meta.base is None and meta.output_nr is None:  # a leaf that has its AccumulateGrad
                    fn = a._grad_fn
                    if fn is None:
                        ref = meta.accumulator
                        fn = ref() if ref is not None else None
                        if fn is None:
                            fn = accumulator(a)
                    fns.append(fn)
                    needed |= 1 << i
                    continue
                fn, nr = edge(a)  # a view's grad_fn is made again (or refused) here, as in PyTorch
                if fn is not None:
                    if nrs is None and (nr or fn._n_out != 1):
                        nrs = [0] * len(args)
                    if nrs is not None:
                        nrs[i] = nr
                    fns.append(fn)
                    needed |= 1 << i
                    continue
        fns.append(None)
        if constants is None:
            constants = [(i, a)]
        else:
            constants.append((i, a))
    node._fns = tuple(fns)
    if nrs is not None:
        node._nrs = tuple(nrs)
    node._constants = tuple(constants) if constants else None
    save_out = op.save_out
    saves = op.saves
    if op.reads is not None:  # keep only what the rules of the inputs that need grad read
        found = op._saving.get(needed)
        saves, save_out = found if found is not None else _what_to_save(op, needed)
    _keep_saved(node, args, saves, save_out)
    node._params = params
    node._out_shape = out_shape
    node._shapes = None if same_shapes else tuple([x.shape if x.__class__ is np.ndarray else () for x in datas])
    node._dtypes = None if same_dtypes else tuple([a._dtype if isinstance(a, Tensor) else out_dtype for a in args])
    node._out = result
    node._out_dtype = out_dtype
    return node


def _what_to_save(op: OpDef, needed: int) -> tuple:
    """(inputs to save, whether to save the output) for a call of ``op`` whose inputs that need
    grad are the bits of ``needed``: what their rules read (``OpDef.reads``), kept per pattern."""
    read = set()
    for i, rule_reads in enumerate(op.reads):
        if needed >> i & 1:
            read.update(rule_reads)
    found = op._saving[needed] = (tuple(sorted(read - {OUT})), OUT in read)
    return found


_NO_EDGE = (None, 0)


def _share_view(out, input, op, params, array) -> None:
    """Make ``out`` a view of ``input``'s base: the same memory and version counter, and the NumPy
    functions that make it from the base (an op that had to copy, like reshape, gives no view)."""
    if out._data.size and not np.may_share_memory(out._data, array):
        return
    vc = input._vc
    if vc is None:
        vc = input._vc = [0]
    out._vc = vc
    parent = input._meta
    meta = out._meta_()
    forward = op.extra.get("replay", op.forward)  # positions are replayed by value, whatever the layout
    fn = forward if not params else functools.partial(forward, **params)
    if parent is not None and parent.base is not None:
        meta.base, meta.view_fns = parent.base, parent.view_fns + (fn,)
        meta.creation = parent.creation   # a view of a no_grad/multi/custom view is one too
    else:
        meta.base, meta.view_fns = input, (fn,)
    meta.view_version = vc[0]
    if not getattr(_state, "enabled", True):
        # Made under no_grad: it requires grad while its base does, but has no history, and
        # in-place changes recorded later cannot be pushed through it (PyTorch's NO_GRAD_MODE).
        meta.creation = "no_grad"


OVERLAP_ERROR = ("unsupported operation: more than one element of the written-to tensor refers to a single memory "
                 "location. Please clone() the tensor before performing the operation.")


def has_internal_overlap(array: np.ndarray) -> bool:
    """Whether elements of ``array`` share memory: a dim of more than one element with stride 0
    (an ``expand``), PyTorch's at::has_internal_overlap."""
    return 0 in array.strides and any(st == 0 and n > 1 for st, n in zip(array.strides, array.shape))


def _elements_may_share_memory(array: np.ndarray) -> bool:
    """Whether two elements of ``array`` may be one memory location (an expand, or the
    overlapping windows of unfold): False for every layout of distinct elements."""
    if array.flags.c_contiguous or array.flags.f_contiguous:
        return False
    extent = array.itemsize   # bytes spanned by the dims already seen, smallest stride first
    for stride, n in sorted((abs(st), n) for st, n in zip(array.strides, array.shape) if n > 1):
        if stride < extent:
            return True
        extent += stride * (n - 1)
    return False


def check_no_overlap(target) -> None:
    """PyTorch refuses most in-place writes into a tensor whose elements share memory; fill_,
    zero_, masked_fill_ and index_put_ are allowed (the last two with a warning)."""
    if has_internal_overlap(target._data):
        raise RuntimeError(OVERLAP_ERROR)


def warn_if_overlap(target, op: str, example: str, stacklevel: int = 3) -> None:
    """PyTorch's deprecation warning of masked_fill_/index_put_ into memory shared by elements."""
    if has_internal_overlap(target._data):
        warnings.warn(f"Use of {op} on expanded tensors is deprecated. Please clone() the tensor before performing "
                      f"this operation. This also applies to advanced indexing e.g. {example}", UserWarning,
                      stacklevel=stacklevel)


def _view_inplace_error(target):
    """PyTorch's refusal of an in-place op, recorded, on this view; None when it is allowed."""
    meta = target._meta
    if meta.creation is not None:
        return view_rebase_message(target, indirect=False)
    base = meta.base
    if base._grad_fn is None and base._requires_grad:
        return "a view of a leaf Variable that requires grad is being used in an in-place operation."
    return None


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
        other_dtype = other._dtype
    elif isinstance(other, (int, float, bool)):
        data = other
        other_dtype = None
    else:
        return None
    if grad_on and (target._grad_fn is not None or target._requires_grad
                    or (target._meta is not None and target.requires_grad)):
        return None
    check_no_overlap(target)
    dtype = target._dtype
    if not (dtype.is_floating_point and (other_dtype is dtype or other.__class__ is float or other.__class__ is int)):
        # (the common update, a floating target and an operand of its dtype or a Python number,
        # keeps the target's dtype: nothing to resolve or refuse)
        out_dtype = D.result_type(target, other)
        if ufunc is np.true_divide and not out_dtype.is_floating_point:
            out_dtype = D.default_float()
        _check_cast(out_dtype, dtype)
    if kwargs:
        alpha = kwargs["alpha"]
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
    check_no_overlap(target)
    return write_inplace(target, fn, *args, **kwargs)


def write_inplace(target, fn: Callable, *args, **kwargs):
    """``apply_inplace`` without the overlap check: for the writes PyTorch allows into a tensor
    whose elements share memory (each memory location then takes the last value written)."""
    is_view = target._meta is not None and target._meta.base is not None
    recording = getattr(_state, "enabled", True) and (
        target.requires_grad or any(isinstance(a, Tensor) and a.requires_grad for a in args))
    if recording and is_view:
        problem = _view_inplace_error(target)
        if problem:
            raise RuntimeError(problem)
        return _inplace_on_view(target, fn, args, kwargs)
    if recording and target._grad_fn is None and target._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    source = _make(target._data.copy(), target._dtype, target._grad_fn) if recording else target
    result = fn(source, *args, **kwargs)
    vc = _write(target, result)
    if recording:
        # The node keeps result's own array as its output: aliasing target's memory would let a
        # later in-place op on target change what this node's backward reads. A saved output is
        # target itself from now on: a later in-place change of target is caught, as in PyTorch.
        node = result._grad_fn
        target._grad_fn = node
        if node is not None and getattr(node, "_out_vc", None) is not None:
            node._out_vc, node._out_version = vc, vc[0]
    return target


def _write(target, result) -> list:
    """Copy ``result``'s values into ``target``'s memory and move its version on."""
    _check_cast(result._dtype, target._dtype)
    if result._data.shape != target._data.shape:
        raise RuntimeError(
            f"output with shape {list(target._data.shape)} doesn't match the broadcast shape "
            f"{list(result._data.shape)}")
    dst, values = target._data, result._data
    if _elements_may_share_memory(dst):  # write only the elements the op changed, as PyTorch's kernels do
        changed = dst != values
        if values.dtype.kind == "f":
            changed &= ~(np.isnan(dst) & np.isnan(values))
        np.copyto(dst, values, casting="unsafe", where=changed)
    else:
        np.copyto(dst, values, casting="unsafe")
    vc = target._vc
    if vc is None:
        vc = target._vc = [1]
    else:
        vc[0] += 1
    return vc


def _inplace_on_view(view, fn: Callable, args: tuple, kwargs: dict):
    """An in-place op, recorded, on a view: the base's history is rewritten (CopySlices) and the
    view's grad_fn made again from it, as PyTorch does."""
    from ..autograd.views import copy_slices, regenerated_view_fn
    meta = view._meta
    base = meta.base
    source = _make(view._data.copy(), view._dtype, view.grad_fn)
    result = fn(source, *args, **kwargs)
    vc = _write(view, result)
    node = result._grad_fn
    if node is None:
        return view
    if getattr(node, "_out_vc", None) is not None:
        node._out_vc, node._out_version = vc, vc[0]
    base._grad_fn = copy_slices(base, meta.view_fns, node, overlapping=has_internal_overlap(view._data))
    view._grad_fn = regenerated_view_fn(view)
    meta.view_version = vc[0]
    return view


def _check_cast(result: D.dtype, target: D.dtype) -> None:
    if result._category > target._category:
        names = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "bool": "Bool",
                 "float16": "Half", "int16": "Short", "int8": "Char", "uint8": "Byte"}
        raise RuntimeError(
            f"result type {names[result.name]} can't be cast to the desired output type {names[target.name]}"
        )
