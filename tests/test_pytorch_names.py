"""A PyTorch name autogradviz does not have says so: the AttributeError names PyTorch's attribute,
for torch, torch.Tensor, torch.nn and torch.nn.functional; any other name gets Python's words."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from torch_support import need_torch

import autogradviz as agv
from autogradviz._pytorch_names import PYTORCH_NAMES

OWNERS = {"torch": lambda: agv, "torch.Tensor": lambda: agv.ones(2, 2), "torch.nn": lambda: agv.nn,
          "torch.nn.functional": lambda: agv.nn.functional}


def test_the_names_are_the_installed_pytorchs():
    """In a fresh interpreter: what else a test session imported adds names to torch's namespace."""
    need_torch()
    writer = Path(__file__).parent / "write_pytorch_names.py"
    fresh = subprocess.run([sys.executable, str(writer)], capture_output=True, text=True, check=True).stdout
    stored = (Path(agv.__file__).parent / "_pytorch_names.py").read_text()
    assert stored == fresh, "run: python tests/write_pytorch_names.py > autogradviz/_pytorch_names.py"


@pytest.mark.parametrize("owner", OWNERS)
def test_every_pytorch_name_missing_here_says_pytorch_has_it(owner):
    obj = OWNERS[owner]()
    missing = [name for name in sorted(PYTORCH_NAMES[owner]) if not hasattr(obj, name)]
    assert missing, f"autogradviz has every public name of {owner}"
    for name in missing:
        with pytest.raises(AttributeError, match=rf"^.* has no attribute '{name}' \({owner}\.{name} is PyTorch's; "
                                                 r"autogradviz does not implement it yet\)$"):
            getattr(obj, name)


@pytest.mark.parametrize("owner", OWNERS)
def test_other_names_get_pythons_own_words(owner):
    obj = OWNERS[owner]()
    with pytest.raises(AttributeError, match=r"has no attribute 'no_such_name'$"):
        obj.no_such_name   # noqa: B018 (the lookup is what is under test)


def test_names_the_tensor_has_are_found_as_before():
    t = agv.ones(2, requires_grad=True)
    assert t.grad is None and t.requires_grad and t.sum().item() == 2.0 and getattr(t, "absent", 7) == 7
    assert not hasattr(t, "addcmul_") or callable(t.addcmul_)
