"""`nn.init.orthogonal_` and `nn.init.trunc_normal_`, PyTorch's algorithms: a QR of a normal draw
with R's diagonal signs folded into Q (Saxe et al. 2013), and the inverse-CDF truncated normal.
Drawn on the host from dualgrad's generator (`dg.manual_seed`, or `generator=`) in float64 and
written in place under `no_grad`, as the other initialisers."""
from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..eager.tensor import Tensor
from ..errors import ShapeError, user_line
from ..random import numpy_rng
from .init import fill_drawn


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Fills `tensor` (2 or more dims, flattened to rows x the rest) with a (semi-)orthogonal
    matrix times `gain`: orthonormal rows or columns, whichever are fewer
    (torch.nn.init.orthogonal_)."""
    if tensor.ndim < 2:
        raise ShapeError(f"orthogonal_: Only tensors with 2 or more dimensions are supported (got shape "
                         f"{tuple(tensor.shape)}) {user_line()}")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = numpy_rng(generator).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))  # the unique Q with R's diagonal positive (Haar-distributed)
    if rows < cols:
        q = q.T
    return fill_drawn(tensor, gain * q, "normal_kernel_cpu", "orthogonal_")


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None) -> Tensor:
    """Fills `tensor` from N(mean, std^2) truncated to [a, b] (a, b in the values' units, as
    PyTorch's): a uniform draw between the CDF at a and at b, mapped back by erfinv
    (torch.nn.init.trunc_normal_)."""
    def cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    low, high = cdf((a - mean) / std), cdf((b - mean) / std)
    u = numpy_rng(generator).uniform(2 * low - 1, 2 * high - 1, tuple(tensor.shape))
    values = np.asarray(ops.erfinv(u)) * (std * math.sqrt(2.0)) + mean
    return fill_drawn(tensor, np.clip(values, a, b), "check_uniform_bounds", "trunc_normal_")


__all__ = ["orthogonal_", "trunc_normal_"]
