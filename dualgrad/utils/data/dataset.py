"""Map-style datasets: `Dataset`, `TensorDataset`, `Subset` and `random_split`."""
from __future__ import annotations

import math
from collections.abc import Sequence

from ...eager.tensor import Tensor
from ...errors import DualgradValueError, ShapeError, user_frame, user_line
from ...random import Generator, numpy_rng


class Dataset:
    """Subclass and give `__getitem__(index)` (and `__len__` for samplers)."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")


class TensorDataset(Dataset):
    """Samples are tuples of the tensors' rows: `TensorDataset(x, y)[i] == (x[i], y[i])`."""

    def __init__(self, *tensors: Tensor) -> None:
        if any(t.shape[0] != tensors[0].shape[0] for t in tensors):
            raise ShapeError(f"TensorDataset: Size mismatch between tensors (first dims "
                             f"{[t.shape[0] for t in tensors]}; at {user_frame()})")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The items of `dataset` at `indices` (torch.utils.data.Subset)."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence, generator: Generator | None = None) -> list[Subset]:
    """Disjoint random subsets of the given lengths (or fractions summing to 1, each in [0, 1]:
    the remainder of flooring goes one item each to the first splits, as PyTorch's)."""
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, f in enumerate(lengths):
            if not 0 <= f <= 1:  # [1.5, -0.5] sums to 1 but would split n as [n, 0]
                raise DualgradValueError(f"random_split: fraction at index {i} is not between 0 and 1 "
                                         f"({f!r} in {list(lengths)}) {user_line()}")
        sizes = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
    else:
        sizes = [int(k) for k in lengths]
        if any(k < 0 for k in sizes):  # [12, -2] of 10 sums right but would give [10, 0]
            raise DualgradValueError(f"random_split: lengths must not be negative, got {list(lengths)} "
                                     f"{user_line()}")
    if sum(sizes) != n:
        raise ShapeError("Sum of input lengths does not equal the length of the input dataset!")
    order = numpy_rng(generator).permutation(n).tolist()
    out, start = [], 0
    for k in sizes:
        out.append(Subset(dataset, order[start:start + k]))
        start += k
    return out
