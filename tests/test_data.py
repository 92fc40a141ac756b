"""utils.data: Dataset, TensorDataset, DataLoader (batching, shuffling with the global seed,
drop_last, collation)."""
from __future__ import annotations

import numpy as np
import pytest
from torch_support import need_torch

import autogradviz as torch
from autogradviz.utils.data import DataLoader, Dataset, TensorDataset, default_collate

X = torch.arange(20.0).reshape(10, 2)
Y = torch.arange(10)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return torch.tensor([float(i)]), i * i


def test_tensor_dataset_rows_and_length():
    ds = TensorDataset(X, Y)
    assert len(ds) == 10
    x3, y3 = ds[3]
    assert x3.tolist() == [6.0, 7.0] and y3.item() == 3


def test_tensor_dataset_size_mismatch_names_the_shapes():
    with pytest.raises(ValueError, match=r"Size mismatch between tensors.*\[\[3\], \[4\]\]"):
        TensorDataset(torch.ones(3), torch.ones(4))


def test_batches_in_order_with_a_smaller_last_batch():
    loader = DataLoader(TensorDataset(X, Y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    xb, yb = batches[0]
    assert xb.shape == (4, 2) and xb.dtype is torch.float32 and yb.dtype is torch.int64


def test_drop_last_drops_the_incomplete_batch():
    loader = DataLoader(TensorDataset(X, Y), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [b[1].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_shuffle_covers_every_sample_and_repeats_with_manual_seed():
    loader = DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True)
    torch.manual_seed(7)
    first = [i for _, yb in loader for i in yb.tolist()]
    second = [i for _, yb in loader for i in yb.tolist()]
    torch.manual_seed(7)
    again = [i for _, yb in loader for i in yb.tolist()]
    assert sorted(first) == list(range(10))
    assert first == again
    assert first != second            # a new order each epoch
    assert first != list(range(10))


def test_shuffle_with_its_own_generator():
    gen = torch.Generator().manual_seed(1)
    a = [yb.tolist() for _, yb in DataLoader(TensorDataset(X, Y), batch_size=10, shuffle=True, generator=gen)]
    gen.manual_seed(1)
    b = [yb.tolist() for _, yb in DataLoader(TensorDataset(X, Y), batch_size=10, shuffle=True, generator=gen)]
    assert a == b


def test_rows_stay_paired_with_their_labels_when_shuffled():
    torch.manual_seed(0)
    for xb, yb in DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=True):
        np.testing.assert_array_equal(xb.numpy()[:, 0], 2 * yb.numpy())


def test_custom_dataset_is_collated_per_field():
    batches = list(DataLoader(Squares(5), batch_size=2))
    assert len(batches) == 3
    xb, yb = batches[0]
    assert xb.shape == (2, 1) and xb.tolist() == [[0.0], [1.0]]
    assert yb.dtype is torch.int64 and yb.tolist() == [0, 1]
    assert batches[2][1].tolist() == [16]


def test_default_collate_numbers_dicts_arrays_and_strings():
    assert default_collate([1.5, 2.5]).dtype is torch.float64
    assert default_collate([1, 2]).tolist() == [1, 2]
    d = default_collate([{"a": torch.ones(2), "b": 1}, {"a": torch.zeros(2), "b": 2}])
    assert d["a"].shape == (2, 2) and d["b"].tolist() == [1, 2]
    assert default_collate([np.ones(3), np.zeros(3)]).shape == (2, 3)
    assert default_collate(["x", "y"]) == ["x", "y"]


def test_batch_size_none_yields_single_samples():
    samples = list(DataLoader(TensorDataset(X, Y), batch_size=None))
    assert len(samples) == 10 and samples[2][1].item() == 2


def test_bad_batch_size_is_refused():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        DataLoader(TensorDataset(X, Y), batch_size=0)


def test_dataset_and_len_attributes_used_by_the_tutorials():
    loader = DataLoader(TensorDataset(X, Y), batch_size=3)
    assert len(loader.dataset) == 10 and len(loader) == 4


def test_matches_pytorch_batches_in_order():
    T = need_torch(module_level=False)
    ref = T.utils.data.DataLoader(T.utils.data.TensorDataset(T.tensor(X.numpy()), T.tensor(Y.numpy())), batch_size=4)
    ours = DataLoader(TensorDataset(X, Y), batch_size=4)
    for (xa, ya), (xt, yt) in zip(ours, ref, strict=True):
        np.testing.assert_array_equal(xa.numpy(), xt.numpy())
        np.testing.assert_array_equal(ya.numpy(), yt.numpy())
