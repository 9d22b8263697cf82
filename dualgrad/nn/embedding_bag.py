"""PyTorch's bags of embeddings: `F.embedding_bag` and `nn.EmbeddingBag` (the layer of
PyTorch's text classification tutorial: `embedding(text, offsets)`).

The bags (rows of a 2-D input, or the slices of a 1-D input that `offsets` starts) are laid
out as a (bags, longest) table of positions with a validity mask, worked out from the
concrete indices (bookkeeping, not math); the rows are the registry's `take` (`embedding`),
and the reduction is where/sum/divide/max_dim over that table, so gradients are those ops':
repeated indices accumulate, padding_idx entries are left out of the bag (and of the mean's
count), an empty bag is zeros, and `mode='max'` gives each dimension's gradient to the first
maximum in the bag (`max_dim`, as PyTorch's kernel).
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..eager.creation import as_tensor, empty
from ..eager.grad_mode import no_grad
from ..eager.tensor import Tensor
from ..errors import DualgradNotImplementedError, DualgradValueError, user_line
from . import init
from .module import Module
from .parameter import Parameter
from .sparse import check_indices, padding_index, refuse_sparse, renorm_

MODES = ("sum", "mean", "max")


def _bag_table(input: Tensor, offsets: Tensor | None,
               include_last_offset: bool) -> tuple[np.ndarray, np.ndarray]:
    """(positions into the flattened input, validity) of shape (bags, longest), PyTorch's
    rules for 2-D input (one bag per row) and 1-D input with offsets."""
    if input.ndim == 2:
        if offsets is not None:
            raise DualgradValueError(f"if input is 2D, then offsets has to be None, as input is treated is a "
                                     f"mini-batch of fixed length sequences {user_line()}")
        bags, length = input.shape
        return np.arange(bags * length).reshape(bags, length), np.ones((bags, length), dtype=bool)
    if input.ndim != 1:
        raise DualgradValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim} "
                                 f"{user_line()}")
    if offsets is None or offsets.ndim != 1:
        raise DualgradValueError(f"offsets has to be a 1D Tensor but got "
                                 f"{'None' if offsets is None else f'{offsets.ndim}-D'} {user_line()}")
    n, starts = input.shape[0], np.asarray(offsets).astype(np.int64)
    ends = starts[1:] if include_last_offset else np.append(starts[1:], n)
    starts = starts[:-1] if include_last_offset else starts
    if len(starts) and starts[0] != 0:
        raise DualgradValueError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to "
                                 f"start from position 0. However, got {starts[0]} {user_line()}")
    if len(ends) and (ends[-1] > n or np.any(ends < starts)):
        raise DualgradValueError(f"embedding_bag: offsets must be non-decreasing and at most the input's "
                                 f"length {n}, got {np.asarray(offsets).tolist()} {user_line()}")
    lengths = ends - starts
    steps = np.arange(max(int(lengths.max(initial=0)), 1))
    valid = steps[None, :] < lengths[:, None]
    return np.where(valid, starts[:, None] + steps[None, :], 0), valid


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                  sparse: bool = False, per_sample_weights: Tensor | None = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Tensor:
    """The sum, mean or max of each bag's embeddings (torch.nn.functional.embedding_bag):
    shape (bags, embedding_dim)."""
    refuse_sparse(sparse)
    if mode not in MODES:
        raise DualgradValueError(f"mode has to be one of sum, mean or max {user_line()}")
    if scale_grad_by_freq:
        what = "max mode does not support" if mode == "max" else "dualgrad does not support"
        raise DualgradNotImplementedError(f"embedding_bag: {what} scaling the gradient by the frequency "
                                          f"{user_line()}")
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
        raise DualgradValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not "
                                 f"None, then it must have the same shape as the input ({input.shape}) "
                                 f"{user_line()}")
    if per_sample_weights is not None and mode != "sum":
        raise DualgradNotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                          f"per_sample_weights is only supported for mode='sum' "
                                          f"(got mode='{mode}') {user_line()}")
    check_indices(input, weight)
    positions, valid = _bag_table(input, offsets, include_last_offset)
    if max_norm is not None:
        renorm_(weight, input, max_norm, norm_type)
    flat = np.asarray(input).reshape(-1)
    indices = flat[positions] if flat.size else np.zeros(positions.shape, dtype=np.int64)  # (no entries)
    padding = padding_index(padding_idx, weight.shape[0])
    if padding is not None:
        valid = valid & (indices != padding)
    rows = ops.take(weight, as_tensor(indices, device=weight.device), axis=0)  # (bags, longest, dim)
    keep = as_tensor(valid[..., None], device=weight.device)
    count = valid.sum(axis=1, keepdims=True)
    if mode == "max":
        largest = ops.max_dim(ops.where(keep, rows, float("-inf")), axis=1)
        return ops.where(as_tensor(count > 0, device=weight.device), largest, 0.0)  # an empty bag: zeros
    if per_sample_weights is not None:
        flat = ops.reshape(per_sample_weights, shape=(-1,))
        if not flat.shape[0]:  # no entries: the (masked) slots read one appended 0
            flat = ops.concatenate(flat, as_tensor(np.zeros(1), dtype=flat.dtype, device=weight.device))
        scale = ops.take(flat, as_tensor(positions, device=weight.device), axis=0)
        rows = ops.multiply(rows, ops.expand_dims(scale, axis=-1))
    total = ops.sum(ops.where(keep, rows, 0.0), axis=1)
    if mode == "sum":
        return total
    return ops.divide(total, as_tensor(np.maximum(count, 1).astype(np.float64), dtype=total.dtype,
                                       device=weight.device))


class EmbeddingBag(Module):
    """Sums, means or maxes of bags of embeddings without building the per-token rows
    (torch.nn.EmbeddingBag): weight ~ N(0, 1) from dualgrad's generator, the padding_idx row
    zero; `forward(input, offsets=None, per_sample_weights=None)`."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None, include_last_offset: bool = False,
                 padding_idx: int | None = None, device=None, dtype=None) -> None:
        super().__init__()
        refuse_sparse(sparse)
        if scale_grad_by_freq:
            raise DualgradNotImplementedError(f"EmbeddingBag: scale_grad_by_freq=True is not supported by "
                                              f"dualgrad {user_line()}")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.mode, self.sparse = scale_grad_by_freq, mode, sparse
        self.include_last_offset = include_last_offset
        self.padding_idx = padding_index(padding_idx, num_embeddings)
        if _weight is None:
            self.weight = Parameter(empty(num_embeddings, embedding_dim, dtype=dtype, device=device))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise DualgradValueError(f"Shape of weight does not match num_embeddings and embedding_dim: "
                                         f"{tuple(_weight.shape)} {user_line()}")
            self.weight = Parameter(_weight)

    def reset_parameters(self) -> None:
        """Re-draws weight from N(0, 1) and zeroes the padding row (nn.EmbeddingBag.reset_parameters)."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        """`embedding_bag(input, weight, offsets, ...)` with the layer's options."""
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.scale_grad_by_freq, self.mode, self.sparse, per_sample_weights,
                             self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        """`10, 3, mode='mean'` and the options set, as PyTorch prints it."""
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag whose weight is `embeddings` (2-d), frozen unless `freeze=False`."""
        if embeddings.ndim != 2:
            raise DualgradValueError(f"Embeddings parameter is expected to be 2-dimensional, got shape "
                                     f"{tuple(embeddings.shape)} {user_line()}")
        bag = cls(*embeddings.shape, max_norm, norm_type, scale_grad_by_freq, mode, sparse, embeddings,
                  include_last_offset, padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag
