"""PyTorch's embedding lookup: `F.embedding` and `nn.Embedding` (with `from_pretrained`).

A lookup is the registry's `take` of rows, whose VJP (`take_add`) adds the gradient of every
occurrence of an index into its row, so repeated indices accumulate as in PyTorch. The
`padding_idx` row reads normally but gets no gradient (PyTorch's embedding_backward skips it).
`max_norm` rescales the rows read in place first, as PyTorch's embedding_renorm_;
`scale_grad_by_freq` divides each position's gradient by its index's count in the input (a
hook on the gathered rows); `sparse=True` is refused, never accepted and ignored.
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..backend import is_jax_array
from ..eager import api
from ..eager.creation import as_tensor, empty
from ..eager.grad_mode import no_grad
from ..eager.tensor import Tensor
from ..errors import (
    DualgradNotImplementedError,
    DualgradValueError,
    EagerDTypeError,
    IndexShapeError,
    user_line,
)
from . import init
from .module import Module
from .parameter import Parameter


def padding_index(padding_idx: int | None, num_embeddings: int) -> int | None:
    """PyTorch's check of padding_idx; a negative one counts from the end."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise DualgradValueError(f"Padding_idx must be within num_embeddings (got padding_idx={padding_idx} "
                                 f"for {num_embeddings} embeddings) {user_line()}")
    return padding_idx % num_embeddings


def refuse_sparse(sparse: bool) -> None:
    """sparse=True asks for a sparse gradient, which dualgrad does not have."""
    if sparse:
        raise DualgradNotImplementedError(f"embedding: sparse={sparse!r} is not supported by dualgrad "
                                          f"(only sparse=False: it has no sparse gradients) {user_line()}")


def check_indices(input: Tensor, weight: Tensor) -> None:
    """PyTorch's dtype rule, and its IndexError where the indices are concrete (in a step
    dg.compile traces, `take`'s own check raises when the compiled step runs)."""
    if not isinstance(input, Tensor) or input.dtype.name not in ("int64", "int32"):
        kind = input.dtype.name if isinstance(input, Tensor) else type(input).__name__
        raise EagerDTypeError(f"embedding: expected indices of dtype int64 or int32, got {kind} "
                              f"{user_line()}")
    if weight.ndim != 2:
        raise DualgradValueError(f"embedding: weight must be 2-D, got shape {tuple(weight.shape)} "
                                 f"{user_line()}")
    data = input._data
    if isinstance(data, np.ndarray) or is_jax_array(data):
        indices, n = np.asarray(data), weight.shape[0]
        bad = (indices < 0) | (indices >= n)
        if bad.any():
            raise IndexShapeError(f"embedding: index {int(indices[bad].flat[0])} out of range for {n} "
                                  f"embeddings (weight shape {tuple(weight.shape)}) {user_line()}")


def renorm_(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    """PyTorch's embedding_renorm_: each row `input` reads whose norm_type-norm exceeds
    max_norm is scaled in place, under no_grad, by max_norm / (norm + 1e-7). The rows are the
    input's distinct values (np.unique of the concrete indices: in a step dg.compile traces,
    reading them makes the step run eagerly)."""
    rows = as_tensor(np.unique(np.asarray(input)), device=weight.device)
    with no_grad():
        picked = ops.take(weight, rows, axis=0)
        norms = api.norm(picked, p=norm_type, dim=1, keepdim=True)
        scale = ops.where(ops.greater(norms, max_norm), ops.divide(max_norm, ops.add(norms, 1e-7)), 1.0)
        weight[rows] = ops.multiply(picked, scale)


def _scaled_by_frequency(rows: Tensor, input: Tensor) -> Tensor:
    """`rows` (the gathered rows) with the gradient of each position divided by the number of
    times its index occurs in `input` (PyTorch's scale_grad_by_freq); the value is rows * 1,
    exact. The counts come from the concrete indices (a traced step runs eagerly)."""
    if not rows.requires_grad:
        return rows
    indices = np.asarray(input)
    _, inverse, counts = np.unique(indices, return_inverse=True, return_counts=True)
    scale = as_tensor((1.0 / counts)[inverse.reshape(indices.shape)][..., None], dtype=rows.dtype,
                      device=rows.device)
    rows.register_hook(lambda grad: ops.multiply(grad, scale))
    return ops.multiply(rows, 1)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of `weight` at the integer `input` (torch.nn.functional.embedding): shape
    input.shape + (embedding_dim,); repeated indices add their gradients, the padding_idx row
    gets none; with max_norm, the rows read are renormalised in place first, and with
    scale_grad_by_freq each position's gradient is divided by its index's count (PyTorch's)."""
    refuse_sparse(sparse)
    check_indices(input, weight)
    padding = padding_index(padding_idx, weight.shape[0])
    if max_norm is not None:
        renorm_(weight, input, max_norm, norm_type)
    out = ops.take(weight, input, axis=0)
    if scale_grad_by_freq:
        out = _scaled_by_frequency(out, input)
    if padding is None:
        return out
    at_padding = ops.expand_dims(ops.equal(input, padding), axis=-1)
    return ops.where(at_padding, out.detach(), out)  # same values; no gradient to the padding row


class Embedding(Module):
    """A lookup table of `num_embeddings` vectors of size `embedding_dim` (torch.nn.Embedding):
    weight ~ N(0, 1) from dualgrad's generator, the padding_idx row zero."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None, _freeze: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        refuse_sparse(sparse)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_index(padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(empty(num_embeddings, embedding_dim, dtype=dtype, device=device),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise DualgradValueError(f"Shape of weight does not match num_embeddings and embedding_dim: "
                                         f"{tuple(_weight.shape)} vs ({num_embeddings}, {embedding_dim}) "
                                         f"{user_line()}")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Re-draws weight from N(0, 1) and zeroes the padding row (nn.Embedding.reset_parameters)."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():  # (a write into the row, not a view's fill_: jax arrays have no views)
                self.weight[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        """`embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq)`."""
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq)

    def extra_repr(self) -> str:
        """`num_embeddings, embedding_dim[, padding_idx=...]`, as PyTorch prints it."""
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> Embedding:
        """An Embedding whose weight is `embeddings` itself (2-d), frozen unless `freeze=False`;
        the padding row is kept as given, as PyTorch."""
        if embeddings.ndim != 2:
            raise DualgradValueError(f"Embeddings parameter is expected to be 2-dimensional, got shape "
                                     f"{tuple(embeddings.shape)} {user_line()}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)
