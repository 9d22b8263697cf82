"""PyTorch's top-level spellings of functions that live in `dg.linalg` and `dg.nn.functional`:
`dg.pinverse`, `dg.matrix_power`, `dg.cholesky`, `dg.qr`, `dg.svd` (and their Tensor methods),
`dg.dropout`, `dg.layer_norm`, `dg.batch_norm`, `dg.embedding`, `dg.pdist`, ...

Each calls the `dg.linalg` / `dg.nn.functional` function; where PyTorch's top-level signature
differs from the functional one (`torch.batch_norm(input, weight, bias, running_mean,
running_var, training, momentum, eps, cudnn_enabled)`, `torch.embedding(weight, indices, ...)`,
`torch.dropout(input, p, train)`, `torch.svd`'s V), the argument order is PyTorch's top-level
one. No math here.
"""
from __future__ import annotations

from collections import namedtuple

from . import linalg
from .eager import api
from .eager.attach import install
from .eager.creation import zeros
from .eager.tensor import Tensor
from .errors import refusing
from .nn import functional as F

svd_result = namedtuple("svd", ["U", "S", "V"])


# -- dg.linalg under PyTorch's older top-level names ---------------------------------------------
def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse, singular values below rcond * s_max cut (torch.pinverse, which is
    `linalg.pinv(input, rtol=rcond)`)."""
    return linalg.pinv(input, rtol=rcond)


def matrix_power(input: Tensor, n: int) -> Tensor:
    """input ** n for square matrices (torch.matrix_power, `linalg.matrix_power`)."""
    return linalg.matrix_power(input, n)


def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """The Cholesky factor (torch.cholesky, deprecated there for `linalg.cholesky`)."""
    return linalg.cholesky(input, upper=upper)


def qr(input: Tensor, some: bool = True) -> linalg.qr_result:
    """(Q, R), reduced unless `some=False` (torch.qr: `linalg.qr(input, 'reduced' if some
    else 'complete')`)."""
    return linalg.qr(input, "reduced" if some else "complete")


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> svd_result:
    """(U, S, V) with input = U diag(S) V^T: V, not `linalg.svd`'s Vh (torch.svd); reduced
    unless `some=False`. With `compute_uv=False`, U and V are zero-filled (m, m) and (n, n)
    matrices, as PyTorch's. Signs as `linalg.svd` fixes them."""
    if not compute_uv:
        s = linalg.svdvals(input)
        batch, (m, n) = tuple(input.shape[:-2]), tuple(input.shape[-2:])
        return svd_result(zeros(*batch, m, m, dtype=input.dtype, device=input.device), s,
                          zeros(*batch, n, n, dtype=input.dtype, device=input.device))
    u, s, vh = linalg.svd(input, full_matrices=not some)
    return svd_result(u, s, api.transpose(vh, -2, -1))


# -- dg.nn.functional under PyTorch's top-level names --------------------------------------------
selu, celu, threshold, bilinear = F.selu, F.celu, F.threshold, F.bilinear
conv1d, conv2d, pixel_shuffle = F.conv1d, F.conv2d, F.pixel_shuffle
cosine_similarity, pairwise_distance, pdist = F.cosine_similarity, F.pairwise_distance, F.pdist


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """`F.dropout(input, p, training=train)` (torch.dropout: all three arguments required)."""
    return F.dropout(input, p, training=train)


def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """`F.embedding(indices, weight, ...)` in torch.embedding's order (weight first); a negative
    padding_idx means none, as there."""
    return F.embedding(indices, weight, padding_idx=None if padding_idx < 0 else padding_idx,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def layer_norm(input: Tensor, normalized_shape, weight=None, bias=None, eps: float = 1e-5,
               cudnn_enable: bool = True) -> Tensor:
    """`F.layer_norm` (torch.layer_norm; `cudnn_enable` changes nothing)."""
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight=None, bias=None, eps: float = 1e-5,
               cudnn_enabled: bool = True) -> Tensor:
    """`F.group_norm` (torch.group_norm; `cudnn_enabled` changes nothing)."""
    return F.group_norm(input, num_groups, weight, bias, eps)


def batch_norm(input: Tensor, weight, bias, running_mean, running_var, training: bool, momentum: float,
               eps: float, cudnn_enabled: bool = True) -> Tensor:
    """`F.batch_norm` in torch.batch_norm's order (weight and bias before the running stats)."""
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input: Tensor, weight, bias, running_mean, running_var, use_input_stats: bool,
                  momentum: float, eps: float, cudnn_enabled: bool = True) -> Tensor:
    """`F.instance_norm` in torch.instance_norm's order (weight and bias before the running stats)."""
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


FUNCTIONS = install(globals(), {
    "pinverse": pinverse, "matrix_power": matrix_power, "cholesky": cholesky, "qr": qr, "svd": svd})
_NOT_METHODS = {name: refusing(fn, name) for name, fn in {
    "dropout": dropout, "embedding": embedding, "layer_norm": layer_norm, "group_norm": group_norm,
    "batch_norm": batch_norm, "instance_norm": instance_norm}.items()}
globals().update(_NOT_METHODS)
