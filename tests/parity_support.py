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
