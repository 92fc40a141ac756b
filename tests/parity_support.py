"""Running one expression under autogradviz and under PyTorch, for side-by-side tests."""
from __future__ import annotations


def outcome(lib, program: str, **names) -> str:
    """The repr of what ``program`` evaluates to with ``lib`` (and ``names``) in scope, or the type and
    message of the exception it raises: equal strings mean the same behaviour."""
    try:
        return repr(eval(program, {"lib": lib, **names}))
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
