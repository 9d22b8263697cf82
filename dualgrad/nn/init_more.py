"""`nn.init.orthogonal_` and `nn.init.trunc_normal_`, PyTorch's algorithms: a QR of a normal draw
with R's diagonal signs folded into Q (Saxe et al. 2013), and the truncated normal by rejection
(PyTorch 2.13's: normal draws where [a, b] holds more than 0.3 of the mass, else uniform
proposals on [a, b] accepted by the density; the inverse CDF it replaced put every draw at
b where [a, b] lies 9 or more std from the mean, both CDF values rounding to 1).
Drawn on the host from dualgrad's generator (`dg.manual_seed`, or `generator=`) in float64 and
written in place under `no_grad`, as the other initialisers."""
from __future__ import annotations

import math

import numpy as np

from ..eager.tensor import Tensor
from ..errors import ShapeError, user_line
from ..random import numpy_rng
from .init_fill import fill_drawn


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
    PyTorch's), by PyTorch's rejection sampling (see the module docstring), so a far tail
    ([1, 3] of N(0, 0.1^2)) is drawn as finely as the centre (torch.nn.init.trunc_normal_)."""
    values = _truncated_normal(numpy_rng(generator), tuple(tensor.shape), mean, std, a, b)
    return fill_drawn(tensor, np.clip(values, a, b), "check_uniform_bounds", "trunc_normal_")


def _truncated_normal(rng: np.random.Generator, shape: tuple, mean: float, std: float, a: float,
                      b: float) -> np.ndarray:
    """Draws of N(mean, std^2) on [a, b] in float64: each element is drawn again until one is
    accepted. An infinite bound of a thin slice is taken 40 std past the mean or the other
    bound (the mass beyond is below exp(-800) of the slice's)."""
    def cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    out = np.empty(math.prod(shape))
    todo = np.arange(out.size)
    if cdf((b - mean) / std) - cdf((a - mean) / std) > 0.3:
        while todo.size:
            out[todo] = rng.normal(mean, std, todo.size)
            todo = todo[(out[todo] < a) | (out[todo] > b)]
        return out.reshape(shape)
    lo = a if math.isfinite(a) else min(b, mean) - 40 * std
    hi = b if math.isfinite(b) else max(a, mean) + 40 * std
    peak = ((max(lo, min(mean, hi)) - mean) / std) ** 2  # the density's largest value on [lo, hi]
    while todo.size:
        x = rng.uniform(lo, hi, todo.size)
        out[todo] = x
        with np.errstate(divide="ignore"):
            todo = todo[np.log(rng.uniform(size=todo.size)) > -0.5 * (((x - mean) / std) ** 2 - peak)]
    return out.reshape(shape)


__all__ = ["orthogonal_", "trunc_normal_"]
