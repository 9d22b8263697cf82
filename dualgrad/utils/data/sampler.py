"""Samplers: which dataset indices a DataLoader visits, in which order, in which batches."""
from __future__ import annotations

from collections.abc import Iterator, Sized

from ...errors import DualgradTypeError, DualgradValueError, user_line
from ...random import Generator, numpy_rng


class Sampler:
    """Base class: an iterable of dataset indices (torch.utils.data.Sampler)."""

    def __init__(self, data_source: Sized | None = None) -> None:
        """Takes (and ignores) `data_source`, so a subclass's `super().__init__(data_source)`
        runs, as PyTorch's does."""

    def __iter__(self) -> Iterator:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """Indices 0..len-1 in order (torch.utils.data.SequentialSampler)."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh permutation each epoch (or draws with replacement), from `generator` when
    given, else from dualgrad's global generator (`dg.manual_seed`)."""

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator: Generator | None = None) -> None:
        if not isinstance(replacement, bool):  # replacement="False" would draw with replacement
            raise DualgradTypeError(f"replacement should be a boolean value, but got "
                                    f"replacement={replacement!r} {user_line()}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        """How many indices one epoch draws (RandomSampler.num_samples)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        rng, n = numpy_rng(self.generator), len(self.data_source)
        if n == 0:  # num_samples > 0 indices of nothing: refused (the refill loop below never ends)
            raise DualgradValueError(f"RandomSampler: cannot draw num_samples={self.num_samples} indices "
                                     f"from an empty data source {user_line()}")
        if self.replacement:
            return iter(rng.integers(0, n, self.num_samples).tolist())
        order: list[int] = []
        while len(order) < self.num_samples:
            order.extend(rng.permutation(n).tolist())
        return iter(order[:self.num_samples])

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of `batch_size` indices from `sampler`; the short last one is kept unless
    `drop_last`."""

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError("batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):  # drop_last="False" would drop the short batch
            raise DualgradValueError(f"drop_last should be a boolean value, but got drop_last={drop_last!r} "
                                     f"{user_line()}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
