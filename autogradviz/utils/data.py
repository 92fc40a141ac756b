"""``torch.utils.data``: Dataset, TensorDataset, Subset, random_split, the samplers and
DataLoader (single process).

Shuffling draws what PyTorch draws, in the same order, so after ``torch.manual_seed`` the batches
come in PyTorch's order: each ``iter(loader)`` first draws a base seed (one int64 from the
loader's generator, or the global one); a ``RandomSampler`` without a generator then draws a seed
from the global generator and shuffles with ``randperm`` on a new generator seeded with it.
Batches are stacked tensors, and samples that are tuples are collated field by field (a list of
batched fields, as PyTorch's default collate).
"""
from __future__ import annotations

import itertools
import math
import numbers
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .. import _dtype as D
from .. import _sampling
from ..creation import randint, randperm
from ..creation import tensor as _tensor
from ..ops.shape import stack
from ..random import Generator, default_generator, generator_or_default
from ..tensor import Tensor, _make

__all__ = ["DataLoader", "Dataset", "RandomSampler", "SequentialSampler", "Subset", "TensorDataset",
           "default_collate", "random_split"]


def _draw_seed(generator: Generator | None) -> int:
    """PyTorch's ``torch.empty((), dtype=torch.int64).random_(generator=...)``: one int64 seed."""
    return int(_sampling.full_range(generator_or_default(generator), 1, np.dtype(np.int64))[0])


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


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return [self.dataset[self.indices[i]] for i in idx]
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset, lengths: Sequence[int | float], generator: Generator | None = default_generator) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths (or fractions
    that sum to 1), with PyTorch's permutation for the same generator state."""
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(math.floor(len(dataset) * frac))
        for i in range(len(dataset) - sum(counts)):        # the remainder, one each, round robin
            counts[i % len(counts)] += 1
        for i, length in enumerate(counts):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
        lengths = counts
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = randperm(sum(lengths), generator=generator).tolist()
    ends = list(itertools.accumulate(lengths))
    return [Subset(dataset, indices[end - length:end]) for end, length in zip(ends, lengths)]


class SequentialSampler:
    """Indices 0, 1, ..., len(data_source) − 1."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler:
    """Indices in a random order (or drawn with replacement), drawn as PyTorch's sampler draws them."""

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator: Generator | None = None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.num_samples, int) or isinstance(self.num_samples, bool) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        generator = self.generator
        if generator is None:
            generator = Generator().manual_seed(_draw_seed(None))
        if self.replacement:
            for _ in range(self.num_samples // 32):
                yield from randint(high=n, size=(32,), generator=generator).tolist()
            yield from randint(high=n, size=(self.num_samples % 32,), generator=generator).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from randperm(n, generator=generator).tolist()
            yield from randperm(n, generator=generator).tolist()[:self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


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
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        self.dataset = dataset
        self.batch_size = batch_size
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers       # accepted; batches are always made in this process
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.generator = generator

    def _batches(self, indices: Iterator[int]) -> Iterator[list[int]]:
        while batch := list(itertools.islice(indices, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __iter__(self) -> Iterator:
        if self.batch_sampler is not None:
            chunks = iter(self.batch_sampler)
        elif self.batch_size is not None:
            chunks = self._batches(iter(self.sampler))
        else:
            chunks = iter(self.sampler)
        _draw_seed(self.generator)           # PyTorch's per-iterator base seed, drawn before the sampler's
        return self._load(chunks)

    def _load(self, chunks: Iterator) -> Iterator:
        if self.batch_size is None and self.batch_sampler is None:
            for i in chunks:
                sample = self.dataset[int(i)]
                yield self.collate_fn(sample) if self.collate_fn is not None else sample
            return
        fast = isinstance(self.dataset, TensorDataset) and self.collate_fn is None
        for chunk in chunks:
            if fast:   # same result as collating the rows one by one, in one indexing per tensor
                idx = _make(np.asarray(chunk, dtype=np.int64), D.int64)
                yield [t[idx] for t in self.dataset.tensors]
            else:
                samples = [self.dataset[int(i)] for i in chunk]
                yield (self.collate_fn or default_collate)(samples)

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
