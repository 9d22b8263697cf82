"""`IterableDataset`, `ConcatDataset`, `SubsetRandomSampler` and `WeightedRandomSampler`, as in
`torch.utils.data`; draws come from the sampler's `generator` when given, else from dualgrad's
global generator (`dg.manual_seed`)."""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from ...eager.tensor import Tensor
from ...errors import DualgradTypeError, DualgradValueError, user_line
from ...random import Generator, numpy_rng
from .dataset import Dataset
from .sampler import Sampler


class IterableDataset(Dataset):
    """A stream of samples: subclass and give `__iter__` (torch.utils.data.IterableDataset).
    A DataLoader batches it in the order it yields (no sampler, no shuffle)."""

    def __iter__(self) -> Iterator:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Iterable datasets one after another (torch.utils.data.ChainDataset)."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)

    def __iter__(self) -> Iterator:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise DualgradTypeError(f"ChainDataset only supports IterableDataset, got {type(d).__name__} "
                                        f"{user_line()}")
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


class ConcatDataset(Dataset):
    """Map-style datasets end to end: index i reads the dataset it falls in
    (torch.utils.data.ConcatDataset; `cumulative_sizes` as PyTorch's)."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise DualgradValueError(f"ConcatDataset: datasets should not be an empty iterable {user_line()}")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise DualgradTypeError(f"ConcatDataset does not support IterableDataset {user_line()}")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise DualgradValueError(f"ConcatDataset: absolute value of index should not exceed dataset "
                                         f"length ({idx} of {n}) {user_line()}")
            idx += n
        if idx >= n:
            raise IndexError(f"ConcatDataset: index {idx} is out of range for length {n}")
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


def _add(self: Dataset, other: Dataset) -> ConcatDataset:
    """`a + b` of map-style datasets is their ConcatDataset (PyTorch's Dataset.__add__)."""
    return ConcatDataset([self, other])


Dataset.__add__ = _add  # (here, not in dataset.py: ConcatDataset is defined above)


class SubsetRandomSampler(Sampler):
    """The given indices in a fresh random order each epoch (torch.utils.data.SubsetRandomSampler)."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator:
        for i in numpy_rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices drawn with probabilities proportional to `weights` (with
    replacement by default; without it, no index twice) (torch.utils.data.WeightedRandomSampler):
    the class-imbalance sampler."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples <= 0:
            raise DualgradValueError(f"num_samples should be a positive integer value, but got "
                                     f"num_samples={num_samples!r} {user_line()}")
        if not isinstance(replacement, bool):
            raise DualgradValueError(f"replacement should be a boolean value, but got replacement="
                                     f"{replacement!r} {user_line()}")
        w = np.asarray(weights.detach().numpy() if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if w.ndim != 1:
            raise DualgradValueError(f"weights should be a 1d sequence but given weights have shape "
                                     f"{tuple(w.shape)} {user_line()}")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or not np.sum(w) > 0:
            raise DualgradValueError(f"WeightedRandomSampler: weights must be finite, non-negative and not "
                                     f"all zero {user_line()}")
        if not replacement and num_samples > np.count_nonzero(w):
            raise DualgradValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples without "
                                     f"replacement from {np.count_nonzero(w)} non-zero weights {user_line()}")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        p = self.weights / self.weights.sum()
        rng = numpy_rng(self.generator)
        return iter(rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p).tolist())

    def __len__(self) -> int:
        return self.num_samples


__all__ = ["ChainDataset", "ConcatDataset", "IterableDataset", "SubsetRandomSampler", "WeightedRandomSampler"]
