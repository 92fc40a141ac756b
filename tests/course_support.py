"""Running a course program (tests/course/*.py, written against ``import torch``) under PyTorch and,
unchanged but for its import lines, under autogradviz; and comparing what the two print.

The programs are this project's own, written in the API calls of the course material they stand
for (PyTorch's tutorials, D2L, makemore); none is a copy of that material.
"""
from __future__ import annotations

import contextlib
import io
import random
import re
from pathlib import Path

import numpy as np

import autogradviz

COURSE = Path(__file__).parent / "course"
_NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:e[-+]?\d+)?")

# The only change a program sees: its imports name autogradviz ("import autogradviz as torch").
_SWAPS = (("import torch.nn.functional as F", "import autogradviz.nn.functional as F"),
          ("import torch.nn as nn", "import autogradviz.nn as nn"),
          ("import torch\n", "import autogradviz as torch\n"),
          ("from torch.", "from autogradviz."))


def source(name: str, lib) -> str:
    """The program's text, with its torch imports pointed at ``lib``."""
    text = (COURSE / f"{name}.py").read_text()
    if lib is autogradviz:
        for theirs, ours in _SWAPS:
            text = text.replace(theirs, ours)
    return text


def run(name: str, lib, seed: int = 0, cwd: Path | None = None) -> tuple[str, dict]:
    """Run the program with ``lib`` as torch, Python's and lib's generators seeded; return what it
    printed and its global names."""
    random.seed(seed)
    lib.manual_seed(seed)
    namespace = {"__name__": f"course_{name}"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.chdir(cwd or Path.cwd()):
        exec(compile(source(name, lib), str(COURSE / f"{name}.py"), "exec"), namespace)
    if lib is not autogradviz:
        lib.set_default_device(None)
    return out.getvalue(), namespace


def masked(text: str) -> str:
    """The text with every number replaced by '#': what must be equal whatever the numbers."""
    return _NUMBER.sub("#", text)


def numbers(text: str) -> np.ndarray:
    """Every number in the text, in order."""
    return np.array([float(m) for m in _NUMBER.findall(text)])


def same_random_draws() -> bool:
    """Whether autogradviz draws PyTorch's numbers under the same seed (then training runs match
    step for step; otherwise only their outcome can be compared)."""
    import torch
    torch.manual_seed(0)
    autogradviz.manual_seed(0)
    return np.array_equal(torch.randn(16).numpy(), autogradviz.randn(16).numpy())


def last_loss(printed: str) -> float:
    """The loss on the last "<step> <loss>" line a training program printed."""
    lines = [line.split() for line in printed.splitlines()]
    steps = [parts for parts in lines if len(parts) == 2 and parts[0].isdigit()]
    return float(steps[-1][1])


def write_names(folder: Path, count: int = 3000, seed: int = 0) -> Path:
    """A names.txt of made-up lowercase names (one a line), for the makemore programs."""
    rng = np.random.default_rng(seed)
    onsets = ["", "b", "br", "ch", "d", "el", "f", "g", "j", "k", "l", "m", "n", "p", "r", "s", "sh", "t", "v", "z"]
    vowels = ["a", "e", "i", "o", "u", "ia", "ea", "y"]
    codas = ["", "", "n", "l", "r", "s", "th", "x", "lyn", "ah", "ie"]
    names = []
    for _ in range(count):
        syllables = rng.integers(1, 4)
        names.append("".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(syllables)) + rng.choice(codas))
    path = folder / "names.txt"
    path.write_text("\n".join(names) + "\n")
    return path
