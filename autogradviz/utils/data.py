"""``torch.utils.data``: Dataset, TensorDataset and DataLoader (single process).

DataLoader shuffles with the engine's global generator (or the one it is given), so
``torch.manual_seed`` makes the order repeatable; batches are stacked tensors, and samples that
are tuples are collated field by field (a list of batched fields, as PyTorch's default collate).
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .. import _dtype as D
from ..creation import randperm
from ..creation import tensor as _tensor
from ..ops.shape import stack
from ..tensor import Tensor, _make

__all__ = ["DataLoader", "Dataset", "TensorDataset", "default_collate"]


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(index)`` and ``__len__``."""

    def __getitem__(self, index) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")


class TensorDataset(Dataset):
    """Samples are the ``index``-th rows of each tensor: ``(x[i], y[i], ...)``."""

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if any(s != sizes[0] or s is None for s in sizes):
            raise ValueError("Size mismatch between tensors: every tensor needs the same first dimension, got "
                             f"shapes {[list(t.shape) for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


def default_collate(batch: Sequence) -> Any:
    """Stack a list of samples into a batch: tensors (and arrays) are stacked along a new first
    dim, Python numbers become a tensor, tuples/lists are collated field by field (a list),
    dicts key by key; anything else is returned as a list."""
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(list(batch), 0)
    if isinstance(first, np.ndarray):
        return _tensor(np.stack(batch))
    if isinstance(first, (bool, np.bool_)):
        return _tensor(list(batch), dtype=D.bool_)
    if isinstance(first, numbers.Integral):
        return _tensor(list(batch), dtype=D.int64)
    if isinstance(first, numbers.Real):
        return _tensor(list(batch), dtype=D.float64)
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in batch]) for k in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):   # namedtuple
        return type(first)(*(default_collate(list(f)) for f in zip(*batch)))
    if isinstance(first, (tuple, list)):
        n = len(first)
        if any(len(s) != n for s in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(f)) for f in zip(*batch)]
    return list(batch)


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` (the last one smaller unless
    ``drop_last``), in order or shuffled anew each epoch."""

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn: Callable | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, **_ignored) -> None:
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                       or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers       # accepted; batches are always made in this process
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.generator = generator

    def _order(self) -> Sequence[int]:
        if self.sampler is not None:
            return list(self.sampler)
        n = len(self.dataset)
        if self.shuffle:
            return randperm(n, generator=self.generator)._data
        return np.arange(n)

    def _batches(self) -> Iterator[Sequence[int]]:
        if self.batch_sampler is not None:
            yield from self.batch_sampler
            return
        order = self._order()
        size = self.batch_size
        for start in range(0, len(order), size):
            chunk = order[start:start + size]
            if len(chunk) < size and self.drop_last:
                return
            yield chunk

    def __iter__(self) -> Iterator:
        if self.batch_size is None and self.batch_sampler is None:
            for i in self._order():
                sample = self.dataset[int(i)]
                yield self.collate_fn(sample) if self.collate_fn is not None else sample
            return
        fast = isinstance(self.dataset, TensorDataset) and self.collate_fn is None
        for chunk in self._batches():
            if fast:   # same result as collating the rows one by one, in one indexing per tensor
                idx = _make(np.asarray(chunk, dtype=np.int64), D.int64)
                yield [t[idx] for t in self.dataset.tensors]
            else:
                samples = [self.dataset[int(i)] for i in chunk]
                yield (self.collate_fn or default_collate)(samples)

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
