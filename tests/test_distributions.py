"""torch.distributions.Categorical and Multinomial: the same draws as PyTorch under the same seed
(on torch.multinomial), the same shapes, dtypes and errors."""
from __future__ import annotations

import pytest
from parity_support import outcome
from torch_support import need_torch

import autogradviz as agv

torch = need_torch()

PROGRAMS = [
    "D.Categorical(lib.tensor([0.1, 0.2, 0.7])).sample((6,))",
    "D.Categorical(logits=lib.tensor([[0.0, 1.0], [2.0, -1.0]])).sample((3,))",
    "D.Categorical(lib.tensor([1.0, 3.0])).sample()",
    "D.Multinomial(100, lib.tensor([0.5, 0.5])).sample()",
    "D.Multinomial(10, lib.tensor([0.2, 0.3, 0.5])).sample((4,))",
    "D.Multinomial(5, lib.tensor([[0.2, 0.8], [0.9, 0.1]])).sample((2,))",
    "D.Multinomial(1, lib.tensor([0.5, 0.5])).sample((3,)).dtype",
    "D.Multinomial(3, lib.tensor([0.5, 0.5], dtype=lib.float64)).sample().dtype",
    "D.Categorical()",
    "D.Categorical(lib.tensor(0.5))",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_same_draws_and_errors_as_pytorch(program):
    def run(lib):
        lib.manual_seed(0)
        return outcome(lib, program, D=lib.distributions)
    assert run(agv) == run(torch)


def test_counts_add_up_to_the_total():
    agv.manual_seed(1)
    counts = agv.distributions.Multinomial(50, agv.tensor([0.1, 0.6, 0.3])).sample((20,))
    assert counts.shape == (20, 3) and (counts.sum(1) == 50).all()
