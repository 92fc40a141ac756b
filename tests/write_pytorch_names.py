"""Write autogradviz/_pytorch_names.py from the installed PyTorch (run when PyTorch's pin moves):

    python tests/write_pytorch_names.py > autogradviz/_pytorch_names.py
"""
from __future__ import annotations

import textwrap

OWNERS = ("torch", "torch.Tensor", "torch.nn", "torch.nn.functional")


def public_names() -> dict[str, list[str]]:
    """The public names of each owner in the installed PyTorch, sorted."""
    import torch
    import torch.nn.functional
    objects = {"torch": torch, "torch.Tensor": torch.Tensor, "torch.nn": torch.nn,
               "torch.nn.functional": torch.nn.functional}
    return {owner: sorted(n for n in dir(objects[owner]) if not n.startswith("_")) for owner in OWNERS}


def module_text() -> str:
    import torch
    version = torch.__version__.split("+")[0]
    lines = [
        f'"""The public names of PyTorch {version}, so that asking autogradviz for one it does not have',
        "says that PyTorch has it and autogradviz does not (rather than a bare AttributeError).",
        'Written by tests/write_pytorch_names.py; tests/test_pytorch_names.py keeps it current."""',
        "from __future__ import annotations",
        "",
        f'PYTORCH_VERSION = "{version}"',
        "",
        "_NAMES = {",
    ]
    for owner, names in public_names().items():
        body = textwrap.wrap(" ".join(names), 96, break_long_words=False, break_on_hyphens=False)
        lines.append(f'    "{owner}": """')
        lines += [f"        {chunk}" for chunk in body]
        lines.append('    """,')
    lines += [
        "}",
        "PYTORCH_NAMES: dict[str, frozenset[str]] = {owner: frozenset(text.split()) for owner, text in _NAMES.items()}",
        "",
        "",
        "def missing(owner: str, name: str, message: str) -> AttributeError:",
        '    """The AttributeError for ``owner.name`` (``message`` is Python\'s own words for it), naming',
        '    PyTorch where PyTorch has the name."""',
        "    if name in PYTORCH_NAMES.get(owner, ()):",
        '        message += f" ({owner}.{name} is PyTorch\'s; autogradviz does not implement it yet)"',
        "    return AttributeError(message)",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(module_text(), end="")
