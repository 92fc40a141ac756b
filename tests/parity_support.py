"""Running one expression under autogradviz and under PyTorch, for side-by-side tests."""
from __future__ import annotations

import warnings


def outcome(lib, program: str, **names) -> str:
    """The repr of what ``program`` evaluates to with ``lib`` (and ``names``) in scope, or the type and
    message of the exception it raises: equal strings mean the same behaviour."""
    try:
        return repr(eval(program, {"lib": lib, **names}))
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def run_statements(lib, source: str, **names) -> tuple[str, list[str]]:
    """Run ``source`` (statements) with ``lib`` in scope: the repr of its variable ``result`` (or
    the type and message of the exception it raises), and the text of each warning it gives
    (PyTorch's "(Triggered internally at ...)" suffix left off)."""
    scope = {"lib": lib, **names}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(source, scope)
            shown = repr(scope.get("result"))
        except Exception as exc:
            shown = f"{type(exc).__name__}: {exc}"
    return shown, [str(w.message).split(" (Triggered internally")[0] for w in caught]


def weighted_grads(lib, out, inputs) -> tuple:
    """(grad_fn name, value, gradients) of ``out`` for ``inputs``, through Σ out × (1, 2, 3, ...): the
    weights tell the elements of the gradient apart."""
    weights = lib.arange(1.0, out.numel() + 1, dtype=out.dtype).reshape(out.shape)
    grads = lib.autograd.grad((out * weights).sum(), inputs)
    return type(out.grad_fn).__name__, out.detach().numpy(), [g.numpy() for g in grads]


def assert_same_grads(ours: tuple, theirs: tuple) -> None:
    """Two ``weighted_grads`` results agree: the same grad_fn name, values and gradients."""
    import numpy as np
    (fn, value, grads), (want_fn, want_value, want_grads) = ours, theirs
    assert fn == want_fn
    np.testing.assert_allclose(value, want_value, rtol=1e-10, atol=1e-12)
    assert len(grads) == len(want_grads)
    for g, w in zip(grads, want_grads):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)
