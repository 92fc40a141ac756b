"""The backward pass, written as a generator of steps.

``backward_steps`` walks the graph iteratively (no recursion: a 100,000-node chain is fine) in
PyTorch's order and yields one ``Step`` per node: the node, the gradient that arrived, and the
gradients it sent to each input. ``backward()`` and ``autograd.grad()`` simply drain it; the
step-through widget consumes the very same generator, so it shows exactly what the engine does.
"""
from __future__ import annotations

import gc
import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _grad_mode
from .._errors import raised_in_callers_code
from .node import GRAPH_FREEZER, AccumulateGrad, Node, NodeContext, edge


@dataclass(slots=True)
class Step:
    """One node of the backward pass.

    ``grad_output`` arrived at ``node``; ``grad_inputs`` were sent along ``node.next_functions``
    (None where nothing flows). For an ``AccumulateGrad`` node, ``leaf`` is the tensor and
    ``grad_after`` its accumulated gradient after this step; ``grad_before`` (what it held before)
    is reported when the pass does not write ``.grad`` (``accumulate=False``, as the stepper runs).
    Every array is a copy made when the step ran: later writes to ``.grad`` or to a gradient the
    caller passed in do not change what a step says.
    """

    index: int
    node: Node
    grad_output: Any
    grad_inputs: tuple
    leaf: Any = None
    grad_before: Any = None
    grad_after: Any = None


_TENSOR: tuple = ()


def _tensor():
    """(Tensor, _make), imported on first use (the tensor module imports the engine)."""
    global _TENSOR
    if not _TENSOR:
        from ..tensor import Tensor, _make
        _TENSOR = (Tensor, _make)
    return _TENSOR


def _as_tensor_grad(g, dtype):
    """Wrap a NumPy gradient as a Tensor (hooks and .grad always see Tensors)."""
    Tensor, _make = _tensor()
    if isinstance(g, Tensor):
        return g
    return _make(np.asarray(g), dtype)


def checked_hook_result(hook, result, grad):
    """A tensor hook's replacement gradient, refused as PyTorch refuses it when it changes the
    gradient's size or dtype (None: keep the gradient)."""
    if result is None:
        return None
    Tensor, _ = _tensor()
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(result, Tensor):
        raise TypeError(f"expected Variable or None (got {type(result).__name__})")
    if result._data.shape != grad._data.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    if result._dtype is not grad._dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was torch.{grad._dtype._legacy} "
                           f"got torch.{result._dtype._legacy})")
    return result


def _run_leaf_hooks(leaf, grad, create_graph, shared):
    """The tensor hooks of a leaf, in registration order; they run under backward() and grad()."""
    for hook in leaf._meta.hooks:
        g = _as_tensor_grad(grad, leaf._dtype)
        r = checked_hook_result(hook, hook(g), g)
        if r is not None:
            grad = r if create_graph else r._data
            shared.add(id(grad))
    return grad


def _add(a, b):
    if a is None:
        return b
    return a + b


def _root_grads(outputs, grad_outputs, create_graph):
    Tensor, _make = _tensor()
    roots = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"outputs must be Tensors, got {type(out).__name__} at position {i}")
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out._dtype.is_floating_point:
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {out._dtype}")
            g = np.ones(out._data.shape, dtype=out._dtype.np)
        else:
            if not isinstance(g, Tensor):
                if isinstance(g, (int, float)):
                    g = np.full(out._data.shape, g, dtype=out._dtype.np)
                else:
                    raise TypeError(f"gradient must be a Tensor or None, got {type(g).__name__}")
            else:
                if g._data.shape != out._data.shape:
                    from ..tensor import Size
                    raise RuntimeError(
                        f"Mismatch in shape: grad_output[{i}] has a shape of {Size(g._data.shape)!r} and "
                        f"output[{i}] has a shape of {Size(out._data.shape)!r}.")
                if create_graph:
                    roots.append((out, g if g._dtype is out._dtype else g.to(out._dtype)))
                    continue
                g = g._data.astype(out._dtype.np, copy=False)
        if create_graph:
            g = _make(np.asarray(g), out._dtype)
        roots.append((out, g))
    return roots


def backward_steps(outputs: Sequence, grad_outputs: Sequence | None = None, *,
                   retain_graph: bool | None = None, create_graph: bool = False,
                   accumulate: bool = True, capture: dict | None = None,
                   report: bool = True) -> Iterator[Step]:
    """Run the backward pass one node at a time.

    accumulate: write leaf gradients into ``.grad`` (False leaves every tensor untouched; the
        steps still report what each leaf would receive).
    capture: a dict ``{node: None}``; the gradient arriving at each of those nodes is stored in it
        (this is how ``autograd.grad`` collects its results).
    report: yield a ``Step`` per node (``backward()`` passes False: it only needs the effects).
    """
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    roots = _root_grads(outputs, grad_outputs, create_graph)

    buffers: dict[Node, Any] = {}
    for out, g in roots:
        node, nr = edge(out)
        if node is None:
            continue
        _send(buffers, node, nr, g)

    # Count, for every reachable node, how many edges lead into it (iteratively).
    deps: dict[Node, int] = {}
    stack = list(buffers)   # the roots: every other node is pushed when first reached
    while stack:
        node = stack.pop()
        for nxt in node._fns:
            if nxt is None:
                continue
            n = deps.get(nxt)
            if n is None:
                deps[nxt] = 1
                if nxt not in buffers:
                    stack.append(nxt)
            else:
                deps[nxt] = n + 1

    ready = [_Ready(n) for n in buffers if deps.get(n, 0) == 0]
    heapq.heapify(ready)
    pending_leaf: dict = {}  # leaf tensor -> gradient so far when accumulate is False
    # Arrays this pass must not hand to a leaf as its .grad without a copy: the gradients given
    # by the caller, hook results, and arrays already stored in another leaf.
    shared = {id(g) for _, g in roots}
    index = 0
    plain = not create_graph   # rules on NumPy arrays (captured nodes still take the general branch)
    # The one node that the last step made ready while the queue was empty: the queue would give
    # it back at once, so it runs next without going through the heap (a chain never uses it).
    following = carried = None
    context = NodeContext()   # what the rules read, pointed at node after node
    # backward() and grad() drain the steps without a yield: grad mode is set once for the pass
    caller_mode = None
    if not report:
        caller_mode = _grad_mode.is_grad_enabled()
        _grad_mode._set(create_graph)
    try:
        while True:
            if following is not None:
                node, following = following, None
                if carried is not None:   # its only gradient, handed on without the buffers
                    grad, carried = carried, None
                else:
                    grad = buffers.pop(node, None)
            elif ready:
                node = heapq.heappop(ready).node
                grad = buffers.pop(node, None)
            else:
                break
            if (plain and grad is not None and node.__class__.op is not None and node._pre_hooks is None
                    and node._hooks is None and (capture is None or node not in capture)):
                # The common case: a built-in rule on NumPy arrays; nothing is recorded, no mode switch.
                grads_in = node.numpy_grads(grad, not retain_graph, context)
                if report:
                    step = Step(index, node, _copy(grad), tuple([_copy(g) for g in grads_in]))
                    index += 1
                    yield step
            elif not report:   # nothing is yielded: the mode was set once for the whole pass
                step, grads_in = _run_node(node, grad, index, create_graph, accumulate, pending_leaf, capture,
                                           shared, report)
                if not retain_graph:
                    node.release()
            else:
                # Grad mode is create_graph only while this node's rules and hooks run, never across
                # the yield: code that consumes the steps runs in the caller's mode.
                previous_mode = _grad_mode.is_grad_enabled()
                _grad_mode._set(create_graph)
                try:
                    step, grads_in = _run_node(node, grad, index, create_graph, accumulate, pending_leaf, capture,
                                               shared, report)
                finally:
                    _grad_mode._set(previous_mode)
                if not retain_graph:
                    node.release()
                if step is not None and report:
                    index += 1
                    yield step
            nrs = node._nrs
            made_ready = None  # the first node this step made ready, until a second one comes
            made_ready_grad = None   # its gradient, when this step sent it its only one
            for i, nxt in enumerate(node._fns):
                if nxt is None:
                    continue
                g = grads_in[i]
                left = deps[nxt]
                if left == 1 and made_ready is None and nrs is None:
                    # its last gradient: the sum is kept aside for the next step, not buffered
                    before = buffers.pop(nxt, None)
                    made_ready = nxt
                    made_ready_grad = g if before is None else before if g is None else before + g
                    continue
                if g is not None:
                    if nrs is None:
                        before = buffers.get(nxt)
                        buffers[nxt] = g if before is None else before + g
                    else:
                        _send(buffers, nxt, nrs[i], g)
                if left == 1:
                    if made_ready is None:
                        made_ready = nxt
                    else:  # several: all go through the queue, in the order they became ready
                        if made_ready is not _SEVERAL:
                            if made_ready_grad is not None:
                                buffers[made_ready] = made_ready_grad
                                made_ready_grad = None
                            heapq.heappush(ready, _Ready(made_ready))
                            made_ready = _SEVERAL
                        heapq.heappush(ready, _Ready(nxt))
                else:
                    deps[nxt] = left - 1
            if made_ready is not None and made_ready is not _SEVERAL:
                if ready:
                    if made_ready_grad is not None:
                        buffers[made_ready] = made_ready_grad
                    heapq.heappush(ready, _Ready(made_ready))
                else:
                    following, carried = made_ready, made_ready_grad

    finally:
        if caller_mode is not None:
            _grad_mode._set(caller_mode)

_SEVERAL = object()


class _Ready:
    """A node whose gradient is complete, in the queue as PyTorch's ready queue orders them: the
    highest sequence number first (AccumulateGrad's is the highest of all: a leaf accumulates as
    soon as its gradient is complete); equal numbers compare equal, and heapq sifts exactly as
    std::priority_queue does, so such ties fall as they do in PyTorch."""

    __slots__ = ("key", "node")

    def __init__(self, node):
        self.key = -node._seq
        self.node = node

    def __lt__(self, other: _Ready) -> bool:
        return self.key < other.key


def _send(buffers: dict, node, nr: int, g) -> None:
    """Add ``g`` to what waits for output ``nr`` of ``node`` (a list per output for nodes with
    several outputs: split pieces, custom Functions)."""
    if node._n_out == 1:
        buffers[node] = _add(buffers.get(node), g)
        return
    slots = buffers.get(node)
    if slots is None:
        slots = buffers[node] = [None] * node._n_out
    slots[nr] = _add(slots[nr], g)


def _run_node(node, grad, index, create_graph, accumulate, pending_leaf, capture, shared, report=True):
    if grad is not None and node._pre_hooks:
        for hook in node._pre_hooks:
            r = hook(grad)
            if r is not None:
                grad = r if create_graph else getattr(r, "_data", r)
                shared.add(id(grad))  # the hook's tensor belongs to the user: never stored as .grad
    is_leaf = isinstance(node, AccumulateGrad)
    if grad is not None and is_leaf and node.variable._meta is not None and node.variable._meta.hooks:
        grad = _run_leaf_hooks(node.variable, grad, create_graph, shared)
    if capture is not None and node in capture:
        capture[node] = grad
    if grad is None:
        return None, (None,) * len(node._fns)
    if is_leaf:
        if not node.variable._requires_grad:  # detached in place since: nothing to accumulate (PyTorch)
            return None, ()
        return _accumulate(node, grad, index, create_graph, accumulate, pending_leaf, shared, report), ()
    grads_in = node.apply(grad, create_graph)
    if node._hooks:
        for hook in node._hooks:
            hook(grads_in, (grad,))
    return (Step(index, node, _copy(grad), tuple([_copy(g) for g in grads_in])) if report else None), grads_in


def _copy(g):
    """A gradient as it is now (NumPy arrays are copied; recorded Tensors are new each pass)."""
    return g.copy() if type(g) is np.ndarray else g


def _accumulate(node: AccumulateGrad, grad, index, create_graph, accumulate, pending_leaf, shared,
                report=True) -> Step | None:
    _Tensor, _make = _tensor()
    leaf = node.variable
    if not accumulate:
        # Nothing is written: report what .grad would become (the stepper's view).
        if not report:   # autograd.grad(): nothing to report, so nothing to work out
            return None
        key = id(leaf)
        before = pending_leaf.get(key)
        if before is None:
            before = None if leaf._grad is None else leaf._grad._data
        g = getattr(grad, "_data", grad)
        after = g.astype(leaf._dtype.np) if before is None else before + g
        pending_leaf[key] = after
        if not report:
            return None
        return Step(index, node, _copy(grad), (), leaf=leaf, grad_before=_copy(before), grad_after=after.copy())
    if create_graph:
        previous = leaf._grad
        g = _as_tensor_grad(grad, leaf._dtype)
        if previous is None:  # PyTorch copies the first gradient into a new tensor (CopyBackwards)
            leaf._grad = _make(np.empty_like(g._data), leaf._dtype).copy_(g) if g.requires_grad else g
        else:
            leaf._grad = previous + g
    else:
        grad = _owned(grad, leaf._dtype.np, shared) if leaf._grad is None else grad
        accumulate_grad(leaf, grad)
    if not report:
        return None
    return Step(index, node, _copy(grad), (), leaf=leaf, grad_after=_copy(leaf._grad._data))


def accumulate_grad(leaf, grad: np.ndarray) -> None:
    """Add ``grad`` into ``leaf.grad`` as ``backward()`` does (hooks are not run again): a new
    ``.grad`` takes ``grad`` itself, an existing one is added to in place."""
    _Tensor, _make = _tensor()
    previous = leaf._grad
    if previous is None:
        leaf._grad = _make(np.asarray(grad, dtype=leaf._dtype.np), leaf._dtype)
    elif previous._grad_fn is not None or previous._requires_grad:
        leaf._grad = _make((previous._data + grad).astype(leaf._dtype.np, copy=False), leaf._dtype)
    else:
        previous._data += grad  # in place, as PyTorch: a .grad the user holds sees the sum
        previous._bump()


def _owned(grad, dtype, shared) -> np.ndarray:
    """The array to store as a new ``.grad``: the gradient itself when this backward pass made it
    and nothing else holds it (no copy, as PyTorch steals it), else a copy."""
    if (type(grad) is np.ndarray and grad.base is None and grad.dtype == dtype and grad.flags.writeable
            and id(grad) not in shared):
        shared.add(id(grad))  # a second leaf receiving the same array gets a copy
        return grad
    return np.array(grad, dtype=dtype, copy=True)


class _collector_paused:
    """Python's cyclic garbage collector off while a backward pass runs: every pass of it would walk
    the whole live graph (the objects a backward pass makes are freed by reference counting). At
    the end, what the recording froze (``GRAPH_FREEZER``) is handed back to the collector.
    (A class rather than a generator-based context manager: entered on every backward and grad.)"""

    __slots__ = ("enabled",)

    def __enter__(self):
        self.enabled = enabled = gc.isenabled()
        if enabled:
            gc.disable()

    def __exit__(self, *exc):
        GRAPH_FREEZER.thaw()   # what the pass freed is freed; cycles made meanwhile are collectable again
        if self.enabled:
            gc.enable()


@raised_in_callers_code
def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """Compute the gradient of ``tensors`` and accumulate it into the leaves' ``.grad``."""
    Tensor, _ = _tensor()
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        results = grad(tensors, inputs, grad_tensors, retain_graph=retain_graph,
                       create_graph=create_graph, allow_unused=True)
        for t, g in zip(inputs, results):
            if g is not None:
                t._grad = g if t._grad is None else t._grad + g
        return
    with _collector_paused():
        for _ in backward_steps(list(tensors), list(grad_tensors), retain_graph=retain_graph,
                                create_graph=create_graph, report=False):
            pass


@raised_in_callers_code
def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned (``.grad`` is untouched)."""
    Tensor, _make = _tensor()
    single_output = isinstance(outputs, Tensor)
    outputs = [outputs] if single_output else list(outputs)
    inputs_tuple = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad requires one grad_output per output: got {len(grad_outputs)} for {len(outputs)} outputs")
    nodes = []
    for i, t in enumerate(inputs_tuple):
        if not isinstance(t, Tensor):
            raise TypeError(f"inputs must be Tensors, got {type(t).__name__} at position {i}")
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        nodes.append(edge(t))
    capture = {n: None for n, _ in nodes if n is not None}
    with _collector_paused():
        for _ in backward_steps(outputs, grad_outputs, retain_graph=retain_graph,
                                create_graph=create_graph, accumulate=False, capture=capture, report=False):
            pass
    results = []
    for index, (t, (n, nr)) in enumerate(zip(inputs_tuple, nodes)):
        g = capture.get(n)
        if n is not None and n._n_out != 1:
            g = None if g is None else g[nr]
        if g is None:
            if materialize_grads:
                g = np.zeros(t._data.shape, dtype=t._dtype.np)
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {index} appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior.")
            else:
                results.append(None)
                continue
        if isinstance(g, np.ndarray) and not g.flags.writeable:
            g = g.copy()
        results.append(_as_tensor_grad(g, t._dtype))
    return tuple(results)
