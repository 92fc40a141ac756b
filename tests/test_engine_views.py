"""Views share memory and the version counter with their base; in-place writes through them
rewrite the base's history as PyTorch does (CopySlices)."""
from __future__ import annotations

import pytest
from engine_support import leaf


@pytest.mark.xfail(strict=True, raises=RuntimeError,
                   reason="in-place ops on a view of a tensor that requires grad are refused (apply_inplace in "
                          "ops/registry.py raises); PyTorch rebases the base's history (CopySlices)")
def test_in_place_on_a_view_of_a_non_leaf():
    x = leaf([1.0, 1.0, 1.0])
    y = x * 1
    y[0].mul_(2)
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 1.0, 1.0]



@pytest.mark.xfail(strict=True, reason="split/chunk/unbind pieces each get their own node; in PyTorch they share "
                                       "one SplitBackward0 and next_functions says (node, output_nr)")
def test_split_pieces_share_one_node_with_output_numbers():
    x = leaf([1.0, 2.0, 3.0])
    s = x.split(1)
    assert s[0].grad_fn is s[1].grad_fn
    assert [i for _, i in (s[0] * s[2]).grad_fn.next_functions] == [0, 2]
