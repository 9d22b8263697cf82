"""`DataLoader`: batches of a dataset, in order or shuffled, collated (PyTorch's loader, in
this process: `num_workers` is accepted and ignored)."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from ...eager.tensor import Tensor
from ...random import Generator
from .collate import default_collate, default_convert
from .dataset import Dataset, TensorDataset
from .more import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler


class DataLoader:
    """Batches of a dataset, shuffled or not, collated into tensors (torch.utils.data.DataLoader);
    with `batch_size=None`, single samples without a batch dim (`default_convert`ed)."""

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0, collate_fn: Callable | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn=None, generator: Generator | None = None, *, prefetch_factor=None,
                 persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True) -> None:
        """PyTorch's arguments; the worker and memory-pinning ones change nothing here (batches are
        loaded in this process), and unknown ones raise TypeError."""
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
            raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                             "and drop_last")
        if batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        self.dataset = dataset
        if isinstance(dataset, IterableDataset):  # a stream: batched in the order it yields
            options = (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler))
            for option, value in options:
                if value is not None and value is not False:
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {option} "
                                     f"option, but got {option}={value!r}")
            self.batch_size, self.drop_last, self.generator = batch_size, drop_last, generator
            self.sampler = self.batch_sampler = None
            self.collate_fn = collate_fn or (default_collate if batch_size is not None else default_convert)
            self.num_workers = num_workers
            return
        self.batch_size = None if batch_sampler is not None else batch_size
        self.drop_last = drop_last
        self.generator = generator
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        self.sampler = sampler
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_sampler is not None else default_convert)
        self.num_workers = num_workers

    def __iter__(self) -> Iterator:
        if isinstance(self.dataset, IterableDataset):
            yield from self._stream()
            return
        if self.batch_sampler is None:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
            return
        whole = type(self.dataset) is TensorDataset and self.collate_fn is default_collate \
            and all(isinstance(t, Tensor) for t in self.dataset.tensors)  # numpy rows: collated to tensors
        for indices in self.batch_sampler:
            if whole:  # the rows at once: the same batch as stacking each sample's rows
                key = np.asarray(indices, dtype=np.int64)
                yield [t[key] for t in self.dataset.tensors]
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def _stream(self) -> Iterator:
        """Batches of an IterableDataset: `batch_size` samples at a time, the last short one
        kept unless `drop_last`."""
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):  # PyTorch's: from the dataset's own len()
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler) if self.batch_sampler is not None else len(self.sampler)
